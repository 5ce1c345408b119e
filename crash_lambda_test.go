//go:build unix

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

// pendingFunctionTemplate makes a function whose name is generated: with
// a long --function-delay it stays Pending, and the stack waits for it
// to be Active with the function made but its name not yet recorded.
const pendingFunctionTemplate = `
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/run
      Code:
        ZipFile: "def handler(e, c): return 1"
`

// TestStackCreateKilledDeletesUnrecordedFunction kills gatehouse while a
// stack waits for its function to become Active: after the restart the
// create rolls back, and the function, whose generated name the stack
// never recorded, is found by its aws:cloudformation tags and deleted.
func TestStackCreateKilledDeletesUnrecordedFunction(t *testing.T) {
	bin := buildGatehouse(t)
	dir := t.TempDir()
	ctx := context.Background()

	srv := startProcess(t, bin, dir, "--no-default-vpc", "--function-delay", "1h")
	cfg := servertest.AWSConfig(srv.url)
	c := cfn.NewFromConfig(cfg)
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("pending"), TemplateBody: aws.String(pendingFunctionTemplate)}); err != nil {
		t.Fatal(err)
	}
	fns := lambda.NewFromConfig(cfg)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		out, err := fns.ListFunctions(ctx, &lambda.ListFunctionsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Functions) == 1 {
			if name := aws.ToString(out.Functions[0].FunctionName); !strings.HasPrefix(name, "pending-Fn-") {
				t.Fatalf("function %q, want a generated name", name)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no function after 30s:\n%s", srv.log)
		}
	}
	res, err := c.DescribeStackResource(ctx, &cfn.DescribeStackResourceInput{StackName: aws.String("pending"), LogicalResourceId: aws.String("Fn")})
	if err != nil {
		t.Fatal(err)
	}
	if d := res.StackResourceDetail; d.ResourceStatus != cfntypes.ResourceStatusCreateInProgress || aws.ToString(d.PhysicalResourceId) != "" {
		t.Fatalf("before the kill the function is %s %q", d.ResourceStatus, aws.ToString(d.PhysicalResourceId))
	}
	srv.kill(t)

	srv = startProcess(t, bin, dir, "--no-default-vpc", "--function-delay", "0")
	cfg = servertest.AWSConfig(srv.url)
	c = cfn.NewFromConfig(cfg)
	var st cfntypes.Stack
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		out, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("pending")})
		if err != nil {
			t.Fatal(err)
		}
		if st = out.Stacks[0]; !strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %s 30s after the restart:\n%s", st.StackStatus, srv.log)
		}
	}
	if st.StackStatus != cfntypes.StackStatusRollbackComplete {
		t.Fatalf("after the restart: %s\n%s", st.StackStatus, eventLines(t, c, "pending"))
	}
	if ev := eventLines(t, c, "pending"); !strings.Contains(ev, "Fn DELETE_COMPLETE") {
		t.Fatalf("events:\n%s", ev)
	}
	out, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil || len(out.Functions) != 0 {
		t.Fatalf("functions after the rollback: %v %v", out, err)
	}
	srv.stop(t)
}
