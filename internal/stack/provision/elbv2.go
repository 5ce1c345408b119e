package provision

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/stack"
)

// ELBv2's CloudFormation properties carry the API's member names, so most
// of each resource decodes straight into the create call's input, and an
// update into the modify call's. What CloudFormation folds into one
// resource (attributes, targets, an NLB's PrivateLink setting) is a
// separate call.

const (
	typeLoadBalancer = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	typeTargetGroup  = "AWS::ElasticLoadBalancingV2::TargetGroup"
	typeListener     = "AWS::ElasticLoadBalancingV2::Listener"
	typeListenerRule = "AWS::ElasticLoadBalancingV2::ListenerRule"
)

func init() {
	nameLimits[typeLoadBalancer] = 32
	nameLimits[typeTargetGroup] = 32

	creators[typeLoadBalancer] = createLoadBalancer
	updaters[typeLoadBalancer] = updateLoadBalancer
	creators[typeTargetGroup] = createTargetGroup
	updaters[typeTargetGroup] = updateTargetGroup
	creators[typeListener] = createListener
	updaters[typeListener] = updateListener
	creators[typeListenerRule] = createListenerRule
	updaters[typeListenerRule] = updateListenerRule

	// A load balancer takes its listeners and their rules with it; a
	// target group is refused while a listener or rule still forwards to
	// it, so its deletion waits for theirs.
	deleters[typeLoadBalancer] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "load balancer "+cur.Ref, func() error {
			_, err := s.ELB.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: &cur.Ref})
			return err
		})
	}
	deleters[typeTargetGroup] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "target group "+cur.Ref, func() error {
			_, err := s.ELB.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: &cur.Ref})
			return err
		})
	}
	deleters[typeListener] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "listener "+cur.Ref, func() error {
			_, err := s.ELB.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: &cur.Ref})
			return err
		})
	}
	deleters[typeListenerRule] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "listener rule "+cur.Ref, func() error {
			_, err := s.ELB.DeleteRule(ctx, &elb.DeleteRuleInput{RuleArn: &cur.Ref})
			return err
		})
	}
}

// attributes reads [{Key, Value}] attribute lists.
func attributes(p props, key string) []elbtypes.LoadBalancerAttribute {
	var out []elbtypes.LoadBalancerAttribute
	for _, a := range p.list(key) {
		out = append(out, elbtypes.LoadBalancerAttribute{Key: a.str("Key"), Value: a.str("Value")})
	}
	return out
}

func setLoadBalancerAttributes(ctx context.Context, s *SDK, arn string, p props) error {
	attrs := attributes(p, "LoadBalancerAttributes")
	if len(attrs) == 0 {
		return nil
	}
	if _, err := s.ELB.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: &arn, Attributes: attrs}); err != nil {
		return fmt.Errorf("LoadBalancerAttributes: %w", err)
	}
	return nil
}

// setSecurityGroups gives a load balancer p's groups and, for an NLB,
// whether they apply to PrivateLink traffic: the one API call that takes
// EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic.
func setSecurityGroups(ctx context.Context, s *SDK, arn string, p props) error {
	in := &elb.SetSecurityGroupsInput{LoadBalancerArn: &arn, SecurityGroups: p.strings("SecurityGroups")}
	if in.SecurityGroups == nil {
		in.SecurityGroups = []string{}
	}
	if v := p.str("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"); v != nil {
		in.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic = elbtypes.EnforceSecurityGroupInboundRulesOnPrivateLinkTrafficEnum(*v)
	}
	if _, err := s.ELB.SetSecurityGroups(ctx, in); err != nil {
		return fmt.Errorf("SecurityGroups: %w", err)
	}
	return nil
}

func loadBalancerAttrs(lb elbtypes.LoadBalancer) map[string]any {
	arn := aws.ToString(lb.LoadBalancerArn)
	_, fullName, _ := strings.Cut(arn, ":loadbalancer/")
	groups := []any{}
	for _, g := range lb.SecurityGroups {
		groups = append(groups, g)
	}
	return map[string]any{"LoadBalancerArn": arn, "DNSName": aws.ToString(lb.DNSName),
		"CanonicalHostedZoneID": aws.ToString(lb.CanonicalHostedZoneId), "LoadBalancerName": aws.ToString(lb.LoadBalancerName),
		"LoadBalancerFullName": fullName, "SecurityGroups": groups}
}

func createLoadBalancer(ctx context.Context, s *SDK, t stack.Target, name string, p props) (stack.Created, error) {
	var in elb.CreateLoadBalancerInput
	if err := decode(without(p, "LoadBalancerAttributes", "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "Tags"), &in); err != nil {
		return stack.Created{}, err
	}
	if in.Name == nil {
		in.Name = aws.String(name)
	}
	in.Tags = elbTagList(tagsOf(t, p))
	out, err := s.ELB.CreateLoadBalancer(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	lb := out.LoadBalancers[0]
	made := stack.Created{Ref: aws.ToString(lb.LoadBalancerArn), Attrs: loadBalancerAttrs(lb)}
	if err := setLoadBalancerAttributes(ctx, s, made.Ref, p); err != nil {
		return made, err
	}
	if p.str("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic") != nil {
		if err := setSecurityGroups(ctx, s, made.Ref, p); err != nil {
			return made, err
		}
	}
	return made, nil
}

// updateLoadBalancer changes what ELBv2 lets change: subnets
// (SetSubnets), security groups (and the NLB's PrivateLink setting),
// attributes and tags. gatehouse models IPv4 only and serves no
// SetIpAddressType, so a new address type is refused by name.
func updateLoadBalancer(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	changed, err := updatable(t, old, new, "Tags", "LoadBalancerAttributes", "SecurityGroups",
		"EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "Subnets", "SubnetMappings")
	if err != nil {
		return cur, err
	}
	groups, subnets := false, false
	for _, k := range changed {
		switch k {
		case "Tags":
			err = retagELB(ctx, s, cur.Ref, t, new)
		case "LoadBalancerAttributes":
			err = setLoadBalancerAttributes(ctx, s, cur.Ref, new)
		case "Subnets", "SubnetMappings":
			subnets = true
		default:
			groups = true
		}
		if err != nil {
			return cur, err
		}
	}
	if subnets {
		var in elb.SetSubnetsInput
		if err := decode(map[string]any{"Subnets": new["Subnets"], "SubnetMappings": new["SubnetMappings"]}, &in); err != nil {
			return cur, err
		}
		in.LoadBalancerArn = &cur.Ref
		if _, err := s.ELB.SetSubnets(ctx, &in); err != nil {
			return cur, fmt.Errorf("Subnets: %w", err)
		}
	}
	if !groups {
		return cur, nil
	}
	if err := setSecurityGroups(ctx, s, cur.Ref, new); err != nil {
		return cur, err
	}
	out, err := s.ELB.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{cur.Ref}})
	if err != nil || len(out.LoadBalancers) == 0 {
		return cur, err
	}
	return stack.Created{Ref: cur.Ref, Attrs: loadBalancerAttrs(out.LoadBalancers[0])}, nil
}

func targetGroupAttrs(tg elbtypes.TargetGroup) map[string]any {
	arn := aws.ToString(tg.TargetGroupArn)
	lbs := []any{}
	for _, a := range tg.LoadBalancerArns {
		lbs = append(lbs, a)
	}
	return map[string]any{"TargetGroupArn": arn, "TargetGroupName": aws.ToString(tg.TargetGroupName),
		"TargetGroupFullName": arn[strings.LastIndex(arn, ":")+1:], "LoadBalancerArns": lbs}
}

// targets reads a target group's Targets, keyed by id and port (the
// group's when the target names none), which is how ELBv2 tells targets
// apart.
func targets(p props) (map[string]elbtypes.TargetDescription, error) {
	var list []elbtypes.TargetDescription
	if err := decode(p["Targets"], &list); err != nil {
		return nil, fmt.Errorf("Targets%v", err)
	}
	port, err := p.int32("Port")
	if err != nil {
		return nil, err
	}
	out := map[string]elbtypes.TargetDescription{}
	for _, d := range list {
		k := d
		if k.Port == nil {
			k.Port = port
		}
		out[targetKey(k)] = d
	}
	return out, nil
}

func targetKey(d elbtypes.TargetDescription) string {
	return fmt.Sprintf("%s|%d", aws.ToString(d.Id), aws.ToInt32(d.Port))
}

// registered are the targets a group has, draining ones aside.
func registered(ctx context.Context, s *SDK, arn string) (map[string]bool, error) {
	out, err := s.ELB.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: &arn})
	if err != nil {
		return nil, err
	}
	live := map[string]bool{}
	for _, d := range out.TargetHealthDescriptions {
		if d.Target != nil && (d.TargetHealth == nil || d.TargetHealth.State != elbtypes.TargetHealthStateEnumDraining) {
			live[targetKey(*d.Target)] = true
		}
	}
	return live, nil
}

// targetsIn lists, in a stable order, the targets of a that pick keeps.
func targetsIn(a map[string]elbtypes.TargetDescription, pick func(key string) bool) []elbtypes.TargetDescription {
	var keys []string
	for k := range a {
		if pick(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []elbtypes.TargetDescription
	for _, k := range keys {
		out = append(out, a[k])
	}
	return out
}

// setTargets deregisters the targets old has, new lacks and the group
// still has, and registers those new has and the group lacks. Reading the
// group keeps it sound when old is not what the group has: the rollback
// of an update that failed half way, or a create whose registration a
// stop cut short. Targets registered other than by the stack stay.
func setTargets(ctx context.Context, s *SDK, arn string, old, new props) error {
	have, err := targets(old)
	if err != nil {
		return err
	}
	want, err := targets(new)
	if err != nil {
		return err
	}
	live := map[string]bool{}
	if len(have) > 0 {
		if live, err = registered(ctx, s, arn); err != nil {
			return fmt.Errorf("Targets: %w", err)
		}
	}
	if gone := targetsIn(have, func(k string) bool { _, wanted := want[k]; return !wanted && live[k] }); len(gone) > 0 {
		if _, err := s.ELB.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: &arn, Targets: gone}); err != nil {
			return fmt.Errorf("Targets: %w", err)
		}
	}
	if added := targetsIn(want, func(k string) bool { return !live[k] }); len(added) > 0 {
		if _, err := s.ELB.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: &arn, Targets: added}); err != nil {
			return fmt.Errorf("Targets: %w", err)
		}
	}
	return nil
}

func setTargetGroupAttributes(ctx context.Context, s *SDK, arn string, p props) error {
	var attrs []elbtypes.TargetGroupAttribute
	for _, a := range attributes(p, "TargetGroupAttributes") {
		attrs = append(attrs, elbtypes.TargetGroupAttribute{Key: a.Key, Value: a.Value})
	}
	if len(attrs) == 0 {
		return nil
	}
	if _, err := s.ELB.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: &arn, Attributes: attrs}); err != nil {
		return fmt.Errorf("TargetGroupAttributes: %w", err)
	}
	return nil
}

// healthCheck are the target group's properties ModifyTargetGroup takes.
var healthCheck = []string{"HealthCheckEnabled", "HealthCheckIntervalSeconds", "HealthCheckPath", "HealthCheckPort",
	"HealthCheckProtocol", "HealthCheckTimeoutSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount", "Matcher"}

func createTargetGroup(ctx context.Context, s *SDK, t stack.Target, name string, p props) (stack.Created, error) {
	var in elb.CreateTargetGroupInput
	if err := decode(without(p, "Targets", "TargetGroupAttributes", "Tags"), &in); err != nil {
		return stack.Created{}, err
	}
	if _, err := targets(p); err != nil {
		return stack.Created{}, err
	}
	if in.Name == nil {
		in.Name = aws.String(name)
	}
	in.Tags = elbTagList(tagsOf(t, p))
	out, err := s.ELB.CreateTargetGroup(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	tg := out.TargetGroups[0]
	made := stack.Created{Ref: aws.ToString(tg.TargetGroupArn), Attrs: targetGroupAttrs(tg)}
	if err := setTargets(ctx, s, made.Ref, props{}, p); err != nil {
		return made, err
	}
	return made, setTargetGroupAttributes(ctx, s, made.Ref, p)
}

func updateTargetGroup(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	changed, err := updatable(t, old, new, append([]string{"Tags", "Targets", "TargetGroupAttributes"}, healthCheck...)...)
	if err != nil {
		return cur, err
	}
	modify := false
	for _, k := range changed {
		switch k {
		case "Tags":
			err = retagELB(ctx, s, cur.Ref, t, new)
		case "Targets":
			err = setTargets(ctx, s, cur.Ref, old, new)
		case "TargetGroupAttributes":
			err = setTargetGroupAttributes(ctx, s, cur.Ref, new)
		default:
			modify = true
		}
		if err != nil {
			return cur, err
		}
	}
	if modify {
		// The settings a template leaves out stay as they are.
		in := elb.ModifyTargetGroupInput{TargetGroupArn: &cur.Ref}
		check := map[string]any{}
		for _, k := range healthCheck {
			if v, ok := new[k]; ok {
				check[k] = v
			}
		}
		if err := decode(check, &in); err != nil {
			return cur, err
		}
		if _, err := s.ELB.ModifyTargetGroup(ctx, &in); err != nil {
			return cur, err
		}
	}
	out, err := s.ELB.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{cur.Ref}})
	if err != nil || len(out.TargetGroups) == 0 {
		return cur, err
	}
	return stack.Created{Ref: cur.Ref, Attrs: targetGroupAttrs(out.TargetGroups[0])}, nil
}

func setListenerAttributes(ctx context.Context, s *SDK, arn string, p props) error {
	var attrs []elbtypes.ListenerAttribute
	for _, a := range attributes(p, "ListenerAttributes") {
		attrs = append(attrs, elbtypes.ListenerAttribute{Key: a.Key, Value: a.Value})
	}
	if len(attrs) == 0 {
		return nil
	}
	if _, err := s.ELB.ModifyListenerAttributes(ctx, &elb.ModifyListenerAttributesInput{ListenerArn: &arn, Attributes: attrs}); err != nil {
		return fmt.Errorf("ListenerAttributes: %w", err)
	}
	return nil
}

// cfnTags are the tags a listener or rule gets: the stack's and
// CloudFormation's own. Their types document no Tags property, but ELBv2
// takes tags on them, and these let the stack engine find one whose
// creation a crash interrupted.
func cfnTags(t stack.Target) []elbtypes.Tag {
	return elbTagList(t.Tags)
}

func createListener(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	var in elb.CreateListenerInput
	if err := decode(without(p, "ListenerAttributes"), &in); err != nil {
		return stack.Created{}, err
	}
	in.Tags = cfnTags(t)
	out, err := s.ELB.CreateListener(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	arn := aws.ToString(out.Listeners[0].ListenerArn)
	made := stack.Created{Ref: arn, Attrs: map[string]any{"ListenerArn": arn}}
	return made, setListenerAttributes(ctx, s, arn, p)
}

// listenerSettings are the listener's properties ModifyListener takes.
var listenerSettings = []string{"DefaultActions", "Port", "Protocol", "SslPolicy", "Certificates", "AlpnPolicy", "MutualAuthentication"}

func updateListener(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	changed, err := updatable(t, old, new, append([]string{"ListenerAttributes"}, listenerSettings...)...)
	if err != nil {
		return cur, err
	}
	if contains(changed, "ListenerAttributes") {
		if err := setListenerAttributes(ctx, s, cur.Ref, new); err != nil {
			return cur, err
		}
		if len(changed) == 1 {
			return cur, nil
		}
	}
	in := elb.ModifyListenerInput{ListenerArn: &cur.Ref}
	if err := decode(without(new, "LoadBalancerArn", "ListenerAttributes"), &in); err != nil {
		return cur, err
	}
	_, err = s.ELB.ModifyListener(ctx, &in)
	return cur, err
}

func createListenerRule(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	var in elb.CreateRuleInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	in.Tags = cfnTags(t)
	out, err := s.ELB.CreateRule(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	arn := aws.ToString(out.Rules[0].RuleArn)
	return stack.Created{Ref: arn, Attrs: map[string]any{"RuleArn": arn, "IsDefault": aws.ToBool(out.Rules[0].IsDefault)}}, nil
}

// updateListenerRule changes a rule's conditions and actions with
// ModifyRule and its priority with SetRulePriorities.
func updateListenerRule(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	changed, err := updatable(t, old, new, "Actions", "Conditions", "Priority", "Transforms")
	if err != nil {
		return cur, err
	}
	if contains(changed, "Priority") {
		prio, err := new.int32("Priority")
		if err != nil {
			return cur, err
		}
		if _, err := s.ELB.SetRulePriorities(ctx, &elb.SetRulePrioritiesInput{RulePriorities: []elbtypes.RulePriorityPair{
			{RuleArn: &cur.Ref, Priority: prio}}}); err != nil {
			return cur, fmt.Errorf("Priority: %w", err)
		}
	}
	if len(changed) == 1 && changed[0] == "Priority" {
		return cur, nil
	}
	in := elb.ModifyRuleInput{RuleArn: &cur.Ref}
	if err := decode(without(new, "ListenerArn", "Priority"), &in); err != nil {
		return cur, err
	}
	_, err = s.ELB.ModifyRule(ctx, &in)
	return cur, err
}
