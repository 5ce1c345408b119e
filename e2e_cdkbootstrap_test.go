package gatehouse_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"

	"gatehouse"
	"gatehouse/internal/servertest"
)

// cdkQualifier starts a server as `gatehouse serve` does by default:
// seeding the CDK bootstrap version parameter.
func cdkQualifier(q string) servertest.Option {
	return func(c *gatehouse.Config) { c.CDKQualifier = q }
}

// The bootstrap version parameter is there from the start, and a value
// the user put survives a restart: seeding writes only what is absent.
func TestCDKBootstrapParameterSeeded(t *testing.T) {
	srv := servertest.Start(t, servertest.DataDir(t.TempDir()), cdkQualifier("hnb659fds"))
	client := srv.SSM()
	got, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/cdk-bootstrap/hnb659fds/version")})
	if err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(got.Parameter.Value); v != gatehouse.CDKBootstrapVersion || got.Parameter.Version != 1 {
		t.Fatalf("seeded %q version %d, want %s version 1", v, got.Parameter.Version, gatehouse.CDKBootstrapVersion)
	}
	if _, err := client.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String("/cdk-bootstrap/hnb659fds/version"),
		Value: aws.String("21"), Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	srv = srv.Restart()
	got, err = srv.SSM().GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/cdk-bootstrap/hnb659fds/version")})
	if err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(got.Parameter.Value); v != "21" || got.Parameter.Version != 2 {
		t.Fatalf("after a restart %q version %d, want the user's 21 at version 2", v, got.Parameter.Version)
	}

	// Without a qualifier nothing is seeded.
	bare := servertest.Start(t)
	_, err = bare.SSM().GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/cdk-bootstrap/hnb659fds/version")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ParameterNotFound" {
		t.Fatalf("unseeded server: %v, want ParameterNotFound", err)
	}
}

// cdkStyleTemplate checks its bootstrap version as every template
// aws-cdk-lib synthesizes does.
const cdkStyleTemplate = `
Parameters:
  BootstrapVersion:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /cdk-bootstrap/hnb659fds/version
Rules:
  CheckBootstrapVersion:
    Assertions:
      - Assert: !Not [!Contains [["1", "2", "3", "4", "5"], !Ref BootstrapVersion]]
        AssertDescription: CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI.
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
`

// The bootstrap version parameter is in every region a request is signed
// for, not only the default one: a CDK template deploys to another region,
// that region's parameter can be read and deleted like any other, and a
// deleted one stays deleted.
func TestCDKBootstrapParameterInEveryRegion(t *testing.T) {
	srv := servertest.Start(t, cdkQualifier("hnb659fds"), servertest.StackWait(30*time.Second))
	ctx := context.Background()
	in := func(region string) aws.Config {
		cfg := srv.AWSConfig()
		cfg.Region = region
		return cfg
	}
	c := cfn.NewFromConfig(in("eu-west-1"))
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("cdk"), TemplateBody: aws.String(cdkStyleTemplate)}); err != nil {
		t.Fatal(err)
	}
	st := waitSettled(t, c, "cdk")
	if st.StackStatus != cfntypes.StackStatusCreateComplete || aws.ToString(st.Parameters[0].ResolvedValue) != gatehouse.CDKBootstrapVersion {
		t.Fatalf("%s %+v\n%s", st.StackStatus, st.Parameters, eventLines(t, c, "cdk"))
	}

	p := ssm.NewFromConfig(in("ap-south-1"))
	name := aws.String("/cdk-bootstrap/hnb659fds/version")
	got, err := p.GetParameter(ctx, &ssm.GetParameterInput{Name: name})
	if err != nil || aws.ToString(got.Parameter.Value) != gatehouse.CDKBootstrapVersion ||
		!strings.Contains(aws.ToString(got.Parameter.ARN), ":ap-south-1:") {
		t.Fatalf("in ap-south-1: %+v %v", got, err)
	}
	if _, err := p.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: name}); err != nil {
		t.Fatal(err)
	}
	_, err = p.GetParameter(ctx, &ssm.GetParameterInput{Name: name})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ParameterNotFound" {
		t.Fatalf("after deleting it: %v, want ParameterNotFound", err)
	}
}
