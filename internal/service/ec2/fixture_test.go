package ec2_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// wantMessage fails unless err is an AWS error with the given code whose
// message contains part.
func wantMessage(t *testing.T, err error, code, part string) {
	t.Helper()
	wantCode(t, err, code)
	var ae smithy.APIError
	if errors.As(err, &ae); !strings.Contains(ae.ErrorMessage(), part) {
		t.Fatalf("%s message = %q, want it to contain %q", code, ae.ErrorMessage(), part)
	}
}

func newVpc(t *testing.T, c *ec2.Client, cidr string) string {
	t.Helper()
	out, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Vpc.VpcId)
}

func newSubnet(t *testing.T, c *ec2.Client, vpc, cidr, az string) types.Subnet {
	t.Helper()
	in := &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr)}
	if az != "" {
		in.AvailabilityZone = aws.String(az)
	}
	out, err := c.CreateSubnet(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.Subnet
}

func newENI(t *testing.T, c *ec2.Client, subnet, ip string) types.NetworkInterface {
	t.Helper()
	in := &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet)}
	if ip != "" {
		in.PrivateIpAddress = aws.String(ip)
	}
	out, err := c.CreateNetworkInterface(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.NetworkInterface
}

// freeCount is a subnet's availableIpAddressCount as DescribeSubnets says.
func freeCount(t *testing.T, c *ec2.Client, subnet string) int32 {
	t.Helper()
	out, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{subnet}})
	if err != nil || len(out.Subnets) != 1 {
		t.Fatalf("DescribeSubnets(%s) = %+v, %v", subnet, out, err)
	}
	return aws.ToInt32(out.Subnets[0].AvailableIpAddressCount)
}

func filter(name string, values ...string) []types.Filter {
	return []types.Filter{{Name: aws.String(name), Values: values}}
}

func tagSpec(rt types.ResourceType, kv ...string) []types.TagSpecification {
	spec := types.TagSpecification{ResourceType: rt}
	for i := 0; i+1 < len(kv); i += 2 {
		spec.Tags = append(spec.Tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return []types.TagSpecification{spec}
}
