package stack

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestGivenAttributesAreDocumented: every type has its creator's
// attributes listed, and each is one the specification documents, so
// Check accepts exactly what a stack can answer.
func TestGivenAttributesAreDocumented(t *testing.T) {
	for typ, spec := range Specs {
		given, ok := Given[typ]
		if !ok {
			t.Errorf("%s: no Given attributes", typ)
		}
		for _, a := range given {
			if !slices.Contains(spec.Attributes, a) {
				t.Errorf("%s gives %s, which its specification does not document", typ, a)
			}
		}
	}
	for typ := range Given {
		if Specs[typ] == nil {
			t.Errorf("Given names %s, which has no specification", typ)
		}
	}
}

// attributeTemplate reads a VPC's and a balancer's readable properties
// and a balancer's own attribute; Extra adds to its outputs.
const attributeTemplate = `
Parameters:
  Dedicated:
    Type: String
    Default: "no"
Conditions:
  IsDedicated: !Equals [!Ref Dedicated, "yes"]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
      EnableDnsHostnames: true
      InstanceTenancy: !If [IsDedicated, dedicated, !Ref AWS::NoValue]
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.1.0/24
      MapPublicIpOnLaunch: false
  Alb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Scheme: internal
      Subnets: [!Ref Subnet]
      LoadBalancerAttributes:
        - Key: idle_timeout.timeout_seconds
          Value: "30"
Outputs:
  Hostnames:
    Value: !GetAtt Vpc.EnableDnsHostnames
  Scheme:
    Value: !GetAtt Alb.Scheme
  Dns:
    Value: !GetAtt Alb.DNSName
  Public:
    Value: !Sub "${Subnet.MapPublicIpOnLaunch}"
`

// givingRecorder answers only the attributes Given lists, with made-up
// values, as the creators do.
type givingRecorder struct{ recorder }

func (g *givingRecorder) Create(ctx context.Context, t Target, p map[string]any) (Created, error) {
	c, err := g.recorder.Create(ctx, t, p)
	for _, a := range Given[t.Type] {
		c.Attrs[a] = "given-" + a
	}
	return c, err
}

// TestGetAttOfProperties: an attribute the creator does not give but the
// resource sets as a property answers that property's value; one it
// neither gives nor sets is refused before anything is created, whether
// the template never sets it or its condition leaves it out.
func TestGetAttOfProperties(t *testing.T) {
	tmpl, err := Parse("t.yaml", []byte(attributeTemplate))
	if err != nil {
		t.Fatal(err)
	}
	var rec givingRecorder
	res, err := Deploy(context.Background(), tmpl, &rec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range res.Outputs {
		got[o.Name] = o.Value
	}
	if got["Hostnames"] != "true" || got["Scheme"] != "internal" || got["Dns"] != "given-DNSName" || got["Public"] != "false" {
		t.Fatalf("outputs %v", got)
	}

	for name, tc := range map[string]struct {
		body   string
		params map[string]string
		want   string
	}{
		"never set": {attributeTemplate + "  Pool:\n    Value: !GetAtt Vpc.Ipv4IpamPoolId\n", nil,
			"t.yaml:38: Template error: resource Vpc does not support attribute type Ipv4IpamPoolId in Fn::GetAtt: gatehouse gives AWS::EC2::VPC no Ipv4IpamPoolId, and the resource sets no property of that name"},
		"set by no branch taken": {attributeTemplate + "  Tenancy:\n    Value: !GetAtt Vpc.InstanceTenancy\n", nil,
			"t.yaml:38: Template error: resource Vpc does not support attribute type InstanceTenancy in Fn::GetAtt: gatehouse gives AWS::EC2::VPC no InstanceTenancy, and the resource sets no property of that name"},
		"in a property": {strings.Replace(attributeTemplate, "CidrBlock: 10.0.1.0/24", "CidrBlock: !GetAtt Vpc.Ipv4NetmaskLength", 1), nil,
			"t.yaml:15: Template error: resource Vpc does not support attribute type Ipv4NetmaskLength in Fn::GetAtt"},
	} {
		tmpl, err := Parse("t.yaml", []byte(tc.body))
		if err == nil {
			var rec givingRecorder
			_, err = Deploy(context.Background(), tmpl, &rec, Options{Parameters: tc.params})
			if len(rec.made) > 0 {
				t.Errorf("%s: created %v before refusing", name, rec.made)
			}
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	// With the condition true the property is set, and read.
	tmpl, err = Parse("t.yaml", []byte(attributeTemplate+"  Tenancy:\n    Value: !GetAtt Vpc.InstanceTenancy\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err = Deploy(context.Background(), tmpl, &givingRecorder{}, Options{Parameters: map[string]string{"Dedicated": "yes"}})
	if err != nil || res.Outputs[len(res.Outputs)-1].Value != "dedicated" {
		t.Fatalf("%v %+v", err, res)
	}
}

// TestSnapshotPolicyRefused: no type gatehouse deploys has snapshots, so
// a Snapshot DeletionPolicy or UpdateReplacePolicy is refused before
// anything is created, naming the resource and its type.
func TestSnapshotPolicyRefused(t *testing.T) {
	for _, attr := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
		body := strings.Replace(header, "    Type: AWS::EC2::VPC\n", "    Type: AWS::EC2::VPC\n    "+attr+": Snapshot\n", 1)
		tmpl, err := Parse("t.yaml", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Check(tmpl)
		if want := "t.yaml:3: Template format error: " + attr + " Snapshot is not supported for resource Vpc of type AWS::EC2::VPC, which has no snapshots"; err == nil || err.Error() != want {
			t.Errorf("%v, want %q", err, want)
		}
	}
	tmpl, err := Parse("t.yaml", []byte(strings.Replace(header, "    Type: AWS::EC2::VPC\n", "    Type: AWS::EC2::VPC\n    DeletionPolicy: Retain\n", 1)))
	if err == nil {
		_, err = Check(tmpl)
	}
	if err != nil {
		t.Fatal(err)
	}
}
