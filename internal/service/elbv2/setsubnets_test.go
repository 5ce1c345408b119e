package elbv2_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/servertest"
)

// TestSetSubnets moves an NLB from zones a and b to a and c: its node in
// a keeps its interface and address, b's goes, c gets one; the subnets
// CreateLoadBalancer would refuse are refused here too.
func TestSetSubnets(t *testing.T) {
	srv := servertest.Start(t)
	ec, c := srv.EC2(), srv.ELBv2()
	n := newNetwork(t, ec)
	sn, err := ec.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(n.vpc), CidrBlock: aws.String("10.0.3.0/24"), AvailabilityZone: aws.String("us-east-1c")})
	if err != nil {
		t.Fatal(err)
	}
	subnetC := aws.ToString(sn.Subnet.SubnetId)
	lb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("nlb"), Type: types.LoadBalancerTypeEnumNetwork,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: []string{n.subnetA, n.subnetB}})
	if err != nil {
		t.Fatal(err)
	}
	arn := lb.LoadBalancers[0].LoadBalancerArn
	nodes := func() map[string]string { // subnet -> node address
		out, err := ec.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
			{Name: aws.String("requester-id"), Values: []string{"amazon-elb"}}}})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, ni := range out.NetworkInterfaces {
			m[aws.ToString(ni.SubnetId)] = aws.ToString(ni.PrivateIpAddress)
		}
		return m
	}
	before := nodes()

	out, err := c.SetSubnets(ctx, &elb.SetSubnetsInput{LoadBalancerArn: arn,
		SubnetMappings: []types.SubnetMapping{{SubnetId: aws.String(n.subnetA)}, {SubnetId: aws.String(subnetC), PrivateIPv4Address: aws.String("10.0.3.50")}}})
	if err != nil {
		t.Fatal(err)
	}
	var zones []string
	for _, z := range out.AvailabilityZones {
		zones = append(zones, aws.ToString(z.ZoneName))
	}
	if !slices.Equal(zones, []string{"us-east-1a", "us-east-1c"}) || out.IpAddressType != types.IpAddressTypeIpv4 {
		t.Errorf("SetSubnets answered zones %v, type %s", zones, out.IpAddressType)
	}
	after := nodes()
	if len(after) != 2 || after[n.subnetA] != before[n.subnetA] || after[subnetC] != "10.0.3.50" {
		t.Errorf("nodes after SetSubnets: %v (before %v)", after, before)
	}
	got, err := c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{aws.ToString(arn)}})
	if err != nil || len(got.LoadBalancers[0].AvailabilityZones) != 2 {
		t.Fatalf("described: %+v, %v", got, err)
	}

	alb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Subnets: []string{n.subnetA, n.subnetB}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SetSubnets(ctx, &elb.SetSubnetsInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn, Subnets: []string{n.subnetA}})
	wantCode(t, err, "ValidationError")
	other := newNetwork(t, ec)
	_, err = c.SetSubnets(ctx, &elb.SetSubnetsInput{LoadBalancerArn: arn, Subnets: []string{other.subnetA}})
	wantCode(t, err, "InvalidConfigurationRequest")
	_, err = c.SetSubnets(ctx, &elb.SetSubnetsInput{LoadBalancerArn: arn, Subnets: []string{n.subnetA, "subnet-0123456789abcdef0"}})
	wantCode(t, err, "SubnetNotFound")
	_, err = c.SetSubnets(ctx, &elb.SetSubnetsInput{LoadBalancerArn: aws.String(aws.ToString(arn) + "0"), Subnets: []string{n.subnetA}})
	wantCode(t, err, "LoadBalancerNotFound")
}
