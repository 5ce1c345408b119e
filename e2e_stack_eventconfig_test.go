package gatehouse_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"gatehouse/internal/servertest"
)

// asyncStack is a function whose asynchronous invocations are not
// retried and whose failures go to another function.
const asyncStack = `
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: worker
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/run
      Code:
        ZipFile: |
          def handler(event, context):
              raise Exception("no")
  Sink:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: failures
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/run
      Code:
        ZipFile: |
          def handler(event, context):
              return event
  Async:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Fn
      Qualifier: $LATEST
      MaximumRetryAttempts: 0
      DestinationConfig:
        OnFailure:
          Destination: !GetAtt Sink.Arn
Outputs:
  AsyncRef:
    Value: !Ref Async
`

// TestStackEventInvokeConfig creates an AWS::Lambda::EventInvokeConfig,
// updates it in place, and deletes it with the resource while the
// function stays.
func TestStackEventInvokeConfig(t *testing.T) {
	srv := servertest.Start(t, servertest.FunctionDelay(-1))
	c := srv.CloudFormation()
	l := srv.Lambda()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("async"), TemplateBody: aws.String(asyncStack)})
	restMust(t, err)
	st := waitSettled(t, c, "async")
	if st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("create: %s\n%s", st.StackStatus, eventLines(t, c, "async"))
	}
	if len(st.Outputs) != 1 || aws.ToString(st.Outputs[0].OutputValue) != "worker|$LATEST" {
		t.Fatalf("outputs %+v, want Ref worker|$LATEST", st.Outputs)
	}
	got, err := l.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("worker")})
	restMust(t, err)
	if aws.ToInt32(got.MaximumRetryAttempts) != 0 || got.MaximumRetryAttempts == nil || got.MaximumEventAgeInSeconds != nil ||
		aws.ToString(got.DestinationConfig.OnFailure.Destination) != "arn:aws:lambda:us-east-1:000000000000:function:failures" {
		t.Fatalf("config after create: %+v %+v", got, got.DestinationConfig)
	}

	// The retries dropped and an age given: the config is put whole.
	updated := strings.Replace(asyncStack, "      MaximumRetryAttempts: 0\n", "      MaximumEventAgeInSeconds: 120\n", 1)
	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("async"), TemplateBody: aws.String(updated)})
	restMust(t, err)
	if st := waitSettled(t, c, "async"); st.StackStatus != cfntypes.StackStatusUpdateComplete {
		t.Fatalf("update: %s\n%s", st.StackStatus, eventLines(t, c, "async"))
	}
	got, err = l.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("worker")})
	restMust(t, err)
	if got.MaximumRetryAttempts != nil || aws.ToInt32(got.MaximumEventAgeInSeconds) != 120 {
		t.Fatalf("config after update: retries %v, age %v", got.MaximumRetryAttempts, got.MaximumEventAgeInSeconds)
	}

	// The resource taken out of the template: the config goes, the
	// function stays.
	i := strings.Index(asyncStack, "  Async:")
	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("async"), TemplateBody: aws.String(asyncStack[:i])})
	restMust(t, err)
	if st := waitSettled(t, c, "async"); st.StackStatus != cfntypes.StackStatusUpdateComplete {
		t.Fatalf("update without the config: %s\n%s", st.StackStatus, eventLines(t, c, "async"))
	}
	_, err = l.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("worker")})
	if err == nil || !strings.Contains(err.Error(), "doesn't have an EventInvokeConfig") {
		t.Fatalf("config after its resource left the template: %v", err)
	}
	if _, err := l.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("worker")}); err != nil {
		t.Fatalf("the function went with its config: %v", err)
	}
}
