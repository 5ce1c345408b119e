package gatehouse_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse"
	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// restEchoPython answers with the event it was sent, as its body.
const restEchoPython = `import json

def lambda_handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"X-Fn": "python"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": json.dumps(event),
    }
`

// restAnswerPython answers with the document the client sent.
const restAnswerPython = `import json

def lambda_handler(event, context):
    return json.loads(event["body"])
`

// restSlowPython answers after 2.5 s, within Lambda's default 3 s
// function timeout but long after its method's integration timeout.
const restSlowPython = `import time

def lambda_handler(event, context):
    time.sleep(2.5)
    return {"statusCode": 200, "body": "late"}
`

// restOrdersNode is a non-proxy function: it reads the payload a request
// template made and fails with messages the integration responses match.
const restOrdersNode = `exports.handler = async (event) => {
  if (!event.item) throw new Error("Bad request: no item");
  if (event.item === "boom") throw new Error("Unexpected");
  return {total: 3, id: event.id, item: event.item, stage: event.stage};
};
`

// restEchoGo reads the event with aws-lambda-go's own types.
const restEchoGo = `package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	b, _ := json.Marshal(map[string]string{
		"resource": ev.Resource, "path": ev.Path, "method": ev.HTTPMethod, "id": ev.PathParameters["id"],
		"stage": ev.RequestContext.Stage, "sourceIp": ev.RequestContext.Identity.SourceIP, "apiId": ev.RequestContext.APIID,
	})
	return events.APIGatewayProxyResponse{StatusCode: 203, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(b)}, nil
}

func main() { lambda.Start(handler) }
`

// restFunction creates a function and waits until Lambda reports it
// Active, moving the server's clock past the engine's activation delay.
func restFunction(t *testing.T, srv *servertest.Server, name, runtime, handler string, zip []byte) string {
	t.Helper()
	fn := srv.Lambda()
	out, err := fn.CreateFunction(restCtx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: lambdatypes.Runtime(runtime),
		Handler: aws.String(handler), Role: aws.String("arn:aws:iam::000000000000:role/" + name), Code: &lambdatypes.FunctionCode{ZipFile: zip}})
	restMust(t, err)
	for range 3 {
		srv.Advance(gatehouse.DefaultFunctionDelay)
		got, err := fn.GetFunctionConfiguration(restCtx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		restMust(t, err)
		if got.State == lambdatypes.StateActive {
			return aws.ToString(out.FunctionArn)
		}
	}
	t.Fatalf("function %s never became Active", name)
	return ""
}

func lambdaURI(arn string) *string {
	return aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + arn + "/invocations")
}

// A REST API integrates real functions: a Python function by proxy (the
// event it echoes is REST's proxy event), a Node.js function by mapping
// template with its errors mapped by selection pattern, a Go function
// built with aws-lambda-go reading the event with that library's types,
// and a function without an invoke permission, which answers 500 and
// logs the permission error.
func TestRESTLambdaIntegrations(t *testing.T) {
	lambdatest.RequirePython(t, "3")
	lambdatest.RequireNode(t)
	logs := &errorLog{}
	srv := servertest.Start(t, servertest.Log(slog.New(logs)))
	gw, fn := srv.APIGateway(), srv.Lambda()

	py := restFunction(t, srv, "echo-py", "python3.11", "lambda_function.lambda_handler", lambdatest.PythonFunction(t, restEchoPython))
	node := restFunction(t, srv, "orders-node", "nodejs20.x", "index.handler", lambdatest.NodeFunction(t, restOrdersNode))
	golang := restFunction(t, srv, "echo-go", "provided.al2023", "bootstrap", lambdatest.GoFunction(t, restEchoGo))
	locked := restFunction(t, srv, "locked", "python3.11", "lambda_function.lambda_handler", lambdatest.PythonFunction(t, restEchoPython))
	answer := restFunction(t, srv, "answer-py", "python3.11", "lambda_function.lambda_handler", lambdatest.PythonFunction(t, restAnswerPython))
	slow := restFunction(t, srv, "slow", "python3.11", "lambda_function.lambda_handler", lambdatest.PythonFunction(t, restSlowPython))

	api, err := gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("lambdas")})
	restMust(t, err)
	id := aws.ToString(api.Id)
	resource := func(parent *string, part string) *string {
		r, err := gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: parent, PathPart: aws.String(part)})
		restMust(t, err)
		return r.Id
	}
	method := func(res *string, verb string, integ apigateway.PutIntegrationInput) {
		_, err := gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String(verb), AuthorizationType: aws.String("NONE")})
		restMust(t, err)
		integ.RestApiId, integ.ResourceId, integ.HttpMethod = api.Id, res, aws.String(verb)
		_, err = gw.PutIntegration(restCtx, &integ)
		restMust(t, err)
	}
	proxy := func(arn string) apigateway.PutIntegrationInput {
		return apigateway.PutIntegrationInput{Type: agtypes.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"), Uri: lambdaURI(arn)}
	}
	pyRes := resource(resource(api.RootResourceId, "py"), "{proxy+}")
	method(pyRes, "ANY", proxy(py))
	order := resource(resource(api.RootResourceId, "orders"), "{id}")
	method(order, "GET", proxy(golang))
	method(order, "POST", apigateway.PutIntegrationInput{Type: agtypes.IntegrationTypeAws, IntegrationHttpMethod: aws.String("POST"), Uri: lambdaURI(node),
		RequestTemplates: map[string]string{"application/json": `{"id": "$input.params('id')", "item": "$input.path('$.item')", "stage": "$context.stage"}`}})
	for _, code := range []string{"200", "400"} {
		_, err = gw.PutMethodResponse(restCtx, &apigateway.PutMethodResponseInput{RestApiId: api.Id, ResourceId: order, HttpMethod: aws.String("POST"),
			StatusCode: aws.String(code), ResponseParameters: map[string]bool{"method.response.header.X-Error-Type": false}})
		restMust(t, err)
	}
	_, err = gw.PutIntegrationResponse(restCtx, &apigateway.PutIntegrationResponseInput{RestApiId: api.Id, ResourceId: order, HttpMethod: aws.String("POST"),
		StatusCode: aws.String("200")})
	restMust(t, err)
	_, err = gw.PutIntegrationResponse(restCtx, &apigateway.PutIntegrationResponseInput{RestApiId: api.Id, ResourceId: order, HttpMethod: aws.String("POST"),
		StatusCode: aws.String("400"), SelectionPattern: aws.String("Bad request.*"),
		ResponseParameters: map[string]string{"method.response.header.X-Error-Type": "integration.response.body.errorType"},
		ResponseTemplates:  map[string]string{"application/json": `{"problem": "$input.path('$.errorMessage')"}`}})
	restMust(t, err)
	method(resource(api.RootResourceId, "locked"), "GET", proxy(locked))
	method(resource(api.RootResourceId, "answer"), "POST", proxy(answer))
	// The slow function outlasts its method's 100 ms integration timeout.
	slowProxy := proxy(slow)
	slowProxy.TimeoutInMillis = aws.Int32(100)
	method(resource(api.RootResourceId, "slow"), "GET", slowProxy)

	// Each function lets this API's methods invoke it, by source ARN
	// patterns of the kinds the console and CloudFormation write.
	for _, p := range []struct{ name, source string }{
		{"echo-py", "arn:aws:execute-api:us-east-1:000000000000:" + id + "/*/*/py/*"},
		{"orders-node", "arn:aws:execute-api:us-east-1:000000000000:" + id + "/prod/POST/orders/{id}"},
		{"echo-go", "arn:aws:execute-api:us-east-1:000000000000:" + id + "/*/GET/orders/*"},
		{"locked", "arn:aws:execute-api:us-east-1:000000000000:someotherapi/*/GET/locked"},
		{"slow", "arn:aws:execute-api:us-east-1:000000000000:" + id + "/*/*/*"},
		{"answer-py", "arn:aws:execute-api:us-east-1:000000000000:" + id + "/*/POST/answer"},
	} {
		_, err := fn.AddPermission(restCtx, &lambda.AddPermissionInput{FunctionName: aws.String(p.name), StatementId: aws.String("apigateway"),
			Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"), SourceArn: aws.String(p.source)})
		restMust(t, err)
	}
	_, err = gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod"),
		Variables: map[string]string{"tier": "gold"}})
	restMust(t, err)

	// Python, by proxy: the event is REST's.
	t.Run("python proxy", func(t *testing.T) {
		r := templateCall(t, srv, id, "GET", "/py/a/b?x=1&x=2", "", "", "")
		if r.status != 200 || r.header.Get("X-Fn") != "python" || !reflect.DeepEqual(r.header.Values("Set-Cookie"), []string{"a=1", "b=2"}) {
			t.Fatalf("python proxy: %d %v %s\n%s", r.status, r.header, r.body, logs.all())
		}
		var ev struct {
			Resource, Path, HTTPMethod      string
			PathParameters, StageVariables  map[string]string
			QueryStringParameters           map[string]string
			MultiValueQueryStringParameters map[string][]string
			Body                            *string
			IsBase64Encoded                 bool
			RequestContext                  map[string]any
			Headers                         map[string]string
		}
		if err := json.Unmarshal([]byte(r.body), &ev); err != nil {
			t.Fatalf("python's event: %v: %s", err, r.body)
		}
		rc := ev.RequestContext
		if ev.Resource != "/py/{proxy+}" || ev.Path != "/py/a/b" || ev.HTTPMethod != "GET" || ev.PathParameters["proxy"] != "a/b" ||
			ev.StageVariables["tier"] != "gold" || ev.QueryStringParameters["x"] != "2" || !reflect.DeepEqual(ev.MultiValueQueryStringParameters["x"], []string{"1", "2"}) ||
			ev.Body != nil || ev.IsBase64Encoded || rc["stage"] != "prod" || rc["path"] != "/prod/py/a/b" || rc["apiId"] != id ||
			rc["accountId"] != "000000000000" || rc["requestId"] != r.header.Get("X-Amzn-Requestid") ||
			rc["identity"].(map[string]any)["sourceIp"] != "127.0.0.1" || ev.Headers["Host"] == "" {
			t.Fatalf("python's event: %s", r.body)
		}
	})

	// Node.js, by mapping template: an answer, a mapped error, an error
	// no pattern matches.
	t.Run("node mapping template", func(t *testing.T) {
		for _, c := range []struct {
			what, body string
			status     int
			want       string
			errType    string
		}{
			{"answer", `{"item": "tea"}`, 200, `{"total":3,"id":"7","item":"tea","stage":"prod"}`, ""},
			{"mapped error", `{"item": ""}`, 400, `{"problem": "Bad request: no item"}`, "Error"},
		} {
			r := templateCall(t, srv, id, "POST", "/orders/7", "application/json", "", c.body)
			if r.status != c.status || r.body != c.want || r.header.Get("X-Error-Type") != c.errType {
				t.Errorf("node %s: %d %q %q, want %d %q", c.what, r.status, r.body, r.header.Get("X-Error-Type"), c.status, c.want)
			}
		}
		r := templateCall(t, srv, id, "POST", "/orders/7", "application/json", "", `{"item": "boom"}`)
		var lambdaErr struct{ ErrorMessage, ErrorType string }
		if err := json.Unmarshal([]byte(r.body), &lambdaErr); err != nil || r.status != 200 || lambdaErr.ErrorMessage != "Unexpected" || lambdaErr.ErrorType != "Error" {
			t.Errorf("node's unmapped error: %d %s", r.status, r.body)
		}
	})

	// Go, by proxy, read with aws-lambda-go's types.
	t.Run("go proxy", func(t *testing.T) {
		r := templateCall(t, srv, id, "GET", "/orders/9", "", "", "")
		var seen map[string]string
		if err := json.Unmarshal([]byte(r.body), &seen); err != nil || r.status != 203 || seen["resource"] != "/orders/{id}" || seen["path"] != "/orders/9" ||
			seen["method"] != "GET" || seen["id"] != "9" || seen["stage"] != "prod" || seen["sourceIp"] != "127.0.0.1" || seen["apiId"] != id {
			t.Errorf("go proxy: %d %s", r.status, r.body)
		}
	})

	// A function whose policy names another API: 500, and the log says why.
	t.Run("no permission", func(t *testing.T) {
		r := templateCall(t, srv, id, "GET", "/locked", "", "", "")
		if r.status != http.StatusInternalServerError || r.body != `{"message":"Internal server error"}` {
			t.Errorf("no permission: %d %s", r.status, r.body)
		}
		if !strings.Contains(logs.all(), "Invalid permissions on Lambda function") ||
			!strings.Contains(logs.all(), "source_arn=arn:aws:execute-api:us-east-1:000000000000:"+id+"/prod/GET/locked") {
			t.Errorf("no permission error logged:\n%s", logs.all())
		}
	})

	// A proxy answer is read as REST reads it: a member REST does not
	// know is a malformed proxy response, a missing statusCode a 200.
	t.Run("proxy answer members", func(t *testing.T) {
		r := templateCall(t, srv, id, "POST", "/answer", "application/json", "", `{"statusCode": 200, "body": "ok", "wrongValue": "value"}`)
		if r.status != http.StatusBadGateway || r.body != `{"message":"Internal server error"}` ||
			!strings.Contains(logs.all(), "Execution failed due to configuration error: Malformed Lambda proxy response") {
			t.Errorf("an unknown member: %d %s\n%s", r.status, r.body, logs.all())
		}
		r = templateCall(t, srv, id, "POST", "/answer", "application/json", "", `{"headers": {"X-Only": "headers", "X-On": true}, "body": "ok"}`)
		if r.status != http.StatusOK || r.body != "ok" || r.header.Get("X-Only") != "headers" || r.header.Get("X-On") != "true" {
			t.Errorf("no statusCode: %d %v %s", r.status, r.header, r.body)
		}
	})

	// A function still running when the integration timeout passes.
	t.Run("integration timeout", func(t *testing.T) {
		r := templateCall(t, srv, id, "GET", "/slow", "", "", "")
		if r.status != http.StatusGatewayTimeout || r.body != `{"message":"Endpoint request timed out"}` {
			t.Errorf("timeout: %d %s", r.status, r.body)
		}
	})
}

// restJobPython waits as long as its event asks, then says what it
// handled in its log and answers with it.
const restJobPython = `import json, time

def lambda_handler(event, context):
    time.sleep(event.get("wait") or 0)
    print("handled " + json.dumps(event, sort_keys=True))
    return {"handled": event.get("item")}
`

// functionLines hands on the log lines functions print that start with
// prefix, with the request id the engine logs them under.
type functionLines struct {
	prefix string
	lines  chan [2]string
}

func (l *functionLines) Enabled(context.Context, slog.Level) bool { return true }
func (l *functionLines) Handle(_ context.Context, r slog.Record) error {
	if !strings.HasPrefix(r.Message, l.prefix) {
		return nil
	}
	id := ""
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "requestId" {
			id = a.Value.String()
		}
		return true
	})
	select {
	case l.lines <- [2]string{r.Message, id}:
	default:
	}
	return nil
}
func (l *functionLines) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *functionLines) WithGroup(string) slog.Handler      { return l }

// An AWS integration whose requestParameters map X-Amz-Invocation-Type
// from a method request header lets the client choose: with Event the
// function is invoked asynchronously, through Lambda's own queue of
// events, and the method answers with Lambda's empty answer through its
// default integration response (Lambda's request id mapped from it), the
// function running under that id; with RequestResponse, or without the
// header, the function's answer is the method's.
func TestRESTLambdaAsyncInvocation(t *testing.T) {
	lambdatest.RequirePython(t, "3")
	lines := &functionLines{prefix: "handled ", lines: make(chan [2]string, 4)}
	srv := servertest.Start(t, servertest.Log(slog.New(lines)))
	gw, fn := srv.APIGateway(), srv.Lambda()
	restFunction(t, srv, "job", "python3.11", "lambda_function.lambda_handler", lambdatest.PythonFunction(t, restJobPython))

	api, err := gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("jobs")})
	restMust(t, err)
	res, err := gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("jobs")})
	restMust(t, err)
	_, err = gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("POST"),
		AuthorizationType: aws.String("NONE"), RequestParameters: map[string]bool{"method.request.header.InvocationType": false}})
	restMust(t, err)
	_, err = gw.PutIntegration(restCtx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("POST"),
		Type: agtypes.IntegrationTypeAws, IntegrationHttpMethod: aws.String("POST"), Uri: lambdaURI("arn:aws:lambda:us-east-1:000000000000:function:job"),
		RequestParameters: map[string]string{"integration.request.header.X-Amz-Invocation-Type": "method.request.header.InvocationType"},
		RequestTemplates:  map[string]string{"application/json": `{"item": $input.json('$.item'), "wait": $input.json('$.wait')}`}})
	restMust(t, err)
	_, err = gw.PutMethodResponse(restCtx, &apigateway.PutMethodResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("POST"),
		StatusCode: aws.String("200"), ResponseParameters: map[string]bool{"method.response.header.X-Lambda-Request-Id": false}})
	restMust(t, err)
	_, err = gw.PutIntegrationResponse(restCtx, &apigateway.PutIntegrationResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("POST"),
		StatusCode:         aws.String("200"),
		ResponseParameters: map[string]string{"method.response.header.X-Lambda-Request-Id": "integration.response.header.x-amzn-RequestId"},
		ResponseTemplates:  map[string]string{"application/json": `{"handled": "$input.path('$.handled')", "answer": "$util.escapeJavaScript($input.body)"}`}})
	restMust(t, err)
	_, err = fn.AddPermission(restCtx, &lambda.AddPermissionInput{FunctionName: aws.String("job"), StatementId: aws.String("apigateway"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
		SourceArn: aws.String("arn:aws:execute-api:us-east-1:000000000000:" + aws.ToString(api.Id) + "/*/POST/jobs")})
	restMust(t, err)
	_, err = gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")})
	restMust(t, err)
	id := aws.ToString(api.Id)

	call := func(invocationType, body string) templateReply {
		t.Helper()
		req, _ := http.NewRequestWithContext(restCtx, "POST", srv.URL()+"/restapis/"+id+"/prod/_user_request_/jobs", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if invocationType != "" {
			req.Header.Set("InvocationType", invocationType)
		}
		resp, err := http.DefaultClient.Do(req)
		restMust(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return templateReply{resp.StatusCode, resp.Header, string(b)}
	}

	// Event: the answer has nothing of the function's.
	r := call("Event", `{"item": "tea", "wait": 0.2}`)
	lambdaID := r.header.Get("X-Lambda-Request-Id")
	if r.status != http.StatusOK || r.body != `{"handled": "", "answer": ""}` || lambdaID == "" {
		t.Fatalf("Event: %d %v %s", r.status, r.header, r.body)
	}
	select {
	case got := <-lines.lines:
		if got[0] != `handled {"item": "tea", "wait": 0.2}` || got[1] != lambdaID {
			t.Fatalf("the function logged %q under %q, want the event under %q", got[0], got[1], lambdaID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the asynchronous invocation never ran")
	}

	// RequestResponse, and no header: the function's answer is mapped.
	for _, typ := range []string{"RequestResponse", ""} {
		r := call(typ, `{"item": "cake", "wait": 0}`)
		if r.status != http.StatusOK || r.body != `{"handled": "cake", "answer": "{\"handled\": \"cake\"}"}` || r.header.Get("X-Lambda-Request-Id") == "" {
			t.Fatalf("InvocationType %q: %d %s", typ, r.status, r.body)
		}
		<-lines.lines // printed before the function answered
	}
}
