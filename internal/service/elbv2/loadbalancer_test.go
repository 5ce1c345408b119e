package elbv2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/servertest"
)

func TestCreateLoadBalancerIsIdempotent(t *testing.T) {
	srv := servertest.Start(t)
	ec, c := srv.EC2(), srv.ELBv2()
	n := newNetwork(t, ec)
	g2, err := ec.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("other"), Description: aws.String("other"), VpcId: aws.String(n.vpc)})
	if err != nil {
		t.Fatal(err)
	}
	other := aws.ToString(g2.GroupId)
	sn, err := ec.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(n.vpc), CidrBlock: aws.String("10.0.3.0/24"), AvailabilityZone: aws.String("us-east-1c")})
	if err != nil {
		t.Fatal(err)
	}
	subnetC := aws.ToString(sn.Subnet.SubnetId)

	// An ALB created without groups gets the VPC's default group; a retry
	// that again names none is the same balancer.
	first, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: []string{n.subnetA, n.subnetB}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(first.LoadBalancers[0].LoadBalancerArn)
	again, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Type: types.LoadBalancerTypeEnumApplication,
		Scheme: types.LoadBalancerSchemeEnumInternetFacing, Subnets: []string{n.subnetB, n.subnetA},
		Tags: []types.Tag{{Key: aws.String("retry"), Value: aws.String("1")}}})
	if err != nil {
		t.Fatalf("retry with the same settings: %v", err)
	}
	if got := aws.ToString(again.LoadBalancers[0].LoadBalancerArn); got != arn {
		t.Fatalf("retry returned %s, want the existing %s", got, arn)
	}
	lbs, err := c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil || len(lbs.LoadBalancers) != 1 {
		t.Fatalf("balancers after retry = %+v, %v", lbs, err)
	}
	enis, err := ec.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
	if err != nil || len(enis.NetworkInterfaces) != 2 {
		t.Fatalf("a retry must not place more nodes: %d interfaces, %v", len(enis.NetworkInterfaces), err)
	}

	for _, tc := range []struct {
		what string
		in   elb.CreateLoadBalancerInput
	}{
		{"scheme", elb.CreateLoadBalancerInput{Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: []string{n.subnetA, n.subnetB}}},
		{"groups", elb.CreateLoadBalancerInput{Subnets: []string{n.subnetA, n.subnetB}, SecurityGroups: []string{other}}},
		{"type", elb.CreateLoadBalancerInput{Type: types.LoadBalancerTypeEnumNetwork, Subnets: []string{n.subnetA, n.subnetB}}},
		{"subnets", elb.CreateLoadBalancerInput{Subnets: []string{n.subnetA, subnetC}}},
		{"one subnet more", elb.CreateLoadBalancerInput{Subnets: []string{n.subnetA, n.subnetB, subnetC}}},
	} {
		t.Run(tc.what, func(t *testing.T) {
			tc.in.Name = aws.String("web")
			_, err := c.CreateLoadBalancer(ctx, &tc.in)
			wantCode(t, err, "DuplicateLoadBalancerName")
		})
	}

	// An NLB with pinned addresses is the same only on the same addresses.
	pinned := func(ip string) *elb.CreateLoadBalancerInput {
		return &elb.CreateLoadBalancerInput{Name: aws.String("edge"), Type: types.LoadBalancerTypeEnumNetwork, Scheme: types.LoadBalancerSchemeEnumInternal,
			SubnetMappings: []types.SubnetMapping{{SubnetId: aws.String(n.subnetA), PrivateIPv4Address: aws.String(ip)}}}
	}
	nlb, err := c.CreateLoadBalancer(ctx, pinned("10.0.1.50"))
	if err != nil {
		t.Fatal(err)
	}
	if again, err := c.CreateLoadBalancer(ctx, pinned("10.0.1.50")); err != nil ||
		aws.ToString(again.LoadBalancers[0].LoadBalancerArn) != aws.ToString(nlb.LoadBalancers[0].LoadBalancerArn) {
		t.Fatalf("NLB retry = %+v, %v", again, err)
	}
	_, err = c.CreateLoadBalancer(ctx, pinned("10.0.1.51"))
	wantCode(t, err, "DuplicateLoadBalancerName")
}

// Terraform's aws_lb reads the capacity reservation of every ALB and NLB.
func TestDescribeCapacityReservation(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	n := newNetwork(t, srv.EC2())
	alb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Subnets: []string{n.subnetA, n.subnetB}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeCapacityReservation(ctx, &elb.DescribeCapacityReservationInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn})
	if err != nil || out.MinimumLoadBalancerCapacity != nil || len(out.CapacityReservationState) != 0 {
		t.Fatalf("DescribeCapacityReservation = %+v, %v; want no reservation", out, err)
	}
	_, err = c.DescribeCapacityReservation(ctx, &elb.DescribeCapacityReservationInput{LoadBalancerArn: aws.String(aws.ToString(alb.LoadBalancers[0].LoadBalancerArn) + "0")})
	wantCode(t, err, "LoadBalancerNotFound")
}
