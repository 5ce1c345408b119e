package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/dataplane"
	"gatehouse/internal/echo"
	"gatehouse/internal/network"
	"gatehouse/internal/servertest"
)

const blogDir = "../../examples/blog/"

// blogExample is one architecture of examples/blog and what explain should
// find on its path.
type blogExample struct {
	file     string
	ports    map[string]string // parameter -> backend name
	apiType  string            // HTTP or REST
	linkKind string            // V2 or v1
	lbType   string            // application or network
}

var blogExamples = []blogExample{
	{"http-api.yaml", map[string]string{"Task1Port": "task-1", "Task2Port": "task-2"}, "HTTP", "V2", "application"},
	{"rest-api.yaml", map[string]string{"TaskAPort": "task-a", "TaskBPort": "task-b"}, "REST", "v1", "network"},
	{"rest-api-v2.yaml", map[string]string{"TaskXPort": "task-x", "TaskYPort": "task-y"}, "REST", "V2", "application"},
}

// echoBackend starts the built-in echo backend on a loopback port.
func echoBackend(t *testing.T, name string) int {
	s := httptest.NewServer(echo.Handler(name))
	t.Cleanup(s.Close)
	return int(s.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port())
}

// deployBlog deploys a template file with `gatehouse up --endpoint` as
// the stack "blog" and returns its outputs. The server should be a
// stackServer's kind, whose stack calls wait for their operation.
func deployBlog(t *testing.T, srv *servertest.Server, file string, params map[string]string) map[string]string {
	t.Helper()
	args := []string{"up", "--endpoint", srv.URL(), "--stack-name", "blog", "--poll-interval", "1ms"}
	for k, v := range params {
		args = append(args, "--parameter", k+"="+v)
	}
	stdout, _ := run(t, 0, append(args, file)...)
	out := map[string]string{}
	for _, line := range strings.Split(stdout, "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "  "), " = "); ok && strings.HasPrefix(line, "  ") {
			out[k] = v
		}
	}
	return out
}

// invoke sends GET path to an API's invoke URL (host and stage as the
// template's output gives them) and returns what the echo backend saw.
func invoke(t *testing.T, srv *servertest.Server, invokeURL, path string) echo.Request {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	must(t, srv.Sync(sctx))
	host, stage, _ := strings.Cut(strings.TrimPrefix(invokeURL, "http://"), "/")
	u := srv.URL() + "/" + stage + path
	if stage == "" {
		u = srv.URL() + path
	}
	req, err := http.NewRequestWithContext(sctx, "GET", u, nil)
	must(t, err)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var got echo.Request
	if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil {
		t.Fatalf("GET %s%s: %d %s", invokeURL, path, resp.StatusCode, body)
	}
	return got
}

// groupRules is every security group rule the server holds, by id, as
// DescribeSecurityGroupRules reports them.
func groupRules(t *testing.T, srv *servertest.Server) map[string]ec2types.SecurityGroupRule {
	t.Helper()
	out, err := srv.EC2().DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{})
	must(t, err)
	rules := map[string]ec2types.SecurityGroupRule{}
	for _, r := range out.SecurityGroupRules {
		rules[aws.ToString(r.SecurityGroupRuleId)] = r
	}
	return rules
}

// groupByDescription finds a template's security group by its description.
func groupByDescription(t *testing.T, srv *servertest.Server, desc string) string {
	t.Helper()
	out, err := srv.EC2().DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	must(t, err)
	var ids []string
	for _, g := range out.SecurityGroups {
		if aws.ToString(g.Description) == desc {
			ids = append(ids, aws.ToString(g.GroupId))
		}
	}
	if len(ids) != 1 {
		t.Fatalf("groups described %q: %v", desc, ids)
	}
	return ids[0]
}

// ingressRuleFrom is the id of group's one ingress rule whose peer is the
// group peer, on exactly the ports from-to.
func ingressRuleFrom(t *testing.T, rules map[string]ec2types.SecurityGroupRule, group, peer string, from, to int32) string {
	t.Helper()
	var ids []string
	for id, r := range rules {
		if aws.ToString(r.GroupId) == group && !aws.ToBool(r.IsEgress) && r.ReferencedGroupInfo != nil &&
			aws.ToString(r.ReferencedGroupInfo.GroupId) == peer && aws.ToInt32(r.FromPort) == from && aws.ToInt32(r.ToPort) == to {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("ingress rules of %s from %s on %d-%d: %v", group, peer, from, to, ids)
	}
	return ids[0]
}

// checkDecidingRule checks that the rule explain names for one side of a
// hop is a rule EC2 describes, of the group explain says holds it, on that
// side, and that its peer is the hop's other end.
func checkDecidingRule(t *testing.T, rules map[string]ec2types.SecurityGroupRule, h dataplane.Hop, m network.Match, egress bool) {
	t.Helper()
	if !m.Found() {
		return
	}
	r, ok := rules[m.Rule.ID]
	if !ok {
		t.Errorf("hop %s -> %s: rule %s is not among DescribeSecurityGroupRules", h.From, h.To, m.Rule.ID)
		return
	}
	if aws.ToString(r.GroupId) != m.GroupID || aws.ToBool(r.IsEgress) != egress {
		t.Errorf("hop %s -> %s: rule %s belongs to %s (egress %v), explain says %s (egress %v)",
			h.From, h.To, m.Rule.ID, aws.ToString(r.GroupId), aws.ToBool(r.IsEgress), m.GroupID, egress)
	}
	peerGroups, peerAddr := h.FromGroups, h.FromAddr
	if egress {
		peerGroups, peerAddr = h.ToGroups, h.ToAddr
	}
	switch {
	case r.ReferencedGroupInfo != nil:
		ref := aws.ToString(r.ReferencedGroupInfo.GroupId)
		if !strings.Contains(","+strings.Join(peerGroups, ",")+",", ","+ref+",") {
			t.Errorf("hop %s -> %s: rule %s admits %s, but the peer has groups %v", h.From, h.To, m.Rule.ID, ref, peerGroups)
		}
	case r.CidrIpv4 != nil:
		prefix, err := netip.ParsePrefix(aws.ToString(r.CidrIpv4))
		addr, err2 := netip.ParseAddr(peerAddr)
		if err != nil || err2 != nil || !prefix.Contains(addr) {
			t.Errorf("hop %s -> %s: rule %s covers %s, not the peer %s", h.From, h.To, m.Rule.ID, aws.ToString(r.CidrIpv4), peerAddr)
		}
	}
}

// Each blog architecture, deployed from its template, carries a request to
// both of its backends, and explain walks the same path: every hop allowed,
// each by the rule EC2 lists for it.
func TestBlogExamplesExplain(t *testing.T) {
	for _, ex := range blogExamples {
		t.Run(ex.file, func(t *testing.T) {
			srv := servertest.Start(t, servertest.VpcLinkDelay(-1), servertest.VpcLinkV1Delay(-1), servertest.StackWait(time.Minute))
			params := map[string]string{}
			names := map[string]bool{}
			for p, name := range ex.ports {
				params[p] = strconv.Itoa(echoBackend(t, name))
				names[name] = true
			}
			out := deployBlog(t, srv, blogDir+ex.file, params)

			var invokeURL, api string
			var args []string
			if ex.apiType == "HTTP" {
				invokeURL = out["ApiEndpoint"]
				api, _, _ = strings.Cut(strings.TrimPrefix(invokeURL, "http://"), ".")
			} else {
				invokeURL, api = out["InvokeUrl"], out["RestApiId"]
				args = []string{"--stage", "prod"}
			}
			seen := map[string]bool{}
			for i := 0; i < 20 && len(seen) < len(names); i++ {
				got := invoke(t, srv, invokeURL, "/pets/1")
				if !names[got.Name] || got.Path != "/pets/1" {
					t.Fatalf("request answered by %q for %s, want one of %v", got.Name, got.Path, names)
				}
				seen[got.Name] = true
			}
			if len(seen) != len(names) {
				t.Fatalf("backends that answered: %v, want %v", seen, names)
			}

			code, rep := explainJSON(t, srv, append(args, api, "/pets/1")...)
			if code != 0 || !rep.OK || rep.Type != ex.apiType || len(rep.Paths) != 1 {
				t.Fatalf("exit %d, report %+v", code, rep)
			}
			p := rep.Paths[0]
			if p.Route != "ANY /{proxy+}" || p.Link == nil || p.Link.Kind != ex.linkKind || p.Link.Status != "AVAILABLE" ||
				p.Balancer == nil || p.Balancer.Type != ex.lbType || len(p.Fixes) != 0 {
				t.Fatalf("path %+v", p)
			}
			rules := groupRules(t, srv)
			for _, h := range p.Hops {
				if !h.Verdict.Allowed || h.Protocol != "tcp" {
					t.Errorf("hop %s -> %s: %s", h.From, h.To, h.Reason)
				}
				checkDecidingRule(t, rules, h, h.Verdict.Egress, true)
				checkDecidingRule(t, rules, h, h.Verdict.Ingress, false)
			}

			var entries, toTargets int
			if ex.linkKind == "V2" {
				// The link's ENIs reach the ALB by the rule admitting the
				// link's group; its nodes reach the targets by the rule
				// admitting the ALB's group.
				linkSG := groupByDescription(t, srv, "VPC link V2 ENIs")
				albSG := groupByDescription(t, srv, "internal ALB")
				backendSG := groupByDescription(t, srv, "backend tasks")
				entryRule := ingressRuleFrom(t, rules, albSG, linkSG, 80, 80)
				targetRule := ingressRuleFrom(t, rules, backendSG, albSG, 1024, 65535)
				if ex.apiType == "REST" && p.Balancer.ARN != out["AlbArn"] {
					t.Errorf("REST integration reaches %s, want the IntegrationTarget %s", p.Balancer.ARN, out["AlbArn"])
				}
				for _, h := range p.Hops {
					switch {
					case strings.HasPrefix(h.To, "node "):
						entries++
						if h.Port != 80 || h.Verdict.Ingress.GroupID != albSG || h.Verdict.Ingress.Rule.ID != entryRule || h.Verdict.Egress.GroupID != linkSG {
							t.Errorf("link -> ALB hop %s -> %s decided by %+v, want %s of %s", h.From, h.To, h.Verdict, entryRule, albSG)
						}
					case strings.HasPrefix(h.To, "target "):
						toTargets++
						if h.Verdict.Ingress.GroupID != backendSG || h.Verdict.Ingress.Rule.ID != targetRule || h.Verdict.Egress.GroupID != albSG {
							t.Errorf("ALB -> target hop %s -> %s decided by %+v, want %s of %s", h.From, h.To, h.Verdict, targetRule, backendSG)
						}
					}
				}
			} else {
				// PrivateLink into the NLB, then its nodes to the targets,
				// admitted by the backend group's rules for the subnets.
				backendSG := groupByDescription(t, srv, "backends behind the NLB")
				if len(p.Hops) == 0 || !strings.HasPrefix(p.Hops[0].From, "endpoint service ") {
					t.Fatalf("hops %+v", p.Hops)
				}
				for _, h := range p.Hops {
					if strings.HasPrefix(h.From, "endpoint service ") {
						entries++ // the v1 link's endpoint service to each NLB node
						continue
					}
					toTargets++
					if h.Verdict.Ingress.GroupID != backendSG || rules[h.Verdict.Ingress.Rule.ID].CidrIpv4 == nil {
						t.Errorf("NLB -> target hop %s -> %s decided by %+v, want a subnet rule of %s", h.From, h.To, h.Verdict, backendSG)
					}
				}
			}
			// Each node reaches every target with cross-zone load balancing
			// on (always, for an ALB), else the one in its own zone.
			want := 4
			if !p.Balancer.Pools[0].CrossZone {
				want = 2
			}
			if entries != 2 || toTargets != want {
				t.Fatalf("%d entry hops and %d target hops, want 2 and %d: %+v", entries, toTargets, want, p.Hops)
			}
		})
	}
}

// A copy of the HTTP API template whose ALB group no longer admits the
// link's group deploys, but explain finds the first hop denied and says
// which rule to add.
func TestBlogExampleBrokenExplain(t *testing.T) {
	data, err := os.ReadFile(blogDir + "http-api.yaml")
	must(t, err)
	const ingress = `      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 80
          ToPort: 80
          SourceSecurityGroupId: !Ref LinkGroup
          Description: from the VPC link
`
	text := string(data)
	if strings.Count(text, ingress) != 1 {
		t.Fatalf("http-api.yaml no longer has the ALB group's ingress rule as this test expects")
	}
	file := writeTemplate(t, "http-api-broken.yaml", strings.Replace(text, ingress, "", 1))

	srv := servertest.Start(t, servertest.VpcLinkDelay(-1), servertest.StackWait(time.Minute))
	out := deployBlog(t, srv, file, map[string]string{"Task1Port": strconv.Itoa(echoBackend(t, "task-1")),
		"Task2Port": strconv.Itoa(echoBackend(t, "task-2"))})
	api, _, _ := strings.Cut(strings.TrimPrefix(out["ApiEndpoint"], "http://"), ".")
	linkSG := groupByDescription(t, srv, "VPC link V2 ENIs")
	albSG := groupByDescription(t, srv, "internal ALB")

	code, rep := explainJSON(t, srv, api, "ANY /{proxy+}")
	if code != 1 || rep.OK || len(rep.Paths) != 1 || rep.Paths[0].OK {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
	p := rep.Paths[0]
	var denied int
	for _, h := range p.Hops {
		if strings.HasPrefix(h.To, "node ") && !h.Verdict.Allowed {
			denied++
		}
	}
	if denied == 0 {
		t.Errorf("no link -> ALB hop denied: %+v", p.Hops)
	}
	if len(p.Fixes) != 1 {
		t.Fatalf("fixes %q, want one", p.Fixes)
	}
	for _, want := range []string{albSG, "tcp/80", linkSG} {
		if !strings.Contains(p.Fixes[0], want) {
			t.Errorf("fix %q does not name %s", p.Fixes[0], want)
		}
	}
}
