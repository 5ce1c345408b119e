package gatehouse_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/servertest"
)

// domainNet has an HTTP API and a REST API, each in front of a backend
// that answers with its name and the path it was sent.
type domainNet struct {
	*pubNet
	httpID, restID string
}

func newDomainNet(t *testing.T, opts ...servertest.Option) *domainNet {
	p := newPubNet(t, opts...)
	backend := func(name string) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, name+" saw "+r.URL.Path)
		}))
		t.Cleanup(s.Close)
		return s.URL
	}
	n := &domainNet{pubNet: p}
	n.httpID = p.httpAPI("web", backend("http")+"/{proxy}", 5000, "ANY /{proxy+}")
	_, err := p.gw2.CreateStage(context.Background(), &apigatewayv2.CreateStageInput{ApiId: aws.String(n.httpID),
		StageName: aws.String("beta"), AutoDeploy: aws.Bool(true)})
	p.must(err)
	n.restID = p.restAPI("orders", agtypes.IntegrationTypeHttpProxy, backend("rest")+"/{proxy}", 5000)
	return n
}

// get sends GET path to gatehouse's plain listener with Host host.
func (n *domainNet) get(host, path string) (int, string) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", n.srv.URL()+path, nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	n.must(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (n *domainNet) mappings(domain string) int {
	n.t.Helper()
	out, err := n.gw2.GetApiMappings(context.Background(), &apigatewayv2.GetApiMappingsInput{DomainName: aws.String(domain)})
	n.must(err)
	return len(out.Items)
}

// wantAPIError asserts err is an AWS error with code and a message holding
// want.
func wantAPIError(t *testing.T, err error, code, want string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), want) {
		t.Errorf("want %s %q, got %s %q", code, want, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// A custom domain made through apigatewayv2 is the one apigateway sees;
// mappings made through either send the domain's paths to an HTTP API or
// a REST API, the longest key first, with the key stripped from the path.
func TestCustomDomainRoutesByMappingKey(t *testing.T) {
	n := newDomainNet(t)
	ctx := context.Background()
	const cert = "arn:aws:acm:us-east-1:000000000000:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"
	dn, err := n.gw2.CreateDomainName(ctx, &apigatewayv2.CreateDomainNameInput{DomainName: aws.String("API.example.com"),
		DomainNameConfigurations: []v2types.DomainNameConfiguration{{CertificateArn: aws.String(cert),
			EndpointType: v2types.EndpointTypeRegional, SecurityPolicy: v2types.SecurityPolicyTls12}},
		Tags: map[string]string{"team": "web"}})
	n.must(err)
	conf := dn.DomainNameConfigurations[0]
	target := aws.ToString(conf.ApiGatewayDomainName)
	if aws.ToString(dn.DomainName) != "api.example.com" || !strings.HasPrefix(target, "d-") ||
		!strings.HasSuffix(target, ".execute-api.us-east-1.amazonaws.com") || len(target) != len("d-abcdefghij.execute-api.us-east-1.amazonaws.com") ||
		aws.ToString(conf.HostedZoneId) != "Z1UJRXOUMOOFQ8" || conf.DomainNameStatus != v2types.DomainNameStatusAvailable ||
		aws.ToString(conf.CertificateArn) != cert || conf.SecurityPolicy != v2types.SecurityPolicyTls12 ||
		aws.ToString(dn.ApiMappingSelectionExpression) != "$request.basepath" || dn.Tags["team"] != "web" {
		t.Fatalf("domain name: %+v %+v", dn, conf)
	}
	v1, err := n.gw.GetDomainName(ctx, &apigateway.GetDomainNameInput{DomainName: aws.String("api.example.com")})
	n.must(err)
	if aws.ToString(v1.RegionalDomainName) != target || aws.ToString(v1.RegionalCertificateArn) != cert ||
		aws.ToString(v1.RegionalHostedZoneId) != "Z1UJRXOUMOOFQ8" || v1.EndpointConfiguration.Types[0] != agtypes.EndpointTypeRegional {
		t.Fatalf("the domain through apigateway: %+v", v1)
	}

	whole, err := n.gw2.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String("api.example.com"),
		ApiId: aws.String(n.httpID), Stage: aws.String("$default")})
	n.must(err)
	orders, err := n.gw2.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String("api.example.com"),
		ApiId: aws.String(n.restID), Stage: aws.String("prod"), ApiMappingKey: aws.String("v1/orders")})
	n.must(err)
	_, err = n.gw2.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String("api.example.com"),
		ApiId: aws.String(n.httpID), Stage: aws.String("beta"), ApiMappingKey: aws.String("beta")})
	n.must(err)
	_, err = n.gw.CreateBasePathMapping(ctx, &apigateway.CreateBasePathMappingInput{DomainName: aws.String("api.example.com"),
		BasePath: aws.String("legacy"), RestApiId: aws.String(n.restID), Stage: aws.String("prod")})
	n.must(err)
	// Without a stage, the caller names it after the base path.
	_, err = n.gw.CreateBasePathMapping(ctx, &apigateway.CreateBasePathMappingInput{DomainName: aws.String("api.example.com"),
		BasePath: aws.String("any"), RestApiId: aws.String(n.restID)})
	n.must(err)

	bpm, err := n.gw.GetBasePathMappings(ctx, &apigateway.GetBasePathMappingsInput{DomainName: aws.String("api.example.com")})
	n.must(err)
	paths := map[string]string{}
	for _, m := range bpm.Items {
		paths[aws.ToString(m.BasePath)] = aws.ToString(m.RestApiId) + "/" + aws.ToString(m.Stage)
	}
	if len(paths) != 5 || paths["(none)"] != n.httpID+"/$default" || paths["v1/orders"] != n.restID+"/prod" || paths["any"] != n.restID+"/" {
		t.Fatalf("base path mappings: %v", paths)
	}

	host := "api.example.com"
	for _, tc := range []struct{ path, want string }{
		{"/pets/1", "http saw /pets/1"},
		{"/v1/orders/items/7", "rest saw /items/7"},
		{"/v1/ordersx/items/7", "http saw /v1/ordersx/items/7"},
		{"/v1/items", "http saw /v1/items"},
		{"/legacy/a/b", "rest saw /a/b"},
		{"/any/prod/c", "rest saw /c"},
		{"/beta/d", "http saw /d"},
	} {
		for _, h := range []string{host, "API.Example.com:443"} {
			if status, body := n.get(h, tc.path); status != 200 || body != tc.want {
				t.Errorf("%s%s: %d %q, want %q", h, tc.path, status, body, tc.want)
			}
		}
	}
	// The invoke URLs serve as before.
	if status, body := n.get(n.restID+".execute-api.localhost", "/prod/x"); status != 200 || body != "rest saw /x" {
		t.Errorf("REST invoke URL: %d %q", status, body)
	}

	// Deleting a mapping stops its routing: the whole-domain mapping
	// takes its paths.
	_, err = n.gw2.DeleteApiMapping(ctx, &apigatewayv2.DeleteApiMappingInput{DomainName: aws.String(host), ApiMappingId: orders.ApiMappingId})
	n.must(err)
	if status, body := n.get(host, "/v1/orders/items/7"); status != 200 || body != "http saw /v1/orders/items/7" {
		t.Errorf("after deleting v1/orders: %d %q", status, body)
	}
	_, err = n.gw.DeleteBasePathMapping(ctx, &apigateway.DeleteBasePathMappingInput{DomainName: aws.String(host), BasePath: aws.String("(none)")})
	n.must(err)
	if status, body := n.get(host, "/pets/1"); status != 403 || body != `{"message":"Forbidden"}` {
		t.Errorf("no mapping: %d %q", status, body)
	}
	if status, body := n.get(host, "/legacy/a"); status != 200 || body != "rest saw /a" {
		t.Errorf("legacy after deletes: %d %q", status, body)
	}
	_ = whole

	// Deleting the domain deletes its mappings; its name is then a
	// foreign host.
	_, err = n.gw.DeleteDomainName(ctx, &apigateway.DeleteDomainNameInput{DomainName: aws.String(host)})
	n.must(err)
	if status, body := n.get(host, "/legacy/a"); status != 403 || !strings.Contains(body, "not a name this gatehouse serves") {
		t.Errorf("deleted domain: %d %q", status, body)
	}
	_, err = n.gw2.GetDomainName(ctx, &apigatewayv2.GetDomainNameInput{DomainName: aws.String(host)})
	wantAPIError(t, err, "NotFoundException", "Invalid domain name identifier specified")
}

// Bad domain names and mappings get AWS's errors and change nothing.
func TestCustomDomainBadInput(t *testing.T) {
	n := newDomainNet(t)
	ctx := context.Background()
	_, err := n.gw2.CreateDomainName(ctx, &apigatewayv2.CreateDomainNameInput{DomainName: aws.String("api.example.com"),
		DomainNameConfigurations: []v2types.DomainNameConfiguration{{CertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/x")}}})
	n.must(err)
	_, err = n.gw.CreateDomainName(ctx, &apigateway.CreateDomainNameInput{DomainName: aws.String("old.example.com"),
		CertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/y"), SecurityPolicy: agtypes.SecurityPolicyTls10})
	n.must(err)
	_, err = n.gw2.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String("api.example.com"),
		ApiId: aws.String(n.restID), Stage: aws.String("prod"), ApiMappingKey: aws.String("orders")})
	n.must(err)

	mapping := func(domain, apiID, stage, key string) error {
		_, err := n.gw2.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String(domain),
			ApiId: aws.String(apiID), Stage: aws.String(stage), ApiMappingKey: aws.String(key)})
		return err
	}
	wantAPIError(t, mapping("api.example.com", n.restID, "prod", "orders"), "ConflictException", "already exists")
	wantAPIError(t, mapping("api.example.com", n.httpID, "nope", "x"), "BadRequestException", "Invalid stage identifier specified")
	wantAPIError(t, mapping("api.example.com", n.restID, "nope", "x"), "BadRequestException", "Invalid stage identifier specified")
	wantAPIError(t, mapping("api.example.com", "zzzzzzzzzz", "prod", "x"), "NotFoundException", "Invalid API identifier specified")
	wantAPIError(t, mapping("api.example.com", n.restID, "prod", "a//b"), "BadRequestException", "empty level")
	wantAPIError(t, mapping("api.example.com", n.restID, "prod", "a b"), "BadRequestException", "only letters")
	wantAPIError(t, mapping("api.example.com", n.restID, "prod", strings.Repeat("a", 301)), "BadRequestException", "300")
	wantAPIError(t, mapping("nope.example.com", n.restID, "prod", "x"), "NotFoundException", "Invalid domain name identifier specified")
	// The edge domain is apigateway's alone, and takes neither HTTP APIs
	// nor several levels.
	wantAPIError(t, mapping("old.example.com", n.restID, "prod", "x"), "BadRequestException", "Only REGIONAL domain names")
	_, err = n.gw.CreateBasePathMapping(ctx, &apigateway.CreateBasePathMappingInput{DomainName: aws.String("old.example.com"),
		BasePath: aws.String("a/b"), RestApiId: aws.String(n.restID), Stage: aws.String("prod")})
	wantAPIError(t, err, "BadRequestException", "multiple levels")
	_, err = n.gw.CreateBasePathMapping(ctx, &apigateway.CreateBasePathMappingInput{DomainName: aws.String("old.example.com"),
		BasePath: aws.String("web"), RestApiId: aws.String(n.httpID), Stage: aws.String("$default")})
	wantAPIError(t, err, "BadRequestException", "HTTP APIs can be mapped only")
	_, err = n.gw.CreateBasePathMapping(ctx, &apigateway.CreateBasePathMappingInput{DomainName: aws.String("api.example.com"),
		BasePath: aws.String("orders"), RestApiId: aws.String(n.restID), Stage: aws.String("prod")})
	wantAPIError(t, err, "ConflictException", "Base path already exists for this domain name")
	_, err = n.gw2.CreateDomainName(ctx, &apigatewayv2.CreateDomainNameInput{DomainName: aws.String("api.example.com")})
	wantAPIError(t, err, "ConflictException", "already exists")
	_, err = n.gw2.CreateDomainName(ctx, &apigatewayv2.CreateDomainNameInput{DomainName: aws.String("bad_name.example.com")})
	wantAPIError(t, err, "BadRequestException", "Invalid domain name")
	_, err = n.gw.CreateDomainName(ctx, &apigateway.CreateDomainNameInput{DomainName: aws.String("nocert.example.com")})
	wantAPIError(t, err, "BadRequestException", "certificate")

	if got := n.mappings("api.example.com"); got != 1 {
		t.Errorf("mappings after refused calls: %d, want 1", got)
	}
	all, err := n.gw.GetDomainNames(ctx, &apigateway.GetDomainNamesInput{})
	n.must(err)
	if len(all.Items) != 2 {
		t.Errorf("domain names after refused calls: %d, want 2", len(all.Items))
	}
	// A refused update leaves the mapping as it was.
	ms, err := n.gw2.GetApiMappings(ctx, &apigatewayv2.GetApiMappingsInput{DomainName: aws.String("api.example.com")})
	n.must(err)
	_, err = n.gw2.UpdateApiMapping(ctx, &apigatewayv2.UpdateApiMappingInput{DomainName: aws.String("api.example.com"),
		ApiMappingId: ms.Items[0].ApiMappingId, ApiId: aws.String(n.restID), Stage: aws.String("gone")})
	wantAPIError(t, err, "BadRequestException", "Invalid stage identifier specified")
	if status, body := n.get("api.example.com", "/orders/x"); status != 200 || body != "rest saw /x" {
		t.Errorf("after a refused update: %d %q", status, body)
	}

	// A domain with a mapping of several levels keeps TLS 1.2.
	n.must(mapping("api.example.com", n.restID, "prod", "a/b"))
	tls10 := []v2types.DomainNameConfiguration{{SecurityPolicy: v2types.SecurityPolicyTls10}}
	_, err = n.gw2.UpdateDomainName(ctx, &apigatewayv2.UpdateDomainNameInput{DomainName: aws.String("api.example.com"), DomainNameConfigurations: tls10})
	wantAPIError(t, err, "BadRequestException", "multiple levels")
	dn, err := n.gw2.GetDomainName(ctx, &apigatewayv2.GetDomainNameInput{DomainName: aws.String("api.example.com")})
	n.must(err)
	if p := dn.DomainNameConfigurations[0].SecurityPolicy; p != v2types.SecurityPolicyTls12 {
		t.Errorf("a refused update changed the policy to %s", p)
	}
	ms, err = n.gw2.GetApiMappings(ctx, &apigatewayv2.GetApiMappingsInput{DomainName: aws.String("api.example.com")})
	n.must(err)
	for _, m := range ms.Items {
		if aws.ToString(m.ApiMappingKey) == "a/b" {
			_, err = n.gw2.DeleteApiMapping(ctx, &apigatewayv2.DeleteApiMappingInput{DomainName: aws.String("api.example.com"), ApiMappingId: m.ApiMappingId})
			n.must(err)
		}
	}
	up, err := n.gw2.UpdateDomainName(ctx, &apigatewayv2.UpdateDomainNameInput{DomainName: aws.String("api.example.com"), DomainNameConfigurations: tls10})
	n.must(err)
	if p := up.DomainNameConfigurations[0].SecurityPolicy; p != v2types.SecurityPolicyTls10 {
		t.Errorf("update: policy %s", p)
	}
}

// httpsClient trusts the server's certificate authority alone and sends
// every connection to the HTTPS listener, whatever the URL's host, as DNS
// pointing the names at gatehouse would.
func httpsClient(srv *servertest.Server) *http.Client {
	addr := srv.TLSAddr().String()
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: srv.CAPool()},
		DisableKeepAlives: true, // every request a new handshake
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

func httpsGet(t *testing.T, c *http.Client, url string) (int, string, error) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// Invoke URLs and custom domains are served over HTTPS with certificates
// the server's authority issues per name (SNI) on the first handshake and
// reuses after; a name gatehouse does not serve gets no certificate.
func TestCustomDomainOverHTTPS(t *testing.T) {
	n := newDomainNet(t, servertest.TLS())
	ctx := context.Background()
	pemFile, err := os.ReadFile(n.srv.CAFile())
	if err != nil {
		t.Fatalf("CA file: %v", err)
	}
	if status, body := n.get("localhost", "/_gatehouse/ca.pem"); status != 200 || body != string(pemFile) {
		t.Errorf("/_gatehouse/ca.pem: %d %q", status, body)
	}
	_, err = n.gw.CreateDomainName(ctx, &apigateway.CreateDomainNameInput{DomainName: aws.String("shop.example.com"),
		RegionalCertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/z"),
		EndpointConfiguration:  &agtypes.EndpointConfiguration{Types: []agtypes.EndpointType{agtypes.EndpointTypeRegional}}})
	n.must(err)
	_, err = n.gw2.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String("shop.example.com"),
		ApiId: aws.String(n.restID), Stage: aws.String("prod"), ApiMappingKey: aws.String("v1/orders")})
	n.must(err)
	_, err = n.gw2.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String("shop.example.com"),
		ApiId: aws.String(n.httpID), Stage: aws.String("$default")})
	n.must(err)

	c := httpsClient(n.srv)
	for _, tc := range []struct{ url, want string }{
		{"https://shop.example.com/v1/orders/7", "rest saw /7"},
		{"https://shop.example.com/pets", "http saw /pets"},
		{"https://" + n.restID + ".execute-api.us-east-1.amazonaws.com/prod/x", "rest saw /x"},
		{"https://" + n.httpID + ".execute-api.us-east-1.amazonaws.com/y", "http saw /y"},
		{"https://" + n.httpID + ".execute-api.localhost/z", "http saw /z"},
	} {
		status, body, err := httpsGet(t, c, tc.url)
		if err != nil || status != 200 || body != tc.want {
			t.Errorf("%s: %d %q %v, want %q", tc.url, status, body, err, tc.want)
		}
	}
	// Three names: the domain, and one wildcard per invoke URL suffix.
	issued := n.srv.CertificatesIssued()
	if issued != 3 {
		t.Errorf("issued %d certificates, want 3", issued)
	}
	for range 5 {
		if status, _, err := httpsGet(t, c, "https://shop.example.com/pets"); err != nil || status != 200 {
			t.Fatalf("again: %d %v", status, err)
		}
	}
	if got := n.srv.CertificatesIssued(); got != issued {
		t.Errorf("five more handshakes issued %d more certificates", got-issued)
	}

	// The management API answers over HTTPS too, at the listener's address.
	if _, err := apigatewayv2.NewFromConfig(n.srv.TLSConfig()).GetDomainNames(ctx, &apigatewayv2.GetDomainNamesInput{}); err != nil {
		t.Errorf("management over HTTPS: %v", err)
	}

	if _, _, err := httpsGet(t, c, "https://evil.example.com/"); err == nil {
		t.Error("a name gatehouse does not serve got a certificate")
	}
	// A client that trusts only the system roots refuses gatehouse's.
	plain := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: c.Transport.(*http.Transport).DialContext}}
	if _, _, err := httpsGet(t, plain, "https://shop.example.com/pets"); err == nil {
		t.Error("a client without the authority trusted the certificate")
	}

	_, err = n.gw2.DeleteDomainName(ctx, &apigatewayv2.DeleteDomainNameInput{DomainName: aws.String("shop.example.com")})
	n.must(err)
	if _, _, err := httpsGet(t, c, "https://shop.example.com/pets"); err == nil {
		t.Error("a deleted domain is still served over HTTPS")
	}
}
