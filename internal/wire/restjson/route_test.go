package restjson

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"gatehouse/internal/api"
)

// treeOf builds a bare route tree from "METHOD /path" patterns; each route's
// op is named after its pattern.
func treeOf(t testing.TB, patterns ...string) *node {
	t.Helper()
	root := &node{}
	for _, p := range patterns {
		method, full, _ := strings.Cut(p, " ")
		path, rawQuery, _ := strings.Cut(full, "?")
		q, _ := url.ParseQuery(rawQuery)
		if err := root.insert(&route{method: method, pattern: full, query: q, op: api.Op{Name: p}}, path); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var routePatterns = []string{
	"GET /",
	"GET /restapis",
	"POST /restapis",
	"POST /restapis?mode=import",
	"GET /restapis/{restapi_id}",
	"DELETE /restapis/{restapi_id}",
	"GET /restapis/{restapi_id}/resources",
	"GET /restapis/{restapi_id}/resources/{resource_id}",
	"POST /restapis/{restapi_id}/resources/{parent_id}",
	"GET /restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
	"GET /restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
	"PUT /restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
	"GET /restapis/{restapi_id}/deployments/{deployment_id}",
	"GET /restapis/{restapi_id}/stages/{stage_name}",
	"GET /vpclinks",
	"GET /vpclinks/{vpclink_id}",
	"GET /v2/apis/{apiId}/routes/{routeId}",
	"GET /v2/apis/{apiId}/integrations/{integrationId}",
	"GET /v2/vpclinks/{vpcLinkId}",
	"GET /a/b/c",
	"GET /a/{x}/d",
	"DELETE /a/{x}/c",
	"GET /files/special",
	"GET /files/{key+}",
}

func TestRouteMatch(t *testing.T) {
	root := treeOf(t, routePatterns...)
	tests := []struct {
		method, target string
		want           string   // the pattern matched; "" for none
		labels         []string // label values, in path order
		known          bool     // a path matched but not the method or query
	}{
		{"GET", "/", "GET /", nil, false},
		{"GET", "/restapis", "GET /restapis", nil, false},
		{"POST", "/restapis", "POST /restapis", nil, false},
		{"POST", "/restapis?mode=import&failonwarnings=true", "POST /restapis?mode=import", nil, false},
		{"POST", "/restapis?mode=imports", "POST /restapis", nil, false},
		{"GET", "/restapis/r1", "GET /restapis/{restapi_id}", []string{"r1"}, false},
		{"POST", "/restapis/r1/resources/p1", "POST /restapis/{restapi_id}/resources/{parent_id}", []string{"r1", "p1"}, false},
		{"GET", "/restapis/r1/resources/res1/methods/GET/integration",
			"GET /restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration", []string{"r1", "res1", "GET"}, false},
		{"GET", "/restapis/r1/stages/%24default", "GET /restapis/{restapi_id}/stages/{stage_name}", []string{"r1", "$default"}, false},
		{"GET", "/v2/apis/a1/integrations/i1", "GET /v2/apis/{apiId}/integrations/{integrationId}", []string{"a1", "i1"}, false},
		// A literal is preferred, but a dead end behind it falls back to the label.
		{"GET", "/a/b/c", "GET /a/b/c", nil, false},
		{"GET", "/a/b/d", "GET /a/{x}/d", []string{"b"}, false},
		{"DELETE", "/a/b/c", "DELETE /a/{x}/c", []string{"b"}, false},
		{"GET", "/files/special", "GET /files/special", nil, false},
		{"GET", "/files/special/x", "GET /files/{key+}", []string{"special/x"}, false},
		{"GET", "/files/x%2Fy/z", "GET /files/{key+}", []string{"x/y/z"}, false},
		{"GET", "/files/", "", nil, false},
		{"GET", "/restapis/r1/unknown", "", nil, false},
		{"GET", "/restapis/", "", nil, false},
		{"GET", "//restapis", "", nil, false},
		{"PATCH", "/restapis/r1", "", nil, true},
		{"GET", "/vpclinks/v1/extra", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			u, err := url.Parse(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			m := matcher{path: u.EscapedPath(), method: tt.method, rawQuery: u.RawQuery}
			r := m.find(root)
			got := ""
			if r != nil {
				got = r.op.Name
			}
			if got != tt.want {
				t.Fatalf("matched %q, want %q", got, tt.want)
			}
			if r == nil {
				if (m.known != nil) != tt.known {
					t.Errorf("known path = %v, want %v", m.known != nil, tt.known)
				}
				return
			}
			var labels []string
			for i := range r.labels {
				v, err := m.label(i)
				if err != nil {
					t.Fatal(err)
				}
				labels = append(labels, v)
			}
			if !reflect.DeepEqual(labels, tt.labels) {
				t.Errorf("labels %q, want %q", labels, tt.labels)
			}
		})
	}
}

func TestRouteMatchDoesNotAllocate(t *testing.T) {
	root := treeOf(t, routePatterns...)
	path := "/restapis/r1/resources/res1/methods/GET/integration"
	allocs := testing.AllocsPerRun(100, func() {
		m := matcher{path: path, method: "PUT"}
		if m.find(root) == nil {
			t.Fatal("no match")
		}
	})
	if allocs != 0 {
		t.Errorf("matching allocates %v times per request", allocs)
	}
}

func BenchmarkRouteMatch(b *testing.B) {
	root := treeOf(b, routePatterns...)
	for _, path := range []string{
		"/restapis/r1/resources/res1/methods/GET/integration",
		"/v2/apis/a1/routes/r1",
		"/files/2026/01/photo.jpg",
	} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := matcher{path: path, method: "GET"}
				if m.find(root) == nil {
					b.Fatal("no match")
				}
			}
		})
	}
}

type labeled struct {
	ID string `path:"id" json:"-"`
}

func TestNewHandlerRejectsMistakes(t *testing.T) {
	noop := func(ctx context.Context, in *labeled) (*empty, error) { return nil, nil }
	tests := []struct {
		name string
		ops  []api.Op
		want string
	}{
		{"no binding", []api.Op{api.Handle("A", noop)}, "has no Method and Path"},
		{"duplicate", []api.Op{
			api.Handle("A", noop).Route("GET", "/x/{id}", 0),
			api.Handle("B", noop).Route("GET", "/x/{id}", 0),
		}, "bind the same route"},
		{"duplicate with other label name", []api.Op{
			api.Handle("A", noop).Route("GET", "/x/{id}", 0),
			api.Handle("B", func(ctx context.Context, in *struct {
				Name string `path:"name" json:"-"`
			}) (*empty, error) {
				return nil, nil
			}).Route("GET", "/x/{name}", 0),
		}, "bind the same route"},
		{"label without field", []api.Op{api.Handle("A", noop).Route("GET", "/x/{id}/{other}", 0)}, "no field for label {other}"},
		{"field without label", []api.Op{api.Handle("A", noop).Route("GET", "/x", 0)}, "which the path does not have"},
		{"bound field in body", []api.Op{api.Handle("A", func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*empty, error) {
			return nil, nil
		}).Route("GET", "/x/{id}", 0)}, `must be json:"-"`},
		{"greedy not last", []api.Op{api.Handle("A", noop).Route("GET", "/x/{id+}/y", 0)}, "must be the last segment"},
		{"label inside a segment", []api.Op{api.Handle("A", noop).Route("GET", "/x/v{id}", 0)}, "mixes a label"},
		{"empty segment", []api.Op{api.Handle("A", noop).Route("GET", "/x//{id}", 0)}, "empty segment"},
		{"relative path", []api.Op{api.Handle("A", noop).Route("GET", "x/{id}", 0)}, "does not start with /"},
		{"payload and body", []api.Op{api.Handle("A", func(ctx context.Context, in *struct {
			Raw  []byte `payload:"" json:"-"`
			Name string `json:"name"`
		}) (*empty, error) {
			return nil, nil
		}).Route("POST", "/x", 0)}, "both a payload"},
		{"struct in query", []api.Op{api.Handle("A", func(ctx context.Context, in *struct {
			Q struct{} `querystring:"q" json:"-"`
		}) (*empty, error) {
			return nil, nil
		}).Route("GET", "/x", 0)}, "cannot fill"},
		{"input not a struct", []api.Op{api.Handle("A", func(ctx context.Context, in *string) (*empty, error) {
			return nil, nil
		}).Route("GET", "/x", 0)}, "not a pointer to a struct"},
		{"too many labels", []api.Op{api.Handle("A", noop).Route("GET", "/{id}/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", 0)}, "more than 8 labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				p := recover()
				if p == nil || !strings.Contains(fmt.Sprint(p), tt.want) {
					t.Errorf("panic %v, want one saying %q", p, tt.want)
				}
			}()
			NewHandler(api.NewTable(tt.ops...), nil)
		})
	}
}
