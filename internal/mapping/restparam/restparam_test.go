package restparam

import (
	"reflect"
	"testing"

	"gatehouse/internal/mapping/jsonpath"
)

func TestParseRequest(t *testing.T) {
	for _, c := range []struct {
		key, value string
		want       Mapping
		err        string
	}{
		{"integration.request.header.x-tenant", "method.request.header.tenant", Mapping{Target{Header, "x-tenant"}, Source{Kind: RequestHeader, Name: "tenant"}}, ""},
		{"integration.request.querystring.tag", "method.request.multivaluequerystring.tag", Mapping{Target{QueryString, "tag"}, Source{Kind: RequestMultiQuery, Name: "tag"}}, ""},
		{"integration.request.header.x-all", "method.request.multivalueheader.x", Mapping{Target{Header, "x-all"}, Source{Kind: RequestMultiHeader, Name: "x"}}, ""},
		{"integration.request.path.id", "method.request.path.proxy", Mapping{Target{PathParam, "id"}, Source{Kind: RequestPath, Name: "proxy"}}, ""},
		{"integration.request.querystring.q", "method.request.querystring.q", Mapping{Target{QueryString, "q"}, Source{Kind: RequestQuery, Name: "q"}}, ""},
		{"integration.request.header.x-body", "method.request.body", Mapping{Target{Header, "x-body"}, Source{Kind: RequestBody}}, ""},
		{"integration.request.header.x-from", "'gate house'", Mapping{Target{Header, "x-from"}, Source{Kind: Static, Name: "gate house"}}, ""},
		{"integration.request.header.x-empty", "''", Mapping{Target{Header, "x-empty"}, Source{Kind: Static}}, ""},
		{"integration.request.header.x-stage", "stageVariables.env", Mapping{Target{Header, "x-stage"}, Source{Kind: StageVariable, Name: "env"}}, ""},
		{"integration.request.header.x-ip", "context.identity.sourceIp", Mapping{Target{Header, "x-ip"}, Source{Kind: Context, Name: "identity.sourceIp"}}, ""},

		{"integration.request.multivalueheader.x", "'a'", Mapping{}, "Invalid mapping expression specified: integration.request.multivalueheader.x"},
		{"integration.request.body", "'a'", Mapping{}, "Invalid mapping expression specified: integration.request.body"},
		{"integration.request.header.", "'a'", Mapping{}, "Invalid mapping expression specified: integration.request.header."},
		{"method.request.header.x", "'a'", Mapping{}, "Invalid mapping expression specified: method.request.header.x"},
		{"integration.request.header.x", "true", Mapping{}, "Invalid mapping expression specified: true"},
		{"integration.request.header.x", "'open", Mapping{}, "Invalid mapping expression specified: 'open"},
		{"integration.request.header.x", "integration.response.header.x", Mapping{}, "Invalid mapping expression specified: integration.response.header.x"},
		{"integration.request.header.x", "method.request.cookie.x", Mapping{}, "Invalid mapping expression specified: method.request.cookie.x"},
		{"integration.request.header.x", "method.request.body.a[*]", Mapping{}, "Invalid mapping expression specified: method.request.body.a[*]"},
		{"integration.request.header.x", "stageVariables.", Mapping{}, "Invalid mapping expression specified: stageVariables."},
		{"integration.request.header.x", "context.a b", Mapping{}, "Invalid mapping expression specified: context.a b"},
	} {
		got, err := ParseRequest(c.key, c.value)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("ParseRequest(%q, %q) = %v, want %q", c.key, c.value, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseRequest(%q, %q) = %+v, %v, want %+v", c.key, c.value, got, err, c.want)
		}
	}
}

func TestBodyPathSources(t *testing.T) {
	doc := decode(t, `{"order":{"id":7,"items":[{"sku":"a-1"},{"sku":"b-2"}],"gift":true,"note":null,"tags":["x","y"]},"a b":{"size":"L"}}`)
	for expr, want := range map[string]string{
		"order.id":           "7",
		"order.items[1].sku": "b-2",
		"order.gift":         "true",
		"order.tags":         `["x","y"]`,
		"order.items[0]":     `{"sku":"a-1"}`,
		"['a b'].size":       "L",
		`order["id"]`:        "7",
	} {
		m, err := ParseRequest("integration.request.header.x", "method.request.body."+expr)
		if err != nil || m.Source.Kind != RequestBodyPath {
			t.Fatalf("%s: %+v, %v", expr, m, err)
		}
		v, ok := m.Source.Path.Select(doc)
		got, ok2 := jsonpath.Text(v)
		if !ok || !ok2 || got != want {
			t.Errorf("%s selects %q (%v %v), want %q", expr, got, ok, ok2, want)
		}
	}
	for _, expr := range []string{"order.none", "order.items[2]", "order.id.x", "order.note", "order.tags.x"} {
		p, err := ParsePath(expr)
		if err != nil {
			t.Fatal(expr, err)
		}
		if v, ok := p.Select(doc); ok {
			if _, ok := jsonpath.Text(v); ok {
				t.Errorf("%s selects %v, want nothing", expr, v)
			}
		}
	}
	m, err := ParseResponse("method.response.header.X-Id", "integration.response.body.order.id")
	if err != nil || m.Source.Kind != ResponseBodyPath || m.Target != (Target{Header, "X-Id"}) {
		t.Fatalf("response body path: %+v %v", m, err)
	}
}

func TestCheckRequestAndResponse(t *testing.T) {
	declared := map[string]bool{"method.request.header.tenant": true, "method.request.multivaluequerystring.tag": false}
	ok := map[string]string{
		"integration.request.header.x-tenant": "method.request.header.tenant",
		"integration.request.querystring.tag": "method.request.multivaluequerystring.tag",
		"integration.request.header.x-body":   "method.request.body.a.b",
	}
	if err := CheckRequest(ok, declared); err != nil {
		t.Fatal(err)
	}
	err := CheckRequest(map[string]string{"integration.request.header.a": "'x'", "integration.request.header.b": "method.request.querystring.tag"}, declared)
	if err == nil || err.Error() != "Invalid mapping expression parameter specified: method.request.querystring.tag" {
		t.Fatalf("undeclared: %v", err)
	}

	headers := map[string]bool{"method.response.header.X-Id": true}
	if err := CheckResponse(map[string]string{"method.response.header.X-Id": "integration.response.multivalueheader.x-id"}, headers); err != nil {
		t.Fatal(err)
	}
	for params, want := range map[[2]string]string{
		{"method.response.header.X-Other", "'x'"}:                         "Invalid mapping expression parameter specified: method.response.header.X-Other",
		{"method.request.header.X-Id", "'x'"}:                             "Invalid mapping expression specified: method.request.header.X-Id",
		{"method.response.header.X-Id", "method.request.header.x"}:        "Invalid mapping expression specified: method.request.header.x",
		{"method.response.header.X-Id", "integration.response.path.x"}:    "Invalid mapping expression specified: integration.response.path.x",
		{"method.response.header.X-Other", "integration.response.path.x"}: "Invalid mapping expression parameter specified: method.response.header.X-Other",
	} {
		err := CheckResponse(map[string]string{params[0]: params[1]}, headers)
		if err == nil || err.Error() != want {
			t.Errorf("%v: %v, want %q", params, err, want)
		}
	}
}

func TestMethodParams(t *testing.T) {
	for _, k := range []string{"method.request.path.id", "method.request.multivalueheader.X-Forwarded-For", "method.request.querystring.page"} {
		if _, err := MethodRequestParam(k); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	for _, k := range []string{"method.request.body", "method.request.header.", "method.request.cookie.x", "method.response.header.x", "method.request.header.a b"} {
		if _, err := MethodRequestParam(k); err == nil || err.Error() != "Invalid mapping expression parameter specified: "+k {
			t.Errorf("%s: %v", k, err)
		}
	}
	if _, err := MethodResponseParam("method.response.header.Content-Type"); err != nil {
		t.Error(err)
	}
	if _, err := MethodResponseParam("method.response.body"); err == nil {
		t.Error("method.response.body accepted")
	}
}

func decode(t testing.TB, s string) any {
	v, err := jsonpath.Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// FuzzParse feeds arbitrary keys and values to the parsers: nothing
// panics, a refusal is an *Error naming the key or the value, and what is
// accepted is well formed (a body path prints back to itself).
func FuzzParse(f *testing.F) {
	f.Add("integration.request.header.x", "method.request.body.a[0]['b c'].d")
	f.Add("integration.request.querystring.q", "method.request.multivaluequerystring.q")
	f.Add("method.response.header.X", "integration.response.body")
	f.Add("integration.request.path.id", "'lit'")
	f.Add("method.response.header.Y", "integration.response.multivalueheader.y")
	f.Add("integration.request.header.x", "context.identity.sourceIp")
	f.Fuzz(func(t *testing.T, key, value string) {
		for _, parse := range []func(string, string) (Mapping, error){ParseRequest, ParseResponse} {
			m, err := parse(key, value)
			if err != nil {
				e, ok := err.(*Error)
				if !ok || (e.Expr != key && e.Expr != value) {
					t.Fatalf("(%q, %q): %v", key, value, err)
				}
				continue
			}
			if m.Target.In == 0 || m.Target.Name == "" || m.Source.Kind == Invalid {
				t.Fatalf("(%q, %q) accepted as %+v", key, value, m)
			}
			if p := m.Source.Path; p != nil {
				again, err := ParsePath(p.String())
				if err != nil || !reflect.DeepEqual(again, p) {
					t.Fatalf("path %q prints as %q, which parses to %+v, %v", m.Source.Name, p.String(), again, err)
				}
				p.Select(decode(t, `{"a":[{"b":1}]}`))
			}
		}
		MethodRequestParam(key)
		MethodResponseParam(key)
	})
}

func TestParseGatewayResponse(t *testing.T) {
	for _, c := range []struct {
		key, value string
		want       Kind
		ok         bool
	}{
		{"gatewayresponse.header.x-a", "'fixed'", Static, true},
		{"gatewayresponse.header.x-a", "method.request.header.x-trace", RequestHeader, true},
		{"gatewayresponse.header.x-a", "method.request.querystring.q", RequestQuery, true},
		{"gatewayresponse.header.x-a", "context.error.message", Context, true},
		{"gatewayresponse.header.x-a", "stageVariables.team", StageVariable, true},
		{"gatewayresponse.header.x-a", "method.request.body", Invalid, false},
		{"gatewayresponse.header.x-a", "integration.response.header.x", Invalid, false},
		{"method.response.header.x-a", "'fixed'", Invalid, false},
		{"gatewayresponse.header.", "'fixed'", Invalid, false},
	} {
		m, err := ParseGatewayResponse(c.key, c.value)
		if (err == nil) != c.ok || (c.ok && (m.Source.Kind != c.want || m.Target.In != Header)) {
			t.Errorf("%s = %s: %+v, %v", c.key, c.value, m, err)
		}
	}
}
