package gatehouse_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"gatehouse/internal/servertest"
)

// TestValidateTemplateChecksAsCreateStack: ValidateTemplate refuses what
// CreateStack refuses before creating anything (a property the type does
// not document, a missing required one, an attribute the type has not, a
// malformed function, a cycle), each with CreateStack's ValidationError
// text, and describes a template it accepts as AWS does.
func TestValidateTemplateChecksAsCreateStack(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc())
	c := srv.CloudFormation()
	ctx := context.Background()
	for name, body := range map[string]string{
		"unknown property":   strings.Replace(networkTemplate, "CidrBlock: !Ref Cidr", "CidrBlock: !Ref Cidr\n      Colour: blue", 1),
		"missing required":   strings.Replace(networkTemplate, "      GroupDescription: backends\n", "", 1),
		"unknown attribute":  networkTemplate + "  Zone:\n    Value: !GetAtt Subnet.Nope\n",
		"malformed function": strings.Replace(networkTemplate, "CidrBlock: !Ref SubnetCidr", "CidrBlock: {\"Fn::Select\": [0]}", 1),
		"cycle": strings.Replace(strings.Replace(networkTemplate, "GroupDescription: backends", "GroupDescription: !Ref Subnet", 1), "      VpcId: !Ref Vpc\n      CidrBlock: !Ref SubnetCidr",
			"      VpcId: !Ref Vpc\n      CidrBlock: !GetAtt Group.GroupId", 1),
		"attribute with no value": networkTemplate + "  Pool:\n    Value: !GetAtt Vpc.Ipv4IpamPoolId\n",
		"snapshot policy":         strings.Replace(networkTemplate, "    Type: AWS::EC2::VPC\n", "    Type: AWS::EC2::VPC\n    DeletionPolicy: Snapshot\n", 1),
		"cycle through DependsOn": strings.Replace(networkTemplate, "  Vpc:\n    Type: AWS::EC2::VPC\n", "  Vpc:\n    Type: AWS::EC2::VPC\n    DependsOn: Subnet\n", 1),
	} {
		_, cerr := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("never"), TemplateBody: aws.String(body)})
		wantCode, wantMsg := apiError(cerr)
		if wantCode != "ValidationError" {
			t.Fatalf("%s: CreateStack answered %v", name, cerr)
		}
		_, err := c.ValidateTemplate(ctx, &cfn.ValidateTemplateInput{TemplateBody: aws.String(body)})
		if code, msg := apiError(err); code != wantCode || msg != wantMsg {
			t.Errorf("%s: ValidateTemplate answered %v, CreateStack %s: %s", name, err, wantCode, wantMsg)
		}
	}

	out, err := c.ValidateTemplate(ctx, &cfn.ValidateTemplateInput{TemplateBody: aws.String(networkTemplate)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range out.Parameters {
		keys = append(keys, aws.ToString(p.ParameterKey)+"="+aws.ToString(p.DefaultValue))
		if aws.ToString(p.ParameterKey) == "Secret" && !aws.ToBool(p.NoEcho) {
			t.Errorf("Secret is not NoEcho: %+v", p)
		}
	}
	if !reflect.DeepEqual(keys, []string{"Cidr=10.20.0.0/16", "SubnetCidr=10.20.1.0/24", "Secret=hush"}) ||
		aws.ToString(out.Description) != "a network" || len(out.Capabilities) != 0 || out.CapabilitiesReason != nil ||
		out.DeclaredTransforms == nil || len(out.DeclaredTransforms) != 0 {
		t.Fatalf("ValidateTemplate: %v %q %v %v %v", keys, aws.ToString(out.Description), out.Capabilities, out.CapabilitiesReason, out.DeclaredTransforms)
	}
}

// TestStackNotificationARNs: the topics CreateStack names are kept and
// shown by DescribeStacks, answer AWS::NotificationARNs, are kept by an
// update that names none and replaced by one that names others, and a
// change set shows those it would set.
func TestStackNotificationARNs(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second))
	c := srv.CloudFormation()
	ctx := context.Background()
	topic := func(n string) string { return "arn:aws:sns:us-east-1:000000000000:" + n }
	body := networkTemplate + "  Topics:\n    Value: !Join [',', !Ref AWS::NotificationARNs]\n"
	_, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("n"), TemplateBody: aws.String(body),
		NotificationARNs: []string{topic("a"), topic("b")}})
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, want ...string) {
		t.Helper()
		st := waitSettled(t, c, "n")
		if len(st.NotificationARNs) != len(want) || len(want) > 0 && !reflect.DeepEqual(st.NotificationARNs, want) || outputsOf(st)["Topics"] != strings.Join(want, ",") {
			t.Fatalf("%s: %s NotificationARNs %v, Topics %q; want %v", when, st.StackStatus, st.NotificationARNs, outputsOf(st)["Topics"], want)
		}
	}
	check("created", topic("a"), topic("b"))

	more := strings.Replace(body, "Default: 10.20.1.0/24", "Default: 10.20.2.0/24", 1)
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("n"), TemplateBody: aws.String(more)}); err != nil {
		t.Fatal(err)
	}
	check("updated naming none", topic("a"), topic("b"))

	cs, err := c.CreateChangeSet(ctx, &cfn.CreateChangeSetInput{StackName: aws.String("n"), ChangeSetName: aws.String("topics"),
		UsePreviousTemplate: aws.Bool(true), NotificationARNs: []string{topic("c")}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: cs.Id})
	if err != nil || !reflect.DeepEqual(d.NotificationARNs, []string{topic("c")}) || d.Status != cfntypes.ChangeSetStatusCreateComplete {
		t.Fatalf("change set: %+v %v", d, err)
	}
	if _, err := c.ExecuteChangeSet(ctx, &cfn.ExecuteChangeSetInput{ChangeSetName: cs.Id}); err != nil {
		t.Fatal(err)
	}
	check("updated through a change set", topic("c"))

	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("n"), TemplateBody: aws.String(body),
		NotificationARNs: []string{}}); err != nil {
		t.Fatal(err)
	}
	check("updated with an empty list")

	six := []string{topic("1"), topic("2"), topic("3"), topic("4"), topic("5"), topic("6")}
	_, err = c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("six"), TemplateBody: aws.String(body), NotificationARNs: six})
	if code, msg := apiError(err); code != "ValidationError" || !strings.Contains(msg, "Member must have length less than or equal to 5") {
		t.Fatalf("six topics: %v", err)
	}
}

// TestStackGetAttOfProperties: Fn::GetAtt of attributes that CloudFormation
// documents but ELBv2 and EC2 give no value for (a balancer's Scheme, a
// VPC's EnableDnsHostnames) answers the resource's property, after an
// update in place too; an attribute neither given nor set is refused by
// CreateStack before anything is made.
func TestStackGetAttOfProperties(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second))
	c := srv.CloudFormation()
	ctx := context.Background()
	body := strings.Replace(balancerTemplate, "      CidrBlock: 10.30.0.0/16\n", "      CidrBlock: 10.30.0.0/16\n      EnableDnsHostnames: true\n", 1) + `Outputs:
  Scheme:
    Value: !GetAtt Alb.Scheme
  Hostnames:
    Value: !Sub "hostnames ${Vpc.EnableDnsHostnames}"
  Port:
    Value: !GetAtt Targets.Port
`
	// A target group's Port is no attribute of it at all.
	_, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("attrs"), TemplateBody: aws.String(body)})
	if code, msg := apiError(err); code != "ValidationError" || msg != "Template error: resource Targets does not support attribute type Port in Fn::GetAtt" {
		t.Fatalf("GetAtt Targets.Port: %v", err)
	}
	body = strings.Replace(body, "  Port:\n    Value: !GetAtt Targets.Port\n", "", 1)
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("attrs"), TemplateBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	st := waitSettled(t, c, "attrs")
	if out := outputsOf(st); st.StackStatus != cfntypes.StackStatusCreateComplete || out["Scheme"] != "internal" || out["Hostnames"] != "hostnames true" {
		t.Fatalf("%s %v\n%s", st.StackStatus, out, eventLines(t, c, "attrs"))
	}
	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("attrs"),
		TemplateBody: aws.String(strings.Replace(body, "EnableDnsHostnames: true", "EnableDnsHostnames: false", 1))})
	if err != nil {
		t.Fatal(err)
	}
	st = waitSettled(t, c, "attrs")
	if out := outputsOf(st); st.StackStatus != cfntypes.StackStatusUpdateComplete || out["Hostnames"] != "hostnames false" {
		t.Fatalf("%s %v\n%s", st.StackStatus, out, eventLines(t, c, "attrs"))
	}
}
