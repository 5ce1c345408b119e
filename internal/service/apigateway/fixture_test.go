package apigateway_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
	"gatehouse/internal/store"
)

var ctx = context.Background()

// linkDelay is the VPC link provisioning time the tests run with: long
// enough that PENDING can be seen, and passed with one Advance.
const linkDelay = 2 * time.Minute

type fixture struct {
	srv *servertest.Server
	gw  *apigateway.Client
	ec2 *ec2.Client
	elb *elb.Client
}

func start(t *testing.T) *fixture {
	t.Helper()
	srv := servertest.Start(t, servertest.VpcLinkV1Delay(linkDelay))
	return &fixture{srv: srv, gw: srv.APIGateway(), ec2: srv.EC2(), elb: srv.ELBv2()}
}

// wantError fails unless err is an AWS error with the given code whose
// message contains part, as the SDK exposes them.
func wantError(t *testing.T, err error, code, part string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want AWS error %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), part) {
		t.Fatalf("error = %s: %q, want %s: ...%q...", ae.ErrorCode(), ae.ErrorMessage(), code, part)
	}
}

// fails runs a call that must fail with code and a message containing part,
// and checks that it wrote nothing: the store's revision does not move.
func (f *fixture) fails(t *testing.T, code, part string, call func() error) {
	t.Helper()
	before := f.srv.Store().Revision()
	wantError(t, call(), code, part)
	if after := f.srv.Store().Revision(); after != before {
		t.Fatalf("failed call (%s) changed the store: revision %d -> %d", code, before, after)
	}
}

// network is the private side of the seed REST architecture: a VPC with
// two subnets, an internal NLB with a TCP listener, and an internal ALB.
type network struct {
	vpc, subnetA, subnetB string
	nlb, nlbDNS, alb      string
}

func (f *fixture) network(t *testing.T) network {
	t.Helper()
	v, err := f.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	n := network{vpc: aws.ToString(v.Vpc.VpcId)}
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := f.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId,
			CidrBlock: aws.String([]string{"10.0.1.0/24", "10.0.2.0/24"}[i]), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			n.subnetA = aws.ToString(s.Subnet.SubnetId)
		} else {
			n.subnetB = aws.ToString(s.Subnet.SubnetId)
		}
	}
	nlb, err := f.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("backend-nlb"),
		Type: elbtypes.LoadBalancerTypeEnumNetwork, Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: []string{n.subnetA, n.subnetB}})
	if err != nil {
		t.Fatal(err)
	}
	n.nlb, n.nlbDNS = aws.ToString(nlb.LoadBalancers[0].LoadBalancerArn), aws.ToString(nlb.LoadBalancers[0].DNSName)
	tg, err := f.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("backend"),
		Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(8080), VpcId: aws.String(n.vpc), TargetType: elbtypes.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(n.nlb),
		Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	if err != nil {
		t.Fatal(err)
	}
	alb, err := f.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("backend-alb"),
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: []string{n.subnetA, n.subnetB}})
	if err != nil {
		t.Fatal(err)
	}
	n.alb = aws.ToString(alb.LoadBalancers[0].LoadBalancerArn)
	return n
}

// link creates a V1 link on target and returns its id.
func (f *fixture) link(t *testing.T, name, target string) string {
	t.Helper()
	out, err := f.gw.CreateVpcLink(ctx, &apigateway.CreateVpcLinkInput{Name: aws.String(name), TargetArns: []string{target}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Id)
}

// availableLink creates a V1 link on target and waits out its provisioning.
func (f *fixture) availableLink(t *testing.T, target string) string {
	t.Helper()
	id := f.link(t, "link-"+target[len(target)-6:], target)
	f.srv.Advance(linkDelay)
	got, err := f.gw.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "AVAILABLE" {
		t.Fatalf("link %s is %s (%s), want AVAILABLE", id, got.Status, aws.ToString(got.StatusMessage))
	}
	return id
}

// v2Link writes a VPC link V2 straight into the model, so that these tests
// do not depend on the apigatewayv2 service's own lifecycle.
func (f *fixture) v2Link(t *testing.T, vpc string, subnets ...string) string {
	t.Helper()
	link := &model.VpcLink{ID: "v2link1", Name: "v2", VpcID: vpc, SubnetIDs: subnets,
		Status: model.LinkAvailable, StatusMessage: model.LinkAvailableMessage}
	_, err := f.srv.Store().Update(func(tx store.Tx) error {
		return model.Put(model.Tx{Tx: tx, Account: "000000000000", Region: "us-east-1"}, link)
	})
	if err != nil {
		t.Fatal(err)
	}
	return link.ID
}

// restAPI creates a REST API and returns its id and root resource id.
func (f *fixture) restAPI(t *testing.T, name string) (string, string) {
	t.Helper()
	out, err := f.gw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Id), aws.ToString(out.RootResourceId)
}

// proxyMethod builds /{proxy+} with ANY under root, its proxy path
// parameter declared, and returns the resource id.
func (f *fixture) proxyMethod(t *testing.T, api, root string) string {
	t.Helper()
	res, err := f.gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: aws.String(api), ParentId: aws.String(root), PathPart: aws.String("{proxy+}")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: aws.String(api), ResourceId: res.Id, HttpMethod: aws.String("ANY"),
		AuthorizationType: aws.String("NONE"), RequestParameters: map[string]bool{"method.request.path.proxy": true}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(res.Id)
}
