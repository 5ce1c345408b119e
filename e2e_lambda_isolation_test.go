package gatehouse_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse"
	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// pythonProbe calls what the event names through AWS_ENDPOINT_URL, with
// the standard library only: the admin endpoints and an HTTP API's invoke
// URL, unsigned and signed, and Lambda's ListFunctions signed; it signs
// with SigV4 by the function's own credentials. It answers with each status and body.
const pythonProbe = `import datetime, hashlib, hmac, json, os, urllib.error, urllib.request

EP = os.environ["AWS_ENDPOINT_URL"]

def call(path, headers, base=EP):
    req = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return {"status": r.status, "body": r.read().decode()}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "body": e.read().decode()}
    except Exception as e:
        return {"status": 0, "body": repr(e)}

def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()

def signed_get(path, service, host=None):
    region = os.environ["AWS_REGION"]
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    host = host or EP.split("://", 1)[1].rstrip("/")
    payload = hashlib.sha256(b"").hexdigest()
    headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": amz_date,
               "x-amz-security-token": os.environ["AWS_SESSION_TOKEN"]}
    names = sorted(headers)
    canonical = "\n".join(["GET", path, "", "".join(n + ":" + headers[n] + "\n" for n in names), ";".join(names), payload])
    scope = "/".join([day, region, service, "aws4_request"])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + os.environ["AWS_SECRET_ACCESS_KEY"]).encode()
    for part in (day, region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    out = {n: v for n, v in headers.items()}
    out["Authorization"] = ("AWS4-HMAC-SHA256 Credential=" + os.environ["AWS_ACCESS_KEY_ID"] + "/" + scope +
                            ", SignedHeaders=" + ";".join(names) + ", Signature=" + signature)
    return call(path, out)

def lambda_handler(event, context):
    api = event["api"]
    return {
        "ca": call("/_gatehouse/ca.pem", {}),
        "explain": call("/_gatehouse/explain?api=" + api + "&stage=%24default&route=GET+%2Fhello", {}),
        "invokeHost": call("/hello", {"Host": api + ".execute-api.localhost"}),
        "invokePath": call("/_aws/execute-api/" + api + "/hello", {}),
        "caSigned": signed_get("/_gatehouse/ca.pem", "apigateway"),
        "invokeHostSigned": signed_get("/hello", "execute-api", api + ".execute-api.localhost"),
        "invokePathSigned": signed_get("/_aws/execute-api/" + api + "/hello", "apigateway"),
        "list": signed_get("/2015-03-31/functions", "lambda"),
        "mainCa": call("/_gatehouse/ca.pem", {}, event["main"]),
        "mainExplain": call("/_gatehouse/explain?api=" + api + "&stage=%24default&route=GET+%2Fhello", {}, event["main"]),
        "mainInvokePath": call("/_aws/execute-api/" + api + "/hello", {}, event["main"]),
    }
`

type probeAnswer struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// A function's AWS_ENDPOINT_URL serves the AWS APIs, signed with the
// function's credentials, and nothing else: not the admin endpoints, and
// not an HTTP API's invoke URL in either form, all of which gatehouse's
// own listener serves. A function that finds gatehouse's own listener
// reaches invoke URLs there, as anyone may, but not the admin endpoints.
func TestLambdaFunctionReachesOnlyTheAWSAPIs(t *testing.T) {
	lambdatest.RequirePython(t, "3")
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "backend answered") }))
	defer backend.Close()
	srv := servertest.Start(t, servertest.TLS(), servertest.FunctionDelay(-1), func(c *gatehouse.Config) {
		c.VerifySignatures, c.AccessKeys = true, map[string]string{"AKIDTEST": "secret"}
	})
	ctx := context.Background()
	gw := srv.APIGatewayV2()
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("probed"), ProtocolType: v2types.ProtocolTypeHttp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	integ, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: v2types.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("ANY"), IntegrationUri: aws.String(backend.URL), PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /hello"),
		Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))}); err != nil {
		t.Fatal(err)
	}
	apiID := aws.ToString(api.ApiId)

	// Each of them answers on gatehouse's own listener.
	get := func(path, host string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL()+path, nil)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/_gatehouse/ca.pem", ""); code != 200 || !strings.Contains(body, "BEGIN CERTIFICATE") {
		t.Fatalf("ca.pem on gatehouse's listener: %d %s", code, body)
	}
	if code, body := get("/_gatehouse/explain?api="+apiID+"&stage=%24default&route=GET+%2Fhello", ""); code != 200 || !strings.Contains(body, backend.URL) {
		t.Fatalf("explain on gatehouse's listener: %d %s", code, body)
	}
	if code, body := get("/hello", apiID+".execute-api.localhost"); code != 200 || body != "backend answered" {
		t.Fatalf("the invoke URL on gatehouse's listener: %d %s", code, body)
	}
	if code, body := get("/_aws/execute-api/"+apiID+"/hello", ""); code != 200 || body != "backend answered" {
		t.Fatalf("the invoke path on gatehouse's listener: %d %s", code, body)
	}

	lc := srv.Lambda()
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("probe"),
		Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Runtime: ltypes.RuntimePython312,
		Handler: aws.String("lambda_function.lambda_handler"), Code: &ltypes.FunctionCode{ZipFile: lambdatest.PythonFunction(t, pythonProbe)}}); err != nil {
		t.Fatal(err)
	}
	out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("probe"), Payload: []byte(`{"api":"` + apiID + `","main":"` + srv.URL() + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out.FunctionError != nil {
		t.Fatalf("the probe failed: %s", out.Payload)
	}
	var seen map[string]probeAnswer
	if err := json.Unmarshal(out.Payload, &seen); err != nil {
		t.Fatalf("%v: %s", err, out.Payload)
	}

	// The AWS API answers, signature verified.
	if l := seen["list"]; l.Status != 200 || !strings.Contains(l.Body, `"FunctionName":"probe"`) {
		t.Errorf("ListFunctions from the function: %d %s", l.Status, l.Body)
	}
	// The rest are refused in AWS's shape: unsigned, as missing a
	// signature; signed, as operations no AWS service has.
	for k, want := range map[string]int{"ca": 403, "explain": 403, "invokeHost": 403, "invokePath": 403,
		"caSigned": 404, "invokeHostSigned": 404, "invokePathSigned": 404} {
		a := seen[k]
		if a.Status != want {
			t.Errorf("%s from the function: %d %s, want %d", k, a.Status, a.Body, want)
		}
		var shape struct {
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(a.Body), &shape); err != nil || shape.Message == "" {
			t.Errorf("%s from the function: %q is not an AWS error document", k, a.Body)
		}
		if strings.Contains(a.Body, "CERTIFICATE") || strings.Contains(a.Body, backend.URL) || strings.Contains(a.Body, "backend answered") {
			t.Errorf("%s from the function reached past the AWS APIs: %s", k, a.Body)
		}
	}
	for _, k := range []string{"mainCa", "mainExplain"} {
		if a := seen[k]; a.Status != 404 || strings.Contains(a.Body, "CERTIFICATE") || strings.Contains(a.Body, backend.URL) {
			t.Errorf("%s from the function: %d %s, want 404", k, a.Status, a.Body)
		}
	}
	if a := seen["mainInvokePath"]; a.Status != 200 || a.Body != "backend answered" {
		t.Errorf("the invoke path on gatehouse's listener from the function: %d %s", a.Status, a.Body)
	}
	// And the admin endpoints still answer everyone else.
	if code, body := get("/_gatehouse/ca.pem", ""); code != 200 || !strings.Contains(body, "BEGIN CERTIFICATE") {
		t.Fatalf("ca.pem on gatehouse's listener after the function: %d %s", code, body)
	}
}
