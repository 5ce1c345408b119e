package gatehouse_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"gatehouse"
	"gatehouse/internal/dataplane"
	"gatehouse/internal/dataplane/httpapi"
	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
)

// The HTTP API data plane patches a stage's router from the change feed
// instead of building it whole. Whatever sequence of management calls
// came before, each stage must route every request as a compile from
// scratch of the same store state would: a seeded random walk over
// routes, integrations, deployments and stages checks that after every
// step, comparing routing decisions in-process. A second plane on the
// same store compiles only every few steps, so that one compile follows
// several writes at once, and is checked the same way when it does.
func TestIncrementalCompileMatchesFresh(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel() // each seed has its own server
			w := newCompileWalk(t, seed)
			for step := range 150 {
				what := w.step()
				w.check(fmt.Sprintf("step %d (%s)", step, what))
				if t.Failed() {
					t.Logf("history:\n%s", strings.Join(w.history, "\n"))
					return
				}
			}
		})
	}
}

// walkKeys are the route keys the walk uses: static, parameter and
// greedy paths, methods that beat ANY, and $default, which overlap so
// that one route can shadow another.
var walkKeys = []string{"GET /a", "ANY /a", "POST /a", "GET /b", "GET /items/{id}", "GET /items/special",
	"ANY /{proxy+}", "GET /a/{proxy+}", "$default"}

// walkProbes are the requests checked on every stage: one per key, and
// some that only a greedy route or $default matches, or nothing.
var walkProbes = [][2]string{{"GET", "/a"}, {"PUT", "/a"}, {"POST", "/a"}, {"GET", "/b"}, {"POST", "/b"},
	{"GET", "/items/7"}, {"GET", "/items/special"}, {"DELETE", "/items/7"}, {"GET", "/a/x/y"}, {"GET", "/zz/top"},
	{"GET", "/"}, {"PATCH", "/nope"}}

type walkAPI struct {
	id           string
	routes       []string
	integrations []string
	deployments  []string
	stages       []string
}

type compileWalk struct {
	t        *testing.T
	rng      *rand.Rand
	srv      *servertest.Server
	gw       *apigatewayv2.Client
	ec2      *ec2.Client
	vpc      string
	net      *benchNet
	port     int32
	backends []int32
	apis     []*walkAPI
	sgs      int
	history  []string

	// lazy compiles when poked, every few steps (by beat, which draws
	// apart from the walk so that the walk is the same with or without
	// it).
	lazy *dataplane.Plane
	poke chan uint64
	beat *rand.Rand
}

func newCompileWalk(t *testing.T, seed uint64) *compileWalk {
	srv := servertest.Start(t)
	w := &compileWalk{t: t, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), srv: srv, gw: srv.APIGatewayV2(), ec2: srv.EC2()}
	ctx := context.Background()
	vpc, err := w.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	w.must(err)
	w.vpc = *vpc.Vpc.VpcId
	w.net, w.port = benchNetwork(t, srv), 1000
	srv.Advance(gatehouse.DefaultVpcLinkDelay)
	w.poke = make(chan uint64, 1)
	w.beat = rand.New(rand.NewPCG(seed, 1))
	st := srv.Store()
	w.lazy = dataplane.New(dataplane.Config{Load: model.NewLoader(st).Load, Revision: st.Revision,
		Watch:   func() (<-chan uint64, func()) { return w.poke, func() {} },
		Changed: func(after, upto uint64) ([]string, uint64, bool) { return model.Changed(st, after, upto) },
		Clock:   srv.Clock, Health: allHealthy{}, Log: slog.New(slog.DiscardHandler)})
	w.lazy.Start()
	t.Cleanup(w.lazy.Stop)
	w.backends = []int32{echoBackend(t, "b0"), echoBackend(t, "b1"), echoBackend(t, "b2")}
	for i := range 2 {
		api, err := w.gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String(fmt.Sprint("walk", i)), ProtocolType: v2types.ProtocolTypeHttp})
		w.must(err)
		w.apis = append(w.apis, &walkAPI{id: *api.ApiId})
	}
	return w
}

func (w *compileWalk) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

func (w *compileWalk) target(a *walkAPI) *string {
	if len(a.integrations) == 0 || w.rng.IntN(8) == 0 {
		return nil
	}
	return aws.String("integrations/" + pick(w.rng, a.integrations))
}

func (w *compileWalk) uri() *string {
	return aws.String(fmt.Sprintf("http://127.0.0.1:%d/", pick(w.rng, w.backends)))
}

// step makes one random management call and says what it was. Calls AWS
// refuses (a route key taken, an integration in use) are part of the
// walk: they must change nothing served.
func (w *compileWalk) step() string {
	ctx := context.Background()
	a := w.apis[0]
	if w.rng.IntN(3) == 0 {
		a = w.apis[1]
	}
	var what string
	var err error
	switch op := w.rng.IntN(100); {
	case op < 16:
		key := pick(w.rng, walkKeys)
		what = "CreateRoute " + key
		var out *apigatewayv2.CreateRouteOutput
		if out, err = w.gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: &a.id, RouteKey: &key, Target: w.target(a)}); err == nil {
			a.routes = append(a.routes, *out.RouteId)
			what += " " + *out.RouteId
		}
	case op < 28 && len(a.routes) > 0:
		id := pick(w.rng, a.routes)
		in := &apigatewayv2.UpdateRouteInput{ApiId: &a.id, RouteId: &id}
		if w.rng.IntN(2) == 0 {
			in.RouteKey = aws.String(pick(w.rng, walkKeys))
			what = "UpdateRoute " + id + " key " + *in.RouteKey
		} else {
			if in.Target = w.target(a); in.Target == nil {
				in.Target = aws.String("")
			}
			what = "UpdateRoute " + id + " target " + *in.Target
		}
		_, err = w.gw.UpdateRoute(ctx, in)
	case op < 34 && len(a.routes) > 0:
		i := w.rng.IntN(len(a.routes))
		what = "DeleteRoute " + a.routes[i]
		if _, err = w.gw.DeleteRoute(ctx, &apigatewayv2.DeleteRouteInput{ApiId: &a.id, RouteId: &a.routes[i]}); err == nil {
			a.routes = slices.Delete(a.routes, i, i+1)
		}
	case op < 40 || len(a.integrations) == 0:
		what = "CreateIntegration"
		in := &apigatewayv2.CreateIntegrationInput{ApiId: &a.id, IntegrationType: v2types.IntegrationTypeHttpProxy,
			IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0"), IntegrationUri: w.uri()}
		if w.rng.IntN(4) == 0 {
			// Through the VPC link: a network change relinks the
			// API's stages instead of keeping them.
			in.ConnectionType, in.ConnectionId, in.IntegrationUri = v2types.ConnectionTypeVpcLink, &w.net.link, &w.net.listener
			what += " (VPC link)"
		}
		var out *apigatewayv2.CreateIntegrationOutput
		if out, err = w.gw.CreateIntegration(ctx, in); err == nil {
			a.integrations = append(a.integrations, *out.IntegrationId)
			what += " " + *out.IntegrationId
		}
	case op < 46:
		id := pick(w.rng, a.integrations)
		what = "UpdateIntegration " + id
		_, err = w.gw.UpdateIntegration(ctx, &apigatewayv2.UpdateIntegrationInput{ApiId: &a.id, IntegrationId: &id, IntegrationUri: w.uri()})
	case op < 49:
		i := w.rng.IntN(len(a.integrations))
		what = "DeleteIntegration " + a.integrations[i]
		if _, err = w.gw.DeleteIntegration(ctx, &apigatewayv2.DeleteIntegrationInput{ApiId: &a.id, IntegrationId: &a.integrations[i]}); err == nil {
			a.integrations = slices.Delete(a.integrations, i, i+1)
		}
	case op < 64:
		in := &apigatewayv2.CreateDeploymentInput{ApiId: &a.id}
		what = "CreateDeployment"
		if w.rng.IntN(2) == 0 {
			in.StageName = aws.String(w.stageName(a))
			what += " onto " + *in.StageName
		}
		var out *apigatewayv2.CreateDeploymentOutput
		if out, err = w.gw.CreateDeployment(ctx, in); err == nil {
			a.deployments = append(a.deployments, *out.DeploymentId)
			what += " " + *out.DeploymentId
		}
	case op < 78 && len(a.stages) > 0:
		in := &apigatewayv2.UpdateStageInput{ApiId: &a.id, StageName: aws.String(w.stageName(a))}
		what = "UpdateStage " + *in.StageName
		if len(a.deployments) > 0 && w.rng.IntN(4) != 0 {
			in.DeploymentId = aws.String(pick(w.rng, a.deployments))
			what += " deployment " + *in.DeploymentId
			if w.rng.IntN(2) == 0 {
				in.AutoDeploy = aws.Bool(false)
				what += " autoDeploy false"
			}
		} else if w.rng.IntN(2) == 0 {
			in.AutoDeploy = aws.Bool(w.rng.IntN(2) == 0)
			what += fmt.Sprint(" autoDeploy ", *in.AutoDeploy)
		}
		_, err = w.gw.UpdateStage(ctx, in)
	case op < 86 || op < 91 && len(a.stages) == 0:
		in := &apigatewayv2.CreateStageInput{ApiId: &a.id, StageName: aws.String(pick(w.rng, stageNames)), AutoDeploy: aws.Bool(w.rng.IntN(3) == 0)}
		what = fmt.Sprint("CreateStage ", *in.StageName, " autoDeploy ", *in.AutoDeploy)
		if len(a.deployments) > 0 && !*in.AutoDeploy && w.rng.IntN(4) != 0 {
			in.DeploymentId = aws.String(pick(w.rng, a.deployments))
			what += " deployment " + *in.DeploymentId
		}
		if _, err = w.gw.CreateStage(ctx, in); err == nil {
			a.stages = append(a.stages, *in.StageName)
		}
	case op < 91:
		name := w.stageName(a)
		what = "DeleteStage " + name
		if _, err = w.gw.DeleteStage(ctx, &apigatewayv2.DeleteStageInput{ApiId: &a.id, StageName: &name}); err == nil {
			a.stages = slices.DeleteFunc(a.stages, func(s string) bool { return s == name })
		}
	case op < 97 && len(a.deployments) > 0:
		i := w.rng.IntN(len(a.deployments))
		id := a.deployments[i]
		what = "DeleteDeployment " + id
		stages, gerr := w.gw.GetStages(ctx, &apigatewayv2.GetStagesInput{ApiId: &a.id})
		w.must(gerr)
		inUse := slices.ContainsFunc(stages.Items, func(s v2types.Stage) bool { return aws.ToString(s.DeploymentId) == id })
		_, err = w.gw.DeleteDeployment(ctx, &apigatewayv2.DeleteDeploymentInput{ApiId: &a.id, DeploymentId: &id})
		switch {
		case inUse && err == nil:
			w.t.Errorf("%s: deleted a deployment a stage serves", what)
		case inUse:
			what += " (in use)"
		case err != nil:
			w.t.Errorf("%s: %v", what, err)
		default:
			a.deployments = slices.Delete(a.deployments, i, i+1)
		}
		err = nil
	case w.rng.IntN(2) == 0:
		w.sgs++
		what = "CreateSecurityGroup"
		_, err = w.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(fmt.Sprint("walk", w.sgs)),
			Description: aws.String("walk"), VpcId: &w.vpc})
		w.must(err)
	default:
		// The group of the ALB behind the VPC link.
		w.port++
		what = fmt.Sprint("AuthorizeSecurityGroupIngress port ", w.port)
		_, err = w.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &w.net.group, IpPermissions: []ec2types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(w.port), ToPort: aws.Int32(w.port), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: &w.net.linkGroup}}}}})
		w.must(err)
	}
	what = a.id + ": " + what
	if err != nil {
		what += " (refused: " + firstLine(err) + ")"
	}
	w.history = append(w.history, what)
	return what
}

func firstLine(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

// stageName is mostly a stage of a that exists, sometimes any name.
func (w *compileWalk) stageName(a *walkAPI) string {
	if len(a.stages) > 0 && w.rng.IntN(4) != 0 {
		return pick(w.rng, a.stages)
	}
	return pick(w.rng, stageNames)
}

var stageNames = []string{"$default", "s1", "s2"}

// check compares, for every stage of every API, the router the server
// serves from with one compiled from scratch from the same store state.
func (w *compileWalk) check(when string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	loader := model.NewLoader(w.srv.Store())
	var ms *model.Snapshot
	for {
		w.must(w.srv.Sync(ctx))
		var err error
		ms, err = loader.Load()
		w.must(err)
		if w.srv.DataPlane().Snapshot().Revision == ms.Revision {
			break
		}
		if ctx.Err() != nil {
			w.t.Fatalf("%s: the data plane does not reach revision %d", when, ms.Revision)
		}
	}
	w.compare(when, "", w.srv.DataPlane().Snapshot(), ms)
	if w.beat.IntN(3) != 0 {
		return
	}
	select {
	case w.poke <- 0:
	default:
	}
	w.must(w.lazy.Sync(ctx))
	if got := w.lazy.Snapshot(); got.Revision != ms.Revision {
		w.t.Fatalf("%s: the plane compiled every few steps is at revision %d, the store at %d", when, got.Revision, ms.Revision)
	}
	w.compare(when, " (compiled every few steps)", w.lazy.Snapshot(), ms)
}

// compare checks each stage of served against a compile of ms from
// scratch.
func (w *compileWalk) compare(when, which string, served *dataplane.Snapshot, ms *model.Snapshot) {
	w.t.Helper()
	when += which
	for _, a := range w.apis {
		var fresh *httpapi.API
		for _, sc := range ms.Scopes {
			if m := sc.HTTPAPIs[a.id]; m != nil {
				fresh = httpapi.CompileAPI(sc, m, nil, &throttle.Registry{})
			}
		}
		got := served.HTTPAPIs[a.id]
		if fresh == nil || got == nil {
			w.t.Fatalf("%s: API %s compiled fresh %v, served %v", when, a.id, fresh != nil, got != nil)
		}
		for name, fs := range fresh.Stages {
			gs := got.Stages[name]
			if gs == nil {
				w.t.Errorf("%s: %s stage %s not served", when, a.id, name)
				continue
			}
			for _, p := range walkProbes {
				if g, f := decide(gs, p[0], p[1]), decide(fs, p[0], p[1]); g != f {
					w.t.Errorf("%s: %s stage %s: %s %s served as %s, a fresh compile serves %s", when, a.id, name, p[0], p[1], g, f)
				}
			}
		}
		for name := range got.Stages {
			if fresh.Stages[name] == nil {
				w.t.Errorf("%s: %s serves stage %s, which a fresh compile does not have", when, a.id, name)
			}
		}
	}
}

// decide is what a stage does with a request: the route key matched and
// the integration (id and URL) it leads to, or not found.
func decide(st *httpapi.Stage, method, path string) string {
	var m httpapi.Match
	if !st.Router.Lookup(method, path, &m) {
		return "not found"
	}
	r := m.Route
	if r.Integration < 0 || r.Integration >= len(st.Integrations) {
		return fmt.Sprintf("%q -> integration #%d of %d", r.Key, r.Integration, len(st.Integrations))
	}
	in := st.Integrations[r.Integration]
	return fmt.Sprintf("%q -> %s %s", r.Key, in.ID, in.URL)
}

// allHealthy calls every target healthy: the plane compiled every few
// steps serves nothing, it is only compared.
type allHealthy struct{}

func (allHealthy) Healthy(string, string, int) bool { return true }
