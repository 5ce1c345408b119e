package gatehouse

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The layers of DESIGN.md, enforced: each rule says which of our packages a
// package must not import directly, and why.
var forbidden = []struct {
	pkg, reason string
	deny        []string
}{
	{"internal/api", "api is the leaf both sides of the wire share", []string{"internal/"}},
	{"internal/wire/", "wire families decode and encode; they know no service or model", []string{"internal/service", "internal/model", "internal/store", "internal/dataplane", "internal/network"}},
	{"internal/service/", "services never see HTTP or each other", []string{"internal/service/", "internal/wire", "internal/dataplane", "internal/edge", "internal/vpclink", "internal/privatelink", "internal/store/mem", "internal/store/bolt"}},
	{"internal/model", "the model sits just above the store", []string{"internal/api", "internal/wire", "internal/service", "internal/network", "internal/dataplane", "internal/edge"}},
	{"internal/network", "network is pure: it sees the model only", []string{"internal/store", "internal/api", "internal/wire", "internal/service", "internal/dataplane", "internal/dial", "internal/edge"}},
	{"internal/health", "health is read by elbv2 and the data plane, so it cannot depend on them", []string{"internal/service", "internal/wire", "internal/dataplane", "internal/edge", "internal/api", "internal/store/mem", "internal/store/bolt"}},
	{"internal/dial", "dial opens sockets and knows only network's rules", []string{"internal/model", "internal/store", "internal/api", "internal/wire", "internal/service", "internal/dataplane", "internal/edge", "internal/health", "internal/clock"}},
	{"internal/store", "the store knows nothing above it", []string{"internal/model", "internal/api", "internal/service", "internal/wire"}},
	{"internal/dataplane", "the data plane serves compiled snapshots: no store, no wire, no services", []string{"internal/store", "internal/api", "internal/wire", "internal/service", "internal/edge"}},
	{"internal/vpclink", "link lifecycles are controllers: they write the model, never call services or serve", []string{"internal/service", "internal/wire", "internal/dataplane", "internal/edge"}},
	{"internal/privatelink", "link lifecycles are controllers: they write the model, never call services or serve", []string{"internal/service", "internal/wire", "internal/dataplane", "internal/edge"}},
	{"internal/lambda", "the Lambda engine is a controller: it writes function states and event records, runs processes, never calls services or serves the gateway", []string{"internal/service", "internal/wire", "internal/dataplane", "internal/edge"}},
	{"internal/quota", "the quota controller writes counters to the model, never calls services or serves", []string{"internal/service", "internal/wire", "internal/dataplane", "internal/edge", "internal/api"}},
	{"internal/controller", "the controllers' shared loop sits just above the model: model, store and clock only", []string{
		"internal/admin", "internal/api", "internal/cli", "internal/clock/", "internal/cost", "internal/dataplane", "internal/dial",
		"internal/echo", "internal/edge", "internal/explain", "internal/health", "internal/model/", "internal/network",
		"internal/privatelink", "internal/servertest", "internal/service", "internal/stack", "internal/store/",
		"internal/usage", "internal/vpclink", "internal/wildcard", "internal/wire",
	}},
	{"internal/service/cloudformation", "the stack API calls the other services through the provisioner the root hands it, as any client would", []string{"internal/stack/provision"}},
	{"internal/usage", "usage is a leaf of counters", []string{"internal/"}},
	{"internal/ca", "the certificate authority signs certificates; it knows nothing of what they serve", []string{"internal/"}},
	{"internal/mapping/jsonpath", "jsonpath is the leaf every mapping language evaluates paths with", []string{"internal/"}},
	{"internal/mapping/", "a mapping language is a leaf the services and the data plane both parse with, so they cannot disagree", []string{"internal/"}},
	{"internal/sigv4", "sigv4 is a pure verifier both the edge and the data plane use", []string{"internal/"}},
	{"internal/dataplane/throttle", "throttle is a leaf of token buckets", []string{"internal/"}},
	{"internal/dataplane/jsonappend", "jsonappend is the leaf every event and access log writes JSON text with", []string{"internal/"}},
	{"internal/vtl", "vtl is a leaf language: the service validates and the data plane runs the same parsed templates", []string{"internal/"}},
	{"internal/httpmap", "httpmap parses mappings for both the service and the data plane, so it depends on neither", []string{"internal/"}},
	{"internal/explain", "explain renders a report; working out paths is the data plane's job", []string{"internal/store", "internal/service", "internal/wire", "internal/edge", "internal/dial", "internal/health", "internal/admin"}},
	{"internal/admin", "admin reads the data plane's snapshot, never the store", []string{"internal/store", "internal/service", "internal/wire", "internal/edge"}},
	{"internal/edge", "the edge classifies; it does not decode or serve operations", []string{"internal/service", "internal/model", "internal/store"}},
}

// leaves are packages the rules above would deny that some packages may
// import all the same: a leaf several languages share, so they have one
// implementation of it.
var leaves = []struct {
	leaf, reason string
	importers    []string
}{
	{"internal/mapping/jsonpath", "the mapping languages evaluate JSONPath with one parser", []string{"internal/vtl", "internal/mapping/", "internal/httpmap", "internal/service/", "internal/dataplane/"}},
}

// allowedLeaf reports whether the package in dir may import own though a
// rule denies it.
func allowedLeaf(dir, own string) bool {
	for _, l := range leaves {
		if own != l.leaf {
			continue
		}
		for _, imp := range l.importers {
			if strings.HasPrefix(dir, imp) {
				return true
			}
		}
	}
	return false
}

func TestDependencyRules(t *testing.T) {
	for _, dir := range packageDirs(t) {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			continue
		}
		for _, rule := range forbidden {
			if !strings.HasPrefix(dir, rule.pkg) {
				continue
			}
			for _, imp := range pkg.Imports {
				own, ok := strings.CutPrefix(imp, "gatehouse/")
				if !ok || allowedLeaf(dir, own) {
					continue
				}
				for _, d := range rule.deny {
					// A package may import its own sub-packages.
					if strings.HasPrefix(own, d) && !strings.HasPrefix(own, dir) {
						t.Errorf("%s imports %s: %s", dir, imp, rule.reason)
					}
				}
			}
		}
	}
}

func TestEveryPackageHasADoc(t *testing.T) {
	for _, dir := range packageDirs(t) {
		pkg, err := build.ImportDir(dir, build.ImportComment)
		if err != nil {
			continue
		}
		if strings.TrimSpace(pkg.Doc) == "" && pkg.Name != "main" {
			t.Errorf("package %s has no doc comment", dir)
		}
	}
}

func packageDirs(t *testing.T) []string {
	var dirs []string
	filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if m, _ := filepath.Glob(filepath.Join(path, "*.go")); len(m) > 0 {
			dirs = append(dirs, path)
		}
		return nil
	})
	return dirs
}
