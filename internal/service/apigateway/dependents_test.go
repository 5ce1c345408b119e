package apigateway_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
)

const certARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c"

// deployTo deploys the API to more stages.
func (f *fixture) deployTo(t *testing.T, api string, stages ...string) {
	t.Helper()
	for _, st := range stages {
		if _, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(api), StageName: aws.String(st)}); err != nil {
			t.Fatal(err)
		}
	}
}

// A base path mapping holds its API and stage: deleting either is refused
// with AWS's message naming the domains, whichever API made the mapping,
// until the mappings go.
func TestDeleteRefusedWhileMapped(t *testing.T) {
	f := start(t)
	api := aws.ToString(f.stagedAPI(t))
	f.deployTo(t, api, "dev")
	if _, err := f.gw.CreateDomainName(ctx, &apigateway.CreateDomainNameInput{DomainName: aws.String("b.example.com"),
		RegionalCertificateArn: aws.String(certARN), EndpointConfiguration: &types.EndpointConfiguration{Types: []types.EndpointType{types.EndpointTypeRegional}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.CreateBasePathMapping(ctx, &apigateway.CreateBasePathMappingInput{DomainName: aws.String("b.example.com"),
		RestApiId: aws.String(api), Stage: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	// The other domain and its mapping come through apigatewayv2: one
	// namespace of domains serves both APIs.
	gw2 := f.srv.APIGatewayV2()
	if _, err := gw2.CreateDomainName(ctx, &apigatewayv2.CreateDomainNameInput{DomainName: aws.String("a.example.com")}); err != nil {
		t.Fatal(err)
	}
	v2map, err := gw2.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String("a.example.com"),
		ApiId: aws.String(api), Stage: aws.String("prod"), ApiMappingKey: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}

	f.fails(t, "BadRequestException", "Deleting stage prod failed. Please remove all base path mappings related to the stage in your domains: a.example.com, b.example.com", func() error {
		_, err := f.gw.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: aws.String(api), StageName: aws.String("prod")})
		return err
	})
	f.fails(t, "BadRequestException", "Deleting RestApi "+api+" failed. Please remove all base path mappings related to the RestApi in your domains: a.example.com, b.example.com.", func() error {
		_, err := f.gw.DeleteRestApi(ctx, &apigateway.DeleteRestApiInput{RestApiId: aws.String(api)})
		return err
	})
	// A stage no mapping names goes.
	if _, err := f.gw.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: aws.String(api), StageName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}

	if _, err := f.gw.DeleteBasePathMapping(ctx, &apigateway.DeleteBasePathMappingInput{DomainName: aws.String("b.example.com"), BasePath: aws.String("(none)")}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "BadRequestException", "in your domains: a.example.com.", func() error {
		_, err := f.gw.DeleteRestApi(ctx, &apigateway.DeleteRestApiInput{RestApiId: aws.String(api)})
		return err
	})
	if _, err := gw2.DeleteApiMapping(ctx, &apigatewayv2.DeleteApiMappingInput{DomainName: aws.String("a.example.com"), ApiMappingId: v2map.ApiMappingId}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: aws.String(api), StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.DeleteRestApi(ctx, &apigateway.DeleteRestApiInput{RestApiId: aws.String(api)}); err != nil {
		t.Fatal(err)
	}
}

// A stage that goes leaves the usage plans and API keys naming it, as on
// AWS, and one made again under its name starts with none; an API that
// goes takes all its stages out of them.
func TestDeletedStagesLeaveUsagePlans(t *testing.T) {
	f := start(t)
	api, other := aws.ToString(f.stagedAPI(t)), aws.ToString(f.stagedAPI(t))
	f.deployTo(t, api, "dev")
	plan, err := f.gw.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{Name: aws.String("gold"), ApiStages: []types.ApiStage{
		{ApiId: aws.String(api), Stage: aws.String("prod"), Throttle: map[string]types.ThrottleSettings{"/GET": {RateLimit: 5, BurstLimit: 10}}},
		{ApiId: aws.String(api), Stage: aws.String("dev")},
		{ApiId: aws.String(other), Stage: aws.String("prod")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	key, err := f.gw.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String("k"), StageKeys: []types.StageKey{
		{RestApiId: aws.String(api), StageName: aws.String("prod")},
		{RestApiId: aws.String(other), StageName: aws.String("prod")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	planStages := func() []string {
		t.Helper()
		p, err := f.gw.GetUsagePlan(ctx, &apigateway.GetUsagePlanInput{UsagePlanId: plan.Id})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, st := range p.ApiStages {
			out = append(out, aws.ToString(st.ApiId)+":"+aws.ToString(st.Stage))
		}
		return out
	}
	keyStages := func() []string {
		t.Helper()
		k, err := f.gw.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: key.Id})
		if err != nil {
			t.Fatal(err)
		}
		return k.StageKeys
	}

	if _, err := f.gw.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: aws.String(api), StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if got, want := planStages(), []string{api + ":dev", other + ":prod"}; !slices.Equal(got, want) {
		t.Fatalf("plan stages after DeleteStage = %v, want %v", got, want)
	}
	if got, want := keyStages(), []string{other + "/prod"}; !slices.Equal(got, want) {
		t.Fatalf("key stages after DeleteStage = %v, want %v", got, want)
	}
	f.deployTo(t, api, "prod")
	if got, want := planStages(), []string{api + ":dev", other + ":prod"}; !slices.Equal(got, want) {
		t.Fatalf("plan stages after the stage came back = %v, want %v", got, want)
	}

	if _, err := f.gw.DeleteRestApi(ctx, &apigateway.DeleteRestApiInput{RestApiId: aws.String(api)}); err != nil {
		t.Fatal(err)
	}
	if got, want := planStages(), []string{other + ":prod"}; !slices.Equal(got, want) {
		t.Fatalf("plan stages after DeleteRestApi = %v, want %v", got, want)
	}
}
