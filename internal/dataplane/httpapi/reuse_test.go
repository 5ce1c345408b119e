package httpapi

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/model"
)

func keysOf(rt *Router) []string {
	var out []string
	for _, r := range rt.Routes() {
		out = append(out, r.Key)
	}
	return out
}

// With and Without leave the router they start from as it was, and give
// one that matches as a router built afresh from the same routes.
func TestRouterCopyOnWrite(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := []string{"GET /a", "GET /a/b", "ANY /a/{x}", "GET /a/{x}/c", "POST /a/{proxy+}", "ANY /{proxy+}",
		"GET /", "$default", "DELETE /a/b", "GET /p/{id}/q/{n}", "ANY /p/{id}"}
	var cur Router
	have := map[string]bool{}
	for step := range 300 {
		k := pool[rng.IntN(len(pool))]
		before := keysOf(&cur)
		var next Router
		if have[k] {
			next = cur.Without(k)
			delete(have, k)
		} else {
			next, _ = cur.With(&Route{Key: k})
			have[k] = true
		}
		if got := keysOf(&cur); !slices.Equal(got, before) {
			t.Fatalf("step %d: the router changed under %s: %v, was %v", step, k, got, before)
		}
		fresh := &Router{}
		for key := range have {
			fresh.Add(&Route{Key: key})
		}
		for _, path := range []string{"/", "/a", "/a/b", "/a/z", "/a/z/c", "/a/z/d", "/p/1", "/p/1/q/2", "/x/y"} {
			for _, method := range []string{"GET", "POST", "DELETE"} {
				var m1, m2 Match
				ok1, ok2 := next.Lookup(method, path, &m1), fresh.Lookup(method, path, &m2)
				if ok1 != ok2 || ok1 && m1.Route.Key != m2.Route.Key {
					t.Fatalf("step %d: %s %s: %v %v, afresh %v %v", step, method, path, ok1, m1.Route, ok2, m2.Route)
				}
			}
		}
		cur = next
	}
}

// A compile that reuses the last one gives the routes a compile afresh
// gives, and leaves the API compiled before as it was.
func TestCompileReusesTheLastCompile(t *testing.T) {
	sc := &model.Scoped{Stages: map[string]*model.Stage{}, Deployments: map[string]*model.Deployment{}}
	a := &model.HTTPAPI{ID: "api"}
	integ := &model.Integration{APIID: "api", ID: "i1", Type: "HTTP_PROXY", URI: "http://127.0.0.1:9/"}
	put := func(e *model.DeployedEntry) { sc.Deployed.Set(e) }
	put(&model.DeployedEntry{APIID: "api", Since: 1, Integration: integ})
	route := func(id, key string, since uint64) *model.DeployedEntry {
		e := &model.DeployedEntry{APIID: "api", Since: since, Route: &model.Route{APIID: "api", ID: id, RouteKey: key, Target: "integrations/i1"}}
		put(e)
		return e
	}
	for i := range 20 {
		route(fmt.Sprint("r", i), fmt.Sprintf("GET /r/%d", i), 1)
	}
	deploy := func(seq uint64) {
		sc.Deployments = map[string]*model.Deployment{"api/d": {APIID: "api", ID: "d", Seq: seq}}
		sc.Stages = map[string]*model.Stage{"api/$default": {APIID: "api", Name: "$default", DeploymentID: "d"}}
	}
	deploy(1)
	var buckets throttle.Registry
	first, reuse := CompileAPIReuse(sc, a, nil, &buckets, nil, nil)
	want := keysOf(&first.Stages["$default"].Router)

	// Deployment 2 adds a route, changes one and removes another, whose
	// entry no deployment holds any more and is gone.
	var changes Changes
	changes.Entries = append(changes.Entries, Change{New: route("new", "GET /new", 2)})
	var ends []*model.DeployedEntry
	for e := range sc.Deployed.All() {
		if e.Route != nil && (e.Route.ID == "r3" || e.Route.ID == "r4") {
			ends = append(ends, e)
		}
	}
	for _, e := range ends {
		ended := *e
		ended.Until = 2
		sc.Deployed.Set(&ended)
		changes.Entries = append(changes.Entries, Change{Old: e, New: &ended})
		if e.Route.ID == "r4" {
			sc.Deployed.Delete(e.Key())
			changes.Entries[len(changes.Entries)-1].New = nil
		}
	}
	changes.Entries = append(changes.Entries, Change{New: route("r3", "POST /r/3", 2)})
	changes.Made = []uint64{2}
	deploy(2)
	second, _ := CompileAPIReuse(sc, a, nil, &buckets, reuse, &changes)
	afresh := CompileAPI(sc, a, nil, &buckets)
	got, fresh := keysOf(&second.Stages["$default"].Router), keysOf(&afresh.Stages["$default"].Router)
	if !slices.Equal(got, fresh) || len(got) != 20 || !slices.Contains(got, "GET /new") || !slices.Contains(got, "POST /r/3") || slices.Contains(got, "GET /r/4") {
		t.Fatalf("reusing: %v\nafresh: %v", got, fresh)
	}
	if r := second.Stages["$default"].Router.Route("GET /new"); r == nil ||
		second.Stages["$default"].Integrations[r.Integration] != first.Stages["$default"].Integrations[first.Stages["$default"].Router.Route("GET /r/0").Integration] {
		t.Fatal("the added route does not lead to the integration compiled before")
	}
	if now := keysOf(&first.Stages["$default"].Router); !slices.Equal(now, want) {
		t.Fatalf("the first compile changed: %v", now)
	}
}

// A stage's router is patched from the changes only across deployments
// made among them or known to start and end no entry; a deployment made
// among the changes is quiet when none of their entries names its Seq.
func TestPatchOnlyAcrossKnownDeployments(t *testing.T) {
	for _, tc := range []struct {
		from, to uint64
		made     []uint64
		quiet    map[uint64]bool
		want     bool
	}{
		{1, 2, []uint64{2}, nil, true},
		{2, 2, nil, nil, true},
		{1, 2, nil, nil, false},                             // UpdateStage to a deployment made before
		{2, 1, []uint64{1}, nil, false},                     // back to an older one
		{1, 3, []uint64{3}, nil, false},                     // across one made before
		{1, 3, []uint64{3}, map[uint64]bool{2: true}, true}, // across a quiet one
	} {
		if got := between(tc.from, tc.to, tc.made, tc.quiet); got != tc.want {
			t.Errorf("between(%d, %d, %v, %v) = %v", tc.from, tc.to, tc.made, tc.quiet, got)
		}
	}
	changes := &Changes{Made: []uint64{4, 5}, Entries: []Change{{New: &model.DeployedEntry{Since: 4}}}}
	got := quietSeqs(map[uint64]bool{1: true, 3: true}, changes, 2)
	if !maps.Equal(got, map[uint64]bool{3: true, 5: true}) {
		t.Errorf("quiet: %v", got)
	}
}
