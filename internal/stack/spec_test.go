package stack

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
)

// TestSpecsNameWellKnownProperties checks that the specification carries
// the properties real templates use, and that none of them, nor Tags
// wherever a type documents it, nor any required property, is refused.
func TestSpecsNameWellKnownProperties(t *testing.T) {
	want := map[string][]string{
		"AWS::ElasticLoadBalancingV2::LoadBalancer": {"EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic",
			"LoadBalancerAttributes", "Tags", "Subnets", "SecurityGroups", "Scheme", "Type"},
		"AWS::ElasticLoadBalancingV2::TargetGroup": {"TargetGroupAttributes", "Tags", "Targets", "VpcId"},
		"AWS::EC2::VPC":      {"CidrBlock", "Tags"},
		"AWS::CDK::Metadata": {"Analytics"},
	}
	refusable := map[string]bool{"EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic": true}
	for typ, names := range want {
		spec := Specs[typ]
		if spec == nil {
			t.Fatalf("no spec for %s", typ)
		}
		for _, n := range names {
			p, ok := spec.Properties[n]
			if !ok {
				t.Errorf("%s: %s is not documented", typ, n)
			} else if p.Unsupported != "" && !refusable[n] {
				t.Errorf("%s: %s is refused: %s", typ, n, p.Unsupported)
			}
		}
	}
	for typ, spec := range Specs {
		if len(spec.Properties) == 0 {
			t.Errorf("%s documents no properties", typ)
		}
		for name, p := range spec.Properties {
			if p.Unsupported != "" && (name == "Tags" || p.Required) {
				t.Errorf("%s: %s is refused (%s), but every %s needs it", typ, name, p.Unsupported, typ)
			}
		}
	}
	if !Specs["AWS::EC2::Subnet"].Properties["VpcId"].Required || !Specs["AWS::EC2::Subnet"].Properties["CidrBlock"].CreateOnly {
		t.Errorf("subnet: VpcId should be required and CidrBlock create-only: %+v", Specs["AWS::EC2::Subnet"].Properties)
	}
	for _, attr := range []string{"SecurityGroups", "DNSName", "LoadBalancerFullName"} {
		if !strings.Contains(strings.Join(Types["AWS::ElasticLoadBalancingV2::LoadBalancer"], " "), attr) {
			t.Errorf("load balancer attribute %s missing", attr)
		}
	}
}

// TestPropertyMistakesCreateNothing deploys a template with misspelt
// properties, at the top and nested, a refused one and missing required
// ones: all are reported at once, what an intrinsic function stands for
// is left for later, and nothing is created.
func TestPropertyMistakesCreateNothing(t *testing.T) {
	tmpl, err := Parse("t.yaml", []byte(header+`  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlok: 10.0.1.0/24
      Ipv6Native: false
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8}
        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, SourceSecurityGroupName: default}
  Link:
    Type: AWS::ApiGatewayV2::VpcLink
    Properties:
      Name: !Ref AWS::NoValue
      SubnetIds: [!Ref Subnet]
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: arn
      DefaultActions:
        - Type: forward
          ForwardConfig:
            TargetGroups: [{TargetGroupArn: a, Weigth: 1}]
        - !Select [0, [{Type: fixed-response}, {Typo: x}]]
        - Type: fixed-response
          FixedResponseConfig: {StatusCode: 200, Body: x, ContentTipe: y}
`))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	_, err = Deploy(context.Background(), tmpl, rec, Options{})
	if err == nil {
		t.Fatal("deployed")
	}
	for _, want := range []string{
		"t.yaml:7: resource Subnet: Encountered unsupported property CidrBlok",
		"t.yaml:7: resource Subnet: property Ipv6Native of AWS::EC2::Subnet is not supported by gatehouse: IPv6 is not modeled",
		"t.yaml:13: resource Group: property SecurityGroupIngress/1/SourceSecurityGroupName of AWS::EC2::SecurityGroup is not supported by gatehouse: security groups named",
		"t.yaml:13: resource Group: Properties validation failed for resource Group with message: #: required key [GroupDescription] not found",
		"t.yaml:20: resource Link: Properties validation failed for resource Link with message: #: required key [Name] not found",
		"t.yaml:25: resource Listener: Property validation failure: [Encountered unsupported properties in {/DefaultActions/0/ForwardConfig/TargetGroups/0}: [Weigth]]",
		"t.yaml:25: resource Listener: Property validation failure: [Encountered unsupported properties in {/DefaultActions/2/FixedResponseConfig}: [Body, ContentTipe]]",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 7 {
		t.Errorf("%d errors, want 7:\n%v", n, err)
	}
	if len(rec.made) > 0 {
		t.Errorf("created %v", rec.made)
	}
}

// TestSpecIsGenerated checks that spec.json is what the generator writes
// from the registry schemas on this machine.
func TestSpecIsGenerated(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: cannot regenerate spec.json")
	}
	var stderr bytes.Buffer
	cmd := exec.Command("python3", "specgen/gen.py")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if strings.Contains(stderr.String(), "No module named 'cfnlint'") {
		t.Skip("cfn-lint is not installed (pip install cfn-lint): cannot regenerate spec.json")
	}
	if err != nil {
		t.Fatalf("specgen/gen.py: %v\n%s", err, stderr.String())
	}
	if !bytes.Equal(out, specJSON) {
		t.Fatal("spec.json is not what specgen/gen.py writes; regenerate it: cd internal/stack && python3 specgen/gen.py > spec.json")
	}
}

// TestShapeOfMapValues checks the values of a map keyed by the template
// (an HTTP API integration's response parameters, keyed by status code).
func TestShapeOfMapValues(t *testing.T) {
	p := Specs["AWS::ApiGatewayV2::Integration"].Properties["ResponseParameters"]
	got := p.check("T", "/ResponseParameters", map[string]any{
		"200": map[string]any{"ResponseParameters": []any{map[string]any{"Source": "a", "Destination": "b"}}},
		"404": map[string]any{"ResponseParameters": []any{map[string]any{"Source": "a", "Destnation": "b"}}},
	}, nil)
	want := "Property validation failure: [Encountered unsupported properties in {/ResponseParameters/404/ResponseParameters/0}: [Destnation]]"
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
