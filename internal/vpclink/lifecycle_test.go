package vpclink_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	gw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/servertest"
)

var ctx = context.Background()

const day = 24 * time.Hour

type fixture struct {
	srv              *servertest.Server
	gw               *gw.Client
	ec2              *ec2.Client
	subnetA, subnetB string
	cidrA, cidrB     string
	group            string
}

// start runs a server and builds a VPC with two subnets and a group for
// the link.
func start(t *testing.T, opts ...servertest.Option) *fixture {
	t.Helper()
	srv := servertest.Start(t, opts...)
	f := &fixture{srv: srv, gw: srv.APIGatewayV2(), ec2: srv.EC2(), cidrA: "10.0.1.0/24", cidrB: "10.0.2.0/24"}
	v, err := f.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	for i, cidr := range []string{f.cidrA, f.cidrB} {
		s, err := f.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String(cidr),
			AvailabilityZone: aws.String([]string{"us-east-1a", "us-east-1b"}[i])})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.subnetA = aws.ToString(s.Subnet.SubnetId)
		} else {
			f.subnetB = aws.ToString(s.Subnet.SubnetId)
		}
	}
	g, err := f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("vpclink"),
		Description: aws.String("VPC link"), VpcId: v.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	f.group = aws.ToString(g.GroupId)
	return f
}

func (f *fixture) create(t *testing.T) string {
	t.Helper()
	out, err := f.gw.CreateVpcLink(ctx, &gw.CreateVpcLinkInput{Name: aws.String("private"),
		SubnetIds: []string{f.subnetA, f.subnetB}, SecurityGroupIds: []string{f.group}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.VpcLinkId)
}

// status is the link's status and message, or "gone" once GetVpcLink
// answers NotFoundException.
func (f *fixture) status(t *testing.T, id string) (gwtypes.VpcLinkStatus, string) {
	t.Helper()
	out, err := f.gw.GetVpcLink(ctx, &gw.GetVpcLinkInput{VpcLinkId: aws.String(id)})
	var nf *gwtypes.NotFoundException
	if errors.As(err, &nf) {
		return "gone", nf.ErrorMessage()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.VpcLinkStatus, aws.ToString(out.VpcLinkStatusMessage)
}

func (f *fixture) want(t *testing.T, id string, want gwtypes.VpcLinkStatus, msg string) {
	t.Helper()
	got, gotMsg := f.status(t, id)
	if got != want || !strings.Contains(gotMsg, msg) {
		t.Fatalf("link %s is %s (%q), want %s (...%q...)", id, got, gotMsg, want, msg)
	}
}

// enis lists the interfaces API Gateway manages, as EC2 shows them.
func (f *fixture) enis(t *testing.T) []ec2types.NetworkInterface {
	t.Helper()
	out, err := f.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
		{Name: aws.String("description"), Values: []string{"ENI Managed by API Gateway"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return out.NetworkInterfaces
}

// free is the subnet's count of available addresses.
func (f *fixture) free(t *testing.T, subnet string) int32 {
	t.Helper()
	out, err := f.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{subnet}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToInt32(out.Subnets[0].AvailableIpAddressCount)
}

// checkENIs checks the link's interfaces: one per subnet, each with the
// link's group, in its subnet's range, requester-managed and typed as API
// Gateway's. It returns their ids.
func (f *fixture) checkENIs(t *testing.T) []string {
	t.Helper()
	enis := f.enis(t)
	if len(enis) != 2 {
		t.Fatalf("want 2 link interfaces, got %d", len(enis))
	}
	seen := map[string]bool{}
	var ids []string
	for _, e := range enis {
		cidr := map[string]string{f.subnetA: f.cidrA, f.subnetB: f.cidrB}[aws.ToString(e.SubnetId)]
		addr, err := netip.ParseAddr(aws.ToString(e.PrivateIpAddress))
		if cidr == "" || err != nil || !netip.MustParsePrefix(cidr).Contains(addr) || seen[aws.ToString(e.SubnetId)] ||
			len(e.Groups) != 1 || aws.ToString(e.Groups[0].GroupId) != f.group || !aws.ToBool(e.RequesterManaged) ||
			e.InterfaceType != ec2types.NetworkInterfaceTypeApiGatewayManaged || e.Status != ec2types.NetworkInterfaceStatusInUse {
			t.Fatalf("link interface = %+v", e)
		}
		seen[aws.ToString(e.SubnetId)] = true
		ids = append(ids, aws.ToString(e.NetworkInterfaceId))
	}
	return ids
}

// eventually polls cond: Wake is asynchronous, as it is for the data plane
// that calls it, so a test waits for the controller to act on it.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestProvisioning(t *testing.T) {
	f := start(t)
	freeA := f.free(t, f.subnetA)
	id := f.create(t)
	f.want(t, id, gwtypes.VpcLinkStatusPending, "VPC link is provisioning ENIs")
	// The interfaces exist from the start and take addresses from their
	// subnets.
	enis := f.checkENIs(t)
	if got := f.free(t, f.subnetA); got != freeA-1 {
		t.Fatalf("subnet A has %d free addresses after the link, want %d", got, freeA-1)
	}
	// They belong to API Gateway: EC2 will not delete them.
	_, err := f.ec2.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(enis[0])})
	var ae smithy.APIError
	if !errors.As(err, &ae) || !strings.Contains(ae.ErrorMessage(), "currently in use") {
		t.Fatalf("DeleteNetworkInterface(link ENI) = %v", err)
	}

	f.srv.Advance(time.Second)
	f.want(t, id, gwtypes.VpcLinkStatusPending, "")
	f.srv.Advance(time.Second)
	f.want(t, id, gwtypes.VpcLinkStatusAvailable, "VPC link is ready to route traffic")
	if again := f.checkENIs(t); again[0] != enis[0] && again[0] != enis[1] {
		t.Fatalf("interfaces changed on AVAILABLE: %v -> %v", enis, again)
	}
}

func TestIdleAndWake(t *testing.T) {
	f := start(t)
	freeA := f.free(t, f.subnetA)
	id := f.create(t)
	before := f.checkENIs(t)
	f.srv.Advance(2 * time.Second)
	f.want(t, id, gwtypes.VpcLinkStatusAvailable, "")

	// Traffic on day 30 keeps the link up past day 60.
	f.srv.Advance(30 * day)
	f.srv.Links().Touch(id, f.srv.Clock.Now())
	f.srv.Advance(30*day + time.Hour)
	f.want(t, id, gwtypes.VpcLinkStatusAvailable, "")

	// Sixty days after the last request it goes INACTIVE and its
	// interfaces are deleted.
	f.srv.Advance(30*day - 2*time.Hour)
	f.want(t, id, gwtypes.VpcLinkStatusAvailable, "")
	f.srv.Advance(time.Hour)
	f.want(t, id, gwtypes.VpcLinkStatusInactive, "60 days")
	if n := len(f.enis(t)); n != 0 {
		t.Fatalf("INACTIVE link kept %d interfaces", n)
	}
	if got := f.free(t, f.subnetA); got != freeA {
		t.Fatalf("subnet A has %d free addresses, want %d back", got, freeA)
	}

	// A request finds it asleep and wakes it: PENDING with new interfaces,
	// then AVAILABLE after the delay.
	f.srv.Links().Wake(id)
	eventually(t, "the link to wake", func() bool {
		st, _ := f.status(t, id)
		return st == gwtypes.VpcLinkStatusPending
	})
	f.want(t, id, gwtypes.VpcLinkStatusPending, "VPC link is provisioning ENIs")
	after := f.checkENIs(t)
	for _, old := range before {
		if after[0] == old || after[1] == old {
			t.Fatalf("woken link reuses interface %s", old)
		}
	}
	f.srv.Advance(2 * time.Second)
	f.want(t, id, gwtypes.VpcLinkStatusAvailable, "")

	// The idle clock restarts from the wake-up.
	f.srv.Advance(60*day - time.Second)
	f.want(t, id, gwtypes.VpcLinkStatusAvailable, "")
}

// TestMissedWake: Wake drops requests when the controller is behind; the
// traffic the data plane recorded still wakes the link at the next change
// the controller sees.
func TestMissedWake(t *testing.T) {
	f := start(t)
	id := f.create(t)
	f.srv.Advance(2 * time.Second)
	f.srv.Advance(60 * day)
	f.want(t, id, gwtypes.VpcLinkStatusInactive, "")

	f.srv.Advance(time.Minute)
	f.srv.Links().Touch(id, f.srv.Clock.Now())
	if _, err := f.gw.UpdateVpcLink(ctx, &gw.UpdateVpcLinkInput{VpcLinkId: aws.String(id), Name: aws.String("renamed")}); err != nil {
		t.Fatal(err)
	}
	f.srv.Advance(0)
	f.want(t, id, gwtypes.VpcLinkStatusPending, "")
	f.checkENIs(t)
}

func TestDelete(t *testing.T) {
	f := start(t)
	freeA := f.free(t, f.subnetA)
	id := f.create(t)
	f.srv.Advance(2 * time.Second)
	if _, err := f.gw.DeleteVpcLink(ctx, &gw.DeleteVpcLinkInput{VpcLinkId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	f.want(t, id, gwtypes.VpcLinkStatusDeleting, "")
	if n := len(f.enis(t)); n != 2 {
		t.Fatalf("a DELETING link has %d interfaces, want 2 until it is gone", n)
	}
	// Deleting again does not restart the clock.
	f.srv.Advance(time.Second)
	if _, err := f.gw.DeleteVpcLink(ctx, &gw.DeleteVpcLinkInput{VpcLinkId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	f.srv.Advance(time.Second)
	f.want(t, id, "gone", "Invalid VpcLink identifier specified "+id)
	if n := len(f.enis(t)); n != 0 {
		t.Fatalf("deleted link left %d interfaces", n)
	}
	if got := f.free(t, f.subnetA); got != freeA {
		t.Fatalf("subnet A has %d free addresses, want %d back", got, freeA)
	}
	// With its interfaces gone the subnet can be deleted.
	if _, err := f.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(f.subnetA)}); err != nil {
		t.Fatal(err)
	}
}

// TestNoDelay: a zero delay (gatehouse serve --vpc-link-delay 0) makes each
// transition as soon as the controller sees the change.
func TestNoDelay(t *testing.T) {
	f := start(t, servertest.VpcLinkDelay(-1))
	id := f.create(t)
	f.srv.Advance(0)
	f.want(t, id, gwtypes.VpcLinkStatusAvailable, "")
	if _, err := f.gw.DeleteVpcLink(ctx, &gw.DeleteVpcLinkInput{VpcLinkId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	f.srv.Advance(0)
	f.want(t, id, "gone", "")
}

// TestWakeIntoMissingNetwork: a subnet deleted while the link slept (it
// held no interface then) leaves nowhere to put one: the link fails.
func TestWakeIntoMissingNetwork(t *testing.T) {
	f := start(t)
	id := f.create(t)
	f.srv.Advance(2 * time.Second)
	f.srv.Advance(60 * day)
	f.want(t, id, gwtypes.VpcLinkStatusInactive, "")
	if _, err := f.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(f.subnetB)}); err != nil {
		t.Fatal(err)
	}
	f.srv.Links().Wake(id)
	eventually(t, "the link to fail", func() bool {
		st, _ := f.status(t, id)
		return st == gwtypes.VpcLinkStatusFailed
	})
	f.want(t, id, gwtypes.VpcLinkStatusFailed, "subnet '"+f.subnetB+"' does not exist")
	if n := len(f.enis(t)); n != 0 {
		t.Fatalf("a FAILED link holds %d interfaces", n)
	}
}

// TestFullSubnet: a subnet without a free address cannot take the link's
// interface, so the link is created FAILED with the reason.
func TestFullSubnet(t *testing.T) {
	f := start(t)
	v, err := f.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String("10.9.0.0/28")})
	if err != nil {
		t.Fatal(err)
	}
	for f.free(t, aws.ToString(s.Subnet.SubnetId)) > 0 {
		if _, err := f.ec2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: s.Subnet.SubnetId}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := f.gw.CreateVpcLink(ctx, &gw.CreateVpcLinkInput{Name: aws.String("full"), SubnetIds: []string{aws.ToString(s.Subnet.SubnetId)}})
	if err != nil {
		t.Fatal(err)
	}
	if out.VpcLinkStatus != gwtypes.VpcLinkStatusFailed || !strings.Contains(aws.ToString(out.VpcLinkStatusMessage), "no free IP address") {
		t.Fatalf("CreateVpcLink in a full subnet = %+v", out)
	}
	f.srv.Advance(time.Hour)
	f.want(t, aws.ToString(out.VpcLinkId), gwtypes.VpcLinkStatusFailed, "")
}

// TestRestart: a PENDING link survives a restart of gatehouse on its
// embedded store and finishes provisioning on time.
func TestRestart(t *testing.T) {
	f := start(t, servertest.DataDir(t.TempDir()))
	id := f.create(t)
	f.srv.Advance(time.Second)
	srv := f.srv.Restart()
	f.srv, f.gw, f.ec2 = srv, srv.APIGatewayV2(), srv.EC2()
	f.want(t, id, gwtypes.VpcLinkStatusPending, "")
	f.srv.Advance(time.Second)
	f.want(t, id, gwtypes.VpcLinkStatusAvailable, "")
}
