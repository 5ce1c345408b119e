package dataplane_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/dataplane"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"

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

// Every kind of record a Cloud Map path is compiled from recompiles the
// API that uses it: the instances and their service, and the network the
// verdicts and addresses come from (VPCs, subnets, groups, ACLs,
// interfaces, instances). A tag recompiles it only when it is the one that
// moves a real address; a VPC's DNS settings and DHCP options and a
// subnet's launch settings never do.
func TestCloudMapPathRecompilesOnWhatItReads(t *testing.T) {
	st := mem.New()
	put := func(recs ...model.Record) {
		t.Helper()
		_, err := st.Update(func(tx store.Tx) error {
			mt := model.Tx{Tx: tx, Account: "1", Region: "r"}
			for _, r := range recs {
				if err := model.Put(mt, r); err != nil {
					return err
				}
			}
			return nil
		})
		must(t, err)
	}
	const arn = "arn:aws:servicediscovery:r:1:service/srv-1"
	integ := model.Integration{APIID: "p1", ID: "i1", Type: "HTTP_PROXY", ConnectionType: "VPC_LINK", ConnectionID: "lnk1", URI: arn, Method: "ANY"}
	put(&model.VPC{ID: "vpc-1", CidrBlock: "10.0.0.0/16"},
		&model.Subnet{ID: "subnet-1", VpcID: "vpc-1", CidrBlock: "10.0.1.0/24", AvailabilityZone: "a"},
		&model.SecurityGroup{ID: "sg-1", VpcID: "vpc-1"},
		&model.NetworkInterface{ID: "eni-l1", SubnetID: "subnet-1", VpcID: "vpc-1", AvailabilityZone: "a", PrivateIP: "10.0.1.50", Groups: []string{"sg-1"}},
		&model.VpcLink{ID: "lnk1", VpcID: "vpc-1", SubnetIDs: []string{"subnet-1"}, SecurityGroupIDs: []string{"sg-1"}, Status: model.LinkAvailable,
			Interfaces: map[string]string{"subnet-1": "eni-l1"}},
		&model.CloudMapService{ID: "srv-1", ARN: arn, Name: "app"},
		&model.Instance{ServiceID: "srv-1", ID: "i1", Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.1.40", "AWS_INSTANCE_PORT": "8080"}},
		&model.HTTPAPI{ID: "p1", Name: "p1", ProtocolType: "HTTP"},
		&model.Deployment{APIID: "p1", ID: "d1", Integrations: []model.Integration{integ},
			Routes: []model.Route{{APIID: "p1", ID: "r1", RouteKey: "GET /a", Target: "integrations/i1"}}},
		&model.Stage{APIID: "p1", Name: "$default", DeploymentID: "d1"})
	plane := dataplane.New(dataplane.Config{Load: model.NewLoader(st).Load, Watch: st.Watch, Revision: st.Revision,
		Changed: func(after, upto uint64) ([]string, uint64, bool) { return model.Changed(st, after, upto) },
		Clock:   clocktest.New(time.Unix(0, 0)), Log: slog.New(slog.DiscardHandler)})
	plane.Start()
	defer plane.Stop()
	last := func() *dataplane.Snapshot {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		must(t, plane.Sync(ctx))
		return plane.Snapshot()
	}()
	for _, c := range []struct {
		what      string
		rec       model.Record
		recompile bool
	}{
		{"an instance registered", &model.Instance{ServiceID: "srv-1", ID: "i2", Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.1.41", "AWS_INSTANCE_PORT": "8080"}}, true},
		{"the service changed", &model.CloudMapService{ID: "srv-1", ARN: arn, Name: "app", CustomHealth: true}, true},
		{"a group's rules", &model.SecurityGroup{ID: "sg-1", VpcID: "vpc-1", Egress: []model.Rule{{ID: "sgr-1", Protocol: "-1", CidrIPv4: "0.0.0.0/0"}}}, true},
		{"a network ACL", &model.NetworkACL{ID: "acl-1", VpcID: "vpc-1", Associations: []model.ACLAssociation{{ID: "aclassoc-1", SubnetID: "subnet-1"}}}, true},
		{"an interface taking an instance's address", &model.NetworkInterface{ID: "eni-i", SubnetID: "subnet-1", VpcID: "vpc-1", AvailabilityZone: "a", PrivateIP: "10.0.1.40"}, true},
		{"the interface's host tag", &model.NetworkInterface{ID: "eni-i", SubnetID: "subnet-1", VpcID: "vpc-1", AvailabilityZone: "a", PrivateIP: "10.0.1.40",
			Tags: model.Tags{network.HostTag: "localhost"}}, true},
		{"another tag", &model.NetworkInterface{ID: "eni-i", SubnetID: "subnet-1", VpcID: "vpc-1", AvailabilityZone: "a", PrivateIP: "10.0.1.40",
			Tags: model.Tags{network.HostTag: "localhost", "team": "web"}}, false},
		{"an EC2 instance", &model.EC2Instance{ID: "i-0123", State: "running", SubnetID: "subnet-1", VpcID: "vpc-1", PrivateIP: "10.0.1.41"}, true},
		{"a subnet", &model.Subnet{ID: "subnet-2", VpcID: "vpc-1", CidrBlock: "10.0.2.0/24", AvailabilityZone: "b"}, true},
		{"a VPC", &model.VPC{ID: "vpc-2", CidrBlock: "192.168.0.0/16"}, true},
		{"a VPC's DNS settings and DHCP options", &model.VPC{ID: "vpc-1", CidrBlock: "10.0.0.0/16", DNSHostnames: true, DhcpOptionsID: "dopt-1"}, false},
		{"a subnet's launch settings", &model.Subnet{ID: "subnet-1", VpcID: "vpc-1", CidrBlock: "10.0.1.0/24", AvailabilityZone: "a",
			SubnetAttributes: model.SubnetAttributes{MapPublicIPOnLaunch: true}}, false},
		{"a VPC's block", &model.VPC{ID: "vpc-1", CidrBlock: "10.0.0.0/8", DNSHostnames: true, DhcpOptionsID: "dopt-1"}, true},
	} {
		put(c.rec)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		must(t, plane.Sync(ctx))
		cancel()
		next := plane.Snapshot()
		if got := next.HTTPAPIs["p1"] != last.HTTPAPIs["p1"]; got != c.recompile {
			t.Errorf("%s: recompiled %v, want %v", c.what, got, c.recompile)
		}
		last = next
	}
}
