package gatehouse_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/servertest"
)

// keyedAPI is a deployed REST API whose GET /pets and GET /orders require
// an API key, and whose GET /open does not, in front of a real backend.
type keyedAPI struct {
	srv     *servertest.Server
	gw      *apigateway.Client
	id      string
	backend *httptest.Server
}

func newKeyedAPI(t *testing.T, srv *servertest.Server) *keyedAPI {
	t.Helper()
	gw := srv.APIGateway()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"path":%q,"key":%q}`, r.URL.Path, r.Header.Get("X-Api-Key"))
	}))
	t.Cleanup(backend.Close)
	api, err := gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("keyed")})
	restMust(t, err)
	for _, part := range []string{"pets", "orders", "open"} {
		res, err := gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String(part)})
		restMust(t, err)
		_, err = gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
			AuthorizationType: aws.String("NONE"), ApiKeyRequired: part != "open"})
		restMust(t, err)
		_, err = gw.PutIntegration(restCtx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
			Type: agtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("GET"), Uri: aws.String(backend.URL + "/" + part)})
		restMust(t, err)
	}
	for _, stage := range []string{"prod", "test"} {
		_, err = gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String(stage)})
		restMust(t, err)
	}
	return &keyedAPI{srv: srv, gw: gw, id: aws.ToString(api.Id), backend: backend}
}

// awsErr asserts err is the AWS error code with a message containing msg.
func awsErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("error = %v, want %s containing %q", err, code, msg)
	}
}

// API keys: created with a generated 40-character value or one given,
// shown with their value only when asked, listed by name and customer in
// pages, patched, and deleted; bad input changes nothing.
func TestRESTApiKeysManagement(t *testing.T) {
	srv := servertest.Start(t)
	k := newKeyedAPI(t, srv)
	gw := k.gw

	gen, err := gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("alpha"), Enabled: true, CustomerId: aws.String("c1"),
		StageKeys: []agtypes.StageKey{{RestApiId: aws.String(k.id), StageName: aws.String("prod")}}, Tags: map[string]string{"team": "a"}})
	restMust(t, err)
	if v := aws.ToString(gen.Value); len(v) != 40 {
		t.Fatalf("generated value %q has %d characters, want 40", v, len(v))
	}
	if len(gen.StageKeys) != 1 || gen.StageKeys[0] != k.id+"/prod" || !gen.Enabled || gen.Tags["team"] != "a" {
		t.Fatalf("created key %+v", gen)
	}
	given, err := gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("beta"), Value: aws.String("0123456789abcdefghijKLMN")})
	restMust(t, err)
	if given.Enabled || aws.ToString(given.Value) != "0123456789abcdefghijKLMN" {
		t.Fatalf("given key %+v", given)
	}

	// Bad input: nothing is made.
	_, err = gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("short"), Value: aws.String("tooshort")})
	awsErr(t, err, "BadRequestException", "at least 20")
	_, err = gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("dup"), Value: aws.String("0123456789abcdefghijKLMN")})
	awsErr(t, err, "ConflictException", "API Key already exists")
	_, err = gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("nostage"),
		StageKeys: []agtypes.StageKey{{RestApiId: aws.String(k.id), StageName: aws.String("nope")}}})
	awsErr(t, err, "NotFoundException", "Invalid Stage identifier specified")

	got, err := gw.GetApiKey(restCtx, &apigateway.GetApiKeyInput{ApiKey: gen.Id})
	restMust(t, err)
	if got.Value != nil {
		t.Fatalf("GetApiKey without includeValue shows %q", aws.ToString(got.Value))
	}
	got, err = gw.GetApiKey(restCtx, &apigateway.GetApiKeyInput{ApiKey: gen.Id, IncludeValue: aws.Bool(true)})
	restMust(t, err)
	if aws.ToString(got.Value) != aws.ToString(gen.Value) {
		t.Fatalf("includeValue shows %q", aws.ToString(got.Value))
	}
	_, err = gw.GetApiKey(restCtx, &apigateway.GetApiKeyInput{ApiKey: aws.String("nosuchkey0")})
	awsErr(t, err, "NotFoundException", "Invalid API Key identifier specified")

	for i := range 3 {
		_, err := gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String(fmt.Sprintf("bulk-%d", i)), CustomerId: aws.String("c2")})
		restMust(t, err)
	}
	var seen []string
	in := &apigateway.GetApiKeysInput{Limit: aws.Int32(2)}
	for {
		page, err := gw.GetApiKeys(restCtx, in)
		restMust(t, err)
		if len(page.Items) > 2 {
			t.Fatalf("page of %d keys, limit 2", len(page.Items))
		}
		for _, it := range page.Items {
			if it.Value != nil {
				t.Fatalf("GetApiKeys without includeValues shows a value")
			}
			seen = append(seen, aws.ToString(it.Name))
		}
		if page.Position == nil {
			break
		}
		in.Position = page.Position
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %v, want 5 keys", seen)
	}
	byName, err := gw.GetApiKeys(restCtx, &apigateway.GetApiKeysInput{NameQuery: aws.String("bulk"), IncludeValues: aws.Bool(true)})
	restMust(t, err)
	if len(byName.Items) != 3 || byName.Items[0].Value == nil {
		t.Fatalf("nameQuery bulk: %d keys", len(byName.Items))
	}
	byCustomer, err := gw.GetApiKeys(restCtx, &apigateway.GetApiKeysInput{CustomerId: aws.String("c1")})
	restMust(t, err)
	if len(byCustomer.Items) != 1 || aws.ToString(byCustomer.Items[0].Id) != aws.ToString(gen.Id) {
		t.Fatalf("customerId c1: %+v", byCustomer.Items)
	}

	upd, err := gw.UpdateApiKey(restCtx, &apigateway.UpdateApiKeyInput{ApiKey: gen.Id, PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/name"), Value: aws.String("alpha2")},
		{Op: agtypes.OpReplace, Path: aws.String("/enabled"), Value: aws.String("false")},
		{Op: agtypes.OpReplace, Path: aws.String("/description"), Value: aws.String("renamed")},
		{Op: agtypes.OpAdd, Path: aws.String("/stages"), Value: aws.String(k.id + "/test")},
		{Op: agtypes.OpRemove, Path: aws.String("/stages"), Value: aws.String(k.id + "/prod")},
	}})
	restMust(t, err)
	if aws.ToString(upd.Name) != "alpha2" || upd.Enabled || aws.ToString(upd.Description) != "renamed" ||
		len(upd.StageKeys) != 1 || upd.StageKeys[0] != k.id+"/test" {
		t.Fatalf("updated key %+v", upd)
	}
	// One bad operation undoes the call.
	_, err = gw.UpdateApiKey(restCtx, &apigateway.UpdateApiKeyInput{ApiKey: gen.Id, PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/name"), Value: aws.String("changed")},
		{Op: agtypes.OpReplace, Path: aws.String("/value"), Value: aws.String("x")},
	}})
	awsErr(t, err, "BadRequestException", "Invalid patch path")
	got, err = gw.GetApiKey(restCtx, &apigateway.GetApiKeyInput{ApiKey: gen.Id})
	restMust(t, err)
	if aws.ToString(got.Name) != "alpha2" {
		t.Fatalf("a refused update changed the name to %q", aws.ToString(got.Name))
	}

	_, err = gw.DeleteApiKey(restCtx, &apigateway.DeleteApiKeyInput{ApiKey: given.Id})
	restMust(t, err)
	_, err = gw.GetApiKey(restCtx, &apigateway.GetApiKeyInput{ApiKey: given.Id})
	awsErr(t, err, "NotFoundException", "Invalid API Key identifier specified")
}

// Usage plans: API stages that must exist, throttles and a quota, keys on
// them, and AWS's refusals: an unknown stage, a key on two plans for the
// same stage, a bad quota; each refused call changes nothing.
func TestRESTUsagePlansManagement(t *testing.T) {
	srv := servertest.Start(t)
	k := newKeyedAPI(t, srv)
	gw := k.gw

	plan, err := gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("gold"),
		ApiStages: []agtypes.ApiStage{{ApiId: aws.String(k.id), Stage: aws.String("prod"),
			Throttle: map[string]agtypes.ThrottleSettings{"/pets/GET": {RateLimit: 5, BurstLimit: 2}}}},
		Throttle: &agtypes.ThrottleSettings{RateLimit: 100, BurstLimit: 50},
		Quota:    &agtypes.QuotaSettings{Limit: 1000, Period: agtypes.QuotaPeriodTypeDay}})
	restMust(t, err)
	if len(plan.ApiStages) != 1 || plan.ApiStages[0].Throttle["/pets/GET"].BurstLimit != 2 || plan.Quota.Limit != 1000 ||
		plan.Quota.Period != agtypes.QuotaPeriodTypeDay || plan.Throttle.RateLimit != 100 {
		t.Fatalf("plan %+v", plan)
	}
	_, err = gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("ghost"),
		ApiStages: []agtypes.ApiStage{{ApiId: aws.String(k.id), Stage: aws.String("nope")}}})
	awsErr(t, err, "NotFoundException", "Invalid Stage identifier specified")
	_, err = gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("badquota"),
		Quota: &agtypes.QuotaSettings{Limit: 0, Period: agtypes.QuotaPeriodTypeWeek}})
	awsErr(t, err, "BadRequestException", "Quota limit")
	_, err = gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("badperiod"),
		Quota: &agtypes.QuotaSettings{Limit: 5, Period: "YEAR"}})
	awsErr(t, err, "ValidationException", "enum")
	plans, err := gw.GetUsagePlans(restCtx, &apigateway.GetUsagePlansInput{})
	restMust(t, err)
	if len(plans.Items) != 1 {
		t.Fatalf("%d plans after refused creations, want 1", len(plans.Items))
	}

	key, err := gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("k"), Enabled: true})
	restMust(t, err)
	pk, err := gw.CreateUsagePlanKey(restCtx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")})
	restMust(t, err)
	if aws.ToString(pk.Id) != aws.ToString(key.Id) || aws.ToString(pk.Type) != "API_KEY" || aws.ToString(pk.Value) != aws.ToString(key.Value) {
		t.Fatalf("plan key %+v", pk)
	}
	// A second plan covering prod cannot take the same key.
	other, err := gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("silver"),
		ApiStages: []agtypes.ApiStage{{ApiId: aws.String(k.id), Stage: aws.String("prod")}}})
	restMust(t, err)
	_, err = gw.CreateUsagePlanKey(restCtx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: other.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")})
	awsErr(t, err, "ConflictException", "cannot reference multiple Usage Plans with the same API Stage")
	// Nor can a plan the key is on gain a stage the key's other plan has.
	third, err := gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("bronze"),
		ApiStages: []agtypes.ApiStage{{ApiId: aws.String(k.id), Stage: aws.String("test")}}})
	restMust(t, err)
	_, err = gw.CreateUsagePlanKey(restCtx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: third.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")})
	restMust(t, err)
	_, err = gw.UpdateUsagePlan(restCtx, &apigateway.UpdateUsagePlanInput{UsagePlanId: third.Id, PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/name"), Value: aws.String("renamed")},
		{Op: agtypes.OpAdd, Path: aws.String("/apiStages"), Value: aws.String(k.id + ":prod")},
	}})
	awsErr(t, err, "ConflictException", "same API Stage")
	got, err := gw.GetUsagePlan(restCtx, &apigateway.GetUsagePlanInput{UsagePlanId: third.Id})
	restMust(t, err)
	if aws.ToString(got.Name) != "bronze" || len(got.ApiStages) != 1 {
		t.Fatalf("a refused update changed the plan: %+v", got)
	}
	_, err = gw.CreateUsagePlanKey(restCtx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: aws.String("nosuchkey0"), KeyType: aws.String("API_KEY")})
	awsErr(t, err, "NotFoundException", "Invalid API Key identifier specified")

	// Patches on every path AWS takes.
	upd, err := gw.UpdateUsagePlan(restCtx, &apigateway.UpdateUsagePlanInput{UsagePlanId: plan.Id, PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/name"), Value: aws.String("platinum")},
		{Op: agtypes.OpReplace, Path: aws.String("/description"), Value: aws.String("d")},
		{Op: agtypes.OpReplace, Path: aws.String("/productCode"), Value: aws.String("pc")},
		{Op: agtypes.OpReplace, Path: aws.String("/throttle/rateLimit"), Value: aws.String("7.5")},
		{Op: agtypes.OpReplace, Path: aws.String("/throttle/burstLimit"), Value: aws.String("3")},
		{Op: agtypes.OpReplace, Path: aws.String("/quota/limit"), Value: aws.String("10")},
		{Op: agtypes.OpReplace, Path: aws.String("/quota/period"), Value: aws.String("MONTH")},
		{Op: agtypes.OpReplace, Path: aws.String("/quota/offset"), Value: aws.String("2")},
		{Op: agtypes.OpReplace, Path: aws.String("/apiStages/" + k.id + ":prod/throttle/~1orders~1GET/rateLimit"), Value: aws.String("1")},
		{Op: agtypes.OpReplace, Path: aws.String("/apiStages/" + k.id + ":prod/throttle/~1orders~1GET/burstLimit"), Value: aws.String("1")},
		{Op: agtypes.OpRemove, Path: aws.String("/apiStages/" + k.id + ":prod/throttle/~1pets~1GET")},
	}})
	restMust(t, err)
	th := upd.ApiStages[0].Throttle
	if aws.ToString(upd.Name) != "platinum" || aws.ToString(upd.ProductCode) != "pc" || upd.Throttle.RateLimit != 7.5 || upd.Throttle.BurstLimit != 3 ||
		upd.Quota.Limit != 10 || upd.Quota.Offset != 2 || upd.Quota.Period != agtypes.QuotaPeriodTypeMonth ||
		len(th) != 1 || th["/orders/GET"].RateLimit != 1 {
		t.Fatalf("updated plan %+v %+v", upd, th)
	}

	byKey, err := gw.GetUsagePlans(restCtx, &apigateway.GetUsagePlansInput{KeyId: key.Id})
	restMust(t, err)
	if len(byKey.Items) != 2 {
		t.Fatalf("the key is on %d plans, want 2", len(byKey.Items))
	}
	keys, err := gw.GetUsagePlanKeys(restCtx, &apigateway.GetUsagePlanKeysInput{UsagePlanId: plan.Id})
	restMust(t, err)
	if len(keys.Items) != 1 || aws.ToString(keys.Items[0].Name) != "k" {
		t.Fatalf("plan keys %+v", keys.Items)
	}
	_, err = gw.DeleteUsagePlanKey(restCtx, &apigateway.DeleteUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id})
	restMust(t, err)
	_, err = gw.GetUsagePlanKey(restCtx, &apigateway.GetUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id})
	awsErr(t, err, "NotFoundException", "Invalid API Key identifier specified")
	// A plan that covers a stage cannot be deleted; without its stages
	// it can.
	_, err = gw.DeleteUsagePlan(restCtx, &apigateway.DeleteUsagePlanInput{UsagePlanId: plan.Id})
	awsErr(t, err, "BadRequestException", "because there are API Stages associated with it, including "+k.id+":prod")
	_, err = gw.UpdateUsagePlan(restCtx, &apigateway.UpdateUsagePlanInput{UsagePlanId: plan.Id, PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpRemove, Path: aws.String("/apiStages"), Value: aws.String(k.id + ":test")}}})
	awsErr(t, err, "BadRequestException", "Invalid API Stage specified")
	upd, err = gw.UpdateUsagePlan(restCtx, &apigateway.UpdateUsagePlanInput{UsagePlanId: plan.Id, PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/apiStages/" + k.id + ":prod/throttle/~1pets~1GET/rateLimit"), Value: aws.String("2")},
		{Op: agtypes.OpRemove, Path: aws.String("/apiStages/" + k.id + ":prod/throttle")}}})
	restMust(t, err)
	if len(upd.ApiStages) != 1 || len(upd.ApiStages[0].Throttle) != 0 {
		t.Fatalf("after removing the stage's throttles: %+v", upd.ApiStages)
	}
	_, err = gw.UpdateUsagePlan(restCtx, &apigateway.UpdateUsagePlanInput{UsagePlanId: plan.Id, PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpRemove, Path: aws.String("/apiStages"), Value: aws.String(k.id + ":prod")}}})
	restMust(t, err)
	_, err = gw.DeleteUsagePlan(restCtx, &apigateway.DeleteUsagePlanInput{UsagePlanId: plan.Id})
	restMust(t, err)

	// A key may be on at most 10 plans, as AWS's quota says.
	many, err := gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("many")})
	restMust(t, err)
	for i := range 11 {
		p, err := gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String(fmt.Sprint("plan-", i))})
		restMust(t, err)
		_, err = gw.CreateUsagePlanKey(restCtx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: p.Id, KeyId: many.Id, KeyType: aws.String("API_KEY")})
		if i < 10 {
			restMust(t, err)
			continue
		}
		awsErr(t, err, "LimitExceededException", "more than 10 usage plans")
	}
	_, err = gw.GetUsagePlan(restCtx, &apigateway.GetUsagePlanInput{UsagePlanId: plan.Id})
	awsErr(t, err, "NotFoundException", "Invalid Usage Plan ID specified")
}

// ImportApiKeys reads AWS's CSV format, columns in any order and case,
// puts keys on the plans named, and reports rows it cannot take; with
// failOnWarnings it takes none.
func TestRESTImportApiKeys(t *testing.T) {
	srv := servertest.Start(t)
	k := newKeyedAPI(t, srv)
	gw := k.gw
	plan, err := gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("p"),
		ApiStages: []agtypes.ApiStage{{ApiId: aws.String(k.id), Stage: aws.String("prod")}}})
	restMust(t, err)
	file := "Name,key,description,Enabled,usageplanIds\n" +
		"first,apikey1234abcdefghij0123456789,An imported key,TRUE," + aws.ToString(plan.Id) + "\n" +
		"second,short,too short,true,\n"
	_, err = gw.ImportApiKeys(restCtx, &apigateway.ImportApiKeysInput{Body: []byte(file), Format: agtypes.ApiKeysFormatCsv, FailOnWarnings: true})
	awsErr(t, err, "BadRequestException", "Line 3")
	all, err := gw.GetApiKeys(restCtx, &apigateway.GetApiKeysInput{})
	restMust(t, err)
	if len(all.Items) != 0 {
		t.Fatalf("a failed import made %d keys", len(all.Items))
	}
	out, err := gw.ImportApiKeys(restCtx, &apigateway.ImportApiKeysInput{Body: []byte(file), Format: agtypes.ApiKeysFormatCsv})
	restMust(t, err)
	if len(out.Ids) != 1 || len(out.Warnings) != 1 {
		t.Fatalf("import: ids %v warnings %v", out.Ids, out.Warnings)
	}
	got, err := gw.GetApiKey(restCtx, &apigateway.GetApiKeyInput{ApiKey: aws.String(out.Ids[0]), IncludeValue: aws.Bool(true)})
	restMust(t, err)
	if aws.ToString(got.Name) != "first" || aws.ToString(got.Value) != "apikey1234abcdefghij0123456789" || !got.Enabled {
		t.Fatalf("imported key %+v", got)
	}
	_, err = gw.GetUsagePlanKey(restCtx, &apigateway.GetUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: got.Id})
	restMust(t, err)
	// The same value again updates that key.
	again, err := gw.ImportApiKeys(restCtx, &apigateway.ImportApiKeysInput{Format: agtypes.ApiKeysFormatCsv,
		Body: []byte("key,Name,Enabled\napikey1234abcdefghij0123456789,renamed,false\n")})
	restMust(t, err)
	if len(again.Ids) != 1 || again.Ids[0] != out.Ids[0] {
		t.Fatalf("re-import ids %v, want %s", again.Ids, out.Ids[0])
	}
	_, err = gw.ImportApiKeys(restCtx, &apigateway.ImportApiKeysInput{Format: agtypes.ApiKeysFormatCsv, Body: []byte("name,description\nx,y\n")})
	awsErr(t, err, "BadRequestException", "key column")
}

// call sends GET path to the API's stage with key as x-api-key (none
// when empty), and returns the status, the error type and the body.
func (k *keyedAPI) call(t *testing.T, srv *servertest.Server, stage, path, key string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(restCtx, "GET", srv.URL()+"/"+stage+path, nil)
	req.Host = k.id + ".execute-api.localhost"
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), string(b)
}

func (k *keyedAPI) expect(t *testing.T, srv *servertest.Server, what, stage, path, key string, status int, body string) {
	t.Helper()
	code, errType, got := k.call(t, srv, stage, path, key)
	if code != status || body != "" && got != body {
		t.Fatalf("%s: GET /%s%s = %d %q (%s), want %d %q", what, stage, path, code, got, errType, status, body)
	}
	want := map[string]string{`{"message":"Forbidden"}`: "ForbiddenException", `{"message":"Too Many Requests"}`: "TooManyRequestsException",
		`{"message":"Limit Exceeded"}`: "LimitExceededException"}[body]
	if status != http.StatusOK && errType != want {
		t.Fatalf("%s: x-amzn-ErrorType %q, want %q", what, errType, want)
	}
}

const (
	forbidden   = `{"message":"Forbidden"}`
	tooMany     = `{"message":"Too Many Requests"}`
	overQuota   = `{"message":"Limit Exceeded"}`
	testKeyBody = "0123456789abcdefghij-key-"
)

// A method requiring an API key admits a request only with the value of
// an enabled key on a usage plan covering the stage; a method that does
// not require one ignores keys.
func TestRESTApiKeyRequired(t *testing.T) {
	srv := servertest.Start(t)
	k := newKeyedAPI(t, srv)
	gw := k.gw
	plan, err := gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("p"),
		ApiStages: []agtypes.ApiStage{{ApiId: aws.String(k.id), Stage: aws.String("prod")}}})
	restMust(t, err)
	on, err := gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("on"), Enabled: true, Value: aws.String(testKeyBody + "on")})
	restMust(t, err)
	off, err := gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("off"), Enabled: true, Value: aws.String(testKeyBody + "off")})
	restMust(t, err)
	_, err = gw.CreateUsagePlanKey(restCtx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: on.Id, KeyType: aws.String("API_KEY")})
	restMust(t, err)

	k.expect(t, srv, "no key", "prod", "/pets", "", 403, forbidden)
	k.expect(t, srv, "an unknown key", "prod", "/pets", testKeyBody+"nope", 403, forbidden)
	k.expect(t, srv, "a key on no plan", "prod", "/pets", testKeyBody+"off", 403, forbidden)
	k.expect(t, srv, "a key on the plan", "prod", "/pets", testKeyBody+"on", 200, `{"path":"/pets","key":"`+testKeyBody+`on"}`)
	k.expect(t, srv, "a stage the plan does not cover", "test", "/pets", testKeyBody+"on", 403, forbidden)
	k.expect(t, srv, "a method without apiKeyRequired", "prod", "/open", "", 200, "")

	_, err = gw.UpdateApiKey(restCtx, &apigateway.UpdateApiKeyInput{ApiKey: on.Id, PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/enabled"), Value: aws.String("false")}}})
	restMust(t, err)
	k.expect(t, srv, "a disabled key", "prod", "/pets", testKeyBody+"on", 403, forbidden)
	_, err = gw.UpdateApiKey(restCtx, &apigateway.UpdateApiKeyInput{ApiKey: on.Id, PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/enabled"), Value: aws.String("true")}}})
	restMust(t, err)
	k.expect(t, srv, "enabled again", "prod", "/pets", testKeyBody+"on", 200, "")

	// The plan gains the test stage; the key loses its plan.
	_, err = gw.UpdateUsagePlan(restCtx, &apigateway.UpdateUsagePlanInput{UsagePlanId: plan.Id, PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpAdd, Path: aws.String("/apiStages"), Value: aws.String(k.id + ":test")}}})
	restMust(t, err)
	k.expect(t, srv, "a stage added to the plan", "test", "/orders", testKeyBody+"on", 200, "")
	_, err = gw.DeleteUsagePlanKey(restCtx, &apigateway.DeleteUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: on.Id})
	restMust(t, err)
	k.expect(t, srv, "a key taken off its plan", "prod", "/pets", testKeyBody+"on", 403, forbidden)
	_ = off
}

// A plan's throttle applies to each key, and its per-method throttles to
// each key's requests of that method, before the integration is called;
// time is the server's clock.
func TestRESTUsagePlanThrottles(t *testing.T) {
	srv := servertest.Start(t)
	k := newKeyedAPI(t, srv)
	gw := k.gw
	plan, err := gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("p"),
		Throttle: &agtypes.ThrottleSettings{RateLimit: 1, BurstLimit: 3},
		ApiStages: []agtypes.ApiStage{{ApiId: aws.String(k.id), Stage: aws.String("prod"),
			Throttle: map[string]agtypes.ThrottleSettings{"/orders/GET": {RateLimit: 1, BurstLimit: 1}}}}})
	restMust(t, err)
	var keys []string
	for _, name := range []string{"a", "b"} {
		key, err := gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String(name), Enabled: true, Value: aws.String(testKeyBody + name)})
		restMust(t, err)
		_, err = gw.CreateUsagePlanKey(restCtx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")})
		restMust(t, err)
		keys = append(keys, aws.ToString(key.Value))
	}
	a, b := keys[0], keys[1]
	k.expect(t, srv, "GET /orders within its method throttle", "prod", "/orders", a, 200, "")
	k.expect(t, srv, "GET /orders past its method throttle", "prod", "/orders", a, 429, tooMany)
	k.expect(t, srv, "another key's own method bucket", "prod", "/orders", b, 200, "")
	k.expect(t, srv, "the plan throttle, second token", "prod", "/pets", a, 200, "")
	k.expect(t, srv, "the plan throttle, third token", "prod", "/pets", a, 200, "")
	k.expect(t, srv, "the plan throttle spent", "prod", "/pets", a, 429, tooMany)
	k.expect(t, srv, "the other key's plan bucket", "prod", "/pets", b, 200, "")
	srv.Advance(time.Second)
	k.expect(t, srv, "a token back after a second", "prod", "/pets", a, 200, "")
	k.expect(t, srv, "and only one", "prod", "/pets", a, 429, tooMany)
}

// A key's quota counts its requests over the plan's stages; past it the
// key gets 429 Limit Exceeded until the next period. The count survives a
// restart, GetUsage reports it by day, and UpdateUsage changes what is
// left.
func TestRESTUsagePlanQuota(t *testing.T) {
	srv := servertest.Start(t, servertest.DataDir(t.TempDir()))
	k := newKeyedAPI(t, srv)
	gw := k.gw
	plan, err := gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("p"),
		Quota:     &agtypes.QuotaSettings{Limit: 3, Period: agtypes.QuotaPeriodTypeDay},
		ApiStages: []agtypes.ApiStage{{ApiId: aws.String(k.id), Stage: aws.String("prod")}, {ApiId: aws.String(k.id), Stage: aws.String("test")}}})
	restMust(t, err)
	key, err := gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("q"), Enabled: true, Value: aws.String(testKeyBody + "q")})
	restMust(t, err)
	_, err = gw.CreateUsagePlanKey(restCtx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")})
	restMust(t, err)
	v := aws.ToString(key.Value)

	k.expect(t, srv, "first", "prod", "/pets", v, 200, "")
	k.expect(t, srv, "second, another stage", "test", "/orders", v, 200, "")
	k.expect(t, srv, "third", "prod", "/orders", v, 200, "")
	k.expect(t, srv, "past the quota", "prod", "/pets", v, 429, overQuota)
	k.expect(t, srv, "past the quota, another stage", "test", "/pets", v, 429, overQuota)

	usage, err := gw.GetUsage(restCtx, &apigateway.GetUsageInput{UsagePlanId: plan.Id, StartDate: aws.String("2026-01-01"), EndDate: aws.String("2026-01-02")})
	restMust(t, err)
	if got := usage.Items[aws.ToString(key.Id)]; len(got) != 2 || got[0][0] != 3 || got[0][1] != 0 || got[1][0] != 0 {
		t.Fatalf("GetUsage: %v", usage.Items)
	}

	srv = srv.Restart()
	k.srv, k.gw = srv, srv.APIGateway()
	gw = k.gw
	k.expect(t, srv, "still past the quota after a restart", "prod", "/pets", v, 429, overQuota)

	// Two more today.
	upd, err := gw.UpdateUsage(restCtx, &apigateway.UpdateUsageInput{UsagePlanId: plan.Id, KeyId: key.Id,
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/remaining"), Value: aws.String("2")}}})
	restMust(t, err)
	if got := upd.Items[aws.ToString(key.Id)]; len(got) != 1 || got[0][1] != 2 {
		t.Fatalf("UpdateUsage answered %v", upd.Items)
	}
	k.expect(t, srv, "granted one", "prod", "/pets", v, 200, "")
	k.expect(t, srv, "granted two", "prod", "/pets", v, 200, "")
	k.expect(t, srv, "the grant spent", "prod", "/pets", v, 429, overQuota)
	_, err = gw.UpdateUsage(restCtx, &apigateway.UpdateUsageInput{UsagePlanId: plan.Id, KeyId: key.Id,
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/used"), Value: aws.String("2")}}})
	awsErr(t, err, "BadRequestException", "Invalid patch path")

	// A new day is a new period.
	srv.Advance(24 * time.Hour)
	k.expect(t, srv, "the next day", "prod", "/pets", v, 200, "")
	usage, err = gw.GetUsage(restCtx, &apigateway.GetUsageInput{UsagePlanId: plan.Id, KeyId: key.Id,
		StartDate: aws.String("2026-01-01"), EndDate: aws.String("2026-01-02")})
	restMust(t, err)
	if got := usage.Items[aws.ToString(key.Id)]; len(got) != 2 || got[0][0] != 5 || got[1][0] != 1 || got[1][1] != 2 {
		t.Fatalf("GetUsage over two days: %v", usage.Items)
	}
	_, err = gw.GetUsage(restCtx, &apigateway.GetUsageInput{UsagePlanId: plan.Id, StartDate: aws.String("2026-01-03"), EndDate: aws.String("2026-01-01")})
	awsErr(t, err, "BadRequestException", "end date")
}

// TestRESTUsagePlanQuotaOffset checks that a quota's offset comes off the
// period the plan was made in, and only that one.
func TestRESTUsagePlanQuotaOffset(t *testing.T) {
	srv := servertest.Start(t)
	k := newKeyedAPI(t, srv)
	gw := k.gw
	plan, err := gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("p"),
		Quota:     &agtypes.QuotaSettings{Limit: 5, Offset: 2, Period: agtypes.QuotaPeriodTypeDay},
		ApiStages: []agtypes.ApiStage{{ApiId: aws.String(k.id), Stage: aws.String("prod")}}})
	restMust(t, err)
	key, err := gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("o"), Enabled: true, Value: aws.String(testKeyBody + "o")})
	restMust(t, err)
	_, err = gw.CreateUsagePlanKey(restCtx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")})
	restMust(t, err)
	v := aws.ToString(key.Value)

	for i := range 3 {
		k.expect(t, srv, fmt.Sprintf("first period, request %d of limit 5 less offset 2", i+1), "prod", "/pets", v, 200, "")
	}
	k.expect(t, srv, "first period, past limit less offset", "prod", "/pets", v, 429, overQuota)

	srv.Advance(24 * time.Hour)
	for i := range 5 {
		k.expect(t, srv, fmt.Sprintf("second period, request %d of the full limit 5", i+1), "prod", "/pets", v, 200, "")
	}
	k.expect(t, srv, "second period, past the full limit", "prod", "/pets", v, 429, overQuota)
}
