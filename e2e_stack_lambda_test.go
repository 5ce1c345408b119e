package gatehouse_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// functionStack is a Python function from inline source behind an HTTP
// API route (AWS_PROXY, payload format 2.0) and a REST API method
// (AWS_PROXY), each with the permission API Gateway needs.
const functionStack = `
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !Sub arn:aws:iam::${AWS::AccountId}:role/answer
      Environment: {Variables: {WHO: stack}}
      Code:
        ZipFile: |
          import os

          def handler(event, context):
              return {"statusCode": 200, "headers": {"content-type": "text/plain"},
                      "body": "one for " + os.environ["WHO"]}
  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: answers
      ProtocolType: HTTP
  HttpIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Http
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
      PayloadFormatVersion: "2.0"
  HttpRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Http
      RouteKey: GET /answer
      Target: !Sub integrations/${HttpIntegration}
  HttpStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Http
      StageName: $default
      AutoDeploy: true
  HttpAllow:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Fn.Arn
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Http}/*/*
Outputs:
  HttpId:
    Value: !Ref Http
  Function:
    Value: !Ref Fn
`

// TestStackLambdaBehindHTTPAPI: a stack makes a function from inline
// source and an HTTP API whose route invokes it; the invoke URL answers
// with the function's answer; an update of the inline source changes the
// answer, the function updated in place; deleting the stack deletes the
// function.
func TestStackLambdaBehindHTTPAPI(t *testing.T) {
	lambdatest.RequirePython(t, "3")
	srv := servertest.Start(t, servertest.FunctionDelay(-1))
	c := srv.CloudFormation()
	fns := lambda.NewFromConfig(srv.AWSConfig())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	_, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("answers"), TemplateBody: aws.String(functionStack)})
	restMust(t, err)
	if st := waitSettled(t, c, "answers"); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("create: %s\n%s", st.StackStatus, eventLines(t, c, "answers"))
	}
	out := outputsOf(stackStatus(t, c, "answers"))
	name, api := out["Function"], out["HttpId"]
	if !strings.HasPrefix(name, "answers-Fn-") || len(name) > 64 {
		t.Errorf("function name %q, want answers-Fn-<random> within 64 characters", name)
	}
	got, err := fns.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &name})
	restMust(t, err)
	if got.Configuration.State != lambdatypes.StateActive || got.Tags["aws:cloudformation:logical-id"] != "Fn" {
		t.Fatalf("function after create: state %s, tags %v", got.Configuration.State, got.Tags)
	}
	// A user may tag a stack's function: its aws:cloudformation: tags
	// stay, and are no reason to refuse.
	_, err = fns.TagResource(ctx, &lambda.TagResourceInput{Resource: got.Configuration.FunctionArn, Tags: map[string]string{"team": "answers"}})
	restMust(t, err)
	restMust(t, srv.Sync(ctx))
	if a := invoke(t, srv, api, "/answer"); a.status != 200 || a.body != "one for stack" {
		t.Fatalf("GET /answer = %d %q, want the function's answer", a.status, a.body)
	}

	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("answers"),
		TemplateBody: aws.String(strings.Replace(functionStack, `"one for "`, `"two for "`, 1))})
	restMust(t, err)
	if st := waitSettled(t, c, "answers"); st.StackStatus != cfntypes.StackStatusUpdateComplete {
		t.Fatalf("update: %s\n%s", st.StackStatus, eventLines(t, c, "answers"))
	}
	if now := physicalID(t, c, "answers", "Fn"); now != name {
		t.Errorf("the function was replaced (%s, then %s); new code changes it in place", name, now)
	}
	restMust(t, srv.Sync(ctx))
	if a := invoke(t, srv, api, "/answer"); a.status != 200 || a.body != "two for stack" {
		t.Fatalf("GET /answer after the update = %d %q, want the new code's answer", a.status, a.body)
	}

	_, err = c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("answers")})
	restMust(t, err)
	waitDeleted(t, c, "answers")
	var nf *lambdatypes.ResourceNotFoundException
	if _, err := fns.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &name}); !errors.As(err, &nf) {
		t.Fatalf("GetFunction after the stack's delete: %v, want ResourceNotFoundException", err)
	}
}

// restFunctionStack is a Python function, a version of it and an alias
// naming that version, behind a REST API method whose AWS_PROXY
// integration invokes the alias, with a permission for the alias.
const restFunctionStack = `
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !Sub arn:aws:iam::${AWS::AccountId}:role/answer
      Code:
        ZipFile: |
          def handler(event, context):
              return {"statusCode": 200, "body": "version one of " + event["resource"]}
  V1:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      Name: live
      FunctionVersion: !GetAtt V1.Version
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: answers
  Answer:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Rest
      ParentId: !GetAtt Rest.RootResourceId
      PathPart: answer
  GetAnswer:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Rest
      ResourceId: !Ref Answer
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Live}/invocations
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: GetAnswer
    Properties:
      RestApiId: !Ref Rest
      StageName: prod
  RestAllow:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Live
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Rest}/*/GET/answer
Outputs:
  RestId:
    Value: !Ref Rest
  Function:
    Value: !Ref Fn
  Alias:
    Value: !Ref Live
`

// TestStackLambdaBehindRESTAPI: a REST API method invokes a function's
// alias, which names a published version; new inline code changes
// $LATEST but not what the alias serves, until the version is replaced
// (a new Description publishes another) and the alias follows it.
func TestStackLambdaBehindRESTAPI(t *testing.T) {
	lambdatest.RequirePython(t, "3")
	srv := servertest.Start(t, servertest.FunctionDelay(-1))
	c := srv.CloudFormation()
	fns := lambda.NewFromConfig(srv.AWSConfig())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	apply := func(body string, create bool, want cfntypes.StackStatus) {
		t.Helper()
		var err error
		if create {
			_, err = c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("rest-answers"), TemplateBody: aws.String(body)})
		} else {
			_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("rest-answers"), TemplateBody: aws.String(body)})
		}
		restMust(t, err)
		if st := waitSettled(t, c, "rest-answers"); st.StackStatus != want {
			t.Fatalf("%s, want %s\n%s", st.StackStatus, want, eventLines(t, c, "rest-answers"))
		}
		restMust(t, srv.Sync(ctx))
	}
	apply(restFunctionStack, true, cfntypes.StackStatusCreateComplete)
	out := outputsOf(stackStatus(t, c, "rest-answers"))
	if !strings.HasSuffix(out["Alias"], ":function:"+out["Function"]+":live") {
		t.Errorf("alias Ref %q, want the alias ARN of %s", out["Alias"], out["Function"])
	}
	if r := restInvoke(t, srv, out["RestId"], "prod", "/answer", false); r.status != 200 || r.body != "version one of /answer" {
		t.Fatalf("GET /prod/answer = %d %q", r.status, r.body)
	}

	// New code: $LATEST changes, the alias still serves version 1.
	two := strings.Replace(restFunctionStack, `"version one of "`, `"version two of "`, 1)
	apply(two, false, cfntypes.StackStatusUpdateComplete)
	if r := restInvoke(t, srv, out["RestId"], "prod", "/answer", false); r.body != "version one of /answer" {
		t.Fatalf("after new code, the alias serves %d %q; want version 1 still", r.status, r.body)
	}
	// A new description replaces the version: version 2 is published,
	// the alias moves to it in place, version 1 is deleted.
	apply(strings.Replace(two, "      FunctionName: !Ref Fn\n  Live:", "      FunctionName: !Ref Fn\n      Description: two\n  Live:", 1),
		false, cfntypes.StackStatusUpdateComplete)
	if r := restInvoke(t, srv, out["RestId"], "prod", "/answer", false); r.status != 200 || r.body != "version two of /answer" {
		t.Fatalf("after the new version, GET /prod/answer = %d %q", r.status, r.body)
	}
	versions, err := fns.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String(out["Function"])})
	restMust(t, err)
	var got []string
	for _, v := range versions.Versions {
		got = append(got, aws.ToString(v.Version))
	}
	if strings.Join(got, " ") != "$LATEST 2" {
		t.Errorf("versions %v, want $LATEST and 2: the replaced version is deleted", got)
	}

	_, err = c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("rest-answers")})
	restMust(t, err)
	waitDeleted(t, c, "rest-answers")
	var nf *lambdatypes.ResourceNotFoundException
	if _, err := fns.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(out["Function"])}); !errors.As(err, &nf) {
		t.Fatalf("GetFunction after the stack's delete: %v, want ResourceNotFoundException", err)
	}
}

// waitDeleted waits until the stack's delete is complete.
func waitDeleted(t *testing.T, c *cfn.Client, name string) {
	t.Helper()
	w := cfn.NewStackDeleteCompleteWaiter(c, func(o *cfn.StackDeleteCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 10*time.Millisecond
	})
	restMust(t, w.Wait(context.Background(), &cfn.DescribeStacksInput{StackName: aws.String(name)}, 30*time.Second))
}

// TestStackInlineNodeFunction: Node.js inline source is written to
// index.js, as CloudFormation writes it, so it runs as a CommonJS module
// under index.handler.
func TestStackInlineNodeFunction(t *testing.T) {
	lambdatest.RequireNode(t)
	srv := servertest.Start(t, servertest.FunctionDelay(-1))
	c := srv.CloudFormation()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const body = `
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: doubler
      Runtime: nodejs22.x
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/run
      Code:
        ZipFile: |
          exports.handler = async (event) => ({doubled: event.n * 2});
`
	_, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("node"), TemplateBody: aws.String(body)})
	restMust(t, err)
	if st := waitSettled(t, c, "node"); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("create: %s\n%s", st.StackStatus, eventLines(t, c, "node"))
	}
	out, err := lambda.NewFromConfig(srv.AWSConfig()).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("doubler"), Payload: []byte(`{"n": 21}`)})
	restMust(t, err)
	if out.FunctionError != nil || string(out.Payload) != `{"doubled":42}` {
		t.Fatalf("Invoke = %q (error %v), want {\"doubled\":42}", out.Payload, aws.ToString(out.FunctionError))
	}
}
