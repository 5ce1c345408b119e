package cli

import (
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"gatehouse"
)

func TestServeFlags(t *testing.T) {
	cfg, ok := serveConfig([]string{"--verify-signatures", "--access-key", "AKID1:s1", "--access-key", "AKID2:s:2",
		"--allow-host", "gatehouse.internal", "--allow-host", "ci-box", "--pprof", "--idle-timeout", "5s",
		"--header-timeout", "3s", "--body-timeout", "2s", "--body-budget", "8", "--max-inflight", "16", "--max-conns", "500", "--no-default-vpc"}, io.Discard)
	if !ok {
		t.Fatal("flags refused")
	}
	if !cfg.VerifySignatures || !cfg.Pprof || cfg.IdleTimeout != 5*time.Second || cfg.ReadHeaderTimeout != 3*time.Second || cfg.BodyTimeout != 2*time.Second || cfg.BodyBudget != 8<<20 ||
		cfg.MaxInflight != 16 || cfg.MaxConns != 500 || !cfg.NoDefaultVpc {
		t.Errorf("config %+v", cfg)
	}
	if want := map[string]string{"AKID1": "s1", "AKID2": "s:2"}; !reflect.DeepEqual(cfg.AccessKeys, want) {
		t.Errorf("access keys %v, want %v", cfg.AccessKeys, want)
	}
	if want := []string{"gatehouse.internal", "ci-box"}; !reflect.DeepEqual([]string(cfg.AllowHosts), want) {
		t.Errorf("allowed hosts %v, want %v", cfg.AllowHosts, want)
	}

	// The defaults: verification and the profiler off, the documented limits.
	cfg, ok = serveConfig(nil, io.Discard)
	if !ok || cfg.VerifySignatures || cfg.Pprof || cfg.AccessKeys != nil || cfg.IdleTimeout != gatehouse.DefaultIdleTimeout ||
		cfg.ReadHeaderTimeout != 10*time.Second || cfg.BodyTimeout != 10*time.Second || cfg.BodyBudget != 64<<20 || cfg.MaxInflight != gatehouse.DefaultMaxInflight ||
		cfg.MaxConns != 0 || cfg.NoDefaultVpc || cfg.StackWait != 0 {
		t.Errorf("defaults %+v", cfg)
	}
	if cfg.TLSListen != gatehouse.DefaultTLSListen {
		t.Errorf("HTTPS listener by default on %q, want %q", cfg.TLSListen, gatehouse.DefaultTLSListen)
	}
	if cfg, _ := serveConfig([]string{"--tls-listen", "off"}, io.Discard); cfg.TLSListen != "" {
		t.Errorf("--tls-listen off gives TLSListen %q", cfg.TLSListen)
	}
	if cfg, _ := serveConfig([]string{"--tls-listen", "127.0.0.1:8443"}, io.Discard); cfg.TLSListen != "127.0.0.1:8443" {
		t.Errorf("--tls-listen 127.0.0.1:8443 gives TLSListen %q", cfg.TLSListen)
	}
	if cfg, _ := serveConfig([]string{"--stack-wait", "2m"}, io.Discard); cfg.StackWait != 2*time.Minute {
		t.Errorf("--stack-wait 2m gives StackWait %s", cfg.StackWait)
	}

	if cfg, _ := serveConfig(nil, io.Discard); cfg.FunctionDelay != gatehouse.DefaultFunctionDelay || cfg.FunctionConcurrency != 1000 || cfg.FunctionIdle != 10*time.Minute {
		t.Errorf("Lambda defaults: delay %s, concurrency %d, idle %s", cfg.FunctionDelay, cfg.FunctionConcurrency, cfg.FunctionIdle)
	}
	if cfg, _ := serveConfig([]string{"--function-delay", "0", "--function-concurrency", "5", "--function-idle", "1m"}, io.Discard); cfg.FunctionDelay >= 0 ||
		cfg.FunctionConcurrency != 5 || cfg.FunctionIdle != time.Minute {
		t.Errorf("--function-delay 0 gives %s (want at once, negative), concurrency %d, idle %s", cfg.FunctionDelay, cfg.FunctionConcurrency, cfg.FunctionIdle)
	}

	if cfg, _ := serveConfig([]string{"--max-inflight", "0"}, io.Discard); cfg.MaxInflight >= 0 {
		t.Errorf("--max-inflight 0 gives MaxInflight %d, want no bound (negative)", cfg.MaxInflight)
	}

	var stderr strings.Builder
	if _, ok := serveConfig([]string{"--access-key", "no-secret"}, &stderr); ok || !strings.Contains(stderr.String(), "not ID:SECRET") {
		t.Errorf("a key without a secret: ok %v, %q", ok, stderr.String())
	}
}

// serve seeds CDK's bootstrap parameter with the default qualifier unless
// told another, or none.
func TestServeCDKQualifier(t *testing.T) {
	for args, want := range map[string]string{"": gatehouse.DefaultCDKQualifier, "--cdk-qualifier=team1": "team1", "--cdk-qualifier=": ""} {
		cfg, ok := serveConfig(strings.Fields(args), io.Discard)
		if !ok || cfg.CDKQualifier != want {
			t.Errorf("serve %s: qualifier %q, want %q", args, cfg.CDKQualifier, want)
		}
	}
}
