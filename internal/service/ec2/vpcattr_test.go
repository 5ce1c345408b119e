package ec2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

// vpcAttr reads one attribute with DescribeVpcAttribute, failing unless
// the answer carries that attribute alone.
func vpcAttr(t *testing.T, c *ec2.Client, vpc string, a types.VpcAttributeName) bool {
	t.Helper()
	out, err := c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpc), Attribute: a})
	if err != nil {
		t.Fatalf("DescribeVpcAttribute(%s): %v", a, err)
	}
	if aws.ToString(out.VpcId) != vpc {
		t.Fatalf("DescribeVpcAttribute(%s) vpcId = %q", a, aws.ToString(out.VpcId))
	}
	got := map[types.VpcAttributeName]*types.AttributeBooleanValue{
		types.VpcAttributeNameEnableDnsSupport:                 out.EnableDnsSupport,
		types.VpcAttributeNameEnableDnsHostnames:               out.EnableDnsHostnames,
		types.VpcAttributeNameEnableNetworkAddressUsageMetrics: out.EnableNetworkAddressUsageMetrics,
	}
	for name, v := range got {
		if (name == a) != (v != nil) {
			t.Fatalf("DescribeVpcAttribute(%s) = %+v: want only %s", a, out, a)
		}
	}
	if got[a].Value == nil {
		t.Fatalf("DescribeVpcAttribute(%s) has no value", a)
	}
	return *got[a].Value
}

func TestVpcAttributes(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	want := map[types.VpcAttributeName]bool{
		types.VpcAttributeNameEnableDnsSupport:                 true,
		types.VpcAttributeNameEnableDnsHostnames:               false,
		types.VpcAttributeNameEnableNetworkAddressUsageMetrics: false,
	}
	check := func() {
		t.Helper()
		for a, w := range want {
			if got := vpcAttr(t, c, vpc, a); got != w {
				t.Fatalf("%s = %v, want %v", a, got, w)
			}
		}
	}
	check()

	on := &types.AttributeBooleanValue{Value: aws.Bool(true)}
	off := &types.AttributeBooleanValue{Value: aws.Bool(false)}
	for _, in := range []*ec2.ModifyVpcAttributeInput{
		{VpcId: aws.String(vpc), EnableDnsHostnames: on},
		{VpcId: aws.String(vpc), EnableDnsSupport: off},
		{VpcId: aws.String(vpc), EnableNetworkAddressUsageMetrics: on},
	} {
		if _, err := c.ModifyVpcAttribute(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	want[types.VpcAttributeNameEnableDnsHostnames] = true
	want[types.VpcAttributeNameEnableDnsSupport] = false
	want[types.VpcAttributeNameEnableNetworkAddressUsageMetrics] = true
	check()

	// Errors change nothing.
	_, err := c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsSupport: on, EnableDnsHostnames: off})
	wantMessage(t, err, "InvalidParameterCombination", "Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames")
	_, err = c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc)})
	wantMessage(t, err, "InvalidParameterCombination", "No attributes specified.")
	_, err = c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String("vpc-0123456789abcdef0"), EnableDnsSupport: on})
	wantMessage(t, err, "InvalidVpcID.NotFound", "vpc-0123456789abcdef0")
	check()

	_, err = c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpc), Attribute: "enableDns"})
	wantMessage(t, err, "InvalidParameterValue", "Value (enableDns) for parameter attribute is invalid. Unknown attribute.")
	_, err = c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String("vpc-0123456789abcdef0"), Attribute: types.VpcAttributeNameEnableDnsSupport})
	wantCode(t, err, "InvalidVpcID.NotFound")
}

func TestDescribeVpcsFilters(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	out, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})
	if err != nil || len(out.Vpcs) != 1 {
		t.Fatal(out, err)
	}
	assoc := aws.ToString(out.Vpcs[0].CidrBlockAssociationSet[0].AssociationId)
	for _, tc := range []struct {
		f    []types.Filter
		want int
	}{
		{filter("owner-id", "000000000000"), 2}, // with the default VPC
		{filter("owner-id", "111111111111"), 0},
		{filter("instance-tenancy", "default"), 2},
		{filter("dhcp-options-id", aws.ToString(out.Vpcs[0].DhcpOptionsId)), 2}, // the region's default set
		{filter("dhcp-options-id", "default"), 0},
		{filter("cidr-block-association.association-id", assoc), 1},
		{append(filter("cidr-block-association.state", "associated"), filter("is-default", "false")...), 1},
		{filter("isDefault", "true"), 1},
	} {
		got, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: tc.f})
		if err != nil || len(got.Vpcs) != tc.want {
			t.Errorf("DescribeVpcs(%s) = %d VPCs, %v; want %d", aws.ToString(tc.f[0].Name), len(got.Vpcs), err, tc.want)
		}
	}
}
