package stack

import (
	"reflect"
	"testing"
)

// TestParameterConstraints shows each constraint CloudFormation applies to
// a parameter's value, with its text, and ConstraintDescription replacing
// that text when the template gives one.
func TestParameterConstraints(t *testing.T) {
	for _, tc := range []struct {
		name, decl, value, want string
	}{
		{"allowed value", "{Type: String, AllowedValues: [a, b]}", "b", ""},
		{"not an allowed value", "{Type: String, AllowedValues: [a, b]}", "c", "Parameter 'P' must be one of AllowedValues"},
		{"allowed members", "{Type: CommaDelimitedList, AllowedValues: [a, b]}", "a, b", ""},
		{"a member not allowed", "{Type: CommaDelimitedList, AllowedValues: [a, b]}", "a,c", "Parameter 'P' must be one of AllowedValues"},
		{"pattern matches the whole value", "{Type: String, AllowedPattern: '[a-z]+'}", "abc", ""},
		{"pattern matching only a part", "{Type: String, AllowedPattern: '[a-z]+'}", "abc1", "Parameter 'P' must match pattern [a-z]+"},
		{"alternatives anchored together", "{Type: String, AllowedPattern: 'a|b'}", "ab", "Parameter 'P' must match pattern a|b"},
		{"pattern on each member", "{Type: CommaDelimitedList, AllowedPattern: '\\w+'}", "dev,test", ""},
		{"a member off the pattern", "{Type: CommaDelimitedList, AllowedPattern: '\\w+'}", "dev,te-st", "Parameter 'P' must match pattern \\w+"},
		{"too short", "{Type: String, MinLength: 3}", "ab", "Parameter 'P' must contain at least 3 characters"},
		{"too long", "{Type: String, MaxLength: 3}", "abcd", "Parameter 'P' must contain at most 3 characters"},
		{"long enough", "{Type: String, MinLength: 2, MaxLength: 3}", "abc", ""},
		{"a number", "{Type: Number}", "8.5", ""},
		{"not a number", "{Type: Number}", "eight", "Parameter 'P' must be a number"},
		{"too small", "{Type: Number, MinValue: 1024}", "80", "Parameter 'P' must be a number not less than 1024"},
		{"too big", "{Type: Number, MaxValue: 65535.5}", "70000", "Parameter 'P' must be a number not greater than 65535.5"},
		{"numbers", "{Type: List<Number>, MaxValue: 10}", "1,2, 3", ""},
		{"a list with a word", "{Type: List<Number>}", "1,x", "Parameter 'P' must be a number"},
		{"constraint description", "{Type: String, AllowedPattern: '[0-9]+', ConstraintDescription: digits only}", "x",
			"Parameter P failed to satisfy constraint: digits only"},
		{"AWS-specific type", "{Type: AWS::EC2::VPC::Id}", "vpc-0123", ""},
		{"AWS-specific list", "{Type: List<AWS::EC2::Subnet::Id>}", "subnet-1,subnet-2", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := instantiate(t, "Parameters:\n  P: "+tc.decl+"\nResources:"+vpc, map[string]string{"P": tc.value}, nil)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("accepted %q", tc.value)
			case tc.want != "" && Message(err) != tc.want:
				t.Fatalf("error %q, want %q", Message(err), tc.want)
			}
		})
	}
}

// TestParameterValues shows what Ref answers for each type, and what the
// stack reports: SSM-typed parameters by name and resolved value, NoEcho
// flagged, declarations kept for GetTemplateSummary.
func TestParameterValues(t *testing.T) {
	body := `Parameters:
  Name: {Type: String, Default: web, Description: the name, NoEcho: true}
  Port: {Type: Number, Default: 8080}
  Subnets: {Type: List<AWS::EC2::Subnet::Id>}
  Cidrs: {Type: CommaDelimitedList, Default: "10.0.0.0/24, 10.0.1.0/24"}
  Image: {Type: "AWS::SSM::Parameter::Value<String>", Default: /images/latest}
  Zones: {Type: "AWS::SSM::Parameter::Value<List<String>>", Default: /zones}
Resources:` + vpc
	inst, err := instantiate(t, body, map[string]string{"Subnets": "subnet-1,subnet-2", "Port": "9090"},
		map[string]string{"/images/latest": "ami-1", "/zones": "us-east-1a,us-east-1b"})
	if err != nil {
		t.Fatal(err)
	}
	wantRefs := map[string]any{
		"Name": "web", "Port": "9090", "Subnets": []any{"subnet-1", "subnet-2"},
		"Cidrs": []any{"10.0.0.0/24", "10.0.1.0/24"}, "Image": "ami-1", "Zones": []any{"us-east-1a", "us-east-1b"},
	}
	if !reflect.DeepEqual(inst.Params, wantRefs) {
		t.Errorf("Ref answers %v, want %v", inst.Params, wantRefs)
	}
	wantValues := []ParameterValue{
		{Name: "Name", Value: "web", NoEcho: true, Default: true},
		{Name: "Port", Value: "9090"},
		{Name: "Subnets", Value: "subnet-1,subnet-2"},
		{Name: "Cidrs", Value: "10.0.0.0/24, 10.0.1.0/24", Default: true},
		{Name: "Image", Value: "/images/latest", ResolvedValue: "ami-1", Default: true},
		{Name: "Zones", Value: "/zones", ResolvedValue: "us-east-1a,us-east-1b", Default: true},
	}
	if !reflect.DeepEqual(inst.Parameters, wantValues) {
		t.Errorf("parameters %+v\nwant %+v", inst.Parameters, wantValues)
	}
	p := inst.Template.Parameters[0]
	if d, _ := p.DefaultString(); d != "web" || !p.NoEcho || p.Description != "the name" || p.Type != "String" {
		t.Errorf("declaration %+v", p)
	}
	if d, ok := inst.Template.Parameters[1].DefaultString(); d != "8080" || !ok {
		t.Errorf("Port's default %q", d)
	}
}
