// Package gatehouse is the composition root: Start builds the store, the
// services, the controllers (the health checker), the wire handlers and the
// edge, and serves them on one listener.
// Only cmd/gatehouse and tests import it; users can embed gatehouse in their own
// Go tests the same way:
//
//	srv, err := gatehouse.Start(ctx, gatehouse.Config{Listen: "127.0.0.1:0", InMemory: true})
//	defer srv.Close()
//	// point AWS SDK clients at srv.URL()
package gatehouse

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"gatehouse/internal/admin"
	"gatehouse/internal/api"
	"gatehouse/internal/ca"
	"gatehouse/internal/clock"
	"gatehouse/internal/dataplane"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/dial"
	"gatehouse/internal/edge"
	"gatehouse/internal/health"
	"gatehouse/internal/invoke"
	"gatehouse/internal/lambda"
	"gatehouse/internal/lambda/code"
	"gatehouse/internal/model"
	"gatehouse/internal/privatelink"
	"gatehouse/internal/quota"
	"gatehouse/internal/service/apigateway"
	"gatehouse/internal/service/apigatewayv2"
	"gatehouse/internal/service/cloudformation"
	"gatehouse/internal/service/ec2"
	"gatehouse/internal/service/elbv2"
	lambdasvc "gatehouse/internal/service/lambda"
	"gatehouse/internal/service/servicediscovery"
	"gatehouse/internal/service/ssm"
	"gatehouse/internal/service/sts"
	"gatehouse/internal/sigv4"
	"gatehouse/internal/stack"
	"gatehouse/internal/stack/provision"
	"gatehouse/internal/store"
	"gatehouse/internal/store/bolt"
	"gatehouse/internal/store/mem"
	"gatehouse/internal/usage"
	"gatehouse/internal/vpclink"
	"gatehouse/internal/wire/awsjson"
	"gatehouse/internal/wire/query"
	"gatehouse/internal/wire/restjson"
)

// Config configures a server. The zero value serves on 127.0.0.1:4566 with
// the embedded store in the default data directory.
type Config struct {
	// Listen is the address of the plain HTTP listener (default
	// 127.0.0.1:4566).
	Listen string
	// TLSListen, when set, is the address of a second listener serving the
	// same over HTTPS, with certificates from a local certificate
	// authority kept in DataDir (see CAFile); empty serves no HTTPS.
	// `gatehouse serve` sets it to DefaultTLSListen unless told otherwise.
	TLSListen string
	// DataDir holds the embedded store (default: DefaultDataDir()).
	DataDir string
	// InMemory keeps state in memory only.
	InMemory bool
	// Region and Account apply where a request does not say otherwise
	// (defaults us-east-1 and 000000000000).
	Region, Account string
	// NoDefaultVpc starts accounts without a default VPC: each account and
	// region otherwise gets one, as on AWS, when EC2 first sees it.
	NoDefaultVpc bool
	// Clock drives every lifecycle (default: the wall clock).
	Clock clock.Clock
	// Log receives structured logs (default: discarded).
	Log *slog.Logger
	// VpcLinkDelay is how long a VPC link V2 takes to provision its ENIs
	// (PENDING to AVAILABLE) and to be deleted: DefaultVpcLinkDelay when
	// zero, at once when negative.
	VpcLinkDelay time.Duration
	// VpcLinkIdle is how long a VPC link V2 may carry no traffic before it
	// goes INACTIVE and loses its ENIs (default 60 days, as on AWS).
	VpcLinkIdle time.Duration
	// VpcLinkV1Delay is how long a REST API VPC link (V1) takes to make its
	// endpoint service (PENDING to AVAILABLE or FAILED) and to be deleted.
	// Like VpcLinkDelay: zero means DefaultVpcLinkDelay, negative at once.
	VpcLinkV1Delay time.Duration
	// FunctionDelay is how long a Lambda function stays Pending after
	// CreateFunction, and an update InProgress, before it is Active and
	// Successful: DefaultFunctionDelay when zero, at once when negative.
	FunctionDelay time.Duration
	// FunctionIdle is how long a function's warm process waits for
	// another invocation before it is stopped
	// (lambda.DefaultIdleTimeout when zero).
	FunctionIdle time.Duration
	// FunctionConcurrency is each account's Lambda concurrency limit in
	// a region: invocations in flight at once past it get
	// TooManyRequestsException (lambda.DefaultConcurrency, Lambda's
	// default quota of 1000, when zero).
	FunctionConcurrency int
	// MaxInflight bounds the integration requests the data plane has in
	// flight at once, so that one caller (or an integration that calls its
	// own API) cannot take every file descriptor: past it, invoke requests
	// get AWS's 429 at once. Zero means DefaultMaxInflight, negative no
	// bound.
	MaxInflight int
	// SendTimeout is how long writing an integration's answer to a client
	// may make no progress: a client that reads nothing for that long is
	// cut, and its integration slot given back. Zero means
	// DefaultSendTimeout, negative no bound.
	SendTimeout time.Duration
	// MaxConns bounds the client connections open at once: past it, each
	// new connection closes the one idle the longest, so that clients
	// holding idle keep-alive connections cannot shut new ones out. Zero
	// means the descriptor limit less a reserve for backend connections
	// and the store, negative no bound.
	MaxConns int

	// VerifySignatures refuses management calls that are not signed with
	// SigV4 by one of AccessKeys, with AWS's errors.
	VerifySignatures bool
	// AccessKeys maps access key ids to secret keys: the keys that may sign
	// management calls under VerifySignatures and requests to AWS_IAM
	// routes and methods (default: DefaultAccessKeyID, DefaultSecretKey).
	AccessKeys map[string]string
	// AllowHosts are host names, beyond the listen address, loopback names
	// and address literals, that the management API answers to; any other
	// name is refused (DNS rebinding). API host names always answer.
	AllowHosts []string
	// CDKQualifier, when set, gives every account and region the
	// parameter CDK templates check, /cdk-bootstrap/CDKQualifier/version,
	// unless one is there (see DefaultCDKQualifier): Start puts it in the
	// default account and region, and any other has it from its first use.
	CDKQualifier string
	// Pprof serves Go's profiler under /_gatehouse/debug/pprof/.
	Pprof bool
	// IdleTimeout closes keep-alive connections idle that long
	// (DefaultIdleTimeout when zero).
	IdleTimeout time.Duration
	// ReadHeaderTimeout is how long a client may take to send a request's
	// headers (DefaultReadHeaderTimeout when zero).
	ReadHeaderTimeout time.Duration
	// BodyTimeout is how long a management request body may take to
	// arrive (edge.DefaultBodyTimeout when zero).
	BodyTimeout time.Duration
	// BodyBudget bounds the management request body bytes held in memory
	// at once (edge.DefaultBodyBudget when zero); callers beyond it wait,
	// then are throttled.
	BodyBudget int64
	// StackWait makes a CloudFormation call that starts a stack operation
	// (CreateStack, UpdateStack, DeleteStack, ExecuteChangeSet) wait up to
	// this long for it to finish before answering. Zero answers as soon as
	// the operation is recorded IN_PROGRESS, as AWS does.
	StackWait time.Duration
	// StackDependencyWait bounds how long a stack's delete of a resource
	// that something still uses is retried before the resource is
	// DELETE_FAILED (a minute when zero).
	StackDependencyWait time.Duration

	// watchConns, set by tests (export_test.go), sees each client
	// connection's change of state once the connection cap has, so that
	// a test can wait for the server to take a connection as idle.
	watchConns func(net.Conn, http.ConnState)
}

// DefaultMaxInflight is the default bound on integration requests in
// flight: far above what a laptop or CI run sends, well below the
// descriptors a process is usually allowed.
const DefaultMaxInflight = 4096

// DefaultSendTimeout is how long a client may take none of its answer:
// as long as the longest integration timeout, far past the pauses of a
// client that reads at all.
const DefaultSendTimeout = 30 * time.Second

// SendBuffer is the kernel send buffer of each client connection. The send
// timeout can only see a client's progress as far as the kernel reports
// it: Linux wakes a blocked writer once about half of what is queued has
// drained, and an autotuned buffer queues megabytes, so a client reading
// steadily at a few hundred KiB/s would show no progress for longer than
// the timeout and be cut. With this much queued at most, a client that
// takes about SendBuffer bytes within the send timeout is never cut.
const SendBuffer = 64 << 10

// sendBuffered sets SendBuffer on every connection it accepts.
type sendBuffered struct {
	net.Listener
	size int
}

func (l sendBuffered) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(l.size)
	}
	return c, err
}

// The access key signatures are checked against when none is configured:
// the pair other AWS emulators use, so their users' settings work
// unchanged.
const (
	DefaultAccessKeyID = "test"
	DefaultSecretKey   = "test"
)

// DefaultIdleTimeout is how long an idle keep-alive connection is kept.
const DefaultIdleTimeout = 60 * time.Second

// DefaultReadHeaderTimeout is how long a client may take to send a
// request's headers.
const DefaultReadHeaderTimeout = 10 * time.Second

// DefaultVpcLinkDelay stands in for AWS's "few minutes" of VPC link
// provisioning: short, but long enough that clients must wait for AVAILABLE.
const DefaultVpcLinkDelay = vpclink.DefaultDelay

// DefaultFunctionDelay stands in for the second or so Lambda takes to
// make a new function Active.
const DefaultFunctionDelay = lambda.DefaultActivateDelay

// DefaultListen is the port AWS emulators use, so AWS_ENDPOINT_URL=http://localhost:4566 works.
const DefaultListen = "127.0.0.1:4566"

// DefaultDataDir is a gatehouse folder under the user's data directory.
func DefaultDataDir() string {
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "gatehouse")
}

// Server is a running gatehouse.
type Server struct {
	cfg   Config
	ln    net.Listener
	http  *http.Server
	store store.Store
	done  chan error
	// health probes target groups' targets; its Table feeds elbv2.
	health    *health.Checker
	plane     *dataplane.Plane
	transport *dial.H1Transport
	links     *usage.Links
	// quotas count what each API key uses of its usage plans; quota
	// keeps them in the store.
	quotas *usage.Quotas
	quota  *quota.Controller
	// vpclinks moves VPC links V2 through PENDING, AVAILABLE, INACTIVE and
	// deletion.
	vpclinks *vpclink.Controller
	// v1links moves REST API VPC links (V1) through PENDING, AVAILABLE or
	// FAILED, and deletion, with their endpoint services.
	v1links *privatelink.Controller
	// settle makes each write's answer wait for the controllers above.
	settle *settler
	// stacks runs CloudFormation's stack operations, calling this
	// server's own APIs.
	stacks *cloudformation.Service
	// params is the Parameter Store, which stacks read too.
	params *ssm.Service
	// fnEngine runs Lambda functions as child processes, moves them to
	// Active and delivers their asynchronous invocations; functions is
	// it, as the data plane and the Lambda API invoke it.
	fnEngine  *lambda.Engine
	functions invoke.Invoker
	// lambdaSvc is the Lambda API; it also takes the data plane's
	// asynchronous invocations, as its Invoke takes Event ones.
	lambdaSvc *lambdasvc.Service
	// code holds functions' deployment packages, unpacked: under the data
	// directory, or in a temporary one removed at shutdown (codeTemp).
	code     *code.Store
	codeTemp bool
	// engineKey marks the stack engine's calls as CloudFormation's. It is
	// made afresh by each process and never leaves it, so no client can
	// present it.
	engineKey string

	// https serves the same handler over TLS on tlsLn, with
	// certificates from ca; all nil without Config.TLSListen.
	// fnHTTP serves functions on fnLn, a loopback listener of their own
	// given to them as AWS_ENDPOINT_URL: the AWS APIs only, with no admin
	// endpoints and no invoke URLs.
	fnHTTP *http.Server
	fnLn   net.Listener
	fnDone chan error

	https   *http.Server
	tlsLn   net.Listener
	tlsDone chan error
	ca      *ca.Authority

	closeOnce sync.Once
	closeErr  error
}

// Start opens the store and starts serving. It returns once the listener is
// bound, so the URL can be used at once.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	cfg = withDefaults(cfg)
	st, loader, err := openStore(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	ln = sendBuffered{Listener: ln, size: SendBuffer}
	s := &Server{cfg: cfg, ln: ln, store: st, done: make(chan error, 1), engineKey: rand.Text()}
	if err := s.openCode(); err != nil {
		ln.Close()
		st.Close()
		return nil, err
	}
	if cfg.TLSListen != "" {
		if err := s.listenTLS(); err != nil {
			s.closeCode()
			ln.Close()
			st.Close()
			return nil, err
		}
	}
	s.newControllers(loader)
	services, err := s.newServices()
	if err == nil {
		if err = s.params.Seed(cfg.Account, cfg.Region); err != nil {
			err = fmt.Errorf("seeding the Parameter Store: %w", err)
		}
	}
	if err != nil {
		s.closeTLS()
		s.closeCode()
		ln.Close()
		st.Close()
		return nil, err
	}
	// No ReadTimeout or WriteTimeout: they would cut long invoke
	// responses. The edge bounds management bodies, the data plane invoke
	// bodies, each per request.
	main := s.newEdge(services)
	s.http = &http.Server{Handler: main, ReadHeaderTimeout: cfg.ReadHeaderTimeout, IdleTimeout: cfg.IdleTimeout}
	s.fnHTTP = &http.Server{Handler: s.newFunctionEdge(services, main), ReadHeaderTimeout: cfg.ReadHeaderTimeout, IdleTimeout: cfg.IdleTimeout}
	// Functions' listener counts against the same connection cap and
	// body budget as gatehouse's own: it adds a door, not more room.
	if n := maxConns(cfg.MaxConns); n > 0 {
		k := newConnCap(n)
		s.http.ConnState, s.fnHTTP.ConnState = k.state, k.state
	}
	if watch, capped := cfg.watchConns, s.http.ConnState; watch != nil {
		s.http.ConnState = func(c net.Conn, st http.ConnState) {
			if capped != nil {
				capped(c, st)
			}
			watch(c, st)
		}
	}
	// Quota counters are loaded before the data plane serves, so a
	// restart keeps what keys used.
	if err := s.quota.Load(); err != nil {
		s.closeTLS()
		s.closeCode()
		ln.Close()
		st.Close()
		return nil, fmt.Errorf("reading usage plan quotas in %s: %w", storeName(cfg), err)
	}
	if s.fnLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		s.closeTLS()
		s.closeCode()
		ln.Close()
		st.Close()
		return nil, fmt.Errorf("listen for functions on 127.0.0.1: %w", err)
	}
	s.health.Start()
	s.v1links.Start()
	s.vpclinks.Start()
	s.quota.Start()
	s.fnEngine.Start()
	s.plane.Start()
	if s.tlsLn != nil {
		s.serveTLS(s.tlsLn)
		cfg.Log.Info("HTTPS listener serving", "addr", s.tlsLn.Addr().String(), "ca", s.ca.Path())
	}
	s.fnDone = make(chan error, 1)
	go func() {
		err := s.fnHTTP.Serve(s.fnLn)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.fnDone <- err
	}()
	go func() {
		err := s.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	cfg.Log.Info("gatehouse serving", "addr", ln.Addr().String(), "region", cfg.Region, "account", cfg.Account,
		"store", storeName(cfg))
	// Stack operations a stop or a crash interrupted carry on through the
	// listener, which serves now.
	if err := s.stacks.Resume(); err != nil {
		s.Close()
		return nil, fmt.Errorf("resuming stack operations in %s: %w", storeName(cfg), err)
	}
	return s, nil
}

// withDefaults fills in what cfg leaves zero.
func withDefaults(cfg Config) Config {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if len(cfg.AccessKeys) == 0 {
		cfg.AccessKeys = map[string]string{DefaultAccessKeyID: DefaultSecretKey}
	}
	if !cfg.InMemory && cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir()
	}
	if cfg.VpcLinkDelay == 0 {
		cfg.VpcLinkDelay = DefaultVpcLinkDelay
	}
	if cfg.VpcLinkV1Delay == 0 {
		cfg.VpcLinkV1Delay = DefaultVpcLinkDelay
	}
	if cfg.FunctionDelay == 0 {
		cfg.FunctionDelay = DefaultFunctionDelay
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	return cfg
}

// openStore opens the store and reads the whole model once through the
// loader every reader of the model shares, so each commit is decoded once.
// Reading it all now makes a record that does not decode an error at
// start, naming its key, rather than a controller's log line later.
func openStore(cfg Config) (store.Store, *model.Loader, error) {
	var st store.Store
	if cfg.InMemory {
		st = mem.New()
	} else {
		b, err := bolt.Open(cfg.DataDir)
		if err != nil {
			return nil, nil, err
		}
		st = b
	}
	loader := model.NewLoader(st)
	if _, err := loader.Load(); err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("reading the store in %s: %w", storeName(cfg), err)
	}
	return st, loader, nil
}

// newControllers builds what follows the store, not yet started: the
// health checker, the lifecycles of both kinds of VPC link, and the data
// plane, and the settler that makes writes wait for them.
func (s *Server) newControllers(loader *model.Loader) {
	cfg, st := s.cfg, s.store
	// transport carries the data plane's requests to backends, pooled.
	s.transport = dial.New().H1Transport()
	// The checker sends checks of an NLB's alb-type targets into the ALB
	// through the data plane, built below and started after the checker.
	s.health = health.NewChecker(health.Config{Store: st, Load: loader.Load, Clock: cfg.Clock, Log: cfg.Log,
		ThroughALB: func(albARN string, port int, req *http.Request) (*http.Response, error) {
			return s.plane.ThroughALB(albARN, port, req)
		},
		InvokeLambda: func(tgARN string, req *http.Request) (*http.Response, error) {
			return s.plane.CheckLambda(tgARN, req)
		}})
	// links records VPC link traffic: the data plane writes it, the VPC
	// link lifecycle reads it (the idle rule and wake-ups).
	s.links = usage.NewLinks()
	s.vpclinks = vpclink.New(vpclink.Config{Store: st, Load: loader.Load, Clock: cfg.Clock, Links: s.links,
		Delay: max(cfg.VpcLinkDelay, 0), Idle: cfg.VpcLinkIdle, Log: cfg.Log})
	s.v1links = privatelink.New(privatelink.Config{Store: st, Load: loader.Load, Clock: cfg.Clock, Delay: max(cfg.VpcLinkV1Delay, 0), Log: cfg.Log})
	s.fnEngine = s.newFunctionEngine(loader)
	s.functions = s.fnEngine
	s.lambdaSvc = lambdasvc.New(lambdasvc.Config{Store: st, Clock: cfg.Clock, Code: s.code, Functions: s.functions, Endpoint: s.URL,
		Concurrency: cfg.FunctionConcurrency})
	s.quotas = usage.NewQuotas()
	s.quota = quota.New(quota.Config{Store: st, Clock: cfg.Clock, Quotas: s.quotas, Log: cfg.Log})
	s.plane = dataplane.New(dataplane.Config{
		Load:     loader.Load,
		Watch:    st.Watch,
		Revision: st.Revision,
		Changed: func(after, upto uint64) ([]string, uint64, bool) {
			return model.Changed(st, after, upto)
		},
		Clock:       cfg.Clock,
		Health:      s.health.Table(),
		Links:       s.links,
		Quotas:      s.quotas,
		Transport:   s.transport,
		Log:         cfg.Log,
		MaxInflight: maxInflight(cfg.MaxInflight),
		SendTimeout: sendTimeout(cfg.SendTimeout),
		AccessKeys:  cfg.AccessKeys,
		Functions:   s.functions,
		Events:      s.lambdaSvc,
	})
	// A write answers once every controller acts on it (read-your-writes),
	// the data plane last: a link lifecycle may commit as it acts (a link
	// due at once goes AVAILABLE), and the plane must serve that too.
	s.settle = newSettler(st, cfg.Log,
		&follower{name: "health", sync: s.health.Sync},
		&follower{name: "vpclink", sync: s.vpclinks.Sync},
		&follower{name: "privatelink", sync: s.v1links.Sync},
		&follower{name: "lambda", sync: s.fnEngine.Sync},
		&follower{name: "dataplane", sync: s.plane.Sync})
}

// newFunctionEngine builds the Lambda engine. Functions call gatehouse's
// APIs with one of the access keys it accepts (the first by id, so the
// choice is stable), as their execution role's credentials.
func (s *Server) newFunctionEngine(loader *model.Loader) *lambda.Engine {
	cfg := s.cfg
	var keyID string
	for id := range cfg.AccessKeys {
		if keyID == "" || id < keyID {
			keyID = id
		}
	}
	return lambda.New(lambda.Config{Store: s.store, Load: loader.Load, Clock: cfg.Clock, Log: cfg.Log,
		Code: s.code.Dir, Endpoint: s.FunctionsURL, AccessKey: keyID, SecretKey: cfg.AccessKeys[keyID],
		ActivateDelay: max(cfg.FunctionDelay, 0), IdleTimeout: cfg.FunctionIdle, Concurrency: cfg.FunctionConcurrency})
}

// fromFunction reports whether r was sent by one of the engine's function
// processes, which reach gatehouse's APIs but not its admin endpoints.
func (s *Server) fromFunction(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return ok && s.fnEngine != nil && s.fnEngine.FromFunction(r.RemoteAddr, local.String())
}

// newServices builds the AWS services on the store and their wire
// handlers, keyed by the edge's service names; every write waits for the
// controllers before it answers.
func (s *Server) newServices() (map[string]http.Handler, error) {
	cfg, st, settle := s.cfg, s.store, s.settle.settled
	var ec2Opts []ec2.Option
	if cfg.NoDefaultVpc {
		ec2Opts = append(ec2Opts, ec2.WithoutDefaultVpc())
	}
	ec2Svc := ec2.New(st, cfg.Clock, ec2Opts...)
	elbSvc := elbv2.New(st, cfg.Clock, s.health.Table())
	sdSvc := servicediscovery.New(st, cfg.Clock)
	// An HTTP API's apiEndpoint is its invoke URL on this listener.
	_, port, _ := net.SplitHostPort(s.ln.Addr().String())
	apigwv2Svc := apigatewayv2.New(st, cfg.Clock, func(apiID string) string {
		return "http://" + apiID + ".execute-api.localhost:" + port
	}, vpclink.Provision)
	if err := apigwv2Svc.IndexRouteKeys(); err != nil {
		return nil, fmt.Errorf("indexing route keys in the store in %s: %w", storeName(cfg), err)
	}
	apigwSvc := apigateway.New(st, cfg.Clock)
	apigwSvc.SetUsageSync(s.quota.Sync)
	s.params = ssm.New(st, cfg.Clock)
	if cfg.CDKQualifier != "" {
		s.params.SetDefaults(cdkBootstrap(cfg.CDKQualifier))
	}
	lambdaSvc := s.lambdaSvc
	s.stacks = cloudformation.New(cloudformation.Config{Store: st, Clock: cfg.Clock, Log: cfg.Log,
		Provisioner: s.provisioner, Wait: cfg.StackWait, SeedParameters: s.params.Seed})
	return map[string]http.Handler{
		edge.EC2:   query.NewHandler(query.Flavor{EC2: true, Version: ec2.Version, XMLNS: ec2.XMLNS}, settle(ec2Svc.Ops()), cfg.Log),
		edge.ELBv2: query.NewHandler(query.Flavor{Version: elbv2.Version, XMLNS: elbv2.XMLNS}, settle(elbSvc.Ops()), cfg.Log),
		edge.STS:   query.NewHandler(query.Flavor{Version: sts.Version, XMLNS: sts.XMLNS}, sts.New().Ops(), cfg.Log),
		// Stack operations write stack records only, which no controller
		// follows; the resources they make are settled as their own calls.
		edge.CloudFormation: query.NewHandler(query.Flavor{Version: cloudformation.Version, XMLNS: cloudformation.XMLNS}, s.stacks.Ops(), cfg.Log),

		edge.ServiceDiscovery: awsjson.NewHandler(servicediscovery.TargetPrefix, settle(sdSvc.Ops()), cfg.Log),
		edge.APIGatewayV2:     restjson.NewHandler(settle(apigwv2Svc.Ops()), cfg.Log),
		edge.APIGateway:       restjson.NewHandler(settle(apigwSvc.Ops()), cfg.Log),
		edge.Lambda:           restjson.NewHandler(settle(lambdaSvc.Ops()), cfg.Log),

		// Parameters feed no controller: their writes need not wait.
		edge.SSM: awsjson.NewHandler(ssm.TargetPrefix, s.params.Ops(), cfg.Log),
	}, nil
}

// provisioner makes stacks' resources through this server's own APIs, as
// any SDK client would.
func (s *Server) provisioner(account, region string) stack.Provisioner {
	p := provision.NewSDK(s.EngineConfig(region))
	p.Account = account
	p.DependencyWait = s.cfg.StackDependencyWait
	return p
}

// EngineConfig is the SDK configuration the stack engine calls this server
// with: signed with a key the server accepts, and carrying the engine key,
// so that its calls may write the aws:cloudformation: tags AWS keeps for
// CloudFormation. A client without it cannot.
func (s *Server) EngineConfig(region string) aws.Config {
	cfg := provision.EndpointConfig(s.URL(), region)
	for id, secret := range s.cfg.AccessKeys {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, "")
		break
	}
	cfg.APIOptions = append(cfg.APIOptions, smithyhttp.SetHeaderValue(api.CallerHeader, s.engineKey))
	return cfg
}

// newEdge is the root handler: invoke URLs to the data plane, the admin
// endpoints, and management calls to the services' handlers, behind the
// management plane's guards.
func (s *Server) newEdge(services map[string]http.Handler) *edge.Edge {
	cfg := s.cfg
	return edge.New(edge.Config{
		Invoke:     s.plane,
		IsInvoke:   dataplane.IsInvoke,
		InvokeHost: s.plane.ServesHost,
		// Every request an integration sends carries the hop count.
		ViaIntegration: func(r *http.Request) bool { return r.Header.Get(upstream.HopsHeader) != "" },
		FromFunction:   s.fromFunction,
		Admin: admin.Handler(admin.Config{Snapshot: s.plane.Snapshot, Health: targetHealth(s.health.Table()),
			Pprof: cfg.Pprof, Now: cfg.Clock.Now, CACert: s.caCert()}),
		Services:    services,
		Account:     cfg.Account,
		Region:      cfg.Region,
		Log:         cfg.Log,
		AllowHosts:  append([]string{cfg.Listen}, cfg.AllowHosts...),
		Verify:      verifier(cfg),
		BodyTimeout: cfg.BodyTimeout,
		BodyBudget:  cfg.BodyBudget,
		EngineKey:   s.engineKey,
	})
}

// newFunctionEdge is what functions' AWS_ENDPOINT_URL serves: the same
// services behind the same guards, but no admin endpoints and no invoke
// URLs, so a function reaches gatehouse only through the AWS APIs, as it
// would reach AWS. A request for either answers as an unknown operation.
func (s *Server) newFunctionEdge(services map[string]http.Handler, main *edge.Edge) http.Handler {
	cfg := s.cfg
	return edge.New(edge.Config{
		ShareBudget: main,
		Services:    services,
		Account:     cfg.Account,
		Region:      cfg.Region,
		Log:         cfg.Log,
		Verify:      verifier(cfg),
		BodyTimeout: cfg.BodyTimeout,
	})
}

// FunctionsURL is the base URL functions get as AWS_ENDPOINT_URL: the AWS
// APIs alone, on a loopback port of their own.
func (s *Server) FunctionsURL() string { return "http://" + s.fnLn.Addr().String() }

func sendTimeout(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultSendTimeout
	case d < 0:
		return 0
	}
	return d
}

func maxInflight(n int) int {
	switch {
	case n == 0:
		return DefaultMaxInflight
	case n < 0:
		return 0
	}
	return n
}

// verifier checks management signatures against the configured keys, or
// is nil when signatures are not verified. Signatures are made by real
// clocks, so the skew is measured with the wall clock, not cfg.Clock.
func verifier(cfg Config) func(*http.Request) (*sigv4.Credential, error) {
	if !cfg.VerifySignatures {
		return nil
	}
	keys := cfg.AccessKeys
	secret := func(id string) (string, bool) { s, ok := keys[id]; return s, ok }
	return func(r *http.Request) (*sigv4.Credential, error) { return sigv4.Verify(r, time.Now(), secret) }
}

// targetHealth adapts the health table to what explain reports.
func targetHealth(t *health.Table) dataplane.HealthStatus {
	return func(tg, id string, port int) (string, string) {
		s := t.TargetHealth(tg, id, port)
		return s.State, s.Reason
	}
}

func storeName(cfg Config) string {
	if cfg.InMemory {
		return "memory"
	}
	return cfg.DataDir
}

// URL is the server's base URL, for SDK endpoints.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// TLSURL is the base URL of the HTTPS listener, "" without one.
func (s *Server) TLSURL() string {
	if s.tlsLn == nil {
		return ""
	}
	return "https://" + s.tlsLn.Addr().String()
}

// TLSAddr is the address the HTTPS listener listens on, nil without one.
func (s *Server) TLSAddr() net.Addr {
	if s.tlsLn == nil {
		return nil
	}
	return s.tlsLn.Addr()
}

// CAFile is the PEM file of the certificate authority the HTTPS listener's
// certificates come from (curl --cacert), "" without the listener.
func (s *Server) CAFile() string {
	if s.ca == nil {
		return ""
	}
	return s.ca.Path()
}

// CAPool is a pool holding that authority's certificate, for clients; nil
// without the listener.
func (s *Server) CAPool() *x509.CertPool {
	if s.ca == nil {
		return nil
	}
	return s.ca.Pool()
}

// CertificatesIssued counts the certificates the authority has signed in
// this process: one per name, however many handshakes.
func (s *Server) CertificatesIssued() int64 {
	if s.ca == nil {
		return 0
	}
	return s.ca.Issued()
}

// Handler is the server's root handler, for in-process benchmarks.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// CloseIdleConnections drops the data plane's idle backend connections, so
// a tool can tell pooled connections from leaked ones.
func (s *Server) CloseIdleConnections() { s.transport.CloseIdleConnections() }

// Store is the server's store, for tests and tools that read the model.
func (s *Server) Store() store.Store { return s.store }

// TargetHealth is the live target-health table, which the data plane reads.
func (s *Server) TargetHealth() *health.Table { return s.health.Table() }

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Sync waits until every controller has caught up with the changes
// committed before the call (health checker, VPC link lifecycles, data
// plane). Tests that drive a fake clock call it before advancing, so the
// advance acts on their writes.
//
// A management write waits for the same before it answers, so only a test
// that writes to the store directly needs it.
func (s *Server) Sync(ctx context.Context) error {
	for _, f := range s.settle.followers {
		if err := f.sync(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Guard bounds the data plane's integration requests in flight and counts
// the requests it refused (loops, overload) and the answers cut short.
func (s *Server) Guard() *upstream.Guard { return s.plane.Guard() }

// DataPlane is the plane serving invoke URLs, for tests that look at
// what it compiled.
func (s *Server) DataPlane() *dataplane.Plane { return s.plane }

// Links is the VPC link usage table the data plane writes.
func (s *Server) Links() *usage.Links { return s.links }

// Shutdown stops accepting requests, waits for in-flight ones (until ctx is
// done), then closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() {
		// Stack workers call the listener, so they stop first; what they
		// were doing carries on at the next start.
		s.stacks.Stop()
		err := s.http.Shutdown(ctx)
		if serr := <-s.done; err == nil {
			err = serr
		}
		// Functions' calls are served until the last invocation through
		// the main listener has answered.
		if ferr := s.fnHTTP.Shutdown(ctx); err == nil {
			err = ferr
		}
		if ferr := <-s.fnDone; err == nil {
			err = ferr
		}
		if s.https != nil {
			if terr := s.https.Shutdown(ctx); err == nil {
				err = terr
			}
			if terr := <-s.tlsDone; err == nil {
				err = terr
			}
		}
		s.closeTLS()
		// Controllers read the store, so they stop before it closes.
		s.health.Stop()
		s.v1links.Stop()
		s.vpclinks.Stop()
		// Function processes are killed and reaped; an asynchronous
		// invocation cut short stays recorded for the next start.
		s.fnEngine.Stop()
		s.plane.Stop()
		// No request is served any more: the quota counters are final.
		if qerr := s.quota.Stop(); qerr != nil {
			s.cfg.Log.Error("writing usage plan quotas", "err", qerr)
			if err == nil {
				err = qerr
			}
		}
		if cerr := s.store.Close(); err == nil {
			err = cerr
		}
		s.closeCode()
		s.closeErr = err
	})
	return s.closeErr
}

// openCode opens the store of functions' deployment packages: beside the
// model in the data directory, or in a temporary directory when state is
// kept in memory, as the packages then live no longer than the model.
func (s *Server) openCode() error {
	dir := filepath.Join(s.cfg.DataDir, "lambda", "code")
	if s.cfg.InMemory {
		tmp, err := os.MkdirTemp("", "gatehouse-code-")
		if err != nil {
			return fmt.Errorf("the Lambda code store: %w", err)
		}
		dir, s.codeTemp = tmp, true
	}
	c, err := code.New(dir)
	if err != nil {
		if s.codeTemp {
			os.RemoveAll(dir)
		}
		return err
	}
	s.code = c
	return nil
}

// closeCode removes a temporary code store.
func (s *Server) closeCode() {
	if s.code != nil && s.codeTemp {
		os.RemoveAll(s.code.Root())
	}
}

// Code is the store of functions' deployment packages.
func (s *Server) Code() *code.Store { return s.code }

// Close shuts the server down, giving in-flight requests five seconds.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Shutdown(ctx)
}
