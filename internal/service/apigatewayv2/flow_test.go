package apigatewayv2_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	gw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/model"
)

// TestSeedArchitecture builds the HTTP API half of the seed architecture as
// a user would, call by call: VPC, subnets, the link's group, an internal
// ALB with a listener, a VPC link, an integration on the listener ARN, the
// route ANY /{proxy+} and a $default stage with autoDeploy.
func TestSeedArchitecture(t *testing.T) {
	f := start(t)
	n := f.network(t, "10.0")
	_, listener := f.balancer(t, n, "seed-alb", elbtypes.LoadBalancerTypeEnumApplication, elbtypes.ProtocolEnumHttp, 80)

	link, err := f.gw.CreateVpcLink(ctx, &gw.CreateVpcLinkInput{Name: aws.String("seed-link"),
		SubnetIds: []string{n.subnetA, n.subnetB}, SecurityGroupIds: []string{n.linkSG},
		Tags: map[string]string{"app": "seed"}})
	if err != nil {
		t.Fatal(err)
	}
	linkID := aws.ToString(link.VpcLinkId)
	if !regexp.MustCompile(`^[a-z0-9]{6}$`).MatchString(linkID) || link.VpcLinkStatus != gwtypes.VpcLinkStatusPending ||
		aws.ToString(link.VpcLinkStatusMessage) != "VPC link is provisioning ENIs" || link.VpcLinkVersion != gwtypes.VpcLinkVersionV2 ||
		len(link.SubnetIds) != 2 || link.SecurityGroupIds[0] != n.linkSG || link.Tags["app"] != "seed" ||
		!aws.ToTime(link.CreatedDate).Equal(f.srv.Clock.Now()) {
		t.Fatalf("CreateVpcLink = %+v", link)
	}

	api, err := f.gw.CreateApi(ctx, &gw.CreateApiInput{Name: aws.String("seed"), ProtocolType: gwtypes.ProtocolTypeHttp})
	if err != nil {
		t.Fatal(err)
	}
	apiID := aws.ToString(api.ApiId)
	port := f.srv.Addr().String()[strings.LastIndexByte(f.srv.Addr().String(), ':')+1:]
	if !regexp.MustCompile(`^[a-z0-9]{10}$`).MatchString(apiID) ||
		aws.ToString(api.ApiEndpoint) != "http://"+apiID+".execute-api.localhost:"+port ||
		aws.ToString(api.RouteSelectionExpression) != "$request.method $request.path" ||
		aws.ToString(api.ApiKeySelectionExpression) != "$request.header.x-api-key" || api.IpAddressType != gwtypes.IpAddressTypeIpv4 ||
		api.ProtocolType != gwtypes.ProtocolTypeHttp || api.Tags == nil {
		t.Fatalf("CreateApi = %+v", api)
	}

	integ, err := f.gw.CreateIntegration(ctx, &gw.CreateIntegrationInput{ApiId: aws.String(apiID),
		IntegrationType: gwtypes.IntegrationTypeHttpProxy, ConnectionType: gwtypes.ConnectionTypeVpcLink,
		ConnectionId: aws.String(linkID), IntegrationUri: aws.String(listener), IntegrationMethod: aws.String("ANY"),
		PayloadFormatVersion: aws.String("1.0"),
		RequestParameters:    map[string]string{"overwrite:header.host": "app.internal", "append:querystring.src": "gw"},
	})
	if err != nil {
		t.Fatal(err)
	}
	integID := aws.ToString(integ.IntegrationId)
	if !regexp.MustCompile(`^[a-z0-9]{7}$`).MatchString(integID) || aws.ToInt32(integ.TimeoutInMillis) != 30000 ||
		integ.ConnectionType != gwtypes.ConnectionTypeVpcLink || aws.ToString(integ.IntegrationUri) != listener ||
		integ.RequestParameters["overwrite:header.host"] != "app.internal" || aws.ToBool(integ.ApiGatewayManaged) {
		t.Fatalf("CreateIntegration = %+v", integ)
	}

	route, err := f.gw.CreateRoute(ctx, &gw.CreateRouteInput{ApiId: aws.String(apiID),
		RouteKey: aws.String("ANY /{proxy+}"), Target: aws.String("integrations/" + integID)})
	if err != nil {
		t.Fatal(err)
	}
	routeID := aws.ToString(route.RouteId)
	if !regexp.MustCompile(`^[a-z0-9]{7}$`).MatchString(routeID) || route.AuthorizationType != gwtypes.AuthorizationTypeNone {
		t.Fatalf("CreateRoute = %+v", route)
	}

	stage, err := f.gw.CreateStage(ctx, &gw.CreateStageInput{ApiId: aws.String(apiID), StageName: aws.String("$default"),
		AutoDeploy: aws.Bool(true), DefaultRouteSettings: &gwtypes.RouteSettings{ThrottlingBurstLimit: aws.Int32(100), ThrottlingRateLimit: aws.Float64(50)}})
	if err != nil {
		t.Fatal(err)
	}
	first := aws.ToString(stage.DeploymentId)
	if first == "" || aws.ToString(stage.LastDeploymentStatusMessage) != fmt.Sprintf("Successfully deployed stage with deployment ID '%s'", first) ||
		aws.ToInt32(stage.DefaultRouteSettings.ThrottlingBurstLimit) != 100 || !aws.ToBool(stage.AutoDeploy) {
		t.Fatalf("CreateStage = %+v", stage)
	}
	d, err := f.gw.GetDeployment(ctx, &gw.GetDeploymentInput{ApiId: aws.String(apiID), DeploymentId: aws.String(first)})
	if err != nil || !aws.ToBool(d.AutoDeployed) || d.DeploymentStatus != gwtypes.DeploymentStatusDeployed ||
		aws.ToString(d.Description) != "Automatic deployment triggered by changes to the Api configuration" {
		t.Fatalf("GetDeployment = %+v, %v", d, err)
	}

	// What the data plane reads: the stage's deployment holds the route and
	// the private integration as they were deployed.
	dep := f.deployment(t, apiID, first)
	if len(dep.Routes) != 1 || dep.Routes[0].RouteKey != "ANY /{proxy+}" || len(dep.Integrations) != 1 ||
		dep.Integrations[0].ConnectionID != linkID || dep.Integrations[0].URI != listener || dep.Integrations[0].TimeoutMillis != 30000 {
		t.Fatalf("deployment record = %+v", dep)
	}

	// A change redeploys the autoDeploy stage in the same call; the
	// automatic deployment it replaces goes.
	if _, err := f.gw.UpdateIntegration(ctx, &gw.UpdateIntegrationInput{ApiId: aws.String(apiID), IntegrationId: aws.String(integID),
		TimeoutInMillis: aws.Int32(5000)}); err != nil {
		t.Fatal(err)
	}
	second := aws.ToString(f.stage(t, apiID, "$default").DeploymentId)
	if second == first || f.deployment(t, apiID, second).Integrations[0].TimeoutMillis != 5000 {
		t.Fatalf("stage deployment after UpdateIntegration = %s (was %s)", second, first)
	}
	_, err = f.gw.GetDeployment(ctx, &gw.GetDeploymentInput{ApiId: aws.String(apiID), DeploymentId: aws.String(first)})
	wantError(t, err, "NotFoundException", "Invalid Deployment identifier specified "+first)

	// The link becomes AVAILABLE after the provisioning delay.
	f.srv.Advance(2 * time.Second)
	got, err := f.gw.GetVpcLink(ctx, &gw.GetVpcLinkInput{VpcLinkId: aws.String(linkID)})
	if err != nil || got.VpcLinkStatus != gwtypes.VpcLinkStatusAvailable || aws.ToString(got.VpcLinkStatusMessage) != "VPC link is ready to route traffic" {
		t.Fatalf("GetVpcLink = %+v, %v", got, err)
	}

	// Neither the link nor the integration can go while something uses it.
	f.fails(t, "BadRequestException", fmt.Sprintf("Cannot delete vpc link. Vpc link '%s', is referenced in [ANY:%s] in format of [Method:Resource].", linkID, routeID), func() error {
		_, err := f.gw.DeleteVpcLink(ctx, &gw.DeleteVpcLinkInput{VpcLinkId: aws.String(linkID)})
		return err
	})
	f.fails(t, "ConflictException", "Cannot delete Integration because it is referenced by the following Routes with Ids: ["+routeID+"]", func() error {
		_, err := f.gw.DeleteIntegration(ctx, &gw.DeleteIntegrationInput{ApiId: aws.String(apiID), IntegrationId: aws.String(integID)})
		return err
	})

	// Lists.
	apis, err := f.gw.GetApis(ctx, &gw.GetApisInput{})
	if err != nil || len(apis.Items) != 1 || aws.ToString(apis.Items[0].ApiId) != apiID {
		t.Fatalf("GetApis = %+v, %v", apis, err)
	}
	routes, err := f.gw.GetRoutes(ctx, &gw.GetRoutesInput{ApiId: aws.String(apiID)})
	if err != nil || len(routes.Items) != 1 {
		t.Fatalf("GetRoutes = %+v, %v", routes, err)
	}
	integs, err := f.gw.GetIntegrations(ctx, &gw.GetIntegrationsInput{ApiId: aws.String(apiID)})
	if err != nil || len(integs.Items) != 1 || aws.ToInt32(integs.Items[0].TimeoutInMillis) != 5000 {
		t.Fatalf("GetIntegrations = %+v, %v", integs, err)
	}
	stages, err := f.gw.GetStages(ctx, &gw.GetStagesInput{ApiId: aws.String(apiID)})
	if err != nil || len(stages.Items) != 1 {
		t.Fatalf("GetStages = %+v, %v", stages, err)
	}
	deps, err := f.gw.GetDeployments(ctx, &gw.GetDeploymentsInput{ApiId: aws.String(apiID)})
	if err != nil || len(deps.Items) != 1 || aws.ToString(deps.Items[0].DeploymentId) != second {
		t.Fatalf("GetDeployments = %+v, %v", deps, err)
	}
	links, err := f.gw.GetVpcLinks(ctx, &gw.GetVpcLinksInput{})
	if err != nil || len(links.Items) != 1 {
		t.Fatalf("GetVpcLinks = %+v, %v", links, err)
	}

	// Taking it down in order: route, integration, then the link.
	if _, err := f.gw.DeleteRoute(ctx, &gw.DeleteRouteInput{ApiId: aws.String(apiID), RouteId: aws.String(routeID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.DeleteIntegration(ctx, &gw.DeleteIntegrationInput{ApiId: aws.String(apiID), IntegrationId: aws.String(integID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.DeleteVpcLink(ctx, &gw.DeleteVpcLinkInput{VpcLinkId: aws.String(linkID)}); err != nil {
		t.Fatal(err)
	}
	got, err = f.gw.GetVpcLink(ctx, &gw.GetVpcLinkInput{VpcLinkId: aws.String(linkID)})
	if err != nil || got.VpcLinkStatus != gwtypes.VpcLinkStatusDeleting {
		t.Fatalf("GetVpcLink after delete = %+v, %v", got, err)
	}
	if _, err := f.gw.DeleteApi(ctx, &gw.DeleteApiInput{ApiId: aws.String(apiID)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.gw.GetApi(ctx, &gw.GetApiInput{ApiId: aws.String(apiID)})
	wantError(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:"+apiID)
	if snap := f.snapshot(t); len(snap.Stages)+len(snap.Deployments)+len(snap.Routes)+len(snap.Integrations) != 0 {
		t.Fatalf("DeleteApi left %d stages, %d deployments, %d routes, %d integrations",
			len(snap.Stages), len(snap.Deployments), len(snap.Routes), len(snap.Integrations))
	}
}

// TestStagesAndDeployments: a stage without autoDeploy serves only what was
// deployed to it, while an autoDeploy stage follows every change.
func TestStagesAndDeployments(t *testing.T) {
	f := start(t)
	api := f.api(t, "stages")

	// Nothing to deploy yet.
	f.fails(t, "BadRequestException", "Unable to deploy API because no routes exist in this API", func() error {
		_, err := f.gw.CreateDeployment(ctx, &gw.CreateDeploymentInput{ApiId: aws.String(api)})
		return err
	})
	auto, err := f.gw.CreateStage(ctx, &gw.CreateStageInput{ApiId: aws.String(api), StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	if err != nil || auto.DeploymentId != nil ||
		aws.ToString(auto.LastDeploymentStatusMessage) != "Deployment attempt failed: Unable to deploy API because no routes exist in this API" {
		t.Fatalf("CreateStage(autoDeploy, no routes) = %+v, %v", auto, err)
	}
	prod, err := f.gw.CreateStage(ctx, &gw.CreateStageInput{ApiId: aws.String(api), StageName: aws.String("prod"),
		StageVariables: map[string]string{"backend": "blue"}, Tags: map[string]string{"env": "prod"}})
	if err != nil || prod.DeploymentId != nil || prod.StageVariables["backend"] != "blue" || aws.ToBool(prod.AutoDeploy) {
		t.Fatalf("CreateStage(prod) = %+v, %v", prod, err)
	}

	integ := f.publicIntegration(t, api)
	f.route(t, api, "GET /pets", integ)
	if got := f.stage(t, api, "$default"); got.DeploymentId == nil {
		t.Fatalf("$default after the first route = %+v", got)
	}
	if got := f.stage(t, api, "prod"); got.DeploymentId != nil {
		t.Fatalf("prod without autoDeploy was deployed: %+v", got)
	}

	// A manual deployment to prod freezes GET /pets.
	dep, err := f.gw.CreateDeployment(ctx, &gw.CreateDeploymentInput{ApiId: aws.String(api), StageName: aws.String("prod"), Description: aws.String("v1")})
	if err != nil || aws.ToBool(dep.AutoDeployed) || aws.ToString(dep.Description) != "v1" {
		t.Fatalf("CreateDeployment = %+v, %v", dep, err)
	}
	v1 := aws.ToString(dep.DeploymentId)
	if got := aws.ToString(f.stage(t, api, "prod").DeploymentId); got != v1 {
		t.Fatalf("prod serves %s, want %s", got, v1)
	}

	// A new route reaches $default at once and prod not at all.
	f.route(t, api, "POST /pets", integ)
	if got := aws.ToString(f.stage(t, api, "prod").DeploymentId); got != v1 {
		t.Fatalf("prod moved to %s without a deployment", got)
	}
	if n := len(f.deployment(t, api, v1).Routes); n != 1 {
		t.Fatalf("deployment v1 holds %d routes, want 1", n)
	}
	if n := len(f.deployment(t, api, aws.ToString(f.stage(t, api, "$default").DeploymentId)).Routes); n != 2 {
		t.Fatalf("$default's deployment holds %d routes, want 2", n)
	}

	// A deployment in use cannot be deleted; a stage can be pointed back.
	f.fails(t, "BadRequestException", "Active stages pointing to this deployment must be moved or deleted", func() error {
		_, err := f.gw.DeleteDeployment(ctx, &gw.DeleteDeploymentInput{ApiId: aws.String(api), DeploymentId: aws.String(v1)})
		return err
	})
	v2, err := f.gw.CreateDeployment(ctx, &gw.CreateDeploymentInput{ApiId: aws.String(api), StageName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.UpdateStage(ctx, &gw.UpdateStageInput{ApiId: aws.String(api), StageName: aws.String("prod"), DeploymentId: aws.String(v1),
		StageVariables: map[string]string{"backend": "", "color": "green"}}); err != nil {
		t.Fatal(err)
	}
	got := f.stage(t, api, "prod")
	if aws.ToString(got.DeploymentId) != v1 || len(got.StageVariables) != 1 || got.StageVariables["color"] != "green" {
		t.Fatalf("prod after UpdateStage = %+v", got)
	}
	if _, err := f.gw.DeleteDeployment(ctx, &gw.DeleteDeploymentInput{ApiId: aws.String(api), DeploymentId: v2.DeploymentId}); err != nil {
		t.Fatal(err)
	}

	// Turning autoDeploy on deploys at once.
	up, err := f.gw.UpdateStage(ctx, &gw.UpdateStageInput{ApiId: aws.String(api), StageName: aws.String("prod"), AutoDeploy: aws.Bool(true)})
	if err != nil || aws.ToString(up.DeploymentId) == v1 || !strings.HasPrefix(aws.ToString(up.LastDeploymentStatusMessage), "Successfully deployed") {
		t.Fatalf("UpdateStage(autoDeploy) = %+v, %v", up, err)
	}

	if _, err := f.gw.DeleteStage(ctx, &gw.DeleteStageInput{ApiId: aws.String(api), StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	_, err = f.gw.GetStage(ctx, &gw.GetStageInput{ApiId: aws.String(api), StageName: aws.String("prod")})
	wantError(t, err, "NotFoundException", "prod")
}

// TestUpdates covers the update calls' merge rules.
func TestUpdates(t *testing.T) {
	f := start(t)
	api := f.api(t, "updates")
	up, err := f.gw.UpdateApi(ctx, &gw.UpdateApiInput{ApiId: aws.String(api), Name: aws.String("renamed"), Description: aws.String("d"),
		CorsConfiguration: &gwtypes.Cors{AllowOrigins: []string{"https://example.com"}, MaxAge: aws.Int32(600)}})
	if err != nil || aws.ToString(up.Name) != "renamed" || aws.ToString(up.Description) != "d" ||
		up.CorsConfiguration == nil || up.CorsConfiguration.AllowOrigins[0] != "https://example.com" || aws.ToInt32(up.CorsConfiguration.MaxAge) != 600 {
		t.Fatalf("UpdateApi = %+v, %v", up, err)
	}

	in, err := f.gw.CreateIntegration(ctx, &gw.CreateIntegrationInput{ApiId: aws.String(api),
		IntegrationType: gwtypes.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("GET"),
		IntegrationUri: aws.String("http://example.com"), PayloadFormatVersion: aws.String("1.0"),
		RequestParameters:  map[string]string{"append:header.a": "1", "remove:querystring.q": "''"},
		ResponseParameters: map[string]map[string]string{"500": {"overwrite:statuscode": "503"}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.gw.UpdateIntegration(ctx, &gw.UpdateIntegrationInput{ApiId: aws.String(api), IntegrationId: in.IntegrationId,
		RequestParameters:  map[string]string{"append:header.a": "", "overwrite:path": "$request.path"},
		ResponseParameters: map[string]map[string]string{"404": {"append:header.x-missing": "yes"}}})
	if err != nil || len(got.RequestParameters) != 2 || got.RequestParameters["overwrite:path"] != "$request.path" ||
		got.RequestParameters["remove:querystring.q"] != "''" || len(got.ResponseParameters) != 2 {
		t.Fatalf("UpdateIntegration = %+v, %v", got, err)
	}

	r := f.route(t, api, "GET /a", aws.ToString(in.IntegrationId))
	ur, err := f.gw.UpdateRoute(ctx, &gw.UpdateRouteInput{ApiId: aws.String(api), RouteId: aws.String(r), RouteKey: aws.String("GET /b/{id}")})
	if err != nil || aws.ToString(ur.RouteKey) != "GET /b/{id}" || aws.ToString(ur.Target) != "integrations/"+aws.ToString(in.IntegrationId) {
		t.Fatalf("UpdateRoute = %+v, %v", ur, err)
	}
	// A route may keep its own key.
	if _, err := f.gw.UpdateRoute(ctx, &gw.UpdateRouteInput{ApiId: aws.String(api), RouteId: aws.String(r), RouteKey: aws.String("GET /b/{id}")}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) snapshot(t *testing.T) *model.Scoped {
	t.Helper()
	snap, err := model.Load(f.srv.Store())
	if err != nil {
		t.Fatal(err)
	}
	sc := snap.Scopes[model.Scope{Account: "000000000000", Region: "us-east-1"}]
	if sc == nil {
		t.Fatal("no state in the default scope")
	}
	return sc
}

func (f *fixture) deployment(t *testing.T, api, id string) *model.Deployment {
	t.Helper()
	sc := f.snapshot(t)
	d := sc.Deployments[api+"/"+id]
	if d == nil {
		t.Fatalf("no deployment %s/%s in the store", api, id)
	}
	// What it holds, as the data plane reads it, in id order.
	out := *d
	out.Routes, out.Integrations = nil, nil
	sc.DeployedParts(d, func(r *model.Route, i *model.Integration) {
		if r != nil {
			out.Routes = append(out.Routes, *r)
		} else {
			out.Integrations = append(out.Integrations, *i)
		}
	})
	slices.SortFunc(out.Routes, func(a, b model.Route) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(out.Integrations, func(a, b model.Integration) int { return strings.Compare(a.ID, b.ID) })
	return &out
}
