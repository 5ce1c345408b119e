package upstream_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/dial"
	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
)

var ctx = context.Background()

// backend is a real loopback server that names itself in its answers.
func backend(t *testing.T, name string) (port int) {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s xff=%s", name, r.URL.Path, r.Header.Get("X-Forwarded-For"))
	}))
	t.Cleanup(s.Close)
	_, p, _ := strings.Cut(s.Listener.Addr().String(), ":")
	port, _ = strconv.Atoi(p)
	return port
}

type fixture struct {
	srv      *servertest.Server
	elb      *elb.Client
	ec2      *ec2.Client
	vpc      string
	subnets  []string
	albGroup string
	// appGroup is the group of the targets' interfaces (own).
	appGroup string
	owned    map[string]bool
}

func newFixture(t testing.TB) *fixture {
	srv := servertest.Start(t)
	f := &fixture{srv: srv, elb: srv.ELBv2(), ec2: srv.EC2()}
	v, err := f.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	f.vpc = aws.ToString(v.Vpc.VpcId)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := f.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, AvailabilityZone: aws.String(az),
			CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i+1))})
		if err != nil {
			t.Fatal(err)
		}
		f.subnets = append(f.subnets, aws.ToString(s.Subnet.SubnetId))
	}
	g, err := f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("alb"), Description: aws.String("alb"), VpcId: v.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	f.albGroup = aws.ToString(g.GroupId)
	return f
}

func (f *fixture) targetGroup(t *testing.T, name string, ports ...int) *string {
	t.Helper()
	out, err := f.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name), Protocol: types.ProtocolEnumHttp,
		Port: aws.Int32(80), VpcId: aws.String(f.vpc), TargetType: types.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	var targets []types.TargetDescription
	for i, p := range ports {
		ip := fmt.Sprintf("10.0.1.%d", 10+i)
		f.own(t, ip)
		targets = append(targets, types.TargetDescription{Id: aws.String(ip), Port: aws.Int32(int32(p))})
	}
	if len(targets) == 0 {
		return out.TargetGroups[0].TargetGroupArn
	}
	if _, err := f.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: out.TargetGroups[0].TargetGroupArn, Targets: targets}); err != nil {
		t.Fatal(err)
	}
	return out.TargetGroups[0].TargetGroupArn
}

// own gives each address an interface in the subnet holding it, as a
// backend instance's: an address no interface owns answers nothing. The
// interfaces' group admits the whole VPC, so that only what a test changes
// decides.
func (f *fixture) own(t *testing.T, ips ...string) {
	t.Helper()
	if f.appGroup == "" {
		g, err := f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("targets"), Description: aws.String("targets"), VpcId: aws.String(f.vpc)})
		if err != nil {
			t.Fatal(err)
		}
		f.appGroup = aws.ToString(g.GroupId)
		if _, err := f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: openVPC}); err != nil {
			t.Fatal(err)
		}
	}
	f.ownWith(t, f.appGroup, ips...)
}

// openVPC is the targets' group's one rule.
var openVPC = []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535),
	IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}}

// ownWith is own with the interfaces in group; an address owned already
// keeps its interface.
func (f *fixture) ownWith(t *testing.T, group string, ips ...string) {
	t.Helper()
	if f.owned == nil {
		f.owned = map[string]bool{}
	}
	for _, ip := range ips {
		if f.owned[ip] {
			continue
		}
		subnet := f.subnets[0]
		if strings.HasPrefix(ip, "10.0.2.") {
			subnet = f.subnets[1]
		}
		if _, err := f.ec2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), PrivateIpAddress: aws.String(ip),
			Groups: []string{group}}); err != nil {
			t.Fatal(err)
		}
		f.owned[ip] = true
	}
}

func (f *fixture) compile(t testing.TB) map[string]*upstream.Balancer {
	return f.compileWith(t, nil)
}

func (f *fixture) compileWith(t testing.TB, h upstream.Health) map[string]*upstream.Balancer {
	t.Helper()
	snap, err := model.Load(f.srv.Store())
	if err != nil {
		t.Fatal(err)
	}
	return upstream.Compile(snap.Scopes[model.Scope{Account: "000000000000", Region: "us-east-1"}], h, &upstream.Registry{})
}

func get(t *testing.T, fw *upstream.Forwarder, b *upstream.Balancer, path string, hdr http.Header) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", "http://internal-alb.example"+path, nil)
	if hdr != nil {
		req.Header = hdr
	}
	resp, _, err := fw.RoundTrip(req, b, upstream.Hop{Port: 80, Client: netip.MustParseAddr("10.0.1.200")})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestALBRulesAndWeightedForward(t *testing.T) {
	f := newFixture(t)
	blue := f.targetGroup(t, "blue", backend(t, "blue-1"), backend(t, "blue-2"))
	green := f.targetGroup(t, "green", backend(t, "green-1"))
	lb, err := f.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Scheme: types.LoadBalancerSchemeEnumInternal,
		Subnets: f.subnets, SecurityGroups: []string{f.albGroup}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
			StatusCode: aws.String("404"), ContentType: aws.String("text/plain"), MessageBody: aws.String("no route")}}}})
	if err != nil {
		t.Fatal(err)
	}
	rule := func(prio int32, cond types.RuleCondition, action types.Action) {
		t.Helper()
		if _, err := f.elb.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: l.Listeners[0].ListenerArn, Priority: aws.Int32(prio),
			Conditions: []types.RuleCondition{cond}, Actions: []types.Action{action}}); err != nil {
			t.Fatal(err)
		}
	}
	rule(10, types.RuleCondition{Field: aws.String("http-header"), HttpHeaderConfig: &types.HttpHeaderConditionConfig{HttpHeaderName: aws.String("X-Env"), Values: []string{"canary"}}},
		types.Action{Type: types.ActionTypeEnumForward, TargetGroupArn: green})
	rule(20, types.RuleCondition{Field: aws.String("path-pattern"), Values: []string{"/api/*"}},
		types.Action{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{TargetGroups: []types.TargetGroupTuple{
			{TargetGroupArn: blue, Weight: aws.Int32(3)}, {TargetGroupArn: green, Weight: aws.Int32(1)}}}})

	b := f.compile(t)[aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)]
	fw := &upstream.Forwarder{Transport: dial.New().H1Transport(), Clock: f.srv.Clock}

	if code, body := get(t, fw, b, "/other", nil); code != 404 || body != "no route" {
		t.Fatalf("default rule = %d %q", code, body)
	}
	for i := 0; i < 5; i++ {
		if _, body := get(t, fw, b, "/api/x", http.Header{"X-Env": {"CANARY"}}); !strings.HasPrefix(body, "green-1 /api/x xff=10.0.1.200") {
			t.Fatalf("header rule sent the request to %q", body)
		}
	}
	// Weighted 3:1 between the groups, then round robin inside blue.
	const n = 2000
	seen := map[string]int{}
	for i := 0; i < n; i++ {
		_, body := get(t, fw, b, "/api/x", nil)
		name, _, _ := strings.Cut(body, " ")
		seen[name]++
	}
	green1 := float64(seen["green-1"]) / n
	if green1 < 0.20 || green1 > 0.30 {
		t.Errorf("green share = %.3f, want about 0.25 (%v)", green1, seen)
	}
	if d := seen["blue-1"] - seen["blue-2"]; d < -2 || d > 2 {
		t.Errorf("round robin inside blue is uneven: %v", seen)
	}
}
