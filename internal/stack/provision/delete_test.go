package provision_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
)

// network is a stack of every network type, each depending on the ones
// before it as a stack's would.
const network = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.7.0.0/16}
  A:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.7.1.0/24, AvailabilityZone: us-east-1a}
  B:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.7.2.0/24, AvailabilityZone: us-east-1b}
  AlbSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: the balancer
      VpcId: !Ref Vpc
      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 10.7.0.0/16}]
  TaskSg:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: the tasks, VpcId: !Ref Vpc}
  FromAlb:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: !Ref TaskSg, IpProtocol: tcp, FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: !Ref AlbSg}
  ToTasks:
    Type: AWS::EC2::SecurityGroupEgress
    Properties: {GroupId: !Ref AlbSg, IpProtocol: tcp, FromPort: 8080, ToPort: 8080, DestinationSecurityGroupId: !Ref TaskSg}
  Eni:
    Type: AWS::EC2::NetworkInterface
    Properties: {SubnetId: !Ref A, GroupSet: [!Ref TaskSg], Description: a task}
  Tg:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Protocol: HTTP, Port: 8080, VpcId: !Ref Vpc, TargetType: ip, Targets: [{Id: 10.7.1.20}]}
  Alb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {Scheme: internal, Subnets: [!Ref A, !Ref B], SecurityGroups: [!Ref AlbSg]}
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Alb
      Protocol: HTTP
      Port: 80
      DefaultActions: [{Type: forward, TargetGroupArn: !Ref Tg}]
  Rule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Listener
      Priority: 5
      Conditions: [{Field: path-pattern, Values: [/a/*]}]
      Actions: [{Type: forward, TargetGroupArn: !Ref Tg}]
  Dns:
    Type: AWS::ServiceDiscovery::PrivateDnsNamespace
    Properties: {Name: net.internal, Vpc: !Ref Vpc}
  Http:
    Type: AWS::ServiceDiscovery::HttpNamespace
    Properties: {Name: net-apps}
  Svc:
    Type: AWS::ServiceDiscovery::Service
    Properties:
      Name: pets
      NamespaceId: !Ref Dns
      DnsConfig: {DnsRecords: [{Type: A, TTL: 60}]}
  Inst:
    Type: AWS::ServiceDiscovery::Instance
    Properties:
      ServiceId: !Ref Svc
      InstanceAttributes: {AWS_INSTANCE_IPV4: 10.7.1.30, AWS_INSTANCE_PORT: "8080"}
`

// TestDeleteEveryNetworkType deletes a stack of every EC2, ELBv2 and Cloud
// Map type newest first, then again (each finds its resource gone), and
// finds nothing left in the services.
func TestDeleteEveryNetworkType(t *testing.T) {
	r := newRig(t)
	r.apply(network)
	r.destroy()

	ctx := r.ctx
	if _, err := r.srv.EC2().DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{r.ref("Vpc")}}); err == nil {
		t.Error("the VPC is still there")
	}
	enis, err := r.srv.EC2().DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{r.ref("Vpc")}}}})
	if err != nil || len(enis.NetworkInterfaces) != 0 {
		t.Errorf("interfaces left: %v %v", enis, err)
	}
	lbs, err := r.srv.ELBv2().DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil || len(lbs.LoadBalancers) != 0 {
		t.Errorf("load balancers left: %v %v", lbs, err)
	}
	tgs, err := r.srv.ELBv2().DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil || len(tgs.TargetGroups) != 0 {
		t.Errorf("target groups left: %v %v", tgs, err)
	}
	ns, err := r.srv.ServiceDiscovery().ListNamespaces(ctx, &servicediscovery.ListNamespacesInput{})
	if err != nil || len(ns.Namespaces) != 0 {
		t.Errorf("namespaces left: %v %v", ns, err)
	}
	svcs, err := r.srv.ServiceDiscovery().ListServices(ctx, &servicediscovery.ListServicesInput{})
	if err != nil || len(svcs.Services) != 0 {
		t.Errorf("services left: %v %v", svcs, err)
	}
}

// TestDeleteWaitsForDependents deletes a target group while a listener
// still forwards to it, as a stack deleting both at once might: the delete
// is retried until the listener is gone, and fails, naming the cause, only
// when the dependent stays past DependencyWait.
func TestDeleteWaitsForDependents(t *testing.T) {
	r := newRig(t)
	r.apply(network)

	r.sdk.DependencyWait = 20 * time.Millisecond
	err := r.sdk.Delete(r.ctx, r.target("Tg"), r.made["Tg"], r.props["Tg"])
	if err == nil || !strings.Contains(err.Error(), "still in use") || !strings.Contains(err.Error(), "ResourceInUse") {
		t.Fatalf("deleting a target group in use: %v", err)
	}

	// Refused once, then retried after the listener and its rule go.
	r.sdk.DependencyWait = 10 * time.Second
	refused := make(chan struct{}, 1)
	r.sdk.ELB = elb.NewFromConfig(r.srv.AWSConfig(), func(o *elb.Options) {
		o.HTTPClient = answered{next: http.DefaultClient, action: "DeleteTargetGroup", seen: refused}
	})
	done := make(chan error, 1)
	go func() { done <- r.sdk.Delete(r.ctx, r.target("Tg"), r.made["Tg"], r.props["Tg"]) }()
	<-refused
	for _, name := range []string{"Rule", "Listener"} {
		if err := r.sdk.Delete(r.ctx, r.target(name), r.made[name], r.props[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("the target group's delete: %v", err)
	}
	if _, err := r.srv.ELBv2().DescribeTargetGroups(r.ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{r.ref("Tg")}}); err == nil {
		t.Error("the target group is still there")
	}
}

// answered is an HTTP client that tells seen each time a Query call of
// action has been answered, after running then if set.
type answered struct {
	next   *http.Client
	action string
	seen   chan struct{}
	then   func()
}

func (a answered) Do(req *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := a.next.Do(req)
	if strings.Contains(string(body), "Action="+a.action+"&") {
		if a.then != nil {
			a.then()
		}
		select {
		case a.seen <- struct{}{}:
		default:
		}
	}
	return resp, err
}

// TestReplacementNeverCollides makes each type with a generated name twice
// for the same logical id, as a replacement does before it deletes the
// resource it replaces: the second never collides with the first.
func TestReplacementNeverCollides(t *testing.T) {
	r := newRig(t)
	r.apply(network)
	for _, name := range []string{"AlbSg", "Tg", "Alb", "Svc", "Inst"} {
		again, err := r.sdk.Create(r.ctx, r.target(name), without(r.props[name], "Name"))
		if err != nil {
			t.Fatalf("a second %s: %v", name, err)
		}
		if again.Ref == r.ref(name) {
			t.Fatalf("the second %s is the first: %s", name, again.Ref)
		}
		if err := r.sdk.Delete(r.ctx, r.target(name), again, r.props[name]); err != nil {
			t.Fatal(err)
		}
	}
	r.destroy()
}

func without(p map[string]any, key string) map[string]any {
	out := map[string]any{}
	for k, v := range p {
		if k != key {
			out[k] = v
		}
	}
	return out
}
