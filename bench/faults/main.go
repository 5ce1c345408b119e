// Command faults puts gatehouse through faults and attacks, each bounded in
// time and count, and reports what clients saw and what the server held.
//
// load: load through an HTTP API private path (route -> VPC link V2 ->
// internal ALB -> two real backends) while it stops and restarts backends
// and revokes and restores the ALB's security group rule; then whether the
// server's memory, goroutines and file descriptors came back to their
// baseline. It runs gatehouse in this process.
//
// selfloop: an HTTP_PROXY integration whose URI is the API's own invoke
// URL, for each API type, and one request through it. stall: request
// bodies that stop after one byte, a management request announcing 100 MB
// and sending one byte, and many idle keep-alive connections. Both run a
// `gatehouse serve` process (-gatehouse) under a descriptor limit of its
// own and read its descriptors, memory and threads from /proc, and its
// goroutines from the profiler where it answers; meanwhile a management
// call and another API are asked every 250 ms on new connections.
//
//	go run ./bench/faults -run load,selfloop,stall -gatehouse BIN -duration 3m -conns 16
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse"
)

func main() {
	duration := flag.Duration("duration", 3*time.Minute, "how long to run the load (bounded)")
	conns := flag.Int("conns", 16, "concurrent clients")
	timeoutMs := flag.Int("timeout-ms", 2000, "load: the integration's timeoutInMillis")
	run := flag.String("run", "load,selfloop,stall", "scenarios to run, in order")
	var o attackOptions
	flag.StringVar(&o.bin, "gatehouse", "", "selfloop, stall: the gatehouse binary to run")
	serveFlags := flag.String("serve-flags", "", "selfloop, stall: more `gatehouse serve` flags, space-separated")
	flag.IntVar(&o.loopNofile, "loop-nofile", 20000, "selfloop: the server's descriptor limit")
	flag.IntVar(&o.stallFiles, "stall-nofile", 1024, "stall: the server's descriptor limit")
	flag.IntVar(&o.idleConns, "idle-conns", 1014, "stall: idle keep-alive connections to open")
	flag.DurationVar(&o.stallWait, "stall-wait", 60*time.Second, "stall: how long to hold a stalled body at most")
	flag.DurationVar(&o.idleWait, "idle-wait", 75*time.Second, "stall: how long to hold the idle connections at most")
	flag.IntVar(&o.maxRSS, "max-rss", 2048, "selfloop, stall: resident MiB past which the server is killed")
	flag.Parse()
	o.serveFlags = strings.Fields(*serveFlags)
	for _, sc := range strings.Split(*run, ",") {
		switch sc {
		case "load":
			load(*duration, *conns, *timeoutMs)
		case "selfloop", "stall":
			if o.bin == "" {
				log.Fatal("-gatehouse names the binary the selfloop and stall scenarios run")
			}
			if o.dir == "" {
				var err error
				o.dir, err = os.MkdirTemp("", "faults")
				check(err)
				fmt.Printf("server logs in %s\n", o.dir)
			}
			if sc == "selfloop" {
				selfLoop(o, okBackend())
			} else {
				stalls(o, okBackend())
			}
		default:
			log.Fatalf("unknown scenario %q (load, selfloop, stall)", sc)
		}
	}
}

// load runs the load scenario: backends stopped, a rule revoked, in turn.
func load(duration time.Duration, conns, timeoutMs int) {
	ctx := context.Background()

	srv, err := gatehouse.Start(ctx, gatehouse.Config{Listen: "127.0.0.1:0", InMemory: true, VpcLinkDelay: -1})
	check(err)
	defer srv.Close()
	backends := []*backend{newBackend("a"), newBackend("b")}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("faults", "faults", "")}
	apiID, revoke, restore := setup(ctx, cfg, backends, timeoutMs)
	url := srv.URL() + "/_aws/execute-api/" + apiID + "/load"

	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
	get(client, url) // warm up
	client.CloseIdleConnections()
	srv.CloseIdleConnections()
	time.Sleep(time.Second)
	runtime.GC()
	base := measure()

	var mu sync.Mutex
	statuses := map[string]int{}
	var maxLatency atomic.Int64
	stop := time.Now().Add(duration)
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				start := time.Now()
				status := get(client, url)
				if d := int64(time.Since(start)); d > maxLatency.Load() {
					maxLatency.Store(d)
				}
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			}
		}()
	}
	// Faults, in turn, until the load stops.
	faults := []struct {
		name    string
		on, off func()
	}{
		{"backend a down", backends[0].stop, backends[0].start},
		{"ALB rule revoked", revoke, restore},
		{"both backends down", func() { backends[0].stop(); backends[1].stop() }, func() { backends[0].start(); backends[1].start() }},
	}
	for i := 0; time.Now().Add(8 * time.Second).Before(stop); i++ {
		f := faults[i%len(faults)]
		log.Printf("fault: %s", f.name)
		f.on()
		time.Sleep(4 * time.Second)
		f.off()
		time.Sleep(4 * time.Second)
	}
	wg.Wait()
	client.CloseIdleConnections()
	srv.CloseIdleConnections()
	time.Sleep(2 * time.Second) // let both ends see the connections close
	runtime.GC()
	after := measure()

	fmt.Printf("duration %v, %d clients, integration timeout %d ms\n", duration, conns, timeoutMs)
	keys := make([]string, 0, len(statuses))
	for k := range statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("  %-28s %d\n", k, statuses[k])
	}
	fmt.Printf("max latency %v (integration timeout %v)\n", time.Duration(maxLatency.Load()).Round(time.Millisecond), time.Duration(timeoutMs)*time.Millisecond)
	fmt.Printf("goroutines %d -> %d, heap %d KiB -> %d KiB, open fds %d -> %d\n",
		base.goroutines, after.goroutines, base.heap>>10, after.heap>>10, base.fds, after.fds)
}

func get(c *http.Client, url string) string {
	resp, err := c.Get(url)
	if err != nil {
		return "client error: " + err.Error()
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}

type snapshot struct {
	goroutines int
	heap       uint64
	fds        int
}

func measure() snapshot {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fds, _ := os.ReadDir("/proc/self/fd")
	return snapshot{goroutines: runtime.NumGoroutine(), heap: m.HeapAlloc, fds: len(fds)}
}

// backend is a loopback server that can be stopped and started on its port.
type backend struct {
	name string
	port int
	mu   sync.Mutex
	srv  *http.Server
}

func newBackend(name string) *backend {
	b := &backend{name: name}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	b.port = ln.Addr().(*net.TCPAddr).Port
	b.serve(ln)
	return b
}

func (b *backend) serve(ln net.Listener) {
	b.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, b.name) })}
	go b.srv.Serve(ln)
}

func (b *backend) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.srv.Close()
}

func (b *backend) start() {
	b.mu.Lock()
	defer b.mu.Unlock()
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(b.port))
	check(err)
	b.serve(ln)
}

// setup builds the private path through the management APIs and returns the
// API id and functions that revoke and restore the ALB's rule for the link.
func setup(ctx context.Context, cfg aws.Config, backends []*backend, timeoutMs int) (string, func(), func()) {
	e, lb, gw := ec2.NewFromConfig(cfg), elb.NewFromConfig(cfg), apigatewayv2.NewFromConfig(cfg)
	vpc := must(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})).Vpc.VpcId
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s := must(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc, AvailabilityZone: aws.String(az), CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i+1))}))
		subnets = append(subnets, aws.ToString(s.Subnet.SubnetId))
	}
	linkSG := must(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("link"), Description: aws.String("link"), VpcId: vpc})).GroupId
	albSG := must(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("alb"), Description: aws.String("alb"), VpcId: vpc})).GroupId
	perm := []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
		UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: linkSG}}}}
	must(e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albSG, IpPermissions: perm}))
	tg := must(lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("faults"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: vpc, TargetType: elbtypes.TargetTypeEnumIp, HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2),
		HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2)})).TargetGroups[0].TargetGroupArn
	// The backends' interfaces, in a group admitting the VPC: an address no
	// interface owns answers nothing.
	appSG := must(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("app"), Description: aws.String("app"), VpcId: vpc})).GroupId
	must(e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: appSG, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}}}))
	var targets []elbtypes.TargetDescription
	for i, b := range backends {
		ip := fmt.Sprintf("10.0.%d.10", i+1)
		must(e.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnets[i]), PrivateIpAddress: aws.String(ip),
			Groups: []string{aws.ToString(appSG)}}))
		targets = append(targets, elbtypes.TargetDescription{Id: aws.String(ip), Port: aws.Int32(int32(b.port))})
	}
	must(lb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg, Targets: targets}))
	alb := must(lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("faults"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: subnets, SecurityGroups: []string{aws.ToString(albSG)}})).LoadBalancers[0].LoadBalancerArn
	listener := must(lb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg}}})).Listeners[0].ListenerArn
	link := must(gw.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("faults"), SubnetIds: subnets, SecurityGroupIds: []string{aws.ToString(linkSG)}})).VpcLinkId
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if must(gw.GetVpcLink(ctx, &apigatewayv2.GetVpcLinkInput{VpcLinkId: link})).VpcLinkStatus == "AVAILABLE" {
			break
		}
		if time.Now().After(deadline) {
			log.Fatal("VPC link never became AVAILABLE")
		}
	}
	api := must(gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("faults"), ProtocolType: "HTTP"})).ApiId
	integ := must(gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api, IntegrationType: "HTTP_PROXY", ConnectionType: "VPC_LINK",
		ConnectionId: link, IntegrationUri: listener, IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0"),
		TimeoutInMillis: aws.Int32(int32(timeoutMs))})).IntegrationId
	must(gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api, RouteKey: aws.String("ANY /{proxy+}"), Target: aws.String("integrations/" + aws.ToString(integ))}))
	must(gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}))
	time.Sleep(500 * time.Millisecond) // the data plane compiles asynchronously
	revoke := func() {
		must(e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: albSG, IpPermissions: perm}))
	}
	restore := func() {
		must(e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albSG, IpPermissions: perm}))
	}
	return aws.ToString(api), revoke, restore
}

func must[T any](v T, err error) T {
	check(err)
	return v
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
