package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse"
	"gatehouse/internal/dataplane"
	"gatehouse/internal/servertest"
)

var ctx = context.Background()

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func runExplain(t *testing.T, srv *servertest.Server, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10e9)
	defer cancel()
	must(t, srv.Sync(sctx))
	var out, errb bytes.Buffer
	code = Main(append([]string{"explain", "--endpoint", srv.URL()}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func explainJSON(t *testing.T, srv *servertest.Server, args ...string) (int, dataplane.Report) {
	t.Helper()
	code, out, errs := runExplain(t, srv, append([]string{"--output", "json"}, args...)...)
	var rep dataplane.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d, output not JSON: %v\n%s\n%s", code, err, out, errs)
	}
	return code, rep
}

// seedNet is a VPC with a subnet in each of two zones, built through the
// SDK as a user would.
type seedNet struct {
	e       *ec2.Client
	vpc     *string
	subnets []string
	cidrs   []string
}

func newSeedNet(t *testing.T, srv *servertest.Server) *seedNet {
	n := &seedNet{e: srv.EC2()}
	vpc, err := n.e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	must(t, err)
	n.vpc = vpc.Vpc.VpcId
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		cidr := fmt.Sprintf("10.0.%d.0/24", i+1)
		s, err := n.e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: n.vpc, AvailabilityZone: aws.String(az), CidrBlock: aws.String(cidr)})
		must(t, err)
		n.subnets, n.cidrs = append(n.subnets, aws.ToString(s.Subnet.SubnetId)), append(n.cidrs, cidr)
	}
	return n
}

func (n *seedNet) group(t *testing.T, name string) string {
	g, err := n.e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: n.vpc})
	must(t, err)
	return aws.ToString(g.GroupId)
}

// own gives each address an interface in the subnet holding it, as the
// instance behind a target has (an address no interface owns answers
// nothing), in a group admitting the VPC on every TCP port.
func (n *seedNet) own(t *testing.T, ips ...string) {
	g := n.group(t, "tasks")
	n.ingress(t, g, 0, 65535, ec2types.IpPermission{IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}})
	for _, ip := range ips {
		sn := n.subnets[0]
		if strings.HasPrefix(ip, "10.0.2.") {
			sn = n.subnets[1]
		}
		_, err := n.e.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), PrivateIpAddress: aws.String(ip), Groups: []string{g}})
		must(t, err)
	}
}

// ingress returns the ids of the rules it made: one per peer.
func (n *seedNet) ingress(t *testing.T, group string, from, to int32, perm ec2types.IpPermission) []string {
	perm.IpProtocol, perm.FromPort, perm.ToPort = aws.String("tcp"), aws.Int32(from), aws.Int32(to)
	out, err := n.e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: []ec2types.IpPermission{perm}})
	must(t, err)
	var ids []string
	for _, r := range out.SecurityGroupRules {
		ids = append(ids, aws.ToString(r.SecurityGroupRuleId))
	}
	return ids
}

// httpSeed is the HTTP API architecture of e2e_http_test.go: route ANY
// /{proxy+} -> VPC link V2 (group link) -> internal ALB (group alb, admitting
// link on tcp/80) -> two targets.
type httpSeed struct {
	api, linkSG, albSG, rule string
}

func buildHTTPSeed(t *testing.T, srv *servertest.Server) httpSeed {
	n := newSeedNet(t, srv)
	lb, gw := srv.ELBv2(), srv.APIGatewayV2()
	s := httpSeed{linkSG: n.group(t, "vpclink"), albSG: n.group(t, "alb")}
	s.rule = n.ingress(t, s.albSG, 80, 80, ec2types.IpPermission{UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(s.linkSG)}}})[0]
	tg, err := lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tasks"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: n.vpc, TargetType: elbtypes.TargetTypeEnumIp})
	must(t, err)
	tgARN := tg.TargetGroups[0].TargetGroupArn
	n.own(t, "10.0.1.10", "10.0.2.10")
	_, err = lb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tgARN, Targets: []elbtypes.TargetDescription{
		{Id: aws.String("10.0.1.10"), Port: aws.Int32(18080)}, {Id: aws.String("10.0.2.10"), Port: aws.Int32(18081)}}})
	must(t, err)
	alb, err := lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("blog-api"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{s.albSG}})
	must(t, err)
	listener, err := lb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tgARN}}})
	must(t, err)
	link, err := gw.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("link"), SubnetIds: n.subnets, SecurityGroupIds: []string{s.linkSG}})
	must(t, err)
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("blog"), ProtocolType: v2types.ProtocolTypeHttp})
	must(t, err)
	integ, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: v2types.IntegrationTypeHttpProxy,
		ConnectionType: v2types.ConnectionTypeVpcLink, ConnectionId: link.VpcLinkId, IntegrationUri: listener.Listeners[0].ListenerArn,
		IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0")})
	must(t, err)
	_, err = gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("ANY /{proxy+}"), Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))})
	must(t, err)
	_, err = gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	must(t, err)
	srv.Advance(gatehouse.DefaultVpcLinkDelay)
	s.api = aws.ToString(api.ApiId)
	return s
}

func TestExplainHTTPSeed(t *testing.T) {
	srv := servertest.Start(t)
	s := buildHTTPSeed(t, srv)

	code, rep := explainJSON(t, srv, s.api, "ANY /{proxy+}")
	if code != 0 || !rep.OK || len(rep.Paths) != 1 {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
	p := rep.Paths[0]
	if p.Route != "ANY /{proxy+}" || p.Link == nil || p.Link.Status != "AVAILABLE" || len(p.Link.ENIs) != 2 ||
		p.Balancer == nil || p.Balancer.Name != "blog-api" || p.Balancer.Rule == nil || p.Balancer.Rule.Priority != "default" {
		t.Fatalf("path %+v", p)
	}
	// Two link ENIs into the ALB, then each target from the nodes they reach.
	var entries, toTargets int
	for _, h := range p.Hops {
		if !h.Verdict.Allowed || h.Protocol != "tcp" {
			t.Errorf("hop %s -> %s: %s", h.From, h.To, h.Reason)
		}
		switch {
		case strings.HasPrefix(h.To, "node "):
			entries++
			if h.Port != 80 || h.Verdict.Ingress.Rule.ID != s.rule || h.Verdict.Ingress.GroupID != s.albSG ||
				h.Verdict.Ingress.Rule.GroupID != s.linkSG || h.Verdict.Egress.GroupID != s.linkSG || h.Verdict.Egress.Rule.ID == "" {
				t.Errorf("link -> ALB hop decided by %+v, want ingress %s of %s from %s", h.Verdict, s.rule, s.albSG, s.linkSG)
			}
		case strings.HasPrefix(h.To, "target "):
			toTargets++
			if h.Verdict.Egress.GroupID != s.albSG || h.Verdict.Egress.Rule.ID == "" {
				t.Errorf("ALB -> target hop decided by %+v, want the ALB group's egress rule", h.Verdict)
			}
		}
	}
	if entries != 2 || toTargets != 4 {
		t.Fatalf("%d entry hops and %d target hops, want 2 and 4: %+v", entries, toTargets, p.Hops)
	}
	var targets []string
	for _, tg := range p.Balancer.Pools {
		for _, tt := range tg.Targets {
			targets = append(targets, tt.ID+" "+tt.Real+" "+tt.AddrRule)
		}
	}
	if strings.Join(targets, ",") != "10.0.1.10 127.0.0.1:18080 loopback,10.0.2.10 127.0.0.1:18081 loopback" {
		t.Fatalf("targets %v", targets)
	}

	// A request path is matched as the data plane matches it.
	if code, rep := explainJSON(t, srv, s.api, "/pets/7"); code != 0 || rep.Paths[0].Route != "ANY /{proxy+}" || rep.Paths[0].Request != "GET /pets/7" {
		t.Fatalf("by request: exit %d, %+v", code, rep.Paths)
	}

	code, text, _ := runExplain(t, srv, s.api)
	if code != 0 {
		t.Fatalf("text: exit %d\n%s", code, text)
	}
	wantEveryHop(t, "text", text, p)
	for _, format := range []string{"dot", "mermaid"} {
		code, out, errs := runExplain(t, srv, "--output", format, s.api, "/pets/7")
		if code != 0 {
			t.Fatalf("%s: exit %d %s", format, code, errs)
		}
		wantEveryHop(t, format, out, p)
	}

	// Revoking the ALB's rule for the link's group breaks the first hop.
	_, err := srv.EC2().RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(s.albSG), SecurityGroupRuleIds: []string{s.rule}})
	must(t, err)
	code, rep = explainJSON(t, srv, s.api, "GET /pets/7")
	if code != 1 || rep.OK || rep.Paths[0].OK {
		t.Fatalf("with the rule revoked: exit %d, %+v", code, rep)
	}
	fix := fmt.Sprintf("add an ingress rule to %s (%s) allowing tcp/80 from %s (%s)", s.albSG, rep.GroupNames[s.albSG], s.linkSG, rep.GroupNames[s.linkSG])
	if len(rep.Paths[0].Fixes) != 1 || rep.Paths[0].Fixes[0] != fix {
		t.Fatalf("fixes %q, want [%q]", rep.Paths[0].Fixes, fix)
	}
	code, text, _ = runExplain(t, srv, s.api)
	if code != 1 || !strings.Contains(text, "DENY") || !strings.Contains(text, fix) || !strings.Contains(text, "BROKEN") {
		t.Fatalf("text with the rule revoked: exit %d\n%s", code, text)
	}
	code, out, _ := runExplain(t, srv, "--output", "mermaid", s.api)
	if code != 1 || !strings.Contains(out, "stroke:red") {
		t.Fatalf("mermaid with the rule revoked: exit %d\n%s", code, out)
	}
}

// wantEveryHop checks that a rendering names both ends of every hop.
func wantEveryHop(t *testing.T, format, out string, p dataplane.Path) {
	t.Helper()
	for _, h := range p.Hops {
		for _, end := range []string{h.From, h.To} {
			if !strings.Contains(out, end) {
				t.Errorf("%s output lacks %q:\n%s", format, end, out)
			}
		}
	}
}

func TestExplainUsage(t *testing.T) {
	srv := servertest.Start(t)
	if code, _, _ := runExplain(t, srv); code != 2 {
		t.Errorf("no API id: exit %d, want 2", code)
	}
	if code, _, errs := runExplain(t, srv, "nosuchapi"); code != 2 || !strings.Contains(errs, "no such API") {
		t.Errorf("unknown API: exit %d %q, want 2", code, errs)
	}
	if code, _, _ := runExplain(t, srv, "--output", "svg", "x"); code != 2 {
		t.Errorf("unknown output: exit %d, want 2", code)
	}
}

// TestExplainRESTSeed explains the REST seed of e2e_rest_test.go: method ANY
// /{proxy+} -> VPC link v1 (an endpoint service) -> internal NLB without
// groups -> targets whose group admits the NLB's subnets.
func TestExplainRESTSeed(t *testing.T) {
	srv := servertest.Start(t, servertest.VpcLinkV1Delay(-1))
	n := newSeedNet(t, srv)
	lb, gw := srv.ELBv2(), srv.APIGateway()
	backend := n.group(t, "backend")
	var ranges []ec2types.IpRange
	for _, c := range n.cidrs {
		ranges = append(ranges, ec2types.IpRange{CidrIp: aws.String(c)})
	}
	rules := n.ingress(t, backend, 1024, 65535, ec2types.IpPermission{IpRanges: ranges})
	tg, err := lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("seed"), Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(80),
		VpcId: n.vpc, TargetType: elbtypes.TargetTypeEnumIp})
	must(t, err)
	var targets []elbtypes.TargetDescription
	for i, ip := range []string{"10.0.1.20", "10.0.2.21"} {
		_, err := n.e.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(n.subnets[i]), PrivateIpAddress: aws.String(ip), Groups: []string{backend}})
		must(t, err)
		targets = append(targets, elbtypes.TargetDescription{Id: aws.String(ip), Port: aws.Int32(int32(18090 + i))})
	}
	_, err = lb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn, Targets: targets})
	must(t, err)
	nlb, err := lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("seed-nlb"), Type: elbtypes.LoadBalancerTypeEnumNetwork,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: n.subnets})
	must(t, err)
	_, err = lb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: nlb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumTcp,
		Port: aws.Int32(8080), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	must(t, err)
	link, err := gw.CreateVpcLink(ctx, &apigateway.CreateVpcLinkInput{Name: aws.String("seed-link"), TargetArns: []string{aws.ToString(nlb.LoadBalancers[0].LoadBalancerArn)}})
	must(t, err)
	srv.Advance(0)
	api, err := gw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("seed")})
	must(t, err)
	res, err := gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("{proxy+}")})
	must(t, err)
	_, err = gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("ANY"), AuthorizationType: aws.String("NONE"),
		RequestParameters: map[string]bool{"method.request.path.proxy": true}})
	must(t, err)
	_, err = gw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("ANY"),
		Type: agtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("ANY"), ConnectionType: agtypes.ConnectionTypeVpcLink,
		ConnectionId: link.Id, Uri: aws.String("http://" + aws.ToString(nlb.LoadBalancers[0].DNSName) + ":8080/{proxy}"),
		RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}})
	must(t, err)
	_, err = gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")})
	must(t, err)
	id := aws.ToString(api.Id)

	code, rep := explainJSON(t, srv, id, "/pets/1")
	if code != 0 || !rep.OK || rep.Type != "REST" || rep.Stage != "prod" || len(rep.Paths) != 1 {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
	p := rep.Paths[0]
	if p.Route != "ANY /{proxy+}" || p.Link == nil || p.Link.Kind != "v1" || p.Link.Status != "AVAILABLE" || p.Link.EndpointService == "" ||
		p.Balancer == nil || p.Balancer.Type != "network" || p.Balancer.Listener == nil || p.Balancer.Listener.Port != 8080 {
		t.Fatalf("path %+v", p)
	}
	// PrivateLink into each NLB node, then each node to the target in its
	// own zone: cross-zone load balancing is off.
	if len(p.Hops) != 4 || !strings.HasPrefix(p.Hops[0].From, "endpoint service ") {
		t.Fatalf("hops %+v", p.Hops)
	}
	for _, h := range p.Hops {
		if !strings.HasPrefix(h.From, "node ") {
			continue
		}
		if !h.Verdict.Allowed || !slices.Contains(rules, h.Verdict.Ingress.Rule.ID) || h.Verdict.Ingress.GroupID != backend ||
			!strings.HasPrefix(h.FromAddr, strings.TrimSuffix(h.Verdict.Ingress.Rule.CidrIPv4, "0/24")) {
			t.Errorf("NLB -> target hop %s -> %s decided by %+v, want ingress %v of %s for the node's subnet", h.From, h.To, h.Verdict, rules, backend)
		}
	}
	code, text, _ := runExplain(t, srv, id, "ANY /{proxy+}")
	if code != 0 {
		t.Fatalf("text: exit %d\n%s", code, text)
	}
	wantEveryHop(t, "text", text, p)
	code, dot, _ := runExplain(t, srv, "--output", "dot", id)
	if code != 0 || !strings.HasPrefix(dot, "digraph") {
		t.Fatalf("dot: exit %d\n%s", code, dot)
	}
	wantEveryHop(t, "dot", dot, p)

	// Without the backends' rule the NLB's nodes cannot reach them.
	_, err = n.e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(backend), SecurityGroupRuleIds: rules})
	must(t, err)
	code, rep = explainJSON(t, srv, id, "/pets/1")
	if code != 1 || rep.OK || len(rep.Paths[0].Fixes) == 0 || !strings.Contains(rep.Paths[0].Fixes[0], "add an ingress rule to "+backend+" (backend) allowing tcp/1809") {
		t.Fatalf("with the backends' rule revoked: exit %d, fixes %q", code, rep.Paths[0].Fixes)
	}
}
