package ec2_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

func TestStateSurvivesRestart(t *testing.T) {
	srv := servertest.Start(t, servertest.DataDir(t.TempDir()))
	c := srv.EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "us-east-1b").SubnetId)
	eni := newENI(t, c, sn, "10.0.1.20")
	id := aws.ToString(eni.NetworkInterfaceId)
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc, sn, id}, Tags: tags("Name", "kept")}); err != nil {
		t.Fatal(err)
	}

	c = srv.Restart().EC2()

	v, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})
	if err != nil || len(v.Vpcs) != 1 || len(v.Vpcs[0].Tags) != 1 {
		t.Fatalf("VPC after restart = %+v, %v", v, err)
	}
	s, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: filter("tag:Name", "kept")})
	if err != nil || len(s.Subnets) != 1 || aws.ToString(s.Subnets[0].AvailabilityZone) != "us-east-1b" ||
		aws.ToInt32(s.Subnets[0].AvailableIpAddressCount) != 250 {
		t.Fatalf("subnet after restart = %+v, %v", s, err)
	}
	e, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}})
	if err != nil || len(e.NetworkInterfaces) != 1 {
		t.Fatalf("ENI after restart = %+v, %v", e, err)
	}
	got := e.NetworkInterfaces[0]
	if aws.ToString(got.PrivateIpAddress) != "10.0.1.20" || aws.ToString(got.MacAddress) != aws.ToString(eni.MacAddress) ||
		len(got.TagSet) != 1 || got.Status != types.NetworkInterfaceStatusAvailable {
		t.Fatalf("ENI after restart = %+v", got)
	}
	// The restarted server still knows the address is taken.
	_, err = c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sn), PrivateIpAddress: aws.String("10.0.1.20")})
	wantCode(t, err, "InvalidIPAddress.InUse")
}

func TestInstancesSurviveRestart(t *testing.T) {
	srv := servertest.Start(t, servertest.DataDir(t.TempDir()))
	c := srv.EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	running := aws.ToString(runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(sn), PrivateIpAddress: aws.String("10.0.1.30"),
		TagSpecifications: tagSpec(types.ResourceTypeInstance, "Name", "kept")}).InstanceId)
	stopped := aws.ToString(runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(sn)}).InstanceId)
	if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{stopped}}); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Minute)

	c = srv.Restart().EC2()

	out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{running, stopped}})
	if err != nil || len(out.Reservations) != 2 {
		t.Fatalf("instances after restart = %+v, %v", out, err)
	}
	states := map[string]types.InstanceStateName{}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			states[aws.ToString(i.InstanceId)] = i.State.Name
		}
	}
	if states[running] != types.InstanceStateNameRunning || states[stopped] != types.InstanceStateNameStopped {
		t.Fatalf("states after restart = %v", states)
	}
	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(al2023), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(sn), PrivateIpAddress: aws.String("10.0.1.30")})
	wantCode(t, err, "InvalidIPAddress.InUse")
}
