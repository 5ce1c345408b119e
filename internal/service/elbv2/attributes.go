package elbv2

import (
	"context"
	"sort"
	"strconv"

	"gatehouse/internal/model"
)

type LoadBalancerAttributesInput struct {
	LoadBalancerArn string      `query:"LoadBalancerArn,required"`
	Attributes      []Attribute `query:"Attributes"`
}

type TargetGroupAttributesInput struct {
	TargetGroupArn string      `query:"TargetGroupArn,required"`
	Attributes     []Attribute `query:"Attributes"`
}

type AttributesOutput struct {
	Attributes []Attribute `xml:"Attributes>member"`
}

// tgAttributeDefaults are AWS's defaults by the kind of group.
func tgAttributeDefaults(tg *model.TargetGroup) map[string]string {
	if tg.TargetType == "lambda" {
		return lambdaAttributeDefaults
	}
	d := map[string]string{
		"deregistration_delay.timeout_seconds": "300",
		"stickiness.enabled":                   "false",
		// A group can override its balancer's cross-zone setting.
		"load_balancing.cross_zone.enabled": "use_load_balancer_configuration",
	}
	if albProtocols[tg.Protocol] {
		d["stickiness.type"] = "lb_cookie"
		d["stickiness.lb_cookie.duration_seconds"] = "86400"
		d["load_balancing.algorithm.type"] = "round_robin"
		d["slow_start.duration_seconds"] = "0"
		return d
	}
	d["stickiness.type"] = "source_ip"
	d["proxy_protocol_v2.enabled"] = "false"
	d["deregistration_delay.connection_termination.enabled"] = "false"
	// Client IPs are preserved by default for instance targets and for UDP;
	// not for ip targets over TCP or TLS.
	preserve := tg.TargetType == "instance" || tg.Protocol == "UDP" || tg.Protocol == "TCP_UDP"
	d["preserve_client_ip.enabled"] = strconv.FormatBool(preserve)
	return d
}

func tgAttribute(tg *model.TargetGroup, key string) string {
	if v, ok := tg.Attributes[key]; ok {
		return v
	}
	return tgAttributeDefaults(tg)[key]
}

func render(defaults, set map[string]string) []Attribute {
	keys := make([]string, 0, len(defaults))
	for k := range defaults {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Attribute, 0, len(keys))
	for _, k := range keys {
		v := defaults[k]
		if s, ok := set[k]; ok {
			v = s
		}
		out = append(out, Attribute{Key: k, Value: v})
	}
	return out
}

// checkAttribute validates the values gatehouse acts on.
func checkAttribute(key, value string) error {
	switch key {
	case "deletion_protection.enabled", "stickiness.enabled", "preserve_client_ip.enabled", "routing.http2.enabled",
		"proxy_protocol_v2.enabled", "load_balancing.cross_zone.enabled", "access_logs.s3.enabled",
		"connection_logs.s3.enabled", "waf.fail_open.enabled", "zonal_shift.config.enabled", MultiValueHeaders:
		if value != "true" && value != "false" {
			return validation("The value of attribute '%s' must be 'true' or 'false'", key)
		}
	case "deregistration_delay.timeout_seconds":
		if n, err := strconv.Atoi(value); err != nil || n < 0 || n > 3600 {
			return validation("The value of attribute '%s' must be an integer from 0 to 3600", key)
		}
	case "idle_timeout.timeout_seconds":
		if n, err := strconv.Atoi(value); err != nil || n < 1 || n > 4000 {
			return validation("The value of attribute '%s' must be an integer from 1 to 4000", key)
		}
	case "load_balancing.algorithm.type":
		if value != "round_robin" && value != "least_outstanding_requests" && value != "weighted_random" {
			return validation("The value of attribute '%s' must be one of [round_robin, least_outstanding_requests, weighted_random]", key)
		}
	}
	return nil
}

func (s *Service) ModifyLoadBalancerAttributes(ctx context.Context, in *LoadBalancerAttributesInput) (*AttributesOutput, error) {
	out := &AttributesOutput{}
	err := s.update(ctx, func(tx model.Tx) error {
		lb, ok, err := model.Get[model.LoadBalancer](tx, in.LoadBalancerArn)
		if err != nil {
			return err
		}
		if !ok {
			return lbNotFound()
		}
		defaults := lbAttributeDefaults[lb.Type]
		for _, a := range in.Attributes {
			if _, known := defaults[a.Key]; !known {
				return validation("Load balancer attribute key '%s' is not recognized", a.Key)
			}
			if err := checkAttribute(a.Key, a.Value); err != nil {
				return err
			}
			lb.Attributes[a.Key] = a.Value
		}
		out.Attributes = render(defaults, lb.Attributes)
		return model.Put(tx, lb)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) DescribeLoadBalancerAttributes(ctx context.Context, in *LoadBalancerAttributesInput) (*AttributesOutput, error) {
	out := &AttributesOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		lb, ok, err := model.Get[model.LoadBalancer](tx, in.LoadBalancerArn)
		if err != nil {
			return err
		}
		if !ok {
			return lbNotFound()
		}
		out.Attributes = render(lbAttributeDefaults[lb.Type], lb.Attributes)
		return nil
	})
	return out, err
}

func (s *Service) ModifyTargetGroupAttributes(ctx context.Context, in *TargetGroupAttributesInput) (*AttributesOutput, error) {
	out := &AttributesOutput{}
	err := s.update(ctx, func(tx model.Tx) error {
		tg, ok, err := model.Get[model.TargetGroup](tx, in.TargetGroupArn)
		if err != nil {
			return err
		}
		if !ok {
			return tgNotFound()
		}
		defaults := tgAttributeDefaults(tg)
		for _, a := range in.Attributes {
			if _, known := defaults[a.Key]; !known {
				return validation("Target group attribute key '%s' is not recognized", a.Key)
			}
			if a.Key == "load_balancing.cross_zone.enabled" {
				if a.Value != "true" && a.Value != "false" && a.Value != "use_load_balancer_configuration" {
					return validation("The value of attribute '%s' must be one of [true, false, use_load_balancer_configuration]", a.Key)
				}
			} else if err := checkAttribute(a.Key, a.Value); err != nil {
				return err
			}
			tg.Attributes[a.Key] = a.Value
		}
		out.Attributes = render(defaults, tg.Attributes)
		return model.Put(tx, tg)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) DescribeTargetGroupAttributes(ctx context.Context, in *TargetGroupAttributesInput) (*AttributesOutput, error) {
	out := &AttributesOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		tg, ok, err := model.Get[model.TargetGroup](tx, in.TargetGroupArn)
		if err != nil {
			return err
		}
		if !ok {
			return tgNotFound()
		}
		out.Attributes = render(tgAttributeDefaults(tg), tg.Attributes)
		return nil
	})
	return out, err
}

type ListenerAttributesInput struct {
	ListenerArn string      `query:"ListenerArn,required"`
	Attributes  []Attribute `query:"Attributes"`
}

// albResponseHeaders are the response headers an ALB listener may add or
// stop sending; every one is empty (not sent) until set, but the Server
// header, which the listener sends unless told not to.
var albResponseHeaders = map[string]string{
	"routing.http.response.server.enabled":                                "true",
	"routing.http.response.strict_transport_security.header_value":        "",
	"routing.http.response.access_control_allow_origin.header_value":      "",
	"routing.http.response.access_control_allow_methods.header_value":     "",
	"routing.http.response.access_control_allow_headers.header_value":     "",
	"routing.http.response.access_control_allow_credentials.header_value": "",
	"routing.http.response.access_control_expose_headers.header_value":    "",
	"routing.http.response.access_control_max_age.header_value":           "",
	"routing.http.response.content_security_policy.header_value":          "",
	"routing.http.response.x_content_type_options.header_value":           "",
	"routing.http.response.x_frame_options.header_value":                  "",
}

// albTLSRequestHeaders are the names of the headers an HTTPS listener adds
// to requests with the client's TLS details; they may be renamed.
var albTLSRequestHeaders = map[string]string{
	"routing.http.request.x_amzn_mtls_clientcert_serial_number.header_name": "X-Amzn-Mtls-Clientcert-Serial-Number",
	"routing.http.request.x_amzn_mtls_clientcert_issuer.header_name":        "X-Amzn-Mtls-Clientcert-Issuer",
	"routing.http.request.x_amzn_mtls_clientcert_subject.header_name":       "X-Amzn-Mtls-Clientcert-Subject",
	"routing.http.request.x_amzn_mtls_clientcert_validity.header_name":      "X-Amzn-Mtls-Clientcert-Validity",
	"routing.http.request.x_amzn_mtls_clientcert_leaf.header_name":          "X-Amzn-Mtls-Clientcert-Leaf",
	"routing.http.request.x_amzn_mtls_clientcert.header_name":               "X-Amzn-Mtls-Clientcert",
	"routing.http.request.x_amzn_tls_version.header_name":                   "X-Amzn-Tls-Version",
	"routing.http.request.x_amzn_tls_cipher_suite.header_name":              "X-Amzn-Tls-Cipher-Suite",
}

// listenerAttributeDefaults are AWS's listener attributes by protocol:
// header settings on ALB listeners, the idle timeout on NLB TCP listeners,
// none on the others.
func listenerAttributeDefaults(l *model.Listener) map[string]string {
	d := map[string]string{}
	switch l.Protocol {
	case "HTTPS":
		for k, v := range albTLSRequestHeaders {
			d[k] = v
		}
		fallthrough
	case "HTTP":
		for k, v := range albResponseHeaders {
			d[k] = v
		}
	case "TCP":
		d["tcp.idle_timeout.seconds"] = "350"
	}
	return d
}

func (s *Service) ModifyListenerAttributes(ctx context.Context, in *ListenerAttributesInput) (*AttributesOutput, error) {
	out := &AttributesOutput{}
	err := s.update(ctx, func(tx model.Tx) error {
		l, ok, err := model.Get[model.Listener](tx, in.ListenerArn)
		if err != nil {
			return err
		}
		if !ok {
			return listenerNotFound()
		}
		defaults := listenerAttributeDefaults(l)
		if l.Attributes == nil {
			l.Attributes = map[string]string{}
		}
		for _, a := range in.Attributes {
			if _, known := defaults[a.Key]; !known {
				return validation("Listener attribute key '%s' is not recognized", a.Key)
			}
			switch a.Key {
			case "tcp.idle_timeout.seconds":
				if n, err := strconv.Atoi(a.Value); err != nil || n < 60 || n > 6000 {
					return validation("The value of attribute '%s' must be an integer from 60 to 6000", a.Key)
				}
			case "routing.http.response.server.enabled":
				if a.Value != "true" && a.Value != "false" {
					return validation("The value of attribute '%s' must be 'true' or 'false'", a.Key)
				}
			}
			l.Attributes[a.Key] = a.Value
		}
		out.Attributes = render(defaults, l.Attributes)
		return model.Put(tx, l)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) DescribeListenerAttributes(ctx context.Context, in *ListenerAttributesInput) (*AttributesOutput, error) {
	out := &AttributesOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		l, ok, err := model.Get[model.Listener](tx, in.ListenerArn)
		if err != nil {
			return err
		}
		if !ok {
			return listenerNotFound()
		}
		out.Attributes = render(listenerAttributeDefaults(l), l.Attributes)
		return nil
	})
	return out, err
}
