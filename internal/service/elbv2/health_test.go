package elbv2_test

// End-to-end target health: real loopback backends, the health checker
// started with the server, and the fake clock driving its rounds.

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/servertest"
)

// hcBackend is a real HTTP server on loopback that counts connections and can
// be stopped and started again on the same port.
type hcBackend struct {
	t       *testing.T
	addr    string
	port    int32
	handler http.HandlerFunc
	srv     *httptest.Server
	conns   atomic.Int32
}

func startBackend(t *testing.T, h http.HandlerFunc) *hcBackend {
	t.Helper()
	b := &hcBackend{t: t, handler: h}
	b.listen("127.0.0.1:0")
	_, p, _ := net.SplitHostPort(b.addr)
	n, _ := strconv.Atoi(p)
	b.port = int32(n)
	t.Cleanup(b.stop)
	return b
}

func (b *hcBackend) listen(addr string) {
	b.t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		b.t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	b.srv = httptest.NewUnstartedServer(b.handler)
	b.srv.Listener = ln
	b.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			b.conns.Add(1)
		}
	}
	b.srv.Start()
}

func (b *hcBackend) stop() {
	if b.srv != nil {
		b.srv.Close()
		b.srv = nil
	}
}

func answer(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
}

// hcNet is a VPC with subnets a (10.0.1.0/24) and b (10.0.2.0/24).
type hcNet struct {
	t         *testing.T
	bg        context.Context
	ec        *ec2.Client
	vpc, a, b string
}

func newHCNet(t *testing.T, ec *ec2.Client) *hcNet {
	t.Helper()
	n := &hcNet{ec: ec, t: t, bg: context.Background()}
	v, err := ec.CreateVpc(n.bg, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	n.vpc = aws.ToString(v.Vpc.VpcId)
	subnet := func(cidr, az string) string {
		out, err := ec.CreateSubnet(n.bg, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Subnet.SubnetId)
	}
	n.a, n.b = subnet("10.0.1.0/24", "us-east-1a"), subnet("10.0.2.0/24", "us-east-1b")
	return n
}

func (n *hcNet) group(name string) string {
	n.t.Helper()
	g, err := n.ec.CreateSecurityGroup(n.bg, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(n.vpc)})
	if err != nil {
		n.t.Fatal(err)
	}
	return aws.ToString(g.GroupId)
}

// allow admits TCP on every port into group from a group (sg-) or a CIDR.
func (n *hcNet) allow(group, from string) {
	n.t.Helper()
	perm := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535)}
	if strings.HasPrefix(from, "sg-") {
		perm.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(from)}}
	} else {
		perm.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(from)}}
	}
	if _, err := n.ec.AuthorizeSecurityGroupIngress(n.bg, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: []ec2types.IpPermission{perm}}); err != nil {
		n.t.Fatal(err)
	}
}

// eni places an interface at ip in subnet a with the given groups.
func (n *hcNet) eni(ip string, groups ...string) {
	n.t.Helper()
	if _, err := n.ec.CreateNetworkInterface(n.bg, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(n.a), PrivateIpAddress: aws.String(ip), Groups: groups}); err != nil {
		n.t.Fatal(err)
	}
}

type healthCase struct {
	t   *testing.T
	srv *servertest.Server
	c   *elb.Client
	tg  string
}

func (h *healthCase) register(ip string, port int32) {
	h.t.Helper()
	if _, err := h.c.RegisterTargets(context.Background(), &elb.RegisterTargetsInput{TargetGroupArn: aws.String(h.tg),
		Targets: []types.TargetDescription{{Id: aws.String(ip), Port: aws.Int32(port)}}}); err != nil {
		h.t.Fatal(err)
	}
}

// after runs n health-check intervals of 5s each.
func (h *healthCase) after(n int) {
	h.t.Helper()
	for range n {
		h.srv.Advance(5 * time.Second)
	}
}

func (h *healthCase) want(ip string, port int32, state types.TargetHealthStateEnum, reason types.TargetHealthReasonEnum) {
	h.t.Helper()
	out, err := h.c.DescribeTargetHealth(context.Background(), &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(h.tg),
		Targets: []types.TargetDescription{{Id: aws.String(ip), Port: aws.Int32(port)}}})
	if err != nil {
		h.t.Fatal(err)
	}
	if len(out.TargetHealthDescriptions) != 1 {
		h.t.Fatalf("DescribeTargetHealth(%s:%d) returned %d descriptions", ip, port, len(out.TargetHealthDescriptions))
	}
	th := out.TargetHealthDescriptions[0].TargetHealth
	if th.State != state || th.Reason != reason {
		h.t.Fatalf("%s:%d is %s/%s (%s), want %s/%s", ip, port, th.State, th.Reason, aws.ToString(th.Description), state, reason)
	}
}

func TestTargetHealthBehindALB(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	bg := context.Background()
	n := newHCNet(t, srv.EC2())
	albSG, appSG, closedSG := n.group("alb"), n.group("app"), n.group("closed")
	n.allow(appSG, albSG)
	n.eni("10.0.1.15", appSG)
	n.eni("10.0.1.16", closedSG)
	n.eni("10.0.1.17", appSG)

	up := startBackend(t, answer(http.StatusOK))
	walled := startBackend(t, answer(http.StatusOK))
	sick := startBackend(t, answer(http.StatusServiceUnavailable))

	lb, err := c.CreateLoadBalancer(bg, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Scheme: types.LoadBalancerSchemeEnumInternal,
		Subnets: []string{n.a, n.b}, SecurityGroups: []string{albSG}})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.CreateTargetGroup(bg, &elb.CreateTargetGroupInput{Name: aws.String("web"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: aws.String(n.vpc), TargetType: types.TargetTypeEnumIp, HealthCheckPath: aws.String("/health"),
		HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2),
		HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	h := &healthCase{t: t, srv: srv, c: c, tg: aws.ToString(tg.TargetGroups[0].TargetGroupArn)}
	h.register("10.0.1.15", up.port)
	h.register("10.0.1.16", walled.port)
	h.register("10.0.1.17", sick.port)
	h.after(2)
	h.want("10.0.1.15", up.port, types.TargetHealthStateEnumUnused, types.TargetHealthReasonEnumNotInUse)
	if up.conns.Load() != 0 {
		t.Fatal("a group no listener uses was probed")
	}

	if _, err := c.CreateListener(bg, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(h.tg)}}}); err != nil {
		t.Fatal(err)
	}
	h.after(0)
	h.want("10.0.1.15", up.port, types.TargetHealthStateEnumInitial, types.TargetHealthReasonEnumRegistrationInProgress)
	h.after(1)
	h.want("10.0.1.15", up.port, types.TargetHealthStateEnumInitial, types.TargetHealthReasonEnumInitialHealthChecking)
	h.after(1)
	h.want("10.0.1.15", up.port, types.TargetHealthStateEnumHealthy, "")
	h.want("10.0.1.16", walled.port, types.TargetHealthStateEnumUnhealthy, types.TargetHealthReasonEnumTimeout)
	h.want("10.0.1.17", sick.port, types.TargetHealthStateEnumUnhealthy, types.TargetHealthReasonEnumResponseCodeMismatch)
	if walled.conns.Load() != 0 {
		t.Fatalf("security groups dropped the checks, yet %d connections reached the backend", walled.conns.Load())
	}

	// Down for two intervals (the unhealthy threshold), then back on the same port.
	up.stop()
	h.after(2)
	h.want("10.0.1.15", up.port, types.TargetHealthStateEnumUnhealthy, types.TargetHealthReasonEnumFailedHealthChecks)
	up.listen(up.addr)
	h.after(2)
	h.want("10.0.1.15", up.port, types.TargetHealthStateEnumHealthy, "")

	// Opening the wall over the API heals the walled target.
	n.allow(closedSG, albSG)
	h.after(2)
	h.want("10.0.1.16", walled.port, types.TargetHealthStateEnumHealthy, "")
}

// The classic REST API setup: an NLB without security groups, whose targets
// must admit the NLB's subnets by CIDR. Admitting one subnet is not enough.
func TestTargetHealthBehindNLBWithoutGroups(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	bg := context.Background()
	n := newHCNet(t, srv.EC2())
	appSG := n.group("app")
	n.allow(appSG, "10.0.1.0/24")
	n.eni("10.0.1.20", appSG)
	b := startBackend(t, answer(http.StatusOK))

	lb, err := c.CreateLoadBalancer(bg, &elb.CreateLoadBalancerInput{Name: aws.String("edge"), Type: types.LoadBalancerTypeEnumNetwork,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: []string{n.a, n.b}})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.CreateTargetGroup(bg, &elb.CreateTargetGroupInput{Name: aws.String("tcp"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80),
		VpcId: aws.String(n.vpc), TargetType: types.TargetTypeEnumIp,
		HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2),
		HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	h := &healthCase{t: t, srv: srv, c: c, tg: aws.ToString(tg.TargetGroups[0].TargetGroupArn)}
	if _, err := c.CreateListener(bg, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(h.tg)}}}); err != nil {
		t.Fatal(err)
	}
	h.register("10.0.1.20", b.port)
	h.after(2)
	h.want("10.0.1.20", b.port, types.TargetHealthStateEnumUnhealthy, types.TargetHealthReasonEnumTimeout)

	n.allow(appSG, "10.0.2.0/24")
	h.after(2)
	h.want("10.0.1.20", b.port, types.TargetHealthStateEnumHealthy, "")
}
