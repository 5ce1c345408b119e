package apigateway_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

func (f *fixture) getLink(t *testing.T, id string) *apigateway.GetVpcLinkOutput {
	t.Helper()
	got, err := f.gw.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestVpcLinkFails covers the targets a V1 link cannot stand in front of.
// As on AWS, CreateVpcLink accepts any well-formed ARN; the link then ends
// FAILED with the reason in its statusMessage, and no endpoint service.
func TestVpcLinkFails(t *testing.T) {
	f := start(t)
	n := f.network(t)
	first := f.availableLink(t, n.nlb)

	missing := strings.Replace(n.nlb, "/backend-nlb/", "/gone-nlb/", 1)
	for _, tc := range []struct {
		name, target, message string
	}{
		{"an ALB", n.alb, "NLB ARN is malformed"},
		{"a target group", strings.Replace(n.nlb, ":loadbalancer/net/", ":targetgroup/", 1), "NLB ARN is malformed"},
		{"an NLB that does not exist", missing, "NLB not found: " + missing},
		{"an NLB that already has a link", n.nlb, "NLB is already associated with another VPC Endpoint Service"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := f.link(t, "bad", tc.target)
			f.srv.Advance(linkDelay)
			got := f.getLink(t, id)
			if got.Status != types.VpcLinkStatusFailed || aws.ToString(got.StatusMessage) != tc.message {
				t.Fatalf("GetVpcLink = %s %q, want FAILED %q", got.Status, aws.ToString(got.StatusMessage), tc.message)
			}
		})
	}
	if services := f.endpointServices(t); len(services) != 1 {
		t.Fatalf("failed links made endpoint services: %+v", services)
	}
	if got := f.getLink(t, first); got.Status != types.VpcLinkStatusAvailable {
		t.Fatalf("the first link on the NLB is now %s", got.Status)
	}

	// Calls AWS refuses at once, with AWS's words.
	for _, tc := range []struct {
		name, code, message string
		in                  apigateway.CreateVpcLinkInput
	}{
		{"no name", "BadRequestException", "Name cannot be empty",
			apigateway.CreateVpcLinkInput{Name: aws.String(""), TargetArns: []string{n.nlb}}},
		{"no target", "BadRequestException", "No target arn specified for vpc link.",
			apigateway.CreateVpcLinkInput{Name: aws.String("x"), TargetArns: []string{}}},
		{"two targets", "BadRequestException", "More than one target arn specified for vpc link.",
			apigateway.CreateVpcLinkInput{Name: aws.String("x"), TargetArns: []string{n.nlb, missing}}},
		{"not an ARN", "BadRequestException", "Invalid ARN. ARN is not well formed invalid-arn",
			apigateway.CreateVpcLinkInput{Name: aws.String("x"), TargetArns: []string{"invalid-arn"}}},
		{"reserved tag", "BadRequestException", "aws:",
			apigateway.CreateVpcLinkInput{Name: aws.String("x"), TargetArns: []string{n.nlb}, Tags: map[string]string{"aws:x": "y"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, tc.code, tc.message, func() error {
				_, err := f.gw.CreateVpcLink(ctx, &tc.in)
				return err
			})
		})
	}
	f.fails(t, "NotFoundException", "Invalid Vpc Link identifier specified", func() error {
		_, err := f.gw.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: aws.String("nope00")})
		return err
	})
}

func TestVpcLinkUpdateAndDelete(t *testing.T) {
	f := start(t)
	n := f.network(t)
	id := f.availableLink(t, n.nlb)

	out, err := f.gw.UpdateVpcLink(ctx, &apigateway.UpdateVpcLinkInput{VpcLinkId: aws.String(id), PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/name"), Value: aws.String("renamed")},
		{Op: types.OpReplace, Path: aws.String("/description"), Value: aws.String("to the orders NLB")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Name) != "renamed" || aws.ToString(out.Description) != "to the orders NLB" || out.Status != types.VpcLinkStatusAvailable {
		t.Fatalf("UpdateVpcLink = %+v", out)
	}
	for _, tc := range []struct {
		name, message string
		ops           []types.PatchOperation
	}{
		{"target", "Target arns are not allowed to be changed/added.",
			[]types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/targetArns"), Value: aws.String(n.alb)}}},
		{"unknown path", "Invalid patch path '/status' specified for op 'replace'. Must be one of: [/name, /description",
			[]types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/status"), Value: aws.String("AVAILABLE")}}},
		{"unsupported op", "Invalid patch path '/name' specified for op 'copy'",
			[]types.PatchOperation{{Op: types.OpCopy, Path: aws.String("/name"), From: aws.String("/description")}}},
		// The good first operation is not kept when the second fails.
		{"second op fails", "Name cannot be empty", []types.PatchOperation{
			{Op: types.OpReplace, Path: aws.String("/description"), Value: aws.String("lost")},
			{Op: types.OpReplace, Path: aws.String("/name"), Value: aws.String("")},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, "BadRequestException", tc.message, func() error {
				_, err := f.gw.UpdateVpcLink(ctx, &apigateway.UpdateVpcLinkInput{VpcLinkId: aws.String(id), PatchOperations: tc.ops})
				return err
			})
		})
	}
	if got := f.getLink(t, id); aws.ToString(got.Description) != "to the orders NLB" {
		t.Fatalf("a failed update changed the link: %+v", got)
	}

	links, err := f.gw.GetVpcLinks(ctx, &apigateway.GetVpcLinksInput{})
	if err != nil || len(links.Items) != 1 || aws.ToString(links.Items[0].Id) != id || links.Items[0].Tags != nil {
		t.Fatalf("GetVpcLinks = %+v, %v", links, err)
	}

	// An integration not yet deployed does not pin the link...
	api, root := f.restAPI(t, "shop")
	proxy := f.proxyMethod(t, api, root)
	if _, err := f.gw.PutIntegration(ctx, privateProxy(api, proxy, id, "http://"+n.nlbDNS+"/{proxy}")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.DeleteVpcLink(ctx, &apigateway.DeleteVpcLinkInput{VpcLinkId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if got := f.getLink(t, id); got.Status != types.VpcLinkStatusDeleting {
		t.Fatalf("after DeleteVpcLink, status %s", got.Status)
	}
	// ...but it cannot be deployed while its link is going.
	f.fails(t, "BadRequestException", "is being deleted", func() error {
		_, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(api), StageName: aws.String("prod")})
		return err
	})
	if es := f.endpointServices(t); len(es) != 1 || es[0].ServiceState != ec2types.ServiceStateDeleting {
		t.Fatalf("endpoint service of a deleting link = %+v", es)
	}
	f.srv.Advance(linkDelay)
	f.fails(t, "NotFoundException", "Invalid Vpc Link identifier specified", func() error {
		_, err := f.gw.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: aws.String(id)})
		return err
	})
	if es := f.endpointServices(t); len(es) != 0 {
		t.Fatalf("the endpoint service outlived its link: %+v", es)
	}
	// With its endpoint service gone, the NLB can take a new link.
	f.availableLink(t, n.nlb)
}

// TestVpcLinkWithoutDelay: a negative delay (--vpc-link-delay 0 on the
// command line) moves links as soon as the controller sees them.
func TestVpcLinkWithoutDelay(t *testing.T) {
	srv := servertest.Start(t, servertest.VpcLinkV1Delay(-1))
	f := &fixture{srv: srv, gw: srv.APIGateway(), ec2: srv.EC2(), elb: srv.ELBv2()}
	n := f.network(t)
	id := f.link(t, "quick", n.nlb)
	f.srv.Advance(0)
	if got := f.getLink(t, id); got.Status != types.VpcLinkStatusAvailable {
		t.Fatalf("GetVpcLink = %s, want AVAILABLE at once", got.Status)
	}
	if _, err := f.gw.DeleteVpcLink(ctx, &apigateway.DeleteVpcLinkInput{VpcLinkId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	f.srv.Advance(0)
	if links, err := f.gw.GetVpcLinks(ctx, &apigateway.GetVpcLinksInput{}); err != nil || len(links.Items) != 0 {
		t.Fatalf("GetVpcLinks after delete = %+v, %v", links, err)
	}
}
