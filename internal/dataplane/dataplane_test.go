package dataplane_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
	"gatehouse/internal/store"
)

var ctx = context.Background()

// seen is what a backend saw of a request.
type seen struct {
	Backend, Method, Path, Query string
	Header                       http.Header
}

func echo(t testing.TB, name string) int {
	t.Helper()
	return int(echoServer(t, name).Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port())
}

func echoServer(t testing.TB, name string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(seen{Backend: name, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header})
	}))
	t.Cleanup(s.Close)
	return s
}

// down is a loopback port whose every connection is reset at once, as a
// stopped process's port refuses it. The port stays taken until the test
// ends: a port merely closed could be handed to a backend of another test
// running at the same time (go test runs packages side by side), which
// would then answer for it.
func down(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	refuse(t, ln)
	return ln.Addr().(*net.TCPAddr).Port
}

// stop stops backend s as its process stopping would, and takes its port
// back at once, for the reason down keeps its own.
func stop(t testing.TB, s *httptest.Server) {
	addr := s.Listener.Addr().String()
	s.Close()
	ln, err := net.Listen("tcp", addr)
	must(t, err)
	refuse(t, ln)
}

// refuse resets every connection ln accepts, until the test ends.
func refuse(t testing.TB, ln net.Listener) {
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
}

// privateALB is the seed architecture's network half, built through the
// SDK: a VPC, two subnets, a link group, an ALB whose group admits the link's
// group, a target group with two real backends, and a listener.
type privateALB struct {
	srv                      *servertest.Server
	ec2                      *ec2.Client
	elb                      *elb.Client
	vpc, linkGroup, albGroup string
	// appGroup is the backends' interfaces' group (own).
	appGroup string
	subnets  []string
	listener string
	ruleID   string // the ALB group's rule admitting the link group
	// backends are the target group's two servers, to stop.
	backends []*httptest.Server
	// linkVPC and linkSubnets are where api puts the link's ENIs (the
	// ALB's VPC and subnets unless a test moves them), at linkNet.x.50.
	linkVPC     string
	linkSubnets []string
	linkNet     string
}

func newPrivateALB(t testing.TB) *privateALB {
	srv := servertest.Start(t)
	p := &privateALB{srv: srv, ec2: srv.EC2(), elb: srv.ELBv2()}
	v, err := p.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	must(t, err)
	p.vpc = aws.ToString(v.Vpc.VpcId)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := p.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, AvailabilityZone: aws.String(az), CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i+1))})
		must(t, err)
		p.subnets = append(p.subnets, aws.ToString(s.Subnet.SubnetId))
	}
	group := func(name string) string {
		g, err := p.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: v.Vpc.VpcId})
		must(t, err)
		return aws.ToString(g.GroupId)
	}
	p.linkGroup, p.albGroup = group("link"), group("alb")
	p.admit(t)

	tg, err := p.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("app"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: v.Vpc.VpcId, TargetType: types.TargetTypeEnumIp})
	must(t, err)
	p.backends = []*httptest.Server{echoServer(t, "one"), echoServer(t, "two")}
	portOf := func(s *httptest.Server) *int32 {
		return aws.Int32(int32(s.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()))
	}
	// The targets are instances' addresses: an address no interface owns
	// answers nothing.
	p.own(t, 0, "10.0.1.10")
	p.own(t, 1, "10.0.2.10")
	_, err = p.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn, Targets: []types.TargetDescription{
		{Id: aws.String("10.0.1.10"), Port: portOf(p.backends[0])}, {Id: aws.String("10.0.2.10"), Port: portOf(p.backends[1])}}})
	must(t, err)
	lb, err := p.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Scheme: types.LoadBalancerSchemeEnumInternal,
		Subnets: p.subnets, SecurityGroups: []string{p.albGroup}})
	must(t, err)
	l, err := p.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	must(t, err)
	p.listener = aws.ToString(l.Listeners[0].ListenerArn)
	p.linkVPC, p.linkSubnets, p.linkNet = p.vpc, p.subnets, "10.0"
	return p
}

// own creates an interface at ip in the fixture's subnet i, as a backend
// instance's, so that a target or Cloud Map instance there has something
// that answers.
func (p *privateALB) own(t testing.TB, i int, ip string) {
	t.Helper()
	if p.appGroup == "" {
		// The backends' group admits the whole VPC, so that only what a
		// test changes decides.
		g, err := p.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("app"), Description: aws.String("app"), VpcId: aws.String(p.vpc)})
		must(t, err)
		p.appGroup = aws.ToString(g.GroupId)
		_, err = p.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: []ec2types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}}})
		must(t, err)
	}
	_, err := p.ec2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(p.subnets[i]), PrivateIpAddress: aws.String(ip),
		Groups: []string{p.appGroup}})
	must(t, err)
}

// admit lets the link's group reach the ALB on port 80.
func (p *privateALB) admit(t testing.TB) {
	out, err := p.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(p.albGroup),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(p.linkGroup)}}}}})
	must(t, err)
	p.ruleID = aws.ToString(out.SecurityGroupRules[0].SecurityGroupRuleId)
}

func (p *privateALB) revoke(t testing.TB) {
	_, err := p.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(p.albGroup), SecurityGroupRuleIds: []string{p.ruleID}})
	must(t, err)
}

// api writes an HTTP API with a VPC link straight into the model: the
// apigatewayv2 management API is tested on its own; this test is about
// serving.
func (p *privateALB) api(t testing.TB, linkStatus string, timeoutMillis int, params map[string]string) {
	p.apiTo(t, p.listener, linkStatus, timeoutMillis, params)
}

func (p *privateALB) apiTo(t testing.TB, uri, linkStatus string, timeoutMillis int, params map[string]string) {
	t.Helper()
	_, err := p.srv.Store().Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "000000000000", Region: "us-east-1"}
		link := &model.VpcLink{ID: "lnk001", Name: "link", VpcID: p.linkVPC, SubnetIDs: p.linkSubnets, SecurityGroupIDs: []string{p.linkGroup},
			Status: linkStatus, Interfaces: map[string]string{}}
		for i, sn := range p.linkSubnets {
			eni := &model.NetworkInterface{ID: fmt.Sprintf("eni-link%d", i), SubnetID: sn, VpcID: p.linkVPC, PrivateIP: fmt.Sprintf("%s.%d.50", p.linkNet, i+1),
				AvailabilityZone: []string{"us-east-1a", "us-east-1b"}[i], Groups: []string{p.linkGroup}, RequesterManaged: true, InterfaceType: "api_gateway_managed"}
			link.Interfaces[sn] = eni.ID
			if err := model.Put(mt, eni); err != nil {
				return err
			}
		}
		integ := model.Integration{APIID: "api0000001", ID: "int0001", Type: "HTTP_PROXY", ConnectionType: "VPC_LINK", ConnectionID: "lnk001",
			URI: uri, Method: "ANY", PayloadFormatVersion: "1.0", TimeoutMillis: timeoutMillis, RequestParameters: params}
		dep := &model.Deployment{APIID: "api0000001", ID: "dep001", Integrations: []model.Integration{integ},
			Routes: []model.Route{{APIID: "api0000001", ID: "rt00001", RouteKey: "ANY /{proxy+}", Target: "integrations/int0001"}}}
		for _, rec := range []model.Record{link, &model.HTTPAPI{ID: "api0000001", Name: "blog", ProtocolType: "HTTP"}, dep,
			&model.Stage{APIID: "api0000001", Name: "$default", DeploymentID: "dep001"},
			&model.Stage{APIID: "api0000001", Name: "prod", DeploymentID: "dep001"}} {
			if err := model.Put(mt, rec); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, err)
}

func (p *privateALB) get(t testing.TB, url string) (int, seen, http.Header) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	must(t, p.srv.Sync(sctx))
	code, s, h, err := p.fetch(url)
	must(t, err)
	return code, s, h
}

// getDropped is get for a request whose packets a security group drops:
// once the data plane holds it, the server's clock moves past the
// integration timeout, and the request ends as the timeout ends it,
// without a wall-clock wait.
func (p *privateALB) getDropped(t testing.TB, url string, timeout time.Duration) (int, seen) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	must(t, p.srv.Sync(sctx))
	type result struct {
		code int
		s    seen
		err  error
	}
	done := make(chan result, 1)
	held := p.srv.Guard().Dropped.Load()
	go func() {
		code, s, _, err := p.fetch(url)
		done <- result{code, s, err}
	}()
	for p.srv.Guard().Dropped.Load() == held {
		select {
		case r := <-done:
			must(t, r.err)
			t.Fatalf("%s: answered %d %q, not dropped", url, r.code, r.s.Backend)
		case <-time.After(time.Millisecond): // until the request is held
		}
	}
	p.srv.Clock.Advance(timeout)
	r := <-done
	must(t, r.err)
	return r.code, r.s
}

// fetch sends one invoke request and reads the answer.
func (p *privateALB) fetch(url string) (int, seen, http.Header, error) {
	req, _ := http.NewRequest("GET", strings.Replace(url, "GATEHOUSE", p.srv.URL(), 1), nil)
	req.Host = "api0000001.execute-api.localhost"
	if strings.Contains(url, "/_aws/") || strings.Contains(url, "/restapis/") {
		req.Host = ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, seen{}, nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var s seen
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(body, &s); err != nil {
			return 0, seen{}, nil, err
		}
	} else {
		s.Backend = string(body)
	}
	return resp.StatusCode, s, resp.Header, nil
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPrivateIntegrationThroughALB(t *testing.T) {
	p := newPrivateALB(t)
	p.api(t, model.LinkAvailable, 30000, map[string]string{"append:header.x-from": "${request.path.proxy}-$context.stage"})

	got := map[string]int{}
	for i := 0; i < 10; i++ {
		code, s, h := p.get(t, "GATEHOUSE/pets/7?x=1")
		if code != 200 || s.Path != "/pets/7" || s.Query != "x=1" || h.Get("Apigw-Requestid") == "" {
			t.Fatalf("GET /pets/7 = %d %+v", code, s)
		}
		// The ALB saw the link's ENI as the client, and the headers AWS adds.
		if xff := s.Header.Get("X-Forwarded-For"); !strings.HasSuffix(xff, "10.0.1.50") && !strings.HasSuffix(xff, "10.0.2.50") {
			t.Fatalf("X-Forwarded-For = %q, want the client then a link ENI", xff)
		}
		if s.Header.Get("X-Amzn-Trace-Id") == "" || s.Header.Get("X-From") != "pets/7-$default" {
			t.Fatalf("headers = %v", s.Header)
		}
		got[s.Backend]++
	}
	if got["one"] == 0 || got["two"] == 0 {
		t.Fatalf("both targets should serve: %v", got)
	}
	// A named stage keeps its segment in the backend path, as on AWS; the
	// other emulators' path forms reach the same API.
	if code, s, _ := p.get(t, "GATEHOUSE/prod/pets/8"); code != 200 || s.Path != "/prod/pets/8" {
		t.Fatalf("named stage = %d %+v", code, s)
	}
	if code, s, _ := p.get(t, "GATEHOUSE/_aws/execute-api/api0000001/pets/9"); code != 200 || s.Path != "/pets/9" {
		t.Fatalf("/_aws/execute-api form = %d %+v", code, s)
	}
	if code, s, _ := p.get(t, "GATEHOUSE/restapis/api0000001/prod/_user_request_/pets/10"); code != 200 || s.Path != "/prod/pets/10" {
		t.Fatalf("/restapis/.../_user_request_ form = %d %+v", code, s)
	}
	if code, s, _ := p.get(t, "GATEHOUSE/"); code != 404 || s.Backend != `{"message":"Not Found"}` {
		t.Fatalf("no route = %d %q", code, s.Backend)
	}
}

func TestSecurityGroupDecidesWithoutRedeploy(t *testing.T) {
	p := newPrivateALB(t)
	p.api(t, model.LinkAvailable, 30000, nil)
	if code, _, _ := p.get(t, "GATEHOUSE/a"); code != 200 {
		t.Fatalf("before revoking: %d", code)
	}
	p.revoke(t)
	if code, s := p.getDropped(t, "GATEHOUSE/a", 30*time.Second); code != 503 || s.Backend != `{"message":"Service Unavailable"}` {
		t.Fatalf("with the ALB's rule revoked: %d %q, want 503 after the integration timeout", code, s.Backend)
	}
	p.admit(t)
	if code, _, _ := p.get(t, "GATEHOUSE/a"); code != 200 {
		t.Fatalf("after admitting again: %d", code)
	}
}

func TestLinkNotAvailable(t *testing.T) {
	p := newPrivateALB(t)
	p.api(t, model.LinkInactive, 30000, nil)
	if code, _, _ := p.get(t, "GATEHOUSE/a"); code != 503 {
		t.Fatalf("inactive link: %d, want 503", code)
	}
	// The request woke the link: the lifecycle controller brings it back
	// through PENDING. Wait for that commit, driven by store changes.
	changes, cancel := p.srv.Store().Watch()
	defer cancel()
	deadline := time.After(5 * time.Second)
	for {
		var status string
		p.srv.Store().View(func(tx store.Tx) error {
			l, _, err := model.Get[model.VpcLink](model.Tx{Tx: tx, Account: "000000000000", Region: "us-east-1"}, "lnk001")
			if l != nil {
				status = l.Status
			}
			return err
		})
		if status == model.LinkPending || status == model.LinkAvailable {
			return
		}
		select {
		case <-changes:
		case <-deadline:
			t.Fatalf("a request on an inactive link must wake it; status is still %q", status)
		}
	}
}

func TestPrivateIntegrationThroughNLB(t *testing.T) {
	p := newPrivateALB(t)
	tg, err := p.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tcp"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80),
		VpcId: aws.String(p.vpc), TargetType: types.TargetTypeEnumIp})
	must(t, err)
	p.own(t, 0, "10.0.1.30")
	_, err = p.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn,
		Targets: []types.TargetDescription{{Id: aws.String("10.0.1.30"), Port: aws.Int32(int32(echo(t, "nlb-target")))}}})
	must(t, err)
	lb, err := p.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("nlb"), Type: types.LoadBalancerTypeEnumNetwork,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: p.subnets})
	must(t, err)
	l, err := p.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(8443), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	must(t, err)
	p.apiTo(t, aws.ToString(l.Listeners[0].ListenerArn), model.LinkAvailable, 30000, nil)
	if code, s, _ := p.get(t, "GATEHOUSE/x"); code != 200 || s.Backend != "nlb-target" || s.Path != "/x" {
		t.Fatalf("through the NLB: %d %+v", code, s)
	}
}

func TestPrivateIntegrationToCloudMap(t *testing.T) {
	p := newPrivateALB(t)
	sd := p.srv.ServiceDiscovery()
	ns, err := sd.CreateHttpNamespace(ctx, &servicediscovery.CreateHttpNamespaceInput{Name: aws.String("blog")})
	must(t, err)
	op, err := sd.GetOperation(ctx, &servicediscovery.GetOperationInput{OperationId: ns.OperationId})
	must(t, err)
	svc, err := sd.CreateService(ctx, &servicediscovery.CreateServiceInput{Name: aws.String("app"), NamespaceId: aws.String(op.Operation.Targets["NAMESPACE"])})
	must(t, err)
	for i, name := range []string{"cm-one", "cm-two"} {
		p.own(t, 0, fmt.Sprintf("10.0.1.%d", 40+i))
		_, err = sd.RegisterInstance(ctx, &servicediscovery.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String(name),
			Attributes: map[string]string{"AWS_INSTANCE_IPV4": fmt.Sprintf("10.0.1.%d", 40+i), "AWS_INSTANCE_PORT": fmt.Sprint(echo(t, name)), "color": []string{"blue", "green"}[i]}})
		must(t, err)
	}
	p.apiTo(t, aws.ToString(svc.Service.Arn)+"?color=green", model.LinkAvailable, 30000, nil)
	for i := 0; i < 5; i++ {
		if code, s, _ := p.get(t, "GATEHOUSE/y"); code != 200 || s.Backend != "cm-two" {
			t.Fatalf("through Cloud Map with an attribute filter: %d %+v", code, s)
		}
	}
}

func newServer(t testing.TB, h http.Handler) string {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}
