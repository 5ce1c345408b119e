package elbv2

import (
	"context"
	"strconv"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/health"
	"gatehouse/internal/model"
)

type CreateTargetGroupInput struct {
	Name                       string   `query:"Name,required"`
	Protocol                   string   `query:"Protocol"`
	ProtocolVersion            string   `query:"ProtocolVersion"`
	Port                       *int     `query:"Port"`
	VpcID                      string   `query:"VpcId"`
	TargetType                 string   `query:"TargetType"`
	IPAddressType              string   `query:"IpAddressType"`
	HealthCheckEnabled         *bool    `query:"HealthCheckEnabled"`
	HealthCheckProtocol        string   `query:"HealthCheckProtocol"`
	HealthCheckPort            string   `query:"HealthCheckPort"`
	HealthCheckPath            string   `query:"HealthCheckPath"`
	HealthCheckIntervalSeconds *int     `query:"HealthCheckIntervalSeconds"`
	HealthCheckTimeoutSeconds  *int     `query:"HealthCheckTimeoutSeconds"`
	HealthyThresholdCount      *int     `query:"HealthyThresholdCount"`
	UnhealthyThresholdCount    *int     `query:"UnhealthyThresholdCount"`
	Matcher                    *Matcher `query:"Matcher"`
	Tags                       []Tag    `query:"Tags"`
}

type Matcher struct {
	HTTPCode string `query:"HttpCode" xml:"HttpCode,omitempty"`
}

type ModifyTargetGroupInput struct {
	TargetGroupArn             string   `query:"TargetGroupArn,required"`
	HealthCheckEnabled         *bool    `query:"HealthCheckEnabled"`
	HealthCheckProtocol        string   `query:"HealthCheckProtocol"`
	HealthCheckPort            string   `query:"HealthCheckPort"`
	HealthCheckPath            string   `query:"HealthCheckPath"`
	HealthCheckIntervalSeconds *int     `query:"HealthCheckIntervalSeconds"`
	HealthCheckTimeoutSeconds  *int     `query:"HealthCheckTimeoutSeconds"`
	HealthyThresholdCount      *int     `query:"HealthyThresholdCount"`
	UnhealthyThresholdCount    *int     `query:"UnhealthyThresholdCount"`
	Matcher                    *Matcher `query:"Matcher"`
}

type TargetGroupsOutput struct {
	TargetGroups []TargetGroup `xml:"TargetGroups>member"`
}

type DescribeTargetGroupsInput struct {
	LoadBalancerArn string   `query:"LoadBalancerArn"`
	TargetGroupArns []string `query:"TargetGroupArns"`
	Names           []string `query:"Names"`
}

type DeleteTargetGroupInput struct {
	TargetGroupArn string `query:"TargetGroupArn,required"`
}

// TargetGroup is the group as ELBv2 describes it.
type TargetGroup struct {
	TargetGroupArn             string   `xml:"TargetGroupArn"`
	TargetGroupName            string   `xml:"TargetGroupName"`
	Protocol                   string   `xml:"Protocol,omitempty"`
	ProtocolVersion            string   `xml:"ProtocolVersion,omitempty"`
	Port                       int      `xml:"Port,omitempty"`
	VpcID                      string   `xml:"VpcId,omitempty"`
	HealthCheckEnabled         bool     `xml:"HealthCheckEnabled"`
	HealthCheckProtocol        string   `xml:"HealthCheckProtocol,omitempty"`
	HealthCheckPort            string   `xml:"HealthCheckPort,omitempty"`
	HealthCheckPath            string   `xml:"HealthCheckPath,omitempty"`
	HealthCheckIntervalSeconds int      `xml:"HealthCheckIntervalSeconds"`
	HealthCheckTimeoutSeconds  int      `xml:"HealthCheckTimeoutSeconds"`
	HealthyThresholdCount      int      `xml:"HealthyThresholdCount"`
	UnhealthyThresholdCount    int      `xml:"UnhealthyThresholdCount"`
	Matcher                    *Matcher `xml:"Matcher,omitempty"`
	LoadBalancerArns           []string `xml:"LoadBalancerArns>member"`
	TargetType                 string   `xml:"TargetType"`
	IPAddressType              string   `xml:"IpAddressType,omitempty"`
}

// Protocols by the balancer type that can use them.
var (
	albProtocols = map[string]bool{"HTTP": true, "HTTPS": true}
	nlbProtocols = map[string]bool{"TCP": true, "TLS": true, "UDP": true, "TCP_UDP": true}
)

func (s *Service) CreateTargetGroup(ctx context.Context, in *CreateTargetGroupInput) (*TargetGroupsOutput, error) {
	if !resourceName.MatchString(in.Name) {
		return nil, validation("Target group name '%s' can only contain characters that are alphanumeric characters or hyphens(-), must be 1 to 32 characters, and must not begin or end with a hyphen", in.Name)
	}
	if in.TargetType == "" {
		in.TargetType = "instance"
	}
	switch in.TargetType {
	case "instance", "ip", "alb":
	case "lambda":
		return s.createLambdaTargetGroup(ctx, in)
	default:
		return nil, validation("Target type '%s' must be one of [instance, ip, lambda, alb]", in.TargetType)
	}
	switch {
	case in.Protocol == "":
		return nil, validation("A protocol must be specified")
	case in.Port == nil:
		return nil, validation("A port must be specified")
	case in.VpcID == "":
		return nil, validation("A VPC ID must be specified")
	}
	in.Protocol = strings.ToUpper(in.Protocol)
	if !albProtocols[in.Protocol] && !nlbProtocols[in.Protocol] && in.Protocol != "GENEVE" {
		return nil, validation("Protocol '%s' must be one of [HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP, GENEVE]", in.Protocol)
	}
	if in.TargetType == "alb" && in.Protocol != "TCP" {
		return nil, validation("Target groups of type 'alb' must use the TCP protocol")
	}
	if *in.Port < 1 || *in.Port > 65535 {
		return nil, validation("Port must be between 1 and 65535")
	}
	hc := defaultHealthCheck(in.Protocol, in.TargetType)
	if err := applyHealthCheck(&hc, in.Protocol, healthCheckChange{
		enabled: in.HealthCheckEnabled, protocol: in.HealthCheckProtocol, port: in.HealthCheckPort, path: in.HealthCheckPath,
		interval: in.HealthCheckIntervalSeconds, timeout: in.HealthCheckTimeoutSeconds,
		healthy: in.HealthyThresholdCount, unhealthy: in.UnhealthyThresholdCount, matcher: in.Matcher,
	}); err != nil {
		return nil, err
	}
	tags, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	tg := &model.TargetGroup{
		Name:            in.Name,
		Protocol:        in.Protocol,
		ProtocolVersion: in.ProtocolVersion,
		Port:            *in.Port,
		VpcID:           in.VpcID,
		TargetType:      in.TargetType,
		IPAddressType:   "ipv4",
		HealthCheck:     hc,
		Attributes:      map[string]string{},
		Tags:            tags,
	}
	if albProtocols[tg.Protocol] && tg.ProtocolVersion == "" {
		tg.ProtocolVersion = "HTTP1"
	}
	return s.putTargetGroup(ctx, tg)
}

// putTargetGroup stores tg under a new ARN, or returns the group that
// holds its name already when that group has tg's settings.
func (s *Service) putTargetGroup(ctx context.Context, tg *model.TargetGroup) (*TargetGroupsOutput, error) {
	var out TargetGroup
	err := s.update(ctx, func(tx model.Tx) error {
		if tg.VpcID != "" {
			if _, ok, err := model.Get[model.VPC](tx, tg.VpcID); err != nil {
				return err
			} else if !ok {
				return validation("The VPC ID '%s' is not found", tg.VpcID)
			}
		}
		all, err := model.List[model.TargetGroup](tx)
		if err != nil {
			return err
		}
		for _, g := range all {
			if g.Name != tg.Name {
				continue
			}
			// A retry of the call that made g gets g back: CloudFormation
			// and Terraform retry creates and count on that.
			if !sameTargetGroup(g, tg) {
				return api.BadRequest("DuplicateTargetGroupName", "A target group with the same name '%s' exists, but with different settings", tg.Name)
			}
			out, err = tgShape(tx, g)
			return err
		}
		tg.ARN = arn(ctx, "targetgroup/"+tg.Name+"/"+api.RandomHex(16))
		if err := model.Put(tx, tg); err != nil {
			return err
		}
		out, err = tgShape(tx, tg)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &TargetGroupsOutput{TargetGroups: []TargetGroup{out}}, nil
}

// sameTargetGroup reports whether want, a group a create call describes, has
// the settings of have, the group that already holds its name. Tags and
// attributes are not settings here: a retry carrying other tags still gets
// the existing group back, unchanged.
func sameTargetGroup(have, want *model.TargetGroup) bool {
	return have.Protocol == want.Protocol &&
		have.ProtocolVersion == want.ProtocolVersion &&
		have.Port == want.Port &&
		have.VpcID == want.VpcID &&
		have.TargetType == want.TargetType &&
		have.IPAddressType == want.IPAddressType &&
		have.HealthCheck == want.HealthCheck
}

// defaultHealthCheck is AWS's default for a group's protocol: HTTP checks of
// "/" for HTTP groups, TCP connects for NLB groups.
func defaultHealthCheck(protocol, targetType string) model.HealthCheck {
	hc := model.HealthCheck{Enabled: true, Port: "traffic-port", IntervalSeconds: 30, HealthyThreshold: 5, UnhealthyThreshold: 2}
	switch {
	case albProtocols[protocol]:
		hc.Protocol, hc.Path, hc.TimeoutSeconds, hc.Matcher = protocol, "/", 5, "200"
	case targetType == "alb":
		hc.Protocol, hc.Path, hc.TimeoutSeconds, hc.Matcher = "HTTP", "/", 6, "200-399"
	default:
		hc.Protocol, hc.TimeoutSeconds = "TCP", 10
	}
	return hc
}

// healthCheckChange holds the health-check parameters CreateTargetGroup and
// ModifyTargetGroup share. Nil and empty fields keep what the check has.
type healthCheckChange struct {
	enabled                               *bool
	protocol, port, path                  string
	interval, timeout, healthy, unhealthy *int
	matcher                               *Matcher
}

// matcherLimits is the span of success codes a group's balancer type allows:
// ALB groups (HTTP, HTTPS) 200 to 499; NLB groups (TCP, TLS, UDP, TCP_UDP),
// whose HTTP checks may treat a 5xx as success, 200 to 599; Gateway Load
// Balancer groups (GENEVE) 200 to 399.
func matcherLimits(groupProtocol string) (lo, hi int) {
	switch {
	case albProtocols[groupProtocol], groupProtocol == "": // "": a lambda group, an ALB's
		return 200, 499
	case groupProtocol == "GENEVE":
		return 200, 399
	}
	return 200, 599
}

// applyHealthCheck validates c against the group's protocol and applies it.
func applyHealthCheck(hc *model.HealthCheck, groupProtocol string, c healthCheckChange) error {
	if c.enabled != nil {
		hc.Enabled = *c.enabled
	}
	if c.protocol != "" {
		protocol := strings.ToUpper(c.protocol)
		if protocol != "HTTP" && protocol != "HTTPS" && protocol != "TCP" {
			return validation("Health check protocol '%s' must be one of [HTTP, HTTPS, TCP]", protocol)
		}
		if protocol != "TCP" && hc.Path == "" {
			hc.Path, hc.Matcher = "/", "200-399"
		}
		if protocol == "TCP" {
			hc.Path, hc.Matcher = "", ""
		}
		hc.Protocol = protocol
	}
	if c.port != "" {
		if n, err := strconv.Atoi(c.port); c.port != "traffic-port" && (err != nil || n < 1 || n > 65535) {
			return validation("Health check port '%s' must be 'traffic-port' or a number from 1 to 65535", c.port)
		}
		hc.Port = c.port
	}
	if c.path != "" {
		if hc.Protocol == "TCP" {
			return validation("Health check path cannot be set when the health check protocol is TCP")
		}
		if !strings.HasPrefix(c.path, "/") || len(c.path) > 1024 {
			return validation("Health check path must begin with '/' and be at most 1024 characters")
		}
		hc.Path = c.path
	}
	if c.interval != nil {
		if *c.interval < 5 || *c.interval > 300 {
			return validation("Health check interval must be between 5 and 300 seconds")
		}
		hc.IntervalSeconds = *c.interval
	}
	if c.timeout != nil {
		if *c.timeout < 2 || *c.timeout > 120 {
			return validation("Health check timeout must be between 2 and 120 seconds")
		}
		hc.TimeoutSeconds = *c.timeout
	}
	if hc.TimeoutSeconds >= hc.IntervalSeconds {
		return validation("Health check interval must be greater than the timeout.")
	}
	if c.healthy != nil {
		if *c.healthy < 2 || *c.healthy > 10 {
			return validation("Healthy threshold count must be between 2 and 10")
		}
		hc.HealthyThreshold = *c.healthy
	}
	if c.unhealthy != nil {
		if *c.unhealthy < 2 || *c.unhealthy > 10 {
			return validation("Unhealthy threshold count must be between 2 and 10")
		}
		hc.UnhealthyThreshold = *c.unhealthy
	}
	if c.matcher != nil && c.matcher.HTTPCode != "" {
		code := c.matcher.HTTPCode
		if hc.Protocol == "TCP" {
			return validation("Matcher cannot be set when the health check protocol is TCP")
		}
		low, high := matcherLimits(groupProtocol)
		codes, ok := health.ParseMatcher(code)
		if lo, hi := codes.Bounds(); !ok || lo < low || hi > high {
			return validation("Health check matcher HTTP code '%s' must be a value from %d to %d, a comma-separated list, or a range", code, low, high)
		}
		hc.Matcher = code
	}
	return nil
}

func (s *Service) ModifyTargetGroup(ctx context.Context, in *ModifyTargetGroupInput) (*TargetGroupsOutput, error) {
	var out TargetGroup
	err := s.update(ctx, func(tx model.Tx) error {
		tg, ok, err := model.Get[model.TargetGroup](tx, in.TargetGroupArn)
		if err != nil {
			return err
		}
		if !ok {
			return tgNotFound()
		}
		if tg.TargetType == "lambda" && (in.HealthCheckProtocol != "" || in.HealthCheckPort != "") {
			return validation("Health check protocol and port cannot be specified for target groups with target type 'lambda'")
		}
		if err := applyHealthCheck(&tg.HealthCheck, tg.Protocol, healthCheckChange{
			enabled: in.HealthCheckEnabled, protocol: in.HealthCheckProtocol, port: in.HealthCheckPort, path: in.HealthCheckPath,
			interval: in.HealthCheckIntervalSeconds, timeout: in.HealthCheckTimeoutSeconds,
			healthy: in.HealthyThresholdCount, unhealthy: in.UnhealthyThresholdCount, matcher: in.Matcher,
		}); err != nil {
			return err
		}
		if err := model.Put(tx, tg); err != nil {
			return err
		}
		out, err = tgShape(tx, tg)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &TargetGroupsOutput{TargetGroups: []TargetGroup{out}}, nil
}

func (s *Service) DescribeTargetGroups(ctx context.Context, in *DescribeTargetGroupsInput) (*TargetGroupsOutput, error) {
	out := &TargetGroupsOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		all, err := model.List[model.TargetGroup](tx)
		if err != nil {
			return err
		}
		picked, err := pick(all, in.TargetGroupArns, in.Names, func(g *model.TargetGroup) (string, string) { return g.ARN, g.Name }, tgNotFound)
		if err != nil {
			return err
		}
		if in.LoadBalancerArn != "" {
			if _, ok, err := model.Get[model.LoadBalancer](tx, in.LoadBalancerArn); err != nil {
				return err
			} else if !ok {
				return lbNotFound()
			}
		}
		for _, g := range picked {
			shape, err := tgShape(tx, g)
			if err != nil {
				return err
			}
			if in.LoadBalancerArn != "" && !contains(shape.LoadBalancerArns, in.LoadBalancerArn) {
				continue
			}
			out.TargetGroups = append(out.TargetGroups, shape)
		}
		return nil
	})
	return out, err
}

func (s *Service) DeleteTargetGroup(ctx context.Context, in *DeleteTargetGroupInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		tg, ok, err := model.Get[model.TargetGroup](tx, in.TargetGroupArn)
		if err != nil || !ok {
			return err // already gone: success, as on AWS
		}
		users, err := balancersUsing(tx, tg.ARN)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return resourceInUse("Target group '%s' is currently in use by a listener or a rule", tg.ARN)
		}
		return model.Delete(tx, tg)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func tgShape(tx model.Tx, g *model.TargetGroup) (TargetGroup, error) {
	lbs, err := balancersUsing(tx, g.ARN)
	if err != nil {
		return TargetGroup{}, err
	}
	hc := g.HealthCheck
	out := TargetGroup{
		TargetGroupArn:             g.ARN,
		TargetGroupName:            g.Name,
		Protocol:                   g.Protocol,
		ProtocolVersion:            g.ProtocolVersion,
		Port:                       g.Port,
		VpcID:                      g.VpcID,
		HealthCheckEnabled:         hc.Enabled,
		HealthCheckProtocol:        hc.Protocol,
		HealthCheckPort:            hc.Port,
		HealthCheckPath:            hc.Path,
		HealthCheckIntervalSeconds: hc.IntervalSeconds,
		HealthCheckTimeoutSeconds:  hc.TimeoutSeconds,
		HealthyThresholdCount:      hc.HealthyThreshold,
		UnhealthyThresholdCount:    hc.UnhealthyThreshold,
		LoadBalancerArns:           lbs,
		TargetType:                 g.TargetType,
		IPAddressType:              g.IPAddressType,
	}
	if hc.Matcher != "" {
		out.Matcher = &Matcher{HTTPCode: hc.Matcher}
	}
	return out, nil
}

// balancersUsing lists the balancers whose listeners or rules forward to the
// target group.
func balancersUsing(tx model.Tx, tgARN string) ([]string, error) {
	listeners, err := model.List[model.Listener](tx)
	if err != nil {
		return nil, err
	}
	rules, err := model.List[model.ListenerRule](tx)
	if err != nil {
		return nil, err
	}
	lbOf := map[string]string{}
	for _, l := range listeners {
		lbOf[l.ARN] = l.LoadBalancerARN
	}
	var out []string
	add := func(lb string, actions []model.Action) {
		for _, a := range actions {
			for _, wt := range a.TargetGroups {
				if wt.ARN == tgARN && !contains(out, lb) {
					out = append(out, lb)
				}
			}
		}
	}
	for _, l := range listeners {
		add(l.LoadBalancerARN, l.DefaultActions)
	}
	for _, r := range rules {
		add(lbOf[r.ListenerARN], r.Actions)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
