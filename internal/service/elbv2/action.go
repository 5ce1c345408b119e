package elbv2

import (
	"strconv"
	"strings"

	"gatehouse/internal/model"
)

// Action is a listener or rule action, in and out.
type Action struct {
	Type                string               `query:"Type,required" xml:"Type"`
	TargetGroupArn      string               `query:"TargetGroupArn" xml:"TargetGroupArn,omitempty"`
	Order               *int                 `query:"Order" xml:"Order,omitempty"`
	ForwardConfig       *ForwardConfig       `query:"ForwardConfig" xml:"ForwardConfig,omitempty"`
	FixedResponseConfig *FixedResponseConfig `query:"FixedResponseConfig" xml:"FixedResponseConfig,omitempty"`
	RedirectConfig      *RedirectConfig      `query:"RedirectConfig" xml:"RedirectConfig,omitempty"`
}

type ForwardConfig struct {
	TargetGroups []TargetGroupTuple `query:"TargetGroups" xml:"TargetGroups>member"`
	Stickiness   *Stickiness        `query:"TargetGroupStickinessConfig" xml:"TargetGroupStickinessConfig,omitempty"`
}

type TargetGroupTuple struct {
	TargetGroupArn string `query:"TargetGroupArn" xml:"TargetGroupArn"`
	Weight         *int   `query:"Weight" xml:"Weight,omitempty"`
}

type Stickiness struct {
	Enabled bool `query:"Enabled" xml:"Enabled"`
}

type FixedResponseConfig struct {
	StatusCode  string `query:"StatusCode,required" xml:"StatusCode"`
	ContentType string `query:"ContentType" xml:"ContentType,omitempty"`
	MessageBody string `query:"MessageBody" xml:"MessageBody,omitempty"`
}

type RedirectConfig struct {
	Protocol   string `query:"Protocol" xml:"Protocol"`
	Host       string `query:"Host" xml:"Host"`
	Port       string `query:"Port" xml:"Port"`
	Path       string `query:"Path" xml:"Path"`
	Query      string `query:"Query" xml:"Query"`
	StatusCode string `query:"StatusCode,required" xml:"StatusCode"`
}

// compileActions validates actions against the balancer they will run on and
// turns them into model actions. Target groups must exist, be in the
// balancer's VPC, speak a protocol its listeners can forward to, and belong to
// no other balancer.
func compileActions(tx model.Tx, lb *model.LoadBalancer, in []Action) ([]model.Action, error) {
	if len(in) == 0 {
		return nil, validation("At least one action must be specified")
	}
	var out []model.Action
	forwards := 0
	for i, a := range in {
		order := i + 1
		if a.Order != nil {
			if *a.Order < 1 || *a.Order > 50000 {
				return nil, validation("Action order must be between 1 and 50000")
			}
			order = *a.Order
		}
		m := model.Action{Type: a.Type, Order: order}
		switch a.Type {
		case "forward":
			forwards++
			tuples := []TargetGroupTuple{}
			if a.ForwardConfig != nil {
				tuples = a.ForwardConfig.TargetGroups
				m.Stickiness = a.ForwardConfig.Stickiness != nil && a.ForwardConfig.Stickiness.Enabled
			}
			if a.TargetGroupArn != "" {
				if len(tuples) > 1 || (len(tuples) == 1 && tuples[0].TargetGroupArn != a.TargetGroupArn) {
					return nil, validation("You cannot specify both a target group ARN and a forward config with other target groups")
				}
				tuples = []TargetGroupTuple{{TargetGroupArn: a.TargetGroupArn}}
			}
			if len(tuples) == 0 {
				return nil, validation("A target group ARN must be specified for a forward action")
			}
			if lb.Type == "network" && len(tuples) > 1 {
				return nil, validation("Network Load Balancer listeners can forward to one target group only")
			}
			if len(tuples) > 5 {
				return nil, validation("A forward action can have at most 5 target groups")
			}
			for _, t := range tuples {
				w := 1
				if t.Weight != nil {
					if *t.Weight < 0 || *t.Weight > 999 {
						return nil, validation("Target group weight must be between 0 and 999")
					}
					w = *t.Weight
				}
				if err := checkForwardTarget(tx, lb, t.TargetGroupArn); err != nil {
					return nil, err
				}
				m.TargetGroups = append(m.TargetGroups, model.WeightedTargetGroup{ARN: t.TargetGroupArn, Weight: w})
			}
		case "fixed-response":
			if lb.Type != "application" {
				return nil, validation("Action type 'fixed-response' is only supported by Application Load Balancers")
			}
			c := a.FixedResponseConfig
			if c == nil {
				return nil, validation("A fixed-response config must be specified for a fixed-response action")
			}
			if code, err := strconv.Atoi(c.StatusCode); err != nil || code < 200 || code > 599 || (code >= 300 && code < 400) {
				return nil, validation("Fixed-response status code '%s' must be 2XX, 4XX or 5XX", c.StatusCode)
			}
			if len(c.MessageBody) > 1024 {
				return nil, validation("Fixed-response message body cannot be longer than 1024 characters")
			}
			m.StatusCode, m.ContentType, m.MessageBody = c.StatusCode, c.ContentType, c.MessageBody
		case "redirect":
			if lb.Type != "application" {
				return nil, validation("Action type 'redirect' is only supported by Application Load Balancers")
			}
			c := a.RedirectConfig
			if c == nil {
				return nil, validation("A redirect config must be specified for a redirect action")
			}
			if c.StatusCode != "HTTP_301" && c.StatusCode != "HTTP_302" {
				return nil, validation("Redirect status code must be 'HTTP_301' or 'HTTP_302'")
			}
			r := &model.Redirect{Protocol: or(c.Protocol, "#{protocol}"), Host: or(c.Host, "#{host}"), Port: or(c.Port, "#{port}"),
				Path: or(c.Path, "/#{path}"), Query: or(c.Query, "#{query}"), StatusCode: c.StatusCode}
			if !strings.HasPrefix(r.Path, "/") {
				return nil, validation("Redirect path must start with '/'")
			}
			m.Redirect = r
		case "authenticate-oidc", "authenticate-cognito":
			return nil, validation("Action type '%s' is not supported by gatehouse", a.Type)
		default:
			return nil, validation("Action type '%s' must be one of [forward, fixed-response, redirect]", a.Type)
		}
		out = append(out, m)
	}
	if forwards+countTerminal(out) != 1 {
		return nil, validation("Exactly one terminal action (forward, fixed-response or redirect) must be specified")
	}
	return out, nil
}

func countTerminal(actions []model.Action) int {
	n := 0
	for _, a := range actions {
		if a.Type == "fixed-response" || a.Type == "redirect" {
			n++
		}
	}
	return n
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func checkForwardTarget(tx model.Tx, lb *model.LoadBalancer, tgARN string) error {
	tg, ok, err := model.Get[model.TargetGroup](tx, tgARN)
	if err != nil {
		return err
	}
	if !ok {
		return tgNotFound()
	}
	switch {
	case tg.TargetType == "lambda":
		// A function is in no VPC; only an ALB invokes one.
		if lb.Type != "application" {
			return validation("Target groups of type 'lambda' can be used only by Application Load Balancers")
		}
	case tg.VpcID != lb.VpcID:
		return validation("The target group '%s' is not in the load balancer's VPC", tgARN)
	case lb.Type == "application" && !albProtocols[tg.Protocol] || lb.Type == "network" && !nlbProtocols[tg.Protocol]:
		return incompatibleProtocols(tg.Protocol, lb.Type)
	}
	users, err := balancersUsing(tx, tgARN)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u != lb.ARN {
			return associationLimit(tgARN)
		}
	}
	return nil
}

func actionShapes(actions []model.Action) []Action {
	out := make([]Action, 0, len(actions))
	for _, m := range actions {
		order := m.Order
		a := Action{Type: m.Type, Order: &order}
		switch m.Type {
		case "forward":
			fc := &ForwardConfig{Stickiness: &Stickiness{Enabled: m.Stickiness}}
			for _, t := range m.TargetGroups {
				w := t.Weight
				fc.TargetGroups = append(fc.TargetGroups, TargetGroupTuple{TargetGroupArn: t.ARN, Weight: &w})
			}
			if len(m.TargetGroups) == 1 {
				a.TargetGroupArn = m.TargetGroups[0].ARN
			}
			a.ForwardConfig = fc
		case "fixed-response":
			a.FixedResponseConfig = &FixedResponseConfig{StatusCode: m.StatusCode, ContentType: m.ContentType, MessageBody: m.MessageBody}
		case "redirect":
			r := m.Redirect
			a.RedirectConfig = &RedirectConfig{Protocol: r.Protocol, Host: r.Host, Port: r.Port, Path: r.Path, Query: r.Query, StatusCode: r.StatusCode}
		}
		out = append(out, a)
	}
	return out
}
