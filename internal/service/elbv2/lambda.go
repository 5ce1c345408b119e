package elbv2

import (
	"context"
	"net/http"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// A target group of type lambda holds one Lambda function, which an ALB
// invokes instead of dialing: it has no protocol, port or VPC, and its
// health checks (invocations too) are off until turned on.

// LambdaPrincipal is the service principal a function's policy must let
// invoke it for a target group to use it.
const LambdaPrincipal = "elasticloadbalancing.amazonaws.com"

// MultiValueHeaders is the lambda group attribute that switches the event
// and the answer to arrays of values (multiValueHeaders,
// multiValueQueryStringParameters).
const MultiValueHeaders = "lambda.multi_value_headers.enabled"

func (s *Service) createLambdaTargetGroup(ctx context.Context, in *CreateTargetGroupInput) (*TargetGroupsOutput, error) {
	// AWS's words for the three parameters a lambda group must not have.
	switch {
	case in.Protocol != "":
		return nil, validation("Protocol cannot be specified for target groups with target type 'lambda'")
	case in.Port != nil:
		return nil, validation("Port cannot be specified for target groups with target type 'lambda'")
	case in.VpcID != "":
		return nil, validation("VPC ID cannot be specified for target groups with target type 'lambda'")
	case in.ProtocolVersion != "":
		return nil, validation("Protocol version cannot be specified for target groups with target type 'lambda'")
	case in.HealthCheckProtocol != "":
		return nil, validation("Health check protocol cannot be specified for target groups with target type 'lambda'")
	case in.HealthCheckPort != "":
		return nil, validation("Health check port cannot be specified for target groups with target type 'lambda'")
	case in.IPAddressType != "":
		return nil, validation("IP address type cannot be specified for target groups with target type 'lambda'")
	}
	hc := lambdaHealthCheck()
	if err := applyHealthCheck(&hc, "", healthCheckChange{
		enabled: in.HealthCheckEnabled, path: in.HealthCheckPath,
		interval: in.HealthCheckIntervalSeconds, timeout: in.HealthCheckTimeoutSeconds,
		healthy: in.HealthyThresholdCount, unhealthy: in.UnhealthyThresholdCount, matcher: in.Matcher,
	}); err != nil {
		return nil, err
	}
	tags, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	return s.putTargetGroup(ctx, &model.TargetGroup{
		Name:        in.Name,
		TargetType:  "lambda",
		HealthCheck: hc,
		Attributes:  map[string]string{},
		Tags:        tags,
	})
}

// lambdaHealthCheck is AWS's default for a lambda group: off, and when
// turned on an invocation of "/" every 35 seconds that must answer 200
// within 30, five in a row either way.
func lambdaHealthCheck() model.HealthCheck {
	return model.HealthCheck{Path: "/", IntervalSeconds: 35, TimeoutSeconds: 30, HealthyThreshold: 5, UnhealthyThreshold: 5, Matcher: "200"}
}

// lambdaAttributeDefaults are the attributes of a lambda group.
var lambdaAttributeDefaults = map[string]string{
	MultiValueHeaders:                       "false",
	"stickiness.enabled":                    "false",
	"stickiness.type":                       "lb_cookie",
	"stickiness.lb_cookie.duration_seconds": "86400",
}

// checkLambdaTarget admits the one function a lambda group may hold: a
// function ARN (a version or alias may qualify it) of the group's account
// and region, naming a function that exists and whose policy lets Elastic
// Load Balancing invoke it for this group, as ELB checks at registration.
func checkLambdaTarget(ctx context.Context, tx model.Tx, tg *model.TargetGroup, d TargetDescription) (model.Target, error) {
	t := model.Target{ID: d.ID}
	if d.Port != nil {
		return t, validation("Port cannot be specified for targets of target groups with target type 'lambda'")
	}
	m := api.MetaFrom(ctx)
	ref, ok := invoke.ParseFunction(d.ID)
	if !ok || !strings.HasPrefix(d.ID, "arn:") {
		return t, api.BadRequest("InvalidTarget", "The target '%s' is not a valid Lambda function ARN", d.ID)
	}
	if ref.Account != m.Account || ref.Region != m.Region {
		return t, api.BadRequest("InvalidTarget", "The Lambda function '%s' must be in the same account and region as the target group", d.ID)
	}
	fn, ok, err := model.Get[model.Function](tx, ref.Name)
	if err != nil {
		return t, err
	}
	if ok && ref.Qualifier != "" && ref.Qualifier != "$LATEST" {
		ok, err = qualifierExists(tx, ref.Name, ref.Qualifier)
		if err != nil {
			return t, err
		}
	}
	if !ok {
		return t, api.BadRequest("InvalidTarget", "The Lambda function '%s' does not exist", d.ID)
	}
	caller := model.FunctionCaller{Service: LambdaPrincipal, SourceArn: tg.ARN, SourceAccount: m.Account}
	if _, allowed := fn.Allows(caller, ref.Qualifier); !allowed {
		return t, api.Errorf(http.StatusForbidden, "AccessDenied",
			"elasticloadbalancing principal does not have permission to invoke %s from target group %s", d.ID, tg.ARN)
	}
	return t, nil
}

// qualifierExists reports whether name has the version or alias q.
func qualifierExists(tx model.Tx, name, q string) (bool, error) {
	if _, ok, err := model.Get[model.FunctionVersion](tx, name+"/"+q); err != nil || ok {
		return ok, err
	}
	_, ok, err := model.Get[model.FunctionAlias](tx, name+"/"+q)
	return ok, err
}

// registerLambda puts the one function of a lambda group in place. The
// group takes no second function: to change functions, AWS advises a new
// group, or an alias in the ARN.
func registerLambda(ctx context.Context, tx model.Tx, tg *model.TargetGroup, targets []TargetDescription) error {
	if len(targets) > 1 {
		return api.BadRequest("TooManyTargets", "A target group of type 'lambda' can have only one target")
	}
	t, err := checkLambdaTarget(ctx, tx, tg, targets[0])
	if err != nil {
		return err
	}
	for _, have := range tg.Targets {
		if have.ID != t.ID {
			return api.BadRequest("TooManyTargets", "A target group of type 'lambda' can have only one target")
		}
	}
	tg.Targets = []model.Target{t}
	return model.Put(tx, tg)
}
