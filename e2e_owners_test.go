package gatehouse_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

var ownerGroups atomic.Int64

// ownAddrs gives each address an interface in the subnet of vpc holding it,
// as the instance behind a target or Cloud Map instance has: an address no
// interface owns answers nothing, on AWS and in gatehouse. The interfaces'
// group admits all TCP from the VPC, so that only what a test sets up on
// the way there decides. An address already owned keeps its interface.
func ownAddrs(t testing.TB, e *ec2.Client, vpc string, ips ...string) {
	t.Helper()
	ctx := context.Background()
	vpcs, err := e.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})
	if err != nil || len(vpcs.Vpcs) != 1 {
		t.Fatalf("ownAddrs: VPC %s: %v", vpc, err)
	}
	subnets, err := e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}})
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("backends-%d", ownerGroups.Add(1))
	g, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String("backend instances"), VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535),
		IpRanges: []ec2types.IpRange{{CidrIp: vpcs.Vpcs[0].CidrBlock}}}}}); err != nil {
		t.Fatal(err)
	}
	for _, ip := range ips {
		addr := netip.MustParseAddr(ip)
		subnet := ""
		for _, s := range subnets.Subnets {
			if p, err := netip.ParsePrefix(aws.ToString(s.CidrBlock)); err == nil && p.Contains(addr) {
				subnet = aws.ToString(s.SubnetId)
			}
		}
		if subnet == "" {
			t.Fatalf("ownAddrs: no subnet of %s holds %s", vpc, ip)
		}
		_, err := e.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), PrivateIpAddress: aws.String(ip),
			Groups: []string{aws.ToString(g.GroupId)}})
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "InvalidIPAddress.InUse" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
