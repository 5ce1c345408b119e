package ec2

import (
	"context"
	"strconv"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

type CreateVpcInput struct {
	CidrBlock         string             `query:"CidrBlock"`
	InstanceTenancy   string             `query:"InstanceTenancy"`
	TagSpecifications []TagSpecification `query:"TagSpecification"`
}

type CreateVpcOutput struct {
	Vpc Vpc `xml:"vpc"`
}

type DescribeVpcsInput struct {
	VpcIDs  []string `query:"VpcId"`
	Filters []Filter `query:"Filter"`
}

type DescribeVpcsOutput struct {
	Vpcs []Vpc `xml:"vpcSet>item"`
}

type DeleteVpcInput struct {
	VpcID string `query:"VpcId,required"`
}

// Vpc is the VPC as EC2 describes it.
type Vpc struct {
	VpcID           string            `xml:"vpcId"`
	OwnerID         string            `xml:"ownerId"`
	State           string            `xml:"state"`
	CidrBlock       string            `xml:"cidrBlock"`
	CidrAssociation []CidrAssociation `xml:"cidrBlockAssociationSet>item"`
	DhcpOptionsID   string            `xml:"dhcpOptionsId"`
	InstanceTenancy string            `xml:"instanceTenancy"`
	IsDefault       bool              `xml:"isDefault"`
	Tags            []Tag             `xml:"tagSet>item,omitempty"`
}

type CidrAssociation struct {
	AssociationID string `xml:"associationId"`
	CidrBlock     string `xml:"cidrBlock"`
	State         string `xml:"cidrBlockState>state"`
}

// VPC netmasks AWS allows.
const minVpcBits, maxVpcBits = 16, 28

func (s *Service) CreateVpc(ctx context.Context, in *CreateVpcInput) (*CreateVpcOutput, error) {
	if in.CidrBlock == "" {
		return nil, missing("CidrBlock")
	}
	p, ok := network.ParseCIDR(in.CidrBlock)
	if !ok {
		return nil, invalidCIDR("cidrBlock", in.CidrBlock)
	}
	if p.Bits() < minVpcBits || p.Bits() > maxVpcBits {
		return nil, api.BadRequest("InvalidVpc.Range", "The CIDR '%s' is invalid.", in.CidrBlock)
	}
	if in.InstanceTenancy == "" {
		in.InstanceTenancy = "default"
	}
	if in.InstanceTenancy != "default" && in.InstanceTenancy != "dedicated" {
		return nil, invalidValue("Value (%s) for parameter instanceTenancy is invalid.", in.InstanceTenancy)
	}
	tags, err := tagsFor(ctx, in.TagSpecifications, "vpc")
	if err != nil {
		return nil, err
	}
	vpc := &model.VPC{ID: api.NewID("vpc"), CidrBlock: p.String(), State: "available", InstanceTenancy: in.InstanceTenancy, Tags: tags}
	err = s.update(ctx, func(tx model.Tx) error {
		dhcp, err := regionDhcpOptions(tx)
		if err != nil {
			return err
		}
		vpc.DhcpOptionsID = dhcp
		for _, rec := range furnish(vpc) {
			if err := model.Put(tx, rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateVpcOutput{Vpc: vpcShape(ctx, vpc)}, nil
}

// furnish returns vpc and the records AWS creates with every VPC, in the
// order to store them; it sets the VPC's references to them.
func furnish(vpc *model.VPC) []model.Record {
	sg := defaultGroup(vpc.ID)
	vpc.DefaultSecurityGroup = sg.ID
	return []model.Record{vpc, sg, defaultACL(vpc.ID), mainRouteTable(vpc)}
}

// defaultGroup is the group every VPC is born with: all traffic from its own
// members in, all traffic out.
func defaultGroup(vpcID string) *model.SecurityGroup {
	id := api.NewID("sg")
	return &model.SecurityGroup{
		ID:          id,
		VpcID:       vpcID,
		Name:        "default",
		Description: "default VPC security group",
		Ingress:     []model.Rule{{ID: api.NewID("sgr"), Protocol: "-1", FromPort: -1, ToPort: -1, GroupID: id}},
		Egress:      []model.Rule{allEgress()},
	}
}

// allEgress is the rule every new group gets: everything out, anywhere.
func allEgress() model.Rule {
	return model.Rule{ID: api.NewID("sgr"), Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"}
}

func (s *Service) DescribeVpcs(ctx context.Context, in *DescribeVpcsInput) (*DescribeVpcsOutput, error) {
	out := &DescribeVpcsOutput{}
	if err := checkFilters(in.Filters, vpcFields(&model.VPC{}, "")); err != nil {
		return nil, err
	}
	err := s.view(ctx, func(tx model.Tx) error {
		vpcs, err := byIDs[model.VPC](tx, in.VpcIDs, vpcNotFound)
		if err != nil {
			return err
		}
		for _, v := range vpcs {
			if ok, err := matchFilters(in.Filters, vpcFields(v, api.MetaFrom(ctx).Account)); err != nil {
				return err
			} else if ok {
				out.Vpcs = append(out.Vpcs, vpcShape(ctx, v))
			}
		}
		return nil
	})
	return out, err
}

func vpcFields(v *model.VPC, account string) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "vpc-id":
			return []string{v.ID}, true
		case "cidr", "cidr-block-association.cidr-block":
			return []string{v.CidrBlock}, true
		case "cidr-block-association.association-id":
			return []string{cidrAssociationID(v)}, true
		case "cidr-block-association.state":
			return []string{"associated"}, true
		case "state":
			return []string{v.State}, true
		case "is-default", "isDefault":
			return []string{strconv.FormatBool(v.IsDefault)}, true
		case "owner-id":
			return []string{account}, true
		case "dhcp-options-id":
			return []string{vpcDhcpOptions(v)}, true
		case "instance-tenancy":
			return []string{tenancy(v)}, true
		}
		return tagFields(v.Tags, name)
	}
}

func (s *Service) DeleteVpc(ctx context.Context, in *DeleteVpcInput) (*Return, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		vpc, ok, err := model.Get[model.VPC](tx, in.VpcID)
		if err != nil {
			return err
		}
		if !ok {
			return vpcNotFound(in.VpcID)
		}
		subnets, err := model.List[model.Subnet](tx)
		if err != nil {
			return err
		}
		for _, sn := range subnets {
			if sn.VpcID == vpc.ID {
				return dependency("The vpc '%s' has dependencies and cannot be deleted.", vpc.ID)
			}
		}
		groups, err := model.List[model.SecurityGroup](tx)
		if err != nil {
			return err
		}
		for _, g := range groups {
			if g.VpcID == vpc.ID && g.ID != vpc.DefaultSecurityGroup {
				return dependency("The vpc '%s' has dependencies and cannot be deleted.", vpc.ID)
			}
		}
		if err := deleteVpcNet(tx, vpc.ID); err != nil {
			return err
		}
		if err := model.Delete(tx, model.SecurityGroup{ID: vpc.DefaultSecurityGroup}); err != nil {
			return err
		}
		return model.Delete(tx, vpc)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

func vpcShape(ctx context.Context, v *model.VPC) Vpc {
	return Vpc{
		VpcID:     v.ID,
		OwnerID:   api.MetaFrom(ctx).Account,
		State:     v.State,
		CidrBlock: v.CidrBlock,
		CidrAssociation: []CidrAssociation{{
			AssociationID: cidrAssociationID(v),
			CidrBlock:     v.CidrBlock,
			State:         "associated",
		}},
		DhcpOptionsID:   vpcDhcpOptions(v),
		InstanceTenancy: tenancy(v),
		IsDefault:       v.IsDefault,
		Tags:            tagSet(v.Tags),
	}
}

// byIDs returns the records with the given ids, in the order asked, failing
// with notFound on the first unknown one; with no ids, every record.
func byIDs[T any, P interface {
	*T
	model.Record
}](tx model.Tx, ids []string, notFound func(string) error) ([]*T, error) {
	if len(ids) == 0 {
		return model.List[T, P](tx)
	}
	out := make([]*T, 0, len(ids))
	for _, id := range ids {
		rec, ok, err := model.Get[T, P](tx, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, notFound(id)
		}
		out = append(out, rec)
	}
	return out, nil
}

// tenancy is the VPC's instance tenancy; records stored before it was kept
// were all "default".
func tenancy(v *model.VPC) string {
	if v.InstanceTenancy == "" {
		return "default"
	}
	return v.InstanceTenancy
}

// cidrAssociationID is the id of the association of the VPC's one block,
// derived from the VPC's id.
func cidrAssociationID(v *model.VPC) string {
	return "vpc-cidr-assoc-" + strings.TrimPrefix(v.ID, "vpc-")
}
