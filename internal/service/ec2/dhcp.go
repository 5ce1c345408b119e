package ec2

import (
	"context"
	"slices"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// DHCP options sets. Each region has a default set (the domain name of the
// region's private DNS and AmazonProvidedDNS), made with the scope's
// default VPC and recorded in the scope's marker; new VPCs are associated
// with it. A VPC with no set is described with dhcpOptionsId "default",
// and AssociateDhcpOptions with "default" leaves a VPC with none.

type CreateDhcpOptionsInput struct {
	Configurations    []NewDhcpConfiguration `query:"DhcpConfiguration"`
	TagSpecifications []TagSpecification     `query:"TagSpecification"`
}

// NewDhcpConfiguration is one option as CreateDhcpOptions takes it.
type NewDhcpConfiguration struct {
	Key    string   `query:"Key"`
	Values []string `query:"Value"`
}

type CreateDhcpOptionsOutput struct {
	DhcpOptions DhcpOptions `xml:"dhcpOptions"`
}

type DescribeDhcpOptionsInput struct {
	DhcpOptionsIDs []string `query:"DhcpOptionsId"`
	Filters        []Filter `query:"Filter"`
}

type DescribeDhcpOptionsOutput struct {
	DhcpOptions set[DhcpOptions] `xml:"dhcpOptionsSet"`
}

type DeleteDhcpOptionsInput struct {
	DhcpOptionsID string `query:"DhcpOptionsId,required"`
}

type AssociateDhcpOptionsInput struct {
	DhcpOptionsID string `query:"DhcpOptionsId,required"`
	VpcID         string `query:"VpcId,required"`
}

// DhcpOptions is the set as EC2 describes it.
type DhcpOptions struct {
	Configurations set[DhcpConfiguration] `xml:"dhcpConfigurationSet"`
	DhcpOptionsID  string                 `xml:"dhcpOptionsId"`
	OwnerID        string                 `xml:"ownerId"`
	Tags           set[Tag]               `xml:"tagSet"`
}

type DhcpConfiguration struct {
	Key    string              `xml:"key"`
	Values set[AttributeValue] `xml:"valueSet"`
}

// AttributeValue is EC2's <value> wrapper.
type AttributeValue struct {
	Value string `xml:"value"`
}

// noDhcpOptions is the id EC2 shows for, and takes to mean, no set.
const noDhcpOptions = "default"

// dhcpKeys are the options a set may carry, in the order EC2 lists them.
var dhcpKeys = []string{"domain-name", "domain-name-servers", "ntp-servers", "netbios-name-servers", "netbios-node-type", "ipv6-address-preferred-lease-time"}

func dhcpNotFound(id string) error {
	return api.BadRequest("InvalidDhcpOptionID.NotFound", "The dhcpOption ID '%s' does not exist", id)
}

func checkDhcpID(id string) error {
	if !wellFormedID(id, "dopt") {
		return api.BadRequest("InvalidDhcpOptionsId.Malformed", "Invalid id: %q (expecting \"dopt-...\")", id)
	}
	return nil
}

func getDhcp(tx model.Tx, id string) (*model.DHCPOptions, error) {
	if err := checkDhcpID(id); err != nil {
		return nil, err
	}
	d, ok, err := model.Get[model.DHCPOptions](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, dhcpNotFound(id)
	}
	return d, nil
}

// privateDNSDomain is the domain name of a region's private DNS, which its
// default set hands out.
func privateDNSDomain(region string) string {
	if region == "us-east-1" {
		return "ec2.internal"
	}
	return region + ".compute.internal"
}

// defaultDhcpOptions is a region's default set.
func defaultDhcpOptions(region string) *model.DHCPOptions {
	return &model.DHCPOptions{
		ID: api.NewID("dopt"),
		Configurations: []model.DHCPConfiguration{
			{Key: "domain-name", Values: []string{privateDNSDomain(region)}},
			{Key: "domain-name-servers", Values: []string{"AmazonProvidedDNS"}},
		},
		Tags: model.Tags{},
	}
}

// regionDhcpOptions is the id of the scope's default set while it exists,
// which a new VPC is associated with; else "" (none).
func regionDhcpOptions(tx model.Tx) (string, error) {
	marker, ok, err := model.Get[defaultsMarker](tx, model.EC2DefaultsKey)
	if err != nil || !ok || marker.DhcpOptionsID == "" {
		return "", err
	}
	_, ok, err = model.Get[model.DHCPOptions](tx, marker.DhcpOptionsID)
	if err != nil || !ok {
		return "", err
	}
	return marker.DhcpOptionsID, nil
}

// dhcpConfigurations checks CreateDhcpOptions' options and gathers each
// key's values; a value may list several, comma-separated, as EC2 allows.
func dhcpConfigurations(in []NewDhcpConfiguration) ([]model.DHCPConfiguration, error) {
	if len(in) == 0 {
		return nil, missing("DhcpConfiguration")
	}
	values := map[string][]string{}
	for _, c := range in {
		if !slices.Contains(dhcpKeys, c.Key) {
			return nil, invalidValue("Value (%s) for parameter key is invalid. Unknown DHCP option", c.Key)
		}
		for _, v := range c.Values {
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					values[c.Key] = append(values[c.Key], part)
				}
			}
		}
		if len(values[c.Key]) == 0 {
			return nil, invalidValue("Value for parameter %s is empty", c.Key)
		}
	}
	var out []model.DHCPConfiguration
	for _, k := range dhcpKeys {
		if vs, ok := values[k]; ok {
			out = append(out, model.DHCPConfiguration{Key: k, Values: vs})
		}
	}
	return out, nil
}

func (s *Service) CreateDhcpOptions(ctx context.Context, in *CreateDhcpOptionsInput) (*CreateDhcpOptionsOutput, error) {
	configs, err := dhcpConfigurations(in.Configurations)
	if err != nil {
		return nil, err
	}
	tags, err := tagsFor(ctx, in.TagSpecifications, "dhcp-options")
	if err != nil {
		return nil, err
	}
	d := &model.DHCPOptions{ID: api.NewID("dopt"), Configurations: configs, Tags: tags}
	if err := s.update(ctx, func(tx model.Tx) error { return model.Put(tx, d) }); err != nil {
		return nil, err
	}
	return &CreateDhcpOptionsOutput{DhcpOptions: dhcpShape(ctx, d)}, nil
}

func (s *Service) DescribeDhcpOptions(ctx context.Context, in *DescribeDhcpOptionsInput) (*DescribeDhcpOptionsOutput, error) {
	for _, id := range in.DhcpOptionsIDs {
		if err := checkDhcpID(id); err != nil {
			return nil, err
		}
	}
	if err := checkFilters(in.Filters, dhcpFields(ctx, &model.DHCPOptions{})); err != nil {
		return nil, err
	}
	out := &DescribeDhcpOptionsOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		sets, err := byIDs[model.DHCPOptions](tx, in.DhcpOptionsIDs, dhcpNotFound)
		if err != nil {
			return err
		}
		for _, d := range sets {
			if ok, err := matchFilters(in.Filters, dhcpFields(ctx, d)); err != nil {
				return err
			} else if ok {
				out.DhcpOptions.Items = append(out.DhcpOptions.Items, dhcpShape(ctx, d))
			}
		}
		return nil
	})
	return out, err
}

func dhcpFields(ctx context.Context, d *model.DHCPOptions) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "dhcp-options-id":
			return []string{d.ID}, true
		case "owner-id":
			return []string{api.MetaFrom(ctx).Account}, true
		case "key":
			var out []string
			for _, c := range d.Configurations {
				out = append(out, c.Key)
			}
			return out, true
		case "value":
			var out []string
			for _, c := range d.Configurations {
				out = append(out, c.Values...)
			}
			return out, true
		}
		return tagFields(d.Tags, name)
	}
}

// DeleteDhcpOptions deletes a set no VPC is associated with.
func (s *Service) DeleteDhcpOptions(ctx context.Context, in *DeleteDhcpOptionsInput) (*Return, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		if err := checkDhcpID(in.DhcpOptionsID); err != nil {
			return err
		}
		d, ok, err := model.Get[model.DHCPOptions](tx, in.DhcpOptionsID)
		if err != nil {
			return err
		}
		if !ok {
			return api.BadRequest("InvalidDhcpOptionsID.NotFound", "The dhcpOptions ID '%s' does not exist", in.DhcpOptionsID)
		}
		inUse := false
		err = model.Scan[model.VPC](tx, "", func(v *model.VPC) bool {
			inUse = v.DhcpOptionsID == d.ID
			return !inUse
		})
		if err != nil {
			return err
		}
		if inUse {
			return dependency("The dhcpOptions '%s' has dependencies and cannot be deleted.", d.ID)
		}
		return model.Delete(tx, d)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

// AssociateDhcpOptions gives a VPC a set, or with "default" none.
func (s *Service) AssociateDhcpOptions(ctx context.Context, in *AssociateDhcpOptionsInput) (*Return, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		vpc, ok, err := model.Get[model.VPC](tx, in.VpcID)
		if err != nil {
			return err
		}
		if !ok {
			return vpcNotFound(in.VpcID)
		}
		id := ""
		if in.DhcpOptionsID != noDhcpOptions {
			d, err := getDhcp(tx, in.DhcpOptionsID)
			if err != nil {
				return err
			}
			id = d.ID
		}
		vpc.DhcpOptionsID = id
		return model.Put(tx, vpc)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

func dhcpShape(ctx context.Context, d *model.DHCPOptions) DhcpOptions {
	out := DhcpOptions{DhcpOptionsID: d.ID, OwnerID: api.MetaFrom(ctx).Account, Tags: tagList(d.Tags)}
	for _, c := range d.Configurations {
		vals := make([]AttributeValue, 0, len(c.Values))
		for _, v := range c.Values {
			vals = append(vals, AttributeValue{Value: v})
		}
		out.Configurations.Items = append(out.Configurations.Items, DhcpConfiguration{Key: c.Key, Values: setOf(vals)})
	}
	return out
}

// vpcDhcpOptions is the id a VPC is described with.
func vpcDhcpOptions(v *model.VPC) string {
	if v.DhcpOptionsID == "" {
		return noDhcpOptions
	}
	return v.DhcpOptionsID
}
