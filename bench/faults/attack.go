package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
)

// attackOptions bound every attack in time and count.
type attackOptions struct {
	bin        string   // the gatehouse binary
	dir        string   // where each server's log goes
	serveFlags []string // more `gatehouse serve` flags
	loopNofile int      // descriptor limit of the server a self-loop runs against
	stallFiles int      // descriptor limit of the server the stalls run against
	idleConns  int      // idle keep-alive connections opened
	stallWait  time.Duration
	idleWait   time.Duration
	maxRSS     int // MiB; the server is killed past it
}

func clients(url string) (*apigatewayv2.Client, *apigateway.Client) {
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("faults", "faults", "")}
	return apigatewayv2.NewFromConfig(cfg), apigateway.NewFromConfig(cfg)
}

// httpProxyAPI creates an HTTP API whose route `ANY /{path}` proxies to uri
// (a public HTTP_PROXY integration) and returns its id; uri may name the
// API's own id as {id}. The integration's refusal is returned as is.
func httpProxyAPI(ctx context.Context, gw *apigatewayv2.Client, path, uri string, timeoutMs int32) (string, error) {
	id := aws.ToString(must(gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String(path), ProtocolType: "HTTP"})).ApiId)
	in := &apigatewayv2.CreateIntegrationInput{ApiId: &id, IntegrationType: "HTTP_PROXY", IntegrationMethod: aws.String("ANY"),
		IntegrationUri: aws.String(strings.ReplaceAll(uri, "{id}", id)), PayloadFormatVersion: aws.String("1.0")}
	if timeoutMs > 0 {
		in.TimeoutInMillis = &timeoutMs
	}
	integ, err := gw.CreateIntegration(ctx, in)
	if err != nil {
		return id, err
	}
	must(gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: &id, RouteKey: aws.String("ANY /" + path), Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))}))
	must(gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: &id, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}))
	return id, nil
}

// restProxyAPI is httpProxyAPI for a REST API: resource /{path}, method
// ANY, an HTTP_PROXY integration, deployed to stage prod.
func restProxyAPI(ctx context.Context, gw *apigateway.Client, path, uri string, timeoutMs int32) (string, error) {
	id := aws.ToString(must(gw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String(path)})).Id)
	root := must(gw.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: &id})).Items[0].Id
	res := must(gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &id, ParentId: root, PathPart: aws.String(path)})).Id
	must(gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: &id, ResourceId: res, HttpMethod: aws.String("ANY"), AuthorizationType: aws.String("NONE")}))
	in := &apigateway.PutIntegrationInput{RestApiId: &id, ResourceId: res, HttpMethod: aws.String("ANY"), Type: "HTTP_PROXY",
		IntegrationHttpMethod: aws.String("ANY"), Uri: aws.String(strings.ReplaceAll(uri, "{id}", id))}
	if timeoutMs > 0 {
		in.TimeoutInMillis = &timeoutMs
	}
	if _, err := gw.PutIntegration(ctx, in); err != nil {
		return id, err
	}
	must(gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &id, StageName: aws.String("prod")}))
	return id, nil
}

// controls creates an HTTP API and a REST API that proxy /ok to a healthy
// backend, with a 5 s integration timeout, and returns their URLs.
func controls(ctx context.Context, p *proc, backend string) (httpURL, restURL string) {
	v2, v1 := clients(p.url)
	hid, err := httpProxyAPI(ctx, v2, "ok", backend+"/ok", 5000)
	check(err)
	rid, err := restProxyAPI(ctx, v1, "ok", backend+"/ok", 5000)
	check(err)
	httpURL, restURL = p.url+"/_aws/execute-api/"+hid+"/ok", p.url+"/restapis/"+rid+"/prod/_user_request_/ok"
	// Wait for the data plane to serve both.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		a, _ := probeGet(httpURL, 2*time.Second)
		b, _ := probeGet(restURL, 2*time.Second)
		if a && b {
			return
		}
		if time.Now().After(deadline) {
			check(fmt.Errorf("control APIs not served: %s %s", httpURL, restURL))
		}
	}
}

// okBackend answers 200 after reading the whole request body.
func okBackend() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	return "http://" + ln.Addr().String()
}

// selfLoop points an HTTP_PROXY integration of each API type at the API's
// own invoke URL and sends one request through it, while management calls
// and another API are asked every 250 ms on new connections.
func selfLoop(o attackOptions, backend string) {
	ctx := context.Background()
	for _, kind := range []string{"HTTP API", "REST API"} {
		fmt.Printf("\nself-loop, %s (integration timeout: the default), server descriptor limit %d\n", kind, o.loopNofile)
		p := startProc(o.bin, o.loopNofile, o.serveFlags, filepath.Join(o.dir, "selfloop-"+strings.Fields(kind)[0]+".log"))
		httpOK, restOK := controls(ctx, p, backend)
		v2, v1 := clients(p.url)
		// The same URL spelled two ways: gatehouse's address, and localhost.
		var invoke, created string
		var refusals []string
		for _, host := range []string{p.addr, "localhost:" + strings.Split(p.addr, ":")[1]} {
			var id string
			var err error
			if kind == "HTTP API" {
				id, err = httpProxyAPI(ctx, v2, "loop", "http://"+host+"/_aws/execute-api/{id}/loop", 0)
				invoke = p.url + "/_aws/execute-api/" + id + "/loop"
			} else {
				id, err = restProxyAPI(ctx, v1, "loop", "http://"+host+"/restapis/{id}/prod/_user_request_/loop", 0)
				invoke = p.url + "/restapis/" + id + "/prod/_user_request_/loop"
			}
			if err == nil {
				created = host
				break
			}
			refusals = append(refusals, fmt.Sprintf("integration to %s refused: %v", host, err))
		}
		for _, r := range refusals {
			fmt.Printf("  %s\n", r)
		}
		if created == "" {
			p.stop()
			continue
		}
		fmt.Printf("  integration to %s created\n", created)
		time.Sleep(time.Second) // let the data plane compile it (older builds compile after the call returns)
		before := p.sample()
		w := p.watch(500*time.Millisecond, o.maxRSS)
		mgmt := p.startProber(p.url + "/v2/apis")
		other := p.startProber(httpOK)
		start := time.Now()
		c := &http.Client{Timeout: 45 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		answer := "no answer"
		if resp, err := c.Get(invoke); err != nil {
			answer = "client error: " + err.Error()
		} else {
			answer = fmt.Sprintf("%d %s", resp.StatusCode, brief(resp.Body))
			resp.Body.Close()
		}
		took := time.Since(start)
		time.Sleep(3 * time.Second) // the tail of the loop unwinding
		mgmtRes, otherRes := mgmt.stop(), other.stop()
		peak, killed := w.stop()
		after, waited := p.settle(before, 20*time.Second)
		fmt.Printf("  the looping request: %s, after %v\n", answer, took.Round(10*time.Millisecond))
		if killed != "" {
			fmt.Printf("  server %s\n", killed)
		}
		fmt.Printf("  management (GET /v2/apis): %s\n", mgmtRes)
		fmt.Printf("  another HTTP API: %s\n", otherRes)
		_ = restOK
		fmt.Printf("  server log: %d lines; after: sampled %v after the request ended\n", p.logLines(), (waited + 3*time.Second).Round(100*time.Millisecond))
		report(before, peak, after)
		p.stop()
	}
}

// stalls holds requests open the ways a slow or hostile client does: a
// request body that stops after one byte (on both invoke paths), a
// management request that announces 100 MB and sends one byte, and many
// idle keep-alive connections, and sees when the server lets go of each.
// A management body under the size limit that stops after one byte shows
// the body timeout; one over it, whether the limit is applied before
// reading.
func stalls(o attackOptions, backend string) {
	ctx := context.Background()
	fmt.Printf("\nstalled clients, server descriptor limit %d\n", o.stallFiles)
	p := startProc(o.bin, o.stallFiles, o.serveFlags, filepath.Join(o.dir, "stalls.log"))
	httpOK, restOK := controls(ctx, p, backend)
	before := p.sample()
	w := p.watch(time.Second, o.maxRSS)
	mgmt := p.startProber(p.url + "/v2/apis")

	// Bodies that stop after their first byte, all at once.
	type stall struct{ name, req string }
	host := p.addr
	path := func(u string) string { return strings.TrimPrefix(u, p.url) }
	list := []stall{
		{"HTTP API invoke, body stops after 1 of 1024 bytes (integration timeout 5 s)",
			"POST " + path(httpOK) + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: 1024\r\n\r\n{"},
		{"REST API invoke, body stops after 1 of 1024 bytes (integration timeout 5 s)",
			"POST " + path(restOK) + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: 1024\r\n\r\n{"},
		{"management POST announcing 100 MB, 1 byte sent",
			"POST / HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\nContent-Length: 104857600\r\n\r\nA"},
		{"management POST announcing 1 MB, 1 byte sent",
			"POST / HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\nContent-Length: 1048576\r\n\r\nA"},
	}
	var wg sync.WaitGroup
	results := make([]string, len(list))
	for i, s := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = holdOpen(p.addr, s.req, o.stallWait)
		}()
	}
	wg.Wait()
	for i, s := range list {
		fmt.Printf("  %s: %s\n", s.name, results[i])
	}

	// Idle keep-alive connections: one management call each, then nothing.
	conns, opened := idleConns(p, o.idleConns)
	fmt.Printf("  idle keep-alive connections: %d of %d got an answer to their first request\n", opened, o.idleConns)
	closedAt := make([]time.Duration, 0, len(conns))
	var mu sync.Mutex
	start := time.Now()
	for _, c := range conns {
		go func() {
			c.SetReadDeadline(time.Now().Add(o.idleWait))
			if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
				mu.Lock()
				closedAt = append(closedAt, time.Since(start))
				mu.Unlock()
			}
		}()
	}
	// New clients while they are held.
	var newOK, newFail int
	var firstOK time.Duration = -1
	for time.Since(start) < o.idleWait {
		if ok, _ := mgmtCall(p.url, 2*time.Second); ok {
			newOK++
			if firstOK < 0 {
				firstOK = time.Since(start)
			}
		} else {
			newFail++
		}
		mu.Lock()
		all := len(closedAt) == len(conns)
		mu.Unlock()
		if all && newOK > 0 {
			break
		}
		time.Sleep(time.Second)
	}
	mu.Lock()
	closed := len(closedAt)
	var first, last time.Duration
	if closed > 0 {
		first, last = closedAt[0], closedAt[closed-1]
	}
	mu.Unlock()
	held := time.Since(start).Round(100 * time.Millisecond)
	if closed == 0 {
		fmt.Printf("  the server closed none of them in %v\n", held)
	} else {
		fmt.Printf("  the server closed %d of them, the first after %v, the last after %v\n", closed, first.Round(100*time.Millisecond), last.Round(100*time.Millisecond))
	}
	fmt.Printf("  a new management call each second meanwhile: %d answered, %d not", newOK, newFail)
	if firstOK >= 0 {
		fmt.Printf(" (first answer after %v)", firstOK.Round(100*time.Millisecond))
	}
	fmt.Println()
	for _, c := range conns {
		c.Close()
	}
	mgmtRes := mgmt.stop()
	peak, killed := w.stop()
	after, _ := p.settle(before, 10*time.Second)
	if killed != "" {
		fmt.Printf("  server %s\n", killed)
	}
	fmt.Printf("  management (GET /v2/apis every 250 ms) over the whole run: %s\n", mgmtRes)
	report(before, peak, after)
	p.stop()
}

// holdOpen sends req (headers and the start of a body) and waits, at most
// wait, for the server to answer or close.
func holdOpen(addr, req string, wait time.Duration) string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "dial: " + err.Error()
	}
	defer c.Close()
	start := time.Now()
	io.WriteString(c, req)
	c.SetReadDeadline(start.Add(wait))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	took := time.Since(start).Round(100 * time.Millisecond)
	switch {
	case err == nil:
		return fmt.Sprintf("answered %d %s after %v", resp.StatusCode, brief(resp.Body), took)
	case isTimeout(err):
		return fmt.Sprintf("still held after %v (stopped waiting)", took)
	default:
		return fmt.Sprintf("closed without an answer after %v (%v)", took, err)
	}
}

// idleConns opens up to n connections, each making one management call
// and keeping its connection; a connection that gets no answer in 3 s is
// given up, and three such end the opening.
func idleConns(p *proc, n int) ([]net.Conn, int) {
	var conns []net.Conn
	req := "GET /v2/apis HTTP/1.1\r\nHost: " + p.addr + "\r\n\r\n"
	for i, misses := 0, 0; i < n && misses < 3; i++ {
		c, err := net.DialTimeout("tcp", p.addr, 3*time.Second)
		if err != nil {
			misses++
			continue
		}
		c.SetDeadline(time.Now().Add(3 * time.Second))
		io.WriteString(c, req)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			c.Close()
			misses++
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		c.SetDeadline(time.Time{})
		conns = append(conns, c)
	}
	return conns, len(conns)
}

// brief is the start of an answer's body on one line; of an XML error,
// its code.
func brief(r io.Reader) string {
	body, _ := io.ReadAll(io.LimitReader(r, 4096))
	if _, code, ok := strings.Cut(string(body), "<Code>"); ok {
		code, _, _ = strings.Cut(code, "</Code>")
		return "<Code>" + code + "</Code>"
	}
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
