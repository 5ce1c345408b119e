package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"gatehouse"
	"gatehouse/internal/stack"
	"gatehouse/internal/stack/provision"
)

// paramFlags collects repeated --parameter Key=Value.
type paramFlags map[string]string

func (p paramFlags) String() string { return "" }

func (p paramFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want Key=Value, got %q", s)
	}
	p[k] = v
	return nil
}

// upContext is cancelled when `up` should stop serving; tests replace it.
var upContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// serverFlags are the flags of `up` and `down` that say which gatehouse
// to talk to: a running one, or one started in this process.
type serverFlags struct {
	endpoint, region, listen, dataDir string
	inMemory                          bool
	linkDelay, poll                   time.Duration
}

func (f *serverFlags) register(fs *flag.FlagSet, listen string) {
	fs.StringVar(&f.endpoint, "endpoint", "", "URL of a running gatehouse (default: start one in this process)")
	fs.StringVar(&f.region, "region", "us-east-1", "region of the stacks")
	fs.StringVar(&f.listen, "listen", listen, "without --endpoint: address to serve on")
	fs.StringVar(&f.dataDir, "data-dir", gatehouse.DefaultDataDir(), "without --endpoint: directory of the embedded store")
	fs.DurationVar(&f.linkDelay, "vpc-link-delay", gatehouse.DefaultVpcLinkDelay, "without --endpoint: VPC link provisioning time; 0 means at once")
	fs.DurationVar(&f.poll, "poll-interval", DefaultPollInterval, "how often to ask for the stack's new events")
}

// start starts the in-process gatehouse the flags ask for, if any, and
// returns the stack API's client and the server (nil with --endpoint).
func (f *serverFlags) start(ctx context.Context) (stackAPI, *gatehouse.Server, error) {
	url := f.endpoint
	var srv *gatehouse.Server
	if url == "" {
		// As `serve` does by default, it puts the parameter CDK's
		// templates check, so that their synthesized output deploys.
		cfg := gatehouse.Config{Listen: f.listen, DataDir: f.dataDir, InMemory: f.inMemory, Region: f.region, VpcLinkDelay: f.linkDelay,
			CDKQualifier: gatehouse.DefaultCDKQualifier}
		if cfg.VpcLinkDelay <= 0 {
			cfg.VpcLinkDelay = -1
		}
		cfg.VpcLinkV1Delay = cfg.VpcLinkDelay
		var err error
		if srv, err = gatehouse.Start(ctx, cfg); err != nil {
			return nil, nil, fmt.Errorf("starting gatehouse: %w", err)
		}
		url = srv.URL()
	}
	return newStackAPI(provision.EndpointConfig(url, f.region)), srv, nil
}

// parseInterleaved parses flags given before, between or after the
// positional arguments, which it returns; "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// upFile is one template `up` deploys.
type upFile struct {
	file, stack, body string
	// declared are the parameters the template declares.
	declared map[string]bool
}

func upCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: gatehouse up [flags] TEMPLATE...\n\n"+
			"Creates a CloudFormation stack from each template (YAML or JSON), or updates it when\n"+
			"it exists, through gatehouse's CloudFormation API; prints the stack's events as they\n"+
			"happen, then its final status and Outputs. Without --endpoint it starts a gatehouse\n"+
			"itself and keeps serving until interrupted.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	params := paramFlags{}
	fs.Var(params, "parameter", "Key=Value for a template parameter (repeatable); on an update, parameters not given keep their previous values")
	stackName := fs.String("stack-name", "", "stack name, with one template (default: the template's file name without its extension, made a valid stack name)")
	var sf serverFlags
	sf.register(fs, gatehouse.DefaultListen)
	fs.BoolVar(&sf.inMemory, "in-memory", false, "without --endpoint: keep state in memory only")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "gatehouse up: name at least one template")
		fs.Usage()
		return 2
	}
	if *stackName != "" && len(files) > 1 {
		fmt.Fprintln(stderr, "gatehouse up: --stack-name names one stack; give one template")
		return 2
	}
	var tmpls []*upFile
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(stderr, "gatehouse up: %v\n", err)
			return 1
		}
		name := *stackName
		if name == "" {
			name = defaultStackName(file)
		}
		tmpls = append(tmpls, &upFile{file: file, stack: name, body: string(data)})
	}

	if code := checkAll(tmpls, params, stderr); code != 0 {
		return code
	}

	ctx, stop := upContext()
	defer stop()
	api, srv, err := sf.start(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse up: %v\n", err)
		return 1
	}
	if srv != nil {
		defer srv.Close()
	}
	for _, t := range tmpls {
		st, note, err := upStack(ctx, api, t, params, sf.poll, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "gatehouse up: %v\n", err)
			return 1
		}
		printStack(stdout, t.stack, st, note)
	}
	if srv == nil {
		return 0
	}
	fmt.Fprintf(stderr, "gatehouse serving on %s; interrupt to stop\n", srv.URL())
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		fmt.Fprintf(stderr, "gatehouse up: shutdown: %v\n", err)
		return 1
	}
	return 0
}

// maxStackName is the longest stack name CloudFormation takes.
const maxStackName = 128

// defaultStackName is the stack name a template file gives when none is
// named: its base name without its extension and CDK's ".template" before
// it (CDK writes NAME.template.json), made one CloudFormation takes. A
// stack name is a letter, then letters, digits and hyphens, so any other
// character becomes a hyphen, and a name not starting with a letter is
// prefixed "stack-" rather than cut, so that 1-net and 2-net stay apart.
func defaultStackName(file string) string {
	base := filepath.Base(file)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	if trimmed := strings.TrimSuffix(base, ".template"); trimmed != "" {
		base = trimmed
	}
	name := strings.Map(func(r rune) rune {
		if r == '-' || isLetter(r) || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, base)
	switch {
	case name == "":
		name = "stack"
	case !isLetter(rune(name[0])):
		name = "stack-" + name
	}
	return name[:min(len(name), maxStackName)]
}

// isLetter reports whether r is an ASCII letter, as stack names need.
func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// checkAll checks every template before any stack is touched, so that a
// mistake in the last leaves the first alone, and learns the parameters
// each declares. This is the same check the server makes of each template
// it is sent; ValidateTemplate would only parse. A --parameter no template
// declares is a usage error: `up` passes each template only the
// parameters it declares.
func checkAll(tmpls []*upFile, params paramFlags, stderr io.Writer) int {
	declared := map[string]bool{}
	for _, t := range tmpls {
		parsed, err := stack.Parse(t.file, []byte(t.body))
		if err == nil {
			_, err = stack.Check(parsed)
		}
		if err != nil {
			fmt.Fprintf(stderr, "gatehouse up: %v\n", err)
			return 1
		}
		t.declared = map[string]bool{}
		for _, p := range parsed.Parameters {
			t.declared[p.Name] = true
			declared[p.Name] = true
		}
	}
	for k := range params {
		if !declared[k] {
			fmt.Fprintf(stderr, "gatehouse up: --parameter %s: no template declares it\n", k)
			return 2
		}
	}
	return 0
}

// upStack creates t's stack, or updates it when it exists, and waits for
// the operation to end, printing its events. It returns the stack as it
// ended, with a note for the status line, or an error saying what failed.
func upStack(ctx context.Context, api stackAPI, t *upFile, params paramFlags, poll time.Duration, stderr io.Writer) (*cfntypes.Stack, string, error) {
	old, err := describeStack(ctx, api, t.stack)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %s", t.stack, apiMessage(err))
	}
	if old != nil && old.StackStatus == cfntypes.StackStatusRollbackComplete {
		// A stack whose creation failed and rolled back can only be
		// deleted; a new attempt starts from nothing, as CDK does it.
		fmt.Fprintf(stderr, "%s: ROLLBACK_COMPLETE after a failed create; deleting it to create it again\n", t.stack)
		if err := downStack(ctx, api, old, t.stack, poll, stderr); err != nil {
			return nil, "", err
		}
		old = nil
	}
	var given []cfntypes.Parameter
	for _, k := range slices.Sorted(maps.Keys(params)) {
		if t.declared[k] {
			given = append(given, cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(params[k])})
		}
	}

	if old == nil {
		out, err := api.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String(t.stack), TemplateBody: aws.String(t.body), Parameters: given})
		if err != nil {
			return nil, "", fmt.Errorf("%s: %s", t.file, apiMessage(err))
		}
		return finish(ctx, newWatcher(api, aws.ToString(out.StackId), t.stack, stderr, poll), cfntypes.StackStatusCreateComplete)
	}

	// A parameter the stack has, the template still declares, and the
	// command line does not give keeps its value, as it would on the
	// console; a new one takes its default.
	for _, p := range old.Parameters {
		k := aws.ToString(p.ParameterKey)
		if _, ok := params[k]; !ok && t.declared[k] {
			given = append(given, cfntypes.Parameter{ParameterKey: aws.String(k), UsePreviousValue: aws.Bool(true)})
		}
	}
	w := newWatcher(api, aws.ToString(old.StackId), t.stack, stderr, poll)
	if err := w.skipPast(ctx); err != nil {
		return nil, "", fmt.Errorf("%s: %s", t.stack, apiMessage(err))
	}
	_, err = api.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: old.StackId, TemplateBody: aws.String(t.body), Parameters: given})
	if err != nil && apiMessage(err) == "No updates are to be performed." {
		return old, " (no changes)", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s: %s", t.file, apiMessage(err))
	}
	return finish(ctx, w, cfntypes.StackStatusUpdateComplete)
}

// finish waits for the operation w watches and checks it ended in want.
func finish(ctx context.Context, w *watcher, want cfntypes.StackStatus) (*cfntypes.Stack, string, error) {
	st, err := w.wait(ctx, func(s cfntypes.StackStatus) bool { return !inProgress(s) })
	if err != nil {
		return nil, "", err
	}
	if st == nil {
		return nil, "", fmt.Errorf("stack %s: gone", w.name)
	}
	if st.StackStatus != want {
		return nil, "", fmt.Errorf("%s", w.failure(st))
	}
	return st, "", nil
}
