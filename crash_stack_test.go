//go:build unix

package gatehouse_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
	"gatehouse/internal/store/bolt"
)

// linkTemplate ends with a VPC link V2, whose provisioning takes as long
// as the server's --vpc-link-delay: a window in which the stack is
// CREATE_IN_PROGRESS with the link made but not yet recorded as its
// resource.
const linkTemplate = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.40.0.0/16
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.40.1.0/24
      AvailabilityZone: !Select [0, !GetAZs ""]
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.40.2.0/24
      AvailabilityZone: !Select [1, !GetAZs ""]
  LinkGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: link
      VpcId: !Ref Vpc
  Link:
    Type: AWS::ApiGatewayV2::VpcLink
    Properties:
      Name: link
      SubnetIds: [!Ref SubnetA, !Ref SubnetB]
      SecurityGroupIds: [!Ref LinkGroup]
`

// TestStackCreateKilledRollsBackOnRestart kills `gatehouse serve` with
// SIGKILL while a stack waits for its VPC link, then starts it again on
// the same data: the interrupted create rolls back, the link the killed
// server made but never recorded is found by its aws:cloudformation tags
// and deleted with everything else, and the stack says why.
func TestStackCreateKilledRollsBackOnRestart(t *testing.T) {
	bin := buildGatehouse(t)
	dir := t.TempDir()
	ctx := context.Background()

	srv := startProcess(t, bin, dir, "--no-default-vpc", "--vpc-link-delay", "1h")
	cfg := servertest.AWSConfig(srv.url)
	c := cfn.NewFromConfig(cfg)
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("linked"), TemplateBody: aws.String(linkTemplate)}); err != nil {
		t.Fatal(err)
	}
	// Wait for the link to exist in API Gateway while the stack still
	// waits for it to become AVAILABLE.
	links := apigatewayv2.NewFromConfig(cfg)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		out, err := links.GetVpcLinks(ctx, &apigatewayv2.GetVpcLinksInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Items) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no VPC link after 30s:\n%s", srv.log)
		}
	}
	res, err := c.DescribeStackResource(ctx, &cfn.DescribeStackResourceInput{StackName: aws.String("linked"), LogicalResourceId: aws.String("Link")})
	if err != nil {
		t.Fatal(err)
	}
	if d := res.StackResourceDetail; d.ResourceStatus != cfntypes.ResourceStatusCreateInProgress || aws.ToString(d.PhysicalResourceId) != "" {
		t.Fatalf("before the kill the link is %s %q", d.ResourceStatus, aws.ToString(d.PhysicalResourceId))
	}
	srv.kill(t)

	srv = startProcess(t, bin, dir, "--no-default-vpc", "--vpc-link-delay", "0")
	cfg = servertest.AWSConfig(srv.url)
	c = cfn.NewFromConfig(cfg)
	var st cfntypes.Stack
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		out, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("linked")})
		if err != nil {
			t.Fatal(err)
		}
		if st = out.Stacks[0]; !strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %s 30s after the restart:\n%s", st.StackStatus, srv.log)
		}
	}
	if st.StackStatus != cfntypes.StackStatusRollbackComplete {
		t.Fatalf("after the restart: %s\n%s", st.StackStatus, eventLines(t, c, "linked"))
	}
	ev := eventLines(t, c, "linked")
	if !strings.Contains(ev, "linked ROLLBACK_IN_PROGRESS The operation was interrupted by a restart of gatehouse. Rollback requested by user.") ||
		!strings.Contains(ev, "Link DELETE_COMPLETE") {
		t.Fatalf("events:\n%s", ev)
	}
	out, err := apigatewayv2.NewFromConfig(cfg).GetVpcLinks(ctx, &apigatewayv2.GetVpcLinksInput{})
	if err != nil || len(out.Items) != 0 {
		t.Fatalf("VPC links after the rollback: %v %v", out, err)
	}
	vpcs, err := ec2.NewFromConfig(cfg).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(vpcs.Vpcs) != 0 {
		t.Fatalf("VPCs after the rollback: %v %v", vpcs, err)
	}
	srv.stop(t)
}

// TestStackCreateStoppedGracefullyResumes interrupts `gatehouse serve`
// while a stack waits for its VPC link: the graceful stop records nothing
// as failed (the stored stack is still CREATE_IN_PROGRESS), and the next
// start rolls the create back.
func TestStackCreateStoppedGracefullyResumes(t *testing.T) {
	bin := buildGatehouse(t)
	dir := t.TempDir()
	ctx := context.Background()

	srv := startProcess(t, bin, dir, "--no-default-vpc", "--vpc-link-delay", "1h")
	cfg := servertest.AWSConfig(srv.url)
	if _, err := cfn.NewFromConfig(cfg).CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("linked"), TemplateBody: aws.String(linkTemplate)}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		out, err := apigatewayv2.NewFromConfig(cfg).GetVpcLinks(ctx, &apigatewayv2.GetVpcLinksInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Items) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no VPC link after 30s:\n%s", srv.log)
		}
	}
	srv.stop(t)

	st, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var stacks []*model.Stack
	err = model.View(st, "000000000000", "us-east-1", func(tx model.Tx) error {
		stacks, err = model.List[model.Stack](tx)
		return err
	})
	st.Close()
	if err != nil || len(stacks) != 1 || stacks[0].Status != "CREATE_IN_PROGRESS" || stacks[0].Resource("Link").Status != "CREATE_IN_PROGRESS" {
		t.Fatalf("stored after a graceful stop: %v %+v", err, stacks)
	}

	srv = startProcess(t, bin, dir, "--no-default-vpc", "--vpc-link-delay", "0")
	c := cfn.NewFromConfig(servertest.AWSConfig(srv.url))
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		out, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("linked")})
		if err != nil {
			t.Fatal(err)
		}
		if s := out.Stacks[0]; s.StackStatus == cfntypes.StackStatusRollbackComplete {
			break
		} else if !strings.HasSuffix(string(s.StackStatus), "_IN_PROGRESS") || time.Now().After(deadline) {
			t.Fatalf("after the restart: %s\n%s", s.StackStatus, eventLines(t, c, "linked"))
		}
	}
	srv.stop(t)
}
