package stack

import (
	"reflect"
	"strings"
	"testing"
)

func instance(t *testing.T, body string, params map[string]string) *Instance {
	t.Helper()
	tmpl, err := Parse("t.yaml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := Instantiate(tmpl, Inputs{StackName: "s", StackID: "arn:aws:cloudformation:us-east-1:000000000000:stack/s/1",
		Region: "us-east-1", AccountID: "000000000000", Parameters: params, Zones: []string{"us-east-1a", "us-east-1b"}})
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

const planTemplate = `
Parameters:
  Cidr:
    Type: String
    Default: 10.0.1.0/24
  Env:
    Type: String
    Default: one
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
      Tags: [{Key: env, Value: !Ref Env}]
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Ref Cidr
  Eni:
    Type: AWS::EC2::NetworkInterface
    Properties:
      SubnetId: !Ref Subnet
      Description: !Sub "in ${Subnet}"
`

// made is the stack a plan starts from: the template as instantiated
// with params, every resource made.
func made(t *testing.T, body string, params map[string]string) map[string]Current {
	inst := instance(t, body, params)
	cur := map[string]Current{}
	have := map[string]Created{}
	for _, r := range inst.Resources {
		props, err := inst.Properties(r, have)
		if err != nil {
			t.Fatal(err)
		}
		c := Created{Ref: strings.ToLower(r.Name) + "-1", Attrs: map[string]any{}}
		have[r.Name] = c
		cur[r.Name] = Current{Type: r.Type, Created: c, Props: props}
	}
	return cur
}

func TestPlan(t *testing.T) {
	cur := made(t, planTemplate, nil)
	summary := func(plan []Change) []string {
		var out []string
		for _, c := range plan {
			s := c.Action + " " + c.LogicalID
			if c.Action == "Modify" {
				s += " " + c.Replacement
				for _, d := range c.Details {
					s += " " + d.Property + ":" + d.Recreation
					if d.Dynamic {
						s += ":dynamic(" + d.Causing + ")"
					}
				}
			}
			out = append(out, s)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		body   string
		params map[string]string
		want   []string
	}{
		{"nothing", planTemplate, nil, nil},
		{"in place", planTemplate, map[string]string{"Env": "two"}, []string{"Modify Vpc False Tags:Never"}},
		// The subnet is replaced; the interface names it in a create-only
		// property, so it may be replaced too, and its description changes.
		{"replacement", planTemplate, map[string]string{"Cidr": "10.0.2.0/24"}, []string{
			"Modify Subnet True CidrBlock:Always",
			"Modify Eni Conditional Description:Never:dynamic(Subnet) SubnetId:Always:dynamic(Subnet)"}},
		{"add and remove", strings.Replace(planTemplate, "  Eni:\n    Type: AWS::EC2::NetworkInterface\n", "  Eni2:\n    Type: AWS::EC2::NetworkInterface\n", 1), nil,
			[]string{"Add Eni2", "Remove Eni"}},
	} {
		plan, err := Plan(instance(t, tc.body, tc.params), cur, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := summary(plan); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	retyped := strings.Replace(planTemplate, "Type: AWS::EC2::NetworkInterface", "Type: AWS::EC2::SecurityGroup", 1)
	retyped = strings.Replace(retyped, "      SubnetId: !Ref Subnet\n      Description: !Sub \"in ${Subnet}\"", "      GroupDescription: g\n      VpcId: !Ref Vpc", 1)
	if _, err := Plan(instance(t, retyped, nil), cur, nil); err == nil || !strings.Contains(err.Error(), "Update of resource type is not permitted") {
		t.Fatalf("a changed type: %v", err)
	}
}

func TestSame(t *testing.T) {
	for _, tc := range []struct {
		a, b any
		want bool
	}{
		{80, "80", true},
		{80.0, 80, true},
		{[]any{"a", 1}, []any{"a", "1"}, true},
		{map[string]any{"k": 1}, map[string]any{"k": "1"}, true},
		{map[string]any{"k": 1}, map[string]any{"k": 1, "j": 2}, false},
		{nil, "", false},
		{[]any{"a"}, "a", false},
	} {
		if got := Same(tc.a, tc.b); got != tc.want {
			t.Errorf("Same(%v, %v) = %v", tc.a, tc.b, got)
		}
	}
}

// TestPlanSources: each detail says what changed it. The template's text
// is compared with what the stack was made from, and parameters with
// their prior values.
func TestPlanSources(t *testing.T) {
	before := map[string]string{"Cidr": "10.0.1.0/24", "Env": "one"}
	cur := made(t, planTemplate, before)
	tmpl, err := Parse("t.yaml", []byte(planTemplate))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tmpl.Resources {
		c := cur[r.Name]
		c.Source = r.Properties
		cur[r.Name] = c
	}
	// The subnet was made in a VPC that has since another id: its VpcId
	// changes because of what it refers to, not because of the text.
	vpc := cur["Vpc"]
	vpc.Created.Ref = "vpc-2"
	cur["Vpc"] = vpc
	sources := func(plan []Change) map[string]string {
		out := map[string]string{}
		for _, c := range plan {
			for _, d := range c.Details {
				out[c.LogicalID+"."+d.Property] = d.Source + " " + d.Causing
			}
		}
		return out
	}
	plan, err := Plan(instance(t, planTemplate, map[string]string{"Env": "two"}), cur, before)
	if err != nil {
		t.Fatal(err)
	}
	// The subnet is replaced for it, and the interface in it follows.
	want := map[string]string{"Vpc.Tags": "ParameterReference Env", "Subnet.VpcId": "ResourceReference Vpc",
		"Eni.SubnetId": "ResourceReference Subnet", "Eni.Description": "ResourceReference Subnet"}
	if got := sources(plan); !reflect.DeepEqual(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
	edited := strings.Replace(planTemplate, "Value: !Ref Env", "Value: !Sub '${Env}'", 1)
	plan, err = Plan(instance(t, edited, map[string]string{"Env": "two"}), cur, before)
	if err != nil {
		t.Fatal(err)
	}
	if got := sources(plan)["Vpc.Tags"]; got != "DirectModification " {
		t.Fatalf("an edited property: %q", got)
	}
}
