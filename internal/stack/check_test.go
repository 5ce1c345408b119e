package stack

import (
	"context"
	"strings"
	"testing"
)

// recorder is a Provisioner that remembers what it was asked to create.
type recorder struct{ made []string }

func (r *recorder) Create(_ context.Context, t Target, _ map[string]any) (Created, error) {
	r.made = append(r.made, t.LogicalID)
	return Created{Ref: "id-" + t.LogicalID, Attrs: map[string]any{}}, nil
}
func (r *recorder) Update(_ context.Context, _ Target, cur Created, _, _ map[string]any) (Created, error) {
	return cur, nil
}
func (r *recorder) Delete(context.Context, Target, Created, map[string]any) error { return nil }
func (r *recorder) Region() string                                                { return "us-east-1" }
func (r *recorder) AccountID() string                                             { return "000000000000" }
func (r *recorder) Zones(context.Context) ([]string, error) {
	return []string{"us-east-1a", "us-east-1b"}, nil
}

const header = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
`

func TestTemplateErrorsCreateNothing(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"unknown type", `  Queue:
    Type: AWS::SQS::Queue
`, []string{"t.yaml:7: Template format error: Unrecognized resource types: [AWS::SQS::Queue]"}},
		{"dangling ref", `  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vppc
`, []string{"t.yaml:7: Template format error: Unresolved resource dependencies [Vppc] in the Resources block of the template"}},
		{"unknown attribute", `  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !GetAtt Vpc.Arn
`, []string{"t.yaml:7: Template error: resource Vpc does not support attribute type Arn in Fn::GetAtt"}},
		{"cycle", `  A:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "after ${B}"
      VpcId: !Ref Vpc
  B:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub ["after ${x}", {x: !GetAtt A.GroupId}]
      VpcId: !Ref Vpc
`, []string{"t.yaml:7: Circular dependency between resources: [A, B]"}},
		{"bad sub", `  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "in ${Vpc"
      VpcId: !Ref Vpc
`, []string{"t.yaml:7: Template error: Fn::Sub", "${ without a closing }"}},
		{"sub of a missing name", `  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "in ${Nowhere}"
      VpcId: !Ref Vpc
`, []string{"t.yaml:7: Template format error: Unresolved resource dependencies [Nowhere] in the Resources block of the template"}},
		{"depends on nothing", `  Sg:
    Type: AWS::EC2::SecurityGroup
    DependsOn: Ghost
    Properties:
      GroupDescription: x
`, []string{"t.yaml:7: Template format error: Unresolved resource dependencies [Ghost] in the Resources block of the template"}},
		{"getatt without attribute", `  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !GetAtt Vpc
`, []string{"t.yaml:10:", "resource Sg", "!GetAtt Vpc: want Resource.Attribute"}},
		{"unsupported function", `  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: {"Fn::Transform": {Name: M}}
`, []string{"t.yaml:7: Template format error: Unrecognized function Fn::Transform"}},
		{"missing mapping", `  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !FindInMap [M, k, v]
`, []string{"t.yaml:7: Template error: Mapping named 'M' is not present in the 'Mappings' section of template"}},
		{"alias inside its own anchor", `  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      Tags: &loop [*loop]
`, []string{"resource Sg", "deeper than 100 levels"}},
		{"alias expansion bomb", `  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      A: &a [x, x, x, x, x, x, x, x, x, x]
      B: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
      C: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
      D: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
      E: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
      F: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
      G: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
`, []string{"resource Sg", "past 200000 values"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec recorder
			tmpl, err := Parse("t.yaml", []byte(header+tc.body))
			if err == nil {
				_, err = Deploy(context.Background(), tmpl, &rec, Options{})
			}
			if err == nil {
				t.Fatal("deployed a broken template")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if len(rec.made) > 0 {
				t.Errorf("created %v before finding the mistake", rec.made)
			}
		})
	}
}

func TestOrderFollowsReferences(t *testing.T) {
	// Written backwards on purpose: each resource refers to the next one
	// down, by every kind of reference.
	tmpl, err := Parse("t.yaml", []byte(`Resources:
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: $default
      Target: !Join ["/", [integrations, !Ref Integration]]
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !GetAtt Api.ApiId
      IntegrationType: HTTP_PROXY
      ConnectionId: !Sub "${Link}"
      IntegrationUri: !Sub ["${l}", {l: !Ref Listener}]
  Api:
    Type: AWS::ApiGatewayV2::Api
    DependsOn: [Link]
    Properties:
      Name: a
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: x
      DefaultActions: []
  Link:
    Type: AWS::ApiGatewayV2::VpcLink
    Properties:
      Name: l
      SubnetIds: []
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Check(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range got {
		names = append(names, r.Name)
	}
	if want := "Listener Link Api Integration Route"; strings.Join(names, " ") != want {
		t.Fatalf("order %v, want %s", names, want)
	}
}

func TestIntrinsics(t *testing.T) {
	tmpl, err := Parse("t.json", []byte(`{
  "Parameters": {"Cidrs": {"Type": "CommaDelimitedList", "Default": "10.0.1.0/24,10.0.2.0/24"},
                 "Port": {"Type": "Number", "Default": 8080}},
  "Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}},
  "Outputs": {
    "Second": {"Value": {"Fn::Select": [1, {"Ref": "Cidrs"}]}},
    "Zone": {"Value": {"Fn::Select": ["0", {"Fn::GetAZs": ""}]}},
    "Split": {"Value": {"Fn::Join": ["+", {"Fn::Split": ["/", "a/b/c"]}]}},
    "Sub": {"Value": {"Fn::Sub": "${Vpc}:${Port} in ${AWS::Region} ${!Literal}"}}
  }
}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Deploy(context.Background(), tmpl, &recorder{}, Options{Parameters: map[string]string{"Port": "9090"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Second": "10.0.2.0/24", "Zone": "us-east-1a", "Split": "a+b+c", "Sub": "id-Vpc:9090 in us-east-1 ${Literal}"}
	for _, o := range res.Outputs {
		if o.Value != want[o.Name] {
			t.Errorf("output %s = %q, want %q", o.Name, o.Value, want[o.Name])
		}
	}
}
