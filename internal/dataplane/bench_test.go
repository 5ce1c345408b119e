package dataplane_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gatehouse/internal/model"
	"gatehouse/internal/store"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
)

// BenchmarkPrivateIntegrationALB measures one HTTP API request through a VPC
// link, an ALB and a real loopback backend, in process (no client socket):
// route matching, mapping, the hop checks, target choice and the proxied
// call. Run with -benchmem; compare with the shared harness for whole-system
// numbers.
func BenchmarkPrivateIntegrationALB(b *testing.B) {
	p := newPrivateALB(b)
	p.api(b, model.LinkAvailable, 30000, nil)
	bench(b, p, "api0000001.execute-api.localhost", "/pets/7")
}

// BenchmarkPrivateIntegrationALBCors is BenchmarkPrivateIntegrationALB
// for an API with a CORS configuration, asked from an allowed origin: the
// gateway adds its headers and drops the backend's.
func BenchmarkPrivateIntegrationALBCors(b *testing.B) {
	p := newPrivateALB(b)
	p.api(b, model.LinkAvailable, 30000, nil)
	p.change(b, func(a *model.HTTPAPI, _ *model.Deployment) {
		a.CORS = &model.CORS{AllowOrigins: []string{"https://app.example"}, AllowHeaders: []string{"content-type"}, ExposeHeaders: []string{"x-id"}}
	})
	bench(b, p, "api0000001.execute-api.localhost", "/pets/7", "Origin", "https://app.example")
}

// BenchmarkPrivateIntegrationALBResponseMapping is
// BenchmarkPrivateIntegrationALB for an integration that maps its 200
// answers: a header from the backend's, one removed, one from the context.
func BenchmarkPrivateIntegrationALBResponseMapping(b *testing.B) {
	p := newPrivateALB(b)
	p.api(b, model.LinkAvailable, 30000, nil)
	p.change(b, func(_ *model.HTTPAPI, d *model.Deployment) {
		d.Integrations[0].ResponseParameters = map[string]map[string]string{"200": {
			"overwrite:header.x-type": "$response.header.content-type", "remove:header.x-drop": "''", "append:header.x-id": "$context.requestId"}}
	})
	bench(b, p, "api0000001.execute-api.localhost", "/pets/7")
}

// BenchmarkPrivateIntegrationALBCustomDomain is
// BenchmarkPrivateIntegrationALB through a custom domain whose mapping key
// of two levels takes the stage: one map lookup by host and a walk of the
// domain's mappings, longest first, before the same pipeline.
func BenchmarkPrivateIntegrationALBCustomDomain(b *testing.B) {
	p := newPrivateALB(b)
	p.api(b, model.LinkAvailable, 30000, nil)
	_, err := p.srv.Store().Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "000000000000", Region: "us-east-1"}
		for _, rec := range []model.Record{
			&model.DomainName{Name: "api.example.com", EndpointType: model.EndpointRegional, SecurityPolicy: model.TLS12},
			&model.APIMapping{Domain: "api.example.com", ID: "m00001", Path: "", APIID: "api0000001", Stage: "$default"},
			&model.APIMapping{Domain: "api.example.com", ID: "m00002", Path: "v1/blog", APIID: "api0000001", Stage: "prod"},
			&model.APIMapping{Domain: "api.example.com", ID: "m00003", Path: "v2", APIID: "api0000001", Stage: "prod"},
		} {
			if err := model.Put(mt, rec); err != nil {
				return err
			}
		}
		return nil
	})
	must(b, err)
	bench(b, p, "api.example.com", "/v1/blog/pets/7")
}

// change rewrites the benchmark API's record and its deployment.
func (p *privateALB) change(b *testing.B, f func(*model.HTTPAPI, *model.Deployment)) {
	_, err := p.srv.Store().Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "000000000000", Region: "us-east-1"}
		a, _, err := model.Get[model.HTTPAPI](mt, "api0000001")
		if err != nil {
			return err
		}
		d, _, err := model.Get[model.Deployment](mt, "api0000001/dep001")
		if err != nil {
			return err
		}
		f(a, d)
		if err := model.Put(mt, a); err != nil {
			return err
		}
		return model.Put(mt, d)
	})
	must(b, err)
}

// BenchmarkRestPrivateIntegrationNLB measures one REST API request through a
// v1 VPC link, the NLB and a real loopback backend.
func BenchmarkRestPrivateIntegrationNLB(b *testing.B) {
	p := newPrivateALB(b)
	nlb, _, _ := p.restNLB(b)
	link := &model.VpcLinkV1{ID: "v1link", Name: "nlb", TargetARNs: []string{nlb}, Status: model.LinkAvailable}
	p.restAPI(b, &model.RestIntegration{Type: "HTTP_PROXY", HTTPMethod: "ANY", ConnectionType: "VPC_LINK", ConnectionID: "v1link",
		URI: "http://rest-nlb.internal/{proxy}", TimeoutMillis: 29000}, map[string]map[string]string{"prod": nil}, link)
	bench(b, p, "rest000001.execute-api.localhost", "/prod/pets/7")
}

// BenchmarkRestHTTPPlain and BenchmarkRestHTTPTemplated measure one REST
// API request through a non-proxy HTTP integration to a real loopback
// backend, without and with mapping templates (a request template that
// reshapes the body and reads parameters and context, a response template
// that walks the backend's JSON answer): the difference is what templates
// cost a request.
func BenchmarkRestHTTPPlain(b *testing.B) {
	p := newPrivateALB(b)
	p.restAPI(b, restHTTP(b, nil, nil), map[string]map[string]string{"prod": nil})
	bench(b, p, "rest000001.execute-api.localhost", "/prod/pets/7")
}

func BenchmarkRestHTTPTemplated(b *testing.B) {
	p := newPrivateALB(b)
	p.restAPI(b, restHTTP(b,
		map[string]string{"application/json": `#set($root = $input.path('$'))
{"pet": "$input.params('proxy')", "stage": "$context.stage", "requestId": "$context.requestId", "body": $input.json('$')}`},
		map[string]string{"application/json": `#set($seen = $input.path('$'))
{"backend": "$seen.Backend", "path": "$util.escapeJavaScript($seen.Path)", "headers": [#foreach($h in $seen.Header.keySet())"$h"#if($foreach.hasNext),#end#end]}`}),
		map[string]map[string]string{"prod": nil})
	bench(b, p, "rest000001.execute-api.localhost", "/prod/pets/7")
}

func restHTTP(b *testing.B, requestTemplates, responseTemplates map[string]string) *model.RestIntegration {
	return &model.RestIntegration{Type: "HTTP", HTTPMethod: "GET", ConnectionType: "INTERNET",
		URI: fmt.Sprintf("http://127.0.0.1:%d/{proxy}", echo(b, "plain")), TimeoutMillis: 29000, PassthroughBehavior: "WHEN_NO_MATCH",
		RequestParameters:    map[string]string{"integration.request.path.proxy": "method.request.path.proxy"},
		RequestTemplates:     requestTemplates,
		IntegrationResponses: map[string]*model.RestIntegrationResponse{"200": {StatusCode: "200", ResponseTemplates: responseTemplates}}}
}

// BenchmarkPrivateIntegrationCloudMap measures one HTTP API request through
// a VPC link V2 straight to a Cloud Map instance, chosen among a service's
// instances by the integration's attribute query, and a real loopback
// backend.
func BenchmarkPrivateIntegrationCloudMap(b *testing.B) {
	p := newPrivateALB(b)
	sd := p.srv.ServiceDiscovery()
	ns, err := sd.CreateHttpNamespace(ctx, &servicediscovery.CreateHttpNamespaceInput{Name: aws.String("blog")})
	must(b, err)
	op, err := sd.GetOperation(ctx, &servicediscovery.GetOperationInput{OperationId: ns.OperationId})
	must(b, err)
	svc, err := sd.CreateService(ctx, &servicediscovery.CreateServiceInput{Name: aws.String("app"), NamespaceId: aws.String(op.Operation.Targets["NAMESPACE"])})
	must(b, err)
	for i, color := range []string{"blue", "green", "green"} {
		ip := fmt.Sprintf("10.0.1.%d", 40+i)
		p.own(b, 0, ip)
		_, err = sd.RegisterInstance(ctx, &servicediscovery.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String(fmt.Sprint("cm-", i)),
			Attributes: map[string]string{"AWS_INSTANCE_IPV4": ip, "AWS_INSTANCE_PORT": fmt.Sprint(echo(b, color)), "color": color}})
		must(b, err)
	}
	p.apiTo(b, aws.ToString(svc.Service.Arn)+"?color=green", model.LinkAvailable, 30000, nil)
	bench(b, p, "api0000001.execute-api.localhost", "/pets/7")
}

// bench measures requests for path on host, with the header pairs given.
func bench(b *testing.B, p *privateALB, host, path string, header ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.srv.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	h := p.srv.Handler()
	req := httptest.NewRequest("GET", "http://"+host+path, nil)
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
