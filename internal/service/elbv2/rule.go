package elbv2

import (
	"context"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type RuleCondition struct {
	Field                   string             `query:"Field" xml:"Field"`
	Values                  []string           `query:"Values" xml:"Values>member,omitempty"`
	HostHeaderConfig        *ValuesConfig      `query:"HostHeaderConfig" xml:"HostHeaderConfig,omitempty"`
	PathPatternConfig       *ValuesConfig      `query:"PathPatternConfig" xml:"PathPatternConfig,omitempty"`
	HTTPRequestMethodConfig *ValuesConfig      `query:"HttpRequestMethodConfig" xml:"HttpRequestMethodConfig,omitempty"`
	SourceIPConfig          *ValuesConfig      `query:"SourceIpConfig" xml:"SourceIpConfig,omitempty"`
	HTTPHeaderConfig        *HTTPHeaderConfig  `query:"HttpHeaderConfig" xml:"HttpHeaderConfig,omitempty"`
	QueryStringConfig       *QueryStringConfig `query:"QueryStringConfig" xml:"QueryStringConfig,omitempty"`
}

type ValuesConfig struct {
	Values []string `query:"Values" xml:"Values>member"`
}

type HTTPHeaderConfig struct {
	HTTPHeaderName string   `query:"HttpHeaderName" xml:"HttpHeaderName"`
	Values         []string `query:"Values" xml:"Values>member"`
}

type QueryStringConfig struct {
	Values []QueryStringKeyValue `query:"Values" xml:"Values>member"`
}

type QueryStringKeyValue struct {
	Key   string `query:"Key" xml:"Key,omitempty"`
	Value string `query:"Value" xml:"Value"`
}

type CreateRuleInput struct {
	ListenerArn string          `query:"ListenerArn,required"`
	Priority    int             `query:"Priority,required"`
	Conditions  []RuleCondition `query:"Conditions"`
	Actions     []Action        `query:"Actions"`
	Tags        []Tag           `query:"Tags"`
}

type ModifyRuleInput struct {
	RuleArn    string          `query:"RuleArn,required"`
	Conditions []RuleCondition `query:"Conditions"`
	Actions    []Action        `query:"Actions"`
}

type DescribeRulesInput struct {
	ListenerArn string   `query:"ListenerArn"`
	RuleArns    []string `query:"RuleArns"`
}

type DeleteRuleInput struct {
	RuleArn string `query:"RuleArn,required"`
}

type SetRulePrioritiesInput struct {
	RulePriorities []struct {
		RuleArn  string `query:"RuleArn"`
		Priority int    `query:"Priority"`
	} `query:"RulePriorities"`
}

type RulesOutput struct {
	Rules []Rule `xml:"Rules>member"`
}

// Rule is a listener rule as ELBv2 describes it.
type Rule struct {
	RuleArn    string          `xml:"RuleArn"`
	Priority   string          `xml:"Priority"`
	Conditions []RuleCondition `xml:"Conditions>member"`
	Actions    []Action        `xml:"Actions>member"`
	IsDefault  bool            `xml:"IsDefault"`
}

var (
	headerName = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+.^_` + "`" + `|~-]{1,40}$`)
	httpMethod = regexp.MustCompile(`^[A-Z_-]+$`)
)

// compileConditions validates conditions as ELBv2 does: known fields, each at
// most once, value counts and shapes.
func compileConditions(in []RuleCondition) ([]model.Condition, error) {
	if len(in) == 0 {
		return nil, validation("A rule must have at least one condition")
	}
	seen := map[string]bool{}
	var out []model.Condition
	for _, c := range in {
		m := model.Condition{Field: c.Field}
		switch c.Field {
		case "path-pattern", "host-header", "http-request-method", "source-ip":
			cfg := map[string]*ValuesConfig{"path-pattern": c.PathPatternConfig, "host-header": c.HostHeaderConfig,
				"http-request-method": c.HTTPRequestMethodConfig, "source-ip": c.SourceIPConfig}[c.Field]
			m.Values = c.Values
			if cfg != nil {
				if len(c.Values) > 0 {
					return nil, validation("You cannot specify both Values and a config for condition '%s'", c.Field)
				}
				m.Values = cfg.Values
			}
		case "http-header":
			if c.HTTPHeaderConfig == nil || !headerName.MatchString(c.HTTPHeaderConfig.HTTPHeaderName) {
				return nil, validation("An http-header condition needs an HttpHeaderConfig with a valid header name")
			}
			m.HeaderName, m.Values = c.HTTPHeaderConfig.HTTPHeaderName, c.HTTPHeaderConfig.Values
		case "query-string":
			if c.QueryStringConfig == nil {
				return nil, validation("A query-string condition needs a QueryStringConfig")
			}
			for _, kv := range c.QueryStringConfig.Values {
				if kv.Value == "" {
					return nil, validation("A query-string condition value cannot be empty")
				}
				m.Query = append(m.Query, model.KeyValue{Key: kv.Key, Value: kv.Value})
			}
		default:
			return nil, validation("Condition field '%s' must be one of [path-pattern, host-header, http-header, http-request-method, query-string, source-ip]", c.Field)
		}
		if c.Field != "http-header" && seen[c.Field] {
			return nil, validation("A rule can only have one '%s' condition", c.Field)
		}
		seen[c.Field] = true
		n := len(m.Values) + len(m.Query)
		if n == 0 {
			return nil, validation("Condition '%s' must have at least one value", c.Field)
		}
		if n > 5 {
			return nil, validation("Condition '%s' can have at most 5 values", c.Field)
		}
		for _, v := range m.Values {
			if err := checkConditionValue(c.Field, v); err != nil {
				return nil, err
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func checkConditionValue(field, v string) error {
	if len(v) > 128 {
		return validation("Condition value '%s' cannot be longer than 128 characters", v)
	}
	switch field {
	case "http-request-method":
		if !httpMethod.MatchString(v) {
			return validation("HTTP request method '%s' must contain only uppercase letters, underscores and hyphens", v)
		}
	case "source-ip":
		if _, err := netip.ParsePrefix(v); err != nil {
			return validation("Source IP '%s' must be a CIDR block", v)
		}
	}
	return nil
}

func (s *Service) CreateRule(ctx context.Context, in *CreateRuleInput) (*RulesOutput, error) {
	if in.Priority < 1 || in.Priority > 50000 {
		return nil, validation("Priority must be between 1 and 50000")
	}
	conds, err := compileConditions(in.Conditions)
	if err != nil {
		return nil, err
	}
	tags, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	var out Rule
	err = s.update(ctx, func(tx model.Tx) error {
		l, lb, err := listenerAndBalancer(tx, in.ListenerArn)
		if err != nil {
			return err
		}
		if lb.Type != "application" {
			return validation("Rules are supported on Application Load Balancer listeners only")
		}
		rules, err := rulesOf(tx, l.ARN)
		if err != nil {
			return err
		}
		for _, r := range rules {
			if r.Priority == in.Priority {
				return api.BadRequest("PriorityInUse", "Priority '%d' is currently in use", in.Priority)
			}
		}
		if len(rules) >= 100 {
			return api.BadRequest("TooManyRules", "You've reached the limit on the number of rules per load balancer")
		}
		actions, err := compileActions(tx, lb, in.Actions)
		if err != nil {
			return err
		}
		_, res, _ := strings.Cut(l.ARN, ":listener/")
		r := &model.ListenerRule{
			ARN:         arn(ctx, "listener-rule/"+res+"/"+api.RandomHex(16)),
			ListenerARN: l.ARN,
			Priority:    in.Priority,
			Conditions:  conds,
			Actions:     actions,
			Tags:        tags,
		}
		out = ruleShape(r)
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return &RulesOutput{Rules: []Rule{out}}, nil
}

func listenerAndBalancer(tx model.Tx, listenerARN string) (*model.Listener, *model.LoadBalancer, error) {
	l, ok, err := model.Get[model.Listener](tx, listenerARN)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, listenerNotFound()
	}
	lb, ok, err := model.Get[model.LoadBalancer](tx, l.LoadBalancerARN)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, listenerNotFound()
	}
	return l, lb, nil
}

// rulesOf lists a listener's rules by priority.
func rulesOf(tx model.Tx, listenerARN string) ([]*model.ListenerRule, error) {
	all, err := model.List[model.ListenerRule](tx)
	if err != nil {
		return nil, err
	}
	var out []*model.ListenerRule
	for _, r := range all {
		if r.ListenerARN == listenerARN {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Priority < out[j].Priority })
	return out, nil
}

func (s *Service) ModifyRule(ctx context.Context, in *ModifyRuleInput) (*RulesOutput, error) {
	var out Rule
	err := s.update(ctx, func(tx model.Tx) error {
		r, ok, err := model.Get[model.ListenerRule](tx, in.RuleArn)
		if err != nil {
			return err
		}
		if !ok {
			return s.modifyDefaultRule(tx, in, &out)
		}
		_, lb, err := listenerAndBalancer(tx, r.ListenerARN)
		if err != nil {
			return err
		}
		if in.Conditions != nil {
			if r.Conditions, err = compileConditions(in.Conditions); err != nil {
				return err
			}
		}
		if in.Actions != nil {
			if r.Actions, err = compileActions(tx, lb, in.Actions); err != nil {
				return err
			}
		}
		out = ruleShape(r)
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return &RulesOutput{Rules: []Rule{out}}, nil
}

// modifyDefaultRule changes a listener's default actions through its default
// rule's ARN, which ELBv2 allows for actions but not conditions.
func (s *Service) modifyDefaultRule(tx model.Tx, in *ModifyRuleInput, out *Rule) error {
	l, err := listenerByDefaultRule(tx, in.RuleArn)
	if err != nil {
		return err
	}
	if len(in.Conditions) > 0 {
		return notPermitted("You cannot modify the conditions of a default rule")
	}
	if in.Actions != nil {
		_, lb, err := listenerAndBalancer(tx, l.ARN)
		if err != nil {
			return err
		}
		if l.DefaultActions, err = compileActions(tx, lb, in.Actions); err != nil {
			return err
		}
	}
	*out = defaultRuleShape(l)
	return model.Put(tx, l)
}

func listenerByDefaultRule(tx model.Tx, ruleARN string) (*model.Listener, error) {
	listeners, err := model.List[model.Listener](tx)
	if err != nil {
		return nil, err
	}
	for _, l := range listeners {
		if l.DefaultRuleARN == ruleARN {
			return l, nil
		}
	}
	return nil, ruleNotFound()
}

func (s *Service) DescribeRules(ctx context.Context, in *DescribeRulesInput) (*RulesOutput, error) {
	if in.ListenerArn == "" && len(in.RuleArns) == 0 {
		return nil, validation("You must specify either listener ARN or rule ARNs")
	}
	out := &RulesOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		if in.ListenerArn != "" {
			l, ok, err := model.Get[model.Listener](tx, in.ListenerArn)
			if err != nil {
				return err
			}
			if !ok {
				return listenerNotFound()
			}
			rules, err := rulesOf(tx, l.ARN)
			if err != nil {
				return err
			}
			for _, r := range rules {
				out.Rules = append(out.Rules, ruleShape(r))
			}
			out.Rules = append(out.Rules, defaultRuleShape(l))
			return nil
		}
		for _, a := range in.RuleArns {
			r, ok, err := model.Get[model.ListenerRule](tx, a)
			if err != nil {
				return err
			}
			if ok {
				out.Rules = append(out.Rules, ruleShape(r))
				continue
			}
			l, err := listenerByDefaultRule(tx, a)
			if err != nil {
				return err
			}
			out.Rules = append(out.Rules, defaultRuleShape(l))
		}
		return nil
	})
	return out, err
}

func (s *Service) DeleteRule(ctx context.Context, in *DeleteRuleInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		r, ok, err := model.Get[model.ListenerRule](tx, in.RuleArn)
		if err != nil {
			return err
		}
		if !ok {
			if _, err := listenerByDefaultRule(tx, in.RuleArn); err == nil {
				return notPermitted("Default rule '%s' cannot be deleted", in.RuleArn)
			}
			return ruleNotFound()
		}
		return model.Delete(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) SetRulePriorities(ctx context.Context, in *SetRulePrioritiesInput) (*RulesOutput, error) {
	out := &RulesOutput{}
	err := s.update(ctx, func(tx model.Tx) error {
		changed := map[string]*model.ListenerRule{}
		for _, p := range in.RulePriorities {
			if p.Priority < 1 || p.Priority > 50000 {
				return validation("Priority must be between 1 and 50000")
			}
			r, ok, err := model.Get[model.ListenerRule](tx, p.RuleArn)
			if err != nil {
				return err
			}
			if !ok {
				if _, err := listenerByDefaultRule(tx, p.RuleArn); err == nil {
					return notPermitted("The priority of default rule '%s' cannot be changed", p.RuleArn)
				}
				return ruleNotFound()
			}
			r.Priority = p.Priority
			changed[r.ARN] = r
		}
		// Priorities must stay unique per listener once all changes apply.
		byListener := map[string]map[int]string{}
		all, err := model.List[model.ListenerRule](tx)
		if err != nil {
			return err
		}
		for _, r := range all {
			if c, ok := changed[r.ARN]; ok {
				r = c
			}
			if byListener[r.ListenerARN] == nil {
				byListener[r.ListenerARN] = map[int]string{}
			}
			if other, dup := byListener[r.ListenerARN][r.Priority]; dup && other != r.ARN {
				return api.BadRequest("PriorityInUse", "Priority '%d' is currently in use", r.Priority)
			}
			byListener[r.ListenerARN][r.Priority] = r.ARN
		}
		for _, p := range in.RulePriorities {
			r := changed[p.RuleArn]
			if err := model.Put(tx, r); err != nil {
				return err
			}
			out.Rules = append(out.Rules, ruleShape(r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func ruleShape(r *model.ListenerRule) Rule {
	out := Rule{RuleArn: r.ARN, Priority: strconv.Itoa(r.Priority), Actions: actionShapes(r.Actions)}
	for _, c := range r.Conditions {
		out.Conditions = append(out.Conditions, conditionShape(c))
	}
	return out
}

func defaultRuleShape(l *model.Listener) Rule {
	return Rule{RuleArn: l.DefaultRuleARN, Priority: "default", IsDefault: true, Actions: actionShapes(l.DefaultActions), Conditions: []RuleCondition{}}
}

func conditionShape(c model.Condition) RuleCondition {
	out := RuleCondition{Field: c.Field}
	vc := &ValuesConfig{Values: c.Values}
	switch c.Field {
	case "path-pattern":
		out.Values, out.PathPatternConfig = c.Values, vc
	case "host-header":
		out.Values, out.HostHeaderConfig = c.Values, vc
	case "http-request-method":
		out.HTTPRequestMethodConfig = vc
	case "source-ip":
		out.SourceIPConfig = vc
	case "http-header":
		out.HTTPHeaderConfig = &HTTPHeaderConfig{HTTPHeaderName: c.HeaderName, Values: c.Values}
	case "query-string":
		qs := &QueryStringConfig{}
		for _, kv := range c.Query {
			qs.Values = append(qs.Values, QueryStringKeyValue{Key: kv.Key, Value: kv.Value})
		}
		out.QueryStringConfig = qs
	}
	return out
}
