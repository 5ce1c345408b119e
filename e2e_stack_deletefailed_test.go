package gatehouse_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

// resourceStatus is a stack resource's status, as DescribeStackResource
// gives it.
func resourceStatus(t *testing.T, c *cfn.Client, stackName, logical string) cfntypes.ResourceStatus {
	t.Helper()
	out, err := c.DescribeStackResource(context.Background(), &cfn.DescribeStackResourceInput{StackName: aws.String(stackName), LogicalResourceId: aws.String(logical)})
	if err != nil {
		t.Fatal(err)
	}
	return out.StackResourceDetail.ResourceStatus
}

// vpcExists reports whether EC2 still knows the VPC.
func vpcExists(t *testing.T, c *ec2.Client, id string) bool {
	t.Helper()
	out, err := c.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range out.Vpcs {
		if aws.ToString(v.VpcId) == id {
			return true
		}
	}
	return false
}

// TestStackDeleteGoesOnPastAFailure: of two independent VPCs, the one EC2
// refuses to delete (a subnet made outside the stack is in it) is
// DELETE_FAILED with EC2's error while the other is deleted; the stack is
// DELETE_FAILED naming the one, and a retry that retains it completes.
func TestStackDeleteGoesOnPastAFailure(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second), servertest.StackDependencyWait(time.Millisecond))
	c, ec := srv.CloudFormation(), srv.EC2()
	ctx := context.Background()
	body := `
Resources:
  A:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.1.0.0/16
  B:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.2.0.0/16
`
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("s"), TemplateBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "s"); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("status %s\n%s", st.StackStatus, eventLines(t, c, "s"))
	}
	a, b := physicalID(t, c, "s", "A"), physicalID(t, c, "s", "B")
	if _, err := ec.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(b), CidrBlock: aws.String("10.2.1.0/24")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	st := waitSettled(t, c, "s")
	if st.StackStatus != cfntypes.StackStatusDeleteFailed || aws.ToString(st.StackStatusReason) != "The following resource(s) failed to delete: [B]." {
		t.Fatalf("status %s %q\n%s", st.StackStatus, aws.ToString(st.StackStatusReason), eventLines(t, c, "s"))
	}
	ev := eventLines(t, c, "s")
	if !strings.Contains(ev, "A DELETE_COMPLETE") || !strings.Contains(ev, "B DELETE_FAILED") || !strings.Contains(ev, "DependencyViolation") {
		t.Fatalf("events:\n%s", ev)
	}
	if resourceStatus(t, c, "s", "A") != cfntypes.ResourceStatusDeleteComplete || resourceStatus(t, c, "s", "B") != cfntypes.ResourceStatusDeleteFailed {
		t.Fatalf("events:\n%s", ev)
	}
	if vpcExists(t, ec, a) || !vpcExists(t, ec, b) {
		t.Fatalf("after the failed delete: A exists %v, B exists %v", vpcExists(t, ec, a), vpcExists(t, ec, b))
	}
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("s"), RetainResources: []string{"B"}}); err != nil {
		t.Fatal(err)
	}
	// A deleted stack is found by its id only.
	if st := waitSettled(t, c, aws.ToString(st.StackId)); st.StackStatus != cfntypes.StackStatusDeleteComplete {
		t.Fatalf("status %s\n%s", st.StackStatus, eventLines(t, c, "s"))
	}
	if !vpcExists(t, ec, b) {
		t.Fatal("the retained VPC was deleted")
	}
}

// TestStackDeleteKeepsWhatAFailureNeeds: a security group another group
// outside the stack refers to cannot be deleted, so its VPC, which it
// needs, is not tried and stays as it was, while an independent VPC goes;
// once the outside group is gone, deleting again completes.
func TestStackDeleteKeepsWhatAFailureNeeds(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second), servertest.StackDependencyWait(time.Millisecond))
	c, ec := srv.CloudFormation(), srv.EC2()
	ctx := context.Background()
	body := `
Resources:
  Other:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.1.0.0/16
  Net:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.2.0.0/16
  Guard:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: guard
      VpcId: !Ref Net
`
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("s"), TemplateBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "s"); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("status %s\n%s", st.StackStatus, eventLines(t, c, "s"))
	}
	other, net, guard := physicalID(t, c, "s", "Other"), physicalID(t, c, "s", "Net"), physicalID(t, c, "s", "Guard")
	outside, err := ec.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("outside"), Description: aws.String("outside"), VpcId: aws.String(net)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ec.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: outside.GroupId,
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(guard)}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	st := waitSettled(t, c, "s")
	ev := eventLines(t, c, "s")
	if st.StackStatus != cfntypes.StackStatusDeleteFailed || aws.ToString(st.StackStatusReason) != "The following resource(s) failed to delete: [Guard]." {
		t.Fatalf("status %s %q\n%s", st.StackStatus, aws.ToString(st.StackStatusReason), ev)
	}
	if resourceStatus(t, c, "s", "Other") != cfntypes.ResourceStatusDeleteComplete || resourceStatus(t, c, "s", "Guard") != cfntypes.ResourceStatusDeleteFailed ||
		resourceStatus(t, c, "s", "Net") != cfntypes.ResourceStatusCreateComplete || strings.Contains(ev, "Net DELETE_") {
		t.Fatalf("events:\n%s", ev)
	}
	if vpcExists(t, ec, other) || !vpcExists(t, ec, net) {
		t.Fatalf("after the failed delete: Other exists %v, Net exists %v", vpcExists(t, ec, other), vpcExists(t, ec, net))
	}
	if _, err := ec.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: outside.GroupId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	// A deleted stack is found by its id only.
	if st := waitSettled(t, c, aws.ToString(st.StackId)); st.StackStatus != cfntypes.StackStatusDeleteComplete {
		t.Fatalf("status %s\n%s", st.StackStatus, eventLines(t, c, "s"))
	}
	if vpcExists(t, ec, net) {
		t.Fatal("the VPC is still there")
	}
}
