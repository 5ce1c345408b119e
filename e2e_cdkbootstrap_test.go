package gatehouse_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
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
