package ec2

import (
	"context"
	"strconv"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

type CreateSubnetInput struct {
	VpcID              string             `query:"VpcId,required"`
	CidrBlock          string             `query:"CidrBlock"`
	AvailabilityZone   string             `query:"AvailabilityZone"`
	AvailabilityZoneID string             `query:"AvailabilityZoneId"`
	TagSpecifications  []TagSpecification `query:"TagSpecification"`
}

type CreateSubnetOutput struct {
	Subnet Subnet `xml:"subnet"`
}

type DescribeSubnetsInput struct {
	SubnetIDs []string `query:"SubnetId"`
	Filters   []Filter `query:"Filter"`
}

type DescribeSubnetsOutput struct {
	Subnets []Subnet `xml:"subnetSet>item"`
}

type DeleteSubnetInput struct {
	SubnetID string `query:"SubnetId,required"`
}

// Subnet is the subnet as EC2 describes it.
type Subnet struct {
	SubnetID                    string             `xml:"subnetId"`
	SubnetArn                   string             `xml:"subnetArn"`
	State                       string             `xml:"state"`
	VpcID                       string             `xml:"vpcId"`
	OwnerID                     string             `xml:"ownerId"`
	CidrBlock                   string             `xml:"cidrBlock"`
	Ipv6CidrBlockAssociations   ipv6AssociationSet `xml:"ipv6CidrBlockAssociationSet"`
	AvailableIPAddressCount     int                `xml:"availableIpAddressCount"`
	AvailabilityZone            string             `xml:"availabilityZone"`
	AvailabilityZoneID          string             `xml:"availabilityZoneId"`
	DefaultForAz                bool               `xml:"defaultForAz"`
	MapPublicIPOnLaunch         bool               `xml:"mapPublicIpOnLaunch"`
	MapCustomerOwnedIPOnLaunch  bool               `xml:"mapCustomerOwnedIpOnLaunch"`
	CustomerOwnedIPv4Pool       string             `xml:"customerOwnedIpv4Pool,omitempty"`
	AssignIpv6AddressOnCreation bool               `xml:"assignIpv6AddressOnCreation"`
	Ipv6Native                  bool               `xml:"ipv6Native"`
	EnableDNS64                 bool               `xml:"enableDns64"`
	EnableLniAtDeviceIndex      int                `xml:"enableLniAtDeviceIndex,omitempty"`
	PrivateDNSNameOptions       DNSNameOptions     `xml:"privateDnsNameOptionsOnLaunch"`
	BlockPublicAccessStates     blockPublicAccess  `xml:"blockPublicAccessStates"`
	Tags                        []Tag              `xml:"tagSet>item,omitempty"`
}

// ipv6AssociationSet is the subnet's IPv6 blocks: always sent, always empty
// (gatehouse models IPv4 only), because clients index it without looking.
type ipv6AssociationSet struct {
	Items []struct{} `xml:"item"`
}

// blockPublicAccess is the VPC Block Public Access mode a subnet is under;
// gatehouse has no internet gateways, so it is always off.
type blockPublicAccess struct {
	InternetGatewayBlockMode string `xml:"internetGatewayBlockMode"`
}

// DNSNameOptions says how instances launched in a subnet are named.
type DNSNameOptions struct {
	HostnameType                    string `xml:"hostnameType"`
	EnableResourceNameDNSARecord    bool   `xml:"enableResourceNameDnsARecord"`
	EnableResourceNameDNSAAAARecord bool   `xml:"enableResourceNameDnsAAAARecord"`
}

// Subnet netmasks AWS allows, the same range as a VPC's.
const minSubnetBits, maxSubnetBits = 16, 28

func (s *Service) CreateSubnet(ctx context.Context, in *CreateSubnetInput) (*CreateSubnetOutput, error) {
	if in.CidrBlock == "" {
		return nil, missing("CidrBlock")
	}
	p, ok := network.ParseCIDR(in.CidrBlock)
	if !ok {
		return nil, invalidCIDR("cidrBlock", in.CidrBlock)
	}
	z, err := subnetZone(api.MetaFrom(ctx).Region, in.AvailabilityZone, in.AvailabilityZoneID)
	if err != nil {
		return nil, err
	}
	tags, err := tagsFor(ctx, in.TagSpecifications, "subnet")
	if err != nil {
		return nil, err
	}
	sn := &model.Subnet{ID: api.NewID("subnet"), VpcID: in.VpcID, CidrBlock: p.String(), AvailabilityZone: z.Name, Tags: tags}
	err = s.update(ctx, func(tx model.Tx) error {
		vpc, ok, err := model.Get[model.VPC](tx, in.VpcID)
		if err != nil {
			return err
		}
		if !ok {
			return vpcNotFound(in.VpcID)
		}
		vp, ok := network.ParseCIDR(vpc.CidrBlock)
		if !ok || !network.Contains(vp, p) || p.Bits() < minSubnetBits || p.Bits() > maxSubnetBits {
			return subnetRange(in.CidrBlock)
		}
		subnets, err := model.List[model.Subnet](tx)
		if err != nil {
			return err
		}
		for _, other := range subnets {
			if other.VpcID != vpc.ID {
				continue
			}
			if op, ok := network.ParseCIDR(other.CidrBlock); ok && network.Overlaps(op, p) {
				return subnetConflict(in.CidrBlock)
			}
		}
		return putSubnet(tx, sn)
	})
	if err != nil {
		return nil, err
	}
	return &CreateSubnetOutput{Subnet: subnetShape(ctx, sn, 0)}, nil
}

// subnetZone resolves the zone a new subnet goes in: the one named, by name
// or id, or else the region's first (AWS picks one for you; gatehouse picks
// predictably).
func subnetZone(region, name, id string) (zone, error) {
	zs := zonesOf(region)
	if name == "" && id == "" {
		return zs[0], nil
	}
	if z, ok := findZone(region, name, id); ok {
		return z, nil
	}
	param, value, list := "availabilityZone", name, zoneNames(zs, false)
	if name == "" {
		param, value, list = "availabilityZoneId", id, zoneNames(zs, true)
	} else if _, ok := findZone(region, name, ""); ok {
		// The name exists but the id names a different zone.
		return zone{}, invalidParameterCombination("The parameters availabilityZone (%s) and availabilityZoneId (%s) refer to different zones.", name, id)
	}
	return zone{}, invalidValue("Value (%s) for parameter %s is invalid. Subnets can currently only be created in the following availability zones: %s.", value, param, list)
}

func zoneNames(zs []zone, ids bool) string {
	out := make([]string, len(zs))
	for i, z := range zs {
		out[i] = z.Name
		if ids {
			out[i] = z.ID
		}
	}
	return strings.Join(out, ", ")
}

func (s *Service) DescribeSubnets(ctx context.Context, in *DescribeSubnetsInput) (*DescribeSubnetsOutput, error) {
	if err := checkFilters(in.Filters, subnetFields(ctx, &model.Subnet{}, 0)); err != nil {
		return nil, err
	}
	out := &DescribeSubnetsOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		subnets, err := byIDs[model.Subnet](tx, in.SubnetIDs, subnetNotFound)
		if err != nil {
			return err
		}
		inUse, err := interfacesPerSubnet(tx)
		if err != nil {
			return err
		}
		for _, sn := range subnets {
			if ok, err := matchFilters(in.Filters, subnetFields(ctx, sn, inUse[sn.ID])); err != nil {
				return err
			} else if ok {
				out.Subnets = append(out.Subnets, subnetShape(ctx, sn, inUse[sn.ID]))
			}
		}
		return nil
	})
	return out, err
}

// interfacesPerSubnet counts the interfaces in each subnet with one scan,
// rather than one per subnet described.
func interfacesPerSubnet(tx model.Tx) (map[string]int, error) {
	enis, err := model.List[model.NetworkInterface](tx)
	if err != nil {
		return nil, err
	}
	n := map[string]int{}
	for _, e := range enis {
		n[e.SubnetID]++
	}
	return n, nil
}

func subnetFields(ctx context.Context, sn *model.Subnet, enis int) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "subnet-id":
			return []string{sn.ID}, true
		case "subnet-arn":
			return []string{subnetArn(ctx, sn.ID)}, true
		case "vpc-id":
			return []string{sn.VpcID}, true
		case "cidr-block", "cidr", "cidrBlock":
			return []string{sn.CidrBlock}, true
		case "availability-zone", "availabilityZone":
			return []string{sn.AvailabilityZone}, true
		case "availability-zone-id", "availabilityZoneId":
			return []string{zoneID(ctx, sn.AvailabilityZone)}, true
		case "state":
			return []string{"available"}, true
		case "owner-id":
			return []string{api.MetaFrom(ctx).Account}, true
		case "available-ip-address-count":
			return []string{strconv.Itoa(available(sn, enis))}, true
		case "default-for-az", "defaultForAz":
			return []string{strconv.FormatBool(sn.DefaultForAz)}, true
		case "map-public-ip-on-launch":
			return []string{strconv.FormatBool(sn.MapPublicIPOnLaunch)}, true
		case "map-customer-owned-ip-on-launch":
			return []string{strconv.FormatBool(sn.MapCustomerOwnedIPOnLaunch)}, true
		case "assign-ipv6-address-on-creation":
			return []string{strconv.FormatBool(sn.AssignIPv6AddressOnCreation)}, true
		case "enable-dns64":
			return []string{strconv.FormatBool(sn.EnableDNS64)}, true
		case "private-dns-name-options-on-launch.hostname-type":
			return []string{hostnameType(sn.SubnetAttributes)}, true
		case "private-dns-name-options-on-launch.enable-resource-name-dns-a-record":
			return []string{strconv.FormatBool(sn.EnableResourceNameDNSARecord)}, true
		case "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record":
			return []string{strconv.FormatBool(sn.EnableResourceNameDNSAAAARecord)}, true
		case "ipv6-native":
			return []string{"false"}, true
		}
		return tagFields(sn.Tags, name)
	}
}

func (s *Service) DeleteSubnet(ctx context.Context, in *DeleteSubnetInput) (*Return, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		sn, ok, err := model.Get[model.Subnet](tx, in.SubnetID)
		if err != nil {
			return err
		}
		if !ok {
			return subnetNotFound(in.SubnetID)
		}
		enis, err := model.InterfacesInSubnet(tx, sn.ID)
		if err != nil {
			return err
		}
		if len(enis) > 0 {
			return dependency("The subnet '%s' has dependencies and cannot be deleted.", sn.ID)
		}
		if err := leaveSubnet(tx, sn.ID); err != nil {
			return err
		}
		return model.Delete(tx, sn)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

// available is the subnet's free address count as EC2 reports it: usable
// addresses less those its interfaces hold.
func available(sn *model.Subnet, enis int) int {
	p, ok := network.ParseCIDR(sn.CidrBlock)
	if !ok {
		return 0
	}
	return max(network.Usable(p)-enis, 0)
}

func subnetArn(ctx context.Context, id string) string {
	m := api.MetaFrom(ctx)
	return api.ARN("ec2", m.Region, m.Account, "subnet/"+id)
}

// zoneID maps a zone name of the request's region to its id.
func zoneID(ctx context.Context, name string) string {
	z, _ := findZone(api.MetaFrom(ctx).Region, name, "")
	return z.ID
}

func subnetShape(ctx context.Context, sn *model.Subnet, enis int) Subnet {
	a := sn.SubnetAttributes
	return Subnet{
		SubnetID:                    sn.ID,
		SubnetArn:                   subnetArn(ctx, sn.ID),
		State:                       "available",
		VpcID:                       sn.VpcID,
		OwnerID:                     api.MetaFrom(ctx).Account,
		CidrBlock:                   sn.CidrBlock,
		AvailableIPAddressCount:     available(sn, enis),
		AvailabilityZone:            sn.AvailabilityZone,
		AvailabilityZoneID:          zoneID(ctx, sn.AvailabilityZone),
		DefaultForAz:                sn.DefaultForAz,
		MapPublicIPOnLaunch:         a.MapPublicIPOnLaunch,
		MapCustomerOwnedIPOnLaunch:  a.MapCustomerOwnedIPOnLaunch,
		CustomerOwnedIPv4Pool:       a.CustomerOwnedIPv4Pool,
		AssignIpv6AddressOnCreation: a.AssignIPv6AddressOnCreation,
		EnableDNS64:                 a.EnableDNS64,
		EnableLniAtDeviceIndex:      a.EnableLniAtDeviceIndex,
		PrivateDNSNameOptions: DNSNameOptions{
			HostnameType:                    hostnameType(a),
			EnableResourceNameDNSARecord:    a.EnableResourceNameDNSARecord,
			EnableResourceNameDNSAAAARecord: a.EnableResourceNameDNSAAAARecord,
		},
		BlockPublicAccessStates: blockPublicAccess{InternetGatewayBlockMode: "off"},
		Tags:                    tagSet(sn.Tags),
	}
}

// hostnameType is how instances launched in the subnet are named: by IP
// unless the subnet says by resource.
func hostnameType(a model.SubnetAttributes) string {
	if a.HostnameType == "" {
		return "ip-name"
	}
	return a.HostnameType
}
