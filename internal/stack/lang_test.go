package stack

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// instantiate parses a template and instantiates it in us-east-1 with
// three zones, an SSM store and an export.
func instantiate(t *testing.T, body string, params map[string]string, ssm map[string]string) (*Instance, error) {
	t.Helper()
	tmpl, err := Parse("t.yaml", []byte(body))
	if err != nil {
		return nil, err
	}
	return Instantiate(tmpl, Inputs{
		StackName: "app", StackID: "arn:aws:cloudformation:us-east-1:000000000000:stack/app/1",
		Region: "us-east-1", AccountID: "000000000000", Parameters: params,
		Zones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		Import: func(name string) (string, bool) {
			v, ok := map[string]string{"shared-link-sg": "sg-shared"}[name]
			return v, ok
		},
		SSM: func(name string) (string, bool) { v, ok := ssm[name]; return v, ok },
	})
}

// resolveAll resolves every resource in order as a provisioner would see
// it, making each with an id and the attributes the template reads.
func resolveAll(t *testing.T, inst *Instance) (map[string]map[string]any, []OutputValue) {
	t.Helper()
	made := map[string]Created{}
	props := map[string]map[string]any{}
	for _, r := range inst.Resources {
		p, err := inst.Properties(r, made)
		if err != nil {
			t.Fatalf("resolving %s: %v", r.Name, err)
		}
		props[r.Name] = p
		made[r.Name] = Created{Ref: "id-" + r.Name, Attrs: map[string]any{"CidrBlock": p["CidrBlock"], "GroupId": "sg-" + r.Name}}
	}
	outs, err := inst.Outputs(made)
	if err != nil {
		t.Fatalf("outputs: %v", err)
	}
	return props, outs
}

// jsonOf compares values the way a provisioner receives them.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCDKStyleTemplate(t *testing.T) {
	body, err := os.ReadFile("testdata/cdk-style.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ssm := map[string]string{"/cdk-bootstrap/hnb659fds/version": "21"}
	ingress80 := map[string]any{"CidrIp": "10.0.0.0/16", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}
	for _, tc := range []struct {
		stage   string
		order   []string
		props   map[string]map[string]any
		outputs []OutputValue
	}{{
		stage: "dev",
		order: []string{"Vpc", "SubnetA", "SubnetB", "LbSecurityGroup", "Lb", "Link", "Api"},
		props: map[string]map[string]any{
			"Vpc":     {"CidrBlock": "10.0.0.0/16", "Tags": []any{map[string]any{"Key": "Name", "Value": "app/Vpc"}}},
			"SubnetA": {"VpcId": "id-Vpc", "AvailabilityZone": "us-east-1a", "CidrBlock": "10.0.0.0/24"},
			"SubnetB": {"VpcId": "id-Vpc", "AvailabilityZone": "us-east-1b", "CidrBlock": "10.0.1.0/24"},
			"LbSecurityGroup": {"GroupDescription": "load balancer", "VpcId": "id-Vpc",
				"SecurityGroupIngress": []any{ingress80}},
			"Lb":   {"Scheme": "internal", "Subnets": []any{"id-SubnetA", "id-SubnetB"}, "SecurityGroups": []any{"sg-LbSecurityGroup"}},
			"Link": {"Name": "app-link", "SubnetIds": []any{"id-SubnetA", "id-SubnetB"}, "SecurityGroupIds": []any{"sg-shared"}},
			"Api":  {"Name": "dev-api", "ProtocolType": "HTTP", "Description": "aGVsbG8="},
		},
		outputs: []OutputValue{{Name: "VpcId", Value: "id-Vpc", ExportName: "app-VpcId"}},
	}, {
		stage: "prod",
		order: []string{"Vpc", "SubnetA", "SubnetB", "SubnetC", "LbSecurityGroup", "Lb", "Link", "Api"},
		props: map[string]map[string]any{
			"Vpc":     {"CidrBlock": "10.1.0.0/16", "Tags": []any{map[string]any{"Key": "Name", "Value": "app/Vpc"}}},
			"SubnetA": {"VpcId": "id-Vpc", "AvailabilityZone": "us-east-1a", "CidrBlock": "10.1.0.0/24"},
			"SubnetB": {"VpcId": "id-Vpc", "AvailabilityZone": "us-east-1b", "CidrBlock": "10.1.1.0/24"},
			"SubnetC": {"VpcId": "id-Vpc", "AvailabilityZone": "us-east-1c", "CidrBlock": "10.1.2.0/24"},
			"LbSecurityGroup": {"GroupDescription": "load balancer", "VpcId": "id-Vpc",
				"SecurityGroupIngress": []any{
					map[string]any{"CidrIp": "10.1.0.0/16", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80},
					map[string]any{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}}},
			"Lb": {"Scheme": "internal", "Subnets": []any{"id-SubnetA", "id-SubnetB", "id-SubnetC"}, "SecurityGroups": []any{"sg-LbSecurityGroup"},
				"LoadBalancerAttributes": []any{map[string]any{"Key": "deletion_protection.enabled", "Value": "true"}}},
			"Link": {"Name": "app-link", "SubnetIds": []any{"id-SubnetA", "id-SubnetB"}, "SecurityGroupIds": []any{"sg-shared"}},
			"Api":  {"Name": "api", "ProtocolType": "HTTP", "Description": "aGVsbG8="},
		},
		outputs: []OutputValue{{Name: "VpcId", Value: "id-Vpc", ExportName: "app-VpcId"}, {Name: "ThirdSubnet", Value: "id-SubnetC"}},
	}} {
		t.Run(tc.stage, func(t *testing.T) {
			inst, err := instantiate(t, string(body), map[string]string{"Stage": tc.stage}, ssm)
			if err != nil {
				t.Fatal(err)
			}
			var order []string
			for _, r := range inst.Resources {
				order = append(order, r.Name)
			}
			if !reflect.DeepEqual(order, tc.order) {
				t.Errorf("resources %v, want %v", order, tc.order)
			}
			props, outs := resolveAll(t, inst)
			if got, want := jsonOf(t, props), jsonOf(t, tc.props); got != want {
				t.Errorf("properties:\n%s\nwant:\n%s", got, want)
			}
			if !reflect.DeepEqual(outs, tc.outputs) {
				t.Errorf("outputs %+v, want %+v", outs, tc.outputs)
			}
			want := []ParameterValue{
				{Name: "BootstrapVersion", Value: "/cdk-bootstrap/hnb659fds/version", ResolvedValue: "21", Default: true},
				{Name: "Stage", Value: tc.stage},
			}
			if !reflect.DeepEqual(inst.Parameters, want) {
				t.Errorf("parameters %+v, want %+v", inst.Parameters, want)
			}
			if !reflect.DeepEqual(inst.Imports, []string{"shared-link-sg"}) {
				t.Errorf("imports %v", inst.Imports)
			}
		})
	}
	tmpl, err := Parse("cdk-style.yaml", body)
	if err != nil {
		t.Fatal(err)
	}
	var c *Resource
	for _, r := range tmpl.Resources {
		if r.Name == "SubnetC" {
			c = r
		}
	}
	if c.Condition != "IsProd" || c.DeletionPolicy != "Retain" || c.UpdateReplacePolicy != "Delete" {
		t.Errorf("SubnetC attributes: %+v", c)
	}
	if tmpl.Resources[0].Metadata == nil || tmpl.Metadata == nil || tmpl.Description != "Hand-written in the shape of CDK output" {
		t.Error("Metadata was not kept")
	}
}

// TestCDKStyleRefusals shows the CDK-style template refused with
// CloudFormation's texts when its inputs are wrong.
func TestCDKStyleRefusals(t *testing.T) {
	body, err := os.ReadFile("testdata/cdk-style.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		params map[string]string
		ssm    map[string]string
		want   string
	}{
		{"old bootstrap", nil, map[string]string{"/cdk-bootstrap/hnb659fds/version": "5"},
			"CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI."},
		{"not bootstrapped", nil, nil,
			"Unable to fetch parameters [/cdk-bootstrap/hnb659fds/version] from parameter store for this account."},
		{"stage not allowed", map[string]string{"Stage": "test"}, map[string]string{"/cdk-bootstrap/hnb659fds/version": "21"},
			"Parameter 'Stage' must be one of AllowedValues"},
		{"unknown parameter", map[string]string{"Stag": "dev"}, nil,
			"Parameters: [Stag] do not exist in the template"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := instantiate(t, string(body), tc.params, tc.ssm)
			if err == nil {
				t.Fatal("instantiated")
			}
			if got := Message(err); got != tc.want {
				t.Errorf("error %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDynamicReferences shows {{resolve:ssm:...}} in property values
// replaced by the parameter's value, wherever in a string, also when a
// function built the reference.
func TestDynamicReferences(t *testing.T) {
	inst, err := instantiate(t, `Parameters:
  Name: {Type: String, Default: /net/cidr}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Sub "{{resolve:ssm:${Name}}}"
      Tags:
        - {Key: a, Value: "x-{{resolve:ssm:/net/name:2}}-{{resolve:ssm:/net/cidr}}"}
        - {Key: b, Value: "{{resolve:secretsmanager:s}}"}
`, nil, map[string]string{"/net/cidr": "10.9.0.0/16", "/net/name:2": "blue"})
	if err != nil {
		t.Fatal(err)
	}
	props, _ := resolveAll(t, inst)
	want := map[string]any{"CidrBlock": "10.9.0.0/16", "Tags": []any{
		map[string]any{"Key": "a", "Value": "x-blue-10.9.0.0/16"},
		map[string]any{"Key": "b", "Value": "{{resolve:secretsmanager:s}}"}}}
	if got := jsonOf(t, props["Vpc"]); got != jsonOf(t, want) {
		t.Errorf("properties %s", got)
	}
}

// TestPseudoParameters shows what each pseudo parameter answers.
func TestPseudoParameters(t *testing.T) {
	tmpl, err := Parse("t.yaml", []byte(`Resources:`+vpc+`
Outputs:
  All:
    Value: !Join
      - " "
      - - !Ref AWS::Region
        - !Ref AWS::AccountId
        - !Ref AWS::StackName
        - !Ref AWS::StackId
        - !Ref AWS::Partition
        - !Ref AWS::URLSuffix
        - !Join [",", !Ref AWS::NotificationARNs]
`))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := Instantiate(tmpl, Inputs{StackName: "s", StackID: "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1",
		Region: "eu-west-1", AccountID: "123456789012", NotificationARNs: []string{"arn:a", "arn:b"}})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := inst.Outputs(map[string]Created{"Vpc": {Ref: "vpc-1"}})
	want := "eu-west-1 123456789012 s arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1 aws amazonaws.com arn:a,arn:b"
	if err != nil || len(outs) != 1 || outs[0].Value != want {
		t.Fatalf("outputs %+v, %v; want %q", outs, err, want)
	}
}

// TestScalarsKeepTheirText shows numbers that would not read back as
// written kept as the template's text.
func TestScalarsKeepTheirText(t *testing.T) {
	tmpl, err := Parse("t.yaml", []byte("Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n"+
		"      A: 1.10\n      B: 0123\n      C: 1e3\n      D: 80\n      E: 2.5\n      F: -7\n      G: true\n      H: \"80\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"A": "1.10", "B": "0123", "C": "1e3", "D": 80, "E": 2.5, "F": -7, "G": true, "H": "80"}
	if got := tmpl.Resources[0].Properties; !reflect.DeepEqual(got, want) {
		t.Errorf("properties %#v, want %#v", got, want)
	}
}

// TestCDKSynthInstantiates instantiates the CDK example's synthesized
// template: its bootstrap rule holds, its metadata resource exists only
// in regions its condition lists, and every property and output resolves.
func TestCDKSynthInstantiates(t *testing.T) {
	body, err := os.ReadFile("../../examples/cdk/synth/GatehouseCdk.template.json")
	if err != nil {
		t.Skipf("no synthesized template: %v", err)
	}
	tmpl, err := Parse("GatehouseCdk.template.json", body)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		region   string
		metadata bool
	}{{"us-east-1", true}, {"us-gov-west-1", false}} {
		inst, err := Instantiate(tmpl, Inputs{StackName: "GatehouseCdk", Region: tc.region, AccountID: "000000000000",
			Zones: []string{tc.region + "a", tc.region + "b"},
			SSM:   func(string) (string, bool) { return "21", true }})
		if err != nil {
			t.Fatalf("%s: %v", tc.region, err)
		}
		metadata := false
		made := map[string]Created{}
		for _, r := range inst.Resources {
			metadata = metadata || r.Type == "AWS::CDK::Metadata"
			if _, err := inst.Properties(r, made); err != nil {
				t.Fatalf("%s: %v", tc.region, err)
			}
			attrs := map[string]any{}
			for _, a := range Types[r.Type] {
				attrs[a] = "attr-" + a
			}
			made[r.Name] = Created{Ref: "id-" + r.Name, Attrs: attrs}
		}
		if metadata != tc.metadata || inst.Conditions["CDKMetadataAvailable"] != tc.metadata {
			t.Errorf("%s: metadata resource %v, condition %v", tc.region, metadata, inst.Conditions)
		}
		if outs, err := inst.Outputs(made); err != nil || len(outs) == 0 {
			t.Errorf("%s: outputs %v, %v", tc.region, outs, err)
		}
	}
}
