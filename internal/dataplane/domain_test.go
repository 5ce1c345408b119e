package dataplane

import (
	"testing"

	"gatehouse/internal/model"
)

// A request's Host finds its domain whatever its case, port or final dot,
// a wildcard domain takes the names one label below it that no exact
// domain takes, and the longest mapping key that is a whole prefix of the
// path wins, stripped from it.
func TestDomainMatch(t *testing.T) {
	sc := &model.Scoped{
		DomainNames: map[string]*model.DomainName{
			"api.example.com": {Name: "api.example.com"}, "*.example.com": {Name: "*.example.com"},
		},
		APIMappings: map[string]*model.APIMapping{
			"api.example.com/1": {Domain: "api.example.com", ID: "1", Path: "", APIID: "root", Stage: "s"},
			"api.example.com/2": {Domain: "api.example.com", ID: "2", Path: "orders", APIID: "orders", Stage: "s"},
			"api.example.com/3": {Domain: "api.example.com", ID: "3", Path: "orders/v2/items", APIID: "items", Stage: "s"},
			"*.example.com/4":   {Domain: "*.example.com", ID: "4", Path: "w", APIID: "wild", Stage: "s"},
			// A mapping of a domain that is gone serves nothing.
			"gone.example.org/5": {Domain: "gone.example.org", ID: "5", Path: "", APIID: "gone", Stage: "s"},
		},
	}
	s := &Snapshot{}
	s.Domains, s.wildcards = compileDomains(&model.Snapshot{Scopes: map[model.Scope]*model.Scoped{{Account: "1", Region: "r"}: sc}})
	for _, tc := range []struct{ host, path, api, rest string }{
		{"api.example.com", "/pets", "root", "/pets"},
		{"API.Example.COM:8443", "/orders", "orders", "/"},
		{"api.example.com.", "/orders/7", "orders", "/7"},
		{"api.example.com", "/ordersx/7", "root", "/ordersx/7"},
		{"api.example.com", "/orders/v2/items/3", "items", "/3"},
		{"api.example.com", "/orders/v2/itemsx", "orders", "/v2/itemsx"},
		{"shop.example.com", "/w/x", "wild", "/x"},
		{"shop.example.com", "/x", "", ""},
		{"a.shop.example.com", "/w/x", "-", ""},
		{"gone.example.org", "/", "-", ""},
		{"example.com", "/w", "-", ""},
	} {
		d := s.Domain(tc.host)
		if tc.api == "-" {
			if d != nil {
				t.Errorf("%s: domain %s, want none", tc.host, d.Name)
			}
			continue
		}
		if d == nil {
			t.Errorf("%s: no domain", tc.host)
			continue
		}
		m, rest := d.match(tc.path)
		api := ""
		if m != nil {
			api = m.APIID
		}
		if api != tc.api || rest != tc.rest {
			t.Errorf("%s%s: %q %q, want %q %q", tc.host, tc.path, api, rest, tc.api, tc.rest)
		}
	}
}

// Finding an invoke URL's host name costs nothing while no domain exists,
// and a custom domain's one lookup when one does.
func BenchmarkDomainLookup(b *testing.B) {
	sc := &model.Scoped{DomainNames: map[string]*model.DomainName{"api.example.com": {Name: "api.example.com"}},
		APIMappings: map[string]*model.APIMapping{"api.example.com/1": {Domain: "api.example.com", ID: "1", Path: "v1/orders", APIID: "a", Stage: "s"}}}
	s := &Snapshot{}
	s.Domains, s.wildcards = compileDomains(&model.Snapshot{Scopes: map[model.Scope]*model.Scoped{{}: sc}})
	b.ReportAllocs()
	for b.Loop() {
		if d := s.Domain("api.example.com:443"); d == nil {
			b.Fatal("no domain")
		} else if m, _ := d.match("/v1/orders/42"); m == nil {
			b.Fatal("no mapping")
		}
	}
}
