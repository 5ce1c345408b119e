package elbv2

import (
	"context"

	"gatehouse/internal/model"
)

type SetSubnetsInput struct {
	LoadBalancerArn string          `query:"LoadBalancerArn,required"`
	Subnets         []string        `query:"Subnets"`
	SubnetMappings  []SubnetMapping `query:"SubnetMappings"`
	IPAddressType   string          `query:"IpAddressType"`
}

type SetSubnetsOutput struct {
	AvailabilityZones []AvailabilityZone `xml:"AvailabilityZones>member"`
	IPAddressType     string             `xml:"IpAddressType"`
}

// SetSubnets moves a balancer to a new set of subnets: a node (its
// requester-managed interface) stays, address and all, in each subnet it
// keeps, a new one is placed in each subnet it gains, and the node of
// each subnet it leaves is removed. The subnets are checked as
// CreateLoadBalancer checks them, and must be in the balancer's VPC.
func (s *Service) SetSubnets(ctx context.Context, in *SetSubnetsInput) (*SetSubnetsOutput, error) {
	if len(in.Subnets) > 0 && len(in.SubnetMappings) > 0 {
		return nil, validation("You can specify subnets or subnet mappings, not both")
	}
	mappings := in.SubnetMappings
	for _, id := range in.Subnets {
		mappings = append(mappings, SubnetMapping{SubnetID: id})
	}
	if len(mappings) == 0 {
		return nil, validation("At least one subnet must be specified")
	}
	if in.IPAddressType != "" && in.IPAddressType != "ipv4" {
		return nil, validation("IP address type '%s' is not supported: gatehouse models ipv4", in.IPAddressType)
	}
	out := &SetSubnetsOutput{}
	err := s.update(ctx, func(tx model.Tx) error {
		lb, ok, err := model.Get[model.LoadBalancer](tx, in.LoadBalancerArn)
		if err != nil {
			return err
		}
		if !ok {
			return lbNotFound()
		}
		subnets, err := s.subnetsOf(tx, mappings)
		if err != nil {
			return err
		}
		if subnets[0].VpcID != lb.VpcID {
			return invalidConfig("The subnets must all belong to the same VPC")
		}
		if lb.Type == "application" && len(azs(subnets)) < 2 {
			return validation("At least two subnets in two different Availability Zones must be specified")
		}
		kept := map[string]bool{}
		var ids []string
		for i, sn := range subnets {
			kept[sn.ID] = true
			ids = append(ids, sn.ID)
			if lb.Interfaces[sn.ID] != "" {
				continue
			}
			eni, err := s.nodeInterface(tx, lb, sn, mappings[i].PrivateIPv4Address)
			if err != nil {
				return err
			}
			lb.Interfaces[sn.ID] = eni.ID
		}
		for _, sn := range lb.Subnets {
			if kept[sn] {
				continue
			}
			if err := model.Delete(tx, model.NetworkInterface{ID: lb.Interfaces[sn]}); err != nil {
				return err
			}
			delete(lb.Interfaces, sn)
		}
		lb.Subnets = ids
		if err := model.Put(tx, lb); err != nil {
			return err
		}
		shape := lbShape(tx, lb)
		out.AvailabilityZones, out.IPAddressType = shape.AvailabilityZones, shape.IPAddressType
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
