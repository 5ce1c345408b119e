package apigateway

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/store/mem"
)

// wantRefusal fails unless err is nil or an AWS-shaped 4xx.
func wantRefusal(t *testing.T, what string, err error) {
	t.Helper()
	var ae *api.Error
	if err != nil && (!errors.As(err, &ae) || ae.Status < 400 || ae.Status >= 500) {
		t.Fatalf("%s = %v, want nil or a 4xx api.Error", what, err)
	}
}

const fuzzOAS3 = `openapi: 3.0.1
info: {title: shop, version: "1"}
servers: [{url: "https://example.com/v1"}]
components:
  schemas:
    Pet: {type: object, properties: {id: {type: integer}, tags: {type: array, items: {$ref: "#/components/schemas/Tag"}}}}
    Tag: {type: string}
  securitySchemes:
    key: {type: apiKey, name: x-api-key, in: header}
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
x-amazon-apigateway-gateway-responses:
  DEFAULT_4XX: {statusCode: "400", responseTemplates: {application/json: '{"m":$context.error.messageString}'}}
paths:
  /pets/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      security: [{key: []}]
      x-amazon-apigateway-request-validator: all
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}}}
      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "http://127.0.0.1:1/{id}", requestParameters: {integration.request.path.id: method.request.path.id}}
`

const fuzzSwagger2 = `{
  "swagger": "2.0",
  "info": {"title": "orders", "description": "d", "version": "2"},
  "basePath": "/api",
  "x-amazon-apigateway-api-key-source": "HEADER",
  "x-amazon-apigateway-binary-media-types": ["image/png"],
  "definitions": {"Order": {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string"}}}},
  "paths": {
    "/orders": {
      "post": {
        "consumes": ["application/json"],
        "parameters": [{"name": "body", "in": "body", "schema": {"$ref": "#/definitions/Order"}},
                       {"name": "q", "in": "query", "required": true, "type": "string"}],
        "responses": {"201": {"description": "made", "headers": {"Location": {"type": "string"}}}},
        "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
          "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations"}
      }
    }
  }
}`

// FuzzImportRestApi imports arbitrary documents as ImportRestApi does, into
// an in-memory store: nothing may
// panic, every refusal is an AWS-shaped 4xx, a plan read has its paths
// absolute and ordered parents first, and an API imported is deployed and
// exported again in both formats and encodings, which must not fail.
func FuzzImportRestApi(f *testing.F) {
	f.Add([]byte(fuzzOAS3), "")
	f.Add([]byte(fuzzSwagger2), "prepend")
	f.Add([]byte(fuzzSwagger2), "split")
	f.Add([]byte("openapi: 3.0.0\ninfo: {title: t}\npaths: {/: {get: {}}}\n"), "")
	f.Add([]byte(`{"swagger":"2.0","info":{"title":"x"},"paths":{"a":{}}}`), "")
	f.Add([]byte("- not a map"), "")
	f.Add([]byte(`{"openapi":"3.0.1","info":{"title":"t"},"paths":{"/a/{id}":{"get":{"parameters":[{"name":"id","in":"path"}],"x-amazon-apigateway-integration":{"type":"mock","responses":{"default":{"statusCode":"200"}}}}}}}`), "ignore")
	f.Add([]byte("swagger: \"2.0\"\ninfo: {title: t}\nbasePath: /v1/x\npaths:\n  /b:\n    post:\n      parameters: [{in: body, name: B, schema: {$ref: '#/definitions/B'}}]\n      responses: {200: {description: ok}}\ndefinitions:\n  B: {type: object}\n"), "split")
	f.Add([]byte("openapi: 3.0.0\ninfo: {title: t}\nservers: [{url: 'https://h/{basePath}', variables: {basePath: {default: p}}}]\nx-amazon-apigateway-gateway-responses: {DEFAULT_4XX: {statusCode: 400}}\npaths: {}\n"), "prepend")
	f.Add([]byte("a: &a [*a]"), "")
	f.Fuzz(func(t *testing.T, body []byte, basepath string) {
		params := map[string]string{}
		if basepath != "" {
			params["basepath"] = basepath
		}
		p, err := readOpenAPI(body, params)
		wantRefusal(t, "readOpenAPI", err)
		if err != nil {
			return
		}
		for i, path := range p.paths {
			if !strings.HasPrefix(path.path, "/") {
				t.Fatalf("plan path %q is not absolute", path.path)
			}
			if i > 0 && p.paths[i-1].path > path.path {
				t.Fatalf("plan paths out of order: %q before %q", p.paths[i-1].path, path.path)
			}
		}
		// The store write and the export: the same checks the single
		// operations apply may still refuse the plan, with a 4xx.
		s := New(mem.New(), clocktest.New(time.Unix(1700000000, 0)))
		ctx := api.WithMeta(context.Background(), api.Meta{Account: "123456789012", Region: "us-east-1"})
		imp, err := s.ImportRestApi(ctx, &ImportRestApiInput{Body: body, Parameters: params})
		wantRefusal(t, "ImportRestApi", err)
		if err != nil {
			return
		}
		_, err = s.CreateDeployment(ctx, &CreateDeploymentInput{RestAPIID: imp.ID, StageName: "s"})
		wantRefusal(t, "CreateDeployment", err)
		if err != nil {
			return // a method without an integration cannot be deployed
		}
		for _, typ := range []string{"oas30", "swagger"} {
			for _, accept := range []string{"application/json", "application/yaml"} {
				out, err := s.GetExport(ctx, &GetExportInput{RestAPIID: imp.ID, StageName: "s", ExportType: typ,
					Accepts: accept, Parameters: map[string]string{"extensions": "apigateway"}})
				if err != nil {
					t.Fatalf("GetExport(%s, %s) of an imported API: %v", typ, accept, err)
				}
				if len(out.Body) == 0 {
					t.Fatalf("GetExport(%s, %s) wrote nothing", typ, accept)
				}
			}
		}
	})
}

// FuzzReadKeyFile reads arbitrary files as ImportApiKeys does: nothing may
// panic, every refusal is an AWS-shaped 4xx, and every row it returns has
// a line number past the header.
func FuzzReadKeyFile(f *testing.F) {
	f.Add([]byte("Name,Key,Description,Enabled,UsagePlanIds\nk1,abcdefghijklmnopqrst,first,true,\"p1,p2\"\n"))
	f.Add([]byte("name,key,description,enabled,usageplanIds\nk2,bcdefghijklmnopqrstu,,FALSE,'p1'\n"))
	f.Add([]byte("Key,Name\nvalue-of-twenty-chars,k3\n"))
	f.Add([]byte(" Name , Key ,Extra\nk4,cdefghijklmnopqrstuv\n\"k5\",\"defghijklmnopqrstuvw\",x,y\n"))
	f.Add([]byte("Name,Key,Enabled\nk6,efghijklmnopqrstuvwx,maybe\n"))
	f.Add([]byte("Name\nk7\n"))
	f.Add([]byte("Name,Key\n\"unterminated,x\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := readKeyFile(body)
		wantRefusal(t, "readKeyFile", err)
		for _, r := range rows {
			if r.line < 2 {
				t.Fatalf("row %+v reported on line %d, at or before the header", r, r.line)
			}
			for _, p := range r.plans {
				if p == "" || strings.TrimSpace(p) != p {
					t.Fatalf("row %+v has plan id %q", r, p)
				}
			}
		}
	})
}
