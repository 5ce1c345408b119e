package stack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds are the example templates (with CDK's synthesized one), the
// CDK-style one written by hand, and small templates that reach each
// function and section.
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	paths, _ := filepath.Glob("../../examples/blog/*.yaml")
	synth, _ := filepath.Glob("../../examples/cdk/synth/*.json")
	paths = append(append(paths, synth...), "testdata/cdk-style.yaml")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			seeds = append(seeds, b)
		}
	}
	for _, s := range []string{
		"Resources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Sub '${X}'\n",
		`{"Resources":{"A":{"Type":"AWS::EC2::VPC","DependsOn":"A"}}}`,
		"Resources: !Ref\n",
		"Conditions:\n  A: !Not [!Condition B]\n  B: !Not [!Condition A]\nResources:\n  V: {Type: AWS::EC2::VPC, Condition: A}\n",
		"Parameters:\n  P: {Type: Number, MinValue: 1, AllowedValues: [1, 2]}\nConditions:\n  C: !Equals [!Ref P, 1]\n" +
			"Resources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !If [C, !Select [0, !Cidr [10.0.0.0/16, !Ref P, 8]], !Ref AWS::NoValue]\n",
		"Mappings:\n  M: {a: {b: [x, y]}}\nResources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Join [',', !FindInMap [M, a, b]]\n" +
			"      Tags: [{Key: k, Value: !Base64 !FindInMap [M, z, b, {DefaultValue: d}]}]\nOutputs:\n  O: {Value: !ImportValue x, Export: {Name: !Ref V}}\n",
		"Rules:\n  R:\n    RuleCondition: !Equals [a, a]\n    Assertions:\n      - Assert: !EachMemberIn [!RefAll String, [a]]\nResources:\n  V: {Type: AWS::EC2::VPC}\n",
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// FuzzParseAndCheck feeds arbitrary template text through parsing and
// checking: nothing may panic, and a template that parses and checks must
// order every resource it declares.
func FuzzParseAndCheck(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tmpl, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		order, err := Check(tmpl)
		if err != nil {
			return
		}
		if len(order) != len(tmpl.Resources) {
			t.Fatalf("checked template orders %d of %d resources", len(order), len(tmpl.Resources))
		}
	})
}

// FuzzInstantiate instantiates arbitrary templates with arbitrary
// parameters (Key=Value lines), evaluating conditions, rules and Fn::Cidr,
// then resolves every resource and output against made-up values for what
// resources give. Nothing may panic or hang, every refusal is a
// ValidationError, and only resources whose condition holds are kept.
func FuzzInstantiate(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s, "Stage=prod\nP=2")
	}
	f.Add([]byte("Parameters:\n  L: {Type: List<Number>, MaxValue: 3}\nConditions:\n  C: !Equals [!Select [1, !Ref L], 2]\nResources:\n  V: {Type: AWS::EC2::VPC, Condition: C}\n"), "L=1,2")
	f.Fuzz(func(t *testing.T, data []byte, params string) {
		tmpl, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		given := map[string]string{}
		for _, line := range strings.Split(params, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				given[k] = v
			}
		}
		inst, err := Instantiate(tmpl, Inputs{
			StackName: "fuzz", Region: "us-east-1", AccountID: "000000000000", Parameters: given,
			Zones:  []string{"us-east-1a", "us-east-1b"},
			Import: func(name string) (string, bool) { return "imported-" + name, len(name)%2 == 0 },
			SSM:    func(name string) (string, bool) { return "6", strings.HasPrefix(name, "/") },
		})
		if err != nil {
			if Message(err) == "" {
				t.Fatalf("refusal without a message: %#v", err)
			}
			return
		}
		made := map[string]Created{}
		for _, r := range inst.Resources {
			if r.Condition != "" && !inst.Conditions[r.Condition] {
				t.Fatalf("%s kept though %s is false", r.Name, r.Condition)
			}
			// Errors are allowed here: a made-up attribute can be the
			// wrong shape for what the template does with it.
			inst.Properties(r, made)
			attrs := map[string]any{}
			for _, a := range Types[r.Type] {
				attrs[a] = "attr-" + a
			}
			made[r.Name] = Created{Ref: "id-" + r.Name, Attrs: attrs}
		}
		inst.Outputs(made)
	})
}
