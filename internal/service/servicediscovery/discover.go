package servicediscovery

import (
	"context"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type DiscoverInstancesInput struct {
	NamespaceName      string            `json:"NamespaceName"`
	ServiceName        string            `json:"ServiceName"`
	HealthStatus       string            `json:"HealthStatus"`
	MaxResults         *int32            `json:"MaxResults"`
	QueryParameters    map[string]string `json:"QueryParameters"`
	OptionalParameters map[string]string `json:"OptionalParameters"`
	OwnerAccount       string            `json:"OwnerAccount"`
}

type DiscoverInstancesOutput struct {
	Instances         []HTTPInstanceSummary `json:"Instances"`
	InstancesRevision int64                 `json:"InstancesRevision"`
}

type HTTPInstanceSummary struct {
	InstanceID    string            `json:"InstanceId"`
	NamespaceName string            `json:"NamespaceName"`
	ServiceName   string            `json:"ServiceName"`
	HealthStatus  string            `json:"HealthStatus"`
	Attributes    map[string]string `json:"Attributes"`
}

type DiscoverInstancesRevisionInput struct {
	NamespaceName string `json:"NamespaceName"`
	ServiceName   string `json:"ServiceName"`
	OwnerAccount  string `json:"OwnerAccount"`
}

type DiscoverInstancesRevisionOutput struct {
	InstancesRevision int64 `json:"InstancesRevision"`
}

// DiscoverInstances answers up to 1000 instances a call.
const maxDiscover = 1000

var healthFilters = map[string]bool{"": true, "HEALTHY": true, "UNHEALTHY": true, "ALL": true, "HEALTHY_OR_ELSE_ALL": true}

func (s *Service) DiscoverInstances(ctx context.Context, in *DiscoverInstancesInput) (*DiscoverInstancesOutput, error) {
	if !healthFilters[in.HealthStatus] {
		return nil, invalidInput("HealthStatus must be HEALTHY, UNHEALTHY, ALL or HEALTHY_OR_ELSE_ALL, not %q", in.HealthStatus)
	}
	d := model.Discovery{Query: in.QueryParameters, Optional: in.OptionalParameters, Health: in.HealthStatus, Max: 100}
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxDiscover {
			return nil, invalidInput("MaxResults must be between 1 and %d", maxDiscover)
		}
		d.Max = int(*in.MaxResults)
	}
	for _, params := range []map[string]string{in.QueryParameters, in.OptionalParameters} {
		for k, v := range params {
			if len(k) > 255 || !attrKeyPattern.MatchString(k) || len(v) > 1024 {
				return nil, invalidInput("Parameter %q is not a valid attribute key and value", k)
			}
		}
	}
	out := &DiscoverInstancesOutput{Instances: []HTTPInstanceSummary{}}
	err := s.view(ctx, func(tx model.Tx) error {
		ns, svc, err := discovered(ctx, tx, in.NamespaceName, in.ServiceName, in.OwnerAccount)
		if err != nil {
			return err
		}
		instances, err := model.InstancesOf(tx, svc.ID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		for _, inst := range model.Discover(svc, instances, d, now) {
			out.Instances = append(out.Instances, HTTPInstanceSummary{
				InstanceID: inst.ID, NamespaceName: ns.HTTPName, ServiceName: svc.Name,
				HealthStatus: model.InstanceHealth(svc, inst, now), Attributes: attributes(inst),
			})
		}
		out.InstancesRevision = svc.InstancesRevision
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) DiscoverInstancesRevision(ctx context.Context, in *DiscoverInstancesRevisionInput) (*DiscoverInstancesRevisionOutput, error) {
	out := &DiscoverInstancesRevisionOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		_, svc, err := discovered(ctx, tx, in.NamespaceName, in.ServiceName, in.OwnerAccount)
		if err == nil {
			out.InstancesRevision = svc.InstancesRevision
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// discovered finds a service the way DiscoverInstances names it: by the
// namespace's HttpName and the service's name.
func discovered(ctx context.Context, tx model.Tx, namespaceName, serviceName, owner string) (*model.Namespace, *model.CloudMapService, error) {
	if namespaceName == "" || serviceName == "" {
		return nil, nil, invalidInput("NamespaceName and ServiceName are required")
	}
	if owner != "" && owner != api.MetaFrom(ctx).Account {
		// No namespace is shared from another account in gatehouse.
		return nil, nil, namespaceNotFound()
	}
	namespaces, err := model.List[model.Namespace](tx)
	if err != nil {
		return nil, nil, err
	}
	var ns *model.Namespace
	for _, n := range namespaces {
		if n.HTTPName == namespaceName || n.Type != typeHTTP && strings.EqualFold(n.HTTPName, namespaceName) {
			ns = n
			break
		}
	}
	if ns == nil {
		return nil, nil, namespaceNotFound()
	}
	services, err := model.List[model.CloudMapService](tx)
	if err != nil {
		return nil, nil, err
	}
	for _, svc := range services {
		if svc.NamespaceID == ns.ID && sameServiceName(ns, svc.Name, serviceName) {
			return ns, svc, nil
		}
	}
	return nil, nil, serviceNotFound()
}
