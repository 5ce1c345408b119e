package dataplane_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"gatehouse/internal/model"
	"gatehouse/internal/network"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
)

// A Cloud Map integration's instances, addresses and verdicts are compiled
// once, so every change they depend on must compile them again: an
// instance registered or deregistered, a security group's rules, and the
// tag that moves an interface's real address. Requests and explain follow
// each change.
func TestCloudMapPathFollowsTheModel(t *testing.T) {
	p := newPrivateALB(t)
	sd := p.srv.ServiceDiscovery()
	ns, err := sd.CreateHttpNamespace(ctx, &servicediscovery.CreateHttpNamespaceInput{Name: aws.String("blog")})
	must(t, err)
	op, err := sd.GetOperation(ctx, &servicediscovery.GetOperationInput{OperationId: ns.OperationId})
	must(t, err)
	svc, err := sd.CreateService(ctx, &servicediscovery.CreateServiceInput{Name: aws.String("app"), NamespaceId: aws.String(op.Operation.Targets["NAMESPACE"])})
	must(t, err)
	ports := map[string]int{}
	register := func(name, ip string) {
		t.Helper()
		ports[name] = echo(t, name)
		_, err := sd.RegisterInstance(ctx, &servicediscovery.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String(name),
			Attributes: map[string]string{"AWS_INSTANCE_IPV4": ip, "AWS_INSTANCE_PORT": fmt.Sprint(ports[name]), "color": "green"}})
		must(t, err)
	}
	p.own(t, 0, "10.0.1.40")
	p.own(t, 0, "10.0.1.41")
	register("cm-one", "10.0.1.40")
	p.apiTo(t, aws.ToString(svc.Service.Arn)+"?color=green", model.LinkAvailable, 30000, nil)
	if code, s, _ := p.get(t, "GATEHOUSE/x"); code != 200 || s.Backend != "cm-one" {
		t.Fatalf("first instance: %d %q", code, s.Backend)
	}

	register("cm-two", "10.0.1.41")
	_, err = sd.DeregisterInstance(ctx, &servicediscovery.DeregisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String("cm-one")})
	must(t, err)
	for range 5 {
		if code, s, _ := p.get(t, "GATEHOUSE/x"); code != 200 || s.Backend != "cm-two" {
			t.Fatalf("after the instances changed: %d %q", code, s.Backend)
		}
	}

	// The interface's gatehouse:host tag moves the real address.
	enis, err := p.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
		{Name: aws.String("addresses.private-ip-address"), Values: []string{"10.0.1.41"}}}})
	must(t, err)
	if len(enis.NetworkInterfaces) != 1 {
		t.Fatalf("%d interfaces at 10.0.1.41", len(enis.NetworkInterfaces))
	}
	_, err = p.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(enis.NetworkInterfaces[0].NetworkInterfaceId)},
		Tags: []ec2types.Tag{{Key: aws.String(network.HostTag), Value: aws.String("localhost")}}})
	must(t, err)
	if code, s, _ := p.get(t, "GATEHOUSE/x"); code != 200 || s.Backend != "cm-two" {
		t.Fatalf("after tagging the interface: %d %q", code, s.Backend)
	}
	q := url.Values{"api": {"api0000001"}}
	_, rep := p.explainVia(t, q)
	if in := rep.Paths[0].CloudMap.Instances; len(in) != 1 || in[0].Real != fmt.Sprintf("localhost:%d", ports["cm-two"]) || in[0].AddrRule != network.RuleHostTag {
		t.Fatalf("after tagging the interface, explain: %+v", in)
	}

	// The backends' group stops admitting the VPC: the link's packets are
	// dropped, and explain names the groups.
	_, err = p.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(p.appGroup), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}}})
	must(t, err)
	if code, _ := p.getDropped(t, "GATEHOUSE/x", 30*time.Second); code != 503 {
		t.Fatalf("after the group stopped admitting the link: %d, want 503 after the timeout", code)
	}
	_, rep = p.explainVia(t, q)
	pa := rep.Paths[0]
	if rep.OK || !onlyStatus(pa.Failures, 503) || len(pa.Hops) != 2 {
		t.Fatalf("after the group stopped admitting the link, explain: ok=%v failures %+v hops %d", rep.OK, pa.Failures, len(pa.Hops))
	}
	for _, h := range pa.Hops {
		if h.Verdict.Allowed || h.Verdict.Layer != network.LayerGroups {
			t.Errorf("hop %s -> %s: %s", h.From, h.To, h.Reason)
		}
	}
}
