package dataplane_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// A Cloud Map instance at an EC2 instance's address is reached while the
// instance runs; stopped, its address answers nothing, as on AWS: requests
// are dropped (503 after the timeout) and explain says the instance is not
// running. Started again, it serves.
func TestCloudMapInstanceAtStoppedEC2Instance(t *testing.T) {
	p := newPrivateALB(t)
	p.own(t, 0, "10.0.1.39") // creates the backends' group, which admits the VPC
	run, err := p.ec2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-0b5eea76982371e91"), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(p.subnets[0]), PrivateIpAddress: aws.String("10.0.1.40"),
		SecurityGroupIds: []string{p.appGroup}})
	must(t, err)
	id := aws.ToString(run.Instances[0].InstanceId)

	sd := p.srv.ServiceDiscovery()
	ns, err := sd.CreateHttpNamespace(ctx, &servicediscovery.CreateHttpNamespaceInput{Name: aws.String("shop")})
	must(t, err)
	op, err := sd.GetOperation(ctx, &servicediscovery.GetOperationInput{OperationId: ns.OperationId})
	must(t, err)
	svc, err := sd.CreateService(ctx, &servicediscovery.CreateServiceInput{Name: aws.String("web"), NamespaceId: aws.String(op.Operation.Targets["NAMESPACE"])})
	must(t, err)
	_, err = sd.RegisterInstance(ctx, &servicediscovery.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String("web-1"),
		Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.1.40", "AWS_INSTANCE_PORT": fmt.Sprint(echo(t, "web-1"))}})
	must(t, err)
	p.apiTo(t, aws.ToString(svc.Service.Arn), model.LinkAvailable, 30000, nil)
	if code, s, _ := p.get(t, "GATEHOUSE/x"); code != 200 || s.Backend != "web-1" {
		t.Fatalf("running instance: %d %q", code, s.Backend)
	}

	_, err = p.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	must(t, err)
	if code, _ := p.getDropped(t, "GATEHOUSE/x", 30*time.Second); code != 503 {
		t.Fatalf("stopped instance: %d, want 503 after the timeout", code)
	}
	_, rep := p.explainVia(t, url.Values{"api": {"api0000001"}})
	pa := rep.Paths[0]
	if rep.OK || len(pa.Hops) == 0 {
		t.Fatalf("stopped instance, explain: ok=%v hops %+v", rep.OK, pa.Hops)
	}
	for _, h := range pa.Hops {
		if h.Verdict.Allowed || h.Verdict.Layer != network.LayerAddress || !strings.Contains(h.Reason, "instance "+id+", which is not running") {
			t.Errorf("hop %s -> %s: layer %q: %s", h.From, h.To, h.Verdict.Layer, h.Reason)
		}
	}

	p.srv.Clock.Advance(time.Minute) // past the stopping state
	_, err = p.ec2.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	must(t, err)
	if code, s, _ := p.get(t, "GATEHOUSE/x"); code != 200 || s.Backend != "web-1" {
		t.Fatalf("started again: %d %q", code, s.Backend)
	}
}
