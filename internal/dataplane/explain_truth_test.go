package dataplane_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"gatehouse/internal/dataplane"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// zonalNLB adds an NLB with cross-zone load balancing off (the NLB
// default) and one target per zone, each behind a group that admits only
// the NLB node of its own zone. It returns the listener's ARN.
func (p *privateALB) zonalNLB(t *testing.T) (listener, lbARN string) {
	t.Helper()
	tg, err := p.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("zonal"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80),
		VpcId: aws.String(p.vpc), TargetType: types.TargetTypeEnumIp})
	must(t, err)
	var targets []types.TargetDescription
	for i, zone := range []string{"a", "b"} {
		g, err := p.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("zone-" + zone), Description: aws.String(zone), VpcId: aws.String(p.vpc)})
		must(t, err)
		_, err = p.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: []ec2types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1024), ToPort: aws.Int32(65535),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String(fmt.Sprintf("10.0.%d.0/24", i+1))}}}}})
		must(t, err)
		ip := fmt.Sprintf("10.0.%d.30", i+1)
		_, err = p.ec2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(p.subnets[i]), PrivateIpAddress: aws.String(ip), Groups: []string{aws.ToString(g.GroupId)}})
		must(t, err)
		targets = append(targets, types.TargetDescription{Id: aws.String(ip), Port: aws.Int32(int32(echo(t, "zone-"+zone)))})
	}
	_, err = p.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn, Targets: targets})
	must(t, err)
	lb, err := p.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("zonal-nlb"), Type: types.LoadBalancerTypeEnumNetwork,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: p.subnets})
	must(t, err)
	l, err := p.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(80), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	must(t, err)
	return aws.ToString(l.Listeners[0].ListenerArn), aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
}

// An NLB with cross-zone load balancing off sends from each node only to
// its own zone's targets, so a group that admits only its zone's node
// breaks nothing: every request succeeds, and explain must say OK. It
// checks only the hops that carry traffic. Turning cross-zone on makes
// the other hops carry traffic, and then explain reports what the dropped
// requests get.
func TestExplainFollowsOnlyHopsThatCarryTraffic(t *testing.T) {
	p := newPrivateALB(t)
	listener, lbARN := p.zonalNLB(t)
	p.apiTo(t, listener, model.LinkAvailable, 30000, nil)

	seen := map[string]int{}
	for range 20 {
		code, s, _ := p.get(t, "GATEHOUSE/x")
		if code != 200 {
			t.Fatalf("request through the NLB: %d %s", code, s.Backend)
		}
		seen[s.Backend]++
	}
	if seen["zone-a"] == 0 || seen["zone-b"] == 0 {
		t.Fatalf("both zones should serve: %v", seen)
	}
	q := url.Values{"api": {"api0000001"}, "route": {"/x"}}
	_, rep := p.explainVia(t, q)
	pa := rep.Paths[0]
	if !rep.OK || !pa.OK || len(pa.Fixes) != 0 {
		t.Fatalf("explain says %v with fixes %q while every request succeeds; hops %+v", rep.OK, pa.Fixes, pa.Hops)
	}
	toTargets := 0
	for _, h := range pa.Hops {
		if strings.HasPrefix(h.To, "target ") {
			toTargets++
			if h.FromAddr[:7] != h.ToAddr[:7] {
				t.Errorf("hop %s -> %s crosses zones with cross-zone load balancing off", h.FromAddr, h.ToAddr)
			}
		}
	}
	if toTargets != 2 {
		t.Fatalf("%d node -> target hops, want one per zone: %+v", toTargets, pa.Hops)
	}

	_, err := p.elb.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(lbARN),
		Attributes: []types.LoadBalancerAttribute{{Key: aws.String("load_balancing.cross_zone.enabled"), Value: aws.String("true")}}})
	must(t, err)
	_, rep = p.explainVia(t, q)
	pa = rep.Paths[0]
	if rep.OK || !pa.Partial || !onlyStatus(pa.Failures, 503) {
		t.Fatalf("cross-zone on: ok=%v partial=%v failures %+v, want some requests to get 503", rep.OK, pa.Partial, pa.Failures)
	}
}

// onlyStatus reports whether explain predicts failures, all with status.
func onlyStatus(fs []dataplane.Failure, status int) bool {
	for _, f := range fs {
		if f.Status != status {
			return false
		}
	}
	return len(fs) > 0
}

// When no target is healthy the ALB fails open and sends to them all; when
// they are down it answers 502, and explain must say so rather than OK.
func TestExplainReportsNoHealthyTarget(t *testing.T) {
	p := newPrivateALB(t)
	p.api(t, model.LinkAvailable, 30000, nil)
	for _, b := range p.backends {
		stop(t, b)
	}
	for range 3 { // the default unhealthy threshold is 2 checks, 30 s apart
		p.srv.Advance(30 * time.Second)
	}
	for range 4 {
		if code, s, _ := p.get(t, "GATEHOUSE/x"); code != 502 {
			t.Fatalf("every target down: %d %s, want the ALB's 502", code, s.Backend)
		}
	}
	_, rep := p.explainVia(t, url.Values{"api": {"api0000001"}, "route": {"/x"}})
	pa := rep.Paths[0]
	if rep.OK || pa.OK {
		t.Fatalf("explain says OK while every target is unhealthy: %+v", pa)
	}
	for _, tg := range pa.Balancer.Pools {
		for _, target := range tg.Targets {
			if target.Health != "unhealthy" {
				t.Errorf("target %s health %q, want unhealthy", target.ID, target.Health)
			}
		}
	}
	if pa.Partial || !onlyStatus(pa.Failures, 502) {
		t.Fatalf("failures %+v partial=%v, want every request to get 502", pa.Failures, pa.Partial)
	}
}

// A link in one VPC and an ALB in another, with no peering or transit
// gateway between them: no rule can join them. EC2 refuses a rule naming a
// group of the other VPC, and a rule admitting the link's addresses changes
// nothing: requests are dropped (503 after the timeout) and explain says the
// VPCs are not connected rather than proposing a rule.
func TestCrossVPCLinkIsNotConnected(t *testing.T) {
	p := newPrivateALB(t)
	p.revoke(t)
	v, err := p.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	must(t, err)
	p.linkVPC, p.linkSubnets, p.linkNet = aws.ToString(v.Vpc.VpcId), nil, "10.1"
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := p.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, AvailabilityZone: aws.String(az), CidrBlock: aws.String(fmt.Sprintf("10.1.%d.0/24", i+1))})
		must(t, err)
		p.linkSubnets = append(p.linkSubnets, aws.ToString(s.Subnet.SubnetId))
	}
	g, err := p.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("far-link"), Description: aws.String("link"), VpcId: v.Vpc.VpcId})
	must(t, err)
	p.linkGroup = aws.ToString(g.GroupId)
	p.api(t, model.LinkAvailable, 30000, nil)

	// EC2 itself refuses the group reference across the VPCs.
	_, err = p.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(p.albGroup), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: g.GroupId}}}}})
	if err == nil {
		t.Fatal("EC2 accepted a rule naming a group of another VPC")
	}
	// The ALB's group admits the link's whole VPC by address: on AWS that
	// is not enough, as nothing routes between the VPCs.
	_, err = p.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(p.albGroup), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.1.0.0/16")}}}}})
	must(t, err)

	q := url.Values{"api": {"api0000001"}, "route": {"/x"}}
	_, rep := p.explainVia(t, q)
	pa := rep.Paths[0]
	if rep.OK || len(pa.Hops) != 2 || !onlyStatus(pa.Failures, 503) {
		t.Fatalf("explain: ok=%v hops %+v failures %+v", rep.OK, pa.Hops, pa.Failures)
	}
	for _, h := range pa.Hops {
		if h.Verdict.Allowed || h.Verdict.Layer != network.LayerVPC || !strings.Contains(h.Reason, "the VPCs are not connected") {
			t.Errorf("hop %s -> %s: layer %q: %s", h.From, h.To, h.Verdict.Layer, h.Reason)
		}
	}
	if len(pa.Fixes) == 0 {
		t.Fatalf("explain proposes no fix for hops across unconnected VPCs: %+v", pa.Hops)
	}
	for _, fix := range pa.Fixes {
		if strings.Contains(fix, "rule") || !strings.Contains(fix, "the VPCs are not connected") {
			t.Errorf("fix %q: no security-group rule can join two unconnected VPCs", fix)
		}
	}
	if code, _ := p.getDropped(t, "GATEHOUSE/x", 30*time.Second); code != 503 {
		t.Fatalf("a link in another VPC: %d, want 503 after the timeout", code)
	}
}

// A Cloud Map integration sends only to healthy instances: with none, every
// request gets 503, and explain must say so.
func TestExplainCloudMapWithoutHealthyInstance(t *testing.T) {
	p := newPrivateALB(t)
	sd := p.srv.ServiceDiscovery()
	ns, err := sd.CreateHttpNamespace(ctx, &servicediscovery.CreateHttpNamespaceInput{Name: aws.String("blog")})
	must(t, err)
	op, err := sd.GetOperation(ctx, &servicediscovery.GetOperationInput{OperationId: ns.OperationId})
	must(t, err)
	svc, err := sd.CreateService(ctx, &servicediscovery.CreateServiceInput{Name: aws.String("app"), NamespaceId: aws.String(op.Operation.Targets["NAMESPACE"]),
		HealthCheckCustomConfig: &sdtypes.HealthCheckCustomConfig{}})
	must(t, err)
	p.own(t, 0, "10.0.1.40")
	_, err = sd.RegisterInstance(ctx, &servicediscovery.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String("i1"),
		Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.1.40", "AWS_INSTANCE_PORT": fmt.Sprint(echo(t, "target-cm"))}})
	must(t, err)
	p.apiTo(t, aws.ToString(svc.Service.Arn), model.LinkAvailable, 30000, nil)
	q := url.Values{"api": {"api0000001"}}
	if code, _, _ := p.get(t, "GATEHOUSE/x"); code != 200 {
		t.Fatalf("healthy instance: %d", code)
	}
	if _, rep := p.explainVia(t, q); !rep.OK {
		t.Fatalf("healthy instance: explain %+v", rep.Paths[0])
	}

	_, err = sd.UpdateInstanceCustomHealthStatus(ctx, &servicediscovery.UpdateInstanceCustomHealthStatusInput{ServiceId: svc.Service.Id,
		InstanceId: aws.String("i1"), Status: sdtypes.CustomHealthStatusUnhealthy})
	must(t, err)
	// Cloud Map applies a custom status after 30 s: until then serving and
	// explain, on the server's clock, both still see the instance healthy.
	if code, _, _ := p.get(t, "GATEHOUSE/x"); code != 200 {
		t.Fatalf("status change pending: %d", code)
	}
	if _, rep := p.explainVia(t, q); !rep.OK {
		t.Fatalf("status change pending: explain %+v", rep.Paths[0])
	}
	p.srv.Advance(31 * time.Second)
	if code, _, _ := p.get(t, "GATEHOUSE/x"); code != 503 {
		t.Fatalf("no healthy instance: %d, want 503", code)
	}
	_, rep := p.explainVia(t, q)
	pa := rep.Paths[0]
	if rep.OK || pa.Partial || !onlyStatus(pa.Failures, 503) || pa.CloudMap.Instances[0].Health != "UNHEALTHY" {
		t.Fatalf("no healthy instance: explain ok=%v failures %+v instances %+v", rep.OK, pa.Failures, pa.CloudMap.Instances)
	}
}

// A Cloud Map instance registered at an address in the link's VPC that no
// interface owns answers nothing: requests are dropped (503 after the
// timeout), explain says nothing owns the address, and an interface taking
// the address makes it answer. An address beyond every modeled VPC is
// reached as before.
func TestCloudMapInstanceNobodyOwns(t *testing.T) {
	p := newPrivateALB(t)
	sd := p.srv.ServiceDiscovery()
	ns, err := sd.CreateHttpNamespace(ctx, &servicediscovery.CreateHttpNamespaceInput{Name: aws.String("blog")})
	must(t, err)
	op, err := sd.GetOperation(ctx, &servicediscovery.GetOperationInput{OperationId: ns.OperationId})
	must(t, err)
	svc, err := sd.CreateService(ctx, &servicediscovery.CreateServiceInput{Name: aws.String("app"), NamespaceId: aws.String(op.Operation.Targets["NAMESPACE"])})
	must(t, err)
	register := func(ip string) {
		_, err = sd.RegisterInstance(ctx, &servicediscovery.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String("i1"),
			Attributes: map[string]string{"AWS_INSTANCE_IPV4": ip, "AWS_INSTANCE_PORT": fmt.Sprint(echo(t, "target-cm"))}})
		must(t, err)
	}
	register("10.0.1.99")
	p.apiTo(t, aws.ToString(svc.Service.Arn), model.LinkAvailable, 30000, nil)
	if code, _ := p.getDropped(t, "GATEHOUSE/x", 30*time.Second); code != 503 {
		t.Fatalf("an instance address nobody owns: %d, want 503 after the timeout", code)
	}
	q := url.Values{"api": {"api0000001"}}
	_, rep := p.explainVia(t, q)
	pa := rep.Paths[0]
	if rep.OK || !onlyStatus(pa.Failures, 503) || len(pa.Hops) == 0 {
		t.Fatalf("explain: ok=%v failures %+v", rep.OK, pa.Failures)
	}
	for _, h := range pa.Hops {
		if h.Verdict.Layer != network.LayerAddress || !strings.Contains(h.Reason, "owns 10.0.1.99") {
			t.Errorf("hop %s -> %s: layer %q: %s", h.From, h.To, h.Verdict.Layer, h.Reason)
		}
	}
	p.own(t, 0, "10.0.1.99")
	if code, s, _ := p.get(t, "GATEHOUSE/x"); code != 200 || s.Backend != "target-cm" {
		t.Fatalf("after an interface took the address: %d %s", code, s.Backend)
	}
	register("192.168.60.6")
	if code, s, _ := p.get(t, "GATEHOUSE/x"); code != 200 || s.Backend != "target-cm" {
		t.Fatalf("an address beyond the VPC: %d %s", code, s.Backend)
	}
}
