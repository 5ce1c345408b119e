package dataplane_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/dataplane"
	"gatehouse/internal/dial"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
	"gatehouse/internal/usage"
)

// TestExplainMatchesServing builds random small topologies (an HTTP or REST
// API, a V2 or v1 link in some zones, an ALB or NLB in some zones with
// cross-zone load balancing on or off, groups that admit each hop or not,
// a subnet's network ACL that denies a port one way, a link in a VPC
// nothing connects to the balancer's, targets healthy and running or
// unhealthy and down, or an HTTP API's link straight to a Cloud Map
// service whose instances are the targets, some not matching the
// integration's query) and checks that
// explain's verdict is what real requests through the data plane to real
// loopback backends get: OK means every request reaches a backend; BROKEN
// means requests get the statuses explain predicts, and only those, and
// some reach a backend only when explain says the path fails partially.
// The generator is seeded, so every run checks the same topologies.
//
// No outcome depends on how fast the machine is: the integration timeout
// is far longer than any answer takes, and a request a security group
// drops is held on the plane's fake clock, which the test advances once
// every request still out is held, so dropped requests end with the
// answers a timeout gives and no answer races a wall clock.
func TestExplainMatchesServing(t *testing.T) {
	tr := dial.New().H1Transport()
	// Topologies run eight at a time, each with its own plane and clock.
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		verdict = map[string]int{}
		slots   = make(chan struct{}, 8)
	)
	for seed := uint64(1); seed <= 120; seed++ {
		topo := generate(rand.New(rand.NewPCG(seed, 11)))
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			t.Run(fmt.Sprintf("seed%d-%s", seed, topo.kind()), func(t *testing.T) {
				v := topo.check(t, tr)
				mu.Lock()
				verdict[topo.kind()]++
				verdict[v]++
				mu.Unlock()
			})
		}()
	}
	wg.Wait()
	t.Logf("topologies and verdicts: %v", verdict)
}

var zones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

type topology struct {
	rest, v1, alb bool
	restHTTP      bool // a REST HTTP (not proxy) integration, whose responses map 5xx to 503
	// albBehind puts an ALB in albZones behind the NLB, as its one
	// alb-type target; the targets are then the ALB's. Its group admits
	// the NLB's nodes in admitZones, or the NLB's group.
	albBehind    bool
	albZones     []int
	linkStatus   string
	linkZones    []int // zones with a link ENI (V2 links)
	linkEgress   bool  // the link group lets traffic out
	lbZones      []int // zones with a balancer node
	lbGroup      bool  // the balancer has a security group (always for an ALB)
	lbAdmits     bool  // its group admits the link's group (or PrivateLink's 0.0.0.0/0)
	crossZone    bool  // NLB cross-zone load balancing
	admitZones   []int // zones whose balancer node the targets' group admits by CIDR
	admitLBGroup bool  // the targets' group admits the balancer's group
	targets      []target
	// timeoutMillis is the integration timeout: longer than an ALB's
	// connect timeout (a hop the ALB's group drops gets the ALB's 504
	// page) or shorter (the caller gives up first).
	timeoutMillis int
	// aclZone is the zone whose subnet has a network ACL of its own (-1:
	// none), which allows everything but, by aclDeny: 1 inbound tcp/80, 2
	// outbound tcp/1024-65535 (answers and flows to targets leaving it), 3
	// inbound tcp/1024-65535.
	aclZone, aclDeny int
	// farLink puts the V2 link's interfaces in another VPC, which nothing
	// connects to the balancer's.
	farLink bool
	// cloudMap sends an HTTP API's link straight to a Cloud Map service
	// with custom health checks, whose instances are the targets; the
	// balancer is left unused.
	cloudMap bool
}

type target struct {
	zone    int
	healthy bool // healthy and running, else unhealthy and down
	// blue is a Cloud Map instance the integration's query (color=green)
	// does not match.
	blue bool
}

func (tp *topology) kind() string {
	k := "http"
	if tp.rest {
		k = "rest"
	}
	if tp.restHTTP {
		k += "-http"
	}
	switch {
	case tp.cloudMap:
		k += "-cloudmap"
	case tp.v1:
		k += "-v1"
	case tp.alb:
		k += "-alb"
	default:
		k += "-nlb"
	}
	if tp.albBehind && !tp.cloudMap {
		k += "-alb"
	}
	if tp.aclZone >= 0 && tp.aclDeny > 0 {
		k += "-acl"
	}
	if tp.farLink {
		k += "-farvpc"
	}
	return k
}

// generate draws a topology; each choice is biased towards working, so
// that both verdicts are common.
func generate(r *rand.Rand) *topology {
	chance := func(p float64) bool { return r.Float64() < p }
	subset := func() []int {
		var out []int
		for z := range zones {
			if chance(0.6) {
				out = append(out, z)
			}
		}
		if len(out) == 0 {
			out = []int{r.IntN(len(zones))}
		}
		return out
	}
	tp := &topology{rest: chance(0.5), linkStatus: model.LinkAvailable, linkEgress: chance(0.9), lbAdmits: chance(0.8),
		crossZone: chance(0.5), admitLBGroup: chance(0.4)}
	tp.v1 = tp.rest && chance(0.4)
	tp.restHTTP = tp.rest && chance(0.4)
	tp.alb = !tp.v1 && chance(0.5)
	tp.lbGroup = tp.alb || chance(0.5)
	if chance(0.08) {
		tp.linkStatus = []string{model.LinkPending, model.LinkInactive}[r.IntN(2)]
	}
	tp.linkZones, tp.lbZones = subset(), subset()
	tp.albBehind = !tp.alb && chance(0.3)
	tp.albZones = subset()
	for z := range zones {
		if chance(0.75) {
			tp.admitZones = append(tp.admitZones, z)
		}
	}
	for range 1 + r.IntN(3) {
		tp.targets = append(tp.targets, target{zone: r.IntN(len(zones)), healthy: chance(0.65)})
	}
	tp.timeoutMillis = []int{8000, 29000}[r.IntN(2)]
	tp.aclZone = -1
	if chance(0.3) {
		tp.aclZone, tp.aclDeny = r.IntN(len(zones)), r.IntN(4)
	}
	tp.farLink = !tp.v1 && chance(0.08)
	// Drawn last, so that the topologies drawn before Cloud Map was
	// added stay as they were.
	tp.cloudMap = !tp.rest && chance(0.3)
	if tp.cloudMap {
		for i := range tp.targets {
			tp.targets[i].blue = chance(0.2)
		}
	}
	return tp
}

// health is the target health table the data plane and explain share.
type health map[string]bool

func (h health) Healthy(tg, id string, port int) bool { return h[fmt.Sprint(tg, id, port)] }

func (h health) status(tg, id string, port int) (string, string) {
	if h[fmt.Sprint(tg, id, port)] {
		return "healthy", ""
	}
	return "unhealthy", "Target.FailedHealthChecks"
}

// check compares explain with serving for tp, and returns explain's
// verdict.
func (tp *topology) check(t *testing.T, tr http.RoundTripper) string {
	st := mem.New()
	h := health{}
	network, apis := tp.records(t, h)
	put(t, st, network...)
	// The plane is built as the server builds it, on the store's change
	// feed; the API is created after the network, as a user does, so the
	// plane compiles it against the balancers it compiled already.
	clk := &holdClock{Fake: clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), held: make(chan struct{}, 64)}
	loader := model.NewLoader(st)
	plane := dataplane.New(dataplane.Config{
		Load:     loader.Load,
		Watch:    st.Watch,
		Revision: st.Revision,
		Changed: func(after, upto uint64) ([]string, uint64, bool) {
			return model.Changed(st, after, upto)
		},
		Clock:     clk,
		Health:    h,
		Links:     usage.NewLinks(),
		Transport: tr,
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	plane.Start()
	defer plane.Stop()
	put(t, st, apis...)
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, plane.Sync(sctx))

	api, route, path := "httpapi001", "/x", "/x"
	if tp.rest {
		api, route, path = "restapi001", "GET /x", "/prod/x"
	}
	rep, err := plane.Snapshot().Explain(api, "", route, h.status)
	if err != nil {
		t.Fatal(err)
	}
	pa := rep.Paths[0]
	predicted := map[int]bool{}
	for _, f := range pa.Failures {
		predicted[f.Status] = true
	}

	// Requests run side by side. One whose packets are dropped is held on
	// the plane's clock; once every request still out is held, moving the
	// clock past the integration timeout ends their waits.
	const n = 8
	codes := make([]int, n)
	bodies := make([]string, n)
	answered := make(chan struct{}, n)
	for i := range n {
		go func() {
			defer func() { answered <- struct{}{} }()
			req := httptest.NewRequest("GET", "http://"+api+".execute-api.localhost"+path, nil)
			rec := httptest.NewRecorder()
			plane.ServeHTTP(rec, req)
			codes[i], bodies[i] = rec.Code, rec.Body.String()
		}()
	}
	stuck := time.NewTimer(time.Minute) // only a hang ends here
	defer stuck.Stop()
	done, waiting, held := 0, 0, 0
	for done < n {
		select {
		case <-answered:
			done++
		case <-clk.held:
			waiting++
			held++
		case <-stuck.C:
			t.Fatalf("%d of %d requests neither answered nor held by a dropped hop", n-done-waiting, n)
		}
		if waiting > 0 && done+waiting == n {
			clk.Advance(time.Duration(tp.timeoutMillis) * time.Millisecond)
			waiting = 0
		}
	}
	reached := 0
	for i, code := range codes {
		backend := code == 200 && strings.HasPrefix(bodies[i], `{"Backend":"target-`)
		switch {
		case backend:
			reached++
		case pa.OK:
			t.Errorf("explain says OK, a request got %d %s", code, bodies[i])
		case !predicted[code]:
			t.Errorf("explain predicts %+v, a request got %d %s", pa.Failures, code, bodies[i])
		}
	}
	if pa.OK && held > 0 {
		t.Errorf("explain says OK, %d of %d requests were dropped by the network", held, n)
	}
	if !pa.OK && !pa.Partial && reached > 0 {
		t.Errorf("explain says every request fails (%+v), %d of %d reached a backend", pa.Failures, reached, n)
	}
	if pa.OK != (len(pa.Failures) == 0) {
		t.Errorf("explain OK=%v with failures %+v and problems %q", pa.OK, pa.Failures, pa.Problems)
	}
	if t.Failed() {
		t.Logf("topology %+v\nhops:", *tp)
		for _, hop := range pa.Hops {
			t.Logf("  %s -> %s: %v %s", hop.From, hop.To, hop.Verdict.Allowed, hop.Reason)
		}
		t.Logf("problems %q notes %q", pa.Problems, pa.Notes)
	}
	switch {
	case pa.OK:
		return "ok"
	case pa.Partial:
		return "partial"
	}
	return fmt.Sprint("broken ", pa.Failures[0].Status)
}

// holdClock is the plane's fake clock. In the data plane only a request
// held by a dropped hop (the caller's wait for its timeout, an ALB's
// connect attempt) sets a timer, so each timer is a request held.
type holdClock struct {
	*clocktest.Fake
	held chan struct{}
}

func (c *holdClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	tm := c.Fake.AfterFunc(d, f)
	c.held <- struct{}{}
	return tm
}

// records are the topology's network and its API, with h filled in; a
// backend starts for each healthy target, and an unhealthy target's port
// refuses every connection.
func (tp *topology) records(t *testing.T, h health) (network, apis []model.Record) {
	const vpc = "vpc-prop"
	var recs []model.Record
	recs = append(recs, &model.VPC{ID: vpc, CidrBlock: "10.0.0.0/16", State: "available"})
	subnet := func(z int) string { return fmt.Sprintf("subnet-%d", z) }
	cidr := func(z int) string { return fmt.Sprintf("10.0.%d.0/24", z+1) }
	for z, az := range zones {
		recs = append(recs, &model.Subnet{ID: subnet(z), VpcID: vpc, CidrBlock: cidr(z), AvailabilityZone: az})
	}
	all := []model.Rule{{ID: "sgr-all", Protocol: "-1", CidrIPv4: "0.0.0.0/0"}}
	group := func(id string, egress bool, ingress ...model.Rule) {
		g := &model.SecurityGroup{ID: id, VpcID: vpc, Name: strings.TrimPrefix(id, "sg-"), Ingress: ingress}
		if egress {
			g.Egress = all
		}
		recs = append(recs, g)
	}
	eni := func(id string, z int, ip string, groups ...string) {
		recs = append(recs, &model.NetworkInterface{ID: id, SubnetID: subnet(z), VpcID: vpc, AvailabilityZone: zones[z], PrivateIP: ip, Groups: groups})
	}

	if z := tp.aclZone; z >= 0 {
		all := func(n int, egress bool) model.ACLEntry {
			return model.ACLEntry{RuleNumber: n, Egress: egress, Protocol: "-1", Action: "allow", CidrBlock: "0.0.0.0/0"}
		}
		acl := &model.NetworkACL{ID: "acl-prop", VpcID: vpc, Entries: []model.ACLEntry{all(100, false), all(100, true)},
			Associations: []model.ACLAssociation{{ID: "aclassoc-prop", SubnetID: subnet(z)}}}
		deny := model.ACLEntry{RuleNumber: 50, Protocol: "6", Action: "deny", CidrBlock: "0.0.0.0/0", FromPort: 1024, ToPort: 65535}
		switch tp.aclDeny {
		case 1:
			deny.FromPort, deny.ToPort = 80, 80
		case 2:
			deny.Egress = true
		}
		if tp.aclDeny > 0 {
			acl.Entries = append(acl.Entries, deny)
		}
		recs = append(recs, acl)
	}

	// The link, in the balancer's VPC or in one nothing connects to it.
	group("sg-link", tp.linkEgress)
	linkVPC, linkNet, linkSubnet := vpc, "10.0", subnet
	if tp.farLink {
		linkVPC, linkNet = "vpc-far", "10.1"
		linkSubnet = func(z int) string { return fmt.Sprintf("subnet-far%d", z) }
		recs = append(recs, &model.VPC{ID: linkVPC, CidrBlock: "10.1.0.0/16", State: "available"})
		for z, az := range zones {
			recs = append(recs, &model.Subnet{ID: linkSubnet(z), VpcID: linkVPC, CidrBlock: fmt.Sprintf("10.1.%d.0/24", z+1), AvailabilityZone: az})
		}
	}
	link := &model.VpcLink{ID: "vlink01", Name: "link", VpcID: linkVPC, SecurityGroupIDs: []string{"sg-link"}, Status: tp.linkStatus, Interfaces: map[string]string{}}
	if !tp.v1 {
		for _, z := range tp.linkZones {
			id := fmt.Sprintf("eni-link%d", z)
			link.SubnetIDs = append(link.SubnetIDs, linkSubnet(z))
			link.Interfaces[linkSubnet(z)] = id
			recs = append(recs, &model.NetworkInterface{ID: id, SubnetID: linkSubnet(z), VpcID: linkVPC, AvailabilityZone: zones[z],
				PrivateIP: fmt.Sprintf("%s.%d.50", linkNet, z+1), Groups: []string{"sg-link"}})
		}
		recs = append(recs, link)
	}

	// The balancer.
	lbType, lbARN := "network", "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/lb/1"
	if tp.alb {
		lbType, lbARN = "application", "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/lb/1"
	}
	lb := &model.LoadBalancer{ARN: lbARN, Name: "lb", Type: lbType, Scheme: "internal", VpcID: vpc, Interfaces: map[string]string{},
		State: "active", Attributes: map[string]string{"load_balancing.cross_zone.enabled": fmt.Sprint(tp.crossZone)}}
	var lbGroups []string
	if tp.lbGroup {
		lbGroups = []string{"sg-lb"}
		var in []model.Rule
		switch {
		case tp.lbAdmits && tp.v1:
			in = []model.Rule{{ID: "sgr-lb", Protocol: "tcp", FromPort: 80, ToPort: 80, CidrIPv4: "0.0.0.0/0"}}
		case tp.lbAdmits:
			in = []model.Rule{{ID: "sgr-lb", Protocol: "tcp", FromPort: 80, ToPort: 80, GroupID: "sg-link"}}
		}
		group("sg-lb", true, in...)
		lb.SecurityGroups = lbGroups
	}
	for _, z := range tp.lbZones {
		id := fmt.Sprintf("eni-lb%d", z)
		lb.Subnets = append(lb.Subnets, subnet(z))
		lb.Interfaces[subnet(z)] = id
		eni(id, z, fmt.Sprintf("10.0.%d.4", z+1), lbGroups...)
	}
	recs = append(recs, lb)

	// The targets, behind one group.
	var in []model.Rule
	for _, z := range tp.admitZones {
		in = append(in, model.Rule{ID: fmt.Sprintf("sgr-z%d", z), Protocol: "tcp", FromPort: 1024, ToPort: 65535, CidrIPv4: cidr(z)})
	}
	if tp.admitLBGroup && tp.lbGroup {
		in = append(in, model.Rule{ID: "sgr-lbg", Protocol: "tcp", FromPort: 1024, ToPort: 65535, GroupID: "sg-lb"})
	}
	if tp.albBehind {
		in = append(in, model.Rule{ID: "sgr-alb2", Protocol: "tcp", FromPort: 1024, ToPort: 65535, GroupID: "sg-alb2"})
	}
	group("sg-targets", true, in...)
	tgARN := "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/tg/1"
	tg := &model.TargetGroup{ARN: tgARN, Name: "tg", Protocol: "HTTP", Port: 80, VpcID: vpc, TargetType: "ip"}
	if !tp.alb && !tp.albBehind {
		tg.Protocol = "TCP"
	}
	for i, tt := range tp.targets {
		ip := fmt.Sprintf("10.0.%d.%d", tt.zone+1, 10+i)
		port := down(t)
		if tt.healthy {
			port = echo(t, fmt.Sprintf("target-%d", i))
			h[fmt.Sprint(tgARN, ip, port)] = true
		}
		eni(fmt.Sprintf("eni-t%d", i), tt.zone, ip, "sg-targets")
		tg.Targets = append(tg.Targets, model.Target{ID: ip, Port: port})
	}
	recs = append(recs, tg)
	listenerARN := "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/lb/1/80"
	forward := tgARN
	if tp.albBehind {
		// The inner ALB forwards to the targets; the NLB's group holds
		// the ALB.
		albARN := "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/alb2/1"
		var admit []model.Rule
		for _, z := range tp.admitZones {
			admit = append(admit, model.Rule{ID: fmt.Sprintf("sgr-a%d", z), Protocol: "tcp", FromPort: 80, ToPort: 80, CidrIPv4: cidr(z)})
		}
		if tp.admitLBGroup && tp.lbGroup {
			admit = append(admit, model.Rule{ID: "sgr-albg", Protocol: "tcp", FromPort: 80, ToPort: 80, GroupID: "sg-lb"})
		}
		group("sg-alb2", true, admit...)
		alb := &model.LoadBalancer{ARN: albARN, Name: "alb2", Type: "application", Scheme: "internal", VpcID: vpc, Interfaces: map[string]string{},
			State: "active", SecurityGroups: []string{"sg-alb2"}}
		for _, z := range tp.albZones {
			id := fmt.Sprintf("eni-alb%d", z)
			alb.Subnets = append(alb.Subnets, subnet(z))
			alb.Interfaces[subnet(z)] = id
			eni(id, z, fmt.Sprintf("10.0.%d.6", z+1), "sg-alb2")
		}
		outer := "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/outer/1"
		anyHealthy := false
		for _, tt := range tp.targets {
			anyHealthy = anyHealthy || tt.healthy
		}
		h[fmt.Sprint(outer, albARN, 80)] = anyHealthy
		recs = append(recs, alb,
			&model.Listener{ARN: "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/alb2/1/80", LoadBalancerARN: albARN, Port: 80, Protocol: "HTTP",
				DefaultActions: []model.Action{{Type: "forward", TargetGroups: []model.WeightedTargetGroup{{ARN: tgARN, Weight: 1}}}}},
			&model.TargetGroup{ARN: outer, Name: "outer", Protocol: "TCP", Port: 80, VpcID: vpc, TargetType: "alb", Targets: []model.Target{{ID: albARN, Port: 80}}})
		forward = outer
	}
	recs = append(recs, &model.Listener{ARN: listenerARN, LoadBalancerARN: lbARN, Port: 80, Protocol: map[bool]string{true: "HTTP", false: "TCP"}[tp.alb],
		DefaultActions: []model.Action{{Type: "forward", TargetGroups: []model.WeightedTargetGroup{{ARN: forward, Weight: 1}}}}})

	apiTarget := listenerARN
	if tp.cloudMap {
		svc := &model.CloudMapService{ID: "srv-prop", ARN: "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-prop", Name: "app", CustomHealth: true}
		apiTarget = svc.ARN + "?color=green"
		recs = append(recs, svc)
		for i, tt := range tg.Targets {
			in := &model.Instance{ServiceID: svc.ID, ID: fmt.Sprintf("inst-%d", i), CustomHealth: model.Unhealthy,
				Attributes: map[string]string{"AWS_INSTANCE_IPV4": tt.ID, "AWS_INSTANCE_PORT": fmt.Sprint(tt.Port), "color": "green"}}
			if tp.targets[i].healthy {
				in.CustomHealth = model.Healthy
			}
			if tp.targets[i].blue {
				in.Attributes["color"] = "blue"
			}
			recs = append(recs, in)
		}
	}

	// The API.
	network, recs = recs, nil
	if tp.rest {
		integ := &model.RestIntegration{Type: "HTTP_PROXY", HTTPMethod: "ANY", ConnectionType: "VPC_LINK", ConnectionID: "vlink01",
			IntegrationTarget: lbARN, URI: "http://lb.internal/{proxy}", TimeoutMillis: tp.timeoutMillis}
		if tp.restHTTP {
			integ.Type = "HTTP"
			integ.IntegrationResponses = map[string]*model.RestIntegrationResponse{"200": {StatusCode: "200"},
				"503": {StatusCode: "503", SelectionPattern: `5\d\d`}}
		}
		if tp.v1 {
			integ.ConnectionID, integ.IntegrationTarget = "v1link01", ""
			recs = append(recs, &model.VpcLinkV1{ID: "v1link01", Name: "nlb", TargetARNs: []string{lbARN}, Status: tp.linkStatus, EndpointService: "vpce-svc-prop"})
		}
		root := model.RestResource{APIID: "restapi001", ID: "root00", Path: "/"}
		proxy := model.RestResource{APIID: "restapi001", ID: "prox00", ParentID: "root00", PathPart: "{proxy+}", Path: "/{proxy+}",
			Methods: map[string]*model.RestMethod{"ANY": {HTTPMethod: "ANY", AuthorizationType: "NONE", Integration: integ}}}
		recs = append(recs, &model.RestAPI{ID: "restapi001", Name: "rest", RootResourceID: "root00"},
			&model.RestDeployment{APIID: "restapi001", ID: "rdep01", Resources: []model.RestResource{root, proxy}},
			&model.RestStage{APIID: "restapi001", Name: "prod", DeploymentID: "rdep01"})
	} else {
		integ := model.Integration{APIID: "httpapi001", ID: "int0001", Type: "HTTP_PROXY", ConnectionType: "VPC_LINK", ConnectionID: "vlink01",
			URI: apiTarget, Method: "ANY", PayloadFormatVersion: "1.0", TimeoutMillis: tp.timeoutMillis}
		recs = append(recs, &model.HTTPAPI{ID: "httpapi001", Name: "http", ProtocolType: "HTTP"},
			&model.Deployment{APIID: "httpapi001", ID: "dep001", Integrations: []model.Integration{integ},
				Routes: []model.Route{{APIID: "httpapi001", ID: "rt00001", RouteKey: "ANY /{proxy+}", Target: "integrations/int0001"}}},
			&model.Stage{APIID: "httpapi001", Name: "$default", DeploymentID: "dep001"})
	}
	return network, recs
}

func put(t *testing.T, st store.Store, recs ...model.Record) {
	t.Helper()
	_, err := st.Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "000000000000", Region: "us-east-1"}
		for _, r := range recs {
			if err := model.Put(mt, r); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, err)
}
