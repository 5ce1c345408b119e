package gatehouse_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"

	"gatehouse"
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

// balancerTemplate is a VPC with two subnets, an internal ALB, a target
// group and a listener; Extra, when set, adds resources.
const balancerTemplate = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.30.0.0/16
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.30.1.0/24
      AvailabilityZone: !Select [0, !GetAZs ""]
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.30.2.0/24
      AvailabilityZone: !Select [1, !GetAZs ""]
  AlbGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: alb
      VpcId: !Ref Vpc
  Alb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Scheme: internal
      Subnets: [!Ref SubnetA, !Ref SubnetB]
      SecurityGroups: [!Ref AlbGroup]
  Targets:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      VpcId: !Ref Vpc
      Protocol: HTTP
      Port: 8080
      TargetType: ip
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Alb
      Protocol: HTTP
      Port: 80
      DefaultActions:
        - Type: forward
          TargetGroupArn: !Ref Targets
`

// duplicateListener is a second listener on the first one's port, which
// ELBv2 refuses.
const duplicateListener = `
  Listener2:
    Type: AWS::ElasticLoadBalancingV2::Listener
    DependsOn: Listener
    Properties:
      LoadBalancerArn: !Ref Alb
      Protocol: HTTP
      Port: 80
      DefaultActions:
        - Type: forward
          TargetGroupArn: !Ref Targets
`

// waitStack waits for the stack to leave its *_IN_PROGRESS status, with
// the SDK's own waiter, and returns it.
func waitSettled(t *testing.T, c *cfn.Client, name string) *cfntypes.Stack {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		out, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if st := out.Stacks[0]; !strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") {
			return &st
		}
	}
	t.Fatalf("stack %s still in progress after 30s\n%s", name, eventLines(t, c, name))
	return nil
}

// TestStackFailedCreateRollsBackToNothing creates a balancer stack whose
// second listener ELBv2 refuses: the stack rolls back to
// ROLLBACK_COMPLETE, an event names the listener and ELBv2's error, and
// neither EC2 nor ELBv2 keeps anything it made.
func TestStackFailedCreateRollsBackToNothing(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc())
	c := srv.CloudFormation()
	ctx := context.Background()
	_, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("lb"), TemplateBody: aws.String(balancerTemplate + duplicateListener)})
	if err != nil {
		t.Fatal(err)
	}
	// The CLI's wait stack-create-complete stops at ROLLBACK_COMPLETE
	// with a failure.
	w := cfn.NewStackCreateCompleteWaiter(c, func(o *cfn.StackCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 10*time.Millisecond
	})
	if err := w.Wait(ctx, &cfn.DescribeStacksInput{StackName: aws.String("lb")}, 30*time.Second); err == nil || !strings.Contains(err.Error(), "Failure") {
		t.Fatalf("waiting for CREATE_COMPLETE: %v", err)
	}
	if st := stackStatus(t, c, "lb"); st.StackStatus != cfntypes.StackStatusRollbackComplete {
		t.Fatalf("status %s\n%s", st.StackStatus, eventLines(t, c, "lb"))
	}
	var failed *cfntypes.StackEvent
	for _, e := range stackEvents(t, c, "lb") {
		if e.ResourceStatus == cfntypes.ResourceStatusCreateFailed {
			failed = &e
		}
	}
	if failed == nil || aws.ToString(failed.LogicalResourceId) != "Listener2" ||
		!strings.Contains(aws.ToString(failed.ResourceStatusReason), "A listener already exists on this port for this load balancer") ||
		!strings.Contains(aws.ToString(failed.ResourceStatusReason), "DuplicateListener") {
		t.Fatalf("failure event %+v\n%s", failed, eventLines(t, c, "lb"))
	}
	lbs, err := srv.ELBv2().DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil || len(lbs.LoadBalancers) != 0 {
		t.Fatalf("load balancers left: %v %v", lbs, err)
	}
	tgs, err := srv.ELBv2().DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil || len(tgs.TargetGroups) != 0 {
		t.Fatalf("target groups left: %v %v", tgs, err)
	}
	vpcs, err := srv.EC2().DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(vpcs.Vpcs) != 0 {
		t.Fatalf("VPCs left: %v %v", vpcs, err)
	}
	groups, err := srv.EC2().DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	if err != nil || len(groups.SecurityGroups) != 0 {
		t.Fatalf("security groups left: %d %v", len(groups.SecurityGroups), err)
	}
	// The stack stays until it is deleted.
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("lb")}); err != nil {
		t.Fatal(err)
	}
	dw := cfn.NewStackDeleteCompleteWaiter(c, func(o *cfn.StackDeleteCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 10*time.Millisecond
	})
	if err := dw.Wait(ctx, &cfn.DescribeStacksInput{StackName: aws.String("lb")}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

func eventLines(t *testing.T, c *cfn.Client, name string) string {
	var b strings.Builder
	events := stackEvents(t, c, name)
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		fmt.Fprintf(&b, "%s %s %s\n", aws.ToString(e.LogicalResourceId), e.ResourceStatus, aws.ToString(e.ResourceStatusReason))
	}
	return b.String()
}

// TestStackUpdateAndDelete updates a stack in place (the HTTP API's
// description), then with a replacement (a subnet's CidrBlock: a new
// subnet, the old one gone), then deletes it, leaving the resource marked
// Retain.
func TestStackUpdateAndDelete(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second))
	c := srv.CloudFormation()
	ctx := context.Background()
	body := networkTemplate + `
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: api
      ProtocolType: HTTP
      Description: !Sub "first ${Cidr}"
  Kept:
    Type: AWS::EC2::VPC
    DeletionPolicy: Retain
    Properties:
      CidrBlock: 10.99.0.0/16
`
	body = strings.Replace(body, "Outputs:\n  VpcId:\n    Value: !Ref Vpc\n  SubnetId:\n    Description: the subnet\n    Value: !Ref Subnet\n", "", 1) +
		"Outputs:\n  SubnetId:\n    Value: !Ref Subnet\n  ApiId:\n    Value: !Ref Api\n"
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("app"), TemplateBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	st := waitSettled(t, c, "app")
	if st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("create: %s\n%s", st.StackStatus, eventLines(t, c, "app"))
	}
	out := outputsOf(st)
	api := out["ApiId"]

	// In place: the API keeps its id, with the new description.
	_, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("app"),
		TemplateBody: aws.String(strings.Replace(body, "first ${Cidr}", "second ${Cidr}", 1))})
	if err != nil {
		t.Fatal(err)
	}
	st = waitSettled(t, c, "app")
	if st.StackStatus != cfntypes.StackStatusUpdateComplete || outputsOf(st)["ApiId"] != api {
		t.Fatalf("update in place: %s %v\n%s", st.StackStatus, outputsOf(st), eventLines(t, c, "app"))
	}
	got, err := srv.APIGatewayV2().GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: aws.String(api)})
	if err != nil || aws.ToString(got.Description) != "second 10.20.0.0/16" {
		t.Fatalf("API after update: %v %v", got, err)
	}

	// Replacement: a new subnet, made before the old one goes.
	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("app"), UsePreviousTemplate: aws.Bool(true),
		Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("SubnetCidr"), ParameterValue: aws.String("10.20.9.0/24")}}})
	if err != nil {
		t.Fatal(err)
	}
	st = waitSettled(t, c, "app")
	newSubnet := outputsOf(st)["SubnetId"]
	if st.StackStatus != cfntypes.StackStatusUpdateComplete || newSubnet == out["SubnetId"] {
		t.Fatalf("replacement: %s %v\n%s", st.StackStatus, outputsOf(st), eventLines(t, c, "app"))
	}
	if _, err := srv.EC2().DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{out["SubnetId"]}}); err == nil {
		t.Fatal("the replaced subnet is still there")
	}
	subnets, err := srv.EC2().DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{newSubnet}})
	if err != nil || aws.ToString(subnets.Subnets[0].CidrBlock) != "10.20.9.0/24" {
		t.Fatalf("new subnet %v %v", subnets, err)
	}
	if !strings.Contains(eventLines(t, c, "app"), "Subnet UPDATE_IN_PROGRESS Requested update requires the creation of a new physical resource; hence creating one.") {
		t.Fatalf("events:\n%s", eventLines(t, c, "app"))
	}
	kept := physicalID(t, c, "app", "Kept")

	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	st = waitSettled(t, c, aws.ToString(st.StackId))
	if st.StackStatus != cfntypes.StackStatusDeleteComplete {
		t.Fatalf("delete: %s\n%s", st.StackStatus, eventLines(t, c, aws.ToString(st.StackId)))
	}
	if _, err := srv.APIGatewayV2().GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: aws.String(api)}); err == nil {
		t.Fatal("the API is still there")
	}
	vpcs, err := srv.EC2().DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(vpcs.Vpcs) != 1 || aws.ToString(vpcs.Vpcs[0].VpcId) != kept {
		t.Fatalf("VPCs after delete (want only the retained %s): %v %v", kept, vpcs, err)
	}
	if !strings.Contains(eventLines(t, c, aws.ToString(st.StackId)), "Kept DELETE_SKIPPED") {
		t.Fatalf("events:\n%s", eventLines(t, c, aws.ToString(st.StackId)))
	}
}

func outputsOf(st *cfntypes.Stack) map[string]string {
	out := map[string]string{}
	for _, o := range st.Outputs {
		out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return out
}

func physicalID(t *testing.T, c *cfn.Client, stackName, logical string) string {
	t.Helper()
	out, err := c.DescribeStackResource(context.Background(), &cfn.DescribeStackResourceInput{StackName: aws.String(stackName), LogicalResourceId: aws.String(logical)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.StackResourceDetail.PhysicalResourceId)
}

// TestStackFailedUpdateRollsBack updates the API in place and adds a
// security group in a VPC that does not exist: EC2 refuses it, the update
// rolls back, the API has its old description again and the stack its
// previous template, parameters and outputs.
func TestStackFailedUpdateRollsBack(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second))
	c := srv.CloudFormation()
	ctx := context.Background()
	body := `
Parameters:
  Words:
    Type: String
    Default: before
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: api
      ProtocolType: HTTP
      Description: !Ref Words
Outputs:
  Words:
    Value: !Ref Words
`
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("s"), TemplateBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "s"); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("status %s\n%s", st.StackStatus, eventLines(t, c, "s"))
	}
	api := physicalID(t, c, "s", "Api")
	broken := strings.Replace(body, "Outputs:", `  Orphan:
    Type: AWS::EC2::SecurityGroup
    DependsOn: Api
    Properties:
      GroupDescription: nowhere
      VpcId: vpc-0123456789abcdef0
Outputs:`, 1)
	_, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("s"), TemplateBody: aws.String(broken),
		Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("Words"), ParameterValue: aws.String("after")}}})
	if err != nil {
		t.Fatal(err)
	}
	after := waitSettled(t, c, "s")
	if after.StackStatus != cfntypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("status %s\n%s", after.StackStatus, eventLines(t, c, "s"))
	}
	got, err := srv.APIGatewayV2().GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: aws.String(api)})
	if err != nil || aws.ToString(got.Description) != "before" {
		t.Fatalf("API after rollback: %v %v", aws.ToString(got.Description), err)
	}
	if outputsOf(after)["Words"] != "before" || aws.ToString(after.Parameters[0].ParameterValue) != "before" {
		t.Fatalf("outputs %v parameters %v", outputsOf(after), after.Parameters)
	}
	tmpl, err := c.GetTemplate(ctx, &cfn.GetTemplateInput{StackName: aws.String("s")})
	if err != nil || aws.ToString(tmpl.TemplateBody) != body {
		t.Fatal("the template is not the previous one")
	}
	ev := eventLines(t, c, "s")
	if !strings.Contains(ev, "Orphan CREATE_FAILED Resource handler returned message:") || !strings.Contains(ev, "InvalidVpcID.NotFound") ||
		!strings.Contains(ev, "s UPDATE_ROLLBACK_IN_PROGRESS The following resource(s) failed to create: [Orphan].") {
		t.Fatalf("events:\n%s", ev)
	}
}

// TestStackExportsAndImports: a stack imports another's export; a third
// stack exporting the same name fails and rolls back; the exporting stack
// cannot be deleted while the export is imported, and can once the
// importer is gone.
func TestStackExportsAndImports(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second))
	c := srv.CloudFormation()
	ctx := context.Background()
	producer := `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.50.0.0/16
Outputs:
  VpcId:
    Value: !Ref Vpc
    Export:
      Name: shared-vpc
`
	consumer := `
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: imported
      VpcId: !ImportValue shared-vpc
`
	create := func(name, body string) *cfntypes.Stack {
		t.Helper()
		if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
		return waitSettled(t, c, name)
	}
	if st := create("producer", producer); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("producer: %s\n%s", st.StackStatus, eventLines(t, c, "producer"))
	}
	if st := create("consumer", consumer); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("consumer: %s\n%s", st.StackStatus, eventLines(t, c, "consumer"))
	}
	vpc := physicalID(t, c, "producer", "Vpc")
	exports, err := c.ListExports(ctx, &cfn.ListExportsInput{})
	if err != nil || len(exports.Exports) != 1 || aws.ToString(exports.Exports[0].Name) != "shared-vpc" || aws.ToString(exports.Exports[0].Value) != vpc {
		t.Fatalf("ListExports %v %v", exports, err)
	}
	imports, err := c.ListImports(ctx, &cfn.ListImportsInput{ExportName: aws.String("shared-vpc")})
	if err != nil || len(imports.Imports) != 1 || imports.Imports[0] != "consumer" {
		t.Fatalf("ListImports %v %v", imports, err)
	}

	dup := create("dup", strings.Replace(producer, "10.50.0.0/16", "10.51.0.0/16", 1))
	if dup.StackStatus != cfntypes.StackStatusRollbackComplete ||
		!strings.Contains(eventLines(t, c, "dup"), "Export with name shared-vpc is already exported by stack producer") {
		t.Fatalf("a second export of the name: %s\n%s", dup.StackStatus, eventLines(t, c, "dup"))
	}

	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("producer")}); err != nil {
		t.Fatal(err)
	}
	st := waitSettled(t, c, "producer")
	if st.StackStatus != cfntypes.StackStatusDeleteFailed || aws.ToString(st.StackStatusReason) != "Export shared-vpc cannot be deleted as it is in use by consumer" {
		t.Fatalf("deleting an imported export: %s %q", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	if _, err := srv.EC2().DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpc}}); err != nil {
		t.Fatalf("the VPC went: %v", err)
	}
	for _, name := range []string{"consumer", "producer"} {
		if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	if vpcs, err := srv.EC2().DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil || len(vpcs.Vpcs) != 0 {
		t.Fatalf("VPCs after both deletes: %v %v", vpcs, err)
	}
}

// TestStackChangeSets: a CREATE change set puts the stack in
// REVIEW_IN_PROGRESS and lists every resource as Add; an UPDATE one shows
// a replacement and what depends on it before anything changes, and
// executing it does exactly that; one that changes nothing fails with
// AWS's reason and cannot be executed.
func TestStackChangeSets(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second))
	c := srv.CloudFormation()
	ctx := context.Background()
	cs, err := c.CreateChangeSet(ctx, &cfn.CreateChangeSetInput{StackName: aws.String("net"), ChangeSetName: aws.String("first"),
		ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(networkTemplate)})
	if err != nil {
		t.Fatal(err)
	}
	if st := stackStatus(t, c, "net"); st.StackStatus != cfntypes.StackStatusReviewInProgress {
		t.Fatalf("stack %s before execution", st.StackStatus)
	}
	d, err := c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: cs.Id})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != cfntypes.ChangeSetStatusCreateComplete || len(d.Changes) != 3 || d.Changes[0].ResourceChange.Action != cfntypes.ChangeActionAdd {
		t.Fatalf("CREATE change set: %s %+v", d.Status, d.Changes)
	}
	if _, err := c.ExecuteChangeSet(ctx, &cfn.ExecuteChangeSetInput{ChangeSetName: aws.String("first"), StackName: aws.String("net")}); err != nil {
		t.Fatal(err)
	}
	st := waitSettled(t, c, "net")
	if st.StackStatus != cfntypes.StackStatusCreateComplete || aws.ToString(st.ChangeSetId) != aws.ToString(cs.Id) {
		t.Fatalf("after execution: %s", st.StackStatus)
	}
	subnet := physicalID(t, c, "net", "Subnet")

	cs, err = c.CreateChangeSet(ctx, &cfn.CreateChangeSetInput{StackName: aws.String("net"), ChangeSetName: aws.String("move"),
		UsePreviousTemplate: aws.Bool(true), Parameters: []cfntypes.Parameter{
			{ParameterKey: aws.String("SubnetCidr"), ParameterValue: aws.String("10.20.7.0/24")},
			{ParameterKey: aws.String("Cidr"), UsePreviousValue: aws.Bool(true)},
			{ParameterKey: aws.String("Secret"), UsePreviousValue: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err = c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: aws.String("move"), StackName: aws.String("net")})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Changes) != 1 {
		t.Fatalf("changes %+v", d.Changes)
	}
	rc := d.Changes[0].ResourceChange
	if rc.Action != cfntypes.ChangeActionModify || aws.ToString(rc.LogicalResourceId) != "Subnet" || aws.ToString(rc.PhysicalResourceId) != subnet ||
		rc.Replacement != cfntypes.ReplacementTrue || len(rc.Details) != 1 || aws.ToString(rc.Details[0].Target.Name) != "CidrBlock" ||
		rc.Details[0].Target.RequiresRecreation != cfntypes.RequiresRecreationAlways || rc.Details[0].Evaluation != cfntypes.EvaluationTypeStatic ||
		rc.Details[0].ChangeSource != cfntypes.ChangeSourceParameterReference || aws.ToString(rc.Details[0].CausingEntity) != "SubnetCidr" {
		t.Fatalf("change %+v %+v", rc, rc.Details)
	}
	if _, err := c.ExecuteChangeSet(ctx, &cfn.ExecuteChangeSetInput{ChangeSetName: cs.Id}); err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "net"); st.StackStatus != cfntypes.StackStatusUpdateComplete || physicalID(t, c, "net", "Subnet") == subnet {
		t.Fatalf("after the update: %s\n%s", st.StackStatus, eventLines(t, c, "net"))
	}

	_, err = c.CreateChangeSet(ctx, &cfn.CreateChangeSetInput{StackName: aws.String("net"), ChangeSetName: aws.String("same"),
		UsePreviousTemplate: aws.Bool(true), Parameters: []cfntypes.Parameter{
			{ParameterKey: aws.String("SubnetCidr"), UsePreviousValue: aws.Bool(true)},
			{ParameterKey: aws.String("Cidr"), UsePreviousValue: aws.Bool(true)},
			{ParameterKey: aws.String("Secret"), UsePreviousValue: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err = c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: aws.String("same"), StackName: aws.String("net")})
	if err != nil || d.Status != cfntypes.ChangeSetStatusFailed || d.ExecutionStatus != cfntypes.ExecutionStatusUnavailable ||
		aws.ToString(d.StatusReason) != "The submitted information didn't contain changes. Submit different information to create a change set." {
		t.Fatalf("empty change set: %+v %v", d, err)
	}
	_, err = c.ExecuteChangeSet(ctx, &cfn.ExecuteChangeSetInput{ChangeSetName: aws.String("same"), StackName: aws.String("net")})
	var bad *cfntypes.InvalidChangeSetStatusException
	if !errors.As(err, &bad) {
		t.Fatalf("executing the empty change set: %v", err)
	}
	_, err = c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: aws.String("nope"), StackName: aws.String("net")})
	var missing *cfntypes.ChangeSetNotFoundException
	if !errors.As(err, &missing) {
		t.Fatalf("a change set that does not exist: %v", err)
	}
	list, err := c.ListChangeSets(ctx, &cfn.ListChangeSetsInput{StackName: aws.String("net")})
	if err != nil || len(list.Summaries) != 2 {
		t.Fatalf("ListChangeSets %v %v", list, err)
	}
}

// TestChangeSetDetailSources: a change set's details say what changed each
// property: a parameter the property refers to (ParameterReference, the
// parameter named) or the template's own text (DirectModification, no
// causing entity).
func TestChangeSetDetailSources(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second))
	c := srv.CloudFormation()
	ctx := context.Background()
	body := `
Parameters:
  Words:
    Type: String
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: api
      ProtocolType: HTTP
      Description: !Ref Words
`
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("s"), TemplateBody: aws.String(body),
		Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("Words"), ParameterValue: aws.String("before")}}}); err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "s"); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("status %s\n%s", st.StackStatus, eventLines(t, c, "s"))
	}
	_, err := c.CreateChangeSet(ctx, &cfn.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("both"),
		TemplateBody: aws.String(strings.Replace(body, "Name: api", "Name: renamed", 1)),
		Parameters:   []cfntypes.Parameter{{ParameterKey: aws.String("Words"), ParameterValue: aws.String("after")}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: aws.String("both"), StackName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Changes) != 1 || len(d.Changes[0].ResourceChange.Details) != 2 {
		t.Fatalf("changes %+v", d.Changes)
	}
	got := map[string]string{}
	for _, dt := range d.Changes[0].ResourceChange.Details {
		got[aws.ToString(dt.Target.Name)] = string(dt.ChangeSource) + " " + aws.ToString(dt.CausingEntity)
		if dt.Evaluation != cfntypes.EvaluationTypeStatic {
			t.Fatalf("detail %+v", dt)
		}
	}
	want := map[string]string{"Description": "ParameterReference Words", "Name": "DirectModification "}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("details %v, want %v", got, want)
	}
}

// TestStackWithVerifiedSignatures: when the server verifies signatures,
// the stack engine's own calls are signed with a key it accepts.
func TestStackWithVerifiedSignatures(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second), func(c *gatehouse.Config) {
		c.VerifySignatures = true
		c.AccessKeys = map[string]string{"AKIDTEST": "secret"}
	})
	c := srv.CloudFormation()
	if _, err := c.CreateStack(context.Background(), &cfn.CreateStackInput{StackName: aws.String("signed"), TemplateBody: aws.String(networkTemplate)}); err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "signed"); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("%s\n%s", st.StackStatus, eventLines(t, c, "signed"))
	}
}

// TestStackTargetGroupReplaced changes a target group's Port, which
// replaces it: the change set shows the replacement and the listener that
// forwards to it changing with it; executing it makes the new group, moves
// the listener, then deletes the old group. A second such update that
// also adds a listener ELBv2 refuses rolls back: the listener forwards to
// the group it had, and the new group is gone.
func TestStackTargetGroupReplaced(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second))
	c, lb := srv.CloudFormation(), srv.ELBv2()
	ctx := context.Background()
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("lb"), TemplateBody: aws.String(balancerTemplate)}); err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "lb"); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("create: %s\n%s", st.StackStatus, eventLines(t, c, "lb"))
	}
	oldTG, listener := physicalID(t, c, "lb", "Targets"), physicalID(t, c, "lb", "Listener")
	forwardsTo := func() string {
		t.Helper()
		out, err := lb.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{listener}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Listeners[0].DefaultActions[0].TargetGroupArn)
	}
	groups := func() []string {
		t.Helper()
		out, err := lb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
		if err != nil {
			t.Fatal(err)
		}
		var arns []string
		for _, g := range out.TargetGroups {
			arns = append(arns, aws.ToString(g.TargetGroupArn))
		}
		return arns
	}

	moved := strings.Replace(balancerTemplate, "Port: 8080", "Port: 9090", 1)
	cs, err := c.CreateChangeSet(ctx, &cfn.CreateChangeSetInput{StackName: aws.String("lb"), ChangeSetName: aws.String("port"), TemplateBody: aws.String(moved)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: cs.Id})
	if err != nil {
		t.Fatal(err)
	}
	plan := map[string]string{}
	for _, ch := range d.Changes {
		rc := ch.ResourceChange
		plan[aws.ToString(rc.LogicalResourceId)] = string(rc.Action) + " " + string(rc.Replacement)
		for _, det := range rc.Details {
			plan[aws.ToString(rc.LogicalResourceId)] += " " + aws.ToString(det.Target.Name) + ":" + string(det.Evaluation)
		}
	}
	if plan["Targets"] != "Modify True Port:Static" || plan["Listener"] != "Modify False DefaultActions:Dynamic" || len(plan) != 2 {
		t.Fatalf("plan %v", plan)
	}
	if _, err := c.ExecuteChangeSet(ctx, &cfn.ExecuteChangeSetInput{ChangeSetName: cs.Id}); err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "lb"); st.StackStatus != cfntypes.StackStatusUpdateComplete {
		t.Fatalf("update: %s\n%s", st.StackStatus, eventLines(t, c, "lb"))
	}
	newTG := physicalID(t, c, "lb", "Targets")
	if newTG == oldTG || forwardsTo() != newTG || !reflect.DeepEqual(groups(), []string{newTG}) {
		t.Fatalf("old %s new %s; the listener forwards to %s; groups %v", oldTG, newTG, forwardsTo(), groups())
	}

	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("lb"),
		TemplateBody: aws.String(strings.Replace(moved, "Port: 9090", "Port: 7070", 1) + duplicateListener)})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "lb"); st.StackStatus != cfntypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("failed update: %s\n%s", st.StackStatus, eventLines(t, c, "lb"))
	}
	if forwardsTo() != newTG || !reflect.DeepEqual(groups(), []string{newTG}) || physicalID(t, c, "lb", "Targets") != newTG {
		t.Fatalf("after the rollback the listener forwards to %s; groups %v; want only %s\n%s", forwardsTo(), groups(), newTG, eventLines(t, c, "lb"))
	}
}
