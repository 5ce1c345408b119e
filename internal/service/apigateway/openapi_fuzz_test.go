package apigateway

import (
	"errors"
	"testing"

	"gatehouse/internal/api"
)

// FuzzReadOpenAPI reads arbitrary documents: nothing may panic, and every
// refusal is an AWS-shaped 4xx.
func FuzzReadOpenAPI(f *testing.F) {
	f.Add([]byte(`{"openapi":"3.0.1","info":{"title":"t"},"paths":{"/a/{id}":{"get":{"parameters":[{"name":"id","in":"path"}],"x-amazon-apigateway-integration":{"type":"mock","responses":{"default":{"statusCode":"200"}}}}}}}`), "ignore")
	f.Add([]byte("swagger: \"2.0\"\ninfo: {title: t}\nbasePath: /v1/x\npaths:\n  /b:\n    post:\n      parameters: [{in: body, name: B, schema: {$ref: '#/definitions/B'}}]\n      responses: {200: {description: ok}}\ndefinitions:\n  B: {type: object}\n"), "split")
	f.Add([]byte("openapi: 3.0.0\ninfo: {title: t}\nservers: [{url: 'https://h/{basePath}', variables: {basePath: {default: p}}}]\nx-amazon-apigateway-gateway-responses: {DEFAULT_4XX: {statusCode: 400}}\npaths: {}\n"), "prepend")
	f.Add([]byte("a: &a [*a]"), "")
	f.Fuzz(func(t *testing.T, body []byte, basepath string) {
		_, err := readOpenAPI(body, map[string]string{"basepath": basepath})
		if err == nil {
			return
		}
		var e *api.Error
		if !errors.As(err, &e) || e.Server {
			t.Fatalf("error %v is not a client error", err)
		}
	})
}
