package provision_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/servertest"
	"gatehouse/internal/stack"
	"gatehouse/internal/stack/provision"
)

// gwRig drives one provisioner against an in-process gatehouse, one
// resource at a time, as the stack engine does.
type gwRig struct {
	t   *testing.T
	srv *servertest.Server
	sdk *provision.SDK
	ctx context.Context
	gw  *apigateway.Client
	v2  *apigatewayv2.Client
	// stackTags, when set, are the stack's tags: every target then
	// carries them and CloudFormation's own, as the engine gives them.
	stackTags map[string]string
}

func newGWRig(t *testing.T, opts ...servertest.Option) *gwRig {
	srv := servertest.Start(t, opts...)
	sdk := provision.NewSDK(srv.EngineConfig("us-east-1"))
	sdk.PollEvery = 2 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &gwRig{t: t, srv: srv, sdk: sdk, ctx: ctx, gw: srv.APIGateway(), v2: srv.APIGatewayV2()}
}

const gwStackID = "arn:aws:cloudformation:us-east-1:000000000000:stack/lifecycle/1"

func (r *gwRig) target(typ, logical string) stack.Target {
	t := stack.Target{StackName: "lifecycle", StackID: gwStackID, LogicalID: logical, Type: typ}
	if r.stackTags != nil {
		t.Tags = maps.Clone(r.stackTags)
		t.Tags["aws:cloudformation:stack-name"] = "lifecycle"
		t.Tags["aws:cloudformation:stack-id"] = gwStackID
		t.Tags["aws:cloudformation:logical-id"] = logical
	}
	return t
}

func (r *gwRig) create(typ, logical string, p map[string]any) stack.Created {
	r.t.Helper()
	c, err := r.sdk.Create(r.ctx, r.target(typ, logical), p)
	if err != nil {
		r.t.Fatalf("create %s %s: %v", typ, logical, err)
	}
	givesWhatGivenSays(r.t, logical, typ, c)
	return c
}

// del deletes the resource twice: the second time it is already gone,
// which must succeed too.
func (r *gwRig) del(typ string, c stack.Created, p map[string]any) {
	r.t.Helper()
	for i := 0; i < 2; i++ {
		if err := r.sdk.Delete(r.ctx, r.target(typ, "X"), c, p); err != nil {
			r.t.Fatalf("delete %s %s (time %d): %v", typ, c.Ref, i+1, err)
		}
	}
}

// wantGoneV1 fails the test unless err is API Gateway's NotFoundException.
func wantGoneV1(t *testing.T, what string, err error) {
	t.Helper()
	var e smithy.APIError
	if !errors.As(err, &e) || e.ErrorCode() != "NotFoundException" {
		t.Errorf("%s after delete: %v, want NotFoundException", what, err)
	}
}

func wantGoneV2(t *testing.T, what string, err error) {
	t.Helper()
	var e smithy.APIError
	if !errors.As(err, &e) || e.ErrorCode() != "NotFoundException" {
		t.Errorf("%s after delete: %v, want NotFoundException", what, err)
	}
}

// httpAPI creates an HTTP API with a public integration, a route to it, a
// stage and a deployment, as a stack would.
type httpAPI struct {
	api, integ, route, stage, deploy      stack.Created
	apiP, integP, routeP, stageP, deployP map[string]any
}

func (r *gwRig) httpAPI() httpAPI {
	var h httpAPI
	h.apiP = map[string]any{"Name": "pets", "ProtocolType": "HTTP"}
	h.api = r.create("AWS::ApiGatewayV2::Api", "Api", h.apiP)
	h.integP = map[string]any{"ApiId": h.api.Ref, "IntegrationType": "HTTP_PROXY", "IntegrationMethod": "ANY",
		"IntegrationUri": "http://backend.example.com/pets", "PayloadFormatVersion": "1.0"}
	h.integ = r.create("AWS::ApiGatewayV2::Integration", "Integration", h.integP)
	h.routeP = map[string]any{"ApiId": h.api.Ref, "RouteKey": "GET /pets", "Target": "integrations/" + h.integ.Ref}
	h.route = r.create("AWS::ApiGatewayV2::Route", "Route", h.routeP)
	h.deployP = map[string]any{"ApiId": h.api.Ref, "Description": "first"}
	h.deploy = r.create("AWS::ApiGatewayV2::Deployment", "Deployment", h.deployP)
	h.stageP = map[string]any{"ApiId": h.api.Ref, "StageName": "prod", "DeploymentId": h.deploy.Ref}
	h.stage = r.create("AWS::ApiGatewayV2::Stage", "Stage", h.stageP)
	return h
}

// Every HTTP API type deletes in the stack's reverse order, twice, and is
// gone afterwards; what is deleted after its API is gone succeeds too.
func TestDeleteHTTPAPIResources(t *testing.T) {
	r := newGWRig(t)
	h := r.httpAPI()
	api := aws.String(h.api.Ref)

	r.del("AWS::ApiGatewayV2::Stage", h.stage, h.stageP)
	_, err := r.v2.GetStage(r.ctx, &apigatewayv2.GetStageInput{ApiId: api, StageName: aws.String("prod")})
	wantGoneV2(t, "stage", err)
	r.del("AWS::ApiGatewayV2::Deployment", h.deploy, h.deployP)
	_, err = r.v2.GetDeployment(r.ctx, &apigatewayv2.GetDeploymentInput{ApiId: api, DeploymentId: aws.String(h.deploy.Ref)})
	wantGoneV2(t, "deployment", err)
	r.del("AWS::ApiGatewayV2::Route", h.route, h.routeP)
	_, err = r.v2.GetRoute(r.ctx, &apigatewayv2.GetRouteInput{ApiId: api, RouteId: aws.String(h.route.Ref)})
	wantGoneV2(t, "route", err)
	r.del("AWS::ApiGatewayV2::Api", h.api, h.apiP)
	_, err = r.v2.GetApi(r.ctx, &apigatewayv2.GetApiInput{ApiId: api})
	wantGoneV2(t, "API", err)
	// The integration outlived its API (a retained resource, a resumed
	// deletion): deleting it is done.
	r.del("AWS::ApiGatewayV2::Integration", h.integ, h.integP)
}

// A deployment that made its StageName's stage serve it cannot be deleted
// before that stage; the deleter leaves it to go with its API, and deletes
// one that no stage serves any more.
func TestDeleteHTTPDeploymentOfAStage(t *testing.T) {
	r := newGWRig(t)
	h := r.httpAPI()
	p := map[string]any{"ApiId": h.api.Ref, "StageName": "prod"}
	d := r.create("AWS::ApiGatewayV2::Deployment", "Redeploy", p)
	r.del("AWS::ApiGatewayV2::Deployment", d, p)
	if _, err := r.v2.GetDeployment(r.ctx, &apigatewayv2.GetDeploymentInput{ApiId: aws.String(h.api.Ref), DeploymentId: aws.String(d.Ref)}); err != nil {
		t.Fatalf("the deployment prod serves: %v", err)
	}
	// The first deployment, which prod no longer serves, goes.
	r.del("AWS::ApiGatewayV2::Deployment", h.deploy, h.deployP)
	_, err := r.v2.GetDeployment(r.ctx, &apigatewayv2.GetDeploymentInput{ApiId: aws.String(h.api.Ref), DeploymentId: aws.String(h.deploy.Ref)})
	wantGoneV2(t, "deployment", err)
	// Without StageName a refusal is an error the engine reports.
	if err := r.sdk.Delete(r.ctx, r.target("AWS::ApiGatewayV2::Deployment", "D"), d, map[string]any{"ApiId": h.api.Ref}); err == nil ||
		!strings.Contains(err.Error(), "Active stages") {
		t.Errorf("deleting a served deployment: %v", err)
	}
}

// restAPI creates a REST API with a resource, a MOCK method, a deployment
// that makes a stage, and a stage of its own.
type restAPI struct {
	api, res, method, deploy, stage      stack.Created
	apiP, resP, methodP, deployP, stageP map[string]any
}

func (r *gwRig) restAPI() restAPI {
	var x restAPI
	x.apiP = map[string]any{"Name": "pets"}
	x.api = r.create("AWS::ApiGateway::RestApi", "Api", x.apiP)
	x.resP = map[string]any{"RestApiId": x.api.Ref, "ParentId": x.api.Attrs["RootResourceId"], "PathPart": "pets"}
	x.res = r.create("AWS::ApiGateway::Resource", "Pets", x.resP)
	x.methodP = map[string]any{"RestApiId": x.api.Ref, "ResourceId": x.res.Ref, "HttpMethod": "GET", "AuthorizationType": "NONE",
		"Integration": map[string]any{"Type": "MOCK", "RequestTemplates": map[string]any{"application/json": `{"statusCode": 200}`}}}
	x.method = r.create("AWS::ApiGateway::Method", "GetPets", x.methodP)
	x.deployP = map[string]any{"RestApiId": x.api.Ref, "StageName": "live"}
	x.deploy = r.create("AWS::ApiGateway::Deployment", "Deployment", x.deployP)
	x.stageP = map[string]any{"RestApiId": x.api.Ref, "StageName": "prod", "DeploymentId": x.deploy.Ref}
	x.stage = r.create("AWS::ApiGateway::Stage", "Stage", x.stageP)
	return x
}

// Every REST API type deletes in the stack's reverse order, twice; the
// deployment takes the stage its StageName made with it.
func TestDeleteRESTAPIResources(t *testing.T) {
	r := newGWRig(t)
	x := r.restAPI()
	api := aws.String(x.api.Ref)

	r.del("AWS::ApiGateway::Stage", x.stage, x.stageP)
	_, err := r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: api, StageName: aws.String("prod")})
	wantGoneV1(t, "stage", err)
	r.del("AWS::ApiGateway::Deployment", x.deploy, x.deployP)
	_, err = r.gw.GetDeployment(r.ctx, &apigateway.GetDeploymentInput{RestApiId: api, DeploymentId: aws.String(x.deploy.Ref)})
	wantGoneV1(t, "deployment", err)
	_, err = r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: api, StageName: aws.String("live")})
	wantGoneV1(t, "the deployment's stage", err)
	r.del("AWS::ApiGateway::Method", x.method, x.methodP)
	_, err = r.gw.GetMethod(r.ctx, &apigateway.GetMethodInput{RestApiId: api, ResourceId: aws.String(x.res.Ref), HttpMethod: aws.String("GET")})
	wantGoneV1(t, "method", err)
	r.del("AWS::ApiGateway::RestApi", x.api, x.apiP)
	_, err = r.gw.GetRestApi(r.ctx, &apigateway.GetRestApiInput{RestApiId: api})
	wantGoneV1(t, "REST API", err)
	r.del("AWS::ApiGateway::Resource", x.res, x.resP)
}

// A deployment whose StageName's stage has moved on to a newer deployment
// (a replaced deployment) leaves that stage serving.
func TestDeleteRESTDeploymentKeepsAMovedStage(t *testing.T) {
	r := newGWRig(t)
	x := r.restAPI()
	r.del("AWS::ApiGateway::Stage", x.stage, x.stageP)
	p := map[string]any{"RestApiId": x.api.Ref, "StageName": "live", "Description": "next"}
	next := r.create("AWS::ApiGateway::Deployment", "Next", p)
	r.del("AWS::ApiGateway::Deployment", x.deploy, x.deployP)
	st, err := r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: aws.String(x.api.Ref), StageName: aws.String("live")})
	if err != nil || aws.ToString(st.DeploymentId) != next.Ref {
		t.Fatalf("stage live after the old deployment went: %v %v", st, err)
	}
}

// nlb makes an internal network load balancer in the default VPC.
func (r *gwRig) nlb() (arn string, subnets []string) { return r.nlbNamed("backend") }

// nlb2 makes a second one: a REST API's VPC link takes an NLB of its own.
func (r *gwRig) nlb2() (arn string, subnets []string) { return r.nlbNamed("backend2") }

func (r *gwRig) nlbNamed(name string) (arn string, subnets []string) {
	r.t.Helper()
	out, err := r.srv.EC2().DescribeSubnets(r.ctx, &ec2.DescribeSubnetsInput{})
	if err != nil || len(out.Subnets) < 2 {
		r.t.Fatalf("default subnets: %v %v", out, err)
	}
	subnets = []string{aws.ToString(out.Subnets[0].SubnetId), aws.ToString(out.Subnets[1].SubnetId)}
	lb, err := r.srv.ELBv2().CreateLoadBalancer(r.ctx, &elb.CreateLoadBalancerInput{Name: aws.String(name),
		Type: elbtypes.LoadBalancerTypeEnumNetwork, Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: subnets})
	if err != nil {
		r.t.Fatal(err)
	}
	return aws.ToString(lb.LoadBalancers[0].LoadBalancerArn), subnets
}

// Deleting a VPC link waits until the link is gone, however long its
// removal takes: against a clock that does not move, it gives up after the
// link timeout; once the removal is due, it returns with the link gone.
func TestDeleteVpcLinksWaitsUntilGone(t *testing.T) {
	const delay = time.Minute
	r := newGWRig(t, servertest.VpcLinkDelay(delay), servertest.VpcLinkV1Delay(delay))
	nlb, subnets := r.nlb()
	v2, err := r.v2.CreateVpcLink(r.ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("v2"), SubnetIds: subnets})
	if err != nil {
		t.Fatal(err)
	}
	v1, err := r.gw.CreateVpcLink(r.ctx, &apigateway.CreateVpcLinkInput{Name: aws.String("v1"), TargetArns: []string{nlb}})
	if err != nil {
		t.Fatal(err)
	}
	r.srv.Advance(delay) // both AVAILABLE
	links := []struct {
		typ string
		c   stack.Created
		get func() error
	}{
		{"AWS::ApiGatewayV2::VpcLink", stack.Created{Ref: aws.ToString(v2.VpcLinkId)}, func() error {
			_, err := r.v2.GetVpcLink(r.ctx, &apigatewayv2.GetVpcLinkInput{VpcLinkId: v2.VpcLinkId})
			return err
		}},
		{"AWS::ApiGateway::VpcLink", stack.Created{Ref: aws.ToString(v1.Id)}, func() error {
			_, err := r.gw.GetVpcLink(r.ctx, &apigateway.GetVpcLinkInput{VpcLinkId: v1.Id})
			return err
		}},
	}
	r.sdk.LinkTimeout = 100 * time.Millisecond
	for _, l := range links {
		err := r.sdk.Delete(r.ctx, r.target(l.typ, "Link"), l.c, nil)
		if err == nil || !strings.Contains(err.Error(), "gave up") {
			t.Errorf("%s: delete returned %v while the link was still being deleted", l.typ, err)
		}
	}
	r.srv.Advance(delay)
	r.sdk.LinkTimeout = 10 * time.Second
	for _, l := range links {
		r.del(l.typ, l.c, nil)
	}
	wantGoneV2(t, "VPC link V2", links[0].get())
	wantGoneV1(t, "VPC link V1", links[1].get())
}

// servertestLinksAtOnce makes VPC links of both kinds provision and go at
// once.
func servertestLinksAtOnce() []servertest.Option {
	return []servertest.Option{servertest.VpcLinkDelay(-1), servertest.VpcLinkV1Delay(-1)}
}
