package elbv2

import (
	"context"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type CreateListenerInput struct {
	LoadBalancerArn string        `query:"LoadBalancerArn,required"`
	Protocol        string        `query:"Protocol"`
	Port            *int          `query:"Port"`
	DefaultActions  []Action      `query:"DefaultActions"`
	Certificates    []Certificate `query:"Certificates"`
	SslPolicy       string        `query:"SslPolicy"`
	Tags            []Tag         `query:"Tags"`
}

type ModifyListenerInput struct {
	ListenerArn    string        `query:"ListenerArn,required"`
	Protocol       string        `query:"Protocol"`
	Port           *int          `query:"Port"`
	DefaultActions []Action      `query:"DefaultActions"`
	Certificates   []Certificate `query:"Certificates"`
	SslPolicy      string        `query:"SslPolicy"`
}

// Certificate names an ACM or IAM server certificate. Gatehouse terminates
// no TLS, so it only checks that an HTTPS or TLS listener was given one.
type Certificate struct {
	CertificateArn string `query:"CertificateArn" xml:"CertificateArn"`
	IsDefault      *bool  `query:"IsDefault" xml:"IsDefault,omitempty"`
}

type ListenersOutput struct {
	Listeners []Listener `xml:"Listeners>member"`
}

type DescribeListenersInput struct {
	LoadBalancerArn string   `query:"LoadBalancerArn"`
	ListenerArns    []string `query:"ListenerArns"`
}

type DeleteListenerInput struct {
	ListenerArn string `query:"ListenerArn,required"`
}

// Listener is the listener as ELBv2 describes it.
type Listener struct {
	ListenerArn     string        `xml:"ListenerArn"`
	LoadBalancerArn string        `xml:"LoadBalancerArn"`
	Port            int           `xml:"Port"`
	Protocol        string        `xml:"Protocol"`
	Certificates    []Certificate `xml:"Certificates>member,omitempty"`
	SslPolicy       string        `xml:"SslPolicy,omitempty"`
	DefaultActions  []Action      `xml:"DefaultActions>member"`
}

func (s *Service) CreateListener(ctx context.Context, in *CreateListenerInput) (*ListenersOutput, error) {
	tags, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	var out Listener
	err = s.update(ctx, func(tx model.Tx) error {
		lb, ok, err := model.Get[model.LoadBalancer](tx, in.LoadBalancerArn)
		if err != nil {
			return err
		}
		if !ok {
			return lbNotFound()
		}
		l := &model.Listener{LoadBalancerARN: lb.ARN, Tags: tags}
		if err := s.setListener(tx, lb, l, in.Protocol, in.Port, in.DefaultActions, in.Certificates, in.SslPolicy); err != nil {
			return err
		}
		// Listener ARNs extend the balancer's: .../listener/app/NAME/LBID/ID.
		_, res, _ := strings.Cut(lb.ARN, ":loadbalancer/")
		id := api.RandomHex(16)
		l.ARN = arn(ctx, "listener/"+res+"/"+id)
		l.DefaultRuleARN = arn(ctx, "listener-rule/"+res+"/"+id+"/"+api.RandomHex(16))
		if err := model.Put(tx, l); err != nil {
			return err
		}
		out = listenerShape(l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ListenersOutput{Listeners: []Listener{out}}, nil
}

// setListener validates and applies protocol, port, default actions, the
// default certificate and the security policy. Nil or empty arguments keep
// what l has.
func (s *Service) setListener(tx model.Tx, lb *model.LoadBalancer, l *model.Listener, protocol string, port *int, actions []Action, certs []Certificate, sslPolicy string) error {
	if protocol != "" {
		protocol = strings.ToUpper(protocol)
		if lb.Type == "application" && !albProtocols[protocol] || lb.Type == "network" && !nlbProtocols[protocol] {
			return validation("Listener protocol '%s' is not supported by a load balancer of type '%s'", protocol, lb.Type)
		}
		if secure(protocol) && len(certs) == 0 && len(l.Certificates) == 0 {
			return validation("A certificate must be specified for %s listeners", protocol)
		}
		if !secure(protocol) && secure(l.Protocol) {
			// Leaving HTTPS or TLS drops what only they have.
			l.Certificates, l.SslPolicy = nil, ""
		}
		l.Protocol = protocol
	}
	if l.Protocol == "" {
		if lb.Type == "network" {
			return validation("A listener protocol must be specified for a Network Load Balancer")
		}
		l.Protocol = "HTTP"
	}
	if port != nil {
		if *port < 1 || *port > 65535 {
			return validation("Listener port must be between 1 and 65535")
		}
		l.Port = *port
	}
	if l.Port == 0 {
		return validation("A listener port must be specified")
	}
	listeners, err := model.List[model.Listener](tx)
	if err != nil {
		return err
	}
	for _, other := range listeners {
		if other.LoadBalancerARN == lb.ARN && other.Port == l.Port && other.ARN != l.ARN {
			return api.BadRequest("DuplicateListener", "A listener already exists on this port for this load balancer '%s'", lb.ARN)
		}
	}
	if sslPolicy != "" && !knownSSLPolicy(sslPolicy) {
		return sslPolicyNotFound(sslPolicy)
	}
	if secure(l.Protocol) {
		if len(certs) > 0 {
			if certs[0].CertificateArn == "" {
				return validation("A certificate ARN must be specified")
			}
			// The default certificate is replaced; the others stay.
			rest := l.Certificates
			if len(rest) > 0 {
				rest = rest[1:]
			}
			l.Certificates = append([]string{certs[0].CertificateArn}, without(rest, certs[0].CertificateArn)...)
		}
		if sslPolicy != "" {
			l.SslPolicy = sslPolicy
		} else if l.SslPolicy == "" {
			l.SslPolicy = defaultSSLPolicy
		}
	} else if len(certs) > 0 || sslPolicy != "" {
		return validation("Certificates and SSL policies apply only to HTTPS and TLS listeners")
	}
	if actions != nil || l.DefaultActions == nil {
		compiled, err := compileActions(tx, lb, actions)
		if err != nil {
			return err
		}
		l.DefaultActions = compiled
	}
	return nil
}

func (s *Service) ModifyListener(ctx context.Context, in *ModifyListenerInput) (*ListenersOutput, error) {
	var out Listener
	err := s.update(ctx, func(tx model.Tx) error {
		l, ok, err := model.Get[model.Listener](tx, in.ListenerArn)
		if err != nil {
			return err
		}
		if !ok {
			return listenerNotFound()
		}
		lb, ok, err := model.Get[model.LoadBalancer](tx, l.LoadBalancerARN)
		if err != nil {
			return err
		}
		if !ok {
			return listenerNotFound()
		}
		if err := s.setListener(tx, lb, l, in.Protocol, in.Port, in.DefaultActions, in.Certificates, in.SslPolicy); err != nil {
			return err
		}
		if err := model.Put(tx, l); err != nil {
			return err
		}
		out = listenerShape(l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ListenersOutput{Listeners: []Listener{out}}, nil
}

func (s *Service) DescribeListeners(ctx context.Context, in *DescribeListenersInput) (*ListenersOutput, error) {
	if in.LoadBalancerArn == "" && len(in.ListenerArns) == 0 {
		return nil, validation("You must specify either listener ARNs or a load balancer ARN")
	}
	out := &ListenersOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		if in.LoadBalancerArn != "" {
			if _, ok, err := model.Get[model.LoadBalancer](tx, in.LoadBalancerArn); err != nil {
				return err
			} else if !ok {
				return lbNotFound()
			}
		}
		all, err := model.List[model.Listener](tx)
		if err != nil {
			return err
		}
		picked, err := pick(all, in.ListenerArns, nil, func(l *model.Listener) (string, string) { return l.ARN, l.ARN }, listenerNotFound)
		if err != nil {
			return err
		}
		for _, l := range picked {
			if in.LoadBalancerArn == "" || l.LoadBalancerARN == in.LoadBalancerArn {
				out.Listeners = append(out.Listeners, listenerShape(l))
			}
		}
		return nil
	})
	return out, err
}

func (s *Service) DeleteListener(ctx context.Context, in *DeleteListenerInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		l, ok, err := model.Get[model.Listener](tx, in.ListenerArn)
		if err != nil {
			return err
		}
		if !ok {
			return listenerNotFound()
		}
		return deleteListener(tx, l)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// deleteListener removes a listener and its rules.
func deleteListener(tx model.Tx, l *model.Listener) error {
	rules, err := model.List[model.ListenerRule](tx)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if r.ListenerARN == l.ARN {
			if err := model.Delete(tx, r); err != nil {
				return err
			}
		}
	}
	return model.Delete(tx, l)
}

func listenerShape(l *model.Listener) Listener {
	out := Listener{
		ListenerArn:     l.ARN,
		LoadBalancerArn: l.LoadBalancerARN,
		Port:            l.Port,
		Protocol:        l.Protocol,
		SslPolicy:       l.SslPolicy,
		DefaultActions:  actionShapes(l.DefaultActions),
	}
	if len(l.Certificates) > 0 {
		// Listeners show only their default certificate;
		// DescribeListenerCertificates lists them all.
		out.Certificates = []Certificate{{CertificateArn: l.Certificates[0]}}
	}
	return out
}

// secure reports whether a listener protocol terminates TLS.
func secure(protocol string) bool { return protocol == "HTTPS" || protocol == "TLS" }

func without(list []string, drop string) []string {
	var out []string
	for _, v := range list {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}
