package provision

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/stack"
)

// ELBv2's CloudFormation properties carry the API's member names, so most
// of each resource decodes straight into the create call's input.

func init() {
	creators["AWS::ElasticLoadBalancingV2::LoadBalancer"] = createLoadBalancer
	creators["AWS::ElasticLoadBalancingV2::TargetGroup"] = createTargetGroup
	creators["AWS::ElasticLoadBalancingV2::Listener"] = createListener
	creators["AWS::ElasticLoadBalancingV2::ListenerRule"] = createListenerRule

	// A load balancer takes its listeners and their rules with it; a
	// target group is refused while a listener or rule still forwards to
	// it, so its deletion waits for theirs.
	deleters["AWS::ElasticLoadBalancingV2::LoadBalancer"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "load balancer "+cur.Ref, func() error {
			_, err := s.ELB.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: &cur.Ref})
			return err
		})
	}
	deleters["AWS::ElasticLoadBalancingV2::TargetGroup"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "target group "+cur.Ref, func() error {
			_, err := s.ELB.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: &cur.Ref})
			return err
		})
	}
	deleters["AWS::ElasticLoadBalancingV2::Listener"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "listener "+cur.Ref, func() error {
			_, err := s.ELB.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: &cur.Ref})
			return err
		})
	}
	deleters["AWS::ElasticLoadBalancingV2::ListenerRule"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
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

func createLoadBalancer(ctx context.Context, s *SDK, _ stack.Target, name string, p props) (stack.Created, error) {
	var in elb.CreateLoadBalancerInput
	if err := decode(without(p, "LoadBalancerAttributes"), &in); err != nil {
		return stack.Created{}, err
	}
	if in.Name == nil {
		in.Name = aws.String(name)
	}
	out, err := s.ELB.CreateLoadBalancer(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	lb := out.LoadBalancers[0]
	arn := aws.ToString(lb.LoadBalancerArn)
	if attrs := attributes(p, "LoadBalancerAttributes"); len(attrs) > 0 {
		if _, err := s.ELB.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: &arn, Attributes: attrs}); err != nil {
			return stack.Created{}, fmt.Errorf("LoadBalancerAttributes: %v", err)
		}
	}
	_, fullName, _ := strings.Cut(arn, ":loadbalancer/")
	var groups []any
	for _, g := range lb.SecurityGroups {
		groups = append(groups, g)
	}
	return stack.Created{Ref: arn, Attrs: map[string]any{"LoadBalancerArn": arn, "DNSName": aws.ToString(lb.DNSName),
		"CanonicalHostedZoneID": aws.ToString(lb.CanonicalHostedZoneId), "LoadBalancerName": aws.ToString(lb.LoadBalancerName),
		"LoadBalancerFullName": fullName, "SecurityGroups": groups}}, nil
}

func createTargetGroup(ctx context.Context, s *SDK, _ stack.Target, name string, p props) (stack.Created, error) {
	var in elb.CreateTargetGroupInput
	if err := decode(without(p, "Targets", "TargetGroupAttributes"), &in); err != nil {
		return stack.Created{}, err
	}
	if in.Name == nil {
		in.Name = aws.String(name)
	}
	out, err := s.ELB.CreateTargetGroup(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	tg := out.TargetGroups[0]
	arn := aws.ToString(tg.TargetGroupArn)
	var targets []elbtypes.TargetDescription
	if err := decode(p["Targets"], &targets); err != nil {
		return stack.Created{}, fmt.Errorf("Targets%v", err)
	}
	if len(targets) > 0 {
		if _, err := s.ELB.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: &arn, Targets: targets}); err != nil {
			return stack.Created{}, fmt.Errorf("Targets: %v", err)
		}
	}
	if list := attributes(p, "TargetGroupAttributes"); len(list) > 0 {
		var attrs []elbtypes.TargetGroupAttribute
		for _, a := range list {
			attrs = append(attrs, elbtypes.TargetGroupAttribute{Key: a.Key, Value: a.Value})
		}
		if _, err := s.ELB.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: &arn, Attributes: attrs}); err != nil {
			return stack.Created{}, fmt.Errorf("TargetGroupAttributes: %v", err)
		}
	}
	fullName := arn[strings.LastIndex(arn, ":")+1:]
	return stack.Created{Ref: arn, Attrs: map[string]any{"TargetGroupArn": arn, "TargetGroupName": aws.ToString(tg.TargetGroupName),
		"TargetGroupFullName": fullName, "LoadBalancerArns": []any{}}}, nil
}

func createListener(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in elb.CreateListenerInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	out, err := s.ELB.CreateListener(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	arn := aws.ToString(out.Listeners[0].ListenerArn)
	return stack.Created{Ref: arn, Attrs: map[string]any{"ListenerArn": arn}}, nil
}

func createListenerRule(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in elb.CreateRuleInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	out, err := s.ELB.CreateRule(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	arn := aws.ToString(out.Rules[0].RuleArn)
	return stack.Created{Ref: arn, Attrs: map[string]any{"RuleArn": arn}}, nil
}
