package apigateway_test

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/model"
)

// TestSeedRESTArchitecture walks the management half of the REST private
// integration as a user builds it: an internal NLB, a VPC link on it that
// turns AVAILABLE with its endpoint service, a {proxy+} resource whose ANY
// method goes through the link, and a deployment on a stage.
func TestSeedRESTArchitecture(t *testing.T) {
	f := start(t)
	n := f.network(t)

	created, err := f.gw.CreateVpcLink(ctx, &apigateway.CreateVpcLinkInput{Name: aws.String("backend-link"),
		TargetArns: []string{n.nlb}, Tags: map[string]string{"team": "edge"}})
	if err != nil {
		t.Fatal(err)
	}
	linkID := aws.ToString(created.Id)
	if !regexp.MustCompile(`^[a-z0-9]{6}$`).MatchString(linkID) || created.Status != types.VpcLinkStatusPending ||
		created.StatusMessage != nil || created.Tags != nil || !slices.Equal(created.TargetArns, []string{n.nlb}) {
		t.Fatalf("CreateVpcLink = %+v", created)
	}
	f.srv.Advance(linkDelay - time.Second)
	got, err := f.gw.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: aws.String(linkID)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != types.VpcLinkStatusPending || got.Tags["team"] != "edge" {
		t.Fatalf("before the delay, GetVpcLink = %+v", got)
	}
	services := f.endpointServices(t)
	if len(services) != 0 {
		t.Fatalf("a PENDING link has endpoint services %+v", services)
	}

	f.srv.Advance(time.Second)
	got, err = f.gw.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: aws.String(linkID)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != types.VpcLinkStatusAvailable || aws.ToString(got.StatusMessage) != "Your vpc link is ready for use" {
		t.Fatalf("after the delay, GetVpcLink = %+v", got)
	}

	// The link is PrivateLink in front of the NLB: EC2 shows the endpoint
	// service it made.
	services = f.endpointServices(t)
	if len(services) != 1 {
		t.Fatalf("endpoint services = %+v, want one", services)
	}
	es := services[0]
	id := aws.ToString(es.ServiceId)
	if !regexp.MustCompile(`^vpce-svc-[0-9a-f]{17}$`).MatchString(id) ||
		aws.ToString(es.ServiceName) != "com.amazonaws.vpce.us-east-1."+id ||
		es.ServiceState != ec2types.ServiceStateAvailable || !slices.Equal(es.NetworkLoadBalancerArns, []string{n.nlb}) ||
		!slices.Equal(es.AvailabilityZones, []string{"us-east-1a", "us-east-1b"}) || aws.ToBool(es.AcceptanceRequired) ||
		len(es.ServiceType) != 1 || es.ServiceType[0].ServiceType != ec2types.ServiceTypeInterface {
		t.Fatalf("endpoint service = %+v", es)
	}
	for _, flt := range []ec2types.Filter{
		{Name: aws.String("service-name"), Values: []string{aws.ToString(es.ServiceName)}},
		{Name: aws.String("service-state"), Values: []string{"Available"}},
		{Name: aws.String("service-id"), Values: []string{"vpce-svc-*"}},
	} {
		out, err := f.ec2.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{Filters: []ec2types.Filter{flt}})
		if err != nil || len(out.ServiceConfigurations) != 1 {
			t.Fatalf("filter %s: %+v, %v", aws.ToString(flt.Name), out, err)
		}
	}

	rest, err := f.gw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("shop"),
		EndpointConfiguration: &types.EndpointConfiguration{Types: []types.EndpointType{types.EndpointTypeRegional}}})
	if err != nil {
		t.Fatal(err)
	}
	api := aws.ToString(rest.Id)
	if !regexp.MustCompile(`^[a-z0-9]{10}$`).MatchString(api) || rest.RootResourceId == nil ||
		!aws.ToTime(rest.CreatedDate).Equal(f.srv.Clock.Now().Truncate(time.Second)) ||
		rest.EndpointConfiguration == nil || !slices.Equal(rest.EndpointConfiguration.Types, []types.EndpointType{types.EndpointTypeRegional}) {
		t.Fatalf("CreateRestApi = %+v", rest)
	}
	proxy := f.proxyMethod(t, api, aws.ToString(rest.RootResourceId))

	ig, err := f.gw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: aws.String(api), ResourceId: aws.String(proxy),
		HttpMethod: aws.String("ANY"), Type: types.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("ANY"),
		Uri:            aws.String("http://" + n.nlbDNS + "/{proxy}"),
		ConnectionType: types.ConnectionTypeVpcLink, ConnectionId: aws.String(linkID),
		RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}})
	if err != nil {
		t.Fatal(err)
	}
	if ig.TimeoutInMillis != 29000 || ig.PassthroughBehavior == nil || *ig.PassthroughBehavior != "WHEN_NO_MATCH" ||
		aws.ToString(ig.CacheNamespace) != proxy || ig.CacheKeyParameters == nil || ig.ConnectionType != types.ConnectionTypeVpcLink ||
		aws.ToString(ig.ConnectionId) != linkID || aws.ToString(ig.HttpMethod) != "ANY" {
		t.Fatalf("PutIntegration = %+v", ig)
	}

	res, err := f.gw.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: aws.String(api), Embed: []string{"methods"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 2 || aws.ToString(res.Items[0].Path) != "/" || aws.ToString(res.Items[1].Path) != "/{proxy+}" {
		t.Fatalf("GetResources = %+v", res.Items)
	}
	anyM := res.Items[1].ResourceMethods["ANY"]
	if anyM.MethodIntegration == nil || aws.ToString(anyM.MethodIntegration.Uri) != "http://"+n.nlbDNS+"/{proxy}" ||
		!anyM.RequestParameters["method.request.path.proxy"] {
		t.Fatalf("embedded ANY method = %+v", anyM)
	}

	dep, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(api),
		StageName: aws.String("prod"), Description: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	stage, err := f.gw.GetStage(ctx, &apigateway.GetStageInput{RestApiId: aws.String(api), StageName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(stage.DeploymentId) != aws.ToString(dep.Id) || aws.ToString(dep.Description) != "first" {
		t.Fatalf("stage %+v, deployment %+v", stage, dep)
	}
	summary, err := f.gw.GetDeployment(ctx, &apigateway.GetDeploymentInput{RestApiId: aws.String(api), DeploymentId: dep.Id, Embed: []string{"apisummary"}})
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := summary.ApiSummary["/{proxy+}"]["ANY"]; !ok || aws.ToString(m.AuthorizationType) != "NONE" {
		t.Fatalf("apiSummary = %+v", summary.ApiSummary)
	}

	// What the data plane will serve: the stage, its frozen tree and the
	// link with its endpoint service, in one snapshot.
	snap, err := model.Load(f.srv.Store())
	if err != nil {
		t.Fatal(err)
	}
	sc := snap.Scopes[model.Scope{Account: "000000000000", Region: "us-east-1"}]
	st := sc.RestStages[api+"/prod"]
	d := sc.RestDeployments[api+"/"+st.DeploymentID]
	l := sc.VpcLinksV1[linkID]
	if st == nil || d == nil || len(d.Resources) != 2 || d.Resources[1].Methods["ANY"].Integration.ConnectionID != linkID ||
		l == nil || sc.EndpointServices[l.EndpointService] == nil || sc.EndpointServices[l.EndpointService].ManagedBy != linkID {
		t.Fatalf("snapshot: stage %+v deployment %+v link %+v", st, d, l)
	}

	// A later change to the live tree leaves the deployment as it was.
	if _, err := f.gw.DeleteIntegration(ctx, &apigateway.DeleteIntegrationInput{RestApiId: aws.String(api),
		ResourceId: aws.String(proxy), HttpMethod: aws.String("ANY")}); err != nil {
		t.Fatal(err)
	}
	snap, _ = model.Load(f.srv.Store())
	if d := snap.Scopes[sc.Scope].RestDeployments[api+"/"+st.DeploymentID]; d.Resources[1].Methods["ANY"].Integration == nil {
		t.Fatal("deleting the live integration changed the deployment")
	}

	// The deployed stage names the link, so the link cannot go.
	f.fails(t, "BadRequestException", "Cannot delete vpc link. Vpc link '"+linkID+"', is referenced in ["+api+":ANY:"+proxy+":prod] in format of [RESTApiId:Method:Resource:Stage].", func() error {
		_, err := f.gw.DeleteVpcLink(ctx, &apigateway.DeleteVpcLinkInput{VpcLinkId: aws.String(linkID)})
		return err
	})
}

func (f *fixture) endpointServices(t *testing.T) []ec2types.ServiceConfiguration {
	t.Helper()
	out, err := f.ec2.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{})
	if err != nil {
		t.Fatal(err)
	}
	return out.ServiceConfigurations
}
