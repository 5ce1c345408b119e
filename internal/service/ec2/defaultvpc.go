package ec2

import (
	"context"
	"fmt"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// Every AWS account has a default VPC in each region: 172.31.0.0/16 with a
// /20 default subnet in each availability zone. gatehouse gives a scope
// (account and region) its default VPC the first time an EC2 call reaches
// it, in the same store transaction that writes a marker saying so. The
// marker, not the VPC, is what is looked for, so a default VPC the user
// deletes stays deleted until CreateDefaultVpc, as on AWS.

// defaultVpcCIDR is the default VPC's block, and defaultSubnetBits the size
// of its default subnets.
const (
	defaultVpcCIDR    = "172.31.0.0/16"
	defaultSubnetBits = 20
)

type CreateDefaultVpcInput struct{}

type CreateDefaultVpcOutput struct {
	Vpc Vpc `xml:"vpc"`
}

type CreateDefaultSubnetInput struct {
	AvailabilityZone   string `query:"AvailabilityZone"`
	AvailabilityZoneID string `query:"AvailabilityZoneId"`
	Ipv6Native         bool   `query:"Ipv6Native"`
}

type CreateDefaultSubnetOutput struct {
	Subnet Subnet `xml:"subnet"`
}

// Option adjusts the service.
type Option func(*Service)

// WithoutDefaultVpc makes scopes start without a default VPC, for those who
// test how their code copes with an account that has none.
func WithoutDefaultVpc() Option {
	return func(s *Service) { s.noDefaultVpc = true }
}

// defaultsMarker records that a scope's default VPC has been settled:
// made, or (WithoutDefaultVpc) decided against.
type defaultsMarker = model.EC2Defaults

// ensureDefaults settles the scope's default VPC before the call that
// needs it reads or writes anything. Once a scope is settled this process
// remembers it, so the cost is one map lookup per call; the first call
// reads the marker, and only a scope never seen before writes. Two first
// calls at once both write-check the marker inside the store's serialized
// write transaction, so one makes the VPC and the other finds it made.
func (s *Service) ensureDefaults(ctx context.Context) error {
	m := api.MetaFrom(ctx)
	scope := model.Scope{Account: m.Account, Region: m.Region}
	if _, ok := s.settled.Load(scope); ok {
		return nil
	}
	var done bool
	err := model.View(s.store, m.Account, m.Region, func(tx model.Tx) error {
		marker, ok, err := model.Get[defaultsMarker](tx, model.EC2DefaultsKey)
		done = ok && marker.DhcpOptionsID != ""
		return err
	})
	if err == nil && !done {
		err = model.Update(s.store, m.Account, m.Region, func(tx model.Tx) error {
			return settle(tx, m.Region, !s.noDefaultVpc)
		})
	}
	if err != nil {
		return api.Wrap(err)
	}
	s.settled.Store(scope, struct{}{})
	return nil
}

// settle gives a scope what AWS gives every account in a region: the default
// DHCP options set, and (withVpc) the default VPC. A scope settled before
// DHCP options were kept gets its set alone; its VPCs keep none, as they
// were described.
func settle(tx model.Tx, region string, withVpc bool) error {
	marker, ok, err := model.Get[defaultsMarker](tx, model.EC2DefaultsKey)
	if err != nil || ok && marker.DhcpOptionsID != "" {
		return err
	}
	if !ok {
		marker = &defaultsMarker{}
	}
	dhcp := defaultDhcpOptions(region)
	if err := model.Put(tx, dhcp); err != nil {
		return err
	}
	marker.DhcpOptionsID = dhcp.ID
	if !ok && withVpc {
		vpc, err := makeDefaultVpc(tx, region, dhcp.ID)
		if err != nil {
			return err
		}
		marker.VpcID = vpc.ID
	}
	return model.Put(tx, marker)
}

// makeDefaultVpc writes a default VPC, associated with the DHCP options set
// dhcp, with what every VPC has and a default
// subnet in each of the region's zones, in AWS's order: the first zone gets
// 172.31.0.0/20, the next 172.31.16.0/20, and so on.
func makeDefaultVpc(tx model.Tx, region, dhcp string) (*model.VPC, error) {
	vpc := &model.VPC{
		DhcpOptionsID:   dhcp,
		ID:              api.NewID("vpc"),
		CidrBlock:       defaultVpcCIDR,
		State:           "available",
		InstanceTenancy: "default",
		IsDefault:       true,
		DNSHostnames:    true,
	}
	for _, rec := range furnish(vpc) {
		if err := model.Put(tx, rec); err != nil {
			return nil, err
		}
	}
	for i, z := range zonesOf(region) {
		if err := putSubnet(tx, defaultSubnet(vpc.ID, z, defaultSubnetCIDR(i))); err != nil {
			return nil, err
		}
	}
	return vpc, nil
}

// defaultSubnetCIDR is the i-th /20 of the default VPC's block.
func defaultSubnetCIDR(i int) string {
	return fmt.Sprintf("172.31.%d.0/%d", i*16, defaultSubnetBits)
}

// defaultSubnet is a default subnet as AWS makes it: public addresses on
// launch, default for its zone.
func defaultSubnet(vpcID string, z zone, cidr string) *model.Subnet {
	return &model.Subnet{
		ID:               api.NewID("subnet"),
		VpcID:            vpcID,
		CidrBlock:        cidr,
		AvailabilityZone: z.Name,
		DefaultForAz:     true,
		SubnetAttributes: model.SubnetAttributes{MapPublicIPOnLaunch: true},
	}
}

// putSubnet stores a new subnet with what AWS gives every subnet it makes
// (its place in the VPC's default network ACL): CreateSubnet, the default
// VPC and CreateDefaultSubnet all store subnets through it.
func putSubnet(tx model.Tx, sn *model.Subnet) error {
	if err := model.Put(tx, sn); err != nil {
		return err
	}
	return joinDefaultACL(tx, sn)
}

// defaultVpc returns the scope's default VPC, if it has one.
func defaultVpc(tx model.Tx) (*model.VPC, bool, error) {
	var found *model.VPC
	err := model.Scan[model.VPC](tx, "", func(v *model.VPC) bool {
		if v.IsDefault {
			found = v
		}
		return found == nil
	})
	return found, found != nil, err
}

// requireDefaultVpc is the default VPC a call without a VpcId falls back to;
// without one it is AWS's VPCIdNotSpecified.
func requireDefaultVpc(tx model.Tx) (*model.VPC, error) {
	vpc, ok, err := defaultVpc(tx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, noDefaultVpc()
	}
	return vpc, nil
}

func (s *Service) CreateDefaultVpc(ctx context.Context, _ *CreateDefaultVpcInput) (*CreateDefaultVpcOutput, error) {
	var vpc *model.VPC
	err := s.update(ctx, func(tx model.Tx) error {
		if _, ok, err := defaultVpc(tx); err != nil {
			return err
		} else if ok {
			return api.BadRequest("DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region.")
		}
		marker, ok, err := model.Get[defaultsMarker](tx, model.EC2DefaultsKey)
		if err != nil {
			return err
		} else if !ok {
			marker = &defaultsMarker{}
		}
		dhcp, err := regionDhcpOptions(tx)
		if err != nil {
			return err
		}
		vpc, err = makeDefaultVpc(tx, api.MetaFrom(ctx).Region, dhcp)
		if err != nil {
			return err
		}
		marker.VpcID = vpc.ID
		return model.Put(tx, marker)
	})
	if err != nil {
		return nil, err
	}
	return &CreateDefaultVpcOutput{Vpc: vpcShape(ctx, vpc)}, nil
}

// CreateDefaultSubnet makes the default subnet of one zone again, in the
// first /20 of the default VPC that no subnet overlaps.
func (s *Service) CreateDefaultSubnet(ctx context.Context, in *CreateDefaultSubnetInput) (*CreateDefaultSubnetOutput, error) {
	if in.AvailabilityZone == "" && in.AvailabilityZoneID == "" {
		return nil, missing("AvailabilityZone")
	}
	if in.Ipv6Native {
		return nil, invalidParameter("IPv6-only subnets are not supported by gatehouse, which models IPv4 only.")
	}
	z, err := subnetZone(api.MetaFrom(ctx).Region, in.AvailabilityZone, in.AvailabilityZoneID)
	if err != nil {
		return nil, err
	}
	var sn *model.Subnet
	err = s.update(ctx, func(tx model.Tx) error {
		vpc, ok, err := defaultVpc(tx)
		if err != nil {
			return err
		}
		if !ok {
			return api.BadRequest("DefaultVpcDoesNotExist", "No default VPC exists for this account in this region.")
		}
		subnets, err := model.List[model.Subnet](tx)
		if err != nil {
			return err
		}
		var taken []string
		for _, other := range subnets {
			if other.VpcID != vpc.ID {
				continue
			}
			if other.DefaultForAz && other.AvailabilityZone == z.Name {
				return api.BadRequest("DefaultSubnetAlreadyExistsInAvailabilityZone", "A default subnet already exists in availability zone %s.", z.Name)
			}
			taken = append(taken, other.CidrBlock)
		}
		cidr, ok := freeDefaultBlock(taken)
		if !ok {
			return api.BadRequest("InsufficientFreeAddressesInVpc", "There are no free /%d blocks left in the default VPC %s.", defaultSubnetBits, vpc.ID)
		}
		sn = defaultSubnet(vpc.ID, z, cidr)
		return putSubnet(tx, sn)
	})
	if err != nil {
		return nil, err
	}
	return &CreateDefaultSubnetOutput{Subnet: subnetShape(ctx, sn, 0)}, nil
}

// freeDefaultBlock is the first /20 of the default VPC's block that none of
// taken overlaps.
func freeDefaultBlock(taken []string) (string, bool) {
	for i := 0; i < 1<<(defaultSubnetBits-16); i++ {
		cidr := defaultSubnetCIDR(i)
		p, _ := network.ParseCIDR(cidr)
		free := true
		for _, t := range taken {
			if tp, ok := network.ParseCIDR(t); ok && network.Overlaps(tp, p) {
				free = false
				break
			}
		}
		if free {
			return cidr, true
		}
	}
	return "", false
}

// groupsByName finds groups by name in the default VPC, where EC2 looks up
// a group named rather than identified.
func groupsByName(tx model.Tx, names []string) ([]*model.SecurityGroup, error) {
	vpc, err := requireDefaultVpc(tx)
	if err != nil {
		return nil, err
	}
	groups, err := model.List[model.SecurityGroup](tx)
	if err != nil {
		return nil, err
	}
	byName := map[string]*model.SecurityGroup{}
	for _, g := range groups {
		if g.VpcID == vpc.ID {
			byName[g.Name] = g
		}
	}
	out := make([]*model.SecurityGroup, 0, len(names))
	for _, n := range names {
		g, ok := byName[n]
		if !ok {
			return nil, api.BadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC '%s'", n, vpc.ID)
		}
		out = append(out, g)
	}
	return out, nil
}

// targetGroup is the group a rule call or DeleteSecurityGroup names: by id,
// or else by name in the default VPC.
func targetGroup(tx model.Tx, id, name string) (*model.SecurityGroup, error) {
	if id != "" {
		return getGroup(tx, id)
	}
	gs, err := groupsByName(tx, []string{name})
	if err != nil {
		return nil, err
	}
	return gs[0], nil
}

// resolvePeerNames gives every group pair that names its group without an id
// the id of that group in the default VPC.
func (s *Service) resolvePeerNames(ctx context.Context, perms []IPPermission) error {
	var named bool
	for _, p := range perms {
		for _, pair := range p.Groups {
			named = named || pair.GroupID == "" && pair.GroupName != ""
		}
	}
	if !named {
		return nil
	}
	return s.view(ctx, func(tx model.Tx) error {
		for i := range perms {
			for j := range perms[i].Groups {
				pair := &perms[i].Groups[j]
				if pair.GroupID != "" || pair.GroupName == "" {
					continue
				}
				g, err := targetGroup(tx, "", pair.GroupName)
				if err != nil {
					return err
				}
				pair.GroupID = g.ID
			}
		}
		return nil
	})
}

// namedSource is the flat form's SourceSecurityGroupName: with a protocol,
// that protocol and ports from the group; without one, as EC2 grants it,
// all of TCP, UDP and ICMP.
func namedSource(flat flatPermission) []IPPermission {
	pair := []UserIDGroupPair{{GroupName: flat.sourceGroupName}}
	if flat.protocol != "" {
		return []IPPermission{{IPProtocol: flat.protocol, FromPort: flat.from, ToPort: flat.to, Groups: pair}}
	}
	all, none := 65535, 0
	icmpAll := -1
	return []IPPermission{
		{IPProtocol: "tcp", FromPort: &none, ToPort: &all, Groups: pair},
		{IPProtocol: "udp", FromPort: &none, ToPort: &all, Groups: pair},
		{IPProtocol: "icmp", FromPort: &icmpAll, ToPort: &icmpAll, Groups: pair},
	}
}
