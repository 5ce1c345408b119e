package ec2_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/servertest"
)

var ctx = context.Background()

// wantCode fails unless err is an AWS error with the given code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want AWS error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
}

func TestVpcLifecycle(t *testing.T) {
	c := servertest.Start(t).EC2()
	out, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{
		CidrBlock: aws.String("10.0.0.0/16"),
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeVpc,
			Tags:         []types.Tag{{Key: aws.String("Name"), Value: aws.String("blog")}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	vpc := out.Vpc
	if aws.ToString(vpc.CidrBlock) != "10.0.0.0/16" || vpc.State != types.VpcStateAvailable || len(vpc.Tags) != 1 {
		t.Fatalf("CreateVpc = %+v", vpc)
	}
	d, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("tag:Name"), Values: []string{"bl*"}}}})
	if err != nil || len(d.Vpcs) != 1 || aws.ToString(d.Vpcs[0].VpcId) != aws.ToString(vpc.VpcId) {
		t.Fatalf("DescribeVpcs by tag = %+v, %v", d, err)
	}
	d, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("tag:Name"), Values: []string{"other"}}}})
	if err != nil || len(d.Vpcs) != 0 {
		t.Fatalf("DescribeVpcs by other tag = %+v, %v", d, err)
	}
	if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc.VpcId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{aws.ToString(vpc.VpcId)}})
	wantCode(t, err, "InvalidVpcID.NotFound")
}

func TestVpcErrors(t *testing.T) {
	// No default VPC, so that "nothing left behind" counts every VPC.
	c := servertest.Start(t, servertest.NoDefaultVpc()).EC2()
	for _, tc := range []struct {
		cidr, code string
	}{
		{"10.0.0.0/8", "InvalidVpc.Range"},
		{"10.0.0.0/29", "InvalidVpc.Range"},
		{"10.0.0.0/33", "InvalidParameterValue"},
		{"banana", "InvalidParameterValue"},
		{"10.0.0.1/16", "InvalidParameterValue"},
	} {
		_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(tc.cidr)})
		wantCode(t, err, tc.code)
	}
	_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{})
	wantCode(t, err, "MissingParameter")
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String("vpc-00000000000000000")})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("colour"), Values: []string{"x"}}}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")

	d, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(d.Vpcs) != 0 {
		t.Fatalf("failed calls left VPCs behind: %+v, %v", d.Vpcs, err)
	}
}

func TestVpcInstanceTenancy(t *testing.T) {
	c := servertest.Start(t).EC2()
	for _, tc := range []struct {
		in   types.Tenancy
		want types.Tenancy
	}{
		{"", types.TenancyDefault},
		{types.TenancyDefault, types.TenancyDefault},
		{types.TenancyDedicated, types.TenancyDedicated},
	} {
		out, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), InstanceTenancy: tc.in})
		if err != nil {
			t.Fatal(err)
		}
		if out.Vpc.InstanceTenancy != tc.want {
			t.Errorf("CreateVpc(%q) tenancy = %q, want %q", tc.in, out.Vpc.InstanceTenancy, tc.want)
		}
		d, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{aws.ToString(out.Vpc.VpcId)}})
		if err != nil || len(d.Vpcs) != 1 {
			t.Fatalf("DescribeVpcs = %+v, %v", d, err)
		}
		if d.Vpcs[0].InstanceTenancy != tc.want {
			t.Errorf("DescribeVpcs after CreateVpc(%q) tenancy = %q, want %q", tc.in, d.Vpcs[0].InstanceTenancy, tc.want)
		}
	}
	_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), InstanceTenancy: types.TenancyHost})
	wantCode(t, err, "InvalidParameterValue")
}
