package ec2_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

func TestSubnetLifecycle(t *testing.T) {
	// Counts below are of this test's subnets alone.
	c := servertest.Start(t, servertest.NoDefaultVpc()).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")

	out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{
		VpcId:             aws.String(vpc),
		CidrBlock:         aws.String("10.0.1.0/24"),
		AvailabilityZone:  aws.String("us-east-1a"),
		TagSpecifications: tagSpec(types.ResourceTypeSubnet, "Name", "app-a", "tier", "private"),
	})
	if err != nil {
		t.Fatal(err)
	}
	a := out.Subnet
	id := aws.ToString(a.SubnetId)
	if !strings.HasPrefix(id, "subnet-") || aws.ToString(a.VpcId) != vpc || aws.ToString(a.CidrBlock) != "10.0.1.0/24" ||
		a.State != types.SubnetStateAvailable || aws.ToInt32(a.AvailableIpAddressCount) != 251 ||
		aws.ToString(a.AvailabilityZone) != "us-east-1a" || aws.ToString(a.AvailabilityZoneId) != "use1-az1" ||
		aws.ToString(a.OwnerId) != "000000000000" || aws.ToBool(a.MapPublicIpOnLaunch) || aws.ToBool(a.DefaultForAz) ||
		aws.ToString(a.SubnetArn) != "arn:aws:ec2:us-east-1:000000000000:subnet/"+id || len(a.Tags) != 2 {
		t.Fatalf("CreateSubnet = %+v", a)
	}

	// By zone id, and with no zone at all (the region's first).
	b, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.2.0/24"), AvailabilityZoneId: aws.String("use1-az2")})
	if err != nil || aws.ToString(b.Subnet.AvailabilityZone) != "us-east-1b" {
		t.Fatalf("CreateSubnet by zone id = %+v, %v", b, err)
	}
	d := newSubnet(t, c, vpc, "10.0.16.0/20", "")
	if aws.ToString(d.AvailabilityZone) != "us-east-1a" || aws.ToInt32(d.AvailableIpAddressCount) != 4091 {
		t.Fatalf("CreateSubnet without a zone = %+v", d)
	}
	other := newVpc(t, c, "10.1.0.0/16")
	newSubnet(t, c, other, "10.1.1.0/24", "us-east-1c")
	// Another VPC's subnets may reuse the same range.
	newSubnet(t, c, other, "10.1.2.0/24", "")

	for _, tc := range []struct {
		filters []types.Filter
		ids     []string
		want    int
	}{
		{filters: filter("vpc-id", vpc), want: 3},
		{filters: filter("vpc-id", other), want: 2},
		{filters: filter("availability-zone", "us-east-1a"), want: 3},
		{filters: filter("availability-zone-id", "use1-az2", "use1-az3"), want: 2},
		{filters: filter("cidr-block", "10.0.1.0/24"), want: 1},
		{filters: filter("cidr", "10.0.*"), want: 3},
		{filters: filter("state", "available"), want: 5},
		{filters: filter("subnet-id", id), want: 1},
		{filters: filter("tag:Name", "app-?"), want: 1},
		{filters: filter("tag-key", "tier"), want: 1},
		{filters: filter("tag:Name", "web"), want: 0},
		{filters: append(filter("vpc-id", vpc), filter("availability-zone", "us-east-1b")...), want: 1},
		{ids: []string{id, aws.ToString(d.SubnetId)}, want: 2},
		{ids: []string{id}, filters: filter("availability-zone", "us-east-1b"), want: 0},
		{want: 5},
	} {
		got, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: tc.ids, Filters: tc.filters})
		if err != nil || len(got.Subnets) != tc.want {
			t.Errorf("DescribeSubnets(%v, %+v) = %d subnets, %v; want %d", tc.ids, tc.filters, len(got.Subnets), err, tc.want)
		}
	}

	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpc)})
	wantCode(t, err, "DependencyViolation")
	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	_, err = c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)})
	wantCode(t, err, "InvalidSubnetID.NotFound")
}

func TestSubnetErrors(t *testing.T) {
	// No default VPC, so that "nothing left behind" counts every subnet.
	c := servertest.Start(t, servertest.NoDefaultVpc()).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	kept := newSubnet(t, c, vpc, "10.0.1.0/24", "us-east-1a")

	for _, tc := range []struct {
		name, cidr, az, azID, code, msg string
	}{
		{"outside the VPC", "10.1.0.0/24", "", "", "InvalidSubnet.Range", "The CIDR '10.1.0.0/24' is invalid."},
		{"too small", "10.0.2.0/29", "", "", "InvalidSubnet.Range", ""},
		{"larger than the VPC", "10.0.0.0/15", "", "", "InvalidSubnet.Range", ""},
		{"inside another", "10.0.1.128/25", "", "", "InvalidSubnet.Conflict", "The CIDR '10.0.1.128/25' conflicts with another subnet"},
		{"around another", "10.0.0.0/23", "", "", "InvalidSubnet.Conflict", ""},
		{"the same", "10.0.1.0/24", "us-east-1b", "", "InvalidSubnet.Conflict", ""},
		{"host bits set", "10.0.2.1/24", "", "", "InvalidParameterValue", "This is not a valid CIDR block."},
		{"not a CIDR", "banana", "", "", "InvalidParameterValue", "Value (banana) for parameter cidrBlock is invalid."},
		{"IPv6", "2001:db8::/64", "", "", "InvalidParameterValue", ""},
		{"unknown zone", "10.0.2.0/24", "us-east-1z", "", "InvalidParameterValue",
			"Value (us-east-1z) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f."},
		{"another region's zone", "10.0.2.0/24", "eu-west-1a", "", "InvalidParameterValue", ""},
		{"unknown zone id", "10.0.2.0/24", "", "use1-az9", "InvalidParameterValue", "parameter availabilityZoneId"},
		{"zone and id disagree", "10.0.2.0/24", "us-east-1a", "use1-az2", "InvalidParameterCombination", ""},
	} {
		in := &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(tc.cidr)}
		if tc.az != "" {
			in.AvailabilityZone = aws.String(tc.az)
		}
		if tc.azID != "" {
			in.AvailabilityZoneId = aws.String(tc.azID)
		}
		_, err := c.CreateSubnet(ctx, in)
		t.Run(tc.name, func(t *testing.T) { wantMessage(t, err, tc.code, tc.msg) })
	}

	_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String("vpc-00000000000000000"), CidrBlock: aws.String("10.0.2.0/24")})
	wantMessage(t, err, "InvalidVpcID.NotFound", "vpc-00000000000000000")
	_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc)})
	wantCode(t, err, "MissingParameter")
	_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.2.0/24"),
		TagSpecifications: tagSpec(types.ResourceTypeVpc, "Name", "x")})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.2.0/24"),
		TagSpecifications: tagSpec(types.ResourceTypeSubnet, "aws:owner", "x")})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.2.0/24"), DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
	_, err = c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-00000000000000000"}})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	_, err = c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: filter("colour", "blue")})
	wantMessage(t, err, "InvalidParameterValue", "The filter 'colour' is invalid")
	_, err = c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String("subnet-00000000000000000")})
	wantCode(t, err, "InvalidSubnetID.NotFound")

	// None of the failures left anything behind.
	got, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil || len(got.Subnets) != 1 || aws.ToString(got.Subnets[0].SubnetId) != aws.ToString(kept.SubnetId) {
		t.Fatalf("subnets after failed calls = %+v, %v", got.Subnets, err)
	}
}

func TestAvailabilityZones(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.EC2()
	out, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	if err != nil || len(out.AvailabilityZones) != 6 {
		t.Fatalf("DescribeAvailabilityZones = %+v, %v", out, err)
	}
	z := out.AvailabilityZones[1]
	if aws.ToString(z.ZoneName) != "us-east-1b" || aws.ToString(z.ZoneId) != "use1-az2" || z.State != types.AvailabilityZoneStateAvailable ||
		aws.ToString(z.RegionName) != "us-east-1" || aws.ToString(z.ZoneType) != "availability-zone" ||
		aws.ToString(z.NetworkBorderGroup) != "us-east-1" || aws.ToString(z.GroupName) == "" ||
		z.OptInStatus != types.AvailabilityZoneOptInStatusOptInNotRequired {
		t.Fatalf("zone = %+v", z)
	}
	for _, tc := range []struct {
		in   ec2.DescribeAvailabilityZonesInput
		want []string
	}{
		{ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1c", "us-east-1a"}}, []string{"us-east-1a", "us-east-1c"}},
		{ec2.DescribeAvailabilityZonesInput{ZoneIds: []string{"use1-az6"}}, []string{"us-east-1f"}},
		{ec2.DescribeAvailabilityZonesInput{Filters: filter("zone-name", "us-east-1d")}, []string{"us-east-1d"}},
		{ec2.DescribeAvailabilityZonesInput{Filters: filter("zone-id", "use1-az1", "use1-az2")}, []string{"us-east-1a", "us-east-1b"}},
		{ec2.DescribeAvailabilityZonesInput{Filters: append(filter("state", "available"), filter("region-name", "us-east-1")...)}, []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"}},
		{ec2.DescribeAvailabilityZonesInput{Filters: filter("region-name", "eu-west-1")}, nil},
	} {
		got, err := c.DescribeAvailabilityZones(ctx, &tc.in)
		if err != nil {
			t.Fatalf("%+v: %v", tc.in, err)
		}
		var names []string
		for _, z := range got.AvailabilityZones {
			names = append(names, aws.ToString(z.ZoneName))
		}
		if strings.Join(names, ",") != strings.Join(tc.want, ",") {
			t.Errorf("DescribeAvailabilityZones(%+v) = %v, want %v", tc.in, names, tc.want)
		}
	}
	_, err = c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1z"}})
	wantMessage(t, err, "InvalidParameterValue", "us-east-1z")
	_, err = c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{ZoneIds: []string{"use1-az9"}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{Filters: filter("flavour", "x")})
	wantCode(t, err, "InvalidParameterValue")

	// Another region: its own zones, ids and DNS domain, and its own state.
	eu := ec2.NewFromConfig(srv.AWSConfig(), func(o *ec2.Options) { o.Region = "eu-west-1" })
	out, err = eu.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	if err != nil || len(out.AvailabilityZones) != 3 || aws.ToString(out.AvailabilityZones[2].ZoneName) != "eu-west-1c" ||
		aws.ToString(out.AvailabilityZones[2].ZoneId) != "euw1-az3" || aws.ToString(out.AvailabilityZones[2].RegionName) != "eu-west-1" {
		t.Fatalf("eu-west-1 zones = %+v, %v", out, err)
	}
	vpc := newVpc(t, eu, "10.0.0.0/16")
	sn := newSubnet(t, eu, vpc, "10.0.1.0/24", "eu-west-1c")
	if aws.ToString(sn.AvailabilityZoneId) != "euw1-az3" || !strings.HasPrefix(aws.ToString(sn.SubnetArn), "arn:aws:ec2:eu-west-1:") {
		t.Fatalf("eu-west-1 subnet = %+v", sn)
	}
	eni := newENI(t, eu, aws.ToString(sn.SubnetId), "")
	if got := aws.ToString(eni.PrivateDnsName); got != "ip-10-0-1-4.eu-west-1.compute.internal" {
		t.Fatalf("eu-west-1 private DNS name = %s", got)
	}
	_, err = eu.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.2.0/24"), AvailabilityZone: aws.String("eu-west-1d")})
	wantMessage(t, err, "InvalidParameterValue", "eu-west-1a, eu-west-1b, eu-west-1c.")
	if _, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(sn.SubnetId)}}); err == nil {
		t.Fatal("a eu-west-1 subnet is visible from us-east-1")
	}
}
