package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"gatehouse/internal/servertest"
)

const netTemplate = `Parameters:
  Cidr:
    Type: String
    Default: 10.9.0.0/16
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref Cidr
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "group of ${Vpc}"
      VpcId: !Ref Vpc
Outputs:
  VpcId:
    Value: !Ref Vpc
  Cidr:
    Value: !GetAtt Vpc.CidrBlock
`

func writeTemplate(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// stackServer is a gatehouse whose stack calls answer once the operation
// they start has ended, so that `up` and `down` see it ended at their
// first poll; it starts with no default VPC, so that "nothing left" sees
// every VPC.
func stackServer(t *testing.T) *servertest.Server {
	return servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second))
}

// run runs the command line, and fails the test unless it exits with want.
func run(t *testing.T, want int, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	if code := Main(args, &out, &errs); code != want {
		t.Fatalf("gatehouse %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out.String(), errs.String())
	}
	return out.String(), errs.String()
}

func vpcCount(t *testing.T, srv *servertest.Server) int {
	t.Helper()
	out, err := srv.EC2().DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	must(t, err)
	return len(out.Vpcs)
}

// eventLines are the progress lines of stderr, each as "status logical-id".
func eventLines(stderr string) []string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && strings.HasSuffix(f[1], ":") && strings.Contains(f[2], "_") {
			out = append(out, f[2]+" "+f[3])
		}
	}
	return out
}

// apiEvents are a stack's events as DescribeStackEvents gives them, oldest
// first, each as "status logical-id".
func apiEvents(t *testing.T, srv *servertest.Server, stack string) []string {
	t.Helper()
	var out []string
	p := cfn.NewDescribeStackEventsPaginator(srv.CloudFormation(), &cfn.DescribeStackEventsInput{StackName: aws.String(stack)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		must(t, err)
		for _, e := range page.StackEvents {
			out = append(out, string(e.ResourceStatus)+" "+aws.ToString(e.LogicalResourceId))
		}
	}
	slices.Reverse(out)
	return out
}

// up creates a stack, printing each of its events once, oldest first, and
// its outputs; up again changes nothing; an update keeps the parameters it
// is not given; down deletes it and leaves nothing.
func TestUpUpdateDown(t *testing.T) {
	srv := stackServer(t)
	file := writeTemplate(t, "net.yaml", netTemplate)
	stdout, stderr := run(t, 0, "up", "--endpoint", srv.URL(), "--poll-interval", "1ms", "--parameter", "Cidr=10.7.0.0/16", file)
	if !strings.Contains(stdout, "Stack net: CREATE_COMPLETE\n") || !strings.Contains(stdout, "  Cidr = 10.7.0.0/16\n") || !strings.Contains(stdout, "  VpcId = vpc-") {
		t.Fatalf("stdout:\n%s", stdout)
	}
	created := apiEvents(t, srv, "net")
	if got := eventLines(stderr); !slices.Equal(got, created) {
		t.Fatalf("progress lines %q, want the stack's events %q\n%s", got, created, stderr)
	}
	if created[0] != "CREATE_IN_PROGRESS net" || created[len(created)-1] != "CREATE_COMPLETE net" ||
		!slices.Contains(created, "CREATE_COMPLETE Vpc") || !slices.Contains(created, "CREATE_COMPLETE Group") {
		t.Fatalf("events %q", created)
	}
	vpcID := stdout[strings.Index(stdout, "vpc-"):]
	vpcID = vpcID[:strings.IndexByte(vpcID, '\n')]

	// Unchanged: no update, no events.
	stdout, stderr = run(t, 0, "up", "--endpoint", srv.URL(), "--poll-interval", "1ms", file)
	if !strings.Contains(stdout, "Stack net: CREATE_COMPLETE (no changes)\n") || !strings.Contains(stdout, "VpcId = "+vpcID+"\n") {
		t.Fatalf("unchanged: stdout:\n%s", stdout)
	}
	if len(eventLines(stderr)) != 0 || len(apiEvents(t, srv, "net")) != len(created) {
		t.Fatalf("an unchanged template made events:\n%s", stderr)
	}

	// A new output, no --parameter: Cidr keeps 10.7.0.0/16 rather than
	// going back to its default, so the VPC stays as it is.
	file = writeTemplate(t, "net.yaml", netTemplate+"  Group:\n    Value: !Ref Group\n")
	stdout, stderr = run(t, 0, "up", file, "--endpoint", srv.URL(), "--poll-interval", "1ms")
	if !strings.Contains(stdout, "Stack net: UPDATE_COMPLETE\n") || !strings.Contains(stdout, "  Cidr = 10.7.0.0/16\n") ||
		!strings.Contains(stdout, "VpcId = "+vpcID+"\n") || !strings.Contains(stdout, "  Group = sg-") {
		t.Fatalf("update: stdout:\n%s", stdout)
	}
	updated := apiEvents(t, srv, "net")[len(created):]
	if got := eventLines(stderr); !slices.Equal(got, updated) || updated[0] != "UPDATE_IN_PROGRESS net" || updated[len(updated)-1] != "UPDATE_COMPLETE net" {
		t.Fatalf("update: progress lines %q, want the update's events %q", got, updated)
	}

	stdout, stderr = run(t, 0, "down", "--endpoint", srv.URL(), "--poll-interval", "1ms", "net")
	if stdout != "Stack net: DELETE_COMPLETE\n" {
		t.Fatalf("down: stdout:\n%s", stdout)
	}
	got := eventLines(stderr)
	if len(got) < 4 || got[0] != "DELETE_IN_PROGRESS net" || got[len(got)-1] != "DELETE_COMPLETE net" ||
		!slices.Contains(got, "DELETE_COMPLETE Vpc") || !slices.Contains(got, "DELETE_COMPLETE Group") {
		t.Fatalf("down: progress lines %q\n%s", got, stderr)
	}
	if n := vpcCount(t, srv); n != 0 {
		t.Fatalf("%d VPCs left after down", n)
	}
	_, stderr = run(t, 1, "down", "--endpoint", srv.URL(), "net")
	if !strings.Contains(stderr, "gatehouse down: Stack with id net does not exist") {
		t.Fatalf("down of a deleted stack: stderr:\n%s", stderr)
	}
}

// A create that fails rolls back: `up` prints the failed resource with its
// type and the service's reason and exits 1, nothing is left, and the
// next `up` replaces the rolled-back stack.
func TestUpFailedCreate(t *testing.T) {
	srv := stackServer(t)
	bad := netTemplate + `  Subnet:
    Value: !Ref Subnet
`
	bad = strings.Replace(bad, "Outputs:", `  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.200.0.0/24
Outputs:`, 1)
	file := writeTemplate(t, "net.yaml", bad)
	stdout, stderr := run(t, 1, "up", "--endpoint", srv.URL(), "--poll-interval", "1ms", file)
	if stdout != "" {
		t.Fatalf("stdout:\n%s", stdout)
	}
	summary := stderr[strings.Index(stderr, "gatehouse up: stack net: ROLLBACK_COMPLETE"):]
	if !strings.Contains(summary, "\n  Subnet (AWS::EC2::Subnet) CREATE_FAILED: ") || strings.Contains(summary, "Vpc (") {
		t.Fatalf("stderr:\n%s", stderr)
	}
	if !slices.Contains(eventLines(stderr), "ROLLBACK_COMPLETE net") {
		t.Fatalf("no rollback among the progress lines:\n%s", stderr)
	}
	if n := vpcCount(t, srv); n != 0 {
		t.Fatalf("%d VPCs left after a failed create", n)
	}

	file = writeTemplate(t, "net.yaml", strings.Replace(bad, "10.200.0.0/24", "10.9.1.0/24", 1))
	stdout, stderr = run(t, 0, "up", "--endpoint", srv.URL(), "--poll-interval", "1ms", file)
	if !strings.Contains(stdout, "Stack net: CREATE_COMPLETE\n") || !strings.Contains(stderr, "net: ROLLBACK_COMPLETE after a failed create; deleting it to create it again") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
}

// A mistake in the second template stops `up` before the first is
// deployed; what the API refuses is printed in its words.
func TestUpChecksEveryTemplateFirst(t *testing.T) {
	srv := stackServer(t)
	good := writeTemplate(t, "good.yaml", netTemplate)
	bad := writeTemplate(t, "bad.yaml", "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
	_, stderr := run(t, 1, "up", "--endpoint", srv.URL(), good, bad)
	if !strings.Contains(stderr, "bad.yaml:2: Template format error: Unrecognized resource types: [AWS::SNS::Topic]") {
		t.Fatalf("stderr: %s", stderr)
	}
	if n := vpcCount(t, srv); n != 0 {
		t.Fatalf("created %d VPCs", n)
	}
	run(t, 2, "up", "--endpoint", srv.URL(), "--parameter", "Nope=1", good)
	run(t, 2, "up", "--endpoint", srv.URL(), "--stack-name", "x", good, good)
	env := writeTemplate(t, "env.yaml", "Parameters:\n  Env:\n    Type: String\n    AllowedValues: [dev, prod]\n"+
		"Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n")
	_, stderr = run(t, 1, "up", "--endpoint", srv.URL(), "--parameter", "Env=test", env)
	if !strings.Contains(stderr, "gatehouse up: "+env+": Parameter 'Env' must be one of AllowedValues\n") || vpcCount(t, srv) != 0 {
		t.Fatalf("a bad parameter value: stderr: %s", stderr)
	}
	_, stderr = run(t, 1, "up", "--endpoint", srv.URL(), "--stack-name", "no_underscores", good)
	if !strings.Contains(stderr, "no_underscores") {
		t.Fatalf("a bad stack name: stderr: %s", stderr)
	}
}

// stopAfterOutputs cancels `up` once it has printed a stack, as an
// interrupt would.
type stopAfterOutputs struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	cancel context.CancelFunc
}

func (s *stopAfterOutputs) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if bytes.HasPrefix(p, []byte("Stack ")) {
		s.cancel()
	}
	return s.buf.Write(p)
}

// upInProcess runs `up` without --endpoint, interrupting it once it has
// printed a stack, and returns what it printed.
func upInProcess(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	old := upContext
	upContext = func() (context.Context, context.CancelFunc) { return ctx, cancel }
	defer func() { upContext = old }()
	out := &stopAfterOutputs{cancel: cancel}
	var errs bytes.Buffer
	args = append([]string{"up", "--listen", "127.0.0.1:0", "--vpc-link-delay", "0", "--poll-interval", "5ms"}, args...)
	if code := Main(args, out, &errs); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.buf.String(), errs.String())
	}
	if !strings.Contains(errs.String(), "serving on http://127.0.0.1:") {
		t.Fatalf("stderr:\n%s", errs.String())
	}
	return out.buf.String(), errs.String()
}

// Without --endpoint, `up` serves the stack API itself, streams the
// events as its stack operation runs (nothing waits for it), and keeps
// serving until interrupted; `down` opens the same data directory and
// deletes the stack.
func TestUpServesInProcess(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr := upInProcess(t, "--data-dir", dir, writeTemplate(t, "net.yaml", netTemplate))
	if !strings.Contains(stdout, "Stack net: CREATE_COMPLETE\n") || !slices.Contains(eventLines(stderr), "CREATE_COMPLETE Vpc") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	out, errs := run(t, 0, "down", "--data-dir", dir, "--poll-interval", "5ms", "net")
	if out != "Stack net: DELETE_COMPLETE\n" || !slices.Contains(eventLines(errs), "DELETE_COMPLETE Vpc") {
		t.Fatalf("down: stdout:\n%s\nstderr:\n%s", out, errs)
	}
}

// The gatehouse `up` starts has the parameter CDK's templates check, as
// `serve` does, so CDK's synthesized output deploys with it, as the stack
// CDK named in its file name (NAME.template.json).
func TestUpDeploysCDKOutput(t *testing.T) {
	stdout, _ := upInProcess(t, "--in-memory", "../../examples/cdk/synth/GatehouseCdk.template.json")
	if !strings.Contains(stdout, "Stack GatehouseCdk: CREATE_COMPLETE\n") || !strings.Contains(stdout, "  ApiUrl = http://") {
		t.Fatalf("stdout:\n%s", stdout)
	}
}

// A template's file name gives a stack name CloudFormation takes: without
// its extension and CDK's ".template", a hyphen for each character a
// name cannot hold, starting with a letter, at most 128 characters.
func TestDefaultStackName(t *testing.T) {
	long := strings.Repeat("n", 200)
	for _, tc := range []struct{ file, want string }{
		{"net.yaml", "net"},
		{"dir/net.yml", "net"},
		{"/abs/dir.d/Net.json", "Net"},
		{"cdk.out/GatehouseCdk.template.json", "GatehouseCdk"},
		{"App.template.yaml", "App"},
		{"my_app.v2.yaml", "my-app-v2"},
		{"web app.json", "web-app"},
		{"café.yaml", "caf-"},
		{"01-network.yaml", "stack-01-network"},
		{"-x.yaml", "stack--x"},
		{".template.json", "stack--template"},
		{"noext", "noext"},
		{long + ".yaml", long[:128]},
		{"9" + long + ".yaml", ("stack-9" + long)[:128]},
	} {
		got := defaultStackName(tc.file)
		if got != tc.want {
			t.Errorf("defaultStackName(%q) = %q, want %q", tc.file, got, tc.want)
		}
		if !validStackName.MatchString(got) {
			t.Errorf("defaultStackName(%q) = %q is not a valid stack name", tc.file, got)
		}
	}
}

// validStackName is CloudFormation's rule for a stack name.
var validStackName = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)
