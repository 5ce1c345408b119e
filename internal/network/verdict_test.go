package network_test

import (
	"net/netip"
	"strings"
	"testing"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

func ep(addr string, groups ...string) network.Endpoint {
	return network.Endpoint{Addr: netip.MustParseAddr(addr), Groups: groups}
}

func tcp(port int) network.Flow { return network.Flow{Protocol: "tcp", Port: port} }
func udp(port int) network.Flow { return network.Flow{Protocol: "udp", Port: port} }
func icmp(typ int) network.Flow { return network.Flow{Protocol: "icmp", Port: typ} }

// fixture is a small VPC: a VPC link (sg-link) in front of an ALB (sg-alb) in
// front of an app (sg-app) that talks to a database (sg-db), plus a few groups
// that exist to exercise one corner each.
func fixture() network.GroupMap {
	return network.GroupMap{
		"sg-link": {ID: "sg-link",
			Egress: []model.Rule{{ID: "sgr-link-out", Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"}},
		},
		"sg-alb": {ID: "sg-alb",
			Ingress: []model.Rule{
				{ID: "sgr-alb-link", Protocol: "tcp", FromPort: 80, ToPort: 80, GroupID: "sg-link"},
				{ID: "sgr-alb-vpc", Protocol: "tcp", FromPort: 443, ToPort: 443, CidrIPv4: "10.0.0.0/16"},
			},
			Egress: []model.Rule{{ID: "sgr-alb-out", Protocol: "tcp", FromPort: 8080, ToPort: 8090, GroupID: "sg-app"}},
		},
		"sg-app": {ID: "sg-app",
			Ingress: []model.Rule{
				{ID: "sgr-app-alb", Protocol: "tcp", FromPort: 8080, ToPort: 8090, GroupID: "sg-alb"},
				{ID: "sgr-app-dns", Protocol: "udp", FromPort: 53, ToPort: 53, CidrIPv4: "10.0.1.0/24"},
				{ID: "sgr-app-ping", Protocol: "icmp", FromPort: 8, ToPort: -1, CidrIPv4: "10.0.0.0/16"},
			},
			Egress: []model.Rule{
				{ID: "sgr-app-https", Protocol: "tcp", FromPort: 443, ToPort: 443, CidrIPv4: "10.0.2.0/24"},
				{ID: "sgr-app-db", Protocol: "tcp", FromPort: 5432, ToPort: 5432, GroupID: "sg-db"},
			},
		},
		"sg-db": {ID: "sg-db",
			Ingress: []model.Rule{{ID: "sgr-db-app", Protocol: "tcp", FromPort: 5432, ToPort: 5432, GroupID: "sg-app"}},
			Egress:  []model.Rule{{ID: "sgr-db-out", Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"}},
		},
		"sg-any": {ID: "sg-any",
			Ingress: []model.Rule{{ID: "sgr-any-app", Protocol: "-1", FromPort: -1, ToPort: -1, GroupID: "sg-app"}},
		},
		"sg-ports": {ID: "sg-ports",
			Ingress: []model.Rule{
				{ID: "sgr-ports-tcp", Protocol: "tcp", FromPort: 0, ToPort: 65535, CidrIPv4: "10.0.0.0/8"},
				{ID: "sgr-ports-icmp", Protocol: "icmp", FromPort: -1, ToPort: -1, CidrIPv4: "10.9.0.0/16"},
				{ID: "sgr-ports-bad", Protocol: "udp", FromPort: 0, ToPort: 65535, CidrIPv4: "not-a-cidr"},
			},
		},
		// sg-ghost is referenced but does not exist.
		"sg-ghostref": {ID: "sg-ghostref",
			Ingress: []model.Rule{{ID: "sgr-ghostref", Protocol: "tcp", FromPort: 22, ToPort: 22, GroupID: "sg-ghost"}},
		},
		"sg-empty": {ID: "sg-empty"},
	}
}

var (
	link   = ep("10.0.0.5", "sg-link")
	alb    = ep("10.0.1.10", "sg-alb")
	app    = ep("10.0.2.20", "sg-app")
	db     = ep("10.0.3.30", "sg-db")
	client = ep("10.0.5.5")
)

func TestEvaluate(t *testing.T) {
	const eg, in = network.SideEgress, network.SideIngress
	tests := []struct {
		name     string
		src, dst network.Endpoint
		flow     network.Flow
		allowed  bool
		side     network.Side
		// rule ids that passed each side; "" when none did
		egress, ingress string
		// exact reason, checked when set
		reason string
	}{
		// Group references, ingress direction: the ALB admits the link's group.
		{name: "ingress group ref", src: link, dst: alb, flow: tcp(80), allowed: true, side: in,
			egress: "sgr-link-out", ingress: "sgr-alb-link",
			reason: "egress rule sgr-link-out of sg-link (0.0.0.0/0) allows tcp/80 to 10.0.1.10; " +
				"ingress rule sgr-alb-link of sg-alb (sg-link) allows tcp/80 from 10.0.0.5"},
		{name: "ingress group ref wrong port", src: link, dst: alb, flow: tcp(81), side: in, egress: "sgr-link-out",
			reason: "no ingress rule of sg-alb allows tcp/81 from 10.0.0.5 (groups sg-link)"},
		{name: "group ref matches membership not address", src: ep("10.0.0.5"), dst: alb, flow: tcp(80), side: in,
			reason: "no ingress rule of sg-alb allows tcp/80 from 10.0.0.5 (no groups)"},
		{name: "group ref via second group", src: ep("10.0.1.11", "sg-link", "sg-alb"), dst: app, flow: tcp(8085),
			allowed: true, side: in, egress: "sgr-link-out", ingress: "sgr-app-alb"},

		// Group references, egress direction: the app may reach members of sg-db.
		{name: "egress group ref", src: app, dst: db, flow: tcp(5432), allowed: true, side: in,
			egress: "sgr-app-db", ingress: "sgr-db-app"},
		{name: "egress group ref needs membership", src: app, dst: ep("10.0.3.30"), flow: tcp(5432), side: eg,
			reason: "no egress rule of sg-app allows tcp/5432 to 10.0.3.30 (no groups)"},
		{name: "egress group ref to alb's target", src: alb, dst: app, flow: tcp(8080), allowed: true, side: in,
			egress: "sgr-alb-out", ingress: "sgr-app-alb"},

		// CIDR rules and their edges.
		{name: "cidr from groupless client", src: client, dst: alb, flow: tcp(443), allowed: true, side: in,
			ingress: "sgr-alb-vpc",
			reason: "source 10.0.5.5 has no security groups; " +
				"ingress rule sgr-alb-vpc of sg-alb (10.0.0.0/16) allows tcp/443 from 10.0.5.5"},
		{name: "cidr excludes outsider", src: ep("10.1.0.1"), dst: alb, flow: tcp(443), side: in},
		{name: "cidr first address", src: ep("10.0.1.0"), dst: app, flow: udp(53), allowed: true, side: in, ingress: "sgr-app-dns"},
		{name: "cidr last address", src: ep("10.0.1.255"), dst: app, flow: udp(53), allowed: true, side: in, ingress: "sgr-app-dns"},
		{name: "cidr just past the end", src: ep("10.0.2.0"), dst: app, flow: udp(53), side: in},
		{name: "cidr just before the start", src: ep("10.0.0.255"), dst: app, flow: udp(53), side: in},
		{name: "protocol must match", src: ep("10.0.1.9"), dst: app, flow: tcp(53), side: in},
		{name: "ipv4-mapped source", src: ep("::ffff:10.0.5.5"), dst: alb, flow: tcp(443), allowed: true, side: in, ingress: "sgr-alb-vpc"},

		// Port ranges.
		{name: "range low edge", src: ep("10.0.1.11", "sg-link", "sg-alb"), dst: app, flow: tcp(8080), allowed: true, side: in,
			egress: "sgr-link-out", ingress: "sgr-app-alb"},
		{name: "range high edge", src: ep("10.0.1.11", "sg-link", "sg-alb"), dst: app, flow: tcp(8090), allowed: true, side: in,
			egress: "sgr-link-out", ingress: "sgr-app-alb"},
		{name: "range below", src: ep("10.0.1.11", "sg-link", "sg-alb"), dst: app, flow: tcp(8079), side: in, egress: "sgr-link-out"},
		{name: "range above", src: ep("10.0.1.11", "sg-link", "sg-alb"), dst: app, flow: tcp(8091), side: in, egress: "sgr-link-out"},
		{name: "full range port 0", src: client, dst: ep("10.0.6.6", "sg-ports"), flow: tcp(0), allowed: true, side: in, ingress: "sgr-ports-tcp"},
		{name: "full range port 65535", src: client, dst: ep("10.0.6.6", "sg-ports"), flow: tcp(65535), allowed: true, side: in, ingress: "sgr-ports-tcp"},
		{name: "unparsable cidr matches nothing", src: client, dst: ep("10.0.6.6", "sg-ports"), flow: udp(1), side: in},

		// Protocol -1.
		{name: "all protocols udp", src: ep("10.0.2.21", "sg-app", "sg-link"), dst: ep("10.0.4.4", "sg-any"), flow: udp(9999),
			allowed: true, side: in, egress: "sgr-link-out", ingress: "sgr-any-app"},
		{name: "all protocols icmp", src: ep("10.0.2.21", "sg-app", "sg-link"), dst: ep("10.0.4.4", "sg-any"), flow: icmp(3),
			allowed: true, side: in, egress: "sgr-link-out", ingress: "sgr-any-app"},
		{name: "all protocols still needs the peer", src: link, dst: ep("10.0.4.4", "sg-any"), flow: udp(9999), side: in, egress: "sgr-link-out"},

		// ICMP: FromPort is the type.
		{name: "icmp echo", src: client, dst: app, flow: icmp(8), allowed: true, side: in, ingress: "sgr-app-ping"},
		{name: "icmp other type", src: client, dst: app, flow: icmp(0), side: in,
			reason: "no ingress rule of sg-app allows icmp type 0 from 10.0.5.5 (no groups)"},
		{name: "icmp type is not a tcp port", src: client, dst: app, flow: tcp(8), side: in},
		{name: "icmp any type", src: ep("10.9.1.1"), dst: ep("10.0.6.6", "sg-ports"), flow: icmp(255), allowed: true, side: in, ingress: "sgr-ports-icmp"},
		{name: "icmp any type needs the peer", src: client, dst: ep("10.0.6.6", "sg-ports"), flow: icmp(0), side: in},

		// Egress restrictions.
		{name: "egress cidr to groupless", src: app, dst: ep("10.0.2.50"), flow: tcp(443), allowed: true, side: eg,
			egress: "sgr-app-https",
			reason: "egress rule sgr-app-https of sg-app (10.0.2.0/24) allows tcp/443 to 10.0.2.50; " +
				"destination 10.0.2.50 has no security groups"},
		{name: "egress denies though ingress would allow", src: app, dst: alb, flow: tcp(443), side: eg,
			reason: "no egress rule of sg-app allows tcp/443 to 10.0.1.10 (groups sg-alb)"},
		{name: "egress port outside rule", src: app, dst: ep("10.0.2.50"), flow: tcp(80), side: eg},

		// Endpoints without groups, unknown and empty groups.
		{name: "no groups either side", src: client, dst: ep("10.0.9.9"), flow: tcp(1), allowed: true,
			reason: "source 10.0.5.5 has no security groups; destination 10.0.9.9 has no security groups"},
		{name: "unknown source group", src: ep("10.0.0.8", "sg-missing"), dst: client, flow: tcp(80), side: eg},
		{name: "unknown destination group", src: client, dst: ep("10.0.0.8", "sg-missing"), flow: tcp(80), side: in},
		{name: "reference to unknown group by membership", src: ep("10.0.7.7", "sg-link", "sg-ghost"), dst: ep("10.0.8.8", "sg-ghostref"),
			flow: tcp(22), allowed: true, side: in, egress: "sgr-link-out", ingress: "sgr-ghostref"},
		{name: "empty groups on both sides", src: ep("10.0.1.5", "sg-link", "sg-db"), dst: ep("10.0.2.7", "sg-empty", "sg-ghostref"),
			flow: tcp(80), side: in, egress: "sgr-link-out",
			reason: "no ingress rule of sg-empty, sg-ghostref allows tcp/80 from 10.0.1.5 (groups sg-link, sg-db)"},
	}
	groups := fixture()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := network.Evaluate(groups, tt.src, tt.dst, tt.flow)
			if v.Allowed != tt.allowed || v.Side != tt.side {
				t.Fatalf("allowed=%v side=%q, want allowed=%v side=%q (%s)", v.Allowed, v.Side, tt.allowed, tt.side, v.Reason())
			}
			if v.Egress.Rule.ID != tt.egress || v.Ingress.Rule.ID != tt.ingress {
				t.Errorf("rules egress=%q ingress=%q, want %q %q", v.Egress.Rule.ID, v.Ingress.Rule.ID, tt.egress, tt.ingress)
			}
			if v.Egress.Found() && groups[v.Egress.GroupID] == nil || v.Ingress.Found() && groups[v.Ingress.GroupID] == nil {
				t.Errorf("match names a group that does not exist: %+v %+v", v.Egress, v.Ingress)
			}
			want := map[network.Side]string{network.SideEgress: tt.egress, network.SideIngress: tt.ingress}[tt.side]
			if !tt.allowed {
				want = ""
			}
			if got := v.Deciding().Rule.ID; got != want {
				t.Errorf("Deciding rule %q, want %q", got, want)
			}
			if tt.reason != "" && v.Reason() != tt.reason {
				t.Errorf("reason\n got %q\nwant %q", v.Reason(), tt.reason)
			}
		})
	}
}

func TestEvaluateNilIndex(t *testing.T) {
	if v := network.Evaluate(nil, link, alb, tcp(80)); v.Allowed || v.Side != network.SideEgress {
		t.Errorf("with groups but no index: %+v", v)
	}
	if v := network.Evaluate(nil, client, ep("10.0.9.9"), tcp(80)); !v.Allowed {
		t.Errorf("without groups: %s", v.Reason())
	}
}

func TestInterfaceEndpoint(t *testing.T) {
	n := &model.NetworkInterface{ID: "eni-1", PrivateIP: "10.0.1.7", Groups: []string{"sg-link"}}
	e, ok := network.InterfaceEndpoint(n)
	if !ok || e.Addr != netip.MustParseAddr("10.0.1.7") || len(e.Groups) != 1 || e.Groups[0] != "sg-link" {
		t.Errorf("got %+v, %v", e, ok)
	}
	for _, bad := range []*model.NetworkInterface{nil, {PrivateIP: ""}, {PrivateIP: "fd00::1"}, {PrivateIP: "10.0.1"}} {
		if _, ok := network.InterfaceEndpoint(bad); ok {
			t.Errorf("accepted %+v", bad)
		}
	}
}

func TestEvaluateDoesNotAllocate(t *testing.T) {
	var idx network.Index = fixture()
	cases := []struct {
		name     string
		src, dst network.Endpoint
		flow     network.Flow
		allowed  bool
	}{
		{"allow", link, alb, tcp(80), true},
		{"deny", app, alb, tcp(443), false},
	}
	for _, c := range cases {
		var v network.Verdict
		n := testing.AllocsPerRun(100, func() { v = network.Evaluate(idx, c.src, c.dst, c.flow) })
		if v.Allowed != c.allowed {
			t.Fatalf("%s: unexpected verdict: %s", c.name, v.Reason())
		}
		if n != 0 {
			t.Errorf("%s: %v allocations per Evaluate, want 0", c.name, n)
		}
	}
}

// BenchmarkEvaluate measures the shape the data plane sees most: a link group
// with open egress and an ALB group whose matching rule is its last.
func BenchmarkEvaluate(b *testing.B) {
	alb := &model.SecurityGroup{ID: "sg-alb"}
	for _, c := range []string{"192.168.0.0/16", "172.16.0.0/12", "10.1.0.0/16", "10.2.0.0/16"} {
		alb.Ingress = append(alb.Ingress, model.Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, CidrIPv4: c})
	}
	for _, g := range []string{"sg-a", "sg-b", "sg-c"} {
		alb.Ingress = append(alb.Ingress, model.Rule{Protocol: "tcp", FromPort: 80, ToPort: 80, GroupID: g})
	}
	alb.Ingress = append(alb.Ingress, model.Rule{ID: "sgr-link", Protocol: "tcp", FromPort: 80, ToPort: 80, GroupID: "sg-link"})
	var idx network.Index = network.GroupMap{"sg-link": fixture()["sg-link"], "sg-alb": alb}
	src, dst, f := ep("10.0.0.5", "sg-link"), ep("10.0.1.10", "sg-alb"), tcp(80)
	b.ReportAllocs()
	for b.Loop() {
		if !network.Evaluate(idx, src, dst, f).Allowed {
			b.Fatal("denied")
		}
	}
}

// The address of an interface attached to an instance that is not running
// belongs to nobody: ip targets, Cloud Map instances and health checks all
// place addresses here, and all of them time out at a stopped instance.
func TestTargetEndpointOfStoppedInstance(t *testing.T) {
	eni := &model.NetworkInterface{ID: "eni-1", VpcID: "vpc-1", SubnetID: "subnet-1", PrivateIP: "10.0.1.20", Groups: []string{"sg-web"},
		Attachment: &model.InterfaceAttachment{InstanceID: "i-1"}}
	inst := &model.EC2Instance{ID: "i-1", State: "running"}
	sc := &model.Scoped{VPCs: map[string]*model.VPC{"vpc-1": {ID: "vpc-1", CidrBlock: "10.0.0.0/16"}},
		InterfaceByIP: map[string]*model.NetworkInterface{"vpc-1/10.0.1.20": eni}, EC2Instances: map[string]*model.EC2Instance{"i-1": inst}}
	addr := netip.MustParseAddr("10.0.1.20")
	src := network.Endpoint{Addr: netip.MustParseAddr("10.0.2.5"), VPC: "vpc-1"}
	if e := network.TargetEndpoint(sc, "vpc-1", addr, false); e.Unowned || len(e.Groups) != 1 || e.Instance != "" {
		t.Fatalf("running: %+v", e)
	}
	for _, state := range []string{"stopped", "terminated"} {
		inst.State = state
		e := network.TargetEndpoint(sc, "vpc-1", addr, false)
		if !e.Unowned || e.Instance != "i-1" || len(e.Groups) != 0 {
			t.Fatalf("%s: %+v", state, e)
		}
		if v := network.Evaluate(network.GroupMap{}, src, e, tcp(80)); v.Allowed || v.Layer != network.LayerAddress ||
			!strings.Contains(v.Reason(), "instance i-1, which is not running") {
			t.Fatalf("%s: %+v %s", state, v, v.Reason())
		}
	}
	delete(sc.EC2Instances, "i-1")
	if e := network.TargetEndpoint(sc, "vpc-1", addr, true); !e.Unowned {
		t.Fatalf("attached to an instance that is gone: %+v", e)
	}
}
