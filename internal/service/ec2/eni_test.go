package ec2_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

var macPattern = regexp.MustCompile(`^02(:[0-9a-f]{2}){5}$`)

func TestNetworkInterfaces(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	a := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "us-east-1a").SubnetId)
	b := aws.ToString(newSubnet(t, c, vpc, "10.0.2.0/24", "us-east-1b").SubnetId)

	first := newENI(t, c, a, "")
	if got := aws.ToString(first.PrivateIpAddress); got != "10.0.1.4" {
		t.Fatalf("first automatic address = %s, want 10.0.1.4 (AWS keeps .0-.3)", got)
	}
	if n := freeCount(t, c, a); n != 250 {
		t.Fatalf("available addresses after one ENI = %d, want 250", n)
	}
	explicit := newENI(t, c, a, "10.0.1.50")
	if got := aws.ToString(explicit.PrivateIpAddress); got != "10.0.1.50" {
		t.Fatalf("explicit address = %s, want 10.0.1.50", got)
	}
	second := newENI(t, c, a, "")
	if got := aws.ToString(second.PrivateIpAddress); got != "10.0.1.5" {
		t.Fatalf("second automatic address = %s, want 10.0.1.5", got)
	}
	if n := freeCount(t, c, a); n != 248 {
		t.Fatalf("available addresses after three ENIs = %d, want 248", n)
	}

	// Every field of a described interface.
	out, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{
		SubnetId:          aws.String(b),
		Description:       aws.String("backend for orders"),
		TagSpecifications: tagSpec(types.ResourceTypeNetworkInterface, "Role", "backend"),
	})
	if err != nil {
		t.Fatal(err)
	}
	e := out.NetworkInterface
	id := aws.ToString(e.NetworkInterfaceId)
	if aws.ToString(e.SubnetId) != b || aws.ToString(e.VpcId) != vpc || aws.ToString(e.AvailabilityZone) != "us-east-1b" ||
		aws.ToString(e.Description) != "backend for orders" || aws.ToString(e.OwnerId) != "000000000000" ||
		aws.ToBool(e.RequesterManaged) || e.Status != types.NetworkInterfaceStatusAvailable ||
		!macPattern.MatchString(aws.ToString(e.MacAddress)) || aws.ToString(e.PrivateIpAddress) != "10.0.2.4" ||
		aws.ToString(e.PrivateDnsName) != "ip-10-0-2-4.ec2.internal" || !aws.ToBool(e.SourceDestCheck) ||
		e.InterfaceType != types.NetworkInterfaceTypeInterface || len(e.TagSet) != 1 {
		t.Fatalf("CreateNetworkInterface = %+v", e)
	}
	if len(e.Groups) != 1 || aws.ToString(e.Groups[0].GroupName) != "default" {
		t.Fatalf("groups = %+v, want the VPC's default group", e.Groups)
	}
	defaultGroup := aws.ToString(e.Groups[0].GroupId)
	if len(e.PrivateIpAddresses) != 1 || !aws.ToBool(e.PrivateIpAddresses[0].Primary) ||
		aws.ToString(e.PrivateIpAddresses[0].PrivateIpAddress) != "10.0.2.4" ||
		aws.ToString(e.PrivateIpAddresses[0].PrivateDnsName) != "ip-10-0-2-4.ec2.internal" {
		t.Fatalf("private addresses = %+v", e.PrivateIpAddresses)
	}
	d, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}})
	if err != nil || len(d.NetworkInterfaces) != 1 || aws.ToString(d.NetworkInterfaces[0].MacAddress) != aws.ToString(e.MacAddress) ||
		aws.ToString(d.NetworkInterfaces[0].Groups[0].GroupId) != defaultGroup {
		t.Fatalf("DescribeNetworkInterfaces(%s) = %+v, %v", id, d, err)
	}
	// The group may also be named explicitly.
	named, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(b), Groups: []string{defaultGroup, defaultGroup}, InterfaceType: types.NetworkInterfaceCreationTypeEfa})
	if err != nil || len(named.NetworkInterface.Groups) != 1 || named.NetworkInterface.InterfaceType != types.NetworkInterfaceTypeEfa {
		t.Fatalf("CreateNetworkInterface with groups = %+v, %v", named, err)
	}

	for _, tc := range []struct {
		filters []types.Filter
		want    int
	}{
		{filter("subnet-id", a), 3},
		{filter("vpc-id", vpc), 5},
		{filter("availability-zone", "us-east-1b"), 2},
		{filter("description", "backend*"), 1},
		{filter("status", "available"), 5},
		{filter("private-ip-address", "10.0.1.50"), 1},
		{filter("addresses.private-ip-address", "10.0.1.4", "10.0.2.4"), 2},
		{filter("requester-managed", "false"), 5},
		{filter("requester-managed", "true"), 0},
		{filter("interface-type", "efa"), 1},
		{filter("group-id", defaultGroup), 5},
		{filter("group-name", "default"), 5},
		{filter("network-interface-id", id), 1},
		{filter("tag:Role", "backend"), 1},
		{filter("tag-key", "Role"), 1},
		{append(filter("subnet-id", b), filter("tag:Role", "frontend")...), 0},
	} {
		got, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: tc.filters})
		if err != nil || len(got.NetworkInterfaces) != tc.want {
			t.Errorf("DescribeNetworkInterfaces(%+v) = %d, %v; want %d", tc.filters, len(got.NetworkInterfaces), err, tc.want)
		}
	}

	// A subnet with interfaces cannot go; once they are gone it can, and
	// the addresses come back.
	_, err = c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(a)})
	wantMessage(t, err, "DependencyViolation", fmt.Sprintf("The subnet '%s' has dependencies and cannot be deleted.", a))
	for _, e := range []types.NetworkInterface{first, explicit, second} {
		if _, err := c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: e.NetworkInterfaceId}); err != nil {
			t.Fatal(err)
		}
	}
	if n := freeCount(t, c, a); n != 251 {
		t.Fatalf("available addresses after deleting every ENI = %d, want 251", n)
	}
	_, err = c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: first.NetworkInterfaceId})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(a)}); err != nil {
		t.Fatal(err)
	}
}

func TestNetworkInterfaceErrors(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	newENI(t, c, sn, "10.0.1.10")
	otherVpc := newVpc(t, c, "10.1.0.0/16")
	otherSubnet := aws.ToString(newSubnet(t, c, otherVpc, "10.1.1.0/24", "").SubnetId)
	foreign := newENI(t, c, otherSubnet, "")
	foreignGroup := aws.ToString(foreign.Groups[0].GroupId)

	for _, tc := range []struct {
		name, code, msg string
		in              ec2.CreateNetworkInterfaceInput
	}{
		{"unknown subnet", "InvalidSubnetID.NotFound", "subnet-00000000000000000",
			ec2.CreateNetworkInterfaceInput{SubnetId: aws.String("subnet-00000000000000000")}},
		{"unknown group", "InvalidGroup.NotFound", "sg-00000000000000000",
			ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), Groups: []string{"sg-00000000000000000"}}},
		{"another VPC's group", "InvalidParameter", "belong to different networks",
			ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), Groups: []string{foreignGroup}}},
		{"address outside the subnet", "InvalidParameterValue", "does not fall within the subnet's address range",
			ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), PrivateIpAddress: aws.String("10.0.2.10")}},
		{"the VPC router's address", "InvalidParameterValue", "reserved",
			ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), PrivateIpAddress: aws.String("10.0.1.1")}},
		{"the network address", "InvalidParameterValue", "reserved",
			ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), PrivateIpAddress: aws.String("10.0.1.0")}},
		{"the last address", "InvalidParameterValue", "reserved",
			ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), PrivateIpAddress: aws.String("10.0.1.255")}},
		{"not an address", "InvalidParameterValue", "banana",
			ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), PrivateIpAddress: aws.String("banana")}},
		{"an address in use", "InvalidIPAddress.InUse", "The specified address is already in use.",
			ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), PrivateIpAddress: aws.String("10.0.1.10")}},
		{"a service's interface type", "InvalidParameterValue", "interfaceType",
			ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), InterfaceType: "network_load_balancer"}},
		{"tags for another resource type", "InvalidParameterValue", "",
			ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), TagSpecifications: tagSpec(types.ResourceTypeSubnet, "a", "b")}},
		{"too many groups", "SecurityGroupsPerInterfaceLimitExceeded", "",
			ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), Groups: []string{"sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"}}},
	} {
		_, err := c.CreateNetworkInterface(ctx, &tc.in)
		t.Run(tc.name, func(t *testing.T) { wantMessage(t, err, tc.code, tc.msg) })
	}
	_, err := c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String("eni-00000000000000000")})
	wantMessage(t, err, "InvalidNetworkInterfaceID.NotFound", "eni-00000000000000000")
	_, err = c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-00000000000000000"}})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	_, err = c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: filter("speed", "fast")})
	wantCode(t, err, "InvalidParameterValue")

	// Nothing failed half-way: one interface each, and the count unchanged.
	got, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
	if err != nil || len(got.NetworkInterfaces) != 2 {
		t.Fatalf("interfaces after failed calls = %+v, %v", got, err)
	}
	if n := freeCount(t, c, sn); n != 250 {
		t.Fatalf("available addresses after failed calls = %d, want 250", n)
	}
}

func TestSubnetFull(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.0.0/28", "").SubnetId)
	// A /28 has 16 addresses; AWS keeps the first four and the last.
	for i := 0; i < 11; i++ {
		e := newENI(t, c, sn, "")
		if want := fmt.Sprintf("10.0.0.%d", 4+i); aws.ToString(e.PrivateIpAddress) != want {
			t.Fatalf("ENI %d address = %s, want %s", i, aws.ToString(e.PrivateIpAddress), want)
		}
	}
	if n := freeCount(t, c, sn); n != 0 {
		t.Fatalf("available addresses in a full /28 = %d", n)
	}
	_, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn)})
	wantCode(t, err, "InsufficientFreeAddressesInSubnet")
}
