//go:build unix

package gatehouse_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
	"gatehouse/internal/store/bolt"
)

// How many workers write at once, and how many writes are acknowledged
// before the kill. Each worker makes a VPC's worth of resources per round in
// twelve writes, the load balancer eleventh, so 120 among 8 workers means one
// worker has made 15 or more: a load balancer is always among the
// acknowledged writes.
const (
	crashWorkers = 8
	killAfter    = 120
)

// TestAcknowledgedWritesSurviveKill runs `gatehouse serve` as a child process,
// SIGKILLs it in the middle of a burst of concurrent management writes, and
// checks the store it leaves behind: everything the SDK saw succeed is there
// as it was written, and no write is there in part. The in-process server
// cannot show this: its deferred functions and Close would still run.
func TestAcknowledgedWritesSurviveKill(t *testing.T) {
	bin := buildGatehouse(t)
	dir := t.TempDir()

	srv := startProcess(t, bin, dir)
	acked, inFlight := writeUntilKilled(t, srv)
	t.Logf("killed after %d acknowledged writes with %v in flight: %d VPCs, %d ENIs, %d load balancers",
		acked.writes, inFlight, len(acked.vpcs), len(acked.enis), len(acked.lbs))
	if len(acked.lbs) == 0 {
		t.Fatal("no load balancer was acknowledged before the kill; the burst tests too little")
	}

	// Reading the file itself leaves no server code between the test and
	// what the killed process wrote.
	st, err := bolt.Open(dir)
	if err != nil {
		t.Fatalf("reopening the store after kill -9: %v", err)
	}
	snap, err := model.Load(st)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("loading the model after kill -9: %v", err)
	}
	sc := snap.Scopes[model.Scope{Account: "000000000000", Region: "us-east-1"}]
	if sc == nil {
		t.Fatal("the store is empty after kill -9")
	}
	checkAcknowledged(t, sc, acked)
	checkConsistent(t, sc)

	// The restarted server serves the same state and takes new writes.
	srv = startProcess(t, bin, dir)
	checkServed(t, srv.url, acked)
	srv.stop(t)
}

// buildGatehouse builds the command into a temporary directory with the go
// command on PATH (go test puts its own first). Under -race the server is
// built with it too: the build reuses the packages the test build compiled,
// and a data race in the server during the burst fails the test.
func buildGatehouse(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gatehouse")
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, "./cmd/gatehouse")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// process is a running `gatehouse serve`.
type process struct {
	cmd  *exec.Cmd
	url  string
	log  *serveLog
	done chan struct{} // closed once the process has been waited for
	err  error         // Wait's result, once done is closed
}

// startProcess starts the server on a port the kernel picks, with flags
// besides, and returns once it logs that it is serving, which names the
// port.
func startProcess(t *testing.T, bin, dir string, flags ...string) *process {
	t.Helper()
	log := &serveLog{serving: make(chan string, 1)}
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--data-dir", dir}, flags...)...)
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	select {
	case addr := <-log.serving:
		p.url = "http://" + addr
	case <-p.done:
		t.Fatalf("gatehouse serve exited before serving (%v):\n%s", p.err, log)
	case <-time.After(10 * time.Second):
		t.Fatalf("gatehouse serve did not log that it was serving within 10s:\n%s", log)
	}
	return p
}

// kill sends SIGKILL: no deferred function, no shutdown and no store Close
// runs, as after an OOM kill or kill -9.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
	if p.cmd.ProcessState.Success() {
		t.Fatalf("gatehouse exited cleanly before it was killed:\n%s", p.log)
	}
	p.checkRaces(t)
}

// checkRaces fails the test if the race detector reported in the server's
// log; a killed server reports races as it finds them, not at exit.
func (p *process) checkRaces(t *testing.T) {
	t.Helper()
	if log := p.log.String(); strings.Contains(log, "WARNING: DATA RACE") {
		t.Errorf("the server had a data race:\n%s", log)
	}
}

// stop asks for a graceful shutdown and wants a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("gatehouse did not stop within 10s of an interrupt:\n%s", p.log)
	}
	p.checkRaces(t)
	if p.err != nil {
		t.Fatalf("gatehouse stopped with %v:\n%s", p.err, p.log)
	}
}

// serveLog keeps the server's log for failure messages and hands out the
// address from its "gatehouse serving" line.
type serveLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	scanned int
	serving chan string
}

func (l *serveLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(b)
	for {
		rest := l.buf.Bytes()[l.scanned:]
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			return len(b), nil
		}
		l.scanned += nl + 1
		line := string(rest[:nl])
		if !strings.Contains(line, `msg="gatehouse serving"`) {
			continue
		}
		for _, field := range strings.Fields(line) {
			if addr, ok := strings.CutPrefix(field, "addr="); ok {
				select {
				case l.serving <- addr:
				default:
				}
			}
		}
	}
}

func (l *serveLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// The ledger of acknowledged writes: what each resource must look like.
type (
	vpcWant struct {
		cidr string
		tags taggedWant
	}
	subnetWant struct{ vpc, cidr, zone string }
	groupWant  struct {
		vpc, name string
		tags      model.Tags
	}
	ruleWant struct {
		group, cidr, peer string
		port              int
	}
	eniWant struct {
		subnet, ip, description string
		groups                  []string
		tags                    taggedWant
	}
	tgWant struct {
		name, vpc string
		port      int
	}
	lbWant struct {
		name, vpc, kind string
		subnets, groups []string
	}
)

// taggedWant is a resource's acknowledged tags, and tags sent to it in a
// call that was cut off by the kill: the store may hold those or not.
type taggedWant struct {
	acked, pending model.Tags
}

func (w taggedWant) match(got model.Tags) bool {
	with := maps.Clone(w.acked)
	maps.Copy(with, w.pending)
	return maps.Equal(got, w.acked) || maps.Equal(got, with)
}

type ledger struct {
	mu          sync.Mutex
	writes      int64 // acknowledged, some perhaps after the kill was sent
	vpcs        map[string]*vpcWant
	subnets     map[string]subnetWant
	groups      map[string]groupWant
	rules       map[string]ruleWant
	enis        map[string]*eniWant
	deletedENIs []string
	tgs         map[string]tgWant
	lbs         map[string]lbWant
}

// burst runs the workers and kills the server (see maybeKill).
type burst struct {
	ec2      *ec2.Client
	elb      *elb.Client
	acked    ledger
	n        atomic.Int64
	mu       sync.Mutex
	inFlight map[string]int // calls sent and not answered, by operation
	fired    bool
	killNow  chan struct{}
	killed   atomic.Bool
}

func writeUntilKilled(t *testing.T, p *process) (*ledger, map[string]int) {
	t.Helper()
	cfg := servertest.AWSConfig(p.url)
	b := &burst{ec2: ec2.NewFromConfig(cfg), elb: elb.NewFromConfig(cfg), killNow: make(chan struct{}), inFlight: map[string]int{}}
	b.acked = ledger{vpcs: map[string]*vpcWant{}, subnets: map[string]subnetWant{}, groups: map[string]groupWant{},
		rules: map[string]ruleWant{}, enis: map[string]*eniWant{}, tgs: map[string]tgWant{}, lbs: map[string]lbWant{}}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	var wg sync.WaitGroup
	for w := range crashWorkers {
		wg.Go(func() {
			// A bound on rounds keeps a server that never reaches the kill
			// from running the test forever.
			for round := range 50 {
				if !b.round(ctx, t, w, round) {
					return
				}
			}
		})
	}
	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()
	select {
	case <-b.killNow:
	case <-workersDone:
		t.Fatalf("the burst ended after %d acknowledged writes, before the kill", b.n.Load())
	}
	b.mu.Lock()
	inFlight := maps.Clone(b.inFlight)
	b.mu.Unlock()
	// Set before the kill, so any failure a worker sees after it is the
	// kill's doing.
	b.killed.Store(true)
	p.kill(t)
	<-workersDone
	b.acked.writes = b.n.Load()
	return &b.acked, inFlight
}

// call makes one write and reports whether the worker should go on.
func (b *burst) call(t *testing.T, what string, write func() error) bool {
	b.busy(what, 1)
	err := write()
	b.busy(what, -1)
	if err != nil {
		if !b.killed.Load() {
			t.Errorf("%s failed before the kill: %v", what, err)
		}
		return false
	}
	b.n.Add(1)
	b.maybeKill()
	return true
}

// maybeKill fires the kill once enough writes are acknowledged and a load
// balancer is being created: it is the write with the most parts (the
// balancer and an ENI per subnet), so the one most likely to be found half
// done.
func (b *burst) maybeKill() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.fired && b.n.Load() >= killAfter && b.inFlight["CreateLoadBalancer"] > 0 {
		b.fired = true
		close(b.killNow)
	}
}

func (b *burst) busy(op string, delta int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inFlight[op] += delta
	if b.inFlight[op] == 0 {
		delete(b.inFlight, op)
	}
}

// record notes in the ledger what a write, once acknowledged, must have
// left in the store.
func (b *burst) record(fn func(l *ledger)) {
	b.acked.mu.Lock()
	defer b.acked.mu.Unlock()
	fn(&b.acked)
}

// round builds one VPC with two subnets, a group with rules, an ENI (tagged
// after creation), a throwaway ENI that is deleted again, a target group and
// a load balancer, then tags the VPC.
func (b *burst) round(ctx context.Context, t *testing.T, w, round int) bool {
	name := fmt.Sprintf("w%d-r%d", w, round)
	tagSpec := func(kind ec2types.ResourceType) []ec2types.TagSpecification {
		return []ec2types.TagSpecification{{ResourceType: kind, Tags: []ec2types.Tag{
			{Key: aws.String("Name"), Value: aws.String(name)}, {Key: aws.String("worker"), Value: aws.String(fmt.Sprint(w))},
		}}}
	}
	nameTags := model.Tags{"Name": name, "worker": fmt.Sprint(w)}
	cidr := fmt.Sprintf("10.%d.0.0/16", w)

	var vpc string
	ok := b.call(t, "CreateVpc", func() error {
		out, err := b.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr), TagSpecifications: tagSpec(ec2types.ResourceTypeVpc)})
		if err != nil {
			return err
		}
		vpc = aws.ToString(out.Vpc.VpcId)
		b.record(func(l *ledger) { l.vpcs[vpc] = &vpcWant{cidr: cidr, tags: taggedWant{acked: maps.Clone(nameTags)}} })
		return nil
	})
	subnets := make([]string, 2)
	for i, zone := range []string{"us-east-1a", "us-east-1b"} {
		subnetCIDR := fmt.Sprintf("10.%d.%d.0/24", w, i+1)
		ok = ok && b.call(t, "CreateSubnet", func() error {
			out, err := b.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(subnetCIDR),
				AvailabilityZone: aws.String(zone), TagSpecifications: tagSpec(ec2types.ResourceTypeSubnet)})
			if err != nil {
				return err
			}
			subnets[i] = aws.ToString(out.Subnet.SubnetId)
			b.record(func(l *ledger) { l.subnets[subnets[i]] = subnetWant{vpc: vpc, cidr: subnetCIDR, zone: zone} })
			return nil
		})
	}
	var group string
	ok = ok && b.call(t, "CreateSecurityGroup", func() error {
		out, err := b.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("app-" + name),
			Description: aws.String("app tier"), VpcId: aws.String(vpc), TagSpecifications: tagSpec(ec2types.ResourceTypeSecurityGroup)})
		if err != nil {
			return err
		}
		group = aws.ToString(out.GroupId)
		b.record(func(l *ledger) {
			l.groups[group] = groupWant{vpc: vpc, name: "app-" + name, tags: maps.Clone(nameTags)}
		})
		return nil
	})
	ok = ok && b.call(t, "AuthorizeSecurityGroupIngress", func() error {
		out, err := b.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group),
			IpPermissions: []ec2types.IpPermission{
				{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{
					{CidrIp: aws.String("10.0.0.0/8")}, {CidrIp: aws.String("100.64.0.0/10")},
				}},
				// Members of the group reach each other's port 8080.
				{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080),
					UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(group)}}},
			}})
		if err != nil {
			return err
		}
		if len(out.SecurityGroupRules) != 3 {
			return fmt.Errorf("authorizing 3 rules returned %d", len(out.SecurityGroupRules))
		}
		b.record(func(l *ledger) {
			for _, r := range out.SecurityGroupRules {
				want := ruleWant{group: group, port: int(aws.ToInt32(r.FromPort)), cidr: aws.ToString(r.CidrIpv4)}
				if r.ReferencedGroupInfo != nil {
					want.peer = aws.ToString(r.ReferencedGroupInfo.GroupId)
				}
				l.rules[aws.ToString(r.SecurityGroupRuleId)] = want
			}
		})
		return nil
	})
	var eni string
	ok = ok && b.call(t, "CreateNetworkInterface", func() error {
		out, err := b.ec2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnets[0]),
			Groups: []string{group}, Description: aws.String("app " + name), TagSpecifications: tagSpec(ec2types.ResourceTypeNetworkInterface)})
		if err != nil {
			return err
		}
		eni = aws.ToString(out.NetworkInterface.NetworkInterfaceId)
		ip := aws.ToString(out.NetworkInterface.PrivateIpAddress)
		b.record(func(l *ledger) {
			l.enis[eni] = &eniWant{subnet: subnets[0], ip: ip, description: "app " + name, groups: []string{group},
				tags: taggedWant{acked: maps.Clone(nameTags)}}
		})
		return nil
	})
	ok = ok && b.call(t, "CreateTags", func() error {
		b.record(func(l *ledger) { l.enis[eni].tags.pending = model.Tags{"role": "backend"} })
		_, err := b.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{eni},
			Tags: []ec2types.Tag{{Key: aws.String("role"), Value: aws.String("backend")}}})
		if err != nil {
			return err
		}
		b.record(func(l *ledger) { l.enis[eni].tags.acked["role"] = "backend" })
		return nil
	})
	var scratch string
	ok = ok && b.call(t, "CreateNetworkInterface", func() error {
		out, err := b.ec2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnets[1])})
		if err != nil {
			return err
		}
		scratch = aws.ToString(out.NetworkInterface.NetworkInterfaceId)
		return nil
	})
	ok = ok && b.call(t, "DeleteNetworkInterface", func() error {
		if _, err := b.ec2.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(scratch)}); err != nil {
			return err
		}
		b.record(func(l *ledger) { l.deletedENIs = append(l.deletedENIs, scratch) })
		return nil
	})
	ok = ok && b.call(t, "CreateTargetGroup", func() error {
		out, err := b.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tg-" + name),
			Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080), VpcId: aws.String(vpc), TargetType: elbtypes.TargetTypeEnumIp})
		if err != nil {
			return err
		}
		arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
		b.record(func(l *ledger) { l.tgs[arn] = tgWant{name: "tg-" + name, vpc: vpc, port: 8080} })
		return nil
	})
	ok = ok && b.call(t, "CreateLoadBalancer", func() error {
		// Alternate kinds: an ALB's node ENIs carry its group, an NLB's
		// none.
		kind, groups := elbtypes.LoadBalancerTypeEnumApplication, []string{group}
		if round%2 == 1 {
			kind, groups = elbtypes.LoadBalancerTypeEnumNetwork, nil
		}
		out, err := b.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("lb-" + name), Type: kind,
			Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: subnets, SecurityGroups: groups})
		if err != nil {
			return err
		}
		arn := aws.ToString(out.LoadBalancers[0].LoadBalancerArn)
		b.record(func(l *ledger) {
			l.lbs[arn] = lbWant{name: "lb-" + name, vpc: vpc, kind: string(kind), subnets: slices.Clone(subnets), groups: groups}
		})
		return nil
	})
	return ok && b.call(t, "CreateTags", func() error {
		b.record(func(l *ledger) { l.vpcs[vpc].tags.pending = model.Tags{"stage": "built"} })
		_, err := b.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc},
			Tags: []ec2types.Tag{{Key: aws.String("stage"), Value: aws.String("built")}}})
		if err != nil {
			return err
		}
		b.record(func(l *ledger) { l.vpcs[vpc].tags.acked["stage"] = "built" })
		return nil
	})
}

// checkAcknowledged wants every acknowledged write in the store, whole.
func checkAcknowledged(t *testing.T, sc *model.Scoped, l *ledger) {
	t.Helper()
	for id, want := range l.vpcs {
		got, ok := sc.VPCs[id]
		if !ok || got.CidrBlock != want.cidr || !want.tags.match(got.Tags) {
			t.Errorf("acknowledged VPC %s %+v: stored %+v", id, *want, got)
		}
	}
	for id, want := range l.subnets {
		got, ok := sc.Subnets[id]
		if !ok || got.VpcID != want.vpc || got.CidrBlock != want.cidr || got.AvailabilityZone != want.zone {
			t.Errorf("acknowledged subnet %s %+v: stored %+v", id, want, got)
		}
	}
	for id, want := range l.groups {
		got, ok := sc.SecurityGroups[id]
		if !ok || got.VpcID != want.vpc || got.Name != want.name || !maps.Equal(got.Tags, want.tags) {
			t.Errorf("acknowledged security group %s %+v: stored %+v", id, want, got)
		}
	}
	for id, want := range l.rules {
		g := sc.SecurityGroups[want.group]
		var found bool
		for _, r := range groupIngress(g) {
			if r.ID == id {
				found = r.Protocol == "tcp" && r.FromPort == want.port && r.ToPort == want.port &&
					r.CidrIPv4 == want.cidr && r.GroupID == want.peer
			}
		}
		if !found {
			t.Errorf("acknowledged rule %s %+v: not stored as written in %+v", id, want, g)
		}
	}
	for id, want := range l.enis {
		got, ok := sc.Interfaces[id]
		if !ok || got.SubnetID != want.subnet || got.PrivateIP != want.ip || got.Description != want.description ||
			!slices.Equal(got.Groups, want.groups) || !want.tags.match(got.Tags) {
			t.Errorf("acknowledged ENI %s %+v: stored %+v", id, *want, got)
		}
	}
	for _, id := range l.deletedENIs {
		if _, ok := sc.Interfaces[id]; ok {
			t.Errorf("ENI %s is back after its acknowledged delete", id)
		}
	}
	for arn, want := range l.tgs {
		got, ok := sc.TargetGroups[arn]
		if !ok || got.Name != want.name || got.VpcID != want.vpc || got.Port != want.port {
			t.Errorf("acknowledged target group %s %+v: stored %+v", arn, want, got)
		}
	}
	for arn, want := range l.lbs {
		got, ok := sc.LoadBalancers[arn]
		if !ok || got.Name != want.name || got.VpcID != want.vpc || got.Type != want.kind ||
			!slices.Equal(got.Subnets, want.subnets) || !slices.Equal(got.SecurityGroups, want.groups) {
			t.Errorf("acknowledged load balancer %s %+v: stored %+v", arn, want, got)
		}
	}
}

func groupIngress(g *model.SecurityGroup) []model.Rule {
	if g == nil {
		return nil
	}
	return g.Ingress
}

// checkConsistent checks every stored record, acknowledged or not: a write
// that committed just before the kill must be as whole as any other.
func checkConsistent(t *testing.T, sc *model.Scoped) {
	t.Helper()
	for id, vpc := range sc.VPCs {
		if g, ok := sc.SecurityGroups[vpc.DefaultSecurityGroup]; !ok || g.VpcID != id {
			t.Errorf("VPC %s without its default group %s", id, vpc.DefaultSecurityGroup)
		}
	}
	for id, sn := range sc.Subnets {
		if _, ok := sc.VPCs[sn.VpcID]; !ok {
			t.Errorf("subnet %s in missing VPC %s", id, sn.VpcID)
		}
	}
	for id, g := range sc.SecurityGroups {
		if _, ok := sc.VPCs[g.VpcID]; !ok {
			t.Errorf("security group %s in missing VPC %s", id, g.VpcID)
		}
		for _, r := range append(slices.Clone(g.Ingress), g.Egress...) {
			if _, ok := sc.SecurityGroups[r.GroupID]; r.GroupID != "" && !ok {
				t.Errorf("rule %s of group %s refers to missing group %s", r.ID, id, r.GroupID)
			}
		}
	}
	owner := map[string]string{} // ENI id -> the balancer that lists it
	for arn, lb := range sc.LoadBalancers {
		if _, ok := sc.VPCs[lb.VpcID]; !ok {
			t.Errorf("load balancer %s in missing VPC %s", arn, lb.VpcID)
		}
		for _, g := range lb.SecurityGroups {
			if _, ok := sc.SecurityGroups[g]; !ok {
				t.Errorf("load balancer %s carries missing group %s", arn, g)
			}
		}
		if len(lb.Interfaces) != len(lb.Subnets) {
			t.Errorf("load balancer %s has %d node ENIs for %d subnets", arn, len(lb.Interfaces), len(lb.Subnets))
		}
		_, res, _ := strings.Cut(arn, ":loadbalancer/")
		for _, sn := range lb.Subnets {
			id := lb.Interfaces[sn]
			eni, ok := sc.Interfaces[id]
			if !ok {
				t.Errorf("load balancer %s is missing its node ENI %q in subnet %s", arn, id, sn)
				continue
			}
			if eni.SubnetID != sn || !eni.RequesterManaged || eni.Description != "ELB "+res {
				t.Errorf("load balancer %s node ENI %s is %+v", arn, id, eni)
			}
			owner[id] = arn
		}
	}
	addrs := map[[2]string]string{} // subnet and address -> ENI
	for id, eni := range sc.Interfaces {
		sn, ok := sc.Subnets[eni.SubnetID]
		if !ok {
			t.Errorf("ENI %s in missing subnet %s", id, eni.SubnetID)
		} else if eni.VpcID != sn.VpcID {
			t.Errorf("ENI %s says VPC %s, its subnet %s is in %s", id, eni.VpcID, sn.ID, sn.VpcID)
		}
		for _, g := range eni.Groups {
			if _, ok := sc.SecurityGroups[g]; !ok {
				t.Errorf("ENI %s carries missing group %s", id, g)
			}
		}
		if eni.RequesterManaged && strings.HasPrefix(eni.Description, "ELB ") && owner[id] == "" {
			t.Errorf("ENI %s (%s) belongs to no load balancer", id, eni.Description)
		}
		at := [2]string{eni.SubnetID, eni.PrivateIP}
		if other, dup := addrs[at]; dup {
			t.Errorf("ENIs %s and %s share %s in subnet %s", id, other, eni.PrivateIP, eni.SubnetID)
		}
		addrs[at] = id
	}
	for arn, tg := range sc.TargetGroups {
		if _, ok := sc.VPCs[tg.VpcID]; !ok {
			t.Errorf("target group %s in missing VPC %s", arn, tg.VpcID)
		}
	}
}

// checkServed asks the restarted server for every acknowledged resource, then
// makes a new one.
func checkServed(t *testing.T, url string, l *ledger) {
	t.Helper()
	cfg := servertest.AWSConfig(url)
	ec2c, elbc := ec2.NewFromConfig(cfg), elb.NewFromConfig(cfg)
	ctx := t.Context()
	served := func(what string, want int, describe func() (int, error)) {
		t.Helper()
		if got, err := describe(); err != nil || got != want {
			t.Errorf("restarted server describes %d %s (%v), want %d", got, what, err, want)
		}
	}
	served("VPCs", len(l.vpcs), func() (int, error) {
		out, err := ec2c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: slices.Collect(maps.Keys(l.vpcs))})
		if err != nil {
			return 0, err
		}
		return len(out.Vpcs), nil
	})
	served("subnets", len(l.subnets), func() (int, error) {
		out, err := ec2c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: slices.Collect(maps.Keys(l.subnets))})
		if err != nil {
			return 0, err
		}
		return len(out.Subnets), nil
	})
	served("security groups", len(l.groups), func() (int, error) {
		out, err := ec2c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: slices.Collect(maps.Keys(l.groups))})
		if err != nil {
			return 0, err
		}
		return len(out.SecurityGroups), nil
	})
	served("ENIs", len(l.enis), func() (int, error) {
		out, err := ec2c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: slices.Collect(maps.Keys(l.enis))})
		if err != nil {
			return 0, err
		}
		return len(out.NetworkInterfaces), nil
	})
	served("target groups", len(l.tgs), func() (int, error) {
		out, err := elbc.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: slices.Collect(maps.Keys(l.tgs))})
		if err != nil {
			return 0, err
		}
		return len(out.TargetGroups), nil
	})
	served("load balancers", len(l.lbs), func() (int, error) {
		out, err := elbc.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: slices.Collect(maps.Keys(l.lbs))})
		if err != nil {
			return 0, err
		}
		return len(out.LoadBalancers), nil
	})

	if _, err := ec2c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.99.0.0/16")}); err != nil {
		t.Errorf("restarted server refuses a new VPC: %v", err)
	}
}
