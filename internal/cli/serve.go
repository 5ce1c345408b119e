package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"gatehouse"
	"gatehouse/internal/edge"
	"gatehouse/internal/lambda"
)

func serve(args []string, stderr io.Writer) int {
	cfg, ok := serveConfig(args, stderr)
	if !ok {
		return 2
	}
	// A gateway's heap is small and short-lived: collecting less often
	// trades a few MiB for CPU on the request path. GOGC still wins when set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	// That lets the heap grow to five times what is live; a soft limit
	// keeps a burst of large management bodies from growing the process
	// to gigabytes. GOMEMLIMIT still wins when set.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(max(512<<20, 8*cfg.BodyBudget))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := gatehouse.Start(ctx, cfg)
	if err != nil {
		cfg.Log.Error("start failed", "err", err)
		return 1
	}
	<-ctx.Done()
	cfg.Log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		cfg.Log.Error("shutdown", "err", err)
		return 1
	}
	return 0
}

// serveConfig reads serve's flags into a Config; false means they were
// wrong, and why has been written to stderr.
func serveConfig(args []string, stderr io.Writer) (gatehouse.Config, bool) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg gatehouse.Config
	fs.StringVar(&cfg.Listen, "listen", gatehouse.DefaultListen, "address to listen on")
	tlsListen := fs.String("tls-listen", gatehouse.DefaultTLSListen,
		"address of the HTTPS listener for invoke URLs, custom domains and the management API, with certificates from a local authority kept in --data-dir (off: none)")
	fs.StringVar(&cfg.DataDir, "data-dir", gatehouse.DefaultDataDir(), "directory of the embedded store")
	fs.BoolVar(&cfg.InMemory, "in-memory", false, "keep state in memory only")
	fs.StringVar(&cfg.Region, "region", "us-east-1", "region for requests that do not name one")
	fs.StringVar(&cfg.Account, "account", "000000000000", "account id")
	fs.BoolVar(&cfg.NoDefaultVpc, "no-default-vpc", false, "start accounts without a default VPC (each account and region otherwise gets one, as on AWS)")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	linkDelay := fs.Duration("vpc-link-delay", gatehouse.DefaultVpcLinkDelay,
		"how long a VPC link (V2, and v1 with its endpoint service) takes to provision (PENDING to AVAILABLE) or to delete; 0 means at once")
	fnDelay := fs.Duration("function-delay", gatehouse.DefaultFunctionDelay,
		"how long a Lambda function stays Pending after it is created, and an update InProgress; 0 means at once")
	fs.DurationVar(&cfg.FunctionIdle, "function-idle", lambda.DefaultIdleTimeout,
		"how long a Lambda function's warm process waits for another invocation before it is stopped")
	fs.IntVar(&cfg.FunctionConcurrency, "function-concurrency", lambda.DefaultConcurrency,
		"each account's Lambda concurrency limit per region: invocations in flight at once past it get TooManyRequestsException")
	fs.DurationVar(&cfg.VpcLinkIdle, "vpc-link-idle", 60*24*time.Hour,
		"how long a VPC link V2 may carry no traffic before it goes INACTIVE and loses its ENIs")
	fs.BoolVar(&cfg.VerifySignatures, "verify-signatures", false,
		"refuse management calls not signed (SigV4) with an --access-key, with AWS's errors; without --access-key the key is test:test")
	var keys, hosts list
	fs.Var(&keys, "access-key", "ID:SECRET, an access key that may sign management calls (--verify-signatures) and requests to AWS_IAM routes (repeatable; default test:test)")
	fs.Var(&hosts, "allow-host", "a host name, beyond localhost, address literals and the --listen name, the management API answers to (repeatable)")
	fs.BoolVar(&cfg.Pprof, "pprof", false, "serve Go's profiler under /_gatehouse/debug/pprof/")
	fs.StringVar(&cfg.CDKQualifier, "cdk-qualifier", gatehouse.DefaultCDKQualifier,
		"put /cdk-bootstrap/QUALIFIER/version, the SSM parameter CDK templates check, in every account and region unless it exists (empty: put nothing)")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", gatehouse.DefaultIdleTimeout, "close keep-alive connections idle this long")
	fs.DurationVar(&cfg.ReadHeaderTimeout, "header-timeout", gatehouse.DefaultReadHeaderTimeout, "how long a client may take to send a request's headers")
	fs.DurationVar(&cfg.BodyTimeout, "body-timeout", edge.DefaultBodyTimeout, "how long a management request body may take to arrive")
	inflight := fs.Int("max-inflight", gatehouse.DefaultMaxInflight,
		"integration requests in flight at once; invoke requests past it get 429 at once (0: no bound)")
	fs.IntVar(&cfg.MaxConns, "max-conns", 0,
		"client connections open at once; past it, new connections close the longest-idle ones (0: the descriptor limit less a reserve; negative: no bound)")
	fs.DurationVar(&cfg.SendTimeout, "send-timeout", gatehouse.DefaultSendTimeout,
		"how long an invoke client may read none of its answer before it is cut (0: no bound)")
	fs.DurationVar(&cfg.StackWait, "stack-wait", 0,
		"how long CreateStack, UpdateStack, DeleteStack and ExecuteChangeSet wait for the stack operation to finish before answering (0: answer once it is IN_PROGRESS, as AWS does)")
	budget := fs.Int64("body-budget", edge.DefaultBodyBudget>>20, "MiB of management request bodies held in memory at once; callers beyond it wait, then are throttled")
	if err := fs.Parse(args); err != nil {
		return cfg, false
	}
	cfg.AllowHosts = hosts
	if *tlsListen != "off" {
		cfg.TLSListen = *tlsListen
	}
	// The flag says 0 for no bound; Config keeps zero for its default.
	cfg.MaxInflight = *inflight
	if cfg.MaxInflight <= 0 {
		cfg.MaxInflight = -1
	}
	cfg.BodyBudget = *budget << 20
	if cfg.SendTimeout == 0 {
		cfg.SendTimeout = -1 // the flag says 0 for no bound
	}
	if len(keys) > 0 {
		cfg.AccessKeys = map[string]string{}
		for _, k := range keys {
			id, secret, ok := strings.Cut(k, ":")
			if !ok || id == "" || secret == "" {
				fmt.Fprintf(stderr, "gatehouse serve: --access-key %q is not ID:SECRET\n", k)
				return cfg, false
			}
			cfg.AccessKeys[id] = secret
		}
	}
	// The flag says 0 for "at once"; Config keeps zero for its default.
	cfg.VpcLinkDelay = *linkDelay
	if cfg.VpcLinkDelay <= 0 {
		cfg.VpcLinkDelay = -1
	}
	cfg.VpcLinkV1Delay = cfg.VpcLinkDelay
	cfg.FunctionDelay = *fnDelay
	if cfg.FunctionDelay <= 0 {
		cfg.FunctionDelay = -1
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "gatehouse serve: bad --log-level %q\n", *level)
		return cfg, false
	}
	cfg.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	return cfg, true
}

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }
