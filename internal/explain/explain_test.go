package explain

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"gatehouse/internal/dataplane"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// report is a broken HTTP path: the ALB's group admits nothing from the
// link, and its nodes reach the one target.
func report() *dataplane.Report {
	link := dataplane.Interface{Name: "eni eni-1 (link vl1)", ID: "eni-1", Addr: "10.0.1.5", Groups: []string{"sg-link"}}
	node := dataplane.Interface{Name: "node eni-2 of blog", ID: "eni-2", Addr: "10.0.1.4", Groups: []string{"sg-alb"}}
	allowed := network.Verdict{Allowed: true, Side: network.SideEgress,
		Egress: network.Match{GroupID: "sg-alb", Rule: model.Rule{ID: "sgr-out", Protocol: "-1", CidrIPv4: "0.0.0.0/0"}}}
	fix := "add an ingress rule to sg-alb allowing tcp/80 from sg-link"
	return &dataplane.Report{API: "a1", Type: "HTTP", Stage: "$default", Revision: 7, GroupNames: map[string]string{"sg-alb": "alb-sg"}, Paths: []dataplane.Path{{
		Route:       `GET /say/"hi"`,
		Integration: dataplane.IntegrationInfo{ID: "i1", Type: "HTTP_PROXY", Private: true, Target: "blog:80", TimeoutMillis: 500},
		Link:        &dataplane.LinkInfo{ID: "vl1", Kind: "V2", Status: "AVAILABLE", Groups: []string{"sg-link"}, ENIs: []dataplane.Interface{link}},
		Balancer: &dataplane.BalancerInfo{Name: "blog", Type: "application", Groups: []string{"sg-alb"}, Nodes: []dataplane.Interface{node},
			Listener: &dataplane.Listener{Protocol: "HTTP", Port: 80}, Rule: &dataplane.RuleInfo{Priority: "default", Action: "forward"},
			Pools: []dataplane.PoolInfo{{Name: "tasks", Protocol: "HTTP", Weight: 1, Targets: []dataplane.TargetInfo{
				{ID: "10.0.1.10", Port: 8080, Real: "127.0.0.1:8080", AddrRule: network.RuleLoopback, Health: "healthy"}}}}},
		Hops: []dataplane.Hop{
			{From: link.Name, To: node.Name, Protocol: "tcp", Port: 80, Verdict: network.Verdict{Side: network.SideIngress},
				Reason: "no ingress rule of sg-alb allows tcp/80", Fix: fix},
			{From: node.Name, To: "target 10.0.1.10:8080", Protocol: "tcp", Port: 8080, Verdict: allowed, Reason: "egress allows"},
		},
		Fixes:    []string{fix},
		Failures: []dataplane.Failure{{Status: 503, Message: "Service Unavailable", Cause: "security groups drop eni-1 -> eni-2"}},
	}}}
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, report(), "text"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"BROKEN", "VPC link V2 vl1: AVAILABLE", "listener HTTP:80, rule default matched: forward",
		"DENY  eni eni-1 (link vl1)", "ALLOW node eni-2 of blog", "decided by egress rule sgr-out of sg-alb (alb-sg) (peer 0.0.0.0/0)", "load balancer blog (application), groups sg-alb (alb-sg)",
		"every request gets:\n    503 Service Unavailable: security groups drop eni-1 -> eni-2",
		"real 127.0.0.1:8080 by rule loopback", "    - add an ingress rule to sg-alb allowing tcp/80 from sg-link"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}

// A reason that names the deciding rule already is not followed by it
// again: each rule shows once.
func TestEachRuleOnce(t *testing.T) {
	r := report()
	h := &r.Paths[0].Hops[1]
	h.Reason = "egress rule sgr-out of sg-alb (alb-sg) (0.0.0.0/0) allows tcp/8080 to 10.0.1.10"
	var b bytes.Buffer
	if err := Render(&b, r, "text"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "sgr-out"); n != 1 {
		t.Fatalf("rule sgr-out shown %d times:\n%s", n, b.String())
	}
}

// Network ACLs show on the hop: the rules that passed each leg under an
// allowed hop, the denying rule in a denied hop's picture label; both
// survive the JSON the command line reads.
func TestNetworkACLs(t *testing.T) {
	r := report()
	leg := func(acl string, egress, ret, allowed bool, rule int) network.ACLCheck {
		return network.ACLCheck{ACL: acl, Subnet: "subnet-" + acl, Egress: egress, Return: ret, Allowed: allowed,
			Rule: model.ACLEntry{RuleNumber: rule, Egress: egress, Protocol: "-1", Action: map[bool]string{true: "allow", false: "deny"}[allowed]}}
	}
	ok := &r.Paths[0].Hops[1]
	ok.ACLs = []network.ACLCheck{leg("acl-a", true, false, true, 100), leg("acl-b", false, false, true, 100), leg("acl-b", true, true, true, 110), leg("acl-a", false, true, true, 120)}
	denied := &r.Paths[0].Hops[0]
	denied.Verdict = network.Verdict{Layer: network.LayerACL}
	denied.ACLs = []network.ACLCheck{leg("acl-a", true, false, true, 100), leg("acl-b", false, false, false, model.ACLDefaultRule)}
	var j bytes.Buffer
	if err := JSON(&j, r); err != nil {
		t.Fatal(err)
	}
	var got dataplane.Report
	if err := json.Unmarshal(j.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Render(&b, &got, "text"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"network ACL acl-b of subnet-acl-b: inbound rule 100 allows the request",
		"network ACL acl-a of subnet-acl-a: inbound rule 120 allows the return traffic"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := Render(&b, &got, "dot"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "tcp/80 DENY: network ACL acl-b inbound rule * (32767)") {
		t.Errorf("the denied hop's label does not name the ACL rule:\n%s", b.String())
	}
}

func TestPictures(t *testing.T) {
	for _, format := range []string{"dot", "mermaid"} {
		var b bytes.Buffer
		if err := Render(&b, report(), format); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{"eni eni-1 (link vl1)", "node eni-2 of blog", "target 10.0.1.10:8080", "target group tasks",
			"load balancer blog (application)", "tcp/80 DENY", "sgr-out"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", format, want, out)
			}
		}
	}
	var b bytes.Buffer
	Mermaid(&b, report())
	if strings.Contains(b.String(), `"hi"`) || !strings.Contains(b.String(), "linkStyle") {
		t.Errorf("mermaid must escape quotes and colour the denied hop:\n%s", b.String())
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, report(), "json"); err != nil {
		t.Fatal(err)
	}
	var got dataplane.Report
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Paths[0].Hops[1].Verdict.Egress.Rule.ID != "sgr-out" || got.Paths[0].Fixes[0] != report().Paths[0].Fixes[0] {
		t.Fatalf("round trip lost the deciding rule or the fix: %+v", got.Paths[0])
	}
	if err := Render(&b, report(), "svg"); err == nil {
		t.Fatal("an unknown format must fail")
	}
}

// Return legs that drop a flow together both show on the denied hop's
// label, and their denied ports survive JSON under lowercase keys.
func TestNetworkACLsTogether(t *testing.T) {
	r := report()
	leg := func(acl string, egress, ret, allowed bool, rule int) network.ACLCheck {
		return network.ACLCheck{ACL: acl, Subnet: "subnet-" + acl, Egress: egress, Return: ret, Allowed: allowed,
			Rule: model.ACLEntry{RuleNumber: rule, Egress: egress, Protocol: "6", Action: map[bool]string{true: "allow", false: "deny"}[allowed]}}
	}
	out, in := leg("acl-b", true, true, false, 80), leg("acl-a", false, true, false, 90)
	out.Together, out.Denied = true, []network.DeniedPorts{{From: 1024, To: 32000, Rule: 80}}
	in.Together, in.Denied = true, []network.DeniedPorts{{From: 34000, To: 65535, Rule: 90}}
	denied := &r.Paths[0].Hops[0]
	denied.Verdict = network.Verdict{Layer: network.LayerACL}
	denied.ACLs = []network.ACLCheck{leg("acl-a", true, false, true, 100), leg("acl-b", false, false, true, 100), out, in}
	var j bytes.Buffer
	if err := JSON(&j, r); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, j.Bytes()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(compact.String(), `{"from":34000,"to":65535,"rule":90}`) {
		t.Errorf("JSON lacks the denied ports in lowercase keys:\n%s", j.String())
	}
	var got dataplane.Report
	if err := json.Unmarshal(j.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Render(&b, &got, "dot"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "tcp/80 DENY: network ACL acl-b outbound rule 80 with network ACL acl-a inbound rule 90") {
		t.Errorf("the denied hop's label does not name both ACL rules:\n%s", b.String())
	}
}

// A lambda target is its function's ARN, in text and pictures alike.
func TestLambdaTarget(t *testing.T) {
	const fn = "arn:aws:lambda:us-east-1:000000000000:function:pets"
	r := report()
	r.Paths[0].Balancer.Pools[0].Targets = []dataplane.TargetInfo{{ID: fn, Function: fn}}
	r.Paths[0].Hops = r.Paths[0].Hops[:1]
	for format, want := range map[string]string{"text": "target lambda " + fn + " (invoked, no network hop)", "dot": "lambda " + fn, "mermaid": "lambda " + fn} {
		var b bytes.Buffer
		if err := Render(&b, r, format); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) || strings.Contains(b.String(), "target "+fn+":0") {
			t.Errorf("%s lacks %q:\n%s", format, want, b.String())
		}
	}
}
