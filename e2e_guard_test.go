package gatehouse_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/smithy-go"

	"gatehouse"
	"gatehouse/internal/servertest"
)

// raw sends a hand-made request, as a web page or a script would.
func raw(t *testing.T, srv *servertest.Server, method, target, host, contentType, body string, h http.Header) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body = http.NoBody
	}
	if host != "" {
		req.Host = host
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// Requests a web page can make a browser send without asking anyone, or
// that no AWS client sends, change nothing.
func TestDriveByManagementRequests(t *testing.T) {
	// No default VPC, so that "nothing was made" sees every VPC and group.
	srv := servertest.Start(t, servertest.NoDefaultVpc())
	const form = "application/x-www-form-urlencoded"
	crossSite := http.Header{"Origin": {"http://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
	for _, tc := range []struct {
		name, method, target, ct, body string
		h                              http.Header
		status                         int
		want                           string
	}{
		{"GET CreateVpc", "GET", "/?Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0/16", "", "", nil, 405, "<Code>MethodNotAllowed</Code>"},
		{"GET CreateSecurityGroup", "GET", "/?Action=CreateSecurityGroup&Version=2016-11-15&GroupName=x&GroupDescription=x", "", "", nil, 405, "<Code>MethodNotAllowed</Code>"},
		{"GET elbv2 CreateTargetGroup", "GET", "/?Action=CreateTargetGroup&Version=2015-12-01&Name=x", "", "", nil, 405, "<Code>MethodNotAllowed</Code>"},
		{"text/plain POST with the action in the URL", "POST", "/?Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0/16", "text/plain", "x", nil, 415, "<Code>UnsupportedMediaType</Code>"},
		{"cross-site form POST", "POST", "/", form, "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0/16", crossSite, 403, "<Code>AccessDenied</Code>"},
		{"cross-origin form POST, Origin only", "POST", "/", form, "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0/16", http.Header{"Origin": {"http://evil.example"}}, 403, "<Code>AccessDenied</Code>"},
		{"text/plain POST /restapis", "POST", "/restapis", "text/plain", `{"name":"x"}`, nil, 415, "Unsupported Media Type"},
		// A form is the Query protocol's, wherever it is sent.
		{"form POST /restapis", "POST", "/restapis", form, `name=x`, nil, 400, "<Code>MissingAction</Code>"},
		{"text/plain POST /v2/apis", "POST", "/v2/apis", "text/plain", `{"name":"x","protocolType":"HTTP"}`, nil, 415, "Unsupported Media Type"},
		{"text/plain Cloud Map call", "POST", "/", "text/plain", `{"Name":"x"}`,
			http.Header{"X-Amz-Target": {"Route53AutoNaming_v20170314.CreateHttpNamespace"}}, 415, "Unsupported Media Type"},
		{"cross-site json POST", "POST", "/restapis", "application/json", `{"name":"x"}`, crossSite, 403, "Cross-origin request refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := raw(t, srv, tc.method, tc.target, "", tc.ct, tc.body, tc.h)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %s, want %d with %q", status, body, tc.status, tc.want)
			}
		})
	}
	// Reading by GET is still the Query API's.
	if status, _, body := raw(t, srv, "GET", "/?Action=DescribeVpcs&Version=2016-11-15", "", "", "", nil); status != 200 || !strings.Contains(body, "<DescribeVpcsResponse") {
		t.Fatalf("GET DescribeVpcs: %d %s", status, body)
	}
	// Nothing was made.
	ctx := t.Context()
	if out, err := srv.EC2().DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil || len(out.Vpcs) != 0 {
		t.Errorf("VPCs: %v %v", out, err)
	}
	if out, err := srv.EC2().DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{}); err != nil || len(out.SecurityGroups) != 0 {
		t.Errorf("security groups: %v %v", out, err)
	}
	if out, err := srv.ELBv2().DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{}); err != nil || len(out.TargetGroups) != 0 {
		t.Errorf("target groups: %v %v", out, err)
	}
	if out, err := srv.APIGateway().GetRestApis(ctx, &apigateway.GetRestApisInput{}); err != nil || len(out.Items) != 0 {
		t.Errorf("REST APIs: %v %v", out, err)
	}
	if out, err := srv.APIGatewayV2().GetApis(ctx, &apigatewayv2.GetApisInput{}); err != nil || len(out.Items) != 0 {
		t.Errorf("HTTP APIs: %v %v", out, err)
	}
	if out, err := srv.ServiceDiscovery().ListNamespaces(ctx, &servicediscovery.ListNamespacesInput{}); err != nil || len(out.Namespaces) != 0 {
		t.Errorf("namespaces: %v %v", out, err)
	}
}

// proxyAPI is an HTTP API whose $default route sends every path to a
// backend that answers with the path it was sent.
func proxyAPI(t *testing.T, srv *servertest.Server) string {
	t.Helper()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "backend saw "+r.URL.Path)
	}))
	t.Cleanup(backend.Close)
	gw := srv.APIGatewayV2()
	ctx := t.Context()
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("proxy"), ProtocolType: v2types.ProtocolTypeHttp})
	restMust(t, err)
	integ, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: v2types.IntegrationTypeHttpProxy,
		IntegrationUri: aws.String(backend.URL + "/{proxy}"), IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0")})
	restMust(t, err)
	_, err = gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("ANY /{proxy+}"),
		Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))})
	restMust(t, err)
	_, err = gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	restMust(t, err)
	return aws.ToString(api.ApiId)
}

// Only gatehouse's own names reach the management API, the admin
// endpoints and the path forms of invoke URLs; an API's host name reaches
// that API whatever its domain, case or path.
func TestHostNames(t *testing.T) {
	srv := servertest.Start(t, func(c *gatehouse.Config) { c.AllowHosts = []string{"gatehouse.test"}; c.Pprof = true })
	id := proxyAPI(t, srv)
	_, port, _ := net.SplitHostPort(srv.Addr().String())
	for _, tc := range []struct {
		name, target, host string
		status             int
		want               string
	}{
		{"foreign host, management", "/v2/apis", "evil.example:" + port, 403, "not a name this gatehouse serves"},
		{"foreign host, Query", "/?Action=DescribeVpcs&Version=2016-11-15", "evil.example", 403, "<Code>AccessDenied</Code>"},
		{"foreign host, admin", "/_gatehouse/explain?api=" + id, "evil.example", 403, "not a name this gatehouse serves"},
		{"foreign host, path-form invoke", "/_aws/execute-api/" + id + "/x", "evil.example", 403, "not a name this gatehouse serves"},
		{"localhost", "/v2/apis", "localhost:" + port, 200, `"items"`},
		{"a .localhost name", "/v2/apis", "gatehouse.localhost:" + port, 200, `"items"`},
		{"IPv6 loopback", "/v2/apis", "[::1]:" + port, 200, `"items"`},
		{"configured name", "/v2/apis", "GATEHOUSE.test:" + port, 200, `"items"`},
		{"configured name, admin", "/_gatehouse/explain?api=" + id, "gatehouse.test", 200, `"api"`},
		{"path-form invoke", "/_aws/execute-api/" + id + "/pets", "", 200, "backend saw /pets"},
		{"invoke host, any domain", "/pets", id + ".execute-api.evil.example", 200, "backend saw /pets"},
		{"invoke host, upper case", "/pets", id + ".EXECUTE-API.localhost:" + port, 200, "backend saw /pets"},
		{"invoke host, mixed case", "/pets", strings.ToUpper(id) + ".Execute-Api.us-east-1.amazonaws.com", 200, "backend saw /pets"},
		{"invoke host owns /_gatehouse/", "/_gatehouse/explain", id + ".execute-api.localhost", 200, "backend saw /_gatehouse/explain"},
		{"no profiler under an invoke host", "/_gatehouse/debug/pprof/", id + ".execute-api.localhost", 200, "backend saw /_gatehouse/debug/pprof/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := raw(t, srv, "GET", tc.target, tc.host, "", "", nil)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %.300s, want %d with %q", status, body, tc.status, tc.want)
			}
		})
	}
}

func TestProfilerOffByDefault(t *testing.T) {
	srv := servertest.Start(t)
	if status, _, body := raw(t, srv, "GET", "/_gatehouse/debug/pprof/", "", "", "", nil); status != 404 {
		t.Fatalf("profiler answers without --pprof: %d %.100s", status, body)
	}
}

// A request an integration sent (it carries the hop count) never reaches
// the admin endpoints, the profiler least of all.
func TestAdminNotThroughIntegrations(t *testing.T) {
	srv := servertest.Start(t, func(c *gatehouse.Config) { c.Pprof = true })
	viaIntegration := http.Header{"X-Gatehouse-Hops": {"1"}}
	for _, path := range []string{"/_gatehouse/debug/pprof/", "/_gatehouse/explain?api=x"} {
		if status, _, body := raw(t, srv, "GET", path, "", "", "", viaIntegration); status != 404 {
			t.Errorf("%s through an integration: %d %.100s", path, status, body)
		}
		if status, _, _ := raw(t, srv, "GET", path, "", "", "", nil); status == 404 && path == "/_gatehouse/debug/pprof/" {
			t.Errorf("%s directly: %d", path, status)
		}
	}
}

// sdkCode is the error code an SDK client reports for err.
func sdkCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// With signatures verified, a known key passes and anything else gets
// AWS's error, as each SDK client reports it.
func TestVerifiedSignatures(t *testing.T) {
	srv := servertest.Start(t, func(c *gatehouse.Config) {
		c.VerifySignatures = true
		c.AccessKeys = map[string]string{"AKIDTEST": "secret"} // servertest's clients sign with these
	})
	ctx := t.Context()
	if _, err := srv.EC2().CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}); err != nil {
		t.Fatalf("known key: %v", err)
	}
	if _, err := srv.ELBv2().DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{}); err != nil {
		t.Fatalf("known key: %v", err)
	}
	if _, err := srv.APIGateway().CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("signed")}); err != nil {
		t.Fatalf("known key: %v", err)
	}
	if _, err := srv.APIGatewayV2().GetApis(ctx, &apigatewayv2.GetApisInput{}); err != nil {
		t.Fatalf("known key: %v", err)
	}
	if _, err := srv.ServiceDiscovery().ListNamespaces(ctx, &servicediscovery.ListNamespacesInput{}); err != nil {
		t.Fatalf("known key: %v", err)
	}

	for _, tc := range []struct {
		name                                 string
		id, secret                           string
		ec2, elb, restAPI, httpAPI, cloudMap string
	}{
		{"unknown key", "AKIDOTHER", "secret",
			"AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException", "UnrecognizedClientException", "UnrecognizedClientException"},
		{"wrong secret", "AKIDTEST", "guess",
			"SignatureDoesNotMatch", "SignatureDoesNotMatch", "InvalidSignatureException", "InvalidSignatureException", "InvalidSignatureException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := srv.AWSConfig()
			cfg.Credentials = credentials.NewStaticCredentialsProvider(tc.id, tc.secret, "")
			cfg.RetryMaxAttempts = 1
			_, err := ec2.NewFromConfig(cfg).CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
			if got := sdkCode(err); got != tc.ec2 {
				t.Errorf("ec2: %v, want %s", err, tc.ec2)
			}
			_, err = elb.NewFromConfig(cfg).DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
			if got := sdkCode(err); got != tc.elb {
				t.Errorf("elbv2: %v, want %s", err, tc.elb)
			}
			_, err = apigateway.NewFromConfig(cfg).CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("x")})
			if got := sdkCode(err); got != tc.restAPI {
				t.Errorf("apigateway: %v, want %s", err, tc.restAPI)
			}
			_, err = apigatewayv2.NewFromConfig(cfg).GetApis(ctx, &apigatewayv2.GetApisInput{})
			if got := sdkCode(err); got != tc.httpAPI {
				t.Errorf("apigatewayv2: %v, want %s", err, tc.httpAPI)
			}
			_, err = servicediscovery.NewFromConfig(cfg).ListNamespaces(ctx, &servicediscovery.ListNamespacesInput{})
			if got := sdkCode(err); got != tc.cloudMap {
				t.Errorf("servicediscovery: %v, want %s", err, tc.cloudMap)
			}
		})
	}

	// Unsigned, as a script or a web page sends it.
	status, _, body := raw(t, srv, "POST", "/", "", "application/x-www-form-urlencoded", "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.2.0.0/16", nil)
	if status != 400 || !strings.Contains(body, "<Code>MissingParameter</Code><Message>The request must contain the parameter AWSAccessKeyId</Message>") {
		t.Errorf("unsigned EC2 call: %d %s", status, body)
	}
	status, hdr, body := raw(t, srv, "POST", "/restapis", "", "application/json", `{"name":"x"}`, nil)
	if status != 403 || hdr.Get("X-Amzn-Errortype") != "MissingAuthenticationTokenException" || body != `{"message":"Missing Authentication Token"}` {
		t.Errorf("unsigned API Gateway call: %d %s %s", status, hdr.Get("X-Amzn-Errortype"), body)
	}
	// A signature is checked before the method: a signed GET may create,
	// as on AWS; an unsigned one gets the missing signature's answer.
	status, _, body = raw(t, srv, "GET", "/?Action=CreateVpc&Version=2016-11-15&CidrBlock=10.3.0.0/16", "", "", "", nil)
	if status != 400 || !strings.Contains(body, "MissingParameter") {
		t.Errorf("unsigned GET: %d %s", status, body)
	}
	out, err := srv.EC2().DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"false"}}}})
	if err != nil || len(out.Vpcs) != 1 {
		t.Fatalf("want the one VPC the known key made: %v %v", out, err)
	}
}

// Without configured keys, the emulators' conventional test/test pair is
// the one key.
func TestDefaultAccessKey(t *testing.T) {
	srv := servertest.Start(t, func(c *gatehouse.Config) { c.VerifySignatures = true })
	cfg := srv.AWSConfig()
	cfg.RetryMaxAttempts = 1
	if _, err := ec2.NewFromConfig(cfg).DescribeVpcs(t.Context(), &ec2.DescribeVpcsInput{}); sdkCode(err) != "AuthFailure" {
		t.Fatalf("servertest's key passes with none configured: %v", err)
	}
	cfg.Credentials = credentials.NewStaticCredentialsProvider(gatehouse.DefaultAccessKeyID, gatehouse.DefaultSecretKey, "")
	if _, err := ec2.NewFromConfig(cfg).DescribeVpcs(t.Context(), &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatalf("test/test: %v", err)
	}
}

// dial opens a raw connection to the server.
func dial(t *testing.T, srv *servertest.Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// Nothing below may take this long: it is a guard, not a wait.
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

// A management body that stalls is answered once its deadline passes and
// its connection closed; one that announces more than the limit is
// answered at once, unread.
func TestStalledManagementBodies(t *testing.T) {
	const deadline = 150 * time.Millisecond
	srv := servertest.Start(t, func(c *gatehouse.Config) { c.BodyTimeout = deadline })

	c := dial(t, srv)
	start := time.Now()
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nA")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	took := time.Since(start)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(b), "<Code>RequestTimeout</Code>") {
		t.Fatalf("stalled body: %d %s", resp.StatusCode, b)
	}
	if took < deadline || took > deadline+time.Second {
		t.Errorf("answered after %s, want just after %s", took, deadline)
	}
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("connection still open after a stalled body: %v", err)
	}

	// 100 MB announced, one byte sent: refused before the deadline.
	srv2 := servertest.Start(t, func(c *gatehouse.Config) { c.BodyTimeout = time.Minute })
	c = dial(t, srv2)
	start = time.Now()
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 104857600\r\n\r\nA")
	resp, err = http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "RequestEntityTooLarge") {
		t.Fatalf("100 MB announced: %d %s", resp.StatusCode, b)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("an oversized body was answered after %s", took)
	}
}

// An idle keep-alive connection is closed after IdleTimeout.
func TestIdleConnectionsAreClosed(t *testing.T) {
	srv := servertest.Start(t, func(c *gatehouse.Config) { c.IdleTimeout = 100 * time.Millisecond })
	c := dial(t, srv)
	io.WriteString(c, "GET /?Action=DescribeVpcs&Version=2016-11-15 HTTP/1.1\r\nHost: localhost\r\n\r\n")
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Close {
		t.Fatalf("status %d, close %v: want a kept-alive 200", resp.StatusCode, resp.Close)
	}
	start := time.Now()
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: %v, want it closed", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("closed after %s", took)
	}
}

// A client that stops in the middle of its headers is cut off after
// ReadHeaderTimeout (ten seconds by default).
func TestStalledHeadersAreCut(t *testing.T) {
	srv := servertest.Start(t, func(c *gatehouse.Config) { c.ReadHeaderTimeout = 100 * time.Millisecond })
	c := dial(t, srv)
	io.WriteString(c, "GET /?Action=DescribeVpcs&Version=2016-11-15 HTTP/1.1\r\nHost: local")
	start := time.Now()
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("stalled headers: %v, want the connection closed", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("closed after %s", took)
	}
}
