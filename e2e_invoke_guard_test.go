package gatehouse_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
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

	"gatehouse"
	"gatehouse/internal/servertest"
)

// pubNet builds APIs with public (INTERNET) HTTP_PROXY integrations, whose
// URIs may point anywhere, gatehouse's own invoke URLs included.
type pubNet struct {
	t   *testing.T
	srv *servertest.Server
	gw2 *apigatewayv2.Client
	gw  *apigateway.Client
}

func newPubNet(t *testing.T, opts ...servertest.Option) *pubNet {
	return pubNetOn(t, servertest.Start(t, opts...))
}

func pubNetOn(t *testing.T, srv *servertest.Server) *pubNet {
	return &pubNet{t: t, srv: srv, gw2: srv.APIGatewayV2(), gw: srv.APIGateway()}
}

func (p *pubNet) must(err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatal(err)
	}
}

// port is the port gatehouse listens on.
func (p *pubNet) port() int {
	return int(p.srv.Addr().(*net.TCPAddr).Port)
}

// httpAPI makes an HTTP API with an auto-deployed $default stage whose
// routes all go to one public HTTP_PROXY integration.
func (p *pubNet) httpAPI(name, uri string, timeoutMillis int32, routeKeys ...string) string {
	p.t.Helper()
	ctx := context.Background()
	a, err := p.gw2.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String(name), ProtocolType: v2types.ProtocolTypeHttp})
	p.must(err)
	_, err = p.gw2.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	p.must(err)
	p.httpRoutes(aws.ToString(a.ApiId), uri, timeoutMillis, routeKeys...)
	return aws.ToString(a.ApiId)
}

func (p *pubNet) httpRoutes(apiID, uri string, timeoutMillis int32, routeKeys ...string) {
	p.t.Helper()
	ctx := context.Background()
	integ, err := p.gw2.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: aws.String(apiID), IntegrationType: v2types.IntegrationTypeHttpProxy,
		IntegrationUri: aws.String(uri), IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0"),
		TimeoutInMillis: aws.Int32(timeoutMillis)})
	p.must(err)
	for _, key := range routeKeys {
		_, err := p.gw2.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: aws.String(apiID), RouteKey: aws.String(key),
			Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))})
		p.must(err)
	}
}

// restAPI makes a REST API whose /{proxy+} ANY method has a public
// integration of type typ to uri ({proxy} fed by the path), deployed to
// stage prod.
func (p *pubNet) restAPI(name string, typ agtypes.IntegrationType, uri string, timeoutMillis int32) string {
	p.t.Helper()
	api, err := p.gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String(name)})
	p.must(err)
	res, err := p.gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("{proxy+}")})
	p.must(err)
	_, err = p.gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("ANY"),
		AuthorizationType: aws.String("NONE"), RequestParameters: map[string]bool{"method.request.path.proxy": true}})
	p.must(err)
	_, err = p.gw.PutIntegration(restCtx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("ANY"),
		Type: typ, IntegrationHttpMethod: aws.String("ANY"), Uri: aws.String(uri), TimeoutInMillis: aws.Int32(timeoutMillis),
		RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}})
	p.must(err)
	_, err = p.gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")})
	p.must(err)
	return aws.ToString(api.Id)
}

func (p *pubNet) sync() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.must(p.srv.Sync(ctx))
}

// raw sends request text on a new connection to gatehouse and reads one
// response; bodyErr is what reading its body ended with.
func (p *pubNet) raw(request string) (resp *http.Response, body string, bodyErr error) {
	p.t.Helper()
	conn, err := net.Dial("tcp", p.srv.Addr().String())
	p.must(err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = io.WriteString(conn, request)
	p.must(err)
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	p.must(err)
	b, bodyErr := io.ReadAll(resp.Body)
	return resp, string(b), bodyErr
}

// seenRequest is what the recording backend saw.
type seenRequest struct {
	Method, Path string
	Header       http.Header
	Trailer      http.Header
	BodyLen      int64
}

// recorder is a backend that reads the whole request and answers with
// what it saw; it keeps the last request too, for requests whose answer
// never reaches the client.
type recorder struct {
	port int
	mu   sync.Mutex
	last *seenRequest
	hits atomic.Int32
}

func newRecorder(t *testing.T, answer func(w http.ResponseWriter)) *recorder {
	rec := &recorder{}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.hits.Add(1)
		n, _ := io.Copy(io.Discard, r.Body)
		seen := &seenRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header, Trailer: r.Trailer, BodyLen: n}
		rec.mu.Lock()
		rec.last = seen
		rec.mu.Unlock()
		if answer != nil {
			answer(w)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(seen)
	}))
	t.Cleanup(s.Close)
	rec.port = int(s.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port())
	return rec
}

func (r *recorder) seen() *seenRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// An integration that calls gatehouse's own API, on both API types: by the
// path-form invoke URL, by the {id}.execute-api.localhost host name, and
// through a VPC link to an ALB whose target is gatehouse's own port on
// loopback. The request passes through gatehouse a bounded number of times
// and ends with the integration failure, at once, instead of calling itself
// until the integration timeout (and the server's descriptors and memory)
// run out. While looping requests are held in flight, the management API
// and other APIs keep answering.
func TestSelfLoopingIntegrationEndsAtOnce(t *testing.T) {
	n := newV2Net(t)
	p := pubNetOn(t, n.srv)
	ctx := context.Background()
	base := fmt.Sprintf("http://127.0.0.1:%d", p.port())
	hostOf := func(id string) string { return fmt.Sprintf("http://%s.execute-api.localhost:%d", id, p.port()) }
	httpLoop := func(name string, uri func(id string) string) string {
		a, err := p.gw2.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String(name), ProtocolType: v2types.ProtocolTypeHttp})
		p.must(err)
		id := aws.ToString(a.ApiId)
		_, err = p.gw2.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
		p.must(err)
		p.httpRoutes(id, uri(id), 30000, "GET /loop")
		return id
	}
	restLoop := func(name string, uri func(id string) string) string {
		api, err := p.gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String(name)})
		p.must(err)
		id := aws.ToString(api.Id)
		res, err := p.gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("loop")})
		p.must(err)
		_, err = p.gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")})
		p.must(err)
		_, err = p.gw.PutIntegration(restCtx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
			Type: agtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("GET"), TimeoutInMillis: aws.Int32(29000), Uri: aws.String(uri(id))})
		p.must(err)
		_, err = p.gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")})
		p.must(err)
		return id
	}
	const httpAnswer, restAnswer = `{"message":"Internal Server Error"}`, `{"message":"Internal server error"}`
	type loop struct{ what, host, path, want string }
	var loops []loop
	id := httpLoop("path", func(id string) string { return base + "/_aws/execute-api/" + id + "/loop" })
	loops = append(loops, loop{"HTTP API, path form", id, "/loop", httpAnswer})
	id = httpLoop("host", func(id string) string { return hostOf(id) + "/loop" })
	loops = append(loops, loop{"HTTP API, host form", id, "/loop", httpAnswer})
	id = restLoop("rest-path", func(id string) string { return base + "/restapis/" + id + "/prod/_user_request_/loop" })
	loops = append(loops, loop{"REST API, path form", id, "/prod/loop", restAnswer})
	id = restLoop("rest-host", func(id string) string { return hostOf(id) + "/prod/loop" })
	loops = append(loops, loop{"REST API, host form", id, "/prod/loop", restAnswer})

	// A VPC link to an ALB whose target is gatehouse's own port: the
	// loopback rule dials it, and the request keeps its Host.
	albGroup := n.group("alb")
	_, err := n.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albGroup, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: n.linkGroup}}}}})
	n.must(err)
	self := n.targetGroup("self", elbtypes.ProtocolEnumHttp, map[string]int32{"10.0.1.10": int32(p.port())})
	alb, err := n.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("self"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{aws.ToString(albGroup)}})
	n.must(err)
	listener := n.listener(alb.LoadBalancers[0].LoadBalancerArn, elbtypes.ProtocolEnumHttp, self)
	id = n.api("private-loop", "$default")
	n.private(id, aws.ToString(listener), 30000, nil, "GET /loop")
	n.linkAvailable()
	loops = append(loops, loop{"HTTP API, VPC link to an ALB on gatehouse's port", id, "/loop", httpAnswer})

	other := newRecorder(t, nil)
	otherID := p.httpAPI("other", fmt.Sprintf("http://127.0.0.1:%d/{proxy}", other.port), 30000, "ANY /{proxy+}")
	p.sync()

	client := &http.Client{Timeout: 5 * time.Second}
	get := func(host, path string) (int, string, error) {
		req, _ := http.NewRequest("GET", p.srv.URL()+path, nil)
		req.Host = host + ".execute-api.localhost"
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}

	const each = 10
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan string, len(loops)*each)
	for _, l := range loops {
		for i := 0; i < each; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, body, err := get(l.host, l.path)
				if err != nil || code != 500 || body != l.want {
					errs <- fmt.Sprintf("%s: %d %q %v", l.what, code, body, err)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the loops took %v to end", d)
	}
	if n := p.srv.Guard().Looped.Load(); n != uint64(len(loops)*each) {
		t.Errorf("%d requests refused as loops, want %d", n, len(loops)*each)
	}

	// Loops held in flight: an API whose integration goes through a gate
	// back to itself. The gate holds each request on its third pass, so
	// each loop holds three integration requests until it opens; the
	// management API and another API must answer meanwhile.
	var gatedHost atomic.Value
	held, open := make(chan struct{}, each), make(chan struct{})
	var opened sync.Once
	gw, err := url.Parse(p.srv.URL())
	p.must(err)
	proxy := httputil.NewSingleHostReverseProxy(gw)
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Gatehouse-Hops") == "3" {
			held <- struct{}{}
			<-open
		}
		r.Host = gatedHost.Load().(string)
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(gate.Close)
	t.Cleanup(func() { opened.Do(func() { close(open) }) }) // runs first: Close waits for handlers
	gatedID := httpLoop("gated", func(string) string { return gate.URL + "/loop" })
	gatedHost.Store(gatedID + ".execute-api.localhost")
	p.sync()
	looped := p.srv.Guard().Looped.Load()
	answers := make(chan string, each)
	for i := 0; i < each; i++ {
		go func() {
			code, body, err := get(gatedID, "/loop")
			answers <- fmt.Sprintf("%d %s %v", code, body, err)
		}()
	}
	for i := 0; i < each; i++ {
		select {
		case <-held:
		case <-time.After(5 * time.Second):
			t.Fatalf("%d of %d loops reached the gate", i, each)
		}
	}
	if n := p.srv.Guard().Inflight(); n != 3*each {
		t.Errorf("%d integration requests in flight with the loops held, want %d", n, 3*each)
	}
	if _, err := p.gw2.GetApis(ctx, &apigatewayv2.GetApisInput{}); err != nil {
		t.Errorf("GetApis during the loops: %v", err)
	}
	if code, _, err := get(otherID, "/still/here"); err != nil || code != 200 {
		t.Errorf("another API during the loops: %d %v", code, err)
	}
	if n := p.srv.Guard().Inflight(); n != 3*each {
		t.Errorf("the loops ended before the checks: %d integration requests in flight", n)
	}
	opened.Do(func() { close(open) })
	for i := 0; i < each; i++ {
		if a := <-answers; a != "500 "+httpAnswer+" <nil>" {
			t.Errorf("a held loop: %s", a)
		}
	}
	if n := p.srv.Guard().Looped.Load() - looped; n != each {
		t.Errorf("%d held loops refused, want %d", n, each)
	}

	if code, _, err := get(otherID, "/hops"); err != nil || code != 200 {
		t.Fatalf("GET /hops: %d %v", code, err)
	}
	// Each loop went round MaxHops times and no more: the backend-facing
	// requests carried the hop count.
	if got := other.seen().Header.Get("X-Gatehouse-Hops"); got != "1" {
		t.Errorf("the backend saw X-Gatehouse-Hops %q, want 1", got)
	}
}

// Past the bound on integration requests in flight, invoke requests are
// answered at once with AWS's 429, and the ones in flight are not harmed.
func TestInflightIntegrationRequestsAreBounded(t *testing.T) {
	p := newPubNet(t, func(c *gatehouse.Config) { c.MaxInflight = 2 })
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		io.WriteString(w, "done")
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	httpID := p.httpAPI("held", slow.URL+"/x", 30000, "GET /held")
	restID := p.restAPI("rest-held", agtypes.IntegrationTypeHttpProxy, slow.URL+"/{proxy}", 29000)
	p.sync()

	held := make(chan int, 2)
	for i := 0; i < 2; i++ {
		go func() {
			req, _ := http.NewRequest("GET", p.srv.URL()+"/held", nil)
			req.Host = httpID + ".execute-api.localhost"
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				held <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			held <- resp.StatusCode
		}()
	}
	<-entered
	<-entered
	resp, body, _ := p.raw("GET /held HTTP/1.1\r\nHost: " + httpID + ".execute-api.localhost\r\n\r\n")
	if resp.StatusCode != 429 || body != `{"message":"Too Many Requests"}` {
		t.Errorf("HTTP API past the bound: %d %q", resp.StatusCode, body)
	}
	resp, body, _ = p.raw("GET /prod/x HTTP/1.1\r\nHost: " + restID + ".execute-api.localhost\r\n\r\n")
	if resp.StatusCode != 429 || body != `{"message":"Too Many Requests"}` || resp.Header.Get("X-Amzn-Errortype") != "TooManyRequestsException" {
		t.Errorf("REST API past the bound: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if n := p.srv.Guard().Shed.Load(); n != 2 {
		t.Errorf("%d requests shed, want 2", n)
	}
	release <- struct{}{}
	release <- struct{}{}
	for i := 0; i < 2; i++ {
		if code := <-held; code != 200 {
			t.Errorf("a request in flight got %d", code)
		}
	}
}

// cutBackend answers 200 with a chunked body and hangs up in the middle of
// it, as a crashing backend does.
func cutBackend(t *testing.T) int {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n10\r\nonly part")
		buf.Flush()
		conn.Close()
	}))
	t.Cleanup(s.Close)
	return int(s.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port())
}

// warnings collects the server's warning records.
type warnings struct {
	mu   sync.Mutex
	recs []map[string]string
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler           { return w }
func (w *warnings) WithGroup(string) slog.Handler                { return w }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	m := map[string]string{"msg": r.Message}
	r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.String(); return true })
	w.mu.Lock()
	w.recs = append(w.recs, m)
	w.mu.Unlock()
	return nil
}

func (w *warnings) find(msg, requestID string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.recs {
		if m["msg"] == msg && m["request_id"] == requestID {
			return true
		}
	}
	return false
}

// A backend that cuts its chunked answer short: the client sees the status
// and what was relayed, then its connection break (an unexpected EOF),
// never a complete 200, on an HTTP API's public and private (ALB)
// integrations, a stage with an access log (whose writer the flush must
// pass) and a REST proxy integration; a REST non-proxy integration, which
// reads the whole answer first, answers 502. Each cut is counted and
// logged at warn level with the request id, though no stage needs access
// logs for it.
func TestTruncatedAnswerBreaksTheClientConnection(t *testing.T) {
	logs := &warnings{}
	n := newV2Net(t, servertest.Log(slog.New(logs)))
	p := pubNetOn(t, n.srv)
	port := cutBackend(t)
	httpID := p.httpAPI("cut", fmt.Sprintf("http://127.0.0.1:%d/", port), 30000, "GET /cut")
	p.loggedStage(httpID, "logged")
	restID := p.restAPI("rest-cut", agtypes.IntegrationTypeHttpProxy, fmt.Sprintf("http://127.0.0.1:%d/{proxy}", port), 29000)
	plainID := p.restAPI("rest-plain", agtypes.IntegrationTypeHttp, fmt.Sprintf("http://127.0.0.1:%d/{proxy}", port), 29000)
	p.sync()

	cut := func(what, host, target, idHeader string) {
		t.Helper()
		resp, body, err := p.raw("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
		if resp.StatusCode != 200 || !strings.HasPrefix(body, "hello") || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: %d %q, body ended with %v, want the connection to break", what, resp.StatusCode, body, err)
		}
		if id := resp.Header.Get(idHeader); !logs.find("integration response cut short", id) {
			t.Errorf("%s: no warning for request %q in %v", what, id, logs.recs)
		}
	}
	cut("HTTP API, public", httpID+".execute-api.localhost", "/cut", "Apigw-Requestid")
	cut("HTTP API, stage with an access log", httpID+".execute-api.localhost", "/logged/cut", "Apigw-Requestid")
	cut("REST API, HTTP_PROXY", restID+".execute-api.localhost", "/prod/cut", "X-Amzn-Requestid")
	resp, body, err := p.raw("GET /prod/cut HTTP/1.1\r\nHost: " + plainID + ".execute-api.localhost\r\n\r\n")
	if resp.StatusCode != 502 || body != `{"message":"Internal server error"}` || err != nil {
		t.Errorf("REST API, HTTP: %d %q %v, want 502", resp.StatusCode, body, err)
	}
	if id := resp.Header.Get("X-Amzn-Requestid"); !logs.find("integration response cut short", id) {
		t.Errorf("REST API, HTTP: no warning for request %q in %v", id, logs.recs)
	}

	// Through a VPC link and an ALB.
	albGroup := n.group("alb")
	_, err = n.ec2.AuthorizeSecurityGroupIngress(context.Background(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albGroup, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: n.linkGroup}}}}})
	n.must(err)
	app := n.targetGroup("cut", elbtypes.ProtocolEnumHttp, map[string]int32{"10.0.1.10": int32(port)})
	alb, err := n.elb.CreateLoadBalancer(context.Background(), &elb.CreateLoadBalancerInput{Name: aws.String("cut"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: n.subnets, SecurityGroups: []string{aws.ToString(albGroup)}})
	n.must(err)
	listener := n.listener(alb.LoadBalancers[0].LoadBalancerArn, elbtypes.ProtocolEnumHttp, app)
	privID := n.api("private-cut", "$default")
	n.private(privID, aws.ToString(listener), 30000, nil, "GET /cut")
	n.linkAvailable()
	p.sync()
	cut("HTTP API, VPC link to an ALB", privID+".execute-api.localhost", "/cut", "Apigw-Requestid")

	if got := p.srv.Guard().Truncated.Load(); got != 5 {
		t.Errorf("%d answers counted as cut short, want 5", got)
	}
}

// A REST non-proxy integration's answer is read whole to be mapped; one
// past the 10 MB payload limit is not cut and served as complete: it is
// the integration failure AWS answers to an answer it cannot take, 502
// {"message":"Internal server error"}, logged with the request id.
func TestMappedAnswerOverThePayloadLimit(t *testing.T) {
	logs := &warnings{}
	p := newPubNet(t, servertest.Log(slog.New(logs)))
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 10 << 20
		if r.URL.Path == "/over" {
			n++
		}
		w.Write(bytes.Repeat([]byte("x"), n))
	}))
	t.Cleanup(backend.Close)
	restID := p.restAPI("rest-large", agtypes.IntegrationTypeHttp, backend.URL+"/{proxy}", 29000)
	res, err := p.gw.GetResources(restCtx, &apigateway.GetResourcesInput{RestApiId: aws.String(restID)})
	p.must(err)
	for _, r := range res.Items {
		if aws.ToString(r.PathPart) != "{proxy+}" {
			continue
		}
		_, err = p.gw.PutMethodResponse(restCtx, &apigateway.PutMethodResponseInput{RestApiId: aws.String(restID), ResourceId: r.Id,
			HttpMethod: aws.String("ANY"), StatusCode: aws.String("200")})
		p.must(err)
		_, err = p.gw.PutIntegrationResponse(restCtx, &apigateway.PutIntegrationResponseInput{RestApiId: aws.String(restID), ResourceId: r.Id,
			HttpMethod: aws.String("ANY"), StatusCode: aws.String("200"), SelectionPattern: aws.String("")})
		p.must(err)
	}
	_, err = p.gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(restID), StageName: aws.String("prod")})
	p.must(err)
	p.sync()
	resp, body, err := p.raw("GET /prod/at HTTP/1.1\r\nHost: " + restID + ".execute-api.localhost\r\n\r\n")
	if resp.StatusCode != 200 || len(body) != 10<<20 || err != nil {
		t.Errorf("an answer at the limit: %d, %d bytes, %v", resp.StatusCode, len(body), err)
	}
	resp, body, err = p.raw("GET /prod/over HTTP/1.1\r\nHost: " + restID + ".execute-api.localhost\r\n\r\n")
	if resp.StatusCode != 502 || body != `{"message":"Internal server error"}` || err != nil {
		t.Errorf("an answer past the limit: %d, %d bytes, %v", resp.StatusCode, len(body), err)
	}
	if et := resp.Header.Get("X-Amzn-Errortype"); et != "InternalServerErrorException" {
		t.Errorf("an answer past the limit: x-amzn-ErrorType %q, want InternalServerErrorException", et)
	}
	if id := resp.Header.Get("X-Amzn-Requestid"); !logs.find("integration response over the payload limit", id) {
		t.Errorf("no warning for request %q in %v", id, logs.recs)
	}
}

// A request body of unknown length (chunked) is held to the 10 MB payload
// limit like a declared one: the backend request is aborted and the client
// gets 413, on both API types; the backend never receives the excess.
func TestChunkedBodyOverThePayloadLimit(t *testing.T) {
	p := newPubNet(t)
	rec := newRecorder(t, nil)
	httpID := p.httpAPI("upload", fmt.Sprintf("http://127.0.0.1:%d/up", rec.port), 30000, "POST /up")
	restID := p.restAPI("rest-upload", agtypes.IntegrationTypeHttpProxy, fmt.Sprintf("http://127.0.0.1:%d/{proxy}", rec.port), 29000)
	p.sync()

	upload := func(host, target string) (*http.Response, string) {
		t.Helper()
		conn, err := net.Dial("tcp", p.srv.Addr().String())
		p.must(err)
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		go func() {
			w := bufio.NewWriter(conn)
			fmt.Fprintf(w, "POST %s HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n", target, host)
			chunk := bytes.Repeat([]byte("x"), 1<<20)
			for i := 0; i < 12; i++ {
				fmt.Fprintf(w, "%x\r\n%s\r\n", len(chunk), chunk)
			}
			io.WriteString(w, "0\r\n\r\n")
			w.Flush() // fails once gatehouse hangs up, as it should
		}()
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		p.must(err)
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := upload(httpID+".execute-api.localhost", "/up")
	if resp.StatusCode != 413 || body != `{"message":"Request Entity Too Large"}` {
		t.Errorf("HTTP API: %d %q", resp.StatusCode, body)
	}
	resp, body = upload(restID+".execute-api.localhost", "/prod/up")
	if resp.StatusCode != 413 || body != `{"message":"Request Too Long"}` || resp.Header.Get("X-Amzn-Errortype") != "RequestTooLargeException" {
		t.Errorf("REST API: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if s := rec.seen(); s != nil && s.BodyLen > 10<<20 {
		t.Errorf("the backend received %d bytes", s.BodyLen)
	}
}

// A client that announces a body and stalls is not held past the
// integration timeout: the answer is the timeout's, on both API types; a
// request answered without its integration is answered at once.
func TestStalledRequestBodyEndsWithTheIntegrationTimeout(t *testing.T) {
	p := newPubNet(t)
	rec := newRecorder(t, nil)
	httpID := p.httpAPI("stall", fmt.Sprintf("http://127.0.0.1:%d/up", rec.port), 200, "POST /up")
	restID := p.restAPI("rest-stall", agtypes.IntegrationTypeHttpProxy, fmt.Sprintf("http://127.0.0.1:%d/{proxy}", rec.port), 200)
	p.sync()
	for _, c := range []struct {
		what, host, target string
		status             int
		body               string
	}{
		{"HTTP API", httpID, "/up", 503, `{"message":"Service Unavailable"}`},
		{"REST API", restID, "/prod/up", 504, `{"message":"Endpoint request timed out"}`},
		// Answered without the integration, which would not read the body.
		{"HTTP API, no route", httpID, "/nowhere", 404, `{"message":"Not Found"}`},
		{"REST API, no method", restID, "/prod", 403, `{"message":"Missing Authentication Token"}`},
		{"REST API, no stage", restID, "/nostage/up", 403, `{"message":"Forbidden"}`},
		{"no API", "nosuchapi", "/up", 404, `{"message":"Not Found"}`},
	} {
		for _, length := range []int{1000, 1 << 20} { // sent by the caller's goroutine, and by net/http's
			start := time.Now()
			resp, body, _ := p.raw(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s.execute-api.localhost\r\nContent-Length: %d\r\n\r\nonly ten b", c.target, c.host, length))
			if resp.StatusCode != c.status || body != c.body {
				t.Errorf("%s, %d bytes announced: %d %q, want %d %q", c.what, length, resp.StatusCode, body, c.status, c.body)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%s, %d bytes announced: answered after %v", c.what, length, d)
			}
		}
	}
}

// Smaller things a careful proxy does, on both API types: headers the
// client's Connection header names and request trailers stay behind; a
// client without a User-Agent reaches the backend without one; dot
// segments cannot climb out of the integration's base path; TRACE and
// made-up methods do not go through ANY; a REST proxy backend cannot
// overwrite the gateway's request id.
func TestInvokeRequestsAreForwardedCarefully(t *testing.T) {
	p := newPubNet(t)
	rec := newRecorder(t, func(w http.ResponseWriter) {
		w.Header().Set("X-Amzn-Requestid", "from-the-backend")
		w.Header().Set("Www-Authenticate", "Basic")
	})
	httpID := p.httpAPI("careful", fmt.Sprintf("http://127.0.0.1:%d/base/{proxy}", rec.port), 30000, "ANY /files/{proxy+}")
	restID := p.restAPI("rest-careful", agtypes.IntegrationTypeHttpProxy, fmt.Sprintf("http://127.0.0.1:%d/base/{proxy}", rec.port), 29000)
	p.sync()
	apis := []struct{ what, host, prefix string }{
		{"HTTP API", httpID + ".execute-api.localhost", "/files"},
		{"REST API", restID + ".execute-api.localhost", "/prod"},
	}
	for _, a := range apis {
		resp, body, _ := p.raw("POST " + a.prefix + "/doc HTTP/1.1\r\nHost: " + a.host + "\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s3cret\r\n" +
			"X-Kept: yes\r\nTransfer-Encoding: chunked\r\nTrailer: X-Trail\r\n\r\n5\r\nhello\r\n0\r\nX-Trail: t\r\n\r\n")
		var seen seenRequest
		json.Unmarshal([]byte(body), &seen)
		switch {
		case resp.StatusCode != 200:
			t.Errorf("%s: %d %q", a.what, resp.StatusCode, body)
		case seen.Header.Get("X-Secret") != "" || seen.Header.Get("X-Kept") != "yes":
			t.Errorf("%s: a header named in Connection was forwarded (or another lost): %v", a.what, seen.Header)
		case len(seen.Trailer) != 0 || seen.BodyLen != 5:
			t.Errorf("%s: trailers %v, body %d bytes reached the backend", a.what, seen.Trailer, seen.BodyLen)
		case seen.Header.Get("User-Agent") != "" || len(seen.Header.Values("User-Agent")) != 0:
			t.Errorf("%s: the backend saw User-Agent %q from a client that sent none", a.what, seen.Header.Get("User-Agent"))
		}
	}

	// Dot segments, plain and encoded.
	for _, a := range apis {
		for _, target := range []string{"/../../admin", "/x/../../../admin", "/%2e%2e/%2e%2e/admin", "/..%2f..%2fadmin", "/.%2e/admin"} {
			before := rec.hits.Load()
			resp, body, _ := p.raw("GET " + a.prefix + target + " HTTP/1.1\r\nHost: " + a.host + "\r\n\r\n")
			if rec.hits.Load() == before {
				continue // refused before the backend: nothing escaped
			}
			if got := path.Clean(rec.seen().Path); !strings.HasPrefix(got, "/base/") {
				t.Errorf("%s %s: %d %q; the backend saw %q, outside /base/", a.what, target, resp.StatusCode, body, rec.seen().Path)
			}
		}
	}

	// Methods ANY does not stand for.
	for _, method := range []string{"TRACE", "CONNECT", "BREW"} {
		before := rec.hits.Load()
		target := "/doc"
		if method == "CONNECT" {
			target = "/doc" // an origin-form CONNECT, which net/http parses
		}
		resp, body, _ := p.raw(method + " /files" + target + " HTTP/1.1\r\nHost: " + apis[0].host + "\r\n\r\n")
		if resp.StatusCode != 404 || body != `{"message":"Not Found"}` {
			t.Errorf("HTTP API %s: %d %q", method, resp.StatusCode, body)
		}
		resp, body, _ = p.raw(method + " /prod" + target + " HTTP/1.1\r\nHost: " + apis[1].host + "\r\n\r\n")
		if resp.StatusCode != 403 || body != `{"message":"Missing Authentication Token"}` {
			t.Errorf("REST API %s: %d %q", method, resp.StatusCode, body)
		}
		if rec.hits.Load() != before {
			t.Errorf("%s reached the backend", method)
		}
	}

	// The gateway's request id stays the gateway's.
	resp, _, _ := p.raw("GET /prod/doc HTTP/1.1\r\nHost: " + apis[1].host + "\r\n\r\n")
	if id := resp.Header.Get("X-Amzn-Requestid"); id == "from-the-backend" || len(id) != 36 ||
		resp.Header.Get("X-Amzn-Remapped-X-Amzn-Requestid") != "from-the-backend" ||
		resp.Header.Get("X-Amzn-Remapped-Www-Authenticate") != "Basic" || resp.Header.Get("Www-Authenticate") != "" {
		t.Errorf("REST proxy answer headers: %v", resp.Header)
	}
}

// loggedStage adds an auto-deployed stage with an access log to an HTTP
// API: its answers go through the access log's writer.
func (p *pubNet) loggedStage(apiID, name string) {
	p.t.Helper()
	_, err := p.gw2.CreateStage(context.Background(), &apigatewayv2.CreateStageInput{ApiId: aws.String(apiID), StageName: aws.String(name), AutoDeploy: aws.Bool(true),
		AccessLogSettings: &v2types.AccessLogSettings{DestinationArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:" + name),
			Format: aws.String("$context.requestId $context.status")}})
	p.must(err)
}

// A client that reads nothing of a large answer is cut once no write has
// gone through for the send timeout, on both API types and through a
// stage's access log writer: its integration slot is given back and the
// stall counted, though the integration timeout is far off.
func TestClientThatStopsReadingIsCut(t *testing.T) {
	const sendTimeout = 300 * time.Millisecond
	p := newPubNet(t, func(c *gatehouse.Config) { c.SendTimeout = sendTimeout })
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 1<<20)
		for i := 0; i < 256; i++ {
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
	}))
	t.Cleanup(big.Close)
	httpID := p.httpAPI("big", big.URL+"/{proxy}", 30000, "GET /{proxy+}")
	p.loggedStage(httpID, "logged")
	restID := p.restAPI("rest-big", agtypes.IntegrationTypeHttpProxy, big.URL+"/{proxy}", 29000)
	p.sync()

	for _, c := range []struct{ host, target string }{
		{httpID, "/big"}, {httpID, "/logged/big"}, {restID, "/prod/big"},
	} {
		conn, err := net.Dial("tcp", p.srv.Addr().String())
		p.must(err)
		t.Cleanup(func() { conn.Close() })
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s.execute-api.localhost\r\n\r\n", c.target, c.host)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReaderSize(conn, 16).ReadString('\n')
		if line != "HTTP/1.1 200 OK\r\n" {
			t.Fatalf("%s%s: status line %q %v", c.host, c.target, line, err)
		}
		// and reads nothing more
	}
	for end := time.Now().Add(5 * time.Second); p.srv.Guard().Inflight() > 0 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := p.srv.Guard().Inflight(); n != 0 {
		t.Fatalf("clients that stopped reading still hold %d integration slots", n)
	}
	if n := p.srv.Guard().Stalled.Load(); n != 3 {
		t.Errorf("%d stalled clients counted, want 3", n)
	}
}

// A client that reads its answer slowly but steadily is not cut, however
// large the answer: the send timeout bounds a client that takes nothing,
// and the connection's send buffer is small enough that what a slow reader
// takes shows as progress within it.
func TestSlowReaderIsNotCut(t *testing.T) {
	const sendTimeout = 500 * time.Millisecond
	p := newPubNet(t, func(c *gatehouse.Config) { c.SendTimeout = sendTimeout })
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 1<<20)
		for i := 0; i < 64; i++ {
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
	}))
	t.Cleanup(big.Close)
	id := p.httpAPI("slow", big.URL+"/{proxy}", 30000, "GET /{proxy+}")

	conn, err := net.Dial("tcp", p.srv.Addr().String())
	p.must(err)
	t.Cleanup(func() { conn.Close() })
	// The client's own receive buffer is kept small too, so the reader's
	// pace, not the kernel's buffering, is what the server sees.
	conn.(*net.TCPConn).SetReadBuffer(32 << 10)
	fmt.Fprintf(conn, "GET /slow HTTP/1.1\r\nHost: %s.execute-api.localhost\r\n\r\n", id)
	// 32 KiB every 50 ms (640 KiB/s) for four send timeouts.
	buf := make([]byte, 32<<10)
	got := 0
	for end := time.Now().Add(4 * sendTimeout); time.Now().Before(end); {
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := io.ReadFull(conn, buf)
		got += n
		if err != nil {
			t.Fatalf("slow reader cut after %d bytes: %v (stalled %d)", got, err, p.srv.Guard().Stalled.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := p.srv.Guard().Stalled.Load(); n != 0 {
		t.Fatalf("a reader taking 640 KiB/s was counted stalled (%d) after %d bytes", n, got)
	}
}
