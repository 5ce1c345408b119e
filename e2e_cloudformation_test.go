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
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"gatehouse/internal/servertest"
)

// networkTemplate makes a VPC, a subnet and a security group, and exports
// the subnet's id.
const networkTemplate = `
Description: a network
Parameters:
  Cidr:
    Type: String
    Default: 10.20.0.0/16
  SubnetCidr:
    Type: String
    Default: 10.20.1.0/24
  Secret:
    Type: String
    NoEcho: true
    Default: hush
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref Cidr
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Ref SubnetCidr
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: backends
      VpcId: !Ref Vpc
Outputs:
  VpcId:
    Value: !Ref Vpc
  SubnetId:
    Description: the subnet
    Value: !Ref Subnet
`

func stackStatus(t *testing.T, c *cfn.Client, name string) *cfntypes.Stack {
	t.Helper()
	out, err := c.DescribeStacks(context.Background(), &cfn.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return &out.Stacks[0]
}

func stackEvents(t *testing.T, c *cfn.Client, name string) []cfntypes.StackEvent {
	t.Helper()
	out, err := c.DescribeStackEvents(context.Background(), &cfn.DescribeStackEventsInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return out.StackEvents
}

// TestStackCreateDescribe creates a stack and waits for it with the SDK's
// waiter: it answers CREATE_IN_PROGRESS at once, then reaches
// CREATE_COMPLETE with its outputs, parameters (NoEcho hidden), resources
// and events, each resource's physical id one EC2 knows.
func TestStackCreateDescribe(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.CloudFormation()
	ctx := context.Background()
	out, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("net"), TemplateBody: aws.String(networkTemplate),
		Tags: []cfntypes.Tag{{Key: aws.String("team"), Value: aws.String("edge")}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(out.StackId), "arn:aws:cloudformation:us-east-1:000000000000:stack/net/") {
		t.Fatalf("stack id %s", aws.ToString(out.StackId))
	}
	w := cfn.NewStackCreateCompleteWaiter(c, func(o *cfn.StackCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 10*time.Millisecond
	})
	if err := w.Wait(ctx, &cfn.DescribeStacksInput{StackName: aws.String("net")}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	st := stackStatus(t, c, aws.ToString(out.StackId))
	if st.StackStatus != cfntypes.StackStatusCreateComplete || aws.ToString(st.Description) != "a network" {
		t.Fatalf("stack %s %q", st.StackStatus, aws.ToString(st.Description))
	}
	outputs := map[string]string{}
	for _, o := range st.Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	if !strings.HasPrefix(outputs["SubnetId"], "subnet-") || !strings.HasPrefix(outputs["VpcId"], "vpc-") {
		t.Fatalf("outputs %v", outputs)
	}
	params := map[string]string{}
	for _, p := range st.Parameters {
		params[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	if params["Secret"] != "****" || params["Cidr"] != "10.20.0.0/16" {
		t.Fatalf("parameters %v", params)
	}
	res, err := c.ListStackResources(ctx, &cfn.ListStackResourcesInput{StackName: aws.String("net")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.StackResourceSummaries) != 3 {
		t.Fatalf("%d resources", len(res.StackResourceSummaries))
	}
	for _, r := range res.StackResourceSummaries {
		if r.ResourceStatus != cfntypes.ResourceStatusCreateComplete {
			t.Errorf("%s is %s", aws.ToString(r.LogicalResourceId), r.ResourceStatus)
		}
	}
	subnets, err := srv.EC2().DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{outputs["SubnetId"]}})
	if err != nil || len(subnets.Subnets) != 1 || aws.ToString(subnets.Subnets[0].CidrBlock) != "10.20.1.0/24" {
		t.Fatalf("subnet %v %v", subnets, err)
	}
	one, err := c.DescribeStackResource(ctx, &cfn.DescribeStackResourceInput{StackName: aws.String("net"), LogicalResourceId: aws.String("Subnet")})
	if err != nil || aws.ToString(one.StackResourceDetail.PhysicalResourceId) != outputs["SubnetId"] {
		t.Fatalf("DescribeStackResource %v %v", one, err)
	}
	events := stackEvents(t, c, "net")
	first, last := events[len(events)-1], events[0]
	if first.ResourceStatus != cfntypes.ResourceStatusCreateInProgress || aws.ToString(first.ResourceStatusReason) != "User Initiated" ||
		last.ResourceStatus != cfntypes.ResourceStatusCreateComplete || aws.ToString(last.LogicalResourceId) != "net" {
		t.Fatalf("events from %+v to %+v", first, last)
	}
	tmpl, err := c.GetTemplate(ctx, &cfn.GetTemplateInput{StackName: aws.String("net")})
	if err != nil || aws.ToString(tmpl.TemplateBody) != networkTemplate {
		t.Fatalf("GetTemplate %v", err)
	}

	_, err = c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("net"), TemplateBody: aws.String(networkTemplate)})
	var exists *cfntypes.AlreadyExistsException
	if !errors.As(err, &exists) || exists.ErrorMessage() != "Stack [net] already exists" {
		t.Fatalf("second CreateStack: %v", err)
	}
	_, err = c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("nope")})
	if code, msg := apiError(err); code != "ValidationError" || msg != "Stack with id nope does not exist" {
		t.Fatalf("DescribeStacks of no stack: %v", err)
	}
}

func apiError(err error) (string, string) {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return "", ""
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

// TestStackRefusedBeforeAnything shows a template that cannot deploy is
// refused by CreateStack itself, with nothing created and no stack left.
func TestStackRefusedBeforeAnything(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc())
	c := srv.CloudFormation()
	ctx := context.Background()
	bad := strings.Replace(networkTemplate, "VpcId: !Ref Vpc\n      CidrBlock", "VpcId: !Ref Nope\n      CidrBlock", 1)
	for name, in := range map[string]*cfn.CreateStackInput{
		"unknown resource": {StackName: aws.String("bad"), TemplateBody: aws.String(bad)},
		"unknown parameter": {StackName: aws.String("bad"), TemplateBody: aws.String(networkTemplate),
			Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("Nope"), ParameterValue: aws.String("x")}}},
		"template url": {StackName: aws.String("bad"), TemplateURL: aws.String("https://example.com/t.yaml")},
		"not yaml":     {StackName: aws.String("bad"), TemplateBody: aws.String("{")},
	} {
		_, err := c.CreateStack(ctx, in)
		if code, msg := apiError(err); code != "ValidationError" {
			t.Errorf("%s: %v", name, err)
		} else {
			t.Logf("%s: %s", name, msg)
		}
	}
	list, err := c.ListStacks(ctx, &cfn.ListStacksInput{})
	if err != nil || len(list.StackSummaries) != 0 {
		t.Fatalf("stacks after refusals: %v %v", list, err)
	}
	vpcs, err := srv.EC2().DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(vpcs.Vpcs) != 0 {
		t.Fatalf("VPCs after refusals: %d %v", len(vpcs.Vpcs), err)
	}
}
