package ec2

import (
	"context"
	"strings"

	"gatehouse/internal/model"
)

type DescribeVpcAttributeInput struct {
	VpcID     string `query:"VpcId,required"`
	Attribute string `query:"Attribute,required"`
}

// DescribeVpcAttributeOutput carries the one attribute asked for; the others
// stay absent, as on AWS.
type DescribeVpcAttributeOutput struct {
	VpcID                            string                 `xml:"vpcId"`
	EnableDNSHostnames               *AttributeBooleanValue `xml:"enableDnsHostnames,omitempty"`
	EnableDNSSupport                 *AttributeBooleanValue `xml:"enableDnsSupport,omitempty"`
	EnableNetworkAddressUsageMetrics *AttributeBooleanValue `xml:"enableNetworkAddressUsageMetrics,omitempty"`
}

type ModifyVpcAttributeInput struct {
	VpcID                            string                 `query:"VpcId,required"`
	EnableDNSHostnames               *AttributeBooleanValue `query:"EnableDnsHostnames"`
	EnableDNSSupport                 *AttributeBooleanValue `query:"EnableDnsSupport"`
	EnableNetworkAddressUsageMetrics *AttributeBooleanValue `query:"EnableNetworkAddressUsageMetrics"`
}

// AttributeBooleanValue is EC2's boxed boolean (<name><value>true</value></name>
// out, Name.Value=true in).
type AttributeBooleanValue struct {
	Value *bool `query:"Value" xml:"value"`
}

func boolValue(b bool) *AttributeBooleanValue { return &AttributeBooleanValue{Value: &b} }

// vpcAttribute is one of a VPC's boolean attributes: how it is read from
// and written to the record.
type vpcAttribute struct {
	get func(*model.VPC) bool
	set func(*model.VPC, bool)
}

var vpcAttributes = map[string]vpcAttribute{
	"enableDnsSupport": {
		get: func(v *model.VPC) bool { return !v.NoDNSSupport },
		set: func(v *model.VPC, b bool) { v.NoDNSSupport = !b },
	},
	"enableDnsHostnames": {
		get: func(v *model.VPC) bool { return v.DNSHostnames },
		set: func(v *model.VPC, b bool) { v.DNSHostnames = b },
	},
	"enableNetworkAddressUsageMetrics": {
		get: func(v *model.VPC) bool { return v.NetworkAddressUsageMetrics },
		set: func(v *model.VPC, b bool) { v.NetworkAddressUsageMetrics = b },
	},
}

func (s *Service) DescribeVpcAttribute(ctx context.Context, in *DescribeVpcAttributeInput) (*DescribeVpcAttributeOutput, error) {
	attr, ok := vpcAttributes[in.Attribute]
	if !ok {
		return nil, invalidValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", in.Attribute)
	}
	out := &DescribeVpcAttributeOutput{VpcID: in.VpcID}
	err := s.view(ctx, func(tx model.Tx) error {
		vpc, err := getVpc(tx, in.VpcID)
		if err != nil {
			return err
		}
		v := boolValue(attr.get(vpc))
		switch in.Attribute {
		case "enableDnsSupport":
			out.EnableDNSSupport = v
		case "enableDnsHostnames":
			out.EnableDNSHostnames = v
		default:
			out.EnableNetworkAddressUsageMetrics = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ModifyVpcAttribute changes exactly one attribute per call, as EC2 insists.
func (s *Service) ModifyVpcAttribute(ctx context.Context, in *ModifyVpcAttributeInput) (*Return, error) {
	var names []string
	var value *AttributeBooleanValue
	for _, a := range []struct {
		name string
		v    *AttributeBooleanValue
	}{
		{"enableDnsSupport", in.EnableDNSSupport},
		{"enableDnsHostnames", in.EnableDNSHostnames},
		{"enableNetworkAddressUsageMetrics", in.EnableNetworkAddressUsageMetrics},
	} {
		if a.v != nil {
			names, value = append(names, a.name), a.v
		}
	}
	switch {
	case len(names) == 0:
		return nil, invalidParameterCombination("No attributes specified.")
	case len(names) > 1:
		return nil, invalidParameterCombination("Fields for multiple attribute types specified: %s", strings.Join(names, ", "))
	case value.Value == nil:
		return nil, missing(upperFirst(names[0]) + ".Value")
	}
	attr := vpcAttributes[names[0]]
	err := s.update(ctx, func(tx model.Tx) error {
		vpc, err := getVpc(tx, in.VpcID)
		if err != nil {
			return err
		}
		attr.set(vpc, *value.Value)
		return model.Put(tx, vpc)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

func getVpc(tx model.Tx, id string) (*model.VPC, error) {
	vpc, ok, err := model.Get[model.VPC](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, vpcNotFound(id)
	}
	return vpc, nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
