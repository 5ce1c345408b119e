package httpmap

import (
	"reflect"
	"strings"
	"testing"

	"gatehouse/internal/mapping/jsonpath"
)

func TestRequestParses(t *testing.T) {
	ops, err := Request(map[string]string{
		"overwrite:path":          "/v2/${request.path.id}",
		"append:header.x-src":     "$context.requestId",
		"remove:querystring.drop": "''",
		"overwrite:header.x-b":    "${request.body.items[1]['a b']}",
		"append:querystring.s":    "$stageVariables.env-$request.querystring.q",
		"overwrite:header.gone":   "", // "" removes a mapping: nothing to parse
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Op{
		{Action: Append, Target: Header, Name: "x-src", Value: Value{{Source: Context, Text: "requestId"}}},
		{Action: Append, Target: QueryString, Name: "s", Value: Value{{Source: StageVariable, Text: "env-"}, {Source: RequestQuery, Text: "q"}}},
		{Action: Overwrite, Target: Header, Name: "x-b", Value: Value{{Source: RequestBody, Path: mustPath(t, ".items[1]['a b']")}}},
		{Action: Overwrite, Target: Path, Value: Value{{Text: "/v2/"}, {Source: RequestPathParam, Text: "id"}}},
		{Action: Remove, Target: QueryString, Name: "drop", Value: Value{{Text: "''"}}},
	}
	if !reflect.DeepEqual(ops, want) {
		t.Fatalf("got %+v\nwant %+v", ops, want)
	}
}

func TestResponseParses(t *testing.T) {
	got, err := Response(map[string]map[string]string{
		"500": {"overwrite:statuscode": "503", "append:header.x-id": "${context.requestId}"},
		"404": {"remove:header.x-internal": "''", "overwrite:header.x-e": "$response.body.error.code"},
		"200": {"overwrite:header.x-a": ""},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got[200]; ok || len(got) != 2 {
		t.Fatalf("a code without mappings is left out: %v", got)
	}
	if op := got[500][1]; op.Target != StatusCode || op.Value[0].Text != "503" {
		t.Fatalf("500: %+v", got[500])
	}
	if op := got[404][0]; op.Value[0].Source != ResponseBody || !reflect.DeepEqual(op.Value[0].Path, mustPath(t, ".error.code")) {
		t.Fatalf("404: %+v", got[404])
	}
}

func TestRefused(t *testing.T) {
	for _, c := range []struct {
		name     string
		req      map[string]string
		resp     map[string]map[string]string
		contains string
	}{
		{"action", map[string]string{"set:header.a": "x"}, nil, "append:, overwrite: or remove:"},
		{"target", map[string]string{"overwrite:body.a": "x"}, nil, "querystring.NAME"},
		{"reserved", map[string]string{"overwrite:header.Via": "x"}, nil, "reserved"},
		{"reserved prefix", map[string]string{"append:header.X-Amz-Date": "x"}, nil, "reserved"},
		{"response variable in a request", map[string]string{"append:header.a": "$response.header.b"}, nil, "is not a variable a request mapping can use"},
		{"unknown variable", map[string]string{"append:header.a": "$method"}, nil, "Invalid mapping expression"},
		{"unclosed", map[string]string{"append:header.a": "${request.path"}, nil, "closing }"},
		{"descent", map[string]string{"append:header.a": "$request.body..a"}, nil, "recursive descent"},
		{"filter", map[string]string{"append:header.a": "${request.body.a[?(@.b)]}"}, nil, "brackets"},
		{"too long", map[string]string{"append:header.a": strings.Repeat("x", 513)}, nil, "longer than 512"},
		{"path is overwrite only", map[string]string{"append:path": "/x"}, nil, "after the action"},
		{"code", nil, map[string]map[string]string{"99": {"overwrite:statuscode": "200"}}, "status code from 200 to 599"},
		{"querystring in a response", nil, map[string]map[string]string{"200": {"overwrite:querystring.a": "x"}}, "header.NAME"},
		{"request variable in a response", nil, map[string]map[string]string{"200": {"overwrite:header.a": "$request.header.a"}}, "response mapping"},
		{"static status", nil, map[string]map[string]string{"200": {"overwrite:statuscode": "2000"}}, "is not a status code"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.req != nil {
				_, err = Request(c.req)
			} else {
				_, err = Response(c.resp)
			}
			if err == nil || !strings.Contains(err.Error(), c.contains) {
				t.Fatalf("got %v, want an error with %q", err, c.contains)
			}
		})
	}
}

func mustPath(t *testing.T, rest string) *jsonpath.Path {
	t.Helper()
	p, err := ParsePath(rest)
	if err != nil {
		t.Fatal(rest, err)
	}
	return p
}

func TestLookup(t *testing.T) {
	doc, _ := jsonpath.Decode([]byte(`{"a":{"b":[1,{"c d":"x"}]},"n":null}`))
	for path, want := range map[string]any{".a.b[1]['c d']": "x", ".a.b[0]": int64(1), ".a.b[2]": nil, ".a.x": nil, ".a.b.c": nil} {
		p, err := ParsePath(path)
		if err != nil {
			t.Fatal(path, err)
		}
		got, ok := p.Select(doc)
		if want == nil && ok || want != nil && got != want {
			t.Errorf("%s: got %v %v, want %v", path, got, ok, want)
		}
	}
}

// FuzzParse feeds arbitrary keys and values to both parsers: nothing may
// panic, and what parses has a known action and target.
func FuzzParse(f *testing.F) {
	f.Add("overwrite:header.x", "${request.path.id}-$context.stage")
	f.Add("overwrite:statuscode", "$response.body.a[0]['b']")
	f.Fuzz(func(t *testing.T, key, value string) {
		if ops, err := Request(map[string]string{key: value}); err == nil && len(ops) == 1 && ops[0].Target == StatusCode {
			t.Fatal("a request mapping cannot set a status code")
		}
		Response(map[string]map[string]string{"200": {key: value}})
	})
}

func TestStageVariables(t *testing.T) {
	vars := map[string]string{"host": "127.0.0.1:9", "v": "2"}
	get := func(n string) string { return vars[n] }
	for in, want := range map[string]string{
		"http://${stageVariables.host}/v${stageVariables.v}/x?q=${stageVariables.none}": "http://127.0.0.1:9/v2/x?q=",
		"http://example.com/plain":     "http://example.com/plain",
		"http://${stageVariables.host": "http://${stageVariables.host",
	} {
		if got := StageVariables(in, get); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	if HasStageVariables("http://example.com/$stageVariables.x") || !HasStageVariables("http://${stageVariables.x}") {
		t.Error("HasStageVariables")
	}
}
