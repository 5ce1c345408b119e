package ec2_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

const al2023 = "ami-0b5eea76982371e91"

func runOne(t *testing.T, c *ec2.Client, in *ec2.RunInstancesInput) types.Instance {
	t.Helper()
	if in.ImageId == nil {
		in.ImageId = aws.String(al2023)
	}
	if in.InstanceType == "" {
		in.InstanceType = types.InstanceTypeT3Micro
	}
	in.MinCount, in.MaxCount = aws.Int32(1), aws.Int32(1)
	out, err := c.RunInstances(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Instances) != 1 {
		t.Fatalf("RunInstances gave %d instances", len(out.Instances))
	}
	return out.Instances[0]
}

func describeOne(t *testing.T, c *ec2.Client, id string) types.Instance {
	t.Helper()
	out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("DescribeInstances(%s) = %+v", id, out.Reservations)
	}
	return out.Reservations[0].Instances[0]
}

func TestRunInstancesPrimaryInterface(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "us-east-1b").SubnetId)
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	userData := base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hi\n"))
	inst := runOne(t, c, &ec2.RunInstancesInput{
		SubnetId: aws.String(sn), SecurityGroupIds: []string{aws.ToString(sg.GroupId)},
		PrivateIpAddress: aws.String("10.0.1.20"), KeyName: aws.String("ops"), UserData: aws.String(userData),
		TagSpecifications: append(tagSpec(types.ResourceTypeInstance, "Name", "web-1", "gatehouse:host", "127.0.0.1"),
			tagSpec(types.ResourceTypeNetworkInterface, "Role", "primary")...),
	})
	id := aws.ToString(inst.InstanceId)
	if inst.State.Name != types.InstanceStateNamePending || aws.ToInt32(inst.State.Code) != 0 {
		t.Fatalf("RunInstances state = %+v, want pending (0)", inst.State)
	}
	if aws.ToString(inst.PrivateIpAddress) != "10.0.1.20" || aws.ToString(inst.SubnetId) != sn || aws.ToString(inst.VpcId) != vpc ||
		aws.ToString(inst.Placement.AvailabilityZone) != "us-east-1b" || aws.ToString(inst.KeyName) != "ops" ||
		len(inst.SecurityGroups) != 1 || aws.ToString(inst.SecurityGroups[0].GroupName) != "web" || len(inst.Tags) != 2 {
		t.Fatalf("RunInstances instance = %+v", inst)
	}
	if len(inst.NetworkInterfaces) != 1 {
		t.Fatalf("instance interfaces = %+v", inst.NetworkInterfaces)
	}
	ni := inst.NetworkInterfaces[0]
	eniID := aws.ToString(ni.NetworkInterfaceId)
	if aws.ToInt32(ni.Attachment.DeviceIndex) != 0 || !aws.ToBool(ni.Attachment.DeleteOnTermination) ||
		ni.Attachment.Status != types.AttachmentStatusAttached || aws.ToString(ni.PrivateIpAddress) != "10.0.1.20" {
		t.Fatalf("primary interface = %+v", ni)
	}

	// The interface is a real ENI: described with its attachment, tagged
	// with its own tags, holding its address in the subnet.
	enis, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eniID}})
	if err != nil {
		t.Fatal(err)
	}
	e := enis.NetworkInterfaces[0]
	if e.Status != types.NetworkInterfaceStatusInUse || e.Attachment == nil || aws.ToString(e.Attachment.InstanceId) != id ||
		aws.ToInt32(e.Attachment.DeviceIndex) != 0 || !aws.ToBool(e.Attachment.DeleteOnTermination) ||
		len(e.TagSet) != 1 || aws.ToString(e.TagSet[0].Key) != "Role" {
		t.Fatalf("instance ENI = %+v (attachment %+v)", e, e.Attachment)
	}
	if _, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(al2023), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(sn), PrivateIpAddress: aws.String("10.0.1.20")}); err == nil {
		t.Fatal("a second instance took an address in use")
	} else {
		wantCode(t, err, "InvalidIPAddress.InUse")
	}
	_, err = c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(eniID)})
	wantMessage(t, err, "InvalidParameterValue", "is currently in use")
	_, err = c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)})
	wantCode(t, err, "DependencyViolation")
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})
	wantCode(t, err, "DependencyViolation")

	// Pending for a moment, then running.
	srv.Advance(3 * time.Second)
	got := describeOne(t, c, id)
	if got.State.Name != types.InstanceStateNameRunning || aws.ToInt32(got.State.Code) != 16 {
		t.Fatalf("state after the transition = %+v", got.State)
	}
	attr, err := c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: types.InstanceAttributeNameUserData})
	if err != nil || aws.ToString(attr.UserData.Value) != userData {
		t.Fatalf("userData = %+v, %v", attr, err)
	}
	attr, err = c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: types.InstanceAttributeNameDisableApiTermination})
	if err != nil || attr.DisableApiTermination == nil || aws.ToBool(attr.DisableApiTermination.Value) {
		t.Fatalf("disableApiTermination = %+v, %v", attr, err)
	}
	attr, err = c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: types.InstanceAttributeNameInstanceInitiatedShutdownBehavior})
	if err != nil || aws.ToString(attr.InstanceInitiatedShutdownBehavior.Value) != "stop" {
		t.Fatalf("instanceInitiatedShutdownBehavior = %+v, %v", attr, err)
	}

	// Terminating deletes the primary ENI and frees the subnet.
	if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eniID}})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	if _, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId}); err != nil {
		t.Fatalf("group of a terminated instance: %v", err)
	}
	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)}); err != nil {
		t.Fatalf("subnet of a terminated instance: %v", err)
	}
	if got := describeOne(t, c, id); got.State.Name != types.InstanceStateNameShuttingDown || got.PrivateIpAddress != nil {
		t.Fatalf("terminating instance = %+v", got)
	}
	srv.Advance(time.Minute)
	if got := describeOne(t, c, id); got.State.Name != types.InstanceStateNameTerminated || aws.ToInt32(got.State.Code) != 48 {
		t.Fatalf("terminated instance state = %+v", got.State)
	}
	// After about an hour it is gone.
	srv.Advance(time.Hour)
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
}

func TestInstanceStateTransitions(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	id := aws.ToString(runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(sn)}).InstanceId)
	srv.Advance(3 * time.Second)

	change := func(op string, out []types.InstanceStateChange, err error, prev, cur types.InstanceStateName) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		if len(out) != 1 || out[0].PreviousState.Name != prev || out[0].CurrentState.Name != cur {
			t.Fatalf("%s changes = %+v, want %s -> %s", op, out, prev, cur)
		}
	}
	stop, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	change("StopInstances", stop.StoppingInstances, err, "running", "stopping")
	if code := aws.ToInt32(stop.StoppingInstances[0].CurrentState.Code); code != 64 {
		t.Fatalf("stopping code = %d, want 64", code)
	}
	_, err = c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	wantMessage(t, err, "IncorrectInstanceState", "is not in a state from which it can be started")
	srv.Advance(3 * time.Second)
	stop, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	change("StopInstances again", stop.StoppingInstances, err, "stopped", "stopped")

	// Running only unless IncludeAllInstances.
	st, err := c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}})
	if err != nil || len(st.InstanceStatuses) != 0 {
		t.Fatalf("DescribeInstanceStatus of a stopped instance = %+v, %v", st, err)
	}
	st, err = c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}, IncludeAllInstances: aws.Bool(true)})
	if err != nil || len(st.InstanceStatuses) != 1 || st.InstanceStatuses[0].InstanceState.Name != "stopped" ||
		st.InstanceStatuses[0].InstanceStatus.Status != types.SummaryStatusNotApplicable {
		t.Fatalf("DescribeInstanceStatus IncludeAllInstances = %+v, %v", st, err)
	}

	// Instance type changes only while stopped.
	if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		InstanceType: &types.AttributeValue{Value: aws.String("t3.small")}}); err != nil {
		t.Fatal(err)
	}
	start, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	change("StartInstances", start.StartingInstances, err, "stopped", "pending")
	srv.Advance(3 * time.Second)
	got := describeOne(t, c, id)
	if got.State.Name != "running" || got.InstanceType != "t3.small" {
		t.Fatalf("after start: %s %s", got.State.Name, got.InstanceType)
	}
	_, err = c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		InstanceType: &types.AttributeValue{Value: aws.String("t3.medium")}})
	wantCode(t, err, "IncorrectInstanceState")
	st, err = c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{})
	if err != nil || len(st.InstanceStatuses) != 1 || st.InstanceStatuses[0].SystemStatus.Status != types.SummaryStatusOk {
		t.Fatalf("DescribeInstanceStatus of a running instance = %+v, %v", st, err)
	}

	// Termination protection, then termination.
	if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	wantMessage(t, err, "OperationNotPermitted", "disableApiTermination")
	_, err = c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(false)},
		DisableApiStop:        &types.AttributeBooleanValue{Value: aws.Bool(false)}})
	wantCode(t, err, "InvalidParameterCombination")
	if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	term, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	change("TerminateInstances", term.TerminatingInstances, err, "running", "shutting-down")
	_, err = c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "IncorrectInstanceState")
	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id, "i-0000000000000dead"}})
	wantMessage(t, err, "InvalidInstanceID.NotFound", "i-0000000000000dead")
}

func TestDescribeInstancesFilters(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	a := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "us-east-1a").SubnetId)
	b := aws.ToString(newSubnet(t, c, vpc, "10.0.2.0/24", "us-east-1b").SubnetId)
	other := newVpc(t, c, "10.9.0.0/16")
	o := aws.ToString(newSubnet(t, c, other, "10.9.1.0/24", "").SubnetId)
	i1 := aws.ToString(runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(a), TagSpecifications: tagSpec(types.ResourceTypeInstance, "Tier", "web")}).InstanceId)
	i2 := aws.ToString(runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(b)}).InstanceId)
	i3 := aws.ToString(runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(o), ImageId: aws.String("ami-0e2c8caa4b6378d8c")}).InstanceId)
	srv.Advance(3 * time.Second)
	if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{i2}}); err != nil {
		t.Fatal(err)
	}
	srv.Advance(3 * time.Second)
	sgs, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: append(filter("vpc-id", vpc), filter("group-name", "default")...)})
	if err != nil {
		t.Fatal(err)
	}
	defGroup := aws.ToString(sgs.SecurityGroups[0].GroupId)

	for _, tc := range []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"instance-id", filter("instance-id", i2), []string{i2}},
		{"state", filter("instance-state-name", "running"), []string{i1, i3}},
		{"vpc", filter("vpc-id", vpc), []string{i1, i2}},
		{"subnet", filter("subnet-id", b), []string{i2}},
		{"address", filter("private-ip-address", "10.0.1.*"), []string{i1}},
		{"tag", filter("tag:Tier", "web"), []string{i1}},
		{"tag-key", filter("tag-key", "Tier"), []string{i1}},
		{"group", filter("instance.group-id", defGroup), []string{i1, i2}},
		{"image", filter("image-id", "ami-0e2c8caa4b6378d8c"), []string{i3}},
		{"zone", filter("availability-zone", "us-east-1b"), []string{i2}},
		{"and", append(filter("vpc-id", vpc), filter("instance-state-name", "stopped")...), []string{i2}},
	} {
		out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: tc.filters})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				got = append(got, aws.ToString(i.InstanceId))
			}
		}
		if !sameSet(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: filter("no-such-filter", "x")})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"web-1"}})
	wantCode(t, err, "InvalidInstanceID.Malformed")
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		if m[s] == 0 {
			return false
		}
		m[s]--
	}
	return true
}

func TestRunInstancesRefusals(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/28", "").SubnetId)
	other := newVpc(t, c, "10.1.0.0/16")
	otherSG, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("x"), VpcId: aws.String(other)})
	if err != nil {
		t.Fatal(err)
	}
	run := func(in ec2.RunInstancesInput) error {
		if in.ImageId == nil {
			in.ImageId = aws.String(al2023)
		}
		if in.InstanceType == "" {
			in.InstanceType = types.InstanceTypeT3Micro
		}
		if in.MinCount == nil {
			in.MinCount, in.MaxCount = aws.Int32(1), aws.Int32(1)
		}
		_, err := c.RunInstances(ctx, &in)
		return err
	}
	wantCode(t, run(ec2.RunInstancesInput{SubnetId: aws.String(sn), ImageId: aws.String("ami-00000000000000000")}), "InvalidAMIID.NotFound")
	wantCode(t, run(ec2.RunInstancesInput{SubnetId: aws.String(sn), ImageId: aws.String("centos")}), "InvalidAMIID.Malformed")
	wantMessage(t, run(ec2.RunInstancesInput{SubnetId: aws.String(sn), InstanceType: "t9.huge"}), "InvalidParameterValue", "t9.huge")
	wantMessage(t, run(ec2.RunInstancesInput{SubnetId: aws.String(sn), InstanceType: types.InstanceTypeT4gMicro}), "InvalidParameterValue", "architecture")
	wantCode(t, run(ec2.RunInstancesInput{SubnetId: aws.String("subnet-0000000000000000")}), "InvalidSubnetID.NotFound")
	wantCode(t, run(ec2.RunInstancesInput{SubnetId: aws.String(sn), SecurityGroupIds: []string{aws.ToString(otherSG.GroupId)}}), "InvalidParameter")
	wantCode(t, run(ec2.RunInstancesInput{SubnetId: aws.String(sn), SecurityGroups: []string{"default"}}), "InvalidParameterCombination")
	wantCode(t, run(ec2.RunInstancesInput{SubnetId: aws.String(sn), NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: aws.String(sn)}}}), "InvalidParameterCombination")
	wantCode(t, run(ec2.RunInstancesInput{SubnetId: aws.String(sn), MinCount: aws.Int32(3), MaxCount: aws.Int32(2)}), "InvalidParameterValue")
	wantCode(t, run(ec2.RunInstancesInput{SubnetId: aws.String(sn), TagSpecifications: tagSpec(types.ResourceTypeVpc, "a", "b")}), "InvalidParameterValue")
	// A /28 has 11 usable addresses: MinCount 12 cannot be met, MaxCount
	// 20 launches what fits.
	wantCode(t, run(ec2.RunInstancesInput{SubnetId: aws.String(sn), MinCount: aws.Int32(12), MaxCount: aws.Int32(12)}), "InsufficientFreeAddressesInSubnet")
	out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	if err != nil || len(out.Reservations) != 0 {
		t.Fatalf("a refused launch left instances: %+v, %v", out.Reservations, err)
	}
	many, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(al2023), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(2), MaxCount: aws.Int32(20), SubnetId: aws.String(sn)})
	if err != nil || len(many.Instances) != 11 {
		t.Fatalf("MaxCount beyond the subnet's room: %d instances, %v", len(many.Instances), err)
	}
	for n, i := range many.Instances {
		if aws.ToInt32(i.AmiLaunchIndex) != int32(n) {
			t.Fatalf("launch index %d = %d", n, aws.ToInt32(i.AmiLaunchIndex))
		}
	}
}

func TestRunInstancesClientToken(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	first := runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(sn), ClientToken: aws.String("tok-1")})
	again := runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(sn), ClientToken: aws.String("tok-1")})
	if aws.ToString(first.InstanceId) != aws.ToString(again.InstanceId) {
		t.Fatalf("a retried RunInstances launched %s after %s", aws.ToString(again.InstanceId), aws.ToString(first.InstanceId))
	}
}

func TestImagesAndInstanceTypes(t *testing.T) {
	c := servertest.Start(t).EC2()
	// What `data "aws_ami"` with most_recent, owners ["amazon"] and name
	// and architecture filters asks.
	out, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"},
		Filters: append(filter("name", "al2023-ami-2023.*-x86_64"), filter("architecture", "x86_64")...)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Images) != 2 {
		t.Fatalf("al2023 x86_64 images = %d, want 2", len(out.Images))
	}
	newest := out.Images[0]
	for _, img := range out.Images[1:] {
		if aws.ToString(img.CreationDate) > aws.ToString(newest.CreationDate) {
			newest = img
		}
	}
	if aws.ToString(newest.ImageId) != al2023 || aws.ToString(newest.ImageOwnerAlias) != "amazon" ||
		newest.State != types.ImageStateAvailable || newest.RootDeviceType != types.DeviceTypeEbs || len(newest.BlockDeviceMappings) != 1 {
		t.Fatalf("newest al2023 = %+v", newest)
	}
	out, err = c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"099720109477"}, Filters: filter("name", "ubuntu/images/*noble*amd64*")})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("Canonical noble amd64 = %+v, %v", out.Images, err)
	}
	out, err = c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil || len(out.Images) != 0 {
		t.Fatalf("self images = %+v, %v", out.Images, err)
	}
	_, err = c.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{"ami-00000000000000000"}})
	wantCode(t, err, "InvalidAMIID.NotFound")

	types_, err := c.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{types.InstanceTypeT3Micro}})
	if err != nil || len(types_.InstanceTypes) != 1 {
		t.Fatalf("DescribeInstanceTypes = %+v, %v", types_, err)
	}
	it := types_.InstanceTypes[0]
	if !aws.ToBool(it.BurstablePerformanceSupported) || aws.ToInt32(it.VCpuInfo.DefaultVCpus) != 2 ||
		aws.ToInt64(it.MemoryInfo.SizeInMiB) != 1024 || it.ProcessorInfo.SupportedArchitectures[0] != types.ArchitectureTypeX8664 {
		t.Fatalf("t3.micro = %+v", it)
	}
	_, err = c.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"t9.huge"}})
	wantCode(t, err, "InvalidInstanceType")
}

func TestInstanceTags(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	id := aws.ToString(runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(sn)}).InstanceId)
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("Env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: filter("resource-id", id)})
	if err != nil || len(out.Tags) != 1 || out.Tags[0].ResourceType != types.ResourceTypeInstance {
		t.Fatalf("DescribeTags = %+v, %v", out.Tags, err)
	}
	if got := describeOne(t, c, id); len(got.Tags) != 1 {
		t.Fatalf("instance tags = %+v", got.Tags)
	}
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"i-0000000000000dead"}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
}

// An instance launched without user data reads back with none: an empty
// value would be user data of zero length, which Terraform hashes and then
// plans to change on every run.
func TestInstanceWithoutUserData(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	id := runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(sn)}).InstanceId
	attr, err := c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: id, Attribute: types.InstanceAttributeNameUserData})
	if err != nil {
		t.Fatal(err)
	}
	if attr.UserData != nil && attr.UserData.Value != nil {
		t.Fatalf("userData of an instance without any = %q, want no value", aws.ToString(attr.UserData.Value))
	}
	uefi, err := c.GetInstanceUefiData(ctx, &ec2.GetInstanceUefiDataInput{InstanceId: id})
	if err != nil || aws.ToString(uefi.InstanceId) != aws.ToString(id) {
		t.Fatalf("GetInstanceUefiData = %+v, %v", uefi, err)
	}
	_, err = c.GetInstanceUefiData(ctx, &ec2.GetInstanceUefiDataInput{InstanceId: aws.String("i-0000000000000dead")})
	wantCode(t, err, "InvalidInstanceID.NotFound")
}

// Without a subnet an instance goes to the default VPC's default subnet
// (the zone asked for, else the first), with the VPC's default group and
// groups named as in the default VPC; an account without a default VPC
// must name a subnet.
func TestRunInstancesDefaultVPC(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: filter("is-default", "true")})
	if err != nil || len(vpcs.Vpcs) != 1 {
		t.Fatalf("default VPC: %+v, %v", vpcs, err)
	}
	def := aws.ToString(vpcs.Vpcs[0].VpcId)
	inst := runOne(t, c, &ec2.RunInstancesInput{})
	if aws.ToString(inst.VpcId) != def || aws.ToString(inst.Placement.AvailabilityZone) != "us-east-1a" ||
		len(inst.SecurityGroups) != 1 || aws.ToString(inst.SecurityGroups[0].GroupName) != "default" {
		t.Fatalf("instance without a subnet = vpc %s zone %s groups %+v", aws.ToString(inst.VpcId),
			aws.ToString(inst.Placement.AvailabilityZone), inst.SecurityGroups)
	}
	if _, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: aws.String(def)}); err != nil {
		t.Fatal(err)
	}
	inst = runOne(t, c, &ec2.RunInstancesInput{SecurityGroups: []string{"web"}, Placement: &types.Placement{AvailabilityZone: aws.String("us-east-1c")}})
	if aws.ToString(inst.Placement.AvailabilityZone) != "us-east-1c" || len(inst.SecurityGroups) != 1 || aws.ToString(inst.SecurityGroups[0].GroupName) != "web" {
		t.Fatalf("instance by group name in us-east-1c = zone %s groups %+v", aws.ToString(inst.Placement.AvailabilityZone), inst.SecurityGroups)
	}
	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(al2023), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SecurityGroups: []string{"nope"}})
	wantCode(t, err, "InvalidGroup.NotFound")

	bare := servertest.Start(t, servertest.NoDefaultVpc()).EC2()
	_, err = bare.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(al2023), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	wantCode(t, err, "VPCIdNotSpecified")
}

// An existing interface named at launch is attached, not deleted on
// termination unless asked, and comes back available afterwards.
func TestRunInstancesExistingInterface(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	eni := newENI(t, c, sn, "10.0.1.50")
	inst := runOne(t, c, &ec2.RunInstancesInput{NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{
		{DeviceIndex: aws.Int32(0), NetworkInterfaceId: eni.NetworkInterfaceId}}})
	if aws.ToString(inst.PrivateIpAddress) != "10.0.1.50" || len(inst.NetworkInterfaces) != 1 ||
		aws.ToBool(inst.NetworkInterfaces[0].Attachment.DeleteOnTermination) {
		t.Fatalf("instance on an existing interface = %s %+v", aws.ToString(inst.PrivateIpAddress), inst.NetworkInterfaces)
	}
	// The interface is taken now.
	_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(al2023), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), NetworkInterfaceId: eni.NetworkInterfaceId}}})
	wantCode(t, err, "InvalidParameterValue")
	if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{aws.ToString(inst.InstanceId)}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{aws.ToString(eni.NetworkInterfaceId)}})
	if err != nil || out.NetworkInterfaces[0].Status != types.NetworkInterfaceStatusAvailable || out.NetworkInterfaces[0].Attachment != nil {
		t.Fatalf("interface after its instance terminated = %+v, %v", out, err)
	}
}

// The root volume is listed by DescribeInstances and described by
// DescribeVolumes, as Terraform reads root_block_device back, and goes with
// its instance.
func TestInstanceRootVolume(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	inst := runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(sn),
		BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"),
			Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(20), VolumeType: types.VolumeTypeGp3, Encrypted: aws.Bool(true)}}},
		TagSpecifications: tagSpec(types.ResourceTypeVolume, "Name", "root")})
	id := aws.ToString(inst.InstanceId)
	if len(inst.BlockDeviceMappings) != 1 || aws.ToString(inst.BlockDeviceMappings[0].DeviceName) != "/dev/xvda" ||
		aws.ToString(inst.RootDeviceName) != "/dev/xvda" || !aws.ToBool(inst.BlockDeviceMappings[0].Ebs.DeleteOnTermination) {
		t.Fatalf("block devices = %+v", inst.BlockDeviceMappings)
	}
	vol := aws.ToString(inst.BlockDeviceMappings[0].Ebs.VolumeId)
	out, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{vol}})
	if err != nil || len(out.Volumes) != 1 {
		t.Fatalf("DescribeVolumes = %+v, %v", out, err)
	}
	v := out.Volumes[0]
	if aws.ToInt32(v.Size) != 20 || v.VolumeType != types.VolumeTypeGp3 || aws.ToInt32(v.Iops) != 3000 || aws.ToInt32(v.Throughput) != 125 ||
		!aws.ToBool(v.Encrypted) || v.State != types.VolumeStateInUse || len(v.Attachments) != 1 ||
		aws.ToString(v.Attachments[0].InstanceId) != id || len(v.Tags) != 1 {
		t.Fatalf("root volume = %+v", v)
	}
	out, err = c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: filter("attachment.instance-id", id)})
	if err != nil || len(out.Volumes) != 1 {
		t.Fatalf("volumes by instance = %+v, %v", out, err)
	}
	if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{vol}})
	wantCode(t, err, "InvalidVolume.NotFound")
	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(al2023), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: aws.String(sn), BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(2)}}}})
	wantCode(t, err, "InvalidParameterCombination")
}

// A root volume's tags are reached by its id, as Terraform's volume_tags
// reads and writes them.
func TestRootVolumeTags(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	inst := runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(sn), TagSpecifications: tagSpec(types.ResourceTypeVolume, "Name", "root")})
	vol := aws.ToString(inst.BlockDeviceMappings[0].Ebs.VolumeId)
	out, err := c.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: filter("resource-id", vol)})
	if err != nil || len(out.Tags) != 1 || out.Tags[0].ResourceType != types.ResourceTypeVolume || aws.ToString(out.Tags[0].Value) != "root" {
		t.Fatalf("volume tags = %+v, %v", out.Tags, err)
	}
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vol}, Tags: []types.Tag{{Key: aws.String("Env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	vols, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: filter("tag:Env", "dev")})
	if err != nil || len(vols.Volumes) != 1 || len(vols.Volumes[0].Tags) != 2 {
		t.Fatalf("volume after CreateTags = %+v, %v", vols, err)
	}
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"vol-0000000000000dead"}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidVolume.NotFound")
}
