package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

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

func upCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: gatehouse up [flags] TEMPLATE...\n\n"+
			"Deploys CloudFormation templates (YAML or JSON) through gatehouse's AWS APIs and\n"+
			"prints their Outputs. Without --endpoint it starts a gatehouse itself and keeps\n"+
			"serving until interrupted.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	params := paramFlags{}
	fs.Var(params, "parameter", "Key=Value overriding a template parameter (repeatable)")
	endpoint := fs.String("endpoint", "", "URL of a running gatehouse (default: start one in this process)")
	region := fs.String("region", "us-east-1", "region to deploy in")
	stackName := fs.String("stack-name", "", "stack name (default: the template's file name); AWS::StackName")
	listen := fs.String("listen", gatehouse.DefaultListen, "without --endpoint: address to serve on")
	dataDir := fs.String("data-dir", gatehouse.DefaultDataDir(), "without --endpoint: directory of the embedded store")
	inMemory := fs.Bool("in-memory", false, "without --endpoint: keep state in memory only")
	linkDelay := fs.Duration("vpc-link-delay", gatehouse.DefaultVpcLinkDelay, "without --endpoint: VPC link provisioning time; 0 means at once")
	linkTimeout := fs.Duration("link-timeout", 10*time.Minute, "how long to wait for a VPC link to become AVAILABLE")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "gatehouse up: name at least one template")
		fs.Usage()
		return 2
	}

	// Every template is read and checked before anything is created, so
	// a mistake in the last leaves no half-deployed first.
	var tmpls []*stack.Template
	declared := map[string]bool{}
	for _, file := range fs.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(stderr, "gatehouse up: %v\n", err)
			return 1
		}
		t, err := stack.Parse(file, data)
		if err == nil {
			_, err = stack.Check(t)
		}
		if err != nil {
			fmt.Fprintf(stderr, "gatehouse up: %v\n", err)
			return 1
		}
		for _, p := range t.Parameters {
			declared[p.Name] = true
		}
		tmpls = append(tmpls, t)
	}
	for k := range params {
		if !declared[k] {
			fmt.Fprintf(stderr, "gatehouse up: --parameter %s: no template declares it\n", k)
			return 2
		}
	}

	ctx, stop := upContext()
	defer stop()
	url := *endpoint
	var srv *gatehouse.Server
	if url == "" {
		cfg := gatehouse.Config{Listen: *listen, DataDir: *dataDir, InMemory: *inMemory, Region: *region, VpcLinkDelay: *linkDelay}
		if cfg.VpcLinkDelay <= 0 {
			cfg.VpcLinkDelay = -1
		}
		cfg.VpcLinkV1Delay = cfg.VpcLinkDelay
		var err error
		if srv, err = gatehouse.Start(ctx, cfg); err != nil {
			fmt.Fprintf(stderr, "gatehouse up: starting gatehouse: %v\n", err)
			return 1
		}
		defer srv.Close()
		url = srv.URL()
	}

	sdk := provision.NewSDK(provision.EndpointConfig(url, *region))
	sdk.LinkTimeout = *linkTimeout
	for _, t := range tmpls {
		name := *stackName
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(t.File), filepath.Ext(t.File))
		}
		own := map[string]string{}
		for _, p := range t.Parameters {
			if v, ok := params[p.Name]; ok {
				own[p.Name] = v
			}
		}
		res, err := stack.Deploy(ctx, t, sdk, stack.Options{StackName: name, Parameters: own,
			Progress: func(r *stack.Resource, c stack.Created) {
				fmt.Fprintf(stderr, "%s: created %s (%s) %s\n", name, r.Name, r.Type, c.Ref)
			}})
		if err != nil {
			fmt.Fprintf(stderr, "gatehouse up: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "Stack %s: %d resources\n", name, len(res.Resources))
		for _, o := range res.Outputs {
			fmt.Fprintf(stdout, "  %s = %s\n", o.Name, o.Value)
		}
	}
	if srv == nil {
		return 0
	}
	fmt.Fprintf(stderr, "gatehouse serving on %s; interrupt to stop\n", url)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		fmt.Fprintf(stderr, "gatehouse up: shutdown: %v\n", err)
		return 1
	}
	return 0
}
