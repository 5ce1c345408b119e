package provision_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// TestParameterAndCDKMetadataLifecycle creates, updates and deletes an
// AWS::SSM::Parameter (named and unnamed) and an AWS::CDK::Metadata, and
// checks each step against what Systems Manager then reports.
func TestParameterAndCDKMetadataLifecycle(t *testing.T) {
	r := newRig(t)
	client := ssm.NewFromConfig(r.srv.AWSConfig())
	const v1 = `
Resources:
  Named:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /app/endpoint
      Type: String
      Value: http://a
      Description: where the app is
      Tags: {owner: web}
  Unnamed:
    Type: AWS::SSM::Parameter
    Properties:
      Type: StringList
      Value: a,b
  Meta:
    Type: AWS::CDK::Metadata
    Properties:
      Analytics: v2:deflate64:H4sIAAAAAAAA
`
	r.apply(v1)
	if got := r.ref("Named"); got != "/app/endpoint" {
		t.Fatalf("Ref = %q, want the name", got)
	}
	if !regexp.MustCompile(`^CFN-Unnamed-[A-Za-z0-9]{12}$`).MatchString(r.ref("Unnamed")) {
		t.Fatalf("generated name %q, want CFN-Unnamed-<12 letters and digits>", r.ref("Unnamed"))
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(r.ref("Meta")) {
		t.Fatalf("CDK metadata id %q, want a UUID", r.ref("Meta"))
	}
	if a := r.made["Unnamed"].Attrs; a["Type"] != "StringList" || a["Value"] != "a,b" {
		t.Fatalf("attributes %v", a)
	}
	tags, err := client.ListTagsForResource(r.ctx, &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter,
		ResourceId: aws.String("/app/endpoint")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, tg := range tags.TagList {
		keys = append(keys, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	if got := strings.Join(keys, " "); !strings.Contains(got, "owner=web") || !strings.Contains(got, "aws:cloudformation:logical-id=Named") || !strings.Contains(got, "team=net") {
		t.Fatalf("tags %s, want the template's, the stack's and CloudFormation's", got)
	}

	// In place: a new value, no description, a tag changed for another.
	r.apply(strings.NewReplacer("http://a", "http://b", "      Description: where the app is\n", "", "{owner: web}", "{tier: front}").Replace(v1))
	got, err := client.GetParameter(r.ctx, &ssm.GetParameterInput{Name: aws.String("/app/endpoint")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Parameter.Value) != "http://b" || got.Parameter.Version != 2 {
		t.Fatalf("after update: %+v", got.Parameter)
	}
	desc, err := client.DescribeParameters(r.ctx, &ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{
		{Key: aws.String("Name"), Values: []string{"/app/endpoint"}}}})
	if err != nil || len(desc.Parameters) != 1 || aws.ToString(desc.Parameters[0].Description) != "" {
		t.Fatalf("description after it was dropped: %v %+v", err, desc)
	}
	tags, err = client.ListTagsForResource(r.ctx, &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter,
		ResourceId: aws.String("/app/endpoint")})
	if err != nil {
		t.Fatal(err)
	}
	keys = keys[:0]
	for _, tg := range tags.TagList {
		keys = append(keys, aws.ToString(tg.Key))
	}
	if got := strings.Join(keys, " "); strings.Contains(got, "owner") || !strings.Contains(got, "tier") || !strings.Contains(got, "aws:cloudformation:stack-name") {
		t.Fatalf("tags after update: %s", got)
	}

	// A create the stack did not get to record (a crash) is made again: the
	// parameter it left, tagged as this resource's, is taken up; one of
	// another resource's is not.
	again, err := r.sdk.Create(r.ctx, r.target("Named"), map[string]any{"Name": "/app/endpoint", "Type": "String", "Value": "http://c"})
	if err != nil || again.Ref != "/app/endpoint" || again.Attrs["Value"] != "http://c" {
		t.Fatalf("creating a parameter this resource already made: %v %+v", err, again)
	}
	r.types["Other"] = "AWS::SSM::Parameter"
	if _, err := r.sdk.Create(r.ctx, r.target("Other"), map[string]any{"Name": "/app/endpoint", "Type": "String", "Value": "x"}); err == nil ||
		!strings.Contains(err.Error(), "ParameterAlreadyExists") {
		t.Fatalf("creating another resource's parameter: %v, want ParameterAlreadyExists", err)
	}

	// CloudFormation creates no SecureString parameter.
	r2 := newRig(t)
	r2.types["S"] = "AWS::SSM::Parameter"
	if _, err := r2.sdk.Create(r2.ctx, r2.target("S"), map[string]any{"Type": "SecureString", "Value": "x"}); err == nil ||
		!strings.Contains(err.Error(), "SecureString") {
		t.Fatalf("SecureString create: %v", err)
	}

	r.destroy()
	left, err := client.DescribeParameters(r.ctx, &ssm.DescribeParametersInput{})
	if err != nil || len(left.Parameters) != 0 {
		t.Fatalf("after delete: %v, %d parameters left", err, len(left.Parameters))
	}
}
