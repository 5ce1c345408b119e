package private

import (
	"net/http"
	"net/netip"
	"slices"
	"testing"
	"time"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
	"gatehouse/internal/usage"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// cloudMapScope is a VPC with a two-ENI V2 link and a Cloud Map service
// with custom health, its instances as given, and interfaces owning
// 10.0.1.40-42 (the first tagged with a real host).
func cloudMapScope(t testing.TB, instances ...*model.Instance) (*model.Scoped, *model.VpcLink, *model.CloudMapService) {
	t.Helper()
	st := mem.New()
	link := &model.VpcLink{ID: "lnk1", VpcID: "vpc-1", SubnetIDs: []string{"subnet-1", "subnet-2"}, SecurityGroupIDs: []string{"sg-link"},
		Status: model.LinkAvailable, Interfaces: map[string]string{"subnet-1": "eni-l1", "subnet-2": "eni-l2"}}
	svc := &model.CloudMapService{ID: "srv-1", ARN: "arn:aws:servicediscovery:r:1:service/srv-1", Name: "app", CustomHealth: true}
	all := tcp(0, 65535)
	recs := []model.Record{link, svc, &model.VPC{ID: "vpc-1", CidrBlock: "10.0.0.0/16"},
		&model.Subnet{ID: "subnet-1", VpcID: "vpc-1", CidrBlock: "10.0.1.0/24", AvailabilityZone: "a"},
		&model.Subnet{ID: "subnet-2", VpcID: "vpc-1", CidrBlock: "10.0.2.0/24", AvailabilityZone: "b"},
		&model.SecurityGroup{ID: "sg-link", VpcID: "vpc-1", Egress: []model.Rule{all("0.0.0.0/0")}},
		// The backends admit only the first link subnet, so the two ENIs'
		// verdicts differ.
		&model.SecurityGroup{ID: "sg-app", VpcID: "vpc-1", Ingress: []model.Rule{all("10.0.1.0/24")}},
		&model.NetworkInterface{ID: "eni-l1", SubnetID: "subnet-1", VpcID: "vpc-1", AvailabilityZone: "a", PrivateIP: "10.0.1.50", Groups: []string{"sg-link"}},
		&model.NetworkInterface{ID: "eni-l2", SubnetID: "subnet-2", VpcID: "vpc-1", AvailabilityZone: "b", PrivateIP: "10.0.2.50", Groups: []string{"sg-link"}},
		&model.NetworkInterface{ID: "eni-a", SubnetID: "subnet-1", VpcID: "vpc-1", AvailabilityZone: "a", PrivateIP: "10.0.1.40", Groups: []string{"sg-app"},
			Tags: model.Tags{network.HostTag: "backend.test"}},
		&model.NetworkInterface{ID: "eni-b", SubnetID: "subnet-1", VpcID: "vpc-1", AvailabilityZone: "a", PrivateIP: "10.0.1.41", Groups: []string{"sg-app"}},
		&model.NetworkInterface{ID: "eni-c", SubnetID: "subnet-1", VpcID: "vpc-1", AvailabilityZone: "a", PrivateIP: "10.0.1.42", Groups: []string{"sg-app"}},
	}
	for _, in := range instances {
		in.ServiceID = svc.ID
		recs = append(recs, in)
	}
	_, err := st.Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "1", Region: "r"}
		for _, r := range recs {
			if err := model.Put(mt, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := model.Load(st)
	if err != nil {
		t.Fatal(err)
	}
	sc := snap.Scopes[model.Scope{Account: "1", Region: "r"}]
	return sc, sc.VpcLinks[link.ID], sc.CloudMapServices[svc.ID]
}

func tcp(from, to int) func(cidr string) model.Rule {
	return func(cidr string) model.Rule {
		return model.Rule{ID: "sgr-" + cidr, Protocol: "tcp", FromPort: from, ToPort: to, CidrIPv4: cidr}
	}
}

func inst(id, ip, port string, attrs ...string) *model.Instance {
	in := &model.Instance{ID: id, Attributes: map[string]string{"AWS_INSTANCE_IPV4": ip, "AWS_INSTANCE_PORT": port}}
	for i := 0; i+1 < len(attrs); i += 2 {
		in.Attributes[attrs[i]] = attrs[i+1]
	}
	return in
}

// The compiled Cloud Map path serves exactly the instances
// DiscoverInstances answers for the integration's query and HEALTHY, as
// health changes with time, and holds for each the verdict, the modeled
// place and the real address that judging the network afresh gives.
func TestCloudMapPathSettlesWhatDiscoveryAndTheNetworkSay(t *testing.T) {
	later := t0.Add(time.Minute)
	pending := inst("d-pending", "10.0.1.42", "8080", "color", "green")
	pending.CustomHealth, pending.PendingHealth, pending.PendingAt = model.Unhealthy, model.Healthy, &later
	sick := inst("c-sick", "10.0.1.41", "8080", "color", "green")
	sick.CustomHealth = model.Unhealthy
	sc, link, svc := cloudMapScope(t,
		inst("a-tagged", "10.0.1.40", "8080", "color", "green"),
		inst("b-blue", "10.0.1.41", "8080", "color", "blue"),
		sick, pending,
		inst("e-unowned", "10.0.1.99", "8080", "color", "green"),
		inst("f-beyond", "192.168.7.7", "9090", "color", "green"),
		inst("g-noport", "10.0.1.41", "", "color", "green"),
	)
	rules := network.RulesOf(sc)
	p := CloudMapPath(sc, link, svc, "color=green", rules)
	cm := p.CloudMap
	if len(cm.Links) != 2 || len(cm.Targets) != 6 {
		t.Fatalf("%d links, %d targets; want 2 and 6 (every green instance)", len(cm.Links), len(cm.Targets))
	}
	for _, now := range []time.Time{t0, later} {
		var got, want []string
		for i := range cm.Targets {
			if cm.Eligible(&cm.Targets[i], now) {
				got = append(got, cm.Targets[i].Instance.ID)
			}
		}
		for _, in := range model.Discover(svc, cm.Instances, model.Discovery{Query: cm.Query, Health: model.Healthy}, now) {
			want = append(want, in.ID)
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("at %v: eligible %v, DiscoverInstances %v", now, got, want)
		}
	}
	lookup := func(a netip.Addr) *model.NetworkInterface { return sc.InterfaceAt(link.VpcID, a) }
	allowed := 0
	for _, tg := range cm.Targets {
		addr, err := netip.ParseAddr(tg.Instance.Attributes["AWS_INSTANCE_IPV4"])
		if tg.OK != (err == nil && tg.Instance.Attributes["AWS_INSTANCE_PORT"] != "") {
			t.Errorf("%s: OK %v", tg.Instance.ID, tg.OK)
		}
		if !tg.OK {
			continue
		}
		dst := network.TargetEndpoint(sc, link.VpcID, addr, true)
		if real, rule := network.RealAddress(lookup, sc.EC2Instance, dst.Addr, tg.Port); tg.Real != real || tg.AddrRule != rule {
			t.Errorf("%s: real %s by %s, want %s by %s", tg.Instance.ID, tg.Real, tg.AddrRule, real, rule)
		}
		for j, e := range cm.Links {
			v := network.Evaluate(rules, e.Src, dst, network.Flow{Protocol: "tcp", Port: tg.Port})
			if got := tg.Verdicts[j]; got.Allowed != v.Allowed || got.Layer != v.Layer || got.Reason() != v.Reason() {
				t.Errorf("%s from %s: %s, want %s", tg.Instance.ID, e.ENI, got.Reason(), v.Reason())
			}
			if v.Allowed {
				allowed++
			}
		}
	}
	// a-tagged, c-sick and d-pending from the first subnet; f-beyond,
	// outside the model, from both.
	if allowed != 5 {
		t.Errorf("%d allowed hops, want 5", allowed)
	}
	if tg := cm.Targets[0]; tg.Real != "backend.test:8080" || tg.AddrRule != network.RuleHostTag {
		t.Errorf("a-tagged dialled at %s by %s", tg.Real, tg.AddrRule)
	}
}

// admitted is link with only its ENI in the first subnet, the one the
// backends admit.
func admitted(link *model.VpcLink) *model.VpcLink {
	return &model.VpcLink{ID: link.ID, VpcID: link.VpcID, SubnetIDs: link.SubnetIDs[:1], SecurityGroupIDs: link.SecurityGroupIDs,
		Status: link.Status, Interfaces: link.Interfaces}
}

// roundTripper answers every request with one response and remembers
// where it was sent.
type roundTripper struct {
	resp  *http.Response
	hosts map[string]int
}

func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if rt.hosts != nil {
		rt.hosts[req.URL.Host]++
	}
	return rt.resp, nil
}

// A request to a Cloud Map integration spreads over the eligible
// instances, dials their compiled real addresses, and judges nothing
// afresh: it allocates nothing of its own.
func TestCloudMapCallUsesTheCompiledPath(t *testing.T) {
	other := inst("b", "10.0.1.41", "8081", "color", "green")
	other.CustomHealth = model.Healthy
	sc, link, svc := cloudMapScope(t, inst("a", "10.0.1.40", "8080", "color", "green"), other, inst("c", "10.0.1.42", "8082", "color", "blue"))
	p := CloudMapPath(sc, admitted(link), svc, "color=green", network.RulesOf(sc))
	rt := &roundTripper{resp: &http.Response{StatusCode: 200}, hosts: map[string]int{}}
	env := Env{Transport: rt, Links: usage.NewLinks()}
	req, _ := http.NewRequest("GET", "http://x/y", nil)
	for range 200 {
		if _, err := p.Call(req, env, t0); err != nil {
			t.Fatal(err)
		}
	}
	if len(rt.hosts) != 2 || rt.hosts["backend.test:8080"] == 0 || rt.hosts["127.0.0.1:8081"] == 0 {
		t.Fatalf("sent to %v", rt.hosts)
	}
	rt.hosts = nil
	if n := testing.AllocsPerRun(100, func() { p.Call(req, env, t0) }); n != 0 {
		t.Errorf("a Cloud Map call allocates %v times", n)
	}
}

// BenchmarkCloudMapCall measures choosing a Cloud Map instance and the way
// to it, the backend's exchange left out: compare it with the whole request
// in dataplane's BenchmarkPrivateIntegrationCloudMap.
func BenchmarkCloudMapCall(b *testing.B) {
	sc, link, svc := cloudMapScope(b, inst("a", "10.0.1.40", "8080", "color", "green"), inst("b", "10.0.1.41", "8081", "color", "blue"),
		inst("c", "10.0.1.42", "8082", "color", "green"))
	p := CloudMapPath(sc, admitted(link), svc, "color=green", network.RulesOf(sc))
	env := Env{Transport: &roundTripper{resp: &http.Response{StatusCode: 200}}, Links: usage.NewLinks()}
	req, _ := http.NewRequest("GET", "http://x/y", nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Call(req, env, t0); err != nil {
			b.Fatal(err)
		}
	}
}
