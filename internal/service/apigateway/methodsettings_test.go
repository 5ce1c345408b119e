package apigateway_test

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

// stagedAPI is a REST API with GET / and GET /pets (MOCK), deployed to
// stage prod.
func (f *fixture) stagedAPI(t *testing.T) *string {
	t.Helper()
	api, root := f.restAPI(t, "shop")
	a := aws.String(api)
	pets, err := f.gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: a, ParentId: aws.String(root), PathPart: aws.String("pets")})
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range []*string{aws.String(root), pets.Id} {
		if _, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: a, ResourceId: res, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.gw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: a, ResourceId: res, HttpMethod: aws.String("GET"), Type: types.IntegrationTypeMock}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: a, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	return a
}

func replace(path, value string) types.PatchOperation {
	return types.PatchOperation{Op: types.OpReplace, Path: aws.String(path), Value: aws.String(value)}
}

func remove(path string) types.PatchOperation {
	return types.PatchOperation{Op: types.OpRemove, Path: aws.String(path)}
}

// awsDefaults is what AWS reports for a method setting nobody has set
// beyond its limits.
func awsDefaults(rate float64, burst int32) types.MethodSetting {
	return types.MethodSetting{ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst, LoggingLevel: aws.String("OFF"), CacheTtlInSeconds: 300,
		RequireAuthorizationForCacheControl: true, UnauthorizedCacheControlHeaderStrategy: types.UnauthorizedCacheControlHeaderStrategySucceedWithResponseHeader}
}

func TestStageMethodSettings(t *testing.T) {
	f := start(t)
	a := f.stagedAPI(t)
	update := func(ops ...types.PatchOperation) map[string]types.MethodSetting {
		t.Helper()
		out, err := f.gw.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: a, StageName: aws.String("prod"), PatchOperations: ops})
		if err != nil {
			t.Fatal(err)
		}
		return out.MethodSettings
	}
	get := func() map[string]types.MethodSetting {
		t.Helper()
		out, err := f.gw.GetStage(ctx, &apigateway.GetStageInput{RestApiId: a, StageName: aws.String("prod")})
		if err != nil {
			t.Fatal(err)
		}
		return out.MethodSettings
	}
	if got := get(); got == nil || len(got) != 0 {
		t.Fatalf("a new stage's methodSettings = %#v, want an empty map", got)
	}

	// A first setting starts from AWS's defaults.
	got := update(replace("/*/*/throttling/rateLimit", "10"), replace("/*/*/throttling/burstLimit", "20"))
	if want := awsDefaults(10, 20); !reflect.DeepEqual(got["*/*"], want) || len(got) != 1 {
		t.Fatalf("methodSettings = %#v, want */* = %#v", got, want)
	}

	// A method's entry starts as a copy of the stage's; the resource path
	// may come escaped, as the CLI sends it, or with its slashes, as
	// Terraform does; the root resource's key is "/GET".
	got = update(replace("/~1pets/GET/throttling/rateLimit", "2.5"), replace("/pets/GET/metrics/enabled", "true"),
		replace("/~1/GET/logging/loglevel", "INFO"), replace("/~1/GET/throttling/burstLimit", "-1"),
		replace("/*/*/caching/ttlInSeconds", "60"), replace("/*/*/caching/unauthorizedCacheControlHeaderStrategy", "FAIL_WITH_403"))
	pets := awsDefaults(2.5, 20)
	pets.MetricsEnabled = true
	root := awsDefaults(10, -1)
	root.LoggingLevel = aws.String("INFO")
	all := awsDefaults(10, 20)
	all.CacheTtlInSeconds, all.UnauthorizedCacheControlHeaderStrategy = 60, types.UnauthorizedCacheControlHeaderStrategyFailWith403
	want := map[string]types.MethodSetting{"*/*": all, "pets/GET": pets, "/GET": root}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("UpdateStage methodSettings = %#v\nwant %#v", got, want)
	}
	if got := get(); !reflect.DeepEqual(got, want) {
		t.Fatalf("GetStage methodSettings = %#v\nwant %#v", got, want)
	}
	stages, err := f.gw.GetStages(ctx, &apigateway.GetStagesInput{RestApiId: a})
	if err != nil || len(stages.Item) != 1 || !reflect.DeepEqual(stages.Item[0].MethodSettings, want) {
		t.Fatalf("GetStages = %+v, %v", stages, err)
	}

	// One bad operation, after a good one, changes nothing.
	for _, tc := range []struct {
		name, code, message string
		op                  types.PatchOperation
	}{
		{"rate not a number", "BadRequestException", "Invalid throttling rate limit specified: fast", replace("/*/*/throttling/rateLimit", "fast")},
		{"rate NaN", "BadRequestException", "Invalid throttling rate limit specified: NaN", replace("/~1pets/GET/throttling/rateLimit", "NaN")},
		{"burst a fraction", "BadRequestException", "Invalid throttling burst limit specified: 1.5", replace("/*/*/throttling/burstLimit", "1.5")},
		{"burst too big", "BadRequestException", "Invalid throttling burst limit specified", replace("/*/*/throttling/burstLimit", "4294967296")},
		{"log level", "BadRequestException", "Invalid logging level specified: LOUD", replace("/*/*/logging/loglevel", "LOUD")},
		{"boolean", "BadRequestException", "Invalid boolean value for /pets/GET/metrics/enabled: maybe", replace("/~1pets/GET/metrics/enabled", "maybe")},
		{"ttl", "BadRequestException", "Invalid cache TTL specified: 3601", replace("/*/*/caching/ttlInSeconds", "3601")},
		{"ANY", "BadRequestException", "Invalid method setting path: /pets/ANY/throttling/rateLimit", replace("/~1pets/ANY/throttling/rateLimit", "1")},
		{"wildcard resource", "BadRequestException", "Invalid method setting path: /*/GET/throttling/rateLimit", replace("/*/GET/throttling/rateLimit", "1")},
		{"wildcard verb", "BadRequestException", "Invalid method setting path: /pets/*", remove("/~1pets/*")},
		{"unknown setting", "BadRequestException", "Invalid patch path '/*/*/throttling/quota'", replace("/*/*/throttling/quota", "1")},
		{"remove a setting", "BadRequestException", "Invalid patch path '/*/*/throttling/rateLimit' specified for op 'remove'", remove("/*/*/throttling/rateLimit")},
		{"add a setting", "BadRequestException", "specified for op 'add'", types.PatchOperation{Op: types.OpAdd, Path: aws.String("/*/*/throttling/rateLimit"), Value: aws.String("1")}},
		{"remove what is not there", "BadRequestException", "Cannot remove method setting orders/GET because there is no method setting for this method", remove("/~1orders/GET")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, tc.code, tc.message, func() error {
				_, err := f.gw.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: a, StageName: aws.String("prod"),
					PatchOperations: []types.PatchOperation{replace("/*/*/throttling/rateLimit", "99"), tc.op}})
				return err
			})
		})
	}
	if got := get(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after refused updates methodSettings = %#v\nwant %#v", got, want)
	}

	// remove drops a method's entry, or the stage's.
	got = update(remove("/~1pets/GET"), remove("//GET"))
	if len(got) != 1 || !reflect.DeepEqual(got["*/*"], all) {
		t.Fatalf("after removing two methods: %#v", got)
	}
	if got = update(remove("/*/*")); len(got) != 0 {
		t.Fatalf("after removing */*: %#v", got)
	}
	f.fails(t, "BadRequestException", "Cannot remove method setting */* because there is no method setting for this method", func() error {
		_, err := f.gw.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: a, StageName: aws.String("prod"), PatchOperations: []types.PatchOperation{remove("/*/*")}})
		return err
	})
}
