package gatehouse_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// lambdaCLI is the AWS CLI the Lambda test drives: GATEHOUSE_AWSCLI's path
// when set, else Debian's awscli at /usr/bin/aws, else the first aws on
// PATH.
func lambdaCLI(t *testing.T) string {
	if v := os.Getenv("GATEHOUSE_AWSCLI"); v != "" && v != "1" {
		return v
	}
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		return "/usr/bin/aws"
	}
	p, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("skipped: the AWS CLI is not installed (Debian: apt-get install awscli)")
	}
	return p
}

// The AWS CLI manages a function as against Lambda: create-function from a
// zip file, an Event invoke with a file's bytes as the event,
// add-permission, put-function-event-invoke-config (whose LastModified
// the CLI reads as epoch seconds), delete-function. Each command costs
// the CLI's start-up, so the SDK tests cover the rest.
func TestAWSCLILambda(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	aws := awsCLIRunner(t, lambdaCLI(t), srv)
	dir := t.TempDir()
	zip := filepath.Join(dir, "fn.zip")
	if err := os.WriteFile(zip, lambdatest.NodeFunction(t, "export const handler = async (e) => e;"), 0o644); err != nil {
		t.Fatal(err)
	}
	var created struct{ FunctionArn, State, Runtime string }
	out := aws(t, "lambda", "create-function", "--function-name", "cli-fn", "--runtime", "nodejs22.x", "--handler", "index.handler",
		"--role", "arn:aws:iam::000000000000:role/lambda-role", "--zip-file", "fileb://"+zip, "--output", "json")
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:cli-fn" ||
		created.State != "Pending" || created.Runtime != "nodejs22.x" {
		t.Fatalf("create-function: %v\n%s", err, out)
	}
	event := filepath.Join(dir, "event.json")
	os.WriteFile(event, []byte(`{"hello":"world"}`), 0o644)
	if out := aws(t, "lambda", "invoke", "--function-name", "cli-fn", "--invocation-type", "Event", "--payload", "fileb://"+event,
		filepath.Join(dir, "out.json"), "--query", "StatusCode"); strings.TrimSpace(out) != "202" {
		t.Fatalf("invoke Event: %s", out)
	}
	out = aws(t, "lambda", "add-permission", "--function-name", "cli-fn", "--statement-id", "apigw", "--action", "lambda:InvokeFunction",
		"--principal", "apigateway.amazonaws.com", "--source-arn", "arn:aws:execute-api:us-east-1:000000000000:abc/*/*/*",
		"--query", "Statement", "--output", "text")
	if !strings.Contains(out, `"Principal":{"Service":"apigateway.amazonaws.com"}`) {
		t.Fatalf("add-permission: %s", out)
	}
	var config struct {
		FunctionArn          string
		LastModified         json.RawMessage // epoch seconds on the wire; the CLI may print them as a date
		MaximumRetryAttempts *int
		DestinationConfig    struct{ OnFailure struct{ Destination string } }
	}
	out = aws(t, "lambda", "put-function-event-invoke-config", "--function-name", "cli-fn", "--maximum-retry-attempts", "0",
		"--destination-config", `{"OnFailure":{"Destination":"arn:aws:sqs:us-east-1:000000000000:failed"}}`, "--output", "json")
	if err := json.Unmarshal([]byte(out), &config); err != nil || config.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:cli-fn:$LATEST" ||
		len(config.LastModified) == 0 || string(config.LastModified) == "0" || config.MaximumRetryAttempts == nil || *config.MaximumRetryAttempts != 0 ||
		config.DestinationConfig.OnFailure.Destination != "arn:aws:sqs:us-east-1:000000000000:failed" {
		t.Fatalf("put-function-event-invoke-config: %v\n%s", err, out)
	}
	aws(t, "lambda", "delete-function", "--function-name", "cli-fn")
}
