package apigatewayv2

import (
	"context"
	"strings"

	"gatehouse/internal/model"
)

// Quick create: CreateApi with a target makes, with the API, an
// integration for the target, a route to it and a $default stage that
// deploys itself, all in the API's transaction. The integration and route
// are API Gateway managed; UpdateApi's target, routeKey and credentialsArn
// change them.

// quickCreate are the quick-create members of CreateApi and UpdateApi.
type quickCreate struct {
	target, routeKey, credentials *string
}

func (q quickCreate) set() bool {
	return q.target != nil || q.routeKey != nil || q.credentials != nil
}

// check refuses what a quick create cannot take before anything is read.
func (q quickCreate) check() error {
	if q.target == nil && (q.routeKey != nil || q.credentials != nil) {
		return badRequest("routeKey and credentialsArn are part of quick create: they need a target.")
	}
	if q.target != nil && *q.target == "" {
		return badRequest("Invalid target: it must be a Lambda function ARN or an HTTP URL.")
	}
	return q.checkCredentials()
}

// checkCredentials refuses a credentialsArn that is not a role ARN ("" is
// none).
func (q quickCreate) checkCredentials() error {
	if c := deref(q.credentials); c != "" && !strings.HasPrefix(c, "arn:") {
		return badRequest("Invalid credentialsArn %q: it must be an IAM role ARN.", c)
	}
	return nil
}

// aimAt makes i the integration quick create makes for target: a Lambda
// function (an ARN) is an AWS_PROXY integration with payload format 2.0,
// anything else an HTTP_PROXY one for any method.
func aimAt(i *model.Integration, target string) {
	i.URI = target
	if strings.HasPrefix(target, "arn:") {
		i.Type, i.PayloadFormatVersion, i.Method = "AWS_PROXY", "2.0", ""
		return
	}
	i.Type, i.PayloadFormatVersion, i.Method = "HTTP_PROXY", "1.0", "ANY"
}

// quickCreateParts writes the integration, route and $default stage of a
// quick-created API a, in the transaction that writes a.
func (s *Service) quickCreateParts(ctx context.Context, tx model.Tx, a *model.HTTPAPI, q quickCreate) error {
	i := &model.Integration{APIID: a.ID, ConnectionType: "INTERNET", TimeoutMillis: defaultTimeout,
		CredentialsARN: deref(q.credentials), Managed: true}
	aimAt(i, *q.target)
	if err := checkIntegration(ctx, tx, i); err != nil {
		return err
	}
	id, err := newID(integrationIDLen, unused[model.Integration](tx, a.ID+"/"))
	if err != nil {
		return err
	}
	i.ID = id
	if err := model.Put(tx, i); err != nil {
		return err
	}
	key, target := defaultStage, "integrations/"+i.ID
	if q.routeKey != nil {
		key = *q.routeKey
	}
	r := &model.Route{APIID: a.ID, AuthorizationType: "NONE", Managed: true}
	if r.ID, err = newID(routeIDLen, unused[model.Route](tx, a.ID+"/")); err != nil {
		return err
	}
	if err := applyRoute(tx, r, routeChanges{key: &key, target: &target}); err != nil {
		return err
	}
	if err := model.Put(tx, r); err != nil {
		return err
	}
	now := s.now()
	st := &model.Stage{APIID: a.ID, Name: defaultStage, CreatedDate: now, LastUpdatedDate: now, Managed: true}
	auto := true
	if err := applyStage(st, stageChanges{autoDeploy: &auto}); err != nil {
		return err
	}
	return s.deploy(tx, st, &change{})
}

// quickUpdate applies UpdateApi's quick-create members to the API's
// managed integration and route, and deploys the change to its
// autoDeploy stages. An API quick create did not make has neither.
func (s *Service) quickUpdate(ctx context.Context, tx model.Tx, apiID string, q quickCreate) error {
	var i *model.Integration
	var r *model.Route
	integrations, err := ofAPI[model.Integration](tx, apiID)
	if err != nil {
		return err
	}
	for _, it := range integrations {
		if it.Managed {
			i = it
		}
	}
	routes, err := routesOf(tx, apiID)
	if err != nil {
		return err
	}
	for _, rt := range routes {
		if rt.Managed {
			r = rt
		}
	}
	if i == nil || r == nil {
		return badRequest("API %s was not made by quick create: target, routeKey and credentialsArn apply only to the integration and route quick create makes.", apiID)
	}
	c := &change{}
	if q.target != nil || q.credentials != nil {
		switch {
		case q.target == nil:
		case strings.HasPrefix(i.URI, "arn:") == strings.HasPrefix(*q.target, "arn:"):
			// A target of the same kind: what the integration was set to
			// (payload format, method) stays.
			i.URI = *q.target
		default:
			aimAt(i, *q.target)
		}
		if q.credentials != nil {
			i.CredentialsARN = *q.credentials
		}
		if err := checkIntegration(ctx, tx, i); err != nil {
			return err
		}
		if err := model.Put(tx, i); err != nil {
			return err
		}
		c.integrations = []string{i.ID}
	}
	if q.routeKey != nil && *q.routeKey != r.RouteKey {
		if err := applyRoute(tx, r, routeChanges{key: q.routeKey}); err != nil {
			return err
		}
		if err := model.Put(tx, r); err != nil {
			return err
		}
		c.routes = []string{r.ID}
	}
	return s.autoDeploy(tx, apiID, c)
}
