// Package servertest starts a whole gatehouse in-process on a random loopback
// port and hands out aws-sdk-go-v2 clients pointed at it, for tests.
package servertest

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"gatehouse"
	"gatehouse/internal/clock/clocktest"
)

// Server is a gatehouse under test.
type Server struct {
	*gatehouse.Server
	Clock *clocktest.Fake
	t     testing.TB
	cfg   gatehouse.Config
}

// Option adjusts the configuration.
type Option func(*gatehouse.Config)

// DataDir runs on the embedded store in dir instead of in memory.
func DataDir(dir string) Option {
	return func(c *gatehouse.Config) { c.InMemory, c.DataDir = false, dir }
}

// NoDefaultVpc starts accounts without a default VPC
// (gatehouse.Config.NoDefaultVpc), for tests that want a fresh account's EC2
// empty.
func NoDefaultVpc() Option {
	return func(c *gatehouse.Config) { c.NoDefaultVpc = true }
}

// TLS adds the HTTPS listener on a loopback port the kernel picks, with
// an authority made for the test (Server.TLSURL, Server.CAPool).
func TLS() Option {
	return func(c *gatehouse.Config) { c.TLSListen = "127.0.0.1:0" }
}

// VpcLinkDelay sets how long VPC links take to provision and to delete
// (gatehouse.Config.VpcLinkDelay: negative means at once).
func VpcLinkDelay(d time.Duration) Option {
	return func(c *gatehouse.Config) { c.VpcLinkDelay = d }
}

// FunctionDelay sets how long Lambda functions stay Pending after they are
// created, and updates InProgress (gatehouse.Config.FunctionDelay:
// negative means at once).
func FunctionDelay(d time.Duration) Option {
	return func(c *gatehouse.Config) { c.FunctionDelay = d }
}

// FunctionConcurrency sets each account's Lambda concurrency limit
// (gatehouse.Config.FunctionConcurrency).
func FunctionConcurrency(n int) Option {
	return func(c *gatehouse.Config) { c.FunctionConcurrency = n }
}

// VpcLinkV1Delay sets how long REST API VPC links (V1) take to provision
// and to delete (gatehouse.Config.VpcLinkV1Delay: negative means at once).
func VpcLinkV1Delay(d time.Duration) Option {
	return func(c *gatehouse.Config) { c.VpcLinkV1Delay = d }
}

// VpcLinkIdle sets how long a VPC link V2 may carry no traffic before it
// goes INACTIVE. Tests that run health checks shorten it: advancing the fake
// clock by sixty days would run every health-check round on the way.
func VpcLinkIdle(d time.Duration) Option {
	return func(c *gatehouse.Config) { c.VpcLinkIdle = d }
}

// StackWait makes calls that start a stack operation wait for it
// (gatehouse.Config.StackWait).
func StackWait(d time.Duration) Option {
	return func(c *gatehouse.Config) { c.StackWait = d }
}

// StackDependencyWait bounds the retries of a stack's delete blocked by a
// dependent (gatehouse.Config.StackDependencyWait), for tests of deletes
// that fail.
func StackDependencyWait(d time.Duration) Option {
	return func(c *gatehouse.Config) { c.StackDependencyWait = d }
}

// Log sends the server's structured logs (access log lines among them) to
// l instead of discarding them.
func Log(l *slog.Logger) Option {
	return func(c *gatehouse.Config) { c.Log = l }
}

// Start starts a server with a fake clock and an in-memory store; it is
// closed when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	cfg := gatehouse.Config{Listen: "127.0.0.1:0", InMemory: true, Clock: clk}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := gatehouse.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Server: srv, Clock: clk, t: t, cfg: cfg}
	t.Cleanup(func() { s.Close() })
	return s
}

// AWSConfig is an SDK configuration pointed at the server.
func (s *Server) AWSConfig() aws.Config { return AWSConfig(s.URL()) }

// TLSConfig is AWSConfig on the HTTPS listener (see TLS), with a client
// that trusts the server's certificate authority and no other.
func (s *Server) TLSConfig() aws.Config {
	cfg := AWSConfig(s.TLSURL())
	cfg.HTTPClient = bodyCopier{&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CAPool()}}}}
	return cfg
}

// AWSConfig is an SDK configuration pointed at a gatehouse at url, such as
// one running as a separate process. Each call is sent once: a test that
// counts acknowledged writes must not have the SDK repeat one behind its
// back.
func AWSConfig(url string) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
		HTTPClient:       bodyCopier{&http.Client{}},
	}
}

// bodyCopier hands net/http a private copy of each request body. smithy-go
// closes the body it built as soon as the call returns, which can race with
// the transport still finishing with it; the transport then drops the
// connection while a large response is being read ("use of closed network
// connection"), which flakes tests under -race.
type bodyCopier struct{ c *http.Client }

func (b bodyCopier) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return b.c.Do(r)
}

// CloudFormation is a CloudFormation client for the server.
func (s *Server) CloudFormation() *cloudformation.Client {
	return cloudformation.NewFromConfig(s.AWSConfig())
}

// EC2 is an EC2 client for the server.
func (s *Server) EC2() *ec2.Client { return ec2.NewFromConfig(s.AWSConfig()) }

// ELBv2 is an Elastic Load Balancing v2 client for the server.
func (s *Server) ELBv2() *elb.Client { return elb.NewFromConfig(s.AWSConfig()) }

// APIGatewayV2 is an API Gateway (HTTP APIs, VPC links V2) client for the
// server.
func (s *Server) APIGatewayV2() *apigatewayv2.Client {
	return apigatewayv2.NewFromConfig(s.AWSConfig())
}

// APIGateway is an API Gateway (REST APIs, VPC links V1) client for the
// server.
func (s *Server) APIGateway() *apigateway.Client { return apigateway.NewFromConfig(s.AWSConfig()) }

// ServiceDiscovery is a Cloud Map client for the server. The SDK sends
// DiscoverInstances to "data-" + the endpoint's host, as AWS serves it from
// its own host; data-127.0.0.1 resolves nowhere, so this client keeps the
// host as it is.
func (s *Server) ServiceDiscovery() *servicediscovery.Client {
	return servicediscovery.NewFromConfig(s.AWSConfig(), func(o *servicediscovery.Options) {
		o.APIOptions = append(o.APIOptions, keepHost)
	})
}

// Lambda is a Lambda client for the server.
func (s *Server) Lambda() *lambda.Client { return lambda.NewFromConfig(s.AWSConfig()) }

// SSM is a Systems Manager (Parameter Store) client for the server.
func (s *Server) SSM() *ssm.Client { return ssm.NewFromConfig(s.AWSConfig()) }

func keepHost(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("gatehouseKeepHost",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
		}), middleware.Before)
}

// Restart closes the server and starts a new one with the same configuration
// and clock, so a test started with DataDir can check what survives. The new
// server listens on another port: make clients from the one returned.
func (s *Server) Restart() *Server {
	s.t.Helper()
	if err := s.Close(); err != nil {
		s.t.Fatal(err)
	}
	srv, err := gatehouse.Start(context.Background(), s.cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	next := &Server{Server: srv, Clock: s.Clock, t: s.t, cfg: s.cfg}
	s.t.Cleanup(func() { next.Close() })
	return next
}

// Advance lets the server's controllers catch up with every change the test
// has made, then moves the fake clock by d. Due health-check rounds run to
// completion before it returns, so their results are visible at once.
//
// It waits for the controllers again after the advance: what the clock
// set off (a VPC link going AVAILABLE or INACTIVE) is committed by a
// lifecycle, not by a management call, so no answer has waited for the
// data plane to serve it.
func (s *Server) Advance(d time.Duration) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Sync(ctx); err != nil {
		s.t.Fatalf("waiting for controllers: %v", err)
	}
	s.Clock.Advance(d)
	if err := s.Sync(ctx); err != nil {
		s.t.Fatalf("waiting for controllers after the advance: %v", err)
	}
}
