package gatehouse_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"gatehouse/internal/servertest"
)

// pixel is a binary payload: bytes that are not UTF-8.
var pixel = []byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80}

// binaryBackend keeps the last body it was sent, and answers /echo with
// that body under the request's Content-Type, /png with pixel as
// image/png, /b64 with pixel base64-encoded as text/plain.
func binaryBackend(t *testing.T) (*httptest.Server, *atomic.Pointer[[]byte]) {
	t.Helper()
	var last atomic.Pointer[[]byte]
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		last.Store(&body)
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
			w.Write(body)
		case "/png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(pixel)
		case "/b64":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, base64.StdEncoding.EncodeToString(pixel))
		}
	}))
	t.Cleanup(s.Close)
	return s, &last
}

// A REST API converts payloads between text and binary as AWS's content
// type conversion tables say: by the API's binaryMediaTypes, the request's
// Content-Type and Accept, and the contentHandling of the integration and
// its responses.
func TestRESTBinaryMediaTypes(t *testing.T) {
	srv := servertest.Start(t)
	gw := srv.APIGateway()
	backend, last := binaryBackend(t)
	api, err := gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("files"), BinaryMediaTypes: []string{"application/octet-stream", "image/*"}})
	restMust(t, err)
	// method adds POST or GET /name, a non-proxy (or proxy) integration
	// with backend path to, and a default 200 passing the backend's
	// Content-Type on.
	method := func(name, verb, to string, typ agtypes.IntegrationType, request, response agtypes.ContentHandlingStrategy) *string {
		t.Helper()
		res, err := gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String(name)})
		restMust(t, err)
		_, err = gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String(verb), AuthorizationType: aws.String("NONE")})
		restMust(t, err)
		_, err = gw.PutIntegration(restCtx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String(verb),
			Type: typ, IntegrationHttpMethod: aws.String(verb), Uri: aws.String(backend.URL + to), ContentHandling: request})
		restMust(t, err)
		if typ == agtypes.IntegrationTypeHttpProxy {
			return res.Id
		}
		_, err = gw.PutMethodResponse(restCtx, &apigateway.PutMethodResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String(verb),
			StatusCode: aws.String("200"), ResponseParameters: map[string]bool{"method.response.header.Content-Type": false}})
		restMust(t, err)
		_, err = gw.PutIntegrationResponse(restCtx, &apigateway.PutIntegrationResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String(verb),
			StatusCode: aws.String("200"), ContentHandling: response,
			ResponseParameters: map[string]string{"method.response.header.Content-Type": "integration.response.header.Content-Type"}})
		restMust(t, err)
		return res.Id
	}
	nonProxy, proxy := agtypes.IntegrationTypeHttp, agtypes.IntegrationTypeHttpProxy
	method("upload", "POST", "/echo", nonProxy, "", "")
	method("totext", "POST", "/echo", nonProxy, agtypes.ContentHandlingStrategyConvertToText, "")
	method("tobinary", "POST", "/echo", nonProxy, agtypes.ContentHandlingStrategyConvertToBinary, "")
	method("image", "GET", "/png", nonProxy, "", "")
	method("decoded", "GET", "/b64", nonProxy, "", agtypes.ContentHandlingStrategyConvertToBinary)
	method("encoded", "GET", "/png", nonProxy, "", agtypes.ContentHandlingStrategyConvertToText)
	method("proxy", "POST", "/echo", proxy, "", "")
	// A template maps the payload as converted: the binary body made text
	// is its base64.
	wrapped := method("wrapped", "POST", "/echo", nonProxy, agtypes.ContentHandlingStrategyConvertToText, "")
	_, err = gw.UpdateIntegration(restCtx, &apigateway.UpdateIntegrationInput{RestApiId: api.Id, ResourceId: wrapped, HttpMethod: aws.String("POST"),
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpAdd, Path: aws.String("/requestTemplates/application~1octet-stream"),
			Value: aws.String(`{"data": "$input.body"}`)}}})
	restMust(t, err)
	_, err = gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")})
	restMust(t, err)
	id := aws.ToString(api.Id)

	b64 := []byte(base64.StdEncoding.EncodeToString(pixel))
	replaced := []byte("\uFFFDPNG\r\n\x1a\n\x00\uFFFD\uFFFD\uFFFD") // pixel read as UTF-8 text
	for _, c := range []struct {
		what, verb, path, contentType, accept string
		body                                  []byte
		status                                int
		sent, got                             []byte // nil: not checked
		uncalled                              bool   // the backend must not be called
	}{
		{"binary request, binary Accept: passed through both ways", "POST", "/upload", "application/octet-stream", "application/octet-stream", pixel, 200, pixel, pixel, false},
		{"binary answer, text Accept: base64-encoded", "POST", "/upload", "application/octet-stream", "application/json", pixel, 200, pixel, b64, false},
		{"binary answer, first Accept type text", "POST", "/upload", "application/octet-stream", "text/html, application/octet-stream", pixel, 200, pixel, b64, false},
		{"text request: UTF-8 text to the backend", "POST", "/upload", "text/plain", "text/plain", pixel, 200, replaced, replaced, false},
		{"text answer, binary Accept: base64-decoded", "POST", "/upload", "text/plain", "image/png", b64, 200, b64, pixel, false},
		{"text answer that is not base64, binary Accept", "POST", "/upload", "text/plain", "image/png", []byte("not base64!"), 500, nil, []byte(`{"message":"Internal server error"}`), false},
		{"CONVERT_TO_TEXT: binary request base64-encoded", "POST", "/totext", "image/jpeg", "image/jpeg", pixel, 200, b64, b64, false},
		// The echo is image/jpeg, binary, to a text Accept: encoded again.
		{"CONVERT_TO_TEXT, text Accept", "POST", "/totext", "image/jpeg", "text/plain", pixel, 200, b64, []byte(base64.StdEncoding.EncodeToString(b64)), false},
		{"CONVERT_TO_TEXT: text request stays", "POST", "/totext", "application/json", "application/json", []byte(`{"a":1}`), 200, []byte(`{"a":1}`), []byte(`{"a":1}`), false},
		// The echo is text/plain: read as UTF-8 text on the way back.
		{"CONVERT_TO_BINARY: text request base64-decoded", "POST", "/tobinary", "text/plain", "text/plain", b64, 200, pixel, replaced, false},
		// To a binary Accept, text is base64-decoded: the echoed pixel is not base64.
		{"CONVERT_TO_BINARY, binary Accept", "POST", "/tobinary", "text/plain", "application/octet-stream", b64, 500, pixel, nil, false},
		{"CONVERT_TO_BINARY: binary request stays", "POST", "/tobinary", "application/octet-stream", "application/octet-stream", pixel, 200, pixel, pixel, false},
		{"CONVERT_TO_BINARY: text that is not base64", "POST", "/tobinary", "text/plain", "", []byte("%%%"), 500, nil, []byte(`{"message":"Internal server error"}`), true},
		{"image, image Accept", "GET", "/image", "", "image/png", nil, 200, nil, pixel, false},
		{"image, any Accept: not a binary type", "GET", "/image", "", "*/*", nil, 200, nil, b64, false},
		{"image, no Accept", "GET", "/image", "", "", nil, 200, nil, b64, false},
		{"response CONVERT_TO_BINARY, text Accept", "GET", "/decoded", "", "application/json", nil, 200, nil, pixel, false},
		{"response CONVERT_TO_TEXT, binary Accept", "GET", "/encoded", "", "image/png", nil, 200, nil, b64, false},
		{"template over the converted payload", "POST", "/wrapped", "application/octet-stream", "application/json", pixel, 200, []byte(`{"data": "` + string(b64) + `"}`), nil, false},
		{"proxy: passed through, whatever the types", "POST", "/proxy", "text/plain", "application/json", pixel, 200, pixel, pixel, false},
	} {
		h := http.Header{}
		if c.contentType != "" {
			h.Set("Content-Type", c.contentType)
		}
		if c.accept != "" {
			h.Set("Accept", c.accept)
		}
		last.Store(nil)
		resp, got := restCall(t, srv, id, c.verb, c.path, h, c.body)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d %q, want %d", c.what, resp.StatusCode, got, c.status)
			continue
		}
		if c.got != nil && !bytes.Equal(got, c.got) {
			t.Errorf("%s: client got %q, want %q", c.what, got, c.got)
		}
		if c.sent != nil {
			if sent := last.Load(); sent == nil || !bytes.Equal(*sent, c.sent) {
				t.Errorf("%s: backend got %q, want %q", c.what, deref(sent), c.sent)
			}
		}
		if c.uncalled && last.Load() != nil {
			t.Errorf("%s: the backend was called", c.what)
		}
	}

	// */* makes every type binary: a text request passes through
	// unconverted, once the API is redeployed.
	_, err = gw.UpdateRestApi(restCtx, &apigateway.UpdateRestApiInput{RestApiId: api.Id,
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpAdd, Path: aws.String("/binaryMediaTypes/*~1*")}}})
	restMust(t, err)
	text := http.Header{"Content-Type": {"text/plain"}, "Accept": {"text/plain"}}
	resp, got := restCall(t, srv, id, "POST", "/upload", text, pixel)
	if sent := last.Load(); resp.StatusCode != 200 || !bytes.Equal(got, replaced) || sent == nil || !bytes.Equal(*sent, replaced) {
		t.Errorf("*/* before the deployment: %d, client got %q, backend got %q", resp.StatusCode, got, deref(sent))
	}
	_, err = gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")})
	restMust(t, err)
	resp, got = restCall(t, srv, id, "POST", "/upload", text, pixel)
	if sent := last.Load(); resp.StatusCode != 200 || !bytes.Equal(got, pixel) || sent == nil || !bytes.Equal(*sent, pixel) {
		t.Errorf("*/*: %d, client got %q, backend got %q", resp.StatusCode, got, deref(sent))
	}
}

func deref(b *[]byte) []byte {
	if b == nil {
		return nil
	}
	return *b
}
