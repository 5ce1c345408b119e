package gatehouse_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse"
	"gatehouse/internal/dataplane"
	"gatehouse/internal/network"
	"gatehouse/internal/servertest"
)

// strictNet is the seed's HTTP architecture built through the SDK with the
// parts the stricter network model judges kept apart: the ALB and its
// target in the ALB's VPC (subnets a and b), the VPC link in subnets of its
// own (c and d) of the same VPC or, for a cross-VPC test, of another one.
type strictNet struct {
	t        *testing.T
	srv      *servertest.Server
	ec2      *ec2.Client
	elb      *elb.Client
	gw       *apigatewayv2.Client
	vpc      string
	albNets  []string // subnets a, b: the ALB's
	linkNets []string // subnets c, d: the link's
	albGroup string
	tg       string
	api      string
}

func (n *strictNet) must(err error) {
	n.t.Helper()
	if err != nil {
		n.t.Fatal(err)
	}
}

func (n *strictNet) subnet(vpc, cidr, az string) string {
	n.t.Helper()
	s, err := n.ec2.CreateSubnet(context.Background(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(az)})
	n.must(err)
	return aws.ToString(s.Subnet.SubnetId)
}

func (n *strictNet) group(vpc, name string, in ...ec2types.IpPermission) string {
	n.t.Helper()
	ctx := context.Background()
	g, err := n.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(vpc)})
	n.must(err)
	if len(in) > 0 {
		_, err = n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: in})
		n.must(err)
	}
	return aws.ToString(g.GroupId)
}

func tcpFrom(from, to int32, cidr string) ec2types.IpPermission {
	return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(from), ToPort: aws.Int32(to), IpRanges: []ec2types.IpRange{{CidrIp: aws.String(cidr)}}}
}

// newStrictNet builds the ALB side in 10.0.0.0/16 and the link in linkCIDR
// (two /24s at its start): "" puts the link in 10.0.3.0/24 and 10.0.4.0/24
// of the ALB's own VPC, another block in a VPC of its own. The ALB's group
// admits the link's whole block by address, which EC2 accepts across VPCs.
// The target group's one target, 10.0.1.10, is an interface in subnet a.
func newStrictNet(t *testing.T, linkCIDR string) *strictNet {
	srv := servertest.Start(t)
	n := &strictNet{t: t, srv: srv, ec2: srv.EC2(), elb: srv.ELBv2(), gw: srv.APIGatewayV2()}
	ctx := context.Background()
	v, err := n.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	n.must(err)
	n.vpc = aws.ToString(v.Vpc.VpcId)
	n.albNets = []string{n.subnet(n.vpc, "10.0.1.0/24", "us-east-1a"), n.subnet(n.vpc, "10.0.2.0/24", "us-east-1b")}
	linkVPC, linkNet := n.vpc, "10.0"
	if linkCIDR != "" {
		lv, err := n.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(linkCIDR)})
		n.must(err)
		linkVPC, linkNet = aws.ToString(lv.Vpc.VpcId), strings.Join(strings.Split(linkCIDR, ".")[:2], ".")
	} else {
		linkCIDR = "10.0.0.0/16"
	}
	n.linkNets = []string{n.subnet(linkVPC, linkNet+".3.0/24", "us-east-1a"), n.subnet(linkVPC, linkNet+".4.0/24", "us-east-1b")}
	linkGroup := n.group(linkVPC, "link")
	n.albGroup = n.group(n.vpc, "alb", tcpFrom(80, 80, linkCIDR))
	appGroup := n.group(n.vpc, "app", tcpFrom(0, 65535, "10.0.0.0/16"))
	_, err = n.ec2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(n.albNets[0]), PrivateIpAddress: aws.String("10.0.1.10"),
		Groups: []string{appGroup}})
	n.must(err)

	tg, err := n.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("app"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: aws.String(n.vpc), TargetType: elbtypes.TargetTypeEnumIp, HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2),
		HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2)})
	n.must(err)
	n.tg = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	n.register(elbtypes.TargetDescription{Id: aws.String("10.0.1.10"), Port: aws.Int32(v2Backend(t, "app"))})
	alb, err := n.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("app"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.albNets, SecurityGroups: []string{n.albGroup}})
	n.must(err)
	l, err := n.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(n.tg)}}})
	n.must(err)

	link, err := n.gw.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("link"), SubnetIds: n.linkNets, SecurityGroupIds: []string{linkGroup}})
	n.must(err)
	srv.Advance(gatehouse.DefaultVpcLinkDelay)
	a, err := n.gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("shop"), ProtocolType: v2types.ProtocolTypeHttp})
	n.must(err)
	n.api = aws.ToString(a.ApiId)
	integ, err := n.gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: a.ApiId, IntegrationType: v2types.IntegrationTypeHttpProxy,
		ConnectionType: v2types.ConnectionTypeVpcLink, ConnectionId: link.VpcLinkId, IntegrationUri: l.Listeners[0].ListenerArn,
		IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0"), TimeoutInMillis: aws.Int32(5000)})
	n.must(err)
	_, err = n.gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: a.ApiId, RouteKey: aws.String("ANY /{proxy+}"),
		Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))})
	n.must(err)
	_, err = n.gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	n.must(err)
	return n
}

func (n *strictNet) register(ds ...elbtypes.TargetDescription) {
	n.t.Helper()
	_, err := n.elb.RegisterTargets(context.Background(), &elb.RegisterTargetsInput{TargetGroupArn: aws.String(n.tg), Targets: ds})
	n.must(err)
}

// health is DescribeTargetHealth's state and reason for target id.
func (n *strictNet) health(id string) (elbtypes.TargetHealthStateEnum, elbtypes.TargetHealthReasonEnum) {
	n.t.Helper()
	out, err := n.elb.DescribeTargetHealth(context.Background(), &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(n.tg)})
	n.must(err)
	for _, d := range out.TargetHealthDescriptions {
		if aws.ToString(d.Target.Id) == id {
			return d.TargetHealth.State, d.TargetHealth.Reason
		}
	}
	n.t.Fatalf("target %s is not in the group", id)
	return "", ""
}

// rounds runs k health-check rounds on the server's clock.
func (n *strictNet) rounds(k int) {
	for range k {
		n.srv.Clock.Advance(5 * time.Second)
	}
}

// dropped sends a request whose packets the network drops and returns the
// answer the caller gets once the integration's timeout has passed.
func (n *strictNet) dropped(path string) (int, string) {
	n.t.Helper()
	return invokeDropped(n.t, n.srv, n.api, path, 5*time.Second)
}

// invokeDropped sends GET path to HTTP API apiID and expects the data plane
// to hold it as dropped by the network: once it does, the server's clock
// passes wait (the integration's timeout), and the answer the caller then
// gets is returned, without a wall-clock wait. An answer before the hold
// fails the test.
func invokeDropped(t *testing.T, srv *servertest.Server, apiID, path string, wait time.Duration) (int, string) {
	t.Helper()
	held := srv.Guard().Dropped.Load()
	type answer struct {
		code int
		body string
	}
	done := make(chan answer, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+path, nil)
		req.Host = apiID + ".execute-api.localhost"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- answer{0, err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- answer{resp.StatusCode, string(b)}
	}()
	// The guard counts held requests but signals nothing: poll it.
	for srv.Guard().Dropped.Load() == held {
		select {
		case a := <-done:
			t.Fatalf("%s: answered %d %s, not dropped", path, a.code, a.body)
		case <-time.After(time.Millisecond): // until the request is held
		}
	}
	srv.Clock.Advance(wait)
	a := <-done
	return a.code, a.body
}

// explain is the admin endpoint's report on the API's one route.
func (n *strictNet) explain() dataplane.Path {
	n.t.Helper()
	resp, err := http.Get(n.srv.URL() + "/_gatehouse/explain?" + url.Values{"api": {n.api}}.Encode())
	n.must(err)
	defer resp.Body.Close()
	var rep dataplane.Report
	if resp.StatusCode != 200 {
		n.t.Fatalf("explain: %d", resp.StatusCode)
	}
	n.must(json.NewDecoder(resp.Body).Decode(&rep))
	if len(rep.Paths) != 1 {
		n.t.Fatalf("explain: %d paths", len(rep.Paths))
	}
	return rep.Paths[0]
}

// aclOf is the id of the ACL holding subnet and the association's id.
func (n *strictNet) aclOf(subnet string) (acl, assoc string) {
	n.t.Helper()
	out, err := n.ec2.DescribeNetworkAcls(context.Background(), &ec2.DescribeNetworkAclsInput{
		Filters: []ec2types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{subnet}}}})
	n.must(err)
	if len(out.NetworkAcls) != 1 {
		n.t.Fatalf("subnet %s is in %d ACLs", subnet, len(out.NetworkAcls))
	}
	for _, a := range out.NetworkAcls[0].Associations {
		if aws.ToString(a.SubnetId) == subnet {
			return aws.ToString(out.NetworkAcls[0].NetworkAclId), aws.ToString(a.NetworkAclAssociationId)
		}
	}
	n.t.Fatalf("no association of %s", subnet)
	return "", ""
}

func (n *strictNet) entry(acl string, rule int32, egress bool, proto, action, cidr string, from, to int32, replace bool) {
	n.t.Helper()
	ctx := context.Background()
	var ports *ec2types.PortRange
	if proto == "6" {
		ports = &ec2types.PortRange{From: aws.Int32(from), To: aws.Int32(to)}
	}
	var err error
	if replace {
		_, err = n.ec2.ReplaceNetworkAclEntry(ctx, &ec2.ReplaceNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(rule), Egress: aws.Bool(egress),
			Protocol: aws.String(proto), RuleAction: ec2types.RuleAction(action), CidrBlock: aws.String(cidr), PortRange: ports})
	} else {
		_, err = n.ec2.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(rule), Egress: aws.Bool(egress),
			Protocol: aws.String(proto), RuleAction: ec2types.RuleAction(action), CidrBlock: aws.String(cidr), PortRange: ports})
	}
	n.must(err)
}

func strictGet(t *testing.T, n *strictNet, path string) (int, string) {
	t.Helper()
	return invokeNow(t, n.srv, n.api, path)
}

// A network ACL on the ALB's subnets that denies the link's subnets drops
// the request (503 after the integration timeout) although every security
// group admits it, and explain names the ACL, its direction and the rule
// number. ACLs are stateless: once the request may enter, an ACL whose
// outbound rules admit only part of the ephemeral ports drops the answer,
// and explain says so; admitting 1024-65535 lets it through.
func TestNetworkACLDenyDropsTheRequest(t *testing.T) {
	n := newStrictNet(t, "")
	if code, body := strictGet(t, n, "/orders"); code != 200 || !strings.Contains(body, `"Backend":"app"`) {
		t.Fatalf("default ACLs: %d %s", code, body)
	}
	ctx := context.Background()
	out, err := n.ec2.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(n.vpc)})
	n.must(err)
	acl := aws.ToString(out.NetworkAcl.NetworkAclId)
	n.entry(acl, 90, false, "6", "deny", "10.0.0.0/16", 80, 80, false)
	n.entry(acl, 100, false, "-1", "allow", "0.0.0.0/0", 0, 0, false)
	n.entry(acl, 100, true, "-1", "allow", "0.0.0.0/0", 0, 0, false)
	for _, sn := range n.albNets {
		_, assoc := n.aclOf(sn)
		_, err := n.ec2.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(assoc), NetworkAclId: aws.String(acl)})
		n.must(err)
	}

	if code, body := n.dropped("/orders"); code != 503 || body != `{"message":"Service Unavailable"}` {
		t.Fatalf("inbound deny: %d %s, want 503 after the timeout", code, body)
	}
	pa := n.explain()
	if pa.OK || len(pa.Hops) == 0 {
		t.Fatalf("inbound deny: explain ok=%v hops %+v", pa.OK, pa.Hops)
	}
	for _, h := range pa.Hops {
		if !strings.HasPrefix(h.To, "node ") {
			continue
		}
		want := fmt.Sprintf("network ACL %s of %s: inbound rule 90 denies tcp/80 from %s", acl, n.albNets[0], h.FromAddr)
		if h.Verdict.Allowed || h.Verdict.Layer != network.LayerACL || (!strings.Contains(h.Reason, want) &&
			!strings.Contains(h.Reason, strings.Replace(want, n.albNets[0], n.albNets[1], 1))) {
			t.Errorf("hop %s -> %s: layer %q: %s\nwant %s", h.From, h.To, h.Verdict.Layer, h.Reason, want)
		}
		if last := h.ACLs[len(h.ACLs)-1]; last.ACL != acl || last.Rule.RuleNumber != 90 || last.Egress || last.Allowed {
			t.Errorf("hop %s -> %s: deciding ACL check %+v", h.From, h.To, last)
		}
		if !strings.Contains(h.Fix, "add an inbound rule to network ACL "+acl+" allowing tcp/80 from 10.0.") || !strings.Contains(h.Fix, "numbered below 90") {
			t.Errorf("hop %s -> %s: fix %q", h.From, h.To, h.Fix)
		}
	}

	// The request may enter; the answer may leave only to ports 49152 and
	// up (the IANA range), a quarter of the ports the balancer's nodes and
	// the link's interfaces use: most connections would fail on AWS, so
	// the return leg is dropped.
	n.entry(acl, 90, false, "6", "allow", "10.0.0.0/16", 80, 80, true)
	n.entry(acl, 100, true, "6", "allow", "0.0.0.0/0", 49152, 65535, true)
	if code, _ := n.dropped("/orders"); code != 503 {
		t.Fatalf("return traffic denied: %d, want 503 after the timeout", code)
	}
	pa = n.explain()
	denied := 0
	for _, h := range pa.Hops {
		if strings.HasPrefix(h.To, "node ") && strings.Contains(h.Reason, "outbound rule * (32767) denies the return traffic to "+h.FromAddr+" on ephemeral port 1024") {
			denied++
		}
	}
	if pa.OK || denied != 2 {
		t.Fatalf("return traffic denied: explain ok=%v, %d link hops name the return leg: %+v", pa.OK, denied, pa.Hops)
	}

	n.entry(acl, 100, true, "6", "allow", "0.0.0.0/0", 1024, 65535, true)
	if code, body := strictGet(t, n, "/orders"); code != 200 {
		t.Fatalf("ephemeral ports admitted: %d %s", code, body)
	}
	if pa := n.explain(); !pa.OK || strings.Contains(strings.Join(pa.Notes, "\n"), "network ACL") {
		t.Fatalf("ephemeral ports admitted: explain ok=%v, notes %q", pa.OK, pa.Notes)
	}

	// Admitting 32768-65535 (a Linux client's range), just over half, or
	// denying a single port in front of allowing all, as many ACLs do,
	// lets most connections through on AWS: requests pass, and explain
	// warns about the denied ports.
	n.entry(acl, 100, true, "6", "allow", "0.0.0.0/0", 32768, 65535, true)
	if code, body := strictGet(t, n, "/orders"); code != 200 {
		t.Fatalf("most ephemeral ports admitted: %d %s", code, body)
	}
	warned := func(what, ports string) {
		t.Helper()
		pa := n.explain()
		found := false
		for _, note := range pa.Notes {
			found = found || strings.Contains(note, "network ACL "+acl+" of subnet-") && strings.Contains(note, "deny the return traffic on tcp/"+ports)
		}
		if !pa.OK || !found {
			t.Fatalf("%s: explain ok=%v, notes %q, want a warning naming tcp/%s", what, pa.OK, pa.Notes, ports)
		}
	}
	warned("most ephemeral ports admitted", "1024-32767 (rule *)")
	n.entry(acl, 100, true, "-1", "allow", "0.0.0.0/0", 0, 0, true)
	n.entry(acl, 85, false, "6", "deny", "0.0.0.0/0", 3306, 3306, false)
	if code, body := strictGet(t, n, "/orders"); code != 200 {
		t.Fatalf("one port denied: %d %s", code, body)
	}
	warned("one port denied", "3306 (rule 85)")
}

// A VPC link in 10.21.0.0/16 and an ALB in an unconnected VPC 10.0.0.0/16:
// the ALB's group admits the link's block, yet no packet crosses between
// two VPCs without peering or a transit gateway. Every request is dropped
// (503 after the timeout); a target registered (for all zones) at an
// interface in the link's VPC never passes a health check (Target.Timeout);
// explain says the VPCs are not connected rather than proposing a
// security-group rule, which EC2 would refuse across VPCs anyway.
func TestCrossVPCHopIsImpossible(t *testing.T) {
	n := newStrictNet(t, "10.21.0.0/16")
	ctx := context.Background()
	// An interface in the link's VPC whose group admits the ALB's VPC.
	vpcs, err := n.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: n.linkNets[:1]})
	n.must(err)
	farVPC := aws.ToString(vpcs.Subnets[0].VpcId)
	far := n.group(farVPC, "far-app", tcpFrom(0, 65535, "10.0.0.0/16"))
	_, err = n.ec2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(n.linkNets[0]), PrivateIpAddress: aws.String("10.21.3.10"),
		Groups: []string{far}})
	n.must(err)
	n.register(elbtypes.TargetDescription{Id: aws.String("10.21.3.10"), Port: aws.Int32(v2Backend(t, "far")), AvailabilityZone: aws.String("all")})
	n.rounds(2)
	if s, r := n.health("10.0.1.10"); s != elbtypes.TargetHealthStateEnumHealthy {
		t.Fatalf("the target in the ALB's VPC: %s/%s", s, r)
	}
	if s, r := n.health("10.21.3.10"); s != elbtypes.TargetHealthStateEnumUnhealthy || r != elbtypes.TargetHealthReasonEnumTimeout {
		t.Fatalf("the target in the other VPC: %s/%s, want unhealthy/Target.Timeout", s, r)
	}

	// EC2 refuses to let the ALB's group name the link's group.
	_, err = n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(n.albGroup), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(far)}}}}})
	if err == nil {
		t.Fatal("EC2 accepted a rule naming a group of another VPC")
	}
	if code, body := n.dropped("/orders"); code != 503 || body != `{"message":"Service Unavailable"}` {
		t.Fatalf("link in another VPC: %d %s, want 503 after the timeout", code, body)
	}
	pa := n.explain()
	entries := 0
	for _, h := range pa.Hops {
		if !strings.HasPrefix(h.To, "node ") {
			continue
		}
		entries++
		if h.Verdict.Allowed || h.Verdict.Layer != network.LayerVPC || !strings.Contains(h.Reason, "the VPCs are not connected") {
			t.Errorf("hop %s -> %s: layer %q: %s", h.From, h.To, h.Verdict.Layer, h.Reason)
		}
	}
	if pa.OK || entries != 2 {
		t.Fatalf("explain: ok=%v, %d link hops: %+v", pa.OK, entries, pa.Hops)
	}
	if len(pa.Fixes) == 0 {
		t.Fatalf("explain proposes no fix for hops across unconnected VPCs: %+v", pa.Hops)
	}
	for _, fix := range pa.Fixes {
		if strings.Contains(fix, "rule") || !strings.Contains(fix, "the VPCs are not connected") {
			t.Errorf("fix %q: no rule joins two VPCs that nothing connects", fix)
		}
	}
	for _, tg := range pa.Balancer.Pools {
		for _, ti := range tg.Targets {
			if ti.ID == "10.21.3.10" && ti.HealthReason != string(elbtypes.TargetHealthReasonEnumTimeout) {
				t.Errorf("explain shows the far target as %s (%s)", ti.Health, ti.HealthReason)
			}
		}
	}
}

// An ip target at an address that no interface or instance owns never
// becomes healthy: the checks time out (Target.Timeout) without a
// connection, and explain says nothing answers there. An address outside
// the VPC registered for all zones is reached (nothing modeled filters it),
// and an interface taking the address makes its target healthy.
func TestTargetNobodyOwnsNeverBecomesHealthy(t *testing.T) {
	n := newStrictNet(t, "")
	var hits atomic.Int64
	stray := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1); io.WriteString(w, "stray") }))
	t.Cleanup(stray.Close)
	s := v2Port(stray)
	n.register(elbtypes.TargetDescription{Id: aws.String("10.0.1.77"), Port: aws.Int32(s)},
		elbtypes.TargetDescription{Id: aws.String("192.168.50.5"), Port: aws.Int32(v2Backend(t, "outside")), AvailabilityZone: aws.String("all")})
	n.rounds(4)
	if st, r := n.health("10.0.1.77"); st != elbtypes.TargetHealthStateEnumUnhealthy || r != elbtypes.TargetHealthReasonEnumTimeout {
		t.Fatalf("unowned address: %s/%s, want unhealthy/Target.Timeout", st, r)
	}
	if hits.Load() != 0 {
		t.Fatalf("the checks of an address nobody owns reached its backend %d times", hits.Load())
	}
	for _, id := range []string{"10.0.1.10", "192.168.50.5"} {
		if st, r := n.health(id); st != elbtypes.TargetHealthStateEnumHealthy {
			t.Fatalf("%s: %s/%s, want healthy", id, st, r)
		}
	}
	// Requests go to healthy targets only while there are some: with the
	// healthy ones deregistered, the ALB fails open to 10.0.1.77, and
	// explain shows that hop.
	_, err := n.elb.DeregisterTargets(context.Background(), &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(n.tg), Targets: []elbtypes.TargetDescription{
		{Id: aws.String("10.0.1.10")}, {Id: aws.String("192.168.50.5")}}})
	n.must(err)
	pa := n.explain()
	matched := 0
	for _, h := range pa.Hops {
		if h.To != "target 10.0.1.77:"+fmt.Sprint(s) {
			continue
		}
		matched++
		if h.Verdict.Allowed || h.Verdict.Layer != network.LayerAddress || !strings.Contains(h.Reason, "owns 10.0.1.77") ||
			!strings.Contains(h.Fix, "create an ENI with private IP 10.0.1.77") {
			t.Errorf("hop %s -> %s: layer %q: %s (fix %q)", h.From, h.To, h.Verdict.Layer, h.Reason, h.Fix)
		}
	}
	if matched == 0 || pa.OK {
		t.Fatalf("explain shows no hop to 10.0.1.77 (ok=%v): %+v", pa.OK, pa.Hops)
	}

	_, err = n.ec2.CreateNetworkInterface(context.Background(), &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(n.albNets[0]),
		PrivateIpAddress: aws.String("10.0.1.77"), Groups: []string{n.group(n.vpc, "late", tcpFrom(0, 65535, "10.0.0.0/16"))}})
	n.must(err)
	n.rounds(2)
	if st, r := n.health("10.0.1.77"); st != elbtypes.TargetHealthStateEnumHealthy || hits.Load() == 0 {
		t.Fatalf("after an interface took the address: %s/%s, %d checks reached it", st, r, hits.Load())
	}
}

// An ip target at a running instance's address is reached; once the
// instance stops, its address answers nothing, as on AWS: the checks time
// out (Target.Timeout), requests are dropped (503 after the timeout) and
// explain says the instance is not running. Started again, it serves.
func TestStoppedInstanceAddressTimesOut(t *testing.T) {
	n := newStrictNet(t, "")
	ctx := context.Background()
	web := n.group(n.vpc, "web", tcpFrom(0, 65535, "10.0.0.0/16"))
	run, err := n.ec2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-0b5eea76982371e91"), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(n.albNets[0]), PrivateIpAddress: aws.String("10.0.1.20"),
		SecurityGroupIds: []string{web}})
	n.must(err)
	id := aws.ToString(run.Instances[0].InstanceId)
	port := v2Backend(t, "web")
	n.register(elbtypes.TargetDescription{Id: aws.String("10.0.1.20"), Port: aws.Int32(port)})
	_, err = n.elb.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(n.tg),
		Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.1.10")}}})
	n.must(err)
	n.rounds(2)
	if s, r := n.health("10.0.1.20"); s != elbtypes.TargetHealthStateEnumHealthy {
		t.Fatalf("running instance: %s/%s", s, r)
	}
	if code, body := strictGet(t, n, "/orders"); code != 200 || !strings.Contains(body, `"Backend":"web"`) {
		t.Fatalf("running instance: %d %s", code, body)
	}

	_, err = n.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	n.must(err)
	n.rounds(2)
	if s, r := n.health("10.0.1.20"); s != elbtypes.TargetHealthStateEnumUnhealthy || r != elbtypes.TargetHealthReasonEnumTimeout {
		t.Fatalf("stopped instance: %s/%s, want unhealthy/Target.Timeout", s, r)
	}
	if code, body := n.dropped("/orders"); code != 503 || body != `{"message":"Service Unavailable"}` {
		t.Fatalf("stopped instance: %d %s, want 503 after the timeout", code, body)
	}
	pa := n.explain()
	matched := 0
	for _, h := range pa.Hops {
		if h.To != "target 10.0.1.20:"+fmt.Sprint(port) {
			continue
		}
		matched++
		if h.Verdict.Allowed || h.Verdict.Layer != network.LayerAddress || !strings.Contains(h.Reason, "instance "+id+", which is not running") ||
			h.Fix != "start instance "+id+", or register the address of a running one" {
			t.Errorf("hop %s -> %s: layer %q: %s (fix %q)", h.From, h.To, h.Verdict.Layer, h.Reason, h.Fix)
		}
	}
	if pa.OK || matched == 0 {
		t.Fatalf("stopped instance: explain ok=%v, %d hops to the target: %+v", pa.OK, matched, pa.Hops)
	}

	_, err = n.ec2.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	n.must(err)
	n.rounds(2)
	if s, r := n.health("10.0.1.20"); s != elbtypes.TargetHealthStateEnumHealthy {
		t.Fatalf("started again: %s/%s", s, r)
	}
	if code, body := strictGet(t, n, "/orders"); code != 200 || !strings.Contains(body, `"Backend":"web"`) {
		t.Fatalf("started again: %d %s", code, body)
	}
}

// A REST API's v1 link reaches an NLB without security groups, so nothing
// filters PrivateLink's traffic by group; the NLB's subnets' network ACL
// still does. An ACL admitting only the VPC (10.0.0.0/16) drops it: the
// request times out as the v1 path answers drops, and explain names the
// ACL rule rather than saying the traffic is unfiltered.
func TestNetworkACLFiltersPrivateLinkToNLBWithoutGroups(t *testing.T) {
	const linkDelay = time.Minute
	srv := servertest.Start(t, servertest.VpcLinkV1Delay(linkDelay))
	n := newRESTNet(t, srv)
	nlb := n.nlb(t, "acl-nlb", 8080, "task-a")
	link := n.linkV1(t, "acl-link", nlb.arn, linkDelay)
	srv.Advance(n.healthAfter(t, nlb.tg, true))
	id := n.proxyAPI(t, "acl", apigateway.PutIntegrationInput{ConnectionId: aws.String(link), Uri: aws.String("http://" + nlb.dns + ":8080/{proxy}")})
	_, err := n.gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(id), StageName: aws.String("prod")})
	restMust(t, err)
	if r := restInvoke(t, srv, id, "prod", "/pets/1", false); r.status != http.StatusOK {
		t.Fatalf("default ACLs: %d %s", r.status, r.body)
	}

	acl, err := n.e.CreateNetworkAcl(restCtx, &ec2.CreateNetworkAclInput{VpcId: aws.String(n.vpc)})
	restMust(t, err)
	for _, egress := range []bool{false, true} {
		_, err = n.e.CreateNetworkAclEntry(restCtx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: acl.NetworkAcl.NetworkAclId, RuleNumber: aws.Int32(100),
			Egress: aws.Bool(egress), Protocol: aws.String("-1"), RuleAction: ec2types.RuleActionAllow, CidrBlock: aws.String("10.0.0.0/16")})
		restMust(t, err)
	}
	for _, sn := range n.subnets {
		out, err := n.e.DescribeNetworkAcls(restCtx, &ec2.DescribeNetworkAclsInput{
			Filters: []ec2types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{sn}}}})
		restMust(t, err)
		for _, a := range out.NetworkAcls[0].Associations {
			if aws.ToString(a.SubnetId) == sn {
				_, err = n.e.ReplaceNetworkAclAssociation(restCtx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: a.NetworkAclAssociationId,
					NetworkAclId: acl.NetworkAcl.NetworkAclId})
				restMust(t, err)
			}
		}
	}
	restWantTimeout(t, restInvoke(t, srv, id, "prod", "/pets/1", false), "PrivateLink into subnets whose ACL admits the VPC alone")

	resp, err := http.Get(srv.URL() + "/_gatehouse/explain?" + url.Values{"api": {id}}.Encode())
	restMust(t, err)
	defer resp.Body.Close()
	var rep dataplane.Report
	restMust(t, json.NewDecoder(resp.Body).Decode(&rep))
	if len(rep.Paths) != 1 || rep.Paths[0].OK {
		t.Fatalf("explain: %+v", rep.Paths)
	}
	entries := 0
	for _, h := range rep.Paths[0].Hops {
		if !strings.HasPrefix(h.From, "endpoint service ") {
			continue
		}
		entries++
		aclID := aws.ToString(acl.NetworkAcl.NetworkAclId)
		if h.Verdict.Allowed || h.Verdict.Layer != network.LayerACL || !strings.HasPrefix(h.Reason, "network ACL "+aclID+" of subnet-") ||
			!strings.Contains(h.Reason, ": inbound rule * (32767) denies tcp/8080 from 198.18.0.1") ||
			!strings.Contains(h.Fix, "add an inbound rule to network ACL "+aclID+" allowing tcp/8080 from 0.0.0.0/0") ||
			!strings.Contains(h.Reason, "the NLB has no security groups") {
			t.Errorf("hop %s -> %s: layer %q: %s (fix %q)", h.From, h.To, h.Verdict.Layer, h.Reason, h.Fix)
		}
	}
	if entries != 2 {
		t.Fatalf("explain shows %d PrivateLink hops, want one per NLB node: %+v", entries, rep.Paths[0].Hops)
	}
}
