package gatehouse_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse/internal/lambda/lambdatest"
)

// tokenAuthorizer is a Node.js TOKEN authorizer: "allow-all" may call
// every method of the stage, other "allow-*" tokens may GET /pets (and
// nothing else), "deny-*" ones are denied it explicitly,
// "unauthorized" fails as AWS's 401, anything else breaks. Each answer
// carries a nonce, so a cached answer shows as a repeated one.
const tokenAuthorizer = `
const crypto = require('crypto');
exports.handler = async (event) => {
  const t = event.authorizationToken;
  if (t === 'unauthorized') throw new Error('Unauthorized');
  if (t === 'broken') throw new Error('no such user');
  const stage = event.methodArn.split('/').slice(0, 2).join('/');
  return {
    principalId: 'user-' + t,
    policyDocument: {Version: '2012-10-17', Statement: [{
      Action: 'execute-api:Invoke',
      Effect: t.startsWith('allow') ? 'Allow' : 'Deny',
      Resource: t.startsWith('allow-all') ? stage + '/*' : stage + '/GET/pets',
    }]},
    context: {nonce: crypto.randomUUID(), vip: t.endsWith('-vip'), n: 7},
  };
};
`

// requestAuthorizer is a Python REQUEST authorizer: X-Who alice may call
// anything of the stage, and gets tenant-bound API keys; anyone else is
// denied the whole stage explicitly.
const requestAuthorizer = `
import uuid

def lambda_handler(event, context):
    who = event["headers"].get("X-Who") or event["headers"].get("x-who")
    tenant = event["queryStringParameters"]["tenant"]
    arn = event["methodArn"].split("/")
    effect = "Allow" if who == "alice" else "Deny"
    resource = arn[0] + "/" + arn[1] + "/*"
    return {
        "principalId": who,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": [resource]}]},
        "context": {"tenant": tenant, "nonce": str(uuid.uuid4()), "path": event["path"]},
        "usageIdentifierKey": "tenant-key-" + tenant + "-0123456789",
    }
`

// authRig is a REST API whose methods answer, through MOCK integrations,
// what their authorizer passed on.
type authRig struct {
	*pubNet
	lam     *lambda.Client
	api     *apigateway.CreateRestApiOutput
	account string
}

// function makes a function and waits until it is Active.
func (r *authRig) function(name string, runtime ltypes.Runtime, handler string, zip []byte) string {
	r.t.Helper()
	arn := restFunction(r.t, r.srv, name, string(runtime), handler, zip)
	r.account = strings.Split(arn, ":")[4]
	return arn
}

// allowGateway lets API Gateway call fn for source, a part of the
// API's execute-api ARNs ("authorizers/*", "*/GET/whoami").
func (r *authRig) allowGateway(fn, source string) {
	r.t.Helper()
	_, err := r.lam.AddPermission(restCtx, &lambda.AddPermissionInput{FunctionName: aws.String(fn), StatementId: aws.String("apigateway"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
		SourceArn: aws.String("arn:aws:execute-api:us-east-1:" + r.account + ":" + aws.ToString(r.api.Id) + "/" + source)})
	r.must(err)
}

func (r *authRig) authorizer(name string, typ agtypes.AuthorizerType, fnARN, source string, ttl int32) *string {
	r.t.Helper()
	out, err := r.gw.CreateAuthorizer(restCtx, &apigateway.CreateAuthorizerInput{RestApiId: r.api.Id, Name: aws.String(name), Type: typ,
		AuthorizerUri:  aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnARN + "/invocations"),
		IdentitySource: aws.String(source), AuthorizerResultTtlInSeconds: aws.Int32(ttl)})
	r.must(err)
	return out.Id
}

// guarded puts GET on a new resource part, behind authorizer, answering
// with $context.authorizer through a MOCK integration.
func (r *authRig) guarded(part string, authorizer *string, keyed bool) {
	r.t.Helper()
	res, err := r.gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: r.api.Id, ParentId: r.api.RootResourceId, PathPart: aws.String(part)})
	r.must(err)
	get := aws.String("GET")
	_, err = r.gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: r.api.Id, ResourceId: res.Id, HttpMethod: get,
		AuthorizationType: aws.String("CUSTOM"), AuthorizerId: authorizer, ApiKeyRequired: keyed})
	r.must(err)
	_, err = r.gw.PutIntegration(restCtx, &apigateway.PutIntegrationInput{RestApiId: r.api.Id, ResourceId: res.Id, HttpMethod: get,
		Type: agtypes.IntegrationTypeMock, RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`}})
	r.must(err)
	_, err = r.gw.PutMethodResponse(restCtx, &apigateway.PutMethodResponseInput{RestApiId: r.api.Id, ResourceId: res.Id, HttpMethod: get, StatusCode: aws.String("200")})
	r.must(err)
	_, err = r.gw.PutIntegrationResponse(restCtx, &apigateway.PutIntegrationResponseInput{RestApiId: r.api.Id, ResourceId: res.Id, HttpMethod: get,
		StatusCode: aws.String("200"), ResponseTemplates: map[string]string{"application/json": `{"principal":"$context.authorizer.principalId",` +
			`"nonce":"$context.authorizer.nonce","vip":"$context.authorizer.vip","n":"$context.authorizer.n","tenant":"$context.authorizer.tenant","path":"$context.authorizer.path"}`}})
	r.must(err)
}

// call GETs path on the prod stage and returns the status and the body,
// decoded when it is the integration's answer.
func (r *authRig) call(path string, header map[string]string) (int, string, map[string]string) {
	r.t.Helper()
	status, _, body := r.send("GET", aws.ToString(r.api.Id)+".execute-api.localhost", "/prod"+path, "", header)
	var doc map[string]string
	json.Unmarshal([]byte(body), &doc)
	return status, body, doc
}

func newAuthRig(t *testing.T, keySource agtypes.ApiKeySourceType) *authRig {
	p := newPubNet(t)
	api, err := p.gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("guarded"), ApiKeySource: keySource})
	p.must(err)
	return &authRig{pubNet: p, lam: p.srv.Lambda(), api: api}
}

// A Node.js TOKEN authorizer allows, denies explicitly and implicitly,
// fails as 401 and 500, and its answers are cached for the TTL: a cached
// policy is judged again against each method it is used for.
func TestRESTTokenAuthorizerFunction(t *testing.T) {
	lambdatest.RequireNode(t)
	r := newAuthRig(t, "")
	fn := r.function("tokens", ltypes.RuntimeNodejs22x, "index.handler", lambdatest.NodeFunction(t, tokenAuthorizer))
	z := r.authorizer("tokens", agtypes.AuthorizerTypeToken, fn, "method.request.header.Authorization", 300)
	r.guarded("pets", z, false)
	r.guarded("admin", z, false)
	r.allowGateway("tokens", "authorizers/*")
	// A Lambda proxy behind the same authorizer sees what it returned.
	whoami := r.function("whoami", ltypes.RuntimeNodejs22x, "index.handler", lambdatest.NodeFunction(t,
		`exports.handler = async (event) => ({statusCode: 200, body: JSON.stringify(event.requestContext.authorizer)});`))
	res, err := r.gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: r.api.Id, ParentId: r.api.RootResourceId, PathPart: aws.String("whoami")})
	r.must(err)
	_, err = r.gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: r.api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
		AuthorizationType: aws.String("CUSTOM"), AuthorizerId: z})
	r.must(err)
	_, err = r.gw.PutIntegration(restCtx, &apigateway.PutIntegrationInput{RestApiId: r.api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
		Type: agtypes.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"),
		Uri: aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + whoami + "/invocations")})
	r.must(err)
	r.allowGateway("whoami", "*/GET/whoami")
	r.deploy(r.api.Id)

	status, body, _ := r.call("/pets", nil)
	if status != 401 || body != `{"message":"Unauthorized"}` {
		t.Fatalf("no token: %d %s", status, body)
	}
	status, body, first := r.call("/pets", map[string]string{"Authorization": "allow-vip"})
	if status != 200 || first["principal"] != "user-allow-vip" || first["vip"] != "true" || first["n"] != "7" || first["nonce"] == "" {
		t.Fatalf("allowed: %d %s", status, body)
	}
	_, _, again := r.call("/pets", map[string]string{"Authorization": "allow-vip"})
	if again["nonce"] != first["nonce"] {
		t.Fatalf("the cached answer was not used: %v then %v", first, again)
	}
	// The cached policy names GET /pets only.
	if status, body, _ := r.call("/admin", map[string]string{"Authorization": "allow-vip"}); status != 403 ||
		body != `{"Message":"User is not authorized to access this resource"}` {
		t.Fatalf("cached policy, another method: %d %s", status, body)
	}
	if status, body, _ := r.call("/pets", map[string]string{"Authorization": "deny-1"}); status != 403 ||
		body != `{"Message":"User is not authorized to access this resource with an explicit deny"}` {
		t.Fatalf("explicit deny: %d %s", status, body)
	}
	if status, body, _ := r.call("/pets", map[string]string{"Authorization": "unauthorized"}); status != 401 || body != `{"message":"Unauthorized"}` {
		t.Fatalf("Unauthorized: %d %s", status, body)
	}
	if status, body, _ := r.call("/pets", map[string]string{"Authorization": "broken"}); status != 500 || body != `{"message":null}` {
		t.Fatalf("a failing authorizer: %d %s", status, body)
	}
	status, body, _ = r.call("/whoami", map[string]string{"Authorization": "allow-all"})
	var who map[string]any
	if err := json.Unmarshal([]byte(body), &who); status != 200 || err != nil || who["principalId"] != "user-allow-all" ||
		who["vip"] != "false" || who["n"] != "7" || who["nonce"] == "" {
		t.Fatalf("the proxy's requestContext.authorizer: %d %s", status, body)
	}
	if _, ok := who["integrationLatency"].(float64); !ok {
		t.Fatalf("integrationLatency: %s", body)
	}
	// Past the TTL the function is asked again.
	r.srv.Advance(301 * time.Second)
	_, _, later := r.call("/pets", map[string]string{"Authorization": "allow-vip"})
	if later["nonce"] == "" || later["nonce"] == first["nonce"] {
		t.Fatalf("past the TTL: %v then %v", first, later)
	}
}

// A Python REQUEST authorizer reads a header and a query string, keys its
// cache by both, and with apiKeySource AUTHORIZER its usageIdentifierKey
// is the API key a method requires. Without an invoke permission the
// authorizer fails as AWS's 500.
func TestRESTRequestAuthorizerFunction(t *testing.T) {
	lambdatest.RequirePython(t, "")
	r := newAuthRig(t, agtypes.ApiKeySourceTypeAuthorizer)
	fn := r.function("requests", ltypes.RuntimePython312, "lambda_function.lambda_handler", lambdatest.PythonFunction(t, requestAuthorizer))
	z := r.authorizer("requests", agtypes.AuthorizerTypeRequest, fn, "method.request.header.X-Who, method.request.querystring.tenant", 60)
	r.guarded("pets", z, false)
	r.guarded("keyed", z, true)
	r.deploy(r.api.Id)

	if status, body, _ := r.call("/pets?tenant=a", map[string]string{"X-Who": "alice"}); status != 500 || body != `{"message":null}` {
		t.Fatalf("without permission: %d %s", status, body)
	}
	r.allowGateway("requests", "authorizers/*")
	if status, body, _ := r.call("/pets", map[string]string{"X-Who": "alice"}); status != 401 {
		t.Fatalf("no tenant: %d %s", status, body)
	}
	status, body, a := r.call("/pets?tenant=a", map[string]string{"X-Who": "alice"})
	if status != 200 || a["principal"] != "alice" || a["tenant"] != "a" || a["path"] != "/pets" {
		t.Fatalf("alice: %d %s", status, body)
	}
	if _, _, again := r.call("/pets?tenant=a", map[string]string{"X-Who": "alice"}); again["nonce"] != a["nonce"] {
		t.Fatalf("cache: %v then %v", a, again)
	}
	if _, _, b := r.call("/pets?tenant=b", map[string]string{"X-Who": "alice"}); b["tenant"] != "b" || b["nonce"] == a["nonce"] {
		t.Fatalf("another tenant is another identity: %v", b)
	}
	if status, body, _ := r.call("/pets?tenant=a", map[string]string{"X-Who": "bob"}); status != 403 ||
		body != `{"Message":"User is not authorized to access this resource with an explicit deny"}` {
		t.Fatalf("bob: %d %s", status, body)
	}

	// The key: tenant a's is on a plan for the stage, tenant b's is not.
	key, err := r.gw.CreateApiKey(restCtx, &apigateway.CreateApiKeyInput{Name: aws.String("tenant-a"), Value: aws.String("tenant-key-a-0123456789"), Enabled: true})
	r.must(err)
	plan, err := r.gw.CreateUsagePlan(restCtx, &apigateway.CreateUsagePlanInput{Name: aws.String("tenants"),
		ApiStages: []agtypes.ApiStage{{ApiId: r.api.Id, Stage: aws.String("prod")}}})
	r.must(err)
	_, err = r.gw.CreateUsagePlanKey(restCtx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")})
	r.must(err)
	r.sync()
	if status, body, _ := r.call("/keyed?tenant=a", map[string]string{"X-Who": "alice"}); status != 200 {
		t.Fatalf("tenant a's key: %d %s", status, body)
	}
	if status, body, _ := r.call("/keyed?tenant=b", map[string]string{"X-Who": "alice", "X-Api-Key": "tenant-key-a-0123456789"}); status != 403 || body != `{"message":"Forbidden"}` {
		t.Fatalf("tenant b's key, whatever the header says: %d %s", status, body)
	}
}
