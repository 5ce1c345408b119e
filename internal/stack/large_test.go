package stack

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLargeTemplatesCheckQuickly feeds templates near the parser's limits
// built to make quadratic checks crawl: tens of thousands of distinct
// unresolved names, a long chain of conditions, a rule comparing two long
// lists. Each is answered in a second or two, even with the race
// detector on a busy machine; a quadratic walk takes minutes at these
// sizes.
func TestLargeTemplatesCheckQuickly(t *testing.T) {
	const refs, conds, members = 150_000, 40_000, 90_000
	var unresolved, chain, list strings.Builder
	for i := range refs {
		fmt.Fprintf(&unresolved, "      - !Ref Missing%d\n", i)
	}
	for i := range members {
		fmt.Fprintf(&list, "\"v%d\",", i)
	}
	chain.WriteString("Conditions:\n  C0: !Equals [a, a]\n")
	for i := 1; i < conds; i++ {
		fmt.Fprintf(&chain, "  C%d: !Not [!Condition C%d]\n", i, i-1)
	}
	items := strings.TrimSuffix(list.String(), ",")
	for _, tc := range []struct{ name, body, want string }{
		{"unresolved names", "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      Tags:\n" + unresolved.String(),
			"Template format error: Unresolved resource dependencies [Missing0, Missing1, "},
		{"condition chain", chain.String() + fmt.Sprintf("Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Condition: C%d\n    Properties: {CidrBlock: 10.0.0.0/16}\n", conds-1), ""},
		{"rule over long lists", "Rules:\n  R:\n    Assertions:\n      - Assert: {\"Fn::EachMemberIn\": [[" + items + "], [" + items + "]]}\n" + "Resources:" + vpc, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := instantiate(t, tc.body, nil, nil)
			took := time.Since(start)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(Message(err), tc.want)):
				t.Fatalf("error %v", err)
			}
			if took > 20*time.Second {
				t.Fatalf("took %v", took)
			}
			t.Logf("%v", took)
		})
	}
}

// TestExpansionIsBounded shows the two ways a small template could build
// a huge value refused: aliases of a long string, and a function joining
// many references to a long parameter.
func TestExpansionIsBounded(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	aliases := "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: &a " + long + "\n      Tags: [" +
		strings.TrimSuffix(strings.Repeat("*a,", 100), ",") + "]\n"
	if _, err := Parse("t.yaml", []byte(aliases)); err == nil || !strings.Contains(err.Error(), "aliases expand the template past 8388608 bytes") {
		t.Errorf("aliases of a long string: %v", err)
	}
	refs := "Parameters:\n  P: {Type: String}\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Join ['', [" +
		strings.TrimSuffix(strings.Repeat("!Ref P,", 20_000), ",") + "]]\n"
	_, err := instantiate(t, refs, map[string]string{"P": strings.Repeat("y", 1000)}, nil)
	if want := "Template error: the template's functions build more than 16777216 bytes"; err == nil || Message(err) != want {
		t.Errorf("joining a long parameter: %v", err)
	}
	// The same template with a short value is fine.
	if _, err := instantiate(t, refs, map[string]string{"P": "y"}, nil); err != nil {
		t.Errorf("joining a short parameter: %v", err)
	}
}
