package stack

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Large templates are built to make a quadratic check crawl. The test
// below holds their answers at sizes the race detector runs in moments;
// BenchmarkLargeTemplates runs them near the parser's limits and at a
// tenth of that size, where a check whose time grows faster than the
// template shows as a throughput (MB/s) that falls with size.

// unresolvedTemplate refers twice to each of n names no template defines.
func unresolvedTemplate(n int) string {
	var b strings.Builder
	b.WriteString("Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      Tags:\n")
	for range 2 {
		for i := range n {
			fmt.Fprintf(&b, "      - !Ref Missing%d\n", i)
		}
	}
	return b.String()
}

// chainTemplate is n conditions, each the negation of the one before, and
// a VPC made on the last.
func chainTemplate(n int) string {
	var b strings.Builder
	b.WriteString("Conditions:\n  C0: !Equals [a, a]\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  C%d: !Not [!Condition C%d]\n", i, i-1)
	}
	fmt.Fprintf(&b, "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Condition: C%d\n    Properties: {CidrBlock: 10.0.0.0/16}\n", n-1)
	b.WriteString("  Always:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.1.0.0/16}\n")
	return b.String()
}

// ruleTemplate asserts that each of n members, and extra when it is not
// empty, is among the same n members.
func ruleTemplate(n int, extra string) string {
	var list strings.Builder
	for i := range n {
		fmt.Fprintf(&list, "\"v%d\",", i)
	}
	items := strings.TrimSuffix(list.String(), ",")
	first := items
	if extra != "" {
		first += ",\"" + extra + "\""
	}
	return "Rules:\n  R:\n    Assertions:\n      - Assert: {\"Fn::EachMemberIn\": [[" + first + "], [" + items + "]]}\nResources:" + vpc
}

// TestLargeTemplatesCheckCorrectly shows what each large template is
// answered: every unresolved name, once and in order; every condition of
// a long chain; a rule over long lists, true and false.
func TestLargeTemplatesCheckCorrectly(t *testing.T) {
	const n = 2_000
	t.Run("unresolved names", func(t *testing.T) {
		_, err := instantiate(t, unresolvedTemplate(n), nil, nil)
		want := make([]string, n)
		for i := range want {
			want[i] = fmt.Sprintf("Missing%d", i)
		}
		if msg := "Template format error: Unresolved resource dependencies [" + strings.Join(want, ", ") +
			"] in the Resources block of the template"; err == nil || Message(err) != msg {
			t.Fatalf("error %.200v", err)
		}
	})
	t.Run("condition chain", func(t *testing.T) {
		for _, n := range []int{n, n + 1} {
			inst, err := instantiate(t, chainTemplate(n), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				if got, want := inst.Conditions[fmt.Sprintf("C%d", i)], i%2 == 0; got != want {
					t.Fatalf("chain of %d: C%d = %v, want %v", n, i, got, want)
				}
			}
			made := slices.ContainsFunc(inst.Resources, func(r *Resource) bool { return r.Name == "Vpc" })
			if want := (n-1)%2 == 0; made != want || len(inst.Resources) != 1+btoi(want) {
				t.Errorf("chain of %d: Vpc made %v, want %v (%d resources)", n, made, want, len(inst.Resources))
			}
		}
	})
	t.Run("rule over long lists", func(t *testing.T) {
		if _, err := instantiate(t, ruleTemplate(n, ""), nil, nil); err != nil {
			t.Fatal(err)
		}
		_, err := instantiate(t, ruleTemplate(n, "v-other"), nil, nil)
		if want := "Template error: Rule R failed an assertion"; err == nil || Message(err) != want {
			t.Fatalf("a member outside the list: %v", err)
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// BenchmarkLargeTemplates parses and checks templates near the parser's
// limits, and each at a tenth of that size: the checks are linear when
// both sizes go through about as many bytes a second. A quadratic one
// takes minutes at the larger size.
func BenchmarkLargeTemplates(b *testing.B) {
	for _, tc := range []struct {
		name string
		full int
		body func(int) string
	}{
		{"unresolved names", 75_000, unresolvedTemplate},
		{"condition chain", 40_000, chainTemplate},
		{"rule over long lists", 90_000, func(n int) string { return ruleTemplate(n, "") }},
	} {
		for _, n := range []int{tc.full / 10, tc.full} {
			body := []byte(tc.body(n))
			b.Run(fmt.Sprintf("%s/%d", tc.name, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					tmpl, err := Parse("t.yaml", body)
					if err == nil {
						_, err = Instantiate(tmpl, Inputs{StackName: "app", Region: "us-east-1", AccountID: "000000000000"})
					}
					if tc.name == "unresolved names" {
						if err == nil {
							b.Fatal("unresolved names were accepted")
						}
					} else if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
