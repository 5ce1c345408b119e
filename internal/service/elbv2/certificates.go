package elbv2

import (
	"context"
	"slices"

	"gatehouse/internal/model"
)

// A listener's certificate list: the default certificate (set by
// CreateListener and ModifyListener) and the others SNI may pick, which
// these operations add and remove. gatehouse terminates no TLS; the list is
// kept as AWS keeps it.

type ListenerCertificatesInput struct {
	ListenerArn  string        `query:"ListenerArn,required"`
	Certificates []Certificate `query:"Certificates"`
}

type ListenerCertificatesOutput struct {
	Certificates []Certificate `xml:"Certificates>member"`
}

type DescribeListenerCertificatesInput struct {
	ListenerArn string `query:"ListenerArn,required"`
	Marker      string `query:"Marker"`
	PageSize    *int   `query:"PageSize"`
}

type DescribeListenerCertificatesOutput struct {
	Certificates []Certificate `xml:"Certificates>member"`
	NextMarker   string        `xml:"NextMarker,omitempty"`
}

// maxCertificates is AWS's quota of certificates per load balancer, its
// listeners' default certificates not counted.
const maxCertificates = 25

// certificatesOf counts the certificates of a load balancer's listeners
// beyond each listener's default, with l as it is about to be stored.
func certificatesOf(tx model.Tx, l *model.Listener) (int, error) {
	all, err := model.List[model.Listener](tx)
	if err != nil {
		return 0, err
	}
	n := len(l.Certificates) - 1
	for _, other := range all {
		if other.LoadBalancerARN == l.LoadBalancerARN && other.ARN != l.ARN && len(other.Certificates) > 1 {
			n += len(other.Certificates) - 1
		}
	}
	return n, nil
}

func (s *Service) AddListenerCertificates(ctx context.Context, in *ListenerCertificatesInput) (*ListenerCertificatesOutput, error) {
	if len(in.Certificates) == 0 {
		return nil, validation("1 validation error detected: Value null at 'certificates' failed to satisfy constraint: Member must not be null")
	}
	out := &ListenerCertificatesOutput{Certificates: []Certificate{}}
	err := s.update(ctx, func(tx model.Tx) error {
		l, err := secureListener(tx, in.ListenerArn)
		if err != nil {
			return err
		}
		for _, c := range in.Certificates {
			if c.CertificateArn == "" {
				return validation("A certificate ARN must be specified")
			}
			if c.IsDefault != nil && *c.IsDefault {
				return validation("You cannot add a default certificate with AddListenerCertificates; use ModifyListener")
			}
			// Adding a certificate the list holds changes nothing.
			if !slices.Contains(l.Certificates, c.CertificateArn) {
				l.Certificates = append(l.Certificates, c.CertificateArn)
			}
			out.Certificates = append(out.Certificates, Certificate{CertificateArn: c.CertificateArn, IsDefault: ptr(false)})
		}
		if n, err := certificatesOf(tx, l); err != nil {
			return err
		} else if n > maxCertificates {
			return tooManyCertificates()
		}
		return model.Put(tx, l)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) RemoveListenerCertificates(ctx context.Context, in *ListenerCertificatesInput) (*Empty, error) {
	if len(in.Certificates) == 0 {
		return nil, validation("1 validation error detected: Value null at 'certificates' failed to satisfy constraint: Member must not be null")
	}
	err := s.update(ctx, func(tx model.Tx) error {
		l, err := secureListener(tx, in.ListenerArn)
		if err != nil {
			return err
		}
		for _, c := range in.Certificates {
			if c.CertificateArn == l.Certificates[0] || c.IsDefault != nil && *c.IsDefault {
				return notPermitted("The default certificate of a listener cannot be removed; use ModifyListener to replace it")
			}
			// Removing a certificate the list lacks changes nothing.
			l.Certificates = append(l.Certificates[:1], without(l.Certificates[1:], c.CertificateArn)...)
		}
		return model.Put(tx, l)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) DescribeListenerCertificates(ctx context.Context, in *DescribeListenerCertificatesInput) (*DescribeListenerCertificatesOutput, error) {
	out := &DescribeListenerCertificatesOutput{Certificates: []Certificate{}}
	err := s.view(ctx, func(tx model.Tx) error {
		l, ok, err := model.Get[model.Listener](tx, in.ListenerArn)
		if err != nil {
			return err
		}
		if !ok {
			return listenerNotFound()
		}
		page, next, err := paginate(len(l.Certificates), in.Marker, in.PageSize)
		if err != nil {
			return err
		}
		out.NextMarker = next
		for i := page[0]; i < page[1]; i++ {
			out.Certificates = append(out.Certificates, Certificate{CertificateArn: l.Certificates[i], IsDefault: ptr(i == 0)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// secureListener finds a listener whose certificate list may change: an
// HTTPS or TLS one.
func secureListener(tx model.Tx, listenerARN string) (*model.Listener, error) {
	l, ok, err := model.Get[model.Listener](tx, listenerARN)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, listenerNotFound()
	}
	if !secure(l.Protocol) || len(l.Certificates) == 0 {
		return nil, invalidConfig("Listener '%s' has protocol '%s': only HTTPS and TLS listeners have certificates", l.ARN, l.Protocol)
	}
	return l, nil
}

func ptr[T any](v T) *T { return &v }
