package apigatewayv2

import "testing"

// TestParseOpenAPIBasePath: the servers' base path joins the routes as
// basepath says, whether the servers give it as a variable or a URL path.
func TestParseOpenAPIBasePath(t *testing.T) {
	const paths = "paths:\n  /pets:\n    get: {}\n"
	docs := map[string]string{
		"variable": "openapi: 3.0.1\ninfo: {title: t}\nservers:\n- url: https://x/{basePath}\n  variables: {basePath: {default: /api/v1}}\n" + paths,
		"url":      "openapi: 3.0.1\ninfo: {title: t}\nservers:\n- url: https://x/api/v1/\n" + paths,
	}
	want := map[string]string{"": "GET /pets", "ignore": "GET /pets", "prepend": "GET /api/v1/pets", "split": "GET /v1/pets"}
	for name, doc := range docs {
		for mode, key := range want {
			p, err := parseOpenAPI(doc, mode)
			if err != nil {
				t.Fatalf("%s %s: %v", name, mode, err)
			}
			if len(p.routes) != 1 || p.routes[0].key != key {
				t.Errorf("%s %s: %+v, want %s", name, mode, p.routes, key)
			}
		}
	}
	if _, err := parseOpenAPI(docs["url"], "strip"); err == nil {
		t.Error("basepath strip was accepted")
	}
}

// TestParseOpenAPIYAMLKeys: YAML's unquoted status codes are the
// responseParameters' keys as JSON gives them, and the route selection
// extension is taken when it is the HTTP API's.
func TestParseOpenAPIYAMLKeys(t *testing.T) {
	doc := `openapi: 3.0.1
info: {title: t}
x-amazon-apigateway-route-selection-expression: $request.method $request.path
paths:
  /a:
    get:
      x-amazon-apigateway-integration:
        type: HTTP_PROXY
        httpMethod: GET
        uri: https://example.com
        responseParameters:
          404:
            overwrite:statuscode: 410
`
	p, err := parseOpenAPI(doc, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.integrations[0].ResponseParameters["404"]["overwrite:statuscode"]; got != "410" {
		t.Fatalf("responseParameters %v", p.integrations[0].ResponseParameters)
	}
	if len(p.warnings) != 0 || p.integrations[0].PayloadFormatVersion != "1.0" || p.integrations[0].TimeoutMillis != defaultTimeout {
		t.Fatalf("plan %+v %+v", p, p.integrations[0])
	}
	other := "openapi: 3.0.1\ninfo: {title: t}\nx-amazon-apigateway-route-selection-expression: $request.body.action\n"
	if _, err := parseOpenAPI(other, ""); err == nil {
		t.Fatal("a WebSocket route selection expression was accepted")
	}
}

// FuzzParseOpenAPI: no document, however malformed, panics the parser;
// it is either refused or read into a plan.
func FuzzParseOpenAPI(f *testing.F) {
	f.Add("openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /a/{b}:\n    get:\n      security: [{x: [s]}]\n      x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/i'}\ncomponents:\n  x-amazon-apigateway-integrations:\n    i: {type: http_proxy, uri: 'https://e', responseParameters: {200: {a: 1}}}\n  securitySchemes:\n    x: {x-amazon-apigateway-authorizer: {type: jwt}}\n", "prepend")
	f.Add(`{"openapi":"3.0.1","info":{"title":"t"},"servers":[{"url":"https://x/{basePath}","variables":{"basePath":{"default":"/v1"}}}],"paths":{"/$default":{"x-amazon-apigateway-any-method":{"isDefaultRoute":true}}}}`, "split")
	f.Add("- 1\n- 2\n", "")
	f.Fuzz(func(t *testing.T, body, basepath string) {
		p, err := parseOpenAPI(body, basepath)
		if err == nil && p.name == "" {
			t.Fatal("a plan without a name")
		}
	})
}
