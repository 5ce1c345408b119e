package elbv2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/servertest"
)

func TestDescribeTargetHealthNotRegistered(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	n := newNetwork(t, srv.EC2())
	out, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("app"), Protocol: types.ProtocolEnumHttp,
		Port: aws.Int32(8080), VpcId: aws.String(n.vpc), TargetType: types.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	tg := out.TargetGroups[0].TargetGroupArn
	if _, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg,
		Targets: []types.TargetDescription{{Id: aws.String("10.0.1.10"), Port: aws.Int32(9000)}}}); err != nil {
		t.Fatal(err)
	}

	h, err := c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg, Targets: []types.TargetDescription{
		{Id: aws.String("10.0.1.99")},                        // never registered: the group's port
		{Id: aws.String("10.0.1.10"), Port: aws.Int32(9001)}, // registered, but on another port
		{Id: aws.String("10.0.1.10"), Port: aws.Int32(9000)}, // registered
	}})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id     string
		port   int32
		state  types.TargetHealthStateEnum
		reason types.TargetHealthReasonEnum
	}
	want := []row{
		{"10.0.1.99", 8080, types.TargetHealthStateEnumUnused, types.TargetHealthReasonEnumNotRegistered},
		{"10.0.1.10", 9001, types.TargetHealthStateEnumUnused, types.TargetHealthReasonEnumNotRegistered},
		{"10.0.1.10", 9000, types.TargetHealthStateEnumUnused, types.TargetHealthReasonEnumNotInUse},
	}
	if len(h.TargetHealthDescriptions) != len(want) {
		t.Fatalf("got %d descriptions, want %d: %+v", len(h.TargetHealthDescriptions), len(want), h.TargetHealthDescriptions)
	}
	for i, d := range h.TargetHealthDescriptions {
		got := row{aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port), d.TargetHealth.State, d.TargetHealth.Reason}
		if got != want[i] {
			t.Errorf("description %d = %+v, want %+v", i, got, want[i])
		}
		if got.reason == types.TargetHealthReasonEnumNotRegistered && aws.ToString(d.TargetHealth.Description) != "Target is not registered to the target group" {
			t.Errorf("description %d text = %q", i, aws.ToString(d.TargetHealth.Description))
		}
	}

	// Once its deregistration delay has passed, a target is unknown again.
	c.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: tg,
		Attributes: []types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("0")}}})
	if _, err := c.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: tg,
		Targets: []types.TargetDescription{{Id: aws.String("10.0.1.10")}}}); err != nil {
		t.Fatal(err)
	}
	h, err = c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg,
		Targets: []types.TargetDescription{{Id: aws.String("10.0.1.10"), Port: aws.Int32(9000)}}})
	if err != nil || len(h.TargetHealthDescriptions) != 1 || h.TargetHealthDescriptions[0].TargetHealth.Reason != types.TargetHealthReasonEnumNotRegistered {
		t.Fatalf("after deregistration = %+v, %v", h, err)
	}
	// Without Targets only registered targets are listed.
	h, err = c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg})
	if err != nil || len(h.TargetHealthDescriptions) != 0 {
		t.Fatalf("whole group = %+v, %v", h, err)
	}
}

func TestCreateTargetGroupIsIdempotent(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	n := newNetwork(t, srv.EC2())
	other := newNetwork(t, srv.EC2())
	base := func() *elb.CreateTargetGroupInput {
		return &elb.CreateTargetGroupInput{Name: aws.String("api"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(8080),
			VpcId: aws.String(n.vpc), TargetType: types.TargetTypeEnumIp, HealthCheckPath: aws.String("/health")}
	}
	first, err := c.CreateTargetGroup(ctx, base())
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(first.TargetGroups[0].TargetGroupArn)

	// A retry, spelled differently but meaning the same: defaults written out,
	// other tags (which are not settings).
	retry := base()
	retry.Protocol = "http"
	retry.HealthCheckPort = aws.String("traffic-port")
	retry.Tags = []types.Tag{{Key: aws.String("retry"), Value: aws.String("1")}}
	again, err := c.CreateTargetGroup(ctx, retry)
	if err != nil {
		t.Fatalf("retry with the same settings: %v", err)
	}
	if got := aws.ToString(again.TargetGroups[0].TargetGroupArn); got != arn {
		t.Fatalf("retry returned %s, want the existing %s", got, arn)
	}
	all, err := c.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil || len(all.TargetGroups) != 1 {
		t.Fatalf("groups after retry = %+v, %v", all, err)
	}

	for _, tc := range []struct {
		what   string
		change func(*elb.CreateTargetGroupInput)
	}{
		{"protocol", func(in *elb.CreateTargetGroupInput) { in.Protocol = types.ProtocolEnumHttps }},
		{"port", func(in *elb.CreateTargetGroupInput) { in.Port = aws.Int32(8081) }},
		{"vpc", func(in *elb.CreateTargetGroupInput) { in.VpcId = aws.String(other.vpc) }},
		{"target type", func(in *elb.CreateTargetGroupInput) { in.TargetType = types.TargetTypeEnumInstance }},
		{"health check path", func(in *elb.CreateTargetGroupInput) { in.HealthCheckPath = aws.String("/") }},
		{"health check interval", func(in *elb.CreateTargetGroupInput) { in.HealthCheckIntervalSeconds = aws.Int32(10) }},
		{"matcher", func(in *elb.CreateTargetGroupInput) { in.Matcher = &types.Matcher{HttpCode: aws.String("200-299")} }},
	} {
		t.Run(tc.what, func(t *testing.T) {
			in := base()
			tc.change(in)
			_, err := c.CreateTargetGroup(ctx, in)
			wantCode(t, err, "DuplicateTargetGroupName")
		})
	}
}

func TestHealthCheckMatcherRange(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	n := newNetwork(t, srv.EC2())
	for i, tc := range []struct {
		protocol types.ProtocolEnum
		code     string
		ok       bool
	}{
		{types.ProtocolEnumHttp, "200-499", true},
		{types.ProtocolEnumHttp, "200-599", false},
		{types.ProtocolEnumHttps, "503", false},
		{types.ProtocolEnumHttp, "199", false},
		{types.ProtocolEnumTcp, "200-599", true},
		{types.ProtocolEnumTcp, "503", true},
		{types.ProtocolEnumTls, "200-599", true},
		{types.ProtocolEnumUdp, "200,599", true},
		{types.ProtocolEnumTcpUdp, "599", true},
		{types.ProtocolEnumTcp, "199-599", false},
		{types.ProtocolEnumTcp, "600", false},
	} {
		in := &elb.CreateTargetGroupInput{Name: aws.String("g" + string(rune('a'+i))), Protocol: tc.protocol, Port: aws.Int32(80),
			VpcId: aws.String(n.vpc), TargetType: types.TargetTypeEnumIp, HealthCheckProtocol: types.ProtocolEnumHttp,
			Matcher: &types.Matcher{HttpCode: aws.String(tc.code)}}
		out, err := c.CreateTargetGroup(ctx, in)
		if !tc.ok {
			wantCode(t, err, "ValidationError")
			continue
		}
		if err != nil {
			t.Errorf("%s group with matcher %s: %v", tc.protocol, tc.code, err)
			continue
		}
		if got := aws.ToString(out.TargetGroups[0].Matcher.HttpCode); got != tc.code {
			t.Errorf("%s group matcher = %s, want %s", tc.protocol, got, tc.code)
		}
	}

	// ModifyTargetGroup judges by the group's protocol too.
	out, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("nlb"), Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(80), VpcId: aws.String(n.vpc), TargetType: types.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{TargetGroupArn: out.TargetGroups[0].TargetGroupArn,
		HealthCheckProtocol: types.ProtocolEnumHttp, Matcher: &types.Matcher{HttpCode: aws.String("200-599")}})
	if err != nil || aws.ToString(m.TargetGroups[0].Matcher.HttpCode) != "200-599" {
		t.Fatalf("ModifyTargetGroup to 200-599 on a TCP group = %+v, %v", m, err)
	}
}
