package stack

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const vpc = `
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
`

// TestValidationErrors shows each mistake refused by Instantiate with
// CloudFormation's text as the error's Message, and the file and line
// in front of it for `gatehouse up`.
func TestValidationErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		params     map[string]string
		want       string
		line       int
	}{
		{"ref to a resource whose condition is false", `Conditions:
  Never: !Equals [a, b]
Resources:` + vpc + `
  Sg:
    Type: AWS::EC2::SecurityGroup
    Condition: Never
    Properties: {GroupDescription: x, VpcId: !Ref Vpc}
  Sg2:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: !Ref Sg, VpcId: !Ref Vpc}
`, nil, "Template format error: Unresolved resource dependencies [Sg] in the Resources block of the template", 13},
		{"depends on a resource whose condition is false", `Conditions:
  Never: !Equals [a, b]
Resources:` + vpc + `
  Sg:
    Type: AWS::EC2::SecurityGroup
    Condition: Never
    DependsOn: Vpc
    Properties: {GroupDescription: x, VpcId: !Ref Vpc}
  Sg2:
    Type: AWS::EC2::SecurityGroup
    DependsOn: [Sg]
    Properties: {GroupDescription: x, VpcId: !Ref Vpc}
`, nil, "Template format error: Unresolved resource dependencies [Sg] in the Resources block of the template", 14},
		{"output of a resource whose condition is false", `Conditions:
  Never: !Equals [a, b]
Resources:` + vpc + `
  Sg:
    Type: AWS::EC2::SecurityGroup
    Condition: Never
    Properties: {GroupDescription: x, VpcId: !Ref Vpc}
Outputs:
  Group:
    Value: !GetAtt Sg.GroupId
`, nil, "Template format error: Unresolved resource dependencies [Sg] in the Outputs block of the template", 14},
		{"Fn::If naming no condition", `Resources:` + vpc + `
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: !If [Nope, a, b], VpcId: !Ref Vpc}
`, nil, "Template error: unresolved condition dependency Nope in Fn::If", 7},
		{"Fn::If with two elements", `Conditions:
  C: !Equals [a, a]
Resources:` + vpc + `
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: !If [C, a], VpcId: !Ref Vpc}
`, nil, "Template error: Fn::If requires a list argument with three elements", 9},
		{"Fn::If whose condition is a function", `Conditions:
  C: !Equals [a, a]
Resources:` + vpc + `
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: !If [!Equals [a, a], a, b], VpcId: !Ref Vpc}
`, nil, "Template error: Fn::If requires a list argument with the first element being a condition", 9},
		{"condition that is not a string", `Conditions:
  C: !Equals [a, a]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Condition: [C]
    Properties: {CidrBlock: 10.0.0.0/16}
`, nil, "Template format error: Every Condition member must be a string.", 4},
		{"condition reading a resource", `Conditions:
  C: !Equals [!Ref Vpc, a]
Resources:` + vpc, nil, "Template format error: Unresolved dependencies [Vpc]. Cannot reference resources in the Conditions block of the template", 2},
		{"conditions in a loop", `Conditions:
  A: !Not [!Condition B]
  B: !Or [!Condition A, !Equals [x, y]]
Resources:` + vpc, nil, "Template error: Circular dependency between conditions: [A]", 2},
		{"condition that is not a function", `Conditions:
  A: true
Resources:` + vpc, nil, "Template format error: Conditions can only be boolean operations on parameters and other conditions", 2},
		{"GetAtt of nothing", `Resources:` + vpc + `
Outputs:
  X:
    Value: !GetAtt Nope.Arn
`, nil, "Template error: instance of Fn::GetAtt references undefined resource Nope", 8},
		{"parameters without values", `Parameters:
  A: {Type: String}
  B: {Type: Number, Default: 3}
  C: {Type: CommaDelimitedList}
Resources:` + vpc, nil, "Parameters: [A, C] must have values", 0},
		{"missing export", `Resources:` + vpc + `
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: !ImportValue nope, VpcId: !Ref Vpc}
`, nil, "No export named nope found.", 7},
		{"import naming a resource", `Resources:` + vpc + `
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: !ImportValue {"Fn::Sub": "${Vpc}-x"}, VpcId: !Ref Vpc}
`, nil, "Template error: the attribute in Fn::ImportValue must not depend on any resources, imported values, or Fn::GetAZs", 7},
		{"missing mapping key", `Parameters:
  Env: {Type: String, Default: test}
Mappings:
  M: {prod: {Cidr: 10.0.0.0/16}}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !FindInMap [M, !Ref Env, Cidr]}
`, nil, "Template error: Unable to get mapping for M::test::Cidr", 6},
		{"FindInMap with two keys", `Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !FindInMap [M, x]}
`, nil, "Template error: every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value", 2},
		{"Select past the end of a parameter", `Parameters:
  Cidrs: {Type: CommaDelimitedList, Default: "10.0.0.0/16"}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !Select [1, !Ref Cidrs]}
`, nil, "Template error: Fn::Select cannot select nonexistent value at index 1", 4},
		{"Fn::Cidr asking for too many", `Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !Select [0, !Cidr [10.0.0.0/24, 5, 6]]}
`, nil, "Template error: Fn::Cidr: 10.0.0.0/24 holds 4 subnets with 6 host bits, not 5", 2},
		{"bad DeletionPolicy", `Resources:
  Vpc:
    Type: AWS::EC2::VPC
    DeletionPolicy: Keep
    Properties: {CidrBlock: 10.0.0.0/16}
`, nil, "Template format error: Unrecognized DeletionPolicy Keep for resource Vpc", 2},
		{"misspelt resource attribute", `Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Propertes: {CidrBlock: 10.0.0.0/16}
`, nil, "Template format error: Invalid template resource property 'Propertes'", 2},
		{"misspelt section", `Resource:
  Vpc: {Type: AWS::EC2::VPC}
Resources:` + vpc, nil, "Template format error: Invalid template property or properties [Resource]", 1},
		{"output without a value", `Resources:` + vpc + `
Outputs:
  X:
    Description: nothing
`, nil, "Template format error: Every Outputs member must contain a Value object", 8},
		{"long description", "Description: " + strings.Repeat("d", 1025) + "\nResources:" + vpc, nil,
			"Template format error: 'Description' length is greater than 1024.", 0},
		{"no resources", `Parameters:
  A: {Type: String}
`, nil, "Template format error: At least one Resources member must be defined.", 0},
		{"unknown parameter type", `Parameters:
  A: {Type: Strin}
Resources:` + vpc, nil, "Template format error: Unrecognized parameter type: Strin", 2},
		{"parameter without a type", `Parameters:
  A: {Default: x}
Resources:` + vpc, nil, "Template format error: Every Parameters object must contain a Type member.", 2},
		{"YAML", "Resources:\n  Vpc: [\n", nil, "Template format error: YAML not well-formed. (line 2)", 2},
		{"JSON", "{\"Resources\": {\"Vpc\": }", nil, "Template format error: JSON not well-formed. (line 1, column 23)", 1},
		{"JSON that only YAML takes", "{\"Resources\": {\"Vpc\": {\"Type\": \"AWS::EC2::VPC\",}}\n}", nil,
			"Template format error: JSON not well-formed. (line 1, column 48)", 1},
		{"JSON on lines", "{\n  \"Resources\": {\n    \"Vpc\": [1 2]\n  }\n}", nil, "Template format error: JSON not well-formed. (line 3, column 15)", 3},
		{"logical id with a dash", "Resources:\n  my-vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\n",
			nil, "Template format error: Resource name my-vpc is non alphanumeric.", 2},
		{"missing dynamic reference", `Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: "{{resolve:ssm:/net/cidr}}"}
`, nil, "Parameters: [ssm:/net/cidr] cannot be found.", 2},
		{"a default its constraints refuse", "Parameters:\n  P: {Type: String, Default: ab, MinLength: 3}\nResources:" + vpc,
			map[string]string{"P": "abc"}, "Parameter 'P' must contain at least 3 characters", 2},
		{"Fn::Sub of a list", "Parameters:\n  L: {Type: CommaDelimitedList, Default: a}\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: !Sub \"${L}\"}\n",
			nil, "Template error: variable L in Fn::Sub expression does not resolve to a string", 4},
		{"Fn::Join of a list of lists", "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: !Join [\",\", [a, [b]]]}\n",
			nil, joinUsage, 2},
		{"a cycle", `Resources:
  A:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: !Ref B}
  B:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: !Ref A}
  C:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: x}
`, nil, "Circular dependency between resources: [A, B]", 2},
		{"a cycle through branches no condition takes together", `Conditions:
  C: !Equals [a, b]
  NotC: !Not [!Condition C]
Resources:
  A:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: !If [C, !Ref B, x]}
  B:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: !If [NotC, !Ref A, y]}
`, nil, "Circular dependency between resources: [A, B]", 5},
		{"Transform", "Transform: AWS::Serverless-2016-10-31\nResources:" + vpc, nil, "Transform (macros, SAM) is not supported", 1},
		{"rule reading a resource", `Rules:
  R:
    Assertions:
      - Assert: !Equals [!Ref Vpc, x]
Resources:` + vpc, nil, "Template format error: Unresolved dependencies [Vpc]. Cannot reference resources in the Rules block of the template", 2},
		{"rule without a description", `Parameters:
  Env: {Type: String, Default: test}
Rules:
  ProdOnly:
    RuleCondition: !Equals [!Ref AWS::Region, us-east-1]
    Assertions:
      - Assert: !EachMemberIn [[!Ref Env], [prod]]
Resources:` + vpc, nil, "Template error: Rule ProdOnly failed an assertion", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := instantiate(t, tc.body, tc.params, nil)
			if err == nil {
				t.Fatal("instantiated")
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("%T %v is not a ValidationError", err, err)
			}
			if ve.Message != tc.want || Message(err) != tc.want {
				t.Errorf("message %q, want %q", ve.Message, tc.want)
			}
			if ve.Line != tc.line {
				t.Errorf("line %d, want %d (%v)", ve.Line, tc.line, err)
			}
			if ve.File != "t.yaml" || !strings.HasPrefix(err.Error(), "t.yaml:") {
				t.Errorf("error %q does not name its file", err)
			}
		})
	}
}

// TestConditionsChooseResourcesAndValues shows conditions evaluated from
// parameters and pseudo parameters: a resource exists when its condition
// holds, a reference to it under the same condition is no mistake when it
// does not, and Fn::If picks a value or drops the property.
func TestConditionsChooseResourcesAndValues(t *testing.T) {
	body := `Parameters:
  Env: {Type: String, Default: dev}
  Zones: {Type: Number, Default: 1}
Conditions:
  IsProd: !Equals [prod, !Ref Env]
  TwoZones: !Equals [!Ref Zones, 2]
  East: !Equals [!Ref "AWS::Region", us-east-1]
  ProdOrTwo: !Or [!Condition IsProd, !Condition TwoZones]
  All: !And [!Condition IsProd, !Condition TwoZones, !Condition East]
  NotProd: !Not [{Condition: IsProd}]
Resources:` + vpc + `
  Prod:
    Type: AWS::EC2::SecurityGroup
    Condition: IsProd
    Properties: {GroupDescription: prod, VpcId: !Ref Vpc}
  Always:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !If [IsProd, !Ref Prod, !If [ProdOrTwo, two, none]]
      VpcId: !If [NotProd, !Ref Vpc, !Ref "AWS::NoValue"]
      Tags:
        - !If [All, {Key: all, Value: "yes"}, !Ref "AWS::NoValue"]
        - {Key: east, Value: !If [East, "yes", "no"]}
Outputs:
  ProdGroup:
    Condition: IsProd
    Value: !Ref Prod
  Always:
    Value: !GetAtt Always.GroupId
    Export: {Name: !If [IsProd, prod-group, dev-group]}
`
	for _, tc := range []struct {
		params    map[string]string
		resources string
		always    map[string]any
		outputs   []OutputValue
		conds     map[string]bool
	}{
		{nil, "Vpc Always",
			map[string]any{"GroupDescription": "none", "VpcId": "id-Vpc", "Tags": []any{map[string]any{"Key": "east", "Value": "yes"}}},
			[]OutputValue{{Name: "Always", Value: "sg-Always", ExportName: "dev-group"}},
			map[string]bool{"IsProd": false, "TwoZones": false, "East": true, "ProdOrTwo": false, "All": false, "NotProd": true}},
		{map[string]string{"Zones": "2"}, "Vpc Always",
			map[string]any{"GroupDescription": "two", "VpcId": "id-Vpc", "Tags": []any{map[string]any{"Key": "east", "Value": "yes"}}},
			[]OutputValue{{Name: "Always", Value: "sg-Always", ExportName: "dev-group"}},
			map[string]bool{"IsProd": false, "TwoZones": true, "East": true, "ProdOrTwo": true, "All": false, "NotProd": true}},
		{map[string]string{"Env": "prod", "Zones": "2"}, "Vpc Prod Always",
			map[string]any{"GroupDescription": "id-Prod", "Tags": []any{map[string]any{"Key": "all", "Value": "yes"}, map[string]any{"Key": "east", "Value": "yes"}}},
			[]OutputValue{{Name: "ProdGroup", Value: "id-Prod"}, {Name: "Always", Value: "sg-Always", ExportName: "prod-group"}},
			map[string]bool{"IsProd": true, "TwoZones": true, "East": true, "ProdOrTwo": true, "All": true, "NotProd": false}},
	} {
		inst, err := instantiate(t, body, tc.params, nil)
		if err != nil {
			t.Fatalf("%v: %v", tc.params, err)
		}
		var names []string
		for _, r := range inst.Resources {
			names = append(names, r.Name)
		}
		if strings.Join(names, " ") != tc.resources {
			t.Errorf("%v: resources %v, want %s", tc.params, names, tc.resources)
		}
		if !reflect.DeepEqual(inst.Conditions, tc.conds) {
			t.Errorf("%v: conditions %v, want %v", tc.params, inst.Conditions, tc.conds)
		}
		props, outs := resolveAll(t, inst)
		if got, want := jsonOf(t, props["Always"]), jsonOf(t, tc.always); got != want {
			t.Errorf("%v: Always %s, want %s", tc.params, got, want)
		}
		if !reflect.DeepEqual(outs, tc.outputs) {
			t.Errorf("%v: outputs %+v, want %+v", tc.params, outs, tc.outputs)
		}
	}
}

func TestCidr(t *testing.T) {
	for _, tc := range []struct {
		block, count, bits string
		want               []any
		err                string
	}{
		{"192.168.0.0/24", "6", "5", []any{"192.168.0.0/27", "192.168.0.32/27", "192.168.0.64/27", "192.168.0.96/27", "192.168.0.128/27", "192.168.0.160/27"}, ""},
		{"10.0.0.0/16", "3", "8", []any{"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}, ""},
		// The block's own address need not be its network's.
		{"10.0.5.7/16", "2", "12", []any{"10.0.0.0/20", "10.0.16.0/20"}, ""},
		{"10.0.0.0/16", "1", "16", []any{"10.0.0.0/16"}, ""},
		{"10.0.0.0/24", "256", "0", nil, ""},
		{"2600:1f14:abc:de00::/56", "3", "64", []any{"2600:1f14:abc:de00::/64", "2600:1f14:abc:de01::/64", "2600:1f14:abc:de02::/64"}, ""},
		{"10.0.0.0/16", "2", "17", nil, "Template error: Fn::Cidr: subnets with 17 host bits do not fit in 10.0.0.0/16"},
		{"10.0.0.0/16", "0", "8", nil, `Template error: Fn::Cidr: the count of subnets must be a number from 1 to 256, not "0"`},
		{"10.0.0.0/16", "257", "8", nil, `Template error: Fn::Cidr: the count of subnets must be a number from 1 to 256, not "257"`},
		{"10.0.0.0/16", "2", "33", nil, `Template error: Fn::Cidr: the subnet bits must be a number from 0 to 32, not "33"`},
		{"10.0.0.0", "2", "8", nil, `Template error: Fn::Cidr: invalid ip block "10.0.0.0"`},
	} {
		got, err := cidr(tc.block, tc.count, tc.bits)
		switch {
		case tc.err != "":
			if err == nil || err.Error() != tc.err {
				t.Errorf("Fn::Cidr %s %s %s: error %v, want %q", tc.block, tc.count, tc.bits, err, tc.err)
			}
		case err != nil:
			t.Errorf("Fn::Cidr %s %s %s: %v", tc.block, tc.count, tc.bits, err)
		case tc.want == nil:
			if len(got) != 256 || got[255] != "10.0.0.255/32" {
				t.Errorf("Fn::Cidr %s %s %s: %d blocks ending %v", tc.block, tc.count, tc.bits, len(got), got[len(got)-1])
			}
		case !reflect.DeepEqual(got, tc.want):
			t.Errorf("Fn::Cidr %s %s %s = %v, want %v", tc.block, tc.count, tc.bits, got, tc.want)
		}
	}
}
