package dataplane_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"gatehouse/internal/dataplane"
	"gatehouse/internal/model"
)

// explainVia asks the running server's admin endpoint, as the CLI does.
func (p *privateALB) explainVia(t *testing.T, q url.Values) (int, dataplane.Report) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	must(t, p.srv.Sync(sctx))
	resp, err := http.Get(p.srv.URL() + "/_gatehouse/explain?" + q.Encode())
	must(t, err)
	defer resp.Body.Close()
	var rep dataplane.Report
	if resp.StatusCode == http.StatusOK {
		must(t, json.NewDecoder(resp.Body).Decode(&rep))
	}
	return resp.StatusCode, rep
}

// TestExplainAgreesWithServing changes the network under a running API and
// checks that explain and real requests tell the same story each time.
func TestExplainAgreesWithServing(t *testing.T) {
	p := newPrivateALB(t)
	p.api(t, model.LinkAvailable, 30000, nil)
	q := url.Values{"api": {"api0000001"}, "route": {"/a"}}

	code, rep := p.explainVia(t, q)
	if code != 200 || !rep.OK || rep.Stage != "$default" || rep.Paths[0].Route != "ANY /{proxy+}" {
		t.Fatalf("explain: %d %+v", code, rep)
	}
	for _, h := range rep.Paths[0].Hops {
		if strings.HasPrefix(h.To, "node ") && (h.Verdict.Ingress.Rule.ID != p.ruleID || h.Verdict.Ingress.GroupID != p.albGroup) {
			t.Errorf("link -> ALB decided by %+v, want %s of %s", h.Verdict.Ingress, p.ruleID, p.albGroup)
		}
	}
	if got, _, _ := p.get(t, "GATEHOUSE/a"); got != 200 {
		t.Fatalf("explain says OK, serving says %d", got)
	}

	p.revoke(t)
	_, rep = p.explainVia(t, q)
	want := "add an ingress rule to " + p.albGroup + " (alb) allowing tcp/80 from " + p.linkGroup + " (link)"
	if rep.OK || len(rep.Paths[0].Fixes) != 1 || rep.Paths[0].Fixes[0] != want {
		t.Fatalf("revoked: ok=%v fixes %q, want %q", rep.OK, rep.Paths[0].Fixes, want)
	}
	if got, _ := p.getDropped(t, "GATEHOUSE/a", 30*time.Second); got != 503 {
		t.Fatalf("explain says broken, serving says %d", got)
	}

	// A named stage, and a route that no request matches.
	if code, rep := p.explainVia(t, url.Values{"api": {"api0000001"}, "stage": {"prod"}}); code != 200 || rep.Stage != "prod" {
		t.Fatalf("stage prod: %d %+v", code, rep)
	}
	for _, q := range []url.Values{{"api": {"nope"}}, {"api": {"api0000001"}, "stage": {"nope"}}} {
		if code, _ := p.explainVia(t, q); code != 404 {
			t.Errorf("%v: %d, want 404", q, code)
		}
	}
}

func TestExplainInactiveLink(t *testing.T) {
	p := newPrivateALB(t)
	p.api(t, model.LinkInactive, 30000, nil)
	_, rep := p.explainVia(t, url.Values{"api": {"api0000001"}})
	pa := rep.Paths[0]
	if rep.OK || len(pa.Problems) != 1 || !strings.Contains(pa.Problems[0], "INACTIVE") || !strings.Contains(pa.Fixes[0], "wake") {
		t.Fatalf("inactive link: %+v", pa)
	}
}

func TestExplainRESTStages(t *testing.T) {
	p := newPrivateALB(t)
	nlb, backend, rules := p.restNLB(t)
	v1 := &model.VpcLinkV1{ID: "v1link", Name: "nlb", TargetARNs: []string{nlb}, Status: model.LinkAvailable, EndpointService: "vpce-svc-0123"}
	v2 := p.linkV2(t)
	p.restAPI(t, &model.RestIntegration{Type: "HTTP_PROXY", HTTPMethod: "ANY", ConnectionType: "VPC_LINK", ConnectionID: "${stageVariables.vpcLinkId}",
		IntegrationTarget: p.albARN(t), URI: "http://backend.internal/{proxy}", TimeoutMillis: 29000},
		map[string]map[string]string{"prod": {"vpcLinkId": "v1link"}, "beta": {"vpcLinkId": v2.ID}}, v1, v2)
	const id = "rest000001" // restAPI's

	_, rep := p.explainVia(t, url.Values{"api": {id}, "stage": {"prod"}, "route": {"GET /x"}})
	pa := rep.Paths[0]
	if !rep.OK || pa.Link.Kind != "v1" || pa.Link.EndpointService != "vpce-svc-0123" || pa.Balancer.Name != "rest-nlb" {
		t.Fatalf("prod: %+v", rep)
	}
	for _, h := range pa.Hops {
		if !strings.HasPrefix(h.From, "node ") {
			continue
		}
		if h.Verdict.Ingress.GroupID != backend || (h.Verdict.Ingress.Rule.ID != rules[0] && h.Verdict.Ingress.Rule.ID != rules[1]) {
			t.Errorf("NLB -> target decided by %+v", h.Verdict.Ingress)
		}
	}
	_, rep = p.explainVia(t, url.Values{"api": {id}, "stage": {"beta"}, "route": {"ANY /{proxy+}"}})
	pa = rep.Paths[0]
	if !rep.OK || pa.Link.Kind != "V2" || len(pa.Link.ENIs) != 2 || pa.Balancer.Name != "alb" || pa.Request != "" {
		t.Fatalf("beta: %+v", rep)
	}
	if h := pa.Hops[0]; h.Verdict.Ingress.Rule.ID != p.ruleID || h.FromAddr != "10.0.1.60" {
		t.Fatalf("beta's first hop: %+v", h)
	}
}

// A REST method integrating a Lambda function names the function as its
// target: there is no network hop to explain.
func TestExplainRESTLambda(t *testing.T) {
	p := newPrivateALB(t)
	const fn = "arn:aws:lambda:us-east-1:000000000000:function:orders"
	p.restAPI(t, &model.RestIntegration{Type: "AWS_PROXY", HTTPMethod: "POST", TimeoutMillis: 29000,
		URI: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fn + "/invocations"}, map[string]map[string]string{"prod": nil})
	_, rep := p.explainVia(t, url.Values{"api": {"rest000001"}, "stage": {"prod"}, "route": {"GET /x"}})
	if pa := rep.Paths[0]; !rep.OK || pa.Integration.Type != "AWS_PROXY" || pa.Integration.Target != fn || len(pa.Hops) != 0 {
		t.Fatalf("lambda: %+v", rep)
	}
}

func TestExplainCloudMap(t *testing.T) {
	p := newPrivateALB(t)
	sd := p.srv.ServiceDiscovery()
	ns, err := sd.CreateHttpNamespace(ctx, &servicediscovery.CreateHttpNamespaceInput{Name: aws.String("blog")})
	must(t, err)
	op, err := sd.GetOperation(ctx, &servicediscovery.GetOperationInput{OperationId: ns.OperationId})
	must(t, err)
	svc, err := sd.CreateService(ctx, &servicediscovery.CreateServiceInput{Name: aws.String("app"), NamespaceId: aws.String(op.Operation.Targets["NAMESPACE"])})
	must(t, err)
	p.own(t, 0, "10.0.1.40")
	_, err = sd.RegisterInstance(ctx, &servicediscovery.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String("i1"),
		Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.1.40", "AWS_INSTANCE_PORT": "18099"}})
	must(t, err)
	p.apiTo(t, aws.ToString(svc.Service.Arn), model.LinkAvailable, 30000, nil)
	_, rep := p.explainVia(t, url.Values{"api": {"api0000001"}})
	pa := rep.Paths[0]
	if !rep.OK || pa.CloudMap == nil || len(pa.CloudMap.Instances) != 1 || pa.CloudMap.Instances[0].Real != "127.0.0.1:18099" || len(pa.Hops) != 2 {
		t.Fatalf("cloud map: %+v", pa)
	}
}
