package gatehouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse"
	"gatehouse/internal/dataplane/httpapi"
	"gatehouse/internal/servertest"
)

// A change to the network beside an HTTP API behind a VPC link keeps the
// router of the API's stage, whose routes lead to their integrations by
// index, and gives the stage its private integrations compiled anew:
// revoking the ALB's rule for the link's group drops the route's traffic,
// and admitting it again lets it through, with the same router.
func TestNetworkChangeKeepsTheRouter(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	e := srv.EC2()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	net := benchNetwork(t, srv)
	ownAddrs(t, e, net.vpc, "10.0.1.10")
	_, err := srv.ELBv2().RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(net.targets),
		Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.1.10"), Port: aws.Int32(echoBackend(t, "task-1"))}}})
	must(err)
	id := benchAPI(t, srv.APIGatewayV2(), 50, true, net)
	srv.Advance(gatehouse.DefaultVpcLinkDelay)
	must(srv.Sync(ctx))
	stage := func() *httpapi.Stage {
		t.Helper()
		api := srv.DataPlane().Snapshot().HTTPAPIs[id]
		if api == nil || api.Stages["$default"] == nil {
			t.Fatal("the API's $default stage is not compiled")
		}
		return api.Stages["$default"]
	}
	if a := invoke(t, srv, id, "/r/7"); a.status != 200 || a.backend != "task-1" {
		t.Fatalf("through the link: %d %s", a.status, a.body)
	}
	first := stage()

	_, err = e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(net.group), SecurityGroupRuleIds: []string{net.rule}})
	must(err)
	revoked := stage()
	if revoked == first || revoked.Router != first.Router {
		t.Fatal("a security-group change did not keep the stage's router")
	}
	if len(revoked.Integrations) != 1 || revoked.Integrations[0] == first.Integrations[0] {
		t.Fatal("a security-group change did not compile the private integration anew")
	}
	// The request is dropped: held until the integration's timeout (30 s)
	// passes on the server's clock, then AWS's 503.
	if code, _ := invokeDropped(t, srv, id, "/r/7", 30*time.Second); code != 503 {
		t.Fatalf("with the ALB's rule revoked: %d", code)
	}

	_, err = e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(net.group), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(net.linkGroup)}}}}})
	must(err)
	if admitted := stage(); admitted.Router != first.Router {
		t.Fatal("admitting the link's group again rebuilt the router")
	}
	if a := invoke(t, srv, id, "/r/7"); a.status != 200 || a.backend != "task-1" {
		t.Fatalf("with the rule back: %d %s", a.status, a.body)
	}
}
