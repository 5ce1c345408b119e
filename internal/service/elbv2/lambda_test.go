package elbv2_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
)

const fnARN = "arn:aws:lambda:us-east-1:000000000000:function:hello"

// putFunction writes a function record as the Lambda API would, with the
// policy statements given.
func putFunction(t *testing.T, srv *servertest.Server, name string, policy ...model.PermissionStatement) {
	t.Helper()
	err := model.Update(srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) error {
		return model.Put(tx, &model.Function{Name: name, ARN: "arn:aws:lambda:us-east-1:000000000000:function:" + name,
			Config: model.FunctionConfig{Version: "$LATEST", Runtime: "python3.12", State: "Active"}, Policy: policy})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func apiError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || msg != "" && ae.ErrorMessage() != msg {
		t.Fatalf("error = %v, want %s %q", err, code, msg)
	}
}

func TestLambdaTargetGroupValidation(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	n := newNetwork(t, srv.EC2())
	lambda := types.TargetTypeEnumLambda
	for _, tc := range []struct {
		in   elb.CreateTargetGroupInput
		want string
	}{
		{elb.CreateTargetGroupInput{Protocol: types.ProtocolEnumHttp}, "Protocol cannot be specified for target groups with target type 'lambda'"},
		{elb.CreateTargetGroupInput{Port: aws.Int32(80)}, "Port cannot be specified for target groups with target type 'lambda'"},
		{elb.CreateTargetGroupInput{VpcId: aws.String(n.vpc)}, "VPC ID cannot be specified for target groups with target type 'lambda'"},
	} {
		in := tc.in
		in.Name, in.TargetType = aws.String("fn"), lambda
		_, err := c.CreateTargetGroup(ctx, &in)
		apiError(t, err, "ValidationError", tc.want)
	}
	// The other types need all three, each asked for by name.
	_, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("ip"), TargetType: types.TargetTypeEnumIp, Protocol: types.ProtocolEnumHttp})
	apiError(t, err, "ValidationError", "A port must be specified")

	out, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("fn"), TargetType: lambda})
	if err != nil {
		t.Fatal(err)
	}
	g := out.TargetGroups[0]
	if g.Protocol != "" || g.Port != nil || g.VpcId != nil || aws.ToBool(g.HealthCheckEnabled) || aws.ToString(g.HealthCheckPath) != "/" ||
		aws.ToInt32(g.HealthCheckIntervalSeconds) != 35 || aws.ToInt32(g.HealthCheckTimeoutSeconds) != 30 ||
		aws.ToInt32(g.HealthyThresholdCount) != 5 || aws.ToInt32(g.UnhealthyThresholdCount) != 5 ||
		g.Matcher == nil || aws.ToString(g.Matcher.HttpCode) != "200" || g.TargetType != lambda {
		t.Fatalf("lambda group = %+v", g)
	}
	// A retry gets the group back.
	again, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("fn"), TargetType: lambda})
	if err != nil || aws.ToString(again.TargetGroups[0].TargetGroupArn) != aws.ToString(g.TargetGroupArn) {
		t.Fatalf("retry = %v, %v", again, err)
	}

	// Multi-value headers: off until set, and a boolean.
	attrs := func() map[string]string {
		a, err := c.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: g.TargetGroupArn})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, kv := range a.Attributes {
			m[aws.ToString(kv.Key)] = aws.ToString(kv.Value)
		}
		return m
	}
	if v, ok := attrs()["lambda.multi_value_headers.enabled"]; !ok || v != "false" {
		t.Fatalf("lambda.multi_value_headers.enabled = %q, %v", v, ok)
	}
	set := func(k, v string) error {
		_, err := c.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: g.TargetGroupArn,
			Attributes: []types.TargetGroupAttribute{{Key: aws.String(k), Value: aws.String(v)}}})
		return err
	}
	apiError(t, set("lambda.multi_value_headers.enabled", "yes"), "ValidationError", "")
	apiError(t, set("deregistration_delay.timeout_seconds", "10"), "ValidationError", "")
	if err := set("lambda.multi_value_headers.enabled", "true"); err != nil {
		t.Fatal(err)
	}
	if attrs()["lambda.multi_value_headers.enabled"] != "true" {
		t.Fatal("attribute not kept")
	}

	// Only an ALB's listener may forward to it.
	nlb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("nlb"), Type: types.LoadBalancerTypeEnumNetwork,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: []string{n.subnetA}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: nlb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(80), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: g.TargetGroupArn}}})
	apiError(t, err, "ValidationError", "")
	alb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Scheme: types.LoadBalancerSchemeEnumInternal,
		Subnets: []string{n.subnetA, n.subnetB}, SecurityGroups: []string{n.sg}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: g.TargetGroupArn}}}); err != nil {
		t.Fatal(err)
	}
}

func TestLambdaTargetNeedsTheInvokePermission(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	out, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("fn"), TargetType: types.TargetTypeEnumLambda})
	if err != nil {
		t.Fatal(err)
	}
	tg := out.TargetGroups[0].TargetGroupArn
	register := func(targets ...types.TargetDescription) error {
		_, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg, Targets: targets})
		return err
	}
	fn := types.TargetDescription{Id: aws.String(fnARN)}

	apiError(t, register(fn), "InvalidTarget", "") // no such function
	apiError(t, register(types.TargetDescription{Id: aws.String("hello")}), "InvalidTarget", "")

	// A policy for another principal, or another group, does not do.
	putFunction(t, srv, "hello",
		model.PermissionStatement{Sid: "apigw", Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com"},
		model.PermissionStatement{Sid: "other", Action: "lambda:InvokeFunction", Principal: "elasticloadbalancing.amazonaws.com",
			SourceArn: "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/other/0123456789abcdef"})
	err = register(fn)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" ||
		ae.ErrorMessage() != "elasticloadbalancing principal does not have permission to invoke "+fnARN+" from target group "+aws.ToString(tg) {
		t.Fatalf("RegisterTargets without permission = %v", err)
	}
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != 403 {
		t.Fatalf("AccessDenied status = %v", err)
	}
	h, err := c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg})
	if err != nil || len(h.TargetHealthDescriptions) != 0 {
		t.Fatalf("a refused registration left %+v, %v", h, err)
	}

	putFunction(t, srv, "hello", model.PermissionStatement{Sid: "elb", Action: "lambda:InvokeFunction",
		Principal: "elasticloadbalancing.amazonaws.com", SourceArn: aws.ToString(tg)})
	apiError(t, register(types.TargetDescription{Id: aws.String(fnARN), Port: aws.Int32(80)}), "ValidationError", "")
	apiError(t, register(fn, types.TargetDescription{Id: aws.String(fnARN + ":live")}), "TooManyTargets", "")
	apiError(t, register(types.TargetDescription{Id: aws.String(fnARN + ":live")}), "InvalidTarget", "") // no such alias
	if err := register(fn); err != nil {
		t.Fatal(err)
	}
	if err := register(fn); err != nil {
		t.Fatalf("registering the same function again: %v", err)
	}
	putFunction(t, srv, "other", model.PermissionStatement{Sid: "elb", Action: "lambda:InvokeFunction", Principal: "elasticloadbalancing.amazonaws.com"})
	apiError(t, register(types.TargetDescription{Id: aws.String(strings.Replace(fnARN, "hello", "other", 1))}), "TooManyTargets", "")

	// Health checks are off: unused while no listener forwards to it,
	// then unavailable, and the function has no port.
	h, err = c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg})
	if err != nil || len(h.TargetHealthDescriptions) != 1 {
		t.Fatalf("DescribeTargetHealth = %+v, %v", h, err)
	}
	d := h.TargetHealthDescriptions[0]
	if aws.ToString(d.Target.Id) != fnARN || d.Target.Port != nil || d.HealthCheckPort != nil || d.TargetHealth.State != types.TargetHealthStateEnumUnused {
		t.Fatalf("target = %+v %+v", d.Target, d.TargetHealth)
	}
	n := newNetwork(t, srv.EC2())
	alb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Scheme: types.LoadBalancerSchemeEnumInternal,
		Subnets: []string{n.subnetA, n.subnetB}, SecurityGroups: []string{n.sg}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tg}}}); err != nil {
		t.Fatal(err)
	}
	h, err = c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg, Targets: []types.TargetDescription{fn}})
	if err != nil || len(h.TargetHealthDescriptions) != 1 {
		t.Fatalf("DescribeTargetHealth = %+v, %v", h, err)
	}
	if th := h.TargetHealthDescriptions[0].TargetHealth; th.State != types.TargetHealthStateEnumUnavailable || th.Reason != types.TargetHealthReasonEnumHealthCheckDisabled {
		t.Fatalf("health = %+v", th)
	}

	// A deregistered function leaves at once: a lambda group has no delay.
	if _, err := c.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: tg, Targets: []types.TargetDescription{fn}}); err != nil {
		t.Fatal(err)
	}
	h, err = c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg})
	if err != nil || len(h.TargetHealthDescriptions) != 0 {
		t.Fatalf("after deregistering: %+v, %v", h, err)
	}
}
