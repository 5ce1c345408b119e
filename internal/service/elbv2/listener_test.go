package elbv2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/servertest"
)

func TestModifyListenerToTLS(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	n := newNetwork(t, srv.EC2())
	const cert = "arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000000"
	fixed := []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{StatusCode: aws.String("200")}}}

	alb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Subnets: []string{n.subnetA, n.subnetB}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn,
		Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), DefaultActions: fixed})
	if err != nil {
		t.Fatal(err)
	}
	arn := l.Listeners[0].ListenerArn

	_, err = c.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: arn, Protocol: types.ProtocolEnumHttps, Port: aws.Int32(443)})
	wantCode(t, err, "ValidationError")
	m, err := c.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: arn, Protocol: types.ProtocolEnumHttps, Port: aws.Int32(443),
		Certificates: []types.Certificate{{CertificateArn: aws.String(cert)}}})
	if err != nil {
		t.Fatalf("ModifyListener to HTTPS with a certificate: %v", err)
	}
	if got := m.Listeners[0]; got.Protocol != types.ProtocolEnumHttps || aws.ToInt32(got.Port) != 443 {
		t.Fatalf("ModifyListener = %s:%d, want HTTPS:443", got.Protocol, aws.ToInt32(got.Port))
	}
	// Already HTTPS: changing only the port needs no certificate again.
	if _, err := c.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: arn, Port: aws.Int32(8443)}); err != nil {
		t.Fatal(err)
	}

	nlb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("nlb"), Type: types.LoadBalancerTypeEnumNetwork,
		Subnets: []string{n.subnetA}})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tcp"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80),
		VpcId: aws.String(n.vpc), TargetType: types.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	nl, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: nlb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(80), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err = c.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: nl.Listeners[0].ListenerArn, Protocol: types.ProtocolEnumTls,
		Certificates: []types.Certificate{{CertificateArn: aws.String(cert)}}})
	if err != nil || m.Listeners[0].Protocol != types.ProtocolEnumTls {
		t.Fatalf("ModifyListener to TLS = %+v, %v", m, err)
	}
}
