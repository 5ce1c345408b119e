package stack

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseAndCheck feeds arbitrary template text through parsing and
// checking: nothing may panic, and a template that parses and checks must
// order every resource it declares.
func FuzzParseAndCheck(f *testing.F) {
	seeds, _ := filepath.Glob("../../examples/blog/*.yaml")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("Resources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Sub '${X}'\n"))
	f.Add([]byte(`{"Resources":{"A":{"Type":"AWS::EC2::VPC","DependsOn":"A"}}}`))
	f.Add([]byte("Resources: !Ref\n"))
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
