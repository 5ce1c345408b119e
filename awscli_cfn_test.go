package gatehouse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// awsCLI is the AWS CLI TestAWSCLICloudFormationDeploy runs: Debian's
// awscli (version 2) unless GATEHOUSE_AWSCLI names another. The `aws` found
// first on PATH may be a version 1 shim, whose deploy command differs.
func awsCLI(t *testing.T) string {
	switch v := os.Getenv("GATEHOUSE_AWSCLI"); v {
	case "":
		t.Skip("set GATEHOUSE_AWSCLI=1 to deploy examples/blog with Debian's AWS CLI (/usr/bin/aws), or GATEHOUSE_AWSCLI=PATH for another; it takes half a minute")
	case "1":
		v = "/usr/bin/aws"
		fallthrough
	default:
		if _, err := os.Stat(v); err != nil {
			t.Skipf("the AWS CLI is not installed at %s (Debian: apt-get install awscli): %v", v, err)
		}
		return v
	}
	return ""
}

// The AWS CLI's `cloudformation deploy` deploys each blog template through
// a change set, and deploying it again changes nothing; the CLI's waiters,
// describe-stacks and describe-stack-events see what AWS would show; each
// stack's invoke URL reaches both of its backends; delete-stack leaves
// nothing behind.
func TestAWSCLICloudFormationDeploy(t *testing.T) {
	cli := awsCLI(t)
	// Stack calls answer once their operation has ended, so the CLI's
	// waiters find it ended at their first call and never sleep.
	srv := servertest.Start(t, servertest.VpcLinkDelay(-1), servertest.VpcLinkV1Delay(-1),
		servertest.StackWait(time.Minute))
	awscli := awsCLIRunner(t, cli, srv)

	examples := []struct {
		file     string
		backends []string // the port parameters, each a backend of its own
		url      string   // the output naming the invoke URL
	}{
		{"http-api.yaml", []string{"Task1Port", "Task2Port"}, "ApiEndpoint"},
		{"rest-api.yaml", []string{"TaskAPort", "TaskBPort"}, "InvokeUrl"},
		{"rest-api-v2.yaml", []string{"TaskXPort", "TaskYPort"}, "InvokeUrl"},
	}
	t.Run("group", func(t *testing.T) {
		for _, ex := range examples {
			t.Run(ex.file, func(t *testing.T) {
				t.Parallel()
				name := "cli-" + strings.TrimSuffix(ex.file, ".yaml")
				deploy := []string{"cloudformation", "deploy", "--template-file", "examples/blog/" + ex.file,
					"--stack-name", name, "--no-fail-on-empty-changeset", "--parameter-overrides"}
				for _, p := range ex.backends {
					deploy = append(deploy, fmt.Sprintf("%s=%d", p, echoBackend(t, p)))
				}
				if out := awscli(t, deploy...); !strings.Contains(out, "Successfully created/updated stack - "+name) {
					t.Fatalf("deploy:\n%s", out)
				}
				events := len(stackEventIDs(t, srv, name))
				if out := awscli(t, deploy...); !strings.Contains(out, "No changes to deploy. Stack "+name+" is up to date") {
					t.Fatalf("deploy again:\n%s", out)
				}
				if n := len(stackEventIDs(t, srv, name)); n != events {
					t.Fatalf("deploying again changed the stack: %d events, then %d", events, n)
				}
				awscli(t, "cloudformation", "wait", "stack-create-complete", "--stack-name", name)
				last := awscli(t, "cloudformation", "describe-stack-events", "--stack-name", name,
					"--query", "StackEvents[0].[LogicalResourceId,ResourceType,ResourceStatus]", "--output", "text")
				if last != name+"\tAWS::CloudFormation::Stack\tCREATE_COMPLETE\n" {
					t.Fatalf("the newest event: %q", last)
				}
				outputs := describeOutputs(t, awscli(t, "cloudformation", "describe-stacks", "--stack-name", name, "--output", "json"))
				invokeURL := outputs[ex.url]
				if invokeURL == "" {
					t.Fatalf("no %s among the outputs %v", ex.url, outputs)
				}
				seen := map[string]bool{}
				for i := 0; i < 20 && len(seen) < len(ex.backends); i++ {
					seen[invokeStack(t, srv, invokeURL, "/pets/1")] = true
				}
				for _, p := range ex.backends {
					if !seen[p] {
						t.Fatalf("backends that answered %v, want %v", seen, ex.backends)
					}
				}
				awscli(t, "cloudformation", "delete-stack", "--stack-name", name)
				awscli(t, "cloudformation", "wait", "stack-delete-complete", "--stack-name", name)
			})
		}
	})
	if t.Failed() {
		return
	}
	// Nothing but the default VPC is left, and no stack.
	leftovers(t, srv.AWSConfig())
	stacks, err := srv.CloudFormation().DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{})
	if err != nil || len(stacks.Stacks) != 0 {
		t.Errorf("stacks left: %d, %v", len(stacks.Stacks), err)
	}
}

// awsCLIRunner runs the AWS CLI at cli against srv, with test credentials
// and a home of its own, failing the test when a command fails.
func awsCLIRunner(t *testing.T, cli string, srv *servertest.Server) func(t *testing.T, args ...string) string {
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials")}
	return func(t *testing.T, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, cli, append([]string{"--endpoint-url", srv.URL()}, args...)...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
}

// Without StackWait a stack call answers as AWS's does, before its
// operation ends, so `cloudformation deploy` and `wait` find the change
// set and the stack with their own waiters, as against AWS (the CLI's
// stack waiter looks every 30 seconds, so this takes about as long).
func TestAWSCLICloudFormationDeployAsync(t *testing.T) {
	cli := awsCLI(t)
	srv := servertest.Start(t, servertest.VpcLinkDelay(-1), servertest.VpcLinkV1Delay(-1))
	awscli := awsCLIRunner(t, cli, srv)
	const name = "cli-async"
	deploy := []string{"cloudformation", "deploy", "--template-file", "examples/blog/http-api.yaml",
		"--stack-name", name, "--parameter-overrides",
		fmt.Sprintf("Task1Port=%d", echoBackend(t, "Task1Port")), fmt.Sprintf("Task2Port=%d", echoBackend(t, "Task2Port"))}
	if out := awscli(t, deploy...); !strings.Contains(out, "Successfully created/updated stack - "+name) {
		t.Fatalf("deploy:\n%s", out)
	}
	outputs := describeOutputs(t, awscli(t, "cloudformation", "describe-stacks", "--stack-name", name, "--output", "json"))
	if got := invokeStack(t, srv, outputs["ApiEndpoint"], "/pets/1"); got != "Task1Port" && got != "Task2Port" {
		t.Fatalf("answered by %q", got)
	}
	awscli(t, "cloudformation", "delete-stack", "--stack-name", name)
	awscli(t, "cloudformation", "wait", "stack-delete-complete", "--stack-name", name)
	leftovers(t, srv.AWSConfig())
}

// describeOutputs are a stack's outputs from describe-stacks' JSON.
func describeOutputs(t *testing.T, text string) map[string]string {
	t.Helper()
	var doc struct {
		Stacks []struct {
			StackStatus string
			Outputs     []struct{ OutputKey, OutputValue string }
		}
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil || len(doc.Stacks) != 1 {
		t.Fatalf("describe-stacks: %v\n%s", err, text)
	}
	if doc.Stacks[0].StackStatus != "CREATE_COMPLETE" {
		t.Fatalf("stack status %s", doc.Stacks[0].StackStatus)
	}
	out := map[string]string{}
	for _, o := range doc.Stacks[0].Outputs {
		out[o.OutputKey] = o.OutputValue
	}
	return out
}

// stackEventIDs are a stack's event ids.
func stackEventIDs(t *testing.T, srv *servertest.Server, name string) []string {
	t.Helper()
	var ids []string
	p := cloudformation.NewDescribeStackEventsPaginator(srv.CloudFormation(), &cloudformation.DescribeStackEventsInput{StackName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.StackEvents {
			ids = append(ids, aws.ToString(e.EventId))
		}
	}
	return ids
}

// invokeStack sends GET path to an invoke URL a stack's output gives
// (http://HOST[:PORT][/STAGE]), through the server's port with the
// URL's host name, and returns the backend that answered.
func invokeStack(t *testing.T, srv *servertest.Server, invokeURL, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	host, stage, _ := strings.Cut(strings.TrimPrefix(invokeURL, "http://"), "/")
	u := srv.URL() + path
	if stage != "" {
		u = srv.URL() + "/" + stage + path
	}
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var got struct{ Backend, Path string }
	if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || got.Path != path {
		t.Fatalf("GET %s%s: %d %s", invokeURL, path, resp.StatusCode, body)
	}
	return got.Backend
}

// The AWS CLI's `cloudformation deploy` makes a function from inline
// source behind an HTTP API (e2e_stack_lambda_test.go's template), and a
// second deploy finds nothing to change: the inline package is the same
// package, so the function's code is not touched.
func TestAWSCLICloudFormationDeployLambda(t *testing.T) {
	cli := awsCLI(t)
	lambdatest.RequirePython(t, "3")
	srv := servertest.Start(t, servertest.StackWait(time.Minute), servertest.FunctionDelay(-1))
	awscli := awsCLIRunner(t, cli, srv)
	file := filepath.Join(t.TempDir(), "function.yaml")
	writeFile(t, file, functionStack)
	deploy := []string{"cloudformation", "deploy", "--template-file", file, "--stack-name", "cli-function", "--no-fail-on-empty-changeset"}
	if out := awscli(t, deploy...); !strings.Contains(out, "Successfully created/updated stack - cli-function") {
		t.Fatalf("deploy:\n%s", out)
	}
	if out := awscli(t, deploy...); !strings.Contains(out, "No changes to deploy. Stack cli-function is up to date") {
		t.Fatalf("deploy again:\n%s", out)
	}
	outputs := describeOutputs(t, awscli(t, "cloudformation", "describe-stacks", "--stack-name", "cli-function", "--output", "json"))
	restMust(t, srv.Sync(context.Background()))
	if a := invoke(t, srv, outputs["HttpId"], "/answer"); a.status != 200 || a.body != "one for stack" {
		t.Fatalf("GET /answer = %d %q, want the function's answer", a.status, a.body)
	}
	awscli(t, "cloudformation", "delete-stack", "--stack-name", "cli-function")
	awscli(t, "cloudformation", "wait", "stack-delete-complete", "--stack-name", "cli-function")
	leftovers(t, srv.AWSConfig())
}
