package ec2_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/servertest"
)

// A terminated instance leaves every target group it was registered with,
// on every port, as Elastic Load Balancing deregisters it; the other
// targets stay.
func TestTerminateDeregistersTargets(t *testing.T) {
	srv := servertest.Start(t)
	c, lb := srv.EC2(), srv.ELBv2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	gone := aws.ToString(runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(sn)}).InstanceId)
	kept := aws.ToString(runOne(t, c, &ec2.RunInstancesInput{SubnetId: aws.String(sn)}).InstanceId)

	group := func(name string, targets ...elbtypes.TargetDescription) *string {
		t.Helper()
		out, err := lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name), Protocol: elbtypes.ProtocolEnumHttp,
			Port: aws.Int32(80), VpcId: aws.String(vpc), TargetType: elbtypes.TargetTypeEnumInstance})
		if err != nil {
			t.Fatal(err)
		}
		arn := out.TargetGroups[0].TargetGroupArn
		if _, err := lb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: arn, Targets: targets}); err != nil {
			t.Fatal(err)
		}
		return arn
	}
	target := func(id string, port int32) elbtypes.TargetDescription {
		return elbtypes.TargetDescription{Id: aws.String(id), Port: aws.Int32(port)}
	}
	web := group("web", target(gone, 80), target(gone, 8080), target(kept, 80))
	admin := group("admin", target(gone, 80))
	// registered lists the targets not draining; draining those that are.
	var draining []string
	registered := func(arn *string) []string {
		t.Helper()
		out, err := lb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		draining = nil
		for _, d := range out.TargetHealthDescriptions {
			id := aws.ToString(d.Target.Id) + ":" + fmt.Sprint(aws.ToInt32(d.Target.Port))
			if d.TargetHealth.State == elbtypes.TargetHealthStateEnumDraining {
				if d.TargetHealth.Reason != elbtypes.TargetHealthReasonEnumDeregistrationInProgress {
					t.Errorf("draining %s: reason %s", id, d.TargetHealth.Reason)
				}
				draining = append(draining, id)
				continue
			}
			ids = append(ids, aws.ToString(d.Target.Id))
		}
		sort.Strings(ids)
		sort.Strings(draining)
		return ids
	}
	if got := registered(web); len(got) != 3 {
		t.Fatalf("web targets before = %v", got)
	}

	if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{gone}}); err != nil {
		t.Fatal(err)
	}
	// The terminated instance's targets drain for the groups' delay (300 s
	// by default), as a DeregisterTargets would make them, then leave.
	if got := registered(web); len(got) != 1 || got[0] != kept {
		t.Fatalf("web targets after terminating %s = %v, want [%s]", gone, got, kept)
	}
	if want := []string{gone + ":80", gone + ":8080"}; fmt.Sprint(draining) != fmt.Sprint(want) {
		t.Fatalf("web draining after terminating = %v, want %v", draining, want)
	}
	if got := registered(admin); len(got) != 0 || len(draining) != 1 {
		t.Fatalf("admin after terminating %s = %v, draining %v; want only %s draining", gone, got, draining, gone)
	}
	// Terminating it again changes nothing: the drain keeps its start.
	if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{gone}}); err != nil {
		t.Fatal(err)
	}
	srv.Clock.Advance(299 * time.Second)
	if registered(admin); len(draining) != 1 {
		t.Fatalf("admin draining just before the delay ends = %v", draining)
	}
	srv.Clock.Advance(time.Second)
	if got := registered(web); len(got) != 1 || got[0] != kept || len(draining) != 0 {
		t.Fatalf("web after the delay = %v, draining %v; want [%s] alone", got, draining, kept)
	}
	if got := registered(admin); len(got) != 0 || len(draining) != 0 {
		t.Fatalf("admin after the delay = %v, draining %v; want nothing", got, draining)
	}
}
