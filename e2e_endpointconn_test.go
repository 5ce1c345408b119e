package gatehouse_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

// TestVpcEndpointConnections: the endpoint service a REST API VPC link makes
// has one accepted connection, API Gateway's, from its us-east-1 account;
// it goes when the link goes.
func TestVpcEndpointConnections(t *testing.T) {
	const linkDelay = 2 * time.Minute
	srv := servertest.Start(t, servertest.VpcLinkV1Delay(linkDelay))
	n := newRESTNet(t, srv)
	conns := func(filters ...ec2types.Filter) []ec2types.VpcEndpointConnection {
		t.Helper()
		out, err := n.e.DescribeVpcEndpointConnections(restCtx, &ec2.DescribeVpcEndpointConnectionsInput{Filters: filters})
		restMust(t, err)
		return out.VpcEndpointConnections
	}
	if got := conns(); len(got) != 0 {
		t.Fatalf("connections before any link = %+v", got)
	}
	nlb := n.nlb(t, "conn-nlb", 8080, "task-a")
	link := n.linkV1(t, "conn-link", nlb.arn, linkDelay)
	es, err := n.e.DescribeVpcEndpointServiceConfigurations(restCtx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	restMust(t, err)
	service := aws.ToString(es.ServiceConfigurations[0].ServiceId)

	got := conns()
	if len(got) != 1 {
		t.Fatalf("connections = %+v, want one", got)
	}
	c := got[0]
	if aws.ToString(c.ServiceId) != service || string(c.VpcEndpointState) != "available" || aws.ToString(c.VpcEndpointOwner) != "392220576650" ||
		!slices.Equal(c.NetworkLoadBalancerArns, []string{nlb.arn}) || c.CreationTimestamp == nil || aws.ToString(c.VpcEndpointRegion) != "us-east-1" {
		t.Fatalf("connection = %+v", c)
	}
	if again := conns()[0]; aws.ToString(again.VpcEndpointId) != aws.ToString(c.VpcEndpointId) || aws.ToString(again.VpcEndpointConnectionId) != aws.ToString(c.VpcEndpointConnectionId) {
		t.Fatalf("connection ids changed between calls: %+v, then %+v", c, again)
	}
	filter := func(name string, values ...string) ec2types.Filter {
		return ec2types.Filter{Name: aws.String(name), Values: values}
	}
	if len(conns(filter("service-id", service), filter("vpc-endpoint-state", "available"))) != 1 ||
		len(conns(filter("vpc-endpoint-id", aws.ToString(c.VpcEndpointId)))) != 1 ||
		len(conns(filter("service-id", "vpce-svc-0123456789abcdef0"))) != 0 {
		t.Fatal("filters do not pick the connection out")
	}
	_, err = n.e.DescribeVpcEndpointConnections(restCtx, &ec2.DescribeVpcEndpointConnectionsInput{Filters: []ec2types.Filter{filter("color", "red")}})
	if err == nil {
		t.Fatal("an unknown filter was accepted")
	}

	_, err = n.gw.DeleteVpcLink(restCtx, &apigateway.DeleteVpcLinkInput{VpcLinkId: aws.String(link)})
	restMust(t, err)
	srv.Advance(linkDelay)
	if got := conns(); len(got) != 0 {
		t.Fatalf("connections after the link went = %+v", got)
	}
}
