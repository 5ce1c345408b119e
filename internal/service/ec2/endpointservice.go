package ec2

import (
	"context"
	"sort"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// VPC endpoint services are read-only here: the only ones gatehouse has are
// those REST API VPC links (V1) make for their NLB, which the privatelink
// controller creates and deletes with the link.

type DescribeVpcEndpointServiceConfigurationsInput struct {
	ServiceIDs []string `query:"ServiceId"`
	Filters    []Filter `query:"Filter"`
}

type DescribeVpcEndpointServiceConfigurationsOutput struct {
	ServiceConfigurations []ServiceConfiguration `xml:"serviceConfigurationSet>item"`
}

// ServiceConfiguration is an endpoint service as its owner sees it.
type ServiceConfiguration struct {
	ServiceType             []ServiceTypeDetail `xml:"serviceType>item"`
	ServiceID               string              `xml:"serviceId"`
	ServiceName             string              `xml:"serviceName"`
	ServiceState            string              `xml:"serviceState"`
	AvailabilityZones       []string            `xml:"availabilityZoneSet>item"`
	AcceptanceRequired      bool                `xml:"acceptanceRequired"`
	ManagesVpcEndpoints     bool                `xml:"managesVpcEndpoints"`
	NetworkLoadBalancerARNs []string            `xml:"networkLoadBalancerArnSet>item"`
	SupportedIPAddressTypes []string            `xml:"supportedIpAddressTypeSet>item"`
	BaseEndpointDNSNames    []string            `xml:"baseEndpointDnsNameSet>item"`
	Tags                    []Tag               `xml:"tagSet>item,omitempty"`
}

type ServiceTypeDetail struct {
	ServiceType string `xml:"serviceType"`
}

func (s *Service) DescribeVpcEndpointServiceConfigurations(ctx context.Context, in *DescribeVpcEndpointServiceConfigurationsInput) (*DescribeVpcEndpointServiceConfigurationsOutput, error) {
	if err := checkFilters(in.Filters, endpointServiceFields(&model.EndpointService{})); err != nil {
		return nil, err
	}
	out := &DescribeVpcEndpointServiceConfigurationsOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		services, err := endpointServicesByID(tx, in.ServiceIDs)
		if err != nil {
			return err
		}
		for _, es := range services {
			ok, err := matchFilters(in.Filters, endpointServiceFields(es))
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			cfg, err := serviceConfiguration(tx, es)
			if err != nil {
				return err
			}
			out.ServiceConfigurations = append(out.ServiceConfigurations, cfg)
		}
		return nil
	})
	return out, err
}

// endpointServicesByID lists the services asked for, all of them if none,
// failing on the first id that names nothing, as EC2 does.
func endpointServicesByID(tx model.Tx, ids []string) ([]*model.EndpointService, error) {
	if len(ids) == 0 {
		return model.List[model.EndpointService](tx)
	}
	var out []*model.EndpointService
	for _, id := range ids {
		es, ok, err := model.Get[model.EndpointService](tx, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, api.BadRequest("InvalidVpcEndpointServiceId.NotFound", "The Vpc Endpoint Service Id '%s' does not exist", id)
		}
		out = append(out, es)
	}
	return out, nil
}

func endpointServiceFields(es *model.EndpointService) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "service-id":
			return []string{es.ID}, true
		case "service-name":
			return []string{es.ServiceName}, true
		case "service-state":
			return []string{es.State}, true
		case "service-type":
			return []string{"Interface"}, true
		}
		return tagFields(es.Tags, name)
	}
}

// serviceConfiguration describes es, with the zones of its load balancers'
// subnets: an endpoint service is offered where its NLBs are.
func serviceConfiguration(tx model.Tx, es *model.EndpointService) (ServiceConfiguration, error) {
	zones := map[string]bool{}
	for _, arn := range es.NetworkLoadBalancers {
		lb, ok, err := model.Get[model.LoadBalancer](tx, arn)
		if err != nil {
			return ServiceConfiguration{}, err
		}
		if !ok {
			continue
		}
		for _, id := range lb.Subnets {
			sn, ok, err := model.Get[model.Subnet](tx, id)
			if err != nil {
				return ServiceConfiguration{}, err
			}
			if ok {
				zones[sn.AvailabilityZone] = true
			}
		}
	}
	cfg := ServiceConfiguration{
		ServiceType:             []ServiceTypeDetail{{ServiceType: "Interface"}},
		ServiceID:               es.ID,
		ServiceName:             es.ServiceName,
		ServiceState:            es.State,
		AcceptanceRequired:      es.AcceptanceRequired,
		NetworkLoadBalancerARNs: es.NetworkLoadBalancers,
		SupportedIPAddressTypes: []string{"ipv4"},
		BaseEndpointDNSNames:    []string{es.ID + "." + tx.Region + ".vpce.amazonaws.com"},
	}
	for z := range zones {
		cfg.AvailabilityZones = append(cfg.AvailabilityZones, z)
	}
	sort.Strings(cfg.AvailabilityZones)
	for _, k := range es.Tags.Sorted() {
		cfg.Tags = append(cfg.Tags, Tag{Key: k, Value: es.Tags[k]})
	}
	return cfg, nil
}
