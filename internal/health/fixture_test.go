package health

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
)

const (
	albARN      = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/1"
	nlbARN      = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/edge/2"
	webTG       = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1"
	tcpTG       = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/tcp/2"
	albTG       = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/albs/3"
	webListener = "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/web/1/l1"
	nlbListener = "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/net/edge/2/l2"
	interval    = 10 * time.Second
)

// world is a VPC with an ALB (sg-alb) and an NLB without groups, each in
// subnets a (10.0.1.0/24) and b (10.0.2.0/24), and security groups for
// targets: sg-app admits the ALB's group, sg-closed admits nothing, sg-nlb-a
// admits only subnet a.
type world struct {
	t   *testing.T
	st  *mem.Store
	clk *clocktest.Fake
	chk *Checker
}

func newWorld(t *testing.T, opts ...func(*Config)) *world {
	t.Helper()
	w := &world{t: t, st: mem.New(), clk: clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
	w.put(
		&model.VPC{ID: "vpc-1", CidrBlock: "10.0.0.0/16"},
		&model.Subnet{ID: "subnet-a", VpcID: "vpc-1", CidrBlock: "10.0.1.0/24", AvailabilityZone: "us-east-1a"},
		&model.Subnet{ID: "subnet-b", VpcID: "vpc-1", CidrBlock: "10.0.2.0/24", AvailabilityZone: "us-east-1b"},
		&model.SecurityGroup{ID: "sg-alb", VpcID: "vpc-1",
			Egress: []model.Rule{{Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"}}},
		&model.SecurityGroup{ID: "sg-app", VpcID: "vpc-1",
			Ingress: []model.Rule{{ID: "sgr-app-alb", Protocol: "tcp", FromPort: 0, ToPort: 65535, GroupID: "sg-alb"}}},
		&model.SecurityGroup{ID: "sg-closed", VpcID: "vpc-1"},
		&model.SecurityGroup{ID: "sg-nlb-a", VpcID: "vpc-1",
			Ingress: []model.Rule{{ID: "sgr-nlb-a", Protocol: "tcp", FromPort: 0, ToPort: 65535, CidrIPv4: "10.0.1.0/24"}}},
		&model.NetworkInterface{ID: "eni-alb-a", VpcID: "vpc-1", SubnetID: "subnet-a", PrivateIP: "10.0.1.10", Groups: []string{"sg-alb"}},
		&model.NetworkInterface{ID: "eni-alb-b", VpcID: "vpc-1", SubnetID: "subnet-b", PrivateIP: "10.0.2.10", Groups: []string{"sg-alb"}},
		&model.NetworkInterface{ID: "eni-nlb-a", VpcID: "vpc-1", SubnetID: "subnet-a", PrivateIP: "10.0.1.11"},
		&model.NetworkInterface{ID: "eni-nlb-b", VpcID: "vpc-1", SubnetID: "subnet-b", PrivateIP: "10.0.2.11"},
		&model.LoadBalancer{ARN: albARN, Name: "web", Type: "application", VpcID: "vpc-1",
			Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-alb"},
			Interfaces: map[string]string{"subnet-a": "eni-alb-a", "subnet-b": "eni-alb-b"}},
		&model.LoadBalancer{ARN: nlbARN, Name: "edge", Type: "network", VpcID: "vpc-1",
			Subnets:    []string{"subnet-a", "subnet-b"},
			Interfaces: map[string]string{"subnet-a": "eni-nlb-a", "subnet-b": "eni-nlb-b"}},
	)
	cfg := Config{Store: w.st, Clock: w.clk}
	for _, o := range opts {
		o(&cfg)
	}
	w.chk = NewChecker(cfg)
	w.chk.Start()
	t.Cleanup(w.chk.Stop)
	return w
}

func (w *world) put(recs ...model.Record) {
	w.t.Helper()
	_, err := w.st.Update(func(tx store.Tx) error {
		mtx := model.Tx{Tx: tx, Account: "000000000000", Region: "us-east-1"}
		for _, r := range recs {
			if err := model.Put(mtx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// rounds lets the checker see every write, then runs n intervals. Rounds
// run inside Advance, so their results are visible when it returns.
func (w *world) rounds(n int) {
	w.t.Helper()
	for range n {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := w.chk.Sync(ctx)
		cancel()
		if err != nil {
			w.t.Fatal(err)
		}
		w.clk.Advance(interval)
	}
}

func (w *world) want(tg, id string, port int, state, reason string) {
	w.t.Helper()
	got := w.chk.Table().TargetHealth(tg, id, port)
	if got.State != state || got.Reason != reason {
		w.t.Fatalf("%s:%d is %q/%q (%s), want %q/%q", id, port, got.State, got.Reason, got.Description, state, reason)
	}
}

// webGroup is an HTTP group of ip targets behind the ALB, checked on
// /health every 10s with thresholds 3 (healthy) and 2 (unhealthy).
func webGroup(targets ...model.Target) *model.TargetGroup {
	return &model.TargetGroup{ARN: webTG, Name: "web", Protocol: "HTTP", Port: 80, VpcID: "vpc-1", TargetType: "ip",
		HealthCheck: model.HealthCheck{Enabled: true, Protocol: "HTTP", Port: "traffic-port", Path: "/health",
			IntervalSeconds: 10, TimeoutSeconds: 5, HealthyThreshold: 3, UnhealthyThreshold: 2, Matcher: "200"},
		Targets: targets}
}

func forward(listenerARN, lbARN string, port int, tgARN string) *model.Listener {
	return &model.Listener{ARN: listenerARN, LoadBalancerARN: lbARN, Port: port, Protocol: "HTTP",
		DefaultActions: []model.Action{{Type: "forward", TargetGroups: []model.WeightedTargetGroup{{ARN: tgARN, Weight: 1}}}}}
}

func appENI(id, ip string, groups ...string) *model.NetworkInterface {
	return &model.NetworkInterface{ID: id, VpcID: "vpc-1", SubnetID: "subnet-a", PrivateIP: ip, Groups: groups}
}

// backend is a real HTTP server on loopback that counts the connections it
// accepts and can be stopped and started again on the same port.
type backend struct {
	t       *testing.T
	addr    string
	port    int
	handler http.Handler
	srv     *httptest.Server
	conns   atomic.Int32
}

func newBackend(t *testing.T, h http.HandlerFunc) *backend {
	t.Helper()
	b := &backend{t: t, handler: h}
	b.start("127.0.0.1:0")
	_, p, _ := net.SplitHostPort(b.addr)
	b.port, _ = strconv.Atoi(p)
	t.Cleanup(b.stop)
	return b
}

func (b *backend) start(addr string) {
	b.t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		b.t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	b.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == markerPath {
			return
		}
		b.handler.ServeHTTP(rw, r)
	}))
	b.srv.Listener = ln
	b.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			b.conns.Add(1)
		}
	}
	b.srv.Start()
}

func (b *backend) stop() {
	if b.srv != nil {
		b.srv.Close()
		b.srv = nil
	}
}

func (b *backend) restart() { b.start(b.addr) }

// accepted is the number of connections the backend has accepted. A TCP
// check's connection is established before the server gets round to
// accepting it, so a plain count may lag. accepted sends a request of its
// own on a new connection: the server counts each connection in its accept
// loop before serving it, and accepts in arrival order, so once that request
// is answered every earlier connection has been counted.
func (b *backend) accepted() int32 {
	b.t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + b.addr + markerPath)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return b.conns.Add(-1) // not the marker's own
}

const markerPath = "/__accepted"

func ok(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }
