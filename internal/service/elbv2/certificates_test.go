package elbv2_test

import (
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/servertest"
)

func TestListenerCertificates(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	n := newNetwork(t, srv.EC2())
	cert := func(id string) string { return "arn:aws:acm:us-east-1:000000000000:certificate/" + id }
	fixed := []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{StatusCode: aws.String("200")}}}
	alb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Subnets: []string{n.subnetA, n.subnetB}})
	if err != nil {
		t.Fatal(err)
	}
	lbARN := alb.LoadBalancers[0].LoadBalancerArn

	_, err = c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lbARN, Protocol: types.ProtocolEnumHttps, Port: aws.Int32(443),
		DefaultActions: fixed, Certificates: []types.Certificate{{CertificateArn: aws.String(cert("a"))}}, SslPolicy: aws.String("ELBSecurityPolicy-1999")})
	wantCode(t, err, "SSLPolicyNotFound")

	l, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lbARN, Protocol: types.ProtocolEnumHttps, Port: aws.Int32(443),
		DefaultActions: fixed, Certificates: []types.Certificate{{CertificateArn: aws.String(cert("a"))}}})
	if err != nil {
		t.Fatal(err)
	}
	got := l.Listeners[0]
	if aws.ToString(got.SslPolicy) != "ELBSecurityPolicy-2016-08" || len(got.Certificates) != 1 || aws.ToString(got.Certificates[0].CertificateArn) != cert("a") {
		t.Fatalf("HTTPS listener = policy %q, certificates %+v; want the API's default policy and the one certificate", aws.ToString(got.SslPolicy), got.Certificates)
	}
	arn := got.ListenerArn

	added, err := c.AddListenerCertificates(ctx, &elb.AddListenerCertificatesInput{ListenerArn: arn,
		Certificates: []types.Certificate{{CertificateArn: aws.String(cert("b"))}, {CertificateArn: aws.String(cert("c"))}}})
	if err != nil || len(added.Certificates) != 2 || aws.ToBool(added.Certificates[0].IsDefault) {
		t.Fatalf("AddListenerCertificates = %+v, %v", added, err)
	}
	// Adding one the list holds changes nothing.
	if _, err := c.AddListenerCertificates(ctx, &elb.AddListenerCertificatesInput{ListenerArn: arn,
		Certificates: []types.Certificate{{CertificateArn: aws.String(cert("b"))}}}); err != nil {
		t.Fatal(err)
	}
	list := func() map[string]bool {
		t.Helper()
		d, err := c.DescribeListenerCertificates(ctx, &elb.DescribeListenerCertificatesInput{ListenerArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, c := range d.Certificates {
			m[aws.ToString(c.CertificateArn)] = aws.ToBool(c.IsDefault)
		}
		return m
	}
	if m := list(); len(m) != 3 || !m[cert("a")] || m[cert("b")] || m[cert("c")] {
		t.Fatalf("certificates = %v, want a (default), b, c", m)
	}
	// Pages.
	p, err := c.DescribeListenerCertificates(ctx, &elb.DescribeListenerCertificatesInput{ListenerArn: arn, PageSize: aws.Int32(2)})
	if err != nil || len(p.Certificates) != 2 || p.NextMarker == nil {
		t.Fatalf("first page = %+v, %v", p, err)
	}
	p, err = c.DescribeListenerCertificates(ctx, &elb.DescribeListenerCertificatesInput{ListenerArn: arn, PageSize: aws.Int32(2), Marker: p.NextMarker})
	if err != nil || len(p.Certificates) != 1 || p.NextMarker != nil {
		t.Fatalf("second page = %+v, %v", p, err)
	}

	_, err = c.RemoveListenerCertificates(ctx, &elb.RemoveListenerCertificatesInput{ListenerArn: arn,
		Certificates: []types.Certificate{{CertificateArn: aws.String(cert("a"))}}})
	wantCode(t, err, "OperationNotPermitted")
	if _, err := c.RemoveListenerCertificates(ctx, &elb.RemoveListenerCertificatesInput{ListenerArn: arn,
		Certificates: []types.Certificate{{CertificateArn: aws.String(cert("b"))}}}); err != nil {
		t.Fatal(err)
	}
	// A new default certificate keeps the others.
	if _, err := c.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: arn,
		Certificates: []types.Certificate{{CertificateArn: aws.String(cert("d"))}}, SslPolicy: aws.String("ELBSecurityPolicy-TLS13-1-2-2021-06")}); err != nil {
		t.Fatal(err)
	}
	if m := list(); len(m) != 2 || !m[cert("d")] || m[cert("c")] {
		t.Fatalf("certificates = %v, want d (default), c", m)
	}
	d, err := c.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{aws.ToString(arn)}})
	if err != nil || aws.ToString(d.Listeners[0].SslPolicy) != "ELBSecurityPolicy-TLS13-1-2-2021-06" || len(d.Listeners[0].Certificates) != 1 {
		t.Fatalf("DescribeListeners = %+v, %v", d, err)
	}

	// An HTTP listener has no certificates to add to.
	h, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lbARN, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), DefaultActions: fixed})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AddListenerCertificates(ctx, &elb.AddListenerCertificatesInput{ListenerArn: h.Listeners[0].ListenerArn,
		Certificates: []types.Certificate{{CertificateArn: aws.String(cert("b"))}}})
	wantCode(t, err, "InvalidConfigurationRequest")
	_, err = c.DescribeListenerCertificates(ctx, &elb.DescribeListenerCertificatesInput{ListenerArn: aws.String(aws.ToString(arn) + "0")})
	wantCode(t, err, "ListenerNotFound")
}

// The quota of 25 certificates beyond the default ones is the load
// balancer's, shared by its listeners, as AWS counts it.
func TestCertificateQuotaPerLoadBalancer(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	n := newNetwork(t, srv.EC2())
	cert := func(id string) string { return "arn:aws:acm:us-east-1:000000000000:certificate/" + id }
	fixed := []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{StatusCode: aws.String("200")}}}
	alb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Subnets: []string{n.subnetA, n.subnetB}})
	if err != nil {
		t.Fatal(err)
	}
	listener := func(port int32) *string {
		t.Helper()
		l, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumHttps,
			Port: aws.Int32(port), DefaultActions: fixed, Certificates: []types.Certificate{{CertificateArn: aws.String(cert("default-" + strconv.Itoa(int(port))))}}})
		if err != nil {
			t.Fatal(err)
		}
		return l.Listeners[0].ListenerArn
	}
	add := func(arn *string, from, to int) error {
		var certs []types.Certificate
		for i := from; i < to; i++ {
			certs = append(certs, types.Certificate{CertificateArn: aws.String(cert(strconv.Itoa(i)))})
		}
		_, err := c.AddListenerCertificates(ctx, &elb.AddListenerCertificatesInput{ListenerArn: arn, Certificates: certs})
		return err
	}
	a, b := listener(443), listener(8443)
	if err := add(a, 0, 13); err != nil {
		t.Fatal(err)
	}
	if err := add(b, 13, 25); err != nil {
		t.Fatal(err)
	}
	wantCode(t, add(b, 25, 26), "TooManyCertificates")
	d, err := c.DescribeListenerCertificates(ctx, &elb.DescribeListenerCertificatesInput{ListenerArn: b})
	if err != nil || len(d.Certificates) != 13 {
		t.Fatalf("after the refused add, listener b has %d certificates, %v; want its default and 12", len(d.Certificates), err)
	}
	// Removing one on a makes room on b.
	if _, err := c.RemoveListenerCertificates(ctx, &elb.RemoveListenerCertificatesInput{ListenerArn: a,
		Certificates: []types.Certificate{{CertificateArn: aws.String(cert("0"))}}}); err != nil {
		t.Fatal(err)
	}
	if err := add(b, 25, 26); err != nil {
		t.Fatal(err)
	}
}

func TestListenerAttributes(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	n := newNetwork(t, srv.EC2())
	nlb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("nlb"), Type: types.LoadBalancerTypeEnumNetwork, Subnets: []string{n.subnetA}})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tcp"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80),
		VpcId: aws.String(n.vpc), TargetType: types.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: nlb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(80), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := l.Listeners[0].ListenerArn
	attrs := func() map[string]string {
		t.Helper()
		d, err := c.DescribeListenerAttributes(ctx, &elb.DescribeListenerAttributesInput{ListenerArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, a := range d.Attributes {
			m[aws.ToString(a.Key)] = aws.ToString(a.Value)
		}
		return m
	}
	if m := attrs(); len(m) != 1 || m["tcp.idle_timeout.seconds"] != "350" {
		t.Fatalf("TCP listener attributes = %v, want the 350 s idle timeout", m)
	}
	_, err = c.ModifyListenerAttributes(ctx, &elb.ModifyListenerAttributesInput{ListenerArn: arn,
		Attributes: []types.ListenerAttribute{{Key: aws.String("tcp.idle_timeout.seconds"), Value: aws.String("10")}}})
	wantCode(t, err, "ValidationError")
	_, err = c.ModifyListenerAttributes(ctx, &elb.ModifyListenerAttributesInput{ListenerArn: arn,
		Attributes: []types.ListenerAttribute{{Key: aws.String("routing.http.response.server.enabled"), Value: aws.String("false")}}})
	wantCode(t, err, "ValidationError")
	if _, err := c.ModifyListenerAttributes(ctx, &elb.ModifyListenerAttributesInput{ListenerArn: arn,
		Attributes: []types.ListenerAttribute{{Key: aws.String("tcp.idle_timeout.seconds"), Value: aws.String("600")}}}); err != nil {
		t.Fatal(err)
	}
	if m := attrs(); m["tcp.idle_timeout.seconds"] != "600" {
		t.Fatalf("after modify: %v", m)
	}

	alb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Subnets: []string{n.subnetA, n.subnetB}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{StatusCode: aws.String("200")}}}})
	if err != nil {
		t.Fatal(err)
	}
	arn = h.Listeners[0].ListenerArn
	if m := attrs(); m["routing.http.response.server.enabled"] != "true" || m["routing.http.response.x_frame_options.header_value"] != "" || len(m) != 11 {
		t.Fatalf("HTTP listener attributes = %v", m)
	}
}

func TestLoadBalancerAttributeKeys(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	n := newNetwork(t, srv.EC2())
	alb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Subnets: []string{n.subnetA, n.subnetB}})
	if err != nil {
		t.Fatal(err)
	}
	// The keys Terraform's aws_lb sends for every ALB it creates.
	out, err := c.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn,
		Attributes: []types.LoadBalancerAttribute{
			{Key: aws.String("connection_logs.s3.enabled"), Value: aws.String("false")},
			{Key: aws.String("waf.fail_open.enabled"), Value: aws.String("false")},
			{Key: aws.String("zonal_shift.config.enabled"), Value: aws.String("true")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range out.Attributes {
		found = found || aws.ToString(a.Key) == "zonal_shift.config.enabled" && aws.ToString(a.Value) == "true"
	}
	if !found {
		t.Fatalf("attributes = %+v, want zonal_shift.config.enabled true", out.Attributes)
	}
	_, err = c.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: alb.LoadBalancers[0].LoadBalancerArn,
		Attributes: []types.LoadBalancerAttribute{{Key: aws.String("waf.fail_open.enabled"), Value: aws.String("maybe")}}})
	wantCode(t, err, "ValidationError")
}

func TestDescribeSSLPoliciesAndAccountLimits(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.ELBv2()
	all, err := c.DescribeSSLPolicies(ctx, &elb.DescribeSSLPoliciesInput{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]types.SslPolicy{}
	for _, p := range all.SslPolicies {
		byName[aws.ToString(p.Name)] = p
	}
	p, ok := byName["ELBSecurityPolicy-TLS13-1-2-2021-06"]
	if !ok || len(p.SslProtocols) != 2 || p.SslProtocols[1] != "TLSv1.3" || aws.ToString(p.Ciphers[0].Name) != "TLS_AES_128_GCM_SHA256" || aws.ToInt32(p.Ciphers[0].Priority) != 1 {
		t.Fatalf("TLS13-1-2-2021-06 = %+v", p)
	}
	if p := byName["ELBSecurityPolicy-2016-08"]; len(p.SslProtocols) != 3 || len(p.Ciphers) != 18 || len(p.SupportedLoadBalancerTypes) != 2 {
		t.Fatalf("2016-08 = %+v", p)
	}
	one, err := c.DescribeSSLPolicies(ctx, &elb.DescribeSSLPoliciesInput{Names: []string{"ELBSecurityPolicy-TLS-1-2-2017-01"}})
	if err != nil || len(one.SslPolicies) != 1 || one.SslPolicies[0].SslProtocols[0] != "TLSv1.2" {
		t.Fatalf("by name = %+v, %v", one, err)
	}
	_, err = c.DescribeSSLPolicies(ctx, &elb.DescribeSSLPoliciesInput{Names: []string{"ELBSecurityPolicy-2016-08", "nope"}})
	wantCode(t, err, "SSLPolicyNotFound")
	_, err = c.DescribeSSLPolicies(ctx, &elb.DescribeSSLPoliciesInput{PageSize: aws.Int32(401)})
	wantCode(t, err, "ValidationError")

	limits, err := c.DescribeAccountLimits(ctx, &elb.DescribeAccountLimitsInput{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range limits.Limits {
		got[aws.ToString(l.Name)] = aws.ToString(l.Max)
	}
	if len(got) != 18 || got["application-load-balancers"] != "50" || got["targets-per-network-load-balancer"] != "3000" || got["target-groups"] != "3000" {
		t.Fatalf("limits = %v", got)
	}
	// Paged by the SDK's paginator.
	pages := elb.NewDescribeAccountLimitsPaginator(c, &elb.DescribeAccountLimitsInput{PageSize: aws.Int32(5)})
	total := 0
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total += len(pg.Limits)
	}
	if total != 18 {
		t.Fatalf("paged limits = %d, want 18", total)
	}
}
