package gatehouse_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"gatehouse"
)

// signed sends method target to gatehouse for host, signed with SigV4 for
// execute-api by id/secret (unsigned when id is "").
func (p *pubNet) signed(method, host, target, body, id, secret string) (*http.Response, string) {
	p.t.Helper()
	req, err := http.NewRequest(method, p.srv.URL()+target, strings.NewReader(body))
	p.must(err)
	req.Host = host
	if id != "" {
		sum := sha256.Sum256([]byte(body))
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req,
			hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now())
		p.must(err)
	}
	resp, err := http.DefaultClient.Do(req)
	p.must(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	p.must(err)
	return resp, string(b)
}

// authorizationType AWS_IAM is enforced on HTTP API routes and REST API
// methods: a request must be signed with SigV4 by a known access key; an
// unsigned one, a wrong signature and an unknown key get AWS's 403s. A
// route or method without it takes unsigned requests. apiKeyRequired on a
// REST method gets AWS's answer to a request without a valid key, since
// gatehouse has no API keys yet.
func TestAWSIAMAuthorizationIsEnforced(t *testing.T) {
	p := newPubNet(t, func(c *gatehouse.Config) { c.AccessKeys = map[string]string{"AKIDCALLER": "caller-secret"} })
	rec := newRecorder(t, nil)
	ctx := context.Background()
	uri := fmt.Sprintf("http://127.0.0.1:%d/{proxy}", rec.port)
	httpID := p.httpAPI("iam", uri, 30000, "ANY /open/{proxy+}")
	integs, err := p.gw2.GetIntegrations(ctx, &apigatewayv2.GetIntegrationsInput{ApiId: aws.String(httpID)})
	p.must(err)
	_, err = p.gw2.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: aws.String(httpID), RouteKey: aws.String("ANY /private/{proxy+}"),
		AuthorizationType: v2types.AuthorizationTypeAwsIam, Target: aws.String("integrations/" + aws.ToString(integs.Items[0].IntegrationId))})
	p.must(err)

	api, err := p.gw.CreateRestApi(restCtx, &apigateway.CreateRestApiInput{Name: aws.String("rest-iam")})
	p.must(err)
	restID := aws.ToString(api.Id)
	for _, m := range []struct {
		part, auth string
		key        bool
	}{{"open", "NONE", false}, {"private", "AWS_IAM", false}, {"keyed", "NONE", true}} {
		res, err := p.gw.CreateResource(restCtx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String(m.part)})
		p.must(err)
		_, err = p.gw.PutMethod(restCtx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("ANY"),
			AuthorizationType: aws.String(m.auth), ApiKeyRequired: m.key})
		p.must(err)
		_, err = p.gw.PutIntegration(restCtx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("ANY"),
			Type: agtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("ANY"), Uri: aws.String(fmt.Sprintf("http://127.0.0.1:%d/%s", rec.port, m.part))})
		p.must(err)
	}
	_, err = p.gw.CreateDeployment(restCtx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")})
	p.must(err)
	p.sync()

	httpHost, restHost := httpID+".execute-api.localhost", restID+".execute-api.localhost"
	const mismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	for _, c := range []struct {
		what, method, host, target, body, id, secret string
		status                                       int
		message, errType                             string
	}{
		{"HTTP API, open route, unsigned", "GET", httpHost, "/open/x", "", "", "", 200, "", ""},
		{"HTTP API, unsigned", "GET", httpHost, "/private/x", "", "", "", 403, "Forbidden", ""},
		{"HTTP API, signed", "GET", httpHost, "/private/x", "", "AKIDCALLER", "caller-secret", 200, "", ""},
		{"HTTP API, signed with a body", "POST", httpHost, "/private/x", `{"a":1}`, "AKIDCALLER", "caller-secret", 200, "", ""},
		{"HTTP API, wrong secret", "GET", httpHost, "/private/x", "", "AKIDCALLER", "guess", 403, mismatch, ""},
		{"HTTP API, unknown key", "GET", httpHost, "/private/x", "", "AKIDOTHER", "caller-secret", 403, "The security token included in the request is invalid.", ""},
		{"REST API, open method, unsigned", "GET", restHost, "/prod/open", "", "", "", 200, "", ""},
		{"REST API, unsigned", "GET", restHost, "/prod/private", "", "", "", 403, "Missing Authentication Token", "MissingAuthenticationTokenException"},
		{"REST API, signed", "GET", restHost, "/prod/private", "", "AKIDCALLER", "caller-secret", 200, "", ""},
		{"REST API, signed with a body", "PUT", restHost, "/prod/private", `{"a":1}`, "AKIDCALLER", "caller-secret", 200, "", ""},
		{"REST API, wrong secret", "GET", restHost, "/prod/private", "", "AKIDCALLER", "guess", 403, mismatch, "InvalidSignatureException"},
		{"REST API, unknown key", "GET", restHost, "/prod/private", "", "AKIDOTHER", "caller-secret", 403,
			"The security token included in the request is invalid.", "UnrecognizedClientException"},
		{"REST API, API key required", "GET", restHost, "/prod/keyed", "", "", "", 403, "Forbidden", "ForbiddenException"},
	} {
		before := rec.hits.Load()
		resp, body := p.signed(c.method, c.host, c.target, c.body, c.id, c.secret)
		if c.status == 200 {
			if resp.StatusCode != 200 || rec.hits.Load() != before+1 || rec.seen().BodyLen != int64(len(c.body)) {
				t.Errorf("%s: %d %q; the backend saw %+v", c.what, resp.StatusCode, body, rec.seen())
			}
			// A REST API keeps the gateway's signature from the backend.
			if c.host == restHost && c.id != "" && rec.seen().Header.Get("Authorization") != "" {
				t.Errorf("%s: the backend got the signature %q", c.what, rec.seen().Header.Get("Authorization"))
			}
			continue
		}
		var got struct{ Message string }
		json.Unmarshal([]byte(body), &got)
		if resp.StatusCode != c.status || got.Message != c.message || resp.Header.Get("X-Amzn-Errortype") != c.errType {
			t.Errorf("%s: %d %q %q, want %d %q %q", c.what, resp.StatusCode, body, resp.Header.Get("X-Amzn-Errortype"), c.status, c.message, c.errType)
		}
		if rec.hits.Load() != before {
			t.Errorf("%s reached the backend", c.what)
		}
	}
}
