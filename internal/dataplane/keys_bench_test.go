package dataplane_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"gatehouse/internal/servertest"
)

// BenchmarkRestMethodWithoutKey and BenchmarkRestMethodWithKey serve the
// same REST API's MOCK methods through the whole handler: GET /open,
// without apiKeyRequired, pays nothing for the keys and usage plans its
// stage holds; GET /keyed shows what a key, a plan throttle and a quota
// add.
func BenchmarkRestMethodWithoutKey(b *testing.B) { benchKeys(b, "/prod/open", "") }

func BenchmarkRestMethodWithKey(b *testing.B) {
	benchKeys(b, "/prod/keyed", "bench-key-0123456789abcdef")
}

func benchKeys(b *testing.B, path, key string) {
	srv := servertest.Start(b)
	gw := srv.APIGateway()
	api, err := gw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("bench")})
	must(b, err)
	for _, part := range []string{"open", "keyed"} {
		res, err := gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String(part)})
		must(b, err)
		m := &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
			AuthorizationType: aws.String("NONE"), ApiKeyRequired: part == "keyed"}
		_, err = gw.PutMethod(ctx, m)
		must(b, err)
		_, err = gw.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: m.HttpMethod, StatusCode: aws.String("200")})
		must(b, err)
		_, err = gw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: m.HttpMethod,
			Type: agtypes.IntegrationTypeMock, RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}})
		must(b, err)
		_, err = gw.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: m.HttpMethod, StatusCode: aws.String("200")})
		must(b, err)
	}
	_, err = gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")})
	must(b, err)
	plan, err := gw.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{Name: aws.String("bench"),
		ApiStages: []agtypes.ApiStage{{ApiId: api.Id, Stage: aws.String("prod")}},
		Throttle:  &agtypes.ThrottleSettings{RateLimit: 1e9, BurstLimit: 1 << 30},
		Quota:     &agtypes.QuotaSettings{Limit: 1 << 30, Period: agtypes.QuotaPeriodTypeMonth}})
	must(b, err)
	k, err := gw.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String("bench"), Enabled: true, Value: aws.String("bench-key-0123456789abcdef")})
	must(b, err)
	_, err = gw.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: k.Id, KeyType: aws.String("API_KEY")})
	must(b, err)
	must(b, srv.Sync(ctx))
	host := aws.ToString(api.Id) + ".execute-api.localhost"
	req := httptest.NewRequest("GET", "http://"+host+path, nil)
	req.Host = host
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	h := srv.Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
