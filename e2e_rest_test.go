package gatehouse_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"gatehouse"
	"gatehouse/internal/servertest"
)

// restTimeout is the integration timeout of every API here: short, so that
// a dropped flow costs the test a fraction of a second, not AWS's 29.
const restTimeout = 200 * time.Millisecond

// restSeen is what a backend saw. Host is kept apart from the headers
// because net/http moves it out of them.
type restSeen struct {
	Backend, Method, Path, Query, Host string
	Header                             http.Header
}

// restBackend starts a real backend that reports what it saw, and returns
// its port, which the modeled target shares.
func restBackend(t *testing.T, name string) int32 {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(restSeen{Backend: name, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Host: r.Host, Header: r.Header})
	}))
	t.Cleanup(s.Close)
	return int32(s.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port())
}

type restReply struct {
	status  int
	header  http.Header
	body    string
	seen    restSeen
	elapsed time.Duration
}

// restInvoke sends GET path to a REST API stage, by the Host form
// ({id}.execute-api.localhost, path /stage/...) or, with byPath, by the
// /restapis/{id}/{stage}/_user_request_/... form.
func restInvoke(t *testing.T, srv *servertest.Server, apiID, stage, path string, byPath bool) restReply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := srv.URL() + "/" + stage + path
	if byPath {
		url = srv.URL() + "/restapis/" + apiID + "/" + stage + "/_user_request_" + path
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if !byPath {
		req.Host = apiID + ".execute-api.localhost"
	}
	req.Header.Set("User-Agent", "rest-e2e-client")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := restReply{status: resp.StatusCode, header: resp.Header, body: string(b), elapsed: time.Since(start)}
	if resp.StatusCode == http.StatusOK {
		json.Unmarshal(b, &r.seen)
	}
	return r
}

// restNet is a VPC with two subnets, built through the SDK, and the clients
// the tests drive it with.
type restNet struct {
	srv     *servertest.Server
	e       *ec2.Client
	lb      *elb.Client
	gw      *apigateway.Client
	gw2     *apigatewayv2.Client
	vpc     string
	subnets []string
	cidrs   []string
	// hosts is the last octet of the next backend's address. It starts
	// well above the addresses EC2 hands balancers and links, which come
	// from the bottom of each subnet, so the two never meet.
	hosts int
}

func newRESTNet(t *testing.T, srv *servertest.Server) *restNet {
	t.Helper()
	n := &restNet{srv: srv, e: srv.EC2(), lb: srv.ELBv2(), gw: srv.APIGateway(), gw2: srv.APIGatewayV2(), hosts: 20}
	vpc, err := n.e.CreateVpc(restCtx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	restMust(t, err)
	n.vpc = aws.ToString(vpc.Vpc.VpcId)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		cidr := fmt.Sprintf("10.0.%d.0/24", i+1)
		s, err := n.e.CreateSubnet(restCtx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, AvailabilityZone: aws.String(az), CidrBlock: aws.String(cidr)})
		restMust(t, err)
		n.subnets = append(n.subnets, aws.ToString(s.Subnet.SubnetId))
		n.cidrs = append(n.cidrs, cidr)
	}
	return n
}

var restCtx = context.Background()

func restMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (n *restNet) group(t *testing.T, name string) string {
	t.Helper()
	g, err := n.e.CreateSecurityGroup(restCtx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(n.vpc)})
	restMust(t, err)
	return aws.ToString(g.GroupId)
}

// authorize adds an inbound TCP permission to group and returns the ids of
// the rules it made, so that a test can revoke exactly those.
func (n *restNet) authorize(t *testing.T, group string, from, to int32, perm ec2types.IpPermission) []string {
	t.Helper()
	perm.IpProtocol, perm.FromPort, perm.ToPort = aws.String("tcp"), aws.Int32(from), aws.Int32(to)
	out, err := n.e.AuthorizeSecurityGroupIngress(restCtx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: []ec2types.IpPermission{perm}})
	restMust(t, err)
	var ids []string
	for _, r := range out.SecurityGroupRules {
		ids = append(ids, aws.ToString(r.SecurityGroupRuleId))
	}
	return ids
}

// targets starts one real backend per name, each behind an ENI (in the
// subnets in turn) that carries group and owns the target's address, and
// registers them in a new target group.
func (n *restNet) targets(t *testing.T, tgName string, protocol elbtypes.ProtocolEnum, group string, names ...string) string {
	t.Helper()
	tg, err := n.lb.CreateTargetGroup(restCtx, &elb.CreateTargetGroupInput{Name: aws.String(tgName), Protocol: protocol, Port: aws.Int32(80),
		VpcId: aws.String(n.vpc), TargetType: elbtypes.TargetTypeEnumIp})
	restMust(t, err)
	var targets []elbtypes.TargetDescription
	for i, name := range names {
		ip := fmt.Sprintf("10.0.%d.%d", i%2+1, n.hosts)
		n.hosts++
		_, err := n.e.CreateNetworkInterface(restCtx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(n.subnets[i%2]),
			PrivateIpAddress: aws.String(ip), Groups: []string{group}})
		restMust(t, err)
		targets = append(targets, elbtypes.TargetDescription{Id: aws.String(ip), Port: aws.Int32(restBackend(t, name))})
	}
	_, err = n.lb.RegisterTargets(restCtx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn, Targets: targets})
	restMust(t, err)
	return aws.ToString(tg.TargetGroups[0].TargetGroupArn)
}

// restLB is a load balancer with the target group behind its listener.
type restLB struct {
	arn, dns, tg string
	// rules are the inbound rules of group that carry traffic into the
	// balancer's path: the backends' rules for the NLB's subnets, or the
	// ALB's rule for the link's group.
	group string
	rules []string
}

// nlb builds the classic REST backend: an internal NLB without security
// groups, a TCP listener on port, and backends whose group admits the
// NLB's subnets by CIDR, since the NLB's nodes are the source they see.
func (n *restNet) nlb(t *testing.T, name string, port int32, backends ...string) restLB {
	t.Helper()
	r := restLB{group: n.group(t, name+"-backend")}
	var ranges []ec2types.IpRange
	for _, c := range n.cidrs {
		ranges = append(ranges, ec2types.IpRange{CidrIp: aws.String(c)})
	}
	// The backends listen on ephemeral ports: the rule admits them all.
	r.rules = n.authorize(t, r.group, 1024, 65535, ec2types.IpPermission{IpRanges: ranges})
	r.tg = n.targets(t, name, elbtypes.ProtocolEnumTcp, r.group, backends...)
	lb, err := n.lb.CreateLoadBalancer(restCtx, &elb.CreateLoadBalancerInput{Name: aws.String(name), Type: elbtypes.LoadBalancerTypeEnumNetwork,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: n.subnets})
	restMust(t, err)
	r.arn, r.dns = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn), aws.ToString(lb.LoadBalancers[0].DNSName)
	_, err = n.lb.CreateListener(restCtx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(r.arn), Protocol: elbtypes.ProtocolEnumTcp,
		Port: aws.Int32(port), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(r.tg)}}})
	restMust(t, err)
	return r
}

// alb builds an internal ALB on port 80 whose group admits linkGroup, with
// backends whose group admits the ALB's.
func (n *restNet) alb(t *testing.T, name, linkGroup string, backends ...string) restLB {
	t.Helper()
	r := restLB{group: n.group(t, name)}
	backendGroup := n.group(t, name+"-backend")
	n.authorize(t, backendGroup, 1024, 65535, ec2types.IpPermission{UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(r.group)}}})
	r.rules = n.authorize(t, r.group, 80, 80, ec2types.IpPermission{UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(linkGroup)}}})
	r.tg = n.targets(t, name, elbtypes.ProtocolEnumHttp, backendGroup, backends...)
	lb, err := n.lb.CreateLoadBalancer(restCtx, &elb.CreateLoadBalancerInput{Name: aws.String(name), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{r.group}})
	restMust(t, err)
	r.arn, r.dns = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn), aws.ToString(lb.LoadBalancers[0].DNSName)
	_, err = n.lb.CreateListener(restCtx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(r.arn), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(r.tg)}}})
	restMust(t, err)
	return r
}

// linkV1 creates a REST API VPC link on an NLB and waits out its
// provisioning on the fake clock.
func (n *restNet) linkV1(t *testing.T, name, nlbARN string, delay time.Duration) string {
	t.Helper()
	link, err := n.gw.CreateVpcLink(restCtx, &apigateway.CreateVpcLinkInput{Name: aws.String(name), TargetArns: []string{nlbARN}})
	restMust(t, err)
	if link.Status != agtypes.VpcLinkStatusPending {
		t.Fatalf("new V1 link is %s, want PENDING", link.Status)
	}
	n.srv.Advance(delay)
	got, err := n.gw.GetVpcLink(restCtx, &apigateway.GetVpcLinkInput{VpcLinkId: link.Id})
	restMust(t, err)
	if got.Status != agtypes.VpcLinkStatusAvailable || aws.ToString(got.StatusMessage) != "Your vpc link is ready for use" {
		t.Fatalf("after the provisioning delay the V1 link is %s (%s)", got.Status, aws.ToString(got.StatusMessage))
	}
	return aws.ToString(link.Id)
}

// linkV2 creates a VPC link V2 in both subnets with linkGroup and waits out
// its provisioning.
func (n *restNet) linkV2(t *testing.T, name, linkGroup string) string {
	t.Helper()
	link, err := n.gw2.CreateVpcLink(restCtx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String(name), SubnetIds: n.subnets, SecurityGroupIds: []string{linkGroup}})
	restMust(t, err)
	if link.VpcLinkStatus != v2types.VpcLinkStatusPending {
		t.Fatalf("new V2 link is %s, want PENDING", link.VpcLinkStatus)
	}
	n.srv.Advance(gatehouse.DefaultVpcLinkDelay)
	got, err := n.gw2.GetVpcLink(restCtx, &apigatewayv2.GetVpcLinkInput{VpcLinkId: link.VpcLinkId})
	restMust(t, err)
	if got.VpcLinkStatus != v2types.VpcLinkStatusAvailable {
		t.Fatalf("after the provisioning delay the V2 link is %s", got.VpcLinkStatus)
	}
	return aws.ToString(link.VpcLinkId)
}

// proxyAPI creates a REST API with /{proxy+} and ANY, whose proxy path
// parameter feeds the integration's {proxy}, and puts integ on it.
func (n *restNet) proxyAPI(t *testing.T, name string, integ apigateway.PutIntegrationInput) string {
	t.Helper()
	api, err := n.gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String(name),
		EndpointConfiguration: &agtypes.EndpointConfiguration{Types: []agtypes.EndpointType{agtypes.EndpointTypeRegional}}})
	restMust(t, err)
	res, err := n.gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("{proxy+}")})
	restMust(t, err)
	_, err = n.gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("ANY"),
		AuthorizationType: aws.String("NONE"), RequestParameters: map[string]bool{"method.request.path.proxy": true}})
	restMust(t, err)
	integ.RestApiId, integ.ResourceId, integ.HttpMethod = api.Id, res.Id, aws.String("ANY")
	integ.Type, integ.IntegrationHttpMethod = agtypes.IntegrationTypeHttpProxy, aws.String("ANY")
	integ.ConnectionType = agtypes.ConnectionTypeVpcLink
	integ.RequestParameters = map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}
	integ.TimeoutInMillis = aws.Int32(int32(restTimeout / time.Millisecond))
	_, err = n.gw.PutIntegration(restCtx, &integ)
	restMust(t, err)
	return aws.ToString(api.Id)
}

// healthAfter is how long the checks of target group tg take to make a
// target healthy (healthy true) or unhealthy: the interval times the
// threshold, read from the group.
func (n *restNet) healthAfter(t *testing.T, tg string, healthy bool) time.Duration {
	t.Helper()
	out, err := n.lb.DescribeTargetGroups(restCtx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}})
	restMust(t, err)
	g := out.TargetGroups[0]
	rounds := aws.ToInt32(g.UnhealthyThresholdCount)
	if healthy {
		rounds = aws.ToInt32(g.HealthyThresholdCount)
	}
	return time.Duration(aws.ToInt32(g.HealthCheckIntervalSeconds)*rounds) * time.Second
}

// wantHealth fails unless every target of tg is in state, for reason.
func (n *restNet) wantHealth(t *testing.T, tg string, state elbtypes.TargetHealthStateEnum, reason elbtypes.TargetHealthReasonEnum) {
	t.Helper()
	out, err := n.lb.DescribeTargetHealth(restCtx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
	restMust(t, err)
	if len(out.TargetHealthDescriptions) == 0 {
		t.Fatal("the target group has no targets")
	}
	for _, d := range out.TargetHealthDescriptions {
		if d.TargetHealth.State != state || d.TargetHealth.Reason != reason {
			t.Fatalf("target %s is %s (%s: %s), want %s (%s)", aws.ToString(d.Target.Id), d.TargetHealth.State, d.TargetHealth.Reason,
				aws.ToString(d.TargetHealth.Description), state, reason)
		}
	}
}

// restWantTimeout fails unless the request was dropped on the way, which API
// Gateway reports once its integration timeout has passed.
func restWantTimeout(t *testing.T, r restReply, what string) {
	t.Helper()
	if r.status != http.StatusGatewayTimeout || r.body != `{"message":"Endpoint request timed out"}` {
		t.Fatalf("%s: %d %s, want 504 Endpoint request timed out", what, r.status, r.body)
	}
	if r.elapsed < restTimeout {
		t.Fatalf("%s: the 504 came after %v, before the integration timeout (%v)", what, r.elapsed, restTimeout)
	}
}

// TestSeedRESTArchitecture builds the seed's REST API architecture through
// the SDK clients only and sends traffic through it: resource -> VPC link
// (V1, an endpoint service) -> internal NLB without security groups -> two
// real backends whose group admits the NLB's subnets.
func TestSeedRESTArchitecture(t *testing.T) {
	const linkDelay = 2 * time.Minute
	srv := servertest.Start(t, servertest.VpcLinkV1Delay(linkDelay))
	n := newRESTNet(t, srv)
	nlb := n.nlb(t, "seed-nlb", 8080, "task-a", "task-b")

	link := n.linkV1(t, "seed-link", nlb.arn, linkDelay)
	es, err := n.e.DescribeVpcEndpointServiceConfigurations(restCtx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	restMust(t, err)
	if len(es.ServiceConfigurations) != 1 || !slices.Equal(es.ServiceConfigurations[0].NetworkLoadBalancerArns, []string{nlb.arn}) ||
		es.ServiceConfigurations[0].ServiceState != ec2types.ServiceStateAvailable {
		t.Fatalf("endpoint services = %+v, want one, Available, in front of the NLB", es.ServiceConfigurations)
	}
	srv.Advance(n.healthAfter(t, nlb.tg, true))
	n.wantHealth(t, nlb.tg, elbtypes.TargetHealthStateEnumHealthy, "")

	id := n.proxyAPI(t, "seed", apigateway.PutIntegrationInput{ConnectionId: aws.String(link),
		Uri: aws.String("http://" + nlb.dns + ":8080/{proxy}")})
	_, err = n.gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(id), StageName: aws.String("prod")})
	restMust(t, err)

	seen := map[string]bool{}
	for i := 0; i < 30; i++ {
		r := restInvoke(t, srv, id, "prod", "/pets/1?x=1", i%2 == 0)
		if r.status != http.StatusOK || r.seen.Path != "/pets/1" || r.seen.Query != "x=1" || r.seen.Method != "GET" {
			t.Fatalf("through the V1 link: %d %s", r.status, r.body)
		}
		// The URI's host is the Host header; the client's own is gone.
		if r.seen.Host != nlb.dns+":8080" {
			t.Fatalf("the backend saw Host %q, want the integration URI's %q", r.seen.Host, nlb.dns+":8080")
		}
		h := r.seen.Header
		if h.Get("X-Amzn-Apigateway-Api-Id") != id || !strings.HasPrefix(h.Get("X-Amzn-Trace-Id"), "Root=1-") ||
			h.Get("User-Agent") != "rest-e2e-client" {
			t.Fatalf("headers toward the backend: %v", h)
		}
		if r.header.Get("X-Amzn-Requestid") == "" || r.header.Get("X-Amz-Apigw-Id") == "" {
			t.Fatalf("headers toward the client: %v", r.header)
		}
		seen[r.seen.Backend] = true
	}
	if !seen["task-a"] || !seen["task-b"] {
		t.Fatalf("both backends should serve: %v", seen)
	}

	// No method on the stage's root: AWS's answer for every miss.
	for _, byPath := range []bool{true, false} {
		r := restInvoke(t, srv, id, "prod", "/", byPath)
		if r.status != http.StatusForbidden || r.body != `{"message":"Missing Authentication Token"}` ||
			r.header.Get("X-Amzn-Errortype") != "MissingAuthenticationTokenException" {
			t.Fatalf("a miss: %d %s %v", r.status, r.body, r.header)
		}
	}

	// Without the backends' rule for the NLB's subnets, health checks time
	// out, and so does the traffic: the NLB fails open to its unhealthy
	// targets, whose group drops the flow, and API Gateway gives up.
	_, err = n.e.RevokeSecurityGroupIngress(restCtx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(nlb.group), SecurityGroupRuleIds: nlb.rules})
	restMust(t, err)
	srv.Advance(n.healthAfter(t, nlb.tg, false))
	n.wantHealth(t, nlb.tg, elbtypes.TargetHealthStateEnumUnhealthy, elbtypes.TargetHealthReasonEnumTimeout)
	restWantTimeout(t, restInvoke(t, srv, id, "prod", "/pets/1", true), "with the backends' rule revoked")

	// The rule back: traffic flows at once, with no redeployment, while the
	// checks have yet to pass again.
	var ranges []ec2types.IpRange
	for _, c := range n.cidrs {
		ranges = append(ranges, ec2types.IpRange{CidrIp: aws.String(c)})
	}
	n.authorize(t, nlb.group, 1024, 65535, ec2types.IpPermission{IpRanges: ranges})
	if r := restInvoke(t, srv, id, "prod", "/pets/2", false); r.status != http.StatusOK || r.seen.Path != "/pets/2" {
		t.Fatalf("with the rule back: %d %s", r.status, r.body)
	}
}

// TestRESTWithLinkV2ToALB reaches an internal ALB from a REST API through a
// VPC link V2 named with integrationTarget, the November 2025 way: no NLB
// in between; the ALB's group admits the link's.
func TestRESTWithLinkV2ToALB(t *testing.T) {
	srv := servertest.Start(t)
	n := newRESTNet(t, srv)
	linkGroup := n.group(t, "vpclink")
	alb := n.alb(t, "app-alb", linkGroup, "app-1", "app-2")
	link := n.linkV2(t, "app-link", linkGroup)

	id := n.proxyAPI(t, "app", apigateway.PutIntegrationInput{ConnectionId: aws.String(link), IntegrationTarget: aws.String(alb.arn),
		Uri: aws.String("http://" + alb.dns + "/{proxy}")})
	_, err := n.gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(id), StageName: aws.String("prod")})
	restMust(t, err)

	lbs, err := n.lb.DescribeLoadBalancers(restCtx, &elb.DescribeLoadBalancersInput{})
	restMust(t, err)
	if len(lbs.LoadBalancers) != 1 || lbs.LoadBalancers[0].Type != elbtypes.LoadBalancerTypeEnumApplication {
		t.Fatalf("load balancers = %+v, want the ALB alone", lbs.LoadBalancers)
	}
	// The ALB sees the link's interfaces as the client.
	enis, err := n.e.DescribeNetworkInterfaces(restCtx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
		{Name: aws.String("interface-type"), Values: []string{"api_gateway_managed"}}}})
	restMust(t, err)
	linkAddrs := map[string]bool{}
	for _, e := range enis.NetworkInterfaces {
		linkAddrs[aws.ToString(e.PrivateIpAddress)] = true
	}
	if len(linkAddrs) != 2 {
		t.Fatalf("the link has interfaces %v, want one per subnet", linkAddrs)
	}

	seen := map[string]bool{}
	for i := 0; i < 10; i++ {
		r := restInvoke(t, srv, id, "prod", "/orders/7", i%2 == 0)
		if r.status != http.StatusOK || r.seen.Path != "/orders/7" || r.seen.Host != alb.dns ||
			r.seen.Header.Get("X-Amzn-Apigateway-Api-Id") != id {
			t.Fatalf("through the V2 link to the ALB: %d %s", r.status, r.body)
		}
		xff := strings.Split(r.seen.Header.Get("X-Forwarded-For"), ", ")
		if !linkAddrs[xff[len(xff)-1]] || r.seen.Header.Get("X-Forwarded-Port") != "80" {
			t.Fatalf("the ALB's client should be a link interface: %v", r.seen.Header)
		}
		seen[r.seen.Backend] = true
	}
	if !seen["app-1"] || !seen["app-2"] {
		t.Fatalf("both of the ALB's targets should serve: %v", seen)
	}

	// The ALB's group no longer admitting the link drops the flow at the
	// first hop.
	_, err = n.e.RevokeSecurityGroupIngress(restCtx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(alb.group), SecurityGroupRuleIds: alb.rules})
	restMust(t, err)
	restWantTimeout(t, restInvoke(t, srv, id, "prod", "/orders/7", false), "with the ALB's rule revoked")
}

// TestRESTStageVariableLinks serves one integration through two links, one
// per stage: a V1 link on an NLB, and a V2 link with the integration's ALB
// target. The integration URI's host comes from a stage variable as well,
// as AWS users write it, so each backend sees its own balancer's name.
func TestRESTStageVariableLinks(t *testing.T) {
	srv := servertest.Start(t, servertest.VpcLinkV1Delay(gatehouse.DefaultVpcLinkDelay))
	n := newRESTNet(t, srv)
	linkGroup := n.group(t, "vpclink")
	nlb := n.nlb(t, "legacy-nlb", 80, "backend-a")
	alb := n.alb(t, "new-alb", linkGroup, "backend-b")
	v1 := n.linkV1(t, "legacy", nlb.arn, gatehouse.DefaultVpcLinkDelay)
	v2 := n.linkV2(t, "new", linkGroup)

	id := n.proxyAPI(t, "migrating", apigateway.PutIntegrationInput{ConnectionId: aws.String("${stageVariables.vpcLinkId}"),
		IntegrationTarget: aws.String(alb.arn), Uri: aws.String("http://${stageVariables.backendHost}/{proxy}")})
	dep, err := n.gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(id)})
	restMust(t, err)
	_, err = n.gw.CreateStage(restCtx, &apigateway.CreateStageInput{RestApiId: aws.String(id), StageName: aws.String("legacy"), DeploymentId: dep.Id,
		Variables: map[string]string{"vpcLinkId": v1, "backendHost": nlb.dns}})
	restMust(t, err)
	_, err = n.gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(id), StageName: aws.String("next")})
	restMust(t, err)
	_, err = n.gw.UpdateStage(restCtx, &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("next"), PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/variables/vpcLinkId"), Value: aws.String(v2)},
		{Op: agtypes.OpReplace, Path: aws.String("/variables/backendHost"), Value: aws.String(alb.dns)}}})
	restMust(t, err)

	for _, c := range []struct{ stage, backend, host string }{
		{"legacy", "backend-a", nlb.dns}, {"next", "backend-b", alb.dns}, {"legacy", "backend-a", nlb.dns},
	} {
		for _, byPath := range []bool{true, false} {
			r := restInvoke(t, srv, id, c.stage, "/items/3", byPath)
			if r.status != http.StatusOK || r.seen.Backend != c.backend || r.seen.Path != "/items/3" || r.seen.Host != c.host {
				t.Fatalf("stage %s: %d %s, want %s with Host %s", c.stage, r.status, r.body, c.backend, c.host)
			}
		}
	}

	// Repointing a stage is a stage change, not a redeployment.
	_, err = n.gw.UpdateStage(restCtx, &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("legacy"), PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/variables/vpcLinkId"), Value: aws.String(v2)},
		{Op: agtypes.OpReplace, Path: aws.String("/variables/backendHost"), Value: aws.String(alb.dns)}}})
	restMust(t, err)
	if r := restInvoke(t, srv, id, "legacy", "/items/4", false); r.status != http.StatusOK || r.seen.Backend != "backend-b" {
		t.Fatalf("legacy repointed to the V2 link: %d %s", r.status, r.body)
	}
}

// An NLB fronted by a REST API's VPC link (its endpoint service) cannot be
// deleted until the link is gone, with AWS's ResourceInUse; the refusal
// changes nothing.
func TestNLBBehindAVpcLinkCannotBeDeleted(t *testing.T) {
	const linkDelay = time.Minute
	srv := servertest.Start(t, servertest.VpcLinkV1Delay(linkDelay))
	n := newRESTNet(t, srv)
	nlb := n.nlb(t, "kept-nlb", 8080, "task")
	pending, err := n.gw.CreateVpcLink(restCtx, &apigateway.CreateVpcLinkInput{Name: aws.String("kept"), TargetArns: []string{nlb.arn}})
	restMust(t, err)

	refused := func(when string) {
		t.Helper()
		_, err := n.lb.DeleteLoadBalancer(restCtx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(nlb.arn)})
		var ae smithy.APIError
		want := "Load balancer '" + nlb.arn + "' cannot be deleted because it is currently associated with another service"
		if !errors.As(err, &ae) || ae.ErrorCode() != "ResourceInUse" || ae.ErrorMessage() != want {
			t.Fatalf("%s: DeleteLoadBalancer = %v, want ResourceInUse: %s", when, err, want)
		}
		out, err := n.lb.DescribeLoadBalancers(restCtx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{nlb.arn}})
		if err != nil || len(out.LoadBalancers) != 1 {
			t.Fatalf("%s: the refused delete removed the NLB: %v", when, err)
		}
	}
	refused("link pending")
	srv.Advance(linkDelay)
	refused("link available")

	_, err = n.gw.DeleteVpcLink(restCtx, &apigateway.DeleteVpcLinkInput{VpcLinkId: pending.Id})
	restMust(t, err)
	srv.Advance(linkDelay)
	_, err = n.lb.DeleteLoadBalancer(restCtx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(nlb.arn)})
	restMust(t, err)
}

// An NLB's check of an ALB target goes into the ALB: its rules and its own
// targets answer, so an ALB that cannot serve fails the NLB's check.
func TestNLBChecksAnALBTargetThroughIt(t *testing.T) {
	srv := servertest.Start(t)
	n := newRESTNet(t, srv)
	albGroup, backendGroup := n.group(t, "inner-alb"), n.group(t, "inner-backend")
	n.authorize(t, albGroup, 80, 80, ec2types.IpPermission{IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}})
	n.authorize(t, backendGroup, 1024, 65535, ec2types.IpPermission{UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(albGroup)}}})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer backend.Close()
	port := int32(backend.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port())
	_, err := n.e.CreateNetworkInterface(restCtx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(n.subnets[0]),
		PrivateIpAddress: aws.String("10.0.1.40"), Groups: []string{backendGroup}})
	restMust(t, err)
	appTG, err := n.lb.CreateTargetGroup(restCtx, &elb.CreateTargetGroupInput{Name: aws.String("app"), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), VpcId: aws.String(n.vpc), TargetType: elbtypes.TargetTypeEnumIp})
	restMust(t, err)
	_, err = n.lb.RegisterTargets(restCtx, &elb.RegisterTargetsInput{TargetGroupArn: appTG.TargetGroups[0].TargetGroupArn,
		Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.1.40"), Port: aws.Int32(port)}}})
	restMust(t, err)
	alb, err := n.lb.CreateLoadBalancer(restCtx, &elb.CreateLoadBalancerInput{Name: aws.String("inner"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{albGroup}})
	restMust(t, err)
	albARN := alb.LoadBalancers[0].LoadBalancerArn
	forward := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: appTG.TargetGroups[0].TargetGroupArn}}
	listener, err := n.lb.CreateListener(restCtx, &elb.CreateListenerInput{LoadBalancerArn: albARN, Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: forward})
	restMust(t, err)

	outer, err := n.lb.CreateTargetGroup(restCtx, &elb.CreateTargetGroupInput{Name: aws.String("to-alb"), Protocol: elbtypes.ProtocolEnumTcp,
		Port: aws.Int32(80), VpcId: aws.String(n.vpc), TargetType: elbtypes.TargetTypeEnumAlb,
		HealthCheckProtocol: elbtypes.ProtocolEnumHttp, HealthCheckPath: aws.String("/ping")})
	restMust(t, err)
	outerTG := aws.ToString(outer.TargetGroups[0].TargetGroupArn)
	_, err = n.lb.RegisterTargets(restCtx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(outerTG),
		Targets: []elbtypes.TargetDescription{{Id: albARN, Port: aws.Int32(80)}}})
	restMust(t, err)
	nlb, err := n.lb.CreateLoadBalancer(restCtx, &elb.CreateLoadBalancerInput{Name: aws.String("outer"), Type: elbtypes.LoadBalancerTypeEnumNetwork,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: n.subnets})
	restMust(t, err)
	_, err = n.lb.CreateListener(restCtx, &elb.CreateListenerInput{LoadBalancerArn: nlb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumTcp,
		Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(outerTG)}}})
	restMust(t, err)

	srv.Advance(n.healthAfter(t, outerTG, true))
	n.wantHealth(t, outerTG, elbtypes.TargetHealthStateEnumHealthy, "")

	// The ALB's own rule answers 503 now: the NLB sees the code.
	_, err = n.lb.ModifyListener(restCtx, &elb.ModifyListenerInput{ListenerArn: listener.Listeners[0].ListenerArn,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("503")}}}})
	restMust(t, err)
	srv.Advance(n.healthAfter(t, outerTG, false))
	n.wantHealth(t, outerTG, elbtypes.TargetHealthStateEnumUnhealthy, elbtypes.TargetHealthReasonEnumResponseCodeMismatch)

	// Forwarding again, to a backend that is gone: the ALB's 502 fails it.
	_, err = n.lb.ModifyListener(restCtx, &elb.ModifyListenerInput{ListenerArn: listener.Listeners[0].ListenerArn, DefaultActions: forward})
	restMust(t, err)
	srv.Advance(n.healthAfter(t, outerTG, true))
	n.wantHealth(t, outerTG, elbtypes.TargetHealthStateEnumHealthy, "")
	backend.Close()
	srv.Advance(n.healthAfter(t, outerTG, false))
	n.wantHealth(t, outerTG, elbtypes.TargetHealthStateEnumUnhealthy, elbtypes.TargetHealthReasonEnumResponseCodeMismatch)
}
