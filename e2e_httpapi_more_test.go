package gatehouse_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"gatehouse"
	"gatehouse/internal/servertest"
)

// v2Net is a VPC with two subnets and one VPC link V2 across them, made
// through the SDK; each test hangs its own balancers or Cloud Map service
// behind it, as one link per VPC is enough on AWS.
type v2Net struct {
	t         *testing.T
	srv       *servertest.Server
	ec2       *ec2.Client
	elb       *elb.Client
	gw        *apigatewayv2.Client
	vpc       *string
	subnets   []string
	linkGroup *string
	link      *string
}

func newV2Net(t *testing.T, opts ...servertest.Option) *v2Net {
	srv := servertest.Start(t, opts...)
	n := &v2Net{t: t, srv: srv, ec2: srv.EC2(), elb: srv.ELBv2(), gw: srv.APIGatewayV2()}
	ctx := context.Background()
	vpc, err := n.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	n.must(err)
	n.vpc = vpc.Vpc.VpcId
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := n.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: n.vpc, AvailabilityZone: aws.String(az), CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i+1))})
		n.must(err)
		n.subnets = append(n.subnets, aws.ToString(s.Subnet.SubnetId))
	}
	n.linkGroup = n.group("vpclink")
	link, err := n.gw.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("link"), SubnetIds: n.subnets,
		SecurityGroupIds: []string{aws.ToString(n.linkGroup)}})
	n.must(err)
	n.link = link.VpcLinkId
	return n
}

func (n *v2Net) must(err error) {
	n.t.Helper()
	if err != nil {
		n.t.Fatal(err)
	}
}

func (n *v2Net) group(name string) *string {
	n.t.Helper()
	g, err := n.ec2.CreateSecurityGroup(context.Background(), &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: n.vpc})
	n.must(err)
	return g.GroupId
}

// linkAvailable waits out the provisioning on the fake clock: integrations
// may be made on a PENDING link, but it carries no traffic until AVAILABLE.
func (n *v2Net) linkAvailable() {
	n.t.Helper()
	n.srv.Advance(gatehouse.DefaultVpcLinkDelay)
	got, err := n.gw.GetVpcLink(context.Background(), &apigatewayv2.GetVpcLinkInput{VpcLinkId: n.link})
	n.must(err)
	if got.VpcLinkStatus != v2types.VpcLinkStatusAvailable {
		n.t.Fatalf("link is %s after the provisioning delay", got.VpcLinkStatus)
	}
}

func (n *v2Net) targetGroup(name string, protocol elbtypes.ProtocolEnum, targets map[string]int32) *string {
	n.t.Helper()
	ctx := context.Background()
	tg, err := n.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name), Protocol: protocol, Port: aws.Int32(80),
		VpcId: n.vpc, TargetType: elbtypes.TargetTypeEnumIp})
	n.must(err)
	arn := tg.TargetGroups[0].TargetGroupArn
	if len(targets) > 0 {
		var ds []elbtypes.TargetDescription
		var ips []string
		for ip, port := range targets {
			ds = append(ds, elbtypes.TargetDescription{Id: aws.String(ip), Port: aws.Int32(port)})
			ips = append(ips, ip)
		}
		ownAddrs(n.t, n.ec2, aws.ToString(n.vpc), ips...)
		_, err = n.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: arn, Targets: ds})
		n.must(err)
	}
	return arn
}

func (n *v2Net) listener(lb *string, protocol elbtypes.ProtocolEnum, tg *string) *string {
	n.t.Helper()
	l, err := n.elb.CreateListener(context.Background(), &elb.CreateListenerInput{LoadBalancerArn: lb, Protocol: protocol, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg}}})
	n.must(err)
	return l.Listeners[0].ListenerArn
}

// api makes an HTTP API with the given stages (all auto-deployed) and
// returns its id.
func (n *v2Net) api(name string, stages ...string) string {
	n.t.Helper()
	ctx := context.Background()
	a, err := n.gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String(name), ProtocolType: v2types.ProtocolTypeHttp})
	n.must(err)
	for _, s := range stages {
		_, err := n.gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: a.ApiId, StageName: aws.String(s), AutoDeploy: aws.Bool(true)})
		n.must(err)
	}
	return aws.ToString(a.ApiId)
}

// private adds a private HTTP_PROXY integration through the net's link and
// routes each key to it.
func (n *v2Net) private(apiID, uri string, timeoutMillis int32, params map[string]string, routeKeys ...string) {
	n.t.Helper()
	ctx := context.Background()
	integ, err := n.gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: aws.String(apiID), IntegrationType: v2types.IntegrationTypeHttpProxy,
		ConnectionType: v2types.ConnectionTypeVpcLink, ConnectionId: n.link, IntegrationUri: aws.String(uri), IntegrationMethod: aws.String("ANY"),
		PayloadFormatVersion: aws.String("1.0"), TimeoutInMillis: aws.Int32(timeoutMillis), RequestParameters: params})
	n.must(err)
	for _, key := range routeKeys {
		_, err := n.gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: aws.String(apiID), RouteKey: aws.String(key),
			Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))})
		n.must(err)
	}
}

// v2Seen is what a recording backend saw of a request.
type v2Seen struct {
	Backend, Method, Path, Query string
	Header                       http.Header
}

// v2Backend serves what it received, so a test can see the integration
// request as the backend did. A request for /slow is held until the caller
// gives up, as a backend stuck on a database would be.
func v2Backend(t *testing.T, name string) int32 {
	release := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v2Seen{Backend: name, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header})
	}))
	t.Cleanup(s.Close)
	t.Cleanup(func() { close(release) }) // runs first: Close waits for handlers
	return v2Port(s)
}

func v2Port(s *httptest.Server) int32 {
	return int32(s.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port())
}

// v2Answer is what a client of the invoke URL got.
type v2Answer struct {
	status int
	header http.Header
	body   string
	seen   v2Seen // set when a recording backend answered
}

// call sends one request to the API at once: a management call has
// already waited for the data plane to act on it before answering.
func (n *v2Net) call(apiID, method, target string, h http.Header) v2Answer {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, n.srv.URL()+target, nil)
	n.must(err)
	req.Host = apiID + ".execute-api.localhost"
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	n.must(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	n.must(err)
	a := v2Answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		json.Unmarshal(b, &a.seen)
	}
	return a
}

// TestHTTPAPIThroughNLB: route -> VPC link V2 -> internal NLB (TCP
// listener, no security groups of its own) -> two real backends.
func TestHTTPAPIThroughNLB(t *testing.T) {
	n := newV2Net(t)
	ctx := context.Background()
	tg := n.targetGroup("tcp-tasks", elbtypes.ProtocolEnumTcp, map[string]int32{
		"10.0.1.10": v2Backend(t, "task-1"), "10.0.2.10": v2Backend(t, "task-2")})
	nlb, err := n.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("orders"), Type: elbtypes.LoadBalancerTypeEnumNetwork,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: n.subnets})
	n.must(err)
	if sgs := nlb.LoadBalancers[0].SecurityGroups; len(sgs) != 0 {
		t.Fatalf("an NLB created without groups has %v", sgs)
	}
	listener := n.listener(nlb.LoadBalancers[0].LoadBalancerArn, elbtypes.ProtocolEnumTcp, tg)

	id := n.api("orders", "$default")
	n.private(id, aws.ToString(listener), 30000, nil, "ANY /{proxy+}")
	n.linkAvailable()

	// The flow hash pins one connection to one target; API Gateway opens
	// many, so both targets serve. 64 misses in a row would be 2^-63 luck.
	seen := map[string]int{}
	for i := 0; i < 64 && len(seen) < 2; i++ {
		a := n.call(id, "POST", "/orders/42?expand=lines", nil)
		if a.status != 200 || a.seen.Path != "/orders/42" || a.seen.Query != "expand=lines" || a.seen.Method != "POST" {
			t.Fatalf("through the NLB: %d %q %+v", a.status, a.body, a.seen)
		}
		if a.header.Get("Apigw-Requestid") == "" {
			t.Fatalf("no apigw-requestid on %v", a.header)
		}
		seen[a.seen.Backend]++
	}
	if seen["task-1"] == 0 || seen["task-2"] == 0 {
		t.Fatalf("both targets behind the NLB should serve: %v", seen)
	}
}

// TestHTTPAPIToCloudMap: an integration whose URI is a Cloud Map service
// ARN reaches the instances DiscoverInstances would return: those matching
// the URI's query as attributes, and healthy.
func TestHTTPAPIToCloudMap(t *testing.T) {
	n := newV2Net(t)
	ctx := context.Background()
	cm := n.srv.ServiceDiscovery()
	ns, err := cm.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("shop")})
	n.must(err)
	op, err := cm.GetOperation(ctx, &sd.GetOperationInput{OperationId: ns.OperationId})
	n.must(err)
	svc, err := cm.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("cart"), NamespaceId: aws.String(op.Operation.Targets["NAMESPACE"]),
		HealthCheckCustomConfig: &sdtypes.HealthCheckCustomConfig{}})
	n.must(err)
	ownAddrs(t, n.ec2, aws.ToString(n.vpc), "10.0.1.40", "10.0.2.40")
	for _, in := range []struct{ id, ip, color string }{{"green", "10.0.1.40", "green"}, {"blue", "10.0.2.40", "blue"}} {
		_, err := cm.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String(in.id),
			Attributes: map[string]string{"AWS_INSTANCE_IPV4": in.ip, "AWS_INSTANCE_PORT": fmt.Sprint(v2Backend(t, in.id)), "color": in.color}})
		n.must(err)
	}

	id := n.api("cart", "$default")
	arn := aws.ToString(svc.Service.Arn)
	n.private(id, arn+"?color=green", 30000, nil, "ANY /green/{proxy+}")
	n.private(id, arn, 30000, nil, "ANY /any/{proxy+}")
	n.linkAvailable()

	served := func(path string, tries int) map[string]int {
		t.Helper()
		got := map[string]int{}
		for i := 0; i < tries; i++ {
			a := n.call(id, "GET", path, nil)
			if a.status != 200 || a.seen.Path != path {
				t.Fatalf("GET %s: %d %q", path, a.status, a.body)
			}
			got[a.seen.Backend]++
		}
		return got
	}
	if got := served("/green/items", 16); got["green"] != 16 {
		t.Fatalf("?color=green must reach only the green instance: %v", got)
	}
	if got := served("/any/items", 64); got["green"] == 0 || got["blue"] == 0 {
		t.Fatalf("without a filter both instances serve: %v", got)
	}

	health := func() sdtypes.HealthStatus {
		t.Helper()
		out, err := cm.GetInstancesHealthStatus(ctx, &sd.GetInstancesHealthStatusInput{ServiceId: svc.Service.Id})
		n.must(err)
		return out.Status["green"]
	}
	setGreen := func(s sdtypes.CustomHealthStatus) {
		t.Helper()
		_, err := cm.UpdateInstanceCustomHealthStatus(ctx, &sd.UpdateInstanceCustomHealthStatusInput{ServiceId: svc.Service.Id,
			InstanceId: aws.String("green"), Status: s})
		n.must(err)
	}

	// Cloud Map applies a custom status 30 s after it is reported; until
	// then the instance keeps its traffic.
	setGreen(sdtypes.CustomHealthStatusUnhealthy)
	n.srv.Advance(29 * time.Second)
	if h := health(); h != sdtypes.HealthStatusHealthy {
		t.Fatalf("29 s after the report green is %s", h)
	}
	if got := served("/green/items", 4); got["green"] != 4 {
		t.Fatalf("before the status counts: %v", got)
	}
	n.srv.Advance(time.Second)
	if h := health(); h != sdtypes.HealthStatusUnhealthy {
		t.Fatalf("30 s after the report green is %s", h)
	}
	if got := served("/any/items", 16); got["blue"] != 16 {
		t.Fatalf("an UNHEALTHY instance must get no traffic: %v", got)
	}
	// No healthy instance left for the filter: nothing to connect to.
	if a := n.call(id, "GET", "/green/items", nil); a.status != 503 || a.body != `{"message":"Service Unavailable"}` {
		t.Fatalf("with the only match unhealthy: %d %q", a.status, a.body)
	}

	setGreen(sdtypes.CustomHealthStatusHealthy)
	n.srv.Advance(30 * time.Second)
	if got := served("/green/items", 4); got["green"] != 4 {
		t.Fatalf("healthy again: %v", got)
	}
}

// TestHTTPAPIDataPlaneAnswers compares what clients get with
// aws-semantics.md 4.4 field by field, and what the backend gets with the
// request parameter mapping and stage rules of 3.1 and 3.2.
func TestHTTPAPIDataPlaneAnswers(t *testing.T) {
	n := newV2Net(t)
	ctx := context.Background()

	// A port nothing listens on any more: the target refuses connections.
	stopped := httptest.NewServer(http.NotFoundHandler())
	downPort := v2Port(stopped)
	stopped.Close()

	albGroup := n.group("alb")
	_, err := n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albGroup, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: n.linkGroup}}}}})
	n.must(err)
	app := n.targetGroup("app", elbtypes.ProtocolEnumHttp, map[string]int32{"10.0.1.10": v2Backend(t, "app")})
	slow := n.targetGroup("slow", elbtypes.ProtocolEnumHttp, map[string]int32{"10.0.1.11": v2Backend(t, "slow")})
	down := n.targetGroup("down", elbtypes.ProtocolEnumHttp, map[string]int32{"10.0.1.12": downPort})
	empty := n.targetGroup("empty", elbtypes.ProtocolEnumHttp, nil)
	alb, err := n.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("shop"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{aws.ToString(albGroup)}})
	n.must(err)
	listener := n.listener(alb.LoadBalancers[0].LoadBalancerArn, elbtypes.ProtocolEnumHttp, app)
	for i, rule := range []struct {
		path string
		tg   *string
	}{{"/slow", slow}, {"/down", down}, {"/empty", empty}} {
		_, err := n.elb.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: listener, Priority: aws.Int32(int32(i + 1)),
			Conditions: []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{rule.path}}}},
			Actions:    []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: rule.tg}}})
		n.must(err)
	}

	id := n.api("shop", "$default", "prod")
	uri := aws.ToString(listener)
	n.private(id, uri, 30000, nil, "GET /down", "GET /empty", "ANY /plain/{proxy+}")
	n.private(id, uri, 50, nil, "GET /slow")
	n.private(id, uri, 30000, map[string]string{
		"overwrite:header.x-color":  "$request.querystring.color",
		"append:querystring.source": "gateway",
		"remove:header.x-secret":    "''",
		"overwrite:path":            "$request.path",
	}, "ANY /mapped/{proxy+}")
	// An API without a $default stage answers only under its stages' names.
	staged := n.api("staged", "beta")
	n.private(staged, uri, 30000, nil, "ANY /plain/{proxy+}")
	n.linkAvailable()

	ids := map[string]bool{}
	own := func(what string, a v2Answer, status int, body string) {
		t.Helper()
		if a.status != status || a.body != body || a.header.Get("Content-Type") != "application/json" ||
			a.header.Get("Content-Length") != fmt.Sprint(len(body)) {
			t.Errorf("%s: %d %v %q, want %d %q", what, a.status, a.header, a.body, status, body)
		}
	}
	requestID := func(what string, a v2Answer) {
		t.Helper()
		rid := a.header.Get("Apigw-Requestid")
		if rid == "" || ids[rid] {
			t.Errorf("%s: apigw-requestid %q missing or reused", what, rid)
		}
		ids[rid] = true
	}
	albPage := func(what string, a v2Answer, status int, text string) {
		t.Helper()
		if a.status != status || !strings.Contains(a.body, "<title>"+text+"</title>") || !strings.Contains(a.body, "<h1>"+text+"</h1>") ||
			a.header.Get("Server") != "awselb/2.0" || a.header.Get("Content-Type") != "text/html" {
			t.Errorf("%s: %d %v %q, want the ALB's own %q page", what, a.status, a.header, a.body, text)
		}
	}

	a := n.call(id, "GET", "/nowhere", nil)
	own("no route", a, 404, `{"message":"Not Found"}`)
	requestID("no route", a)
	a = n.call(id, "POST", "/down", nil)
	own("no route for the method", a, 404, `{"message":"Not Found"}`)
	requestID("no route for the method", a)
	a = n.call(staged, "GET", "/plain/x", nil)
	own("no stage", a, 404, `{"message":"Not Found"}`)
	requestID("no stage", a)
	if a := n.call(staged, "GET", "/beta/plain/x", nil); a.status != 200 || a.seen.Path != "/beta/plain/x" {
		t.Errorf("under the stage's name: %d %q", a.status, a.body)
	}

	// The backend holds the request past timeoutInMillis: HTTP APIs answer
	// 503, not 504, and whatever the ALB might have said never arrives.
	a = n.call(id, "GET", "/slow", nil)
	own("integration timeout", a, 503, `{"message":"Service Unavailable"}`)
	requestID("integration timeout", a)

	a = n.call(id, "GET", "/down", nil)
	albPage("target refuses", a, 502, "502 Bad Gateway")
	requestID("target refuses", a)
	a = n.call(id, "GET", "/empty", nil)
	albPage("no targets", a, 503, "503 Service Temporarily Unavailable")
	requestID("no targets", a)

	a = n.tooLarge(id)
	own("payload over 10 MB", a, 413, `{"message":"Request Entity Too Large"}`)
	requestID("payload over 10 MB", a)

	// Request parameter mapping, on the $default stage.
	a = n.call(id, "GET", "/mapped/items?color=blue&source=client", http.Header{"X-Color": {"client"}, "X-Secret": {"s3cret"}, "X-Keep": {"yes"}})
	requestID("mapped", a)
	q, _ := url.ParseQuery(a.seen.Query)
	switch {
	case a.status != 200:
		t.Fatalf("mapped: %d %q", a.status, a.body)
	case a.seen.Path != "/mapped/items":
		t.Errorf("mapped path = %q", a.seen.Path)
	case !slices.Equal(a.seen.Header.Values("X-Color"), []string{"blue"}):
		t.Errorf("overwrite:header.x-color from the query: %q", a.seen.Header.Values("X-Color"))
	case a.seen.Header.Get("X-Secret") != "":
		t.Errorf("remove:header.x-secret left %q", a.seen.Header.Get("X-Secret"))
	case a.seen.Header.Get("X-Keep") != "yes":
		t.Errorf("an unmapped header was lost: %v", a.seen.Header)
	case !slices.Equal(q["source"], []string{"client", "gateway"}) || q.Get("color") != "blue":
		t.Errorf("append:querystring.source: query %q", a.seen.Query)
	}

	// A named stage stays in the backend path unless the path is mapped to
	// $request.path, which is the path without the stage.
	if a := n.call(id, "GET", "/prod/plain/items", nil); a.status != 200 || a.seen.Path != "/prod/plain/items" {
		t.Errorf("named stage, no mapping: %d %q", a.status, a.body)
	}
	if a := n.call(id, "GET", "/prod/mapped/items?color=red", nil); a.status != 200 || a.seen.Path != "/mapped/items" || a.seen.Header.Get("X-Color") != "red" {
		t.Errorf("named stage, overwrite:path=$request.path: %d %q", a.status, a.body)
	}
	if a := n.call(id, "GET", "/plain/items", nil); a.status != 200 || a.seen.Path != "/plain/items" {
		t.Errorf("$default stage: %d %q", a.status, a.body)
	}
}

// tooLarge announces a body over the 10 MB payload limit and sends none of
// it: API Gateway answers from the Content-Length alone. A raw connection
// keeps the client from racing to upload the body.
func (n *v2Net) tooLarge(apiID string) v2Answer {
	n.t.Helper()
	conn, err := net.Dial("tcp", n.srv.Addr().String())
	n.must(err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = fmt.Fprintf(conn, "POST /plain/upload HTTP/1.1\r\nHost: %s.execute-api.localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n",
		apiID, 10<<20+1)
	n.must(err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	n.must(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	n.must(err)
	return v2Answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// Stage throttling: the default route settings' limits apply to each route
// on its own, a route's own settings replace them for that route. Past
// them, 429 {"message":"Too Many Requests"}, until the rate refills.
func TestHTTPAPIThrottling(t *testing.T) {
	n := newV2Net(t)
	ctx := context.Background()
	albGroup := n.group("alb")
	_, err := n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albGroup, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: n.linkGroup}}}}})
	n.must(err)
	app := n.targetGroup("app", elbtypes.ProtocolEnumHttp, map[string]int32{"10.0.1.10": v2Backend(t, "app")})
	alb, err := n.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("shop"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{aws.ToString(albGroup)}})
	n.must(err)
	listener := n.listener(alb.LoadBalancers[0].LoadBalancerArn, elbtypes.ProtocolEnumHttp, app)
	id := n.api("shop", "$default")
	n.private(id, aws.ToString(listener), 30000, nil, "GET /pets", "GET /orders", "GET /limited")
	_, err = n.gw.UpdateStage(ctx, &apigatewayv2.UpdateStageInput{ApiId: aws.String(id), StageName: aws.String("$default"),
		DefaultRouteSettings: &v2types.RouteSettings{ThrottlingBurstLimit: aws.Int32(2), ThrottlingRateLimit: aws.Float64(1)},
		RouteSettings:        map[string]v2types.RouteSettings{"GET /limited": {ThrottlingBurstLimit: aws.Int32(1), ThrottlingRateLimit: aws.Float64(0.5)}}})
	n.must(err)
	n.linkAvailable()

	expect := func(what, path string, status int) {
		t.Helper()
		a := n.call(id, "GET", path, nil)
		if a.status != status {
			t.Fatalf("%s: GET %s = %d %q, want %d", what, path, a.status, a.body, status)
		}
		if status == 429 && (a.body != `{"message":"Too Many Requests"}` || a.header.Get("Apigw-Requestid") == "") {
			t.Fatalf("%s: throttled answer %v %q", what, a.header, a.body)
		}
	}
	// The stage's limits, a burst of 2, for /pets and for /orders each.
	expect("burst", "/pets", 200)
	expect("burst", "/pets", 200)
	expect("past the burst", "/pets", 429)
	expect("another route, its own bucket", "/orders", 200)
	expect("another route, its own bucket", "/orders", 200)
	expect("another route, past the burst", "/orders", 429)
	// /limited has its own settings: a burst of 1.
	expect("own settings", "/limited", 200)
	expect("own settings, spent", "/limited", 429)

	n.srv.Advance(time.Second) // 1 a second for the stage's, 0.5 for /limited
	expect("refilled", "/orders", 200)
	expect("one token only", "/orders", 429)
	expect("refilled", "/pets", 200)
	expect("half a token", "/limited", 429)
	n.srv.Advance(time.Second)
	expect("a whole token", "/limited", 200)

	// Settings removed: no throttling at all.
	_, err = n.gw.UpdateStage(ctx, &apigatewayv2.UpdateStageInput{ApiId: aws.String(id), StageName: aws.String("$default"),
		DefaultRouteSettings: &v2types.RouteSettings{ThrottlingBurstLimit: aws.Int32(0), ThrottlingRateLimit: aws.Float64(0)}})
	n.must(err)
	_, err = n.gw.DeleteRouteSettings(ctx, &apigatewayv2.DeleteRouteSettingsInput{ApiId: aws.String(id), StageName: aws.String("$default"), RouteKey: aws.String("GET /limited")})
	n.must(err)
	_, err = n.gw.DeleteRouteSettings(ctx, &apigatewayv2.DeleteRouteSettingsInput{ApiId: aws.String(id), StageName: aws.String("$default"), RouteKey: aws.String("GET /limited")})
	var nf *v2types.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("deleting route settings twice: %v, want NotFoundException", err)
	}
	n.srv.Advance(0)
	for range 5 {
		expect("unthrottled", "/pets", 200)
		expect("unthrottled", "/limited", 200)
	}
}
