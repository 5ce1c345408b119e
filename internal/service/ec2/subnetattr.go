package ec2

import (
	"context"
	"strings"

	"gatehouse/internal/model"
)

type ModifySubnetAttributeInput struct {
	SubnetID                                string                 `query:"SubnetId,required"`
	MapPublicIPOnLaunch                     *AttributeBooleanValue `query:"MapPublicIpOnLaunch"`
	AssignIpv6AddressOnCreation             *AttributeBooleanValue `query:"AssignIpv6AddressOnCreation"`
	EnableDNS64                             *AttributeBooleanValue `query:"EnableDns64"`
	EnableResourceNameDNSARecordOnLaunch    *AttributeBooleanValue `query:"EnableResourceNameDnsARecordOnLaunch"`
	EnableResourceNameDNSAAAARecordOnLaunch *AttributeBooleanValue `query:"EnableResourceNameDnsAAAARecordOnLaunch"`
	PrivateDNSHostnameTypeOnLaunch          *string                `query:"PrivateDnsHostnameTypeOnLaunch"`
	MapCustomerOwnedIPOnLaunch              *AttributeBooleanValue `query:"MapCustomerOwnedIpOnLaunch"`
	CustomerOwnedIPv4Pool                   *string                `query:"CustomerOwnedIpv4Pool"`
	EnableLniAtDeviceIndex                  *int                   `query:"EnableLniAtDeviceIndex"`
	DisableLniAtDeviceIndex                 *AttributeBooleanValue `query:"DisableLniAtDeviceIndex"`
}

// subnetChange is one attribute a ModifySubnetAttribute call names: its name
// as EC2 spells it in errors, and how it changes the subnet's attributes.
type subnetChange struct {
	name  string
	apply func(*model.SubnetAttributes) error
}

// ModifySubnetAttribute changes one attribute per call, as EC2 insists; the
// customer-owned pool and MapCustomerOwnedIpOnLaunch are the one pair it
// takes together.
func (s *Service) ModifySubnetAttribute(ctx context.Context, in *ModifySubnetAttributeInput) (*Return, error) {
	changes, err := subnetChanges(in)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		sn, ok, err := model.Get[model.Subnet](tx, in.SubnetID)
		if err != nil {
			return err
		}
		if !ok {
			return subnetNotFound(in.SubnetID)
		}
		for _, c := range changes {
			if err := c.apply(&sn.SubnetAttributes); err != nil {
				return err
			}
		}
		return model.Put(tx, sn)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

// subnetChanges validates what a call asks to change, before any lookup.
func subnetChanges(in *ModifySubnetAttributeInput) ([]subnetChange, error) {
	var out []subnetChange
	flag := func(name string, v *AttributeBooleanValue, set func(*model.SubnetAttributes, bool) error) {
		if v == nil {
			return
		}
		out = append(out, subnetChange{name, func(a *model.SubnetAttributes) error {
			if v.Value == nil {
				return missing(upperFirst(name) + ".Value")
			}
			return set(a, *v.Value)
		}})
	}
	plain := func(set func(*model.SubnetAttributes, bool)) func(*model.SubnetAttributes, bool) error {
		return func(a *model.SubnetAttributes, b bool) error { set(a, b); return nil }
	}
	flag("mapPublicIpOnLaunch", in.MapPublicIPOnLaunch, plain(func(a *model.SubnetAttributes, b bool) { a.MapPublicIPOnLaunch = b }))
	flag("assignIpv6AddressOnCreation", in.AssignIpv6AddressOnCreation, func(a *model.SubnetAttributes, b bool) error {
		if b {
			return noIPv6("assignIpv6AddressOnCreation")
		}
		a.AssignIPv6AddressOnCreation = false
		return nil
	})
	flag("enableDns64", in.EnableDNS64, plain(func(a *model.SubnetAttributes, b bool) { a.EnableDNS64 = b }))
	flag("enableResourceNameDnsARecordOnLaunch", in.EnableResourceNameDNSARecordOnLaunch,
		plain(func(a *model.SubnetAttributes, b bool) { a.EnableResourceNameDNSARecord = b }))
	flag("enableResourceNameDnsAAAARecordOnLaunch", in.EnableResourceNameDNSAAAARecordOnLaunch,
		plain(func(a *model.SubnetAttributes, b bool) { a.EnableResourceNameDNSAAAARecord = b }))
	if t := in.PrivateDNSHostnameTypeOnLaunch; t != nil {
		if *t != "ip-name" && *t != "resource-name" {
			return nil, invalidValue("Value (%s) for parameter privateDnsHostnameTypeOnLaunch is invalid. Valid values are: ip-name, resource-name.", *t)
		}
		out = append(out, subnetChange{"privateDnsHostnameTypeOnLaunch", func(a *model.SubnetAttributes) error {
			a.HostnameType = *t
			if *t == "ip-name" {
				a.HostnameType = "" // the default, stored as such
			}
			return nil
		}})
	}
	// Customer-owned addresses and local network interfaces belong to
	// Outposts subnets, which gatehouse does not model: they may be turned
	// off, never on.
	outposts := 0
	flag("mapCustomerOwnedIpOnLaunch", in.MapCustomerOwnedIPOnLaunch, func(a *model.SubnetAttributes, b bool) error {
		if b {
			return notOutpost("mapCustomerOwnedIpOnLaunch")
		}
		a.MapCustomerOwnedIPOnLaunch = false
		return nil
	})
	if in.MapCustomerOwnedIPOnLaunch != nil {
		outposts++
	}
	if p := in.CustomerOwnedIPv4Pool; p != nil {
		outposts++
		out = append(out, subnetChange{"customerOwnedIpv4Pool", func(a *model.SubnetAttributes) error {
			if *p != "" {
				return notOutpost("customerOwnedIpv4Pool")
			}
			return nil
		}})
	}
	if n := in.EnableLniAtDeviceIndex; n != nil {
		out = append(out, subnetChange{"enableLniAtDeviceIndex", func(*model.SubnetAttributes) error {
			return notOutpost("enableLniAtDeviceIndex")
		}})
	}
	flag("disableLniAtDeviceIndex", in.DisableLniAtDeviceIndex, plain(func(a *model.SubnetAttributes, b bool) {
		if b {
			a.EnableLniAtDeviceIndex = 0
		}
	}))

	switch {
	case len(out) == 0:
		return nil, invalidParameterCombination("No attributes specified.")
	case len(out) > 1 && !(len(out) == 2 && outposts == 2):
		names := make([]string, len(out))
		for i, c := range out {
			names[i] = c.name
		}
		return nil, invalidParameterCombination("Fields for multiple attribute types specified: %s", strings.Join(names, ", "))
	}
	return out, nil
}

func noIPv6(param string) error {
	return invalidValue("Invalid value 'true' for %s: the subnet has no IPv6 CIDR block (gatehouse models IPv4 only).", param)
}

func notOutpost(param string) error {
	return invalidParameter("%s applies to subnets on an Outpost, which gatehouse does not model.", param)
}
