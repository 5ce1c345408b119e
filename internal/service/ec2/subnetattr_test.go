package ec2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

func describeSubnet(t *testing.T, c *ec2.Client, id string) types.Subnet {
	t.Helper()
	out, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
	if err != nil || len(out.Subnets) != 1 {
		t.Fatalf("DescribeSubnets(%s) = %+v, %v", id, out, err)
	}
	return out.Subnets[0]
}

// Every field Terraform's aws_subnet reads is there, with AWS's values for
// a new subnet, and each attribute ModifySubnetAttribute changes shows.
func TestSubnetAttributes(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	id := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "us-east-1a").SubnetId)
	sn := describeSubnet(t, c, id)
	dns := sn.PrivateDnsNameOptionsOnLaunch
	if sn.MapPublicIpOnLaunch == nil || *sn.MapPublicIpOnLaunch || sn.DefaultForAz == nil || *sn.DefaultForAz ||
		sn.AssignIpv6AddressOnCreation == nil || *sn.AssignIpv6AddressOnCreation || sn.EnableDns64 == nil || *sn.EnableDns64 ||
		sn.MapCustomerOwnedIpOnLaunch == nil || *sn.MapCustomerOwnedIpOnLaunch || sn.Ipv6Native == nil || *sn.Ipv6Native ||
		sn.Ipv6CidrBlockAssociationSet == nil || len(sn.Ipv6CidrBlockAssociationSet) != 0 ||
		sn.EnableLniAtDeviceIndex != nil || sn.CustomerOwnedIpv4Pool != nil || sn.OutpostArn != nil ||
		dns == nil || dns.HostnameType != types.HostnameTypeIpName || dns.EnableResourceNameDnsARecord == nil || *dns.EnableResourceNameDnsARecord ||
		dns.EnableResourceNameDnsAAAARecord == nil || *dns.EnableResourceNameDnsAAAARecord ||
		sn.BlockPublicAccessStates == nil || sn.BlockPublicAccessStates.InternetGatewayBlockMode != types.BlockPublicAccessModeOff ||
		aws.ToString(sn.SubnetArn) == "" || aws.ToString(sn.OwnerId) != "000000000000" || aws.ToInt32(sn.AvailableIpAddressCount) != 251 {
		t.Fatalf("new subnet = %+v (dns %+v)", sn, dns)
	}

	on := &types.AttributeBooleanValue{Value: aws.Bool(true)}
	for _, in := range []*ec2.ModifySubnetAttributeInput{
		{MapPublicIpOnLaunch: on},
		{EnableDns64: on},
		{EnableResourceNameDnsARecordOnLaunch: on},
		{EnableResourceNameDnsAAAARecordOnLaunch: on},
		{PrivateDnsHostnameTypeOnLaunch: types.HostnameTypeResourceName},
		{DisableLniAtDeviceIndex: on},
		{MapCustomerOwnedIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(false)}, CustomerOwnedIpv4Pool: aws.String("")},
	} {
		in.SubnetId = aws.String(id)
		if _, err := c.ModifySubnetAttribute(ctx, in); err != nil {
			t.Fatalf("ModifySubnetAttribute(%+v): %v", in, err)
		}
	}
	sn = describeSubnet(t, c, id)
	dns = sn.PrivateDnsNameOptionsOnLaunch
	if !aws.ToBool(sn.MapPublicIpOnLaunch) || !aws.ToBool(sn.EnableDns64) || dns.HostnameType != types.HostnameTypeResourceName ||
		!aws.ToBool(dns.EnableResourceNameDnsARecord) || !aws.ToBool(dns.EnableResourceNameDnsAAAARecord) {
		t.Fatalf("modified subnet = %+v (dns %+v)", sn, dns)
	}
	for _, f := range []types.Filter{
		{Name: aws.String("map-public-ip-on-launch"), Values: []string{"true"}},
		{Name: aws.String("enable-dns64"), Values: []string{"true"}},
		{Name: aws.String("private-dns-name-options-on-launch.hostname-type"), Values: []string{"resource-name"}},
	} {
		out, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: append([]types.Filter{f}, filter("vpc-id", vpc)...)})
		if err != nil || len(out.Subnets) != 1 {
			t.Fatalf("DescribeSubnets(%s) = %+v, %v", aws.ToString(f.Name), out, err)
		}
	}

	// Errors change nothing.
	for _, tc := range []struct {
		in   ec2.ModifySubnetAttributeInput
		code string
		msg  string
	}{
		{ec2.ModifySubnetAttributeInput{MapPublicIpOnLaunch: on, EnableDns64: on}, "InvalidParameterCombination",
			"Fields for multiple attribute types specified: mapPublicIpOnLaunch, enableDns64"},
		{ec2.ModifySubnetAttributeInput{}, "InvalidParameterCombination", "No attributes specified."},
		{ec2.ModifySubnetAttributeInput{PrivateDnsHostnameTypeOnLaunch: "host-name"}, "InvalidParameterValue", "host-name"},
		{ec2.ModifySubnetAttributeInput{AssignIpv6AddressOnCreation: on}, "InvalidParameterValue", "assignIpv6AddressOnCreation"},
		{ec2.ModifySubnetAttributeInput{MapCustomerOwnedIpOnLaunch: on, CustomerOwnedIpv4Pool: aws.String("ipv4pool-coip-1")}, "InvalidParameter", "Outpost"},
		{ec2.ModifySubnetAttributeInput{EnableLniAtDeviceIndex: aws.Int32(1)}, "InvalidParameter", "Outpost"},
	} {
		in := tc.in
		in.SubnetId = aws.String(id)
		_, err := c.ModifySubnetAttribute(ctx, &in)
		wantMessage(t, err, tc.code, tc.msg)
	}
	_, err := c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String("subnet-0123456789abcdef0"), MapPublicIpOnLaunch: on})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	if after := describeSubnet(t, c, id); !aws.ToBool(after.MapPublicIpOnLaunch) || !aws.ToBool(after.EnableDns64) ||
		aws.ToBool(after.AssignIpv6AddressOnCreation) || aws.ToBool(after.MapCustomerOwnedIpOnLaunch) {
		t.Fatalf("subnet after failed calls = %+v", after)
	}
}
