package provision_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/stack"
)

const balancerBase = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.5.0.0/16}
  A:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.5.1.0/24, AvailabilityZone: us-east-1a}
  B:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.5.2.0/24, AvailabilityZone: us-east-1b}
  One:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: one, VpcId: !Ref Vpc}
  Two:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: two, VpcId: !Ref Vpc}
`

const nlbV1 = balancerBase + `
  TheNetworkLoadBalancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Type: network
      Scheme: internal
      Subnets: [!Ref A, !Ref B]
      SecurityGroups: [!Ref One]
      EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: "off"
      LoadBalancerAttributes: [{Key: load_balancing.cross_zone.enabled, Value: "true"}]
      Tags: [{Key: app, Value: pets}]
`

func (r *rig) balancer(arn string) elbtypes.LoadBalancer {
	r.t.Helper()
	out, err := r.srv.ELBv2().DescribeLoadBalancers(r.ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if err != nil || len(out.LoadBalancers) != 1 {
		r.t.Fatalf("balancer %s: %v", arn, err)
	}
	return out.LoadBalancers[0]
}

func (r *rig) elbTags(arn string) map[string]string {
	r.t.Helper()
	out, err := r.srv.ELBv2().DescribeTags(r.ctx, &elb.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		r.t.Fatal(err)
	}
	tags := map[string]string{}
	for _, d := range out.TagDescriptions {
		for _, t := range d.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return tags
}

func (r *rig) lbAttribute(arn, key string) string {
	r.t.Helper()
	out, err := r.srv.ELBv2().DescribeLoadBalancerAttributes(r.ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: &arn})
	if err != nil {
		r.t.Fatal(err)
	}
	for _, a := range out.Attributes {
		if aws.ToString(a.Key) == key {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

// TestUpdateLoadBalancer creates an NLB with a security group, its
// PrivateLink setting, an attribute and tags, under a generated name, and
// changes each in place, then its subnets; a new address type is refused
// by name.
func TestUpdateLoadBalancer(t *testing.T) {
	r := newRig(t)
	r.apply(nlbV1)
	arn := r.ref("TheNetworkLoadBalancer")
	lb := r.balancer(arn)
	if name := aws.ToString(lb.LoadBalancerName); !regexp.MustCompile(`^net-TheNe-[A-Z0-9]{13}$`).MatchString(name) {
		t.Errorf("generated name %q", name)
	}
	if got := aws.ToString(lb.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic); got != "off" {
		t.Errorf("PrivateLink setting after create: %q", got)
	}
	if got := r.lbAttribute(arn, "load_balancing.cross_zone.enabled"); got != "true" {
		t.Errorf("cross-zone after create: %q", got)
	}
	r.wantTags("the balancer", r.elbTags(arn), "TheNetworkLoadBalancer", map[string]string{"app": "pets"})

	r.apply(strings.NewReplacer(`SecurityGroups: [!Ref One]`, `SecurityGroups: [!Ref One, !Ref Two]`,
		`"off"`, `"on"`, `Value: "true"`, `Value: "false"`, `{Key: app, Value: pets}`, `{Key: app, Value: cats}`).Replace(nlbV1))
	if r.ref("TheNetworkLoadBalancer") != arn {
		t.Fatal("an in-place update replaced the balancer")
	}
	lb = r.balancer(arn)
	if got := aws.ToString(lb.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic); got != "on" {
		t.Errorf("PrivateLink setting after update: %q", got)
	}
	if want := []string{r.ref("One"), r.ref("Two")}; !sameSet(lb.SecurityGroups, want) {
		t.Errorf("groups after update: %v, want %v", lb.SecurityGroups, want)
	}
	if got, _ := r.made["TheNetworkLoadBalancer"].Attrs["SecurityGroups"].([]any); len(got) != 2 {
		t.Errorf("the SecurityGroups attribute after update: %v", got)
	}
	if got := r.lbAttribute(arn, "load_balancing.cross_zone.enabled"); got != "false" {
		t.Errorf("cross-zone after update: %q", got)
	}
	r.wantTags("the balancer", r.elbTags(arn), "TheNetworkLoadBalancer", map[string]string{"app": "cats"})

	if err := r.tryUpdate(strings.Replace(nlbV1, "Scheme: internal", "Scheme: internal\n      IpAddressType: dualstack", 1)); err == nil || !strings.Contains(err.Error(), "IpAddressType") {
		t.Errorf("changing the address type: %v", err)
	}
	r.apply(strings.Replace(nlbV1, "Subnets: [!Ref A, !Ref B]", "Subnets: [!Ref A]", 1))
	if lb := r.balancer(arn); len(lb.AvailabilityZones) != 1 || aws.ToString(lb.AvailabilityZones[0].SubnetId) != r.ref("A") {
		t.Errorf("zones after leaving subnet B: %+v", lb.AvailabilityZones)
	}
	r.destroy()
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

const albV1 = balancerBase + `
  Tg:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Protocol: HTTP
      Port: 8080
      VpcId: !Ref Vpc
      TargetType: ip
      HealthCheckPath: /health
      Targets: [{Id: 10.5.1.10}, {Id: 10.5.1.11}]
      TargetGroupAttributes: [{Key: deregistration_delay.timeout_seconds, Value: "30"}]
  Other:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Protocol: HTTP, Port: 9090, VpcId: !Ref Vpc, TargetType: ip}
  Alb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {Scheme: internal, Subnets: [!Ref A, !Ref B], SecurityGroups: [!Ref One]}
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Alb
      Protocol: HTTP
      Port: 80
      DefaultActions:
        - Type: fixed-response
          FixedResponseConfig: {StatusCode: "404", ContentType: text/plain, MessageBody: none}
  Rule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Listener
      Priority: 10
      Conditions: [{Field: path-pattern, PathPatternConfig: {Values: [/pets/*]}}]
      Actions: [{Type: forward, TargetGroupArn: !Ref Tg}]
`

// TestUpdateTargetGroupListenerAndRule changes a target group's health
// check, attributes, targets (one deregistered, one registered) and tags,
// a listener's port and default action, and a rule's priority,
// conditions and actions, all in place.
func TestUpdateTargetGroupListenerAndRule(t *testing.T) {
	r := newRig(t)
	r.apply(albV1)
	tg, listener, rule := r.ref("Tg"), r.ref("Listener"), r.ref("Rule")
	if name, _ := r.made["Tg"].Attrs["TargetGroupName"].(string); !regexp.MustCompile(`^net-Tg-[A-Z0-9]{13}$`).MatchString(name) {
		t.Errorf("generated target group name %q", name)
	}
	r.wantTags("the target group", r.elbTags(tg), "Tg", nil)
	r.wantTags("the listener", r.elbTags(listener), "Listener", nil)
	r.wantTags("the rule", r.elbTags(rule), "Rule", nil)

	r.apply(strings.NewReplacer(
		"HealthCheckPath: /health", "HealthCheckPath: /ready\n      HealthCheckIntervalSeconds: 10\n      Tags: [{Key: k, Value: v}]",
		"[{Id: 10.5.1.10}, {Id: 10.5.1.11}]", "[{Id: 10.5.1.11}, {Id: 10.5.1.12, Port: 8081}]",
		`Value: "30"`, `Value: "5"`,
		"Port: 80\n", "Port: 8000\n",
		"FixedResponseConfig: {StatusCode: \"404\", ContentType: text/plain, MessageBody: none}", "ForwardConfig: {TargetGroups: [{TargetGroupArn: !Ref Other}]}",
		"Type: fixed-response", "Type: forward",
		"Priority: 10", "Priority: 20",
		"Values: [/pets/*]", "Values: [/cats/*]",
		"Actions: [{Type: forward, TargetGroupArn: !Ref Tg}]", "Actions: [{Type: forward, TargetGroupArn: !Ref Other}]").Replace(albV1))
	if r.ref("Tg") != tg || r.ref("Listener") != listener || r.ref("Rule") != rule {
		t.Fatal("an in-place update replaced something")
	}

	groups, err := r.srv.ELBv2().DescribeTargetGroups(r.ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}})
	if err != nil {
		t.Fatal(err)
	}
	g := groups.TargetGroups[0]
	if aws.ToString(g.HealthCheckPath) != "/ready" || aws.ToInt32(g.HealthCheckIntervalSeconds) != 10 {
		t.Errorf("health check after update: %s every %d", aws.ToString(g.HealthCheckPath), aws.ToInt32(g.HealthCheckIntervalSeconds))
	}
	health, err := r.srv.ELBv2().DescribeTargetHealth(r.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: &tg})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range health.TargetHealthDescriptions {
		if d.TargetHealth.State != elbtypes.TargetHealthStateEnumDraining {
			got = append(got, aws.ToString(d.Target.Id)+":"+itoa(aws.ToInt32(d.Target.Port)))
		}
	}
	slices.Sort(got)
	if want := []string{"10.5.1.11:8080", "10.5.1.12:8081"}; !slices.Equal(got, want) {
		t.Errorf("targets after update: %v, want %v", got, want)
	}
	attrs, err := r.srv.ELBv2().DescribeTargetGroupAttributes(r.ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: &tg})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range attrs.Attributes {
		if aws.ToString(a.Key) == "deregistration_delay.timeout_seconds" && aws.ToString(a.Value) != "5" {
			t.Errorf("deregistration delay after update: %s", aws.ToString(a.Value))
		}
	}
	r.wantTags("the target group", r.elbTags(tg), "Tg", map[string]string{"k": "v"})
	if lbs, _ := r.made["Tg"].Attrs["LoadBalancerArns"].([]any); len(lbs) != 1 || lbs[0] != r.ref("Alb") {
		t.Errorf("LoadBalancerArns after update: %v", lbs)
	}

	ls, err := r.srv.ELBv2().DescribeListeners(r.ctx, &elb.DescribeListenersInput{ListenerArns: []string{listener}})
	if err != nil {
		t.Fatal(err)
	}
	l := ls.Listeners[0]
	if aws.ToInt32(l.Port) != 8000 || len(l.DefaultActions) != 1 || l.DefaultActions[0].Type != elbtypes.ActionTypeEnumForward {
		t.Errorf("listener after update: port %d, actions %+v", aws.ToInt32(l.Port), l.DefaultActions)
	}
	rules, err := r.srv.ELBv2().DescribeRules(r.ctx, &elb.DescribeRulesInput{RuleArns: []string{rule}})
	if err != nil {
		t.Fatal(err)
	}
	ru := rules.Rules[0]
	if aws.ToString(ru.Priority) != "20" || len(ru.Conditions) != 1 || ru.Conditions[0].PathPatternConfig == nil ||
		!slices.Equal(ru.Conditions[0].PathPatternConfig.Values, []string{"/cats/*"}) ||
		len(ru.Actions) != 1 || aws.ToString(ru.Actions[0].TargetGroupArn) != r.ref("Other") {
		t.Errorf("rule after update: priority %s, conditions %+v, actions %+v", aws.ToString(ru.Priority), ru.Conditions, ru.Actions)
	}
	r.destroy()
}

// TestBalancerCreationMembers creates a balancer by SubnetMappings with a
// fixed address and an address type, a target group with an address type,
// and a listener with attributes, and finds each in the service; a
// listener attribute changes in place.
func TestBalancerCreationMembers(t *testing.T) {
	const tmpl = balancerBase + `
  Nlb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Type: network
      Scheme: internal
      IpAddressType: ipv4
      SubnetMappings: [{SubnetId: !Ref A, PrivateIPv4Address: 10.5.1.100}, {SubnetId: !Ref B}]
  Tg:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Protocol: TCP, Port: 8080, VpcId: !Ref Vpc, TargetType: ip, IpAddressType: ipv4}
  Alb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {Scheme: internal, Subnets: [!Ref A, !Ref B]}
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Alb
      Protocol: HTTP
      Port: 80
      ListenerAttributes: [{Key: routing.http.response.server.enabled, Value: "false"}]
      DefaultActions: [{Type: fixed-response, FixedResponseConfig: {StatusCode: "200"}}]
`
	r := newRig(t)
	r.apply(tmpl)
	lb := r.balancer(r.ref("Nlb"))
	var fixed string
	for _, az := range lb.AvailabilityZones {
		for _, a := range az.LoadBalancerAddresses {
			if aws.ToString(az.SubnetId) == r.ref("A") {
				fixed = aws.ToString(a.PrivateIPv4Address)
			}
		}
	}
	if fixed != "10.5.1.100" || lb.IpAddressType != elbtypes.IpAddressTypeIpv4 || len(lb.AvailabilityZones) != 2 {
		t.Errorf("balancer: address in A %q, type %s, %d zones", fixed, lb.IpAddressType, len(lb.AvailabilityZones))
	}
	listenerAttr := func() string {
		out, err := r.srv.ELBv2().DescribeListenerAttributes(r.ctx, &elb.DescribeListenerAttributesInput{ListenerArn: aws.String(r.ref("Listener"))})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.Attributes {
			if aws.ToString(a.Key) == "routing.http.response.server.enabled" {
				return aws.ToString(a.Value)
			}
		}
		return ""
	}
	if got := listenerAttr(); got != "false" {
		t.Errorf("listener attribute after create: %q", got)
	}
	r.apply(strings.Replace(tmpl, `Value: "false"`, `Value: "true"`, 1))
	if got := listenerAttr(); got != "true" {
		t.Errorf("listener attribute after update: %q", got)
	}
	r.destroy()
}

// TestUnmodeledBalancerMembersRefused: members ELBv2 in gatehouse would
// silently ignore are refused by path before anything is created.
func TestUnmodeledBalancerMembersRefused(t *testing.T) {
	tp, err := stack.Parse("t.yaml", []byte(`
Resources:
  Lb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Type: network
      SubnetMappings: [{SubnetId: subnet-1, AllocationId: eipalloc-1}]
  Rule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: arn
      Priority: 1
      Conditions: [{Field: path-pattern, PathPatternConfig: {RegexValues: ["^/a"]}}]
      Actions: [{Type: forward, TargetGroupArn: arn}]
      Transforms: [{Type: url-rewrite}]
`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = stack.Instantiate(tp, stack.Inputs{StackName: "net", Region: "us-east-1", AccountID: "000000000000"})
	for _, want := range []string{"SubnetMappings/0/AllocationId", "Conditions/0/PathPatternConfig/RegexValues", "property Transforms"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want a refusal naming %s, got %v", want, err)
		}
	}
}

// TestTargetsRollbackAfterAFailedUpdate: an update of a target group that
// failed before its Targets changed is rolled back by an update from the
// properties it was to have to those it had. Targets the failed update
// never registered are not deregistered (ELBv2 would refuse with
// InvalidTarget); the group ends with the targets it had.
func TestTargetsRollbackAfterAFailedUpdate(t *testing.T) {
	r := newRig(t)
	r.apply(albV1)
	tg := r.ref("Tg")
	had := r.props["Tg"]
	wanted := map[string]any{}
	for k, v := range had {
		wanted[k] = v
	}
	wanted["Targets"] = []any{map[string]any{"Id": "10.5.1.10", "Port": "9002"}, map[string]any{"Id": "10.5.1.11"}}
	// The update failed before it reached the targets; the rollback goes
	// from what it wanted back to what the group had.
	if _, err := r.sdk.Update(r.ctx, r.target("Tg"), r.made["Tg"], wanted, had); err != nil {
		t.Fatalf("rolling back: %v", err)
	}
	health, err := r.srv.ELBv2().DescribeTargetHealth(r.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: &tg})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range health.TargetHealthDescriptions {
		if d.TargetHealth.State != elbtypes.TargetHealthStateEnumDraining {
			got = append(got, aws.ToString(d.Target.Id)+":"+itoa(aws.ToInt32(d.Target.Port)))
		}
	}
	slices.Sort(got)
	if want := []string{"10.5.1.10:8080", "10.5.1.11:8080"}; !slices.Equal(got, want) {
		t.Errorf("targets after the rollback: %v, want %v", got, want)
	}
}
