package ec2

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

type CreateNetworkInterfaceInput struct {
	SubnetID         string   `query:"SubnetId,required"`
	Groups           []string `query:"SecurityGroupId"`
	Description      string   `query:"Description"`
	PrivateIPAddress string   `query:"PrivateIpAddress"`
	// PrivateIPAddresses may name the primary address instead (Terraform's
	// private_ips); secondary addresses are not modelled.
	PrivateIPAddresses []PrivateIPAddressSpecification `query:"PrivateIpAddresses"`
	SecondaryCount     int                             `query:"SecondaryPrivateIpAddressCount"`
	InterfaceType      string                          `query:"InterfaceType"`
	ClientToken        string                          `query:"ClientToken"`
	TagSpecifications  []TagSpecification              `query:"TagSpecification"`
}

type CreateNetworkInterfaceOutput struct {
	NetworkInterface NetworkInterface `xml:"networkInterface"`
	ClientToken      string           `xml:"clientToken,omitempty"`
}

type DescribeNetworkInterfacesInput struct {
	NetworkInterfaceIDs []string `query:"NetworkInterfaceId"`
	Filters             []Filter `query:"Filter"`
}

type DescribeNetworkInterfacesOutput struct {
	NetworkInterfaces []NetworkInterface `xml:"networkInterfaceSet>item"`
}

type DeleteNetworkInterfaceInput struct {
	NetworkInterfaceID string `query:"NetworkInterfaceId,required"`
}

// NetworkInterface is the ENI as EC2 describes it.
type NetworkInterface struct {
	NetworkInterfaceID string             `xml:"networkInterfaceId"`
	SubnetID           string             `xml:"subnetId"`
	VpcID              string             `xml:"vpcId"`
	AvailabilityZone   string             `xml:"availabilityZone"`
	AvailabilityZoneID string             `xml:"availabilityZoneId"`
	Description        string             `xml:"description"`
	OwnerID            string             `xml:"ownerId"`
	RequesterID        string             `xml:"requesterId,omitempty"`
	RequesterManaged   bool               `xml:"requesterManaged"`
	Status             string             `xml:"status"`
	MacAddress         string             `xml:"macAddress"`
	PrivateIPAddress   string             `xml:"privateIpAddress"`
	PrivateDNSName     string             `xml:"privateDnsName"`
	SourceDestCheck    bool               `xml:"sourceDestCheck"`
	InterfaceType      string             `xml:"interfaceType"`
	Groups             []GroupIdentifier  `xml:"groupSet>item"`
	PrivateIPAddresses []PrivateIPAddress `xml:"privateIpAddressesSet>item"`
	IPv6Addresses      []IPv6Address      `xml:"ipv6AddressesSet>item"`
	Attachment         *ENIAttachment     `xml:"attachment,omitempty"`
	Tags               []Tag              `xml:"tagSet>item"`
}

// IPv6Address is one of an interface's IPv6 addresses; gatehouse models
// none, so the set AWS always sends is always empty.
type IPv6Address struct {
	IPv6Address string `xml:"ipv6Address"`
}

// ENIAttachment is an interface's attachment to an instance.
type ENIAttachment struct {
	AttachmentID        string `xml:"attachmentId"`
	InstanceID          string `xml:"instanceId,omitempty"`
	InstanceOwnerID     string `xml:"instanceOwnerId"`
	DeviceIndex         int    `xml:"deviceIndex"`
	NetworkCardIndex    int    `xml:"networkCardIndex"`
	Status              string `xml:"status"`
	AttachTime          string `xml:"attachTime,omitempty"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
}

// PrivateIPAddressSpecification is one address asked for at creation.
type PrivateIPAddressSpecification struct {
	PrivateIPAddress string `query:"PrivateIpAddress"`
	Primary          *bool  `query:"Primary"`
}

// GroupIdentifier names a security group.
type GroupIdentifier struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

// PrivateIPAddress is one of an interface's addresses.
type PrivateIPAddress struct {
	PrivateIPAddress string `xml:"privateIpAddress"`
	PrivateDNSName   string `xml:"privateDnsName"`
	Primary          bool   `xml:"primary"`
}

// creatableTypes are the interface types a user may ask for; the others
// (load balancers', VPC links' and so on) only AWS services create.
var creatableTypes = map[string]bool{"interface": true, "efa": true, "efa-only": true, "branch": true, "trunk": true}

// maxGroupsPerInterface is EC2's default quota of security groups on one
// interface.
const maxGroupsPerInterface = 5

func (s *Service) CreateNetworkInterface(ctx context.Context, in *CreateNetworkInterfaceInput) (*CreateNetworkInterfaceOutput, error) {
	ifType := in.InterfaceType
	if ifType == "" {
		ifType = "interface"
	}
	if !creatableTypes[ifType] {
		return nil, invalidValue("Value (%s) for parameter interfaceType is invalid.", in.InterfaceType)
	}
	if len(in.PrivateIPAddresses) > 1 || in.SecondaryCount > 0 {
		return nil, invalidValue("Secondary private IP addresses are not supported by gatehouse: an interface has its primary address only.")
	}
	if len(in.PrivateIPAddresses) == 1 {
		p := in.PrivateIPAddresses[0]
		if in.PrivateIPAddress != "" && p.PrivateIPAddress != in.PrivateIPAddress {
			return nil, invalidParameterCombination("The primary private IP address is given twice, as %s and as %s.", in.PrivateIPAddress, p.PrivateIPAddress)
		}
		in.PrivateIPAddress = p.PrivateIPAddress
	}
	var want netip.Addr
	if in.PrivateIPAddress != "" {
		a, err := netip.ParseAddr(in.PrivateIPAddress)
		if err != nil || !a.Is4() {
			return nil, invalidValue("Value (%s) for parameter privateIpAddress is invalid. It is not a valid IPv4 address.", in.PrivateIPAddress)
		}
		want = a
	}
	groupIDs := dedupe(in.Groups)
	if len(groupIDs) > maxGroupsPerInterface {
		return nil, api.BadRequest("SecurityGroupsPerInterfaceLimitExceeded", "An interface can have at most %d security groups; %d were given.", maxGroupsPerInterface, len(groupIDs))
	}
	tags, err := tagsFor(ctx, in.TagSpecifications, "network-interface")
	if err != nil {
		return nil, err
	}
	var eni *model.NetworkInterface
	var groups map[string]*model.SecurityGroup
	err = s.update(ctx, func(tx model.Tx) error {
		sn, ok, err := model.Get[model.Subnet](tx, in.SubnetID)
		if err != nil {
			return err
		}
		if !ok {
			return subnetNotFound(in.SubnetID)
		}
		if len(groupIDs) == 0 {
			vpc, ok, err := model.Get[model.VPC](tx, sn.VpcID)
			if err != nil {
				return err
			}
			if ok && vpc.DefaultSecurityGroup != "" {
				groupIDs = []string{vpc.DefaultSecurityGroup}
			}
		}
		if groups, err = groupsForInterface(tx, sn, groupIDs); err != nil {
			return err
		}
		addr, err := chooseAddress(tx, sn, want)
		if err != nil {
			return err
		}
		eni = &model.NetworkInterface{
			ID:               api.NewID("eni"),
			SubnetID:         sn.ID,
			VpcID:            sn.VpcID,
			AvailabilityZone: sn.AvailabilityZone,
			PrivateIP:        addr.String(),
			MacAddress:       api.NewMAC(),
			Groups:           groupIDs,
			Description:      in.Description,
			InterfaceType:    ifType,
			Status:           "available",
			Tags:             tags,
		}
		return model.Put(tx, eni)
	})
	if err != nil {
		return nil, err
	}
	return &CreateNetworkInterfaceOutput{NetworkInterface: eniShape(ctx, eni, groups), ClientToken: in.ClientToken}, nil
}

// groupsForInterface loads the groups an interface in sn will carry; each must
// exist and belong to the subnet's VPC.
func groupsForInterface(tx model.Tx, sn *model.Subnet, ids []string) (map[string]*model.SecurityGroup, error) {
	groups := make(map[string]*model.SecurityGroup, len(ids))
	for _, id := range ids {
		g, ok, err := model.Get[model.SecurityGroup](tx, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, groupNotFound(id)
		}
		if g.VpcID != sn.VpcID {
			return nil, invalidParameter("Security group %s and subnet %s belong to different networks.", id, sn.ID)
		}
		groups[id] = g
	}
	return groups, nil
}

// chooseAddress picks the interface's address in sn: want if it is free and
// assignable, otherwise (want unset) the lowest free one.
func chooseAddress(tx model.Tx, sn *model.Subnet, want netip.Addr) (netip.Addr, error) {
	p, ok := network.ParseCIDR(sn.CidrBlock)
	if !ok {
		return netip.Addr{}, fmt.Errorf("subnet %s has a malformed CIDR %q", sn.ID, sn.CidrBlock)
	}
	enis, err := model.InterfacesInSubnet(tx, sn.ID)
	if err != nil {
		return netip.Addr{}, err
	}
	used := network.Addresses(enis)
	if want.IsValid() {
		switch {
		case !p.Contains(want):
			return netip.Addr{}, invalidValue("Address %s does not fall within the subnet's address range", want)
		case !network.Assignable(p, want):
			return netip.Addr{}, invalidValue("Address %s is in subnet's reserved address range", want)
		case used[want]:
			return netip.Addr{}, addressInUse()
		}
		return want, nil
	}
	addr, ok := network.NextFree(p, used)
	if !ok {
		return netip.Addr{}, subnetFull()
	}
	return addr, nil
}

func (s *Service) DescribeNetworkInterfaces(ctx context.Context, in *DescribeNetworkInterfacesInput) (*DescribeNetworkInterfacesOutput, error) {
	if err := checkFilters(in.Filters, eniFields(ctx, &model.NetworkInterface{}, nil)); err != nil {
		return nil, err
	}
	out := &DescribeNetworkInterfacesOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		enis, err := byIDs[model.NetworkInterface](tx, in.NetworkInterfaceIDs, eniNotFound)
		if err != nil {
			return err
		}
		all, err := model.List[model.SecurityGroup](tx)
		if err != nil {
			return err
		}
		groups := make(map[string]*model.SecurityGroup, len(all))
		for _, g := range all {
			groups[g.ID] = g
		}
		for _, e := range enis {
			if ok, err := matchFilters(in.Filters, eniFields(ctx, e, groups)); err != nil {
				return err
			} else if ok {
				out.NetworkInterfaces = append(out.NetworkInterfaces, eniShape(ctx, e, groups))
			}
		}
		return nil
	})
	return out, err
}

func eniFields(ctx context.Context, e *model.NetworkInterface, groups map[string]*model.SecurityGroup) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "network-interface-id":
			return []string{e.ID}, true
		case "subnet-id":
			return []string{e.SubnetID}, true
		case "vpc-id":
			return []string{e.VpcID}, true
		case "availability-zone":
			return []string{e.AvailabilityZone}, true
		case "description":
			return []string{e.Description}, true
		case "status":
			return []string{e.Status}, true
		case "private-ip-address", "addresses.private-ip-address":
			return []string{e.PrivateIP}, true
		case "private-dns-name":
			return []string{privateDNSName(ctx, e.PrivateIP)}, true
		case "addresses.primary":
			return []string{"true"}, true
		case "mac-address":
			return []string{e.MacAddress}, true
		case "owner-id":
			return []string{api.MetaFrom(ctx).Account}, true
		case "requester-managed":
			return []string{strconv.FormatBool(e.RequesterManaged)}, true
		case "requester-id":
			return []string{e.RequesterID}, true
		case "interface-type":
			return []string{e.InterfaceType}, true
		case "source-dest-check":
			return []string{strconv.FormatBool(!e.NoSourceDestCheck)}, true
		case "group-id":
			return e.Groups, true
		case "attachment.attachment-id", "attachment.instance-id", "attachment.instance-owner-id",
			"attachment.device-index", "attachment.status", "attachment.attach-time",
			"attachment.delete-on-termination":
			return attachmentField(ctx, e, name), true
		case "group-name":
			var names []string
			for _, id := range e.Groups {
				if g := groups[id]; g != nil {
					names = append(names, g.Name)
				}
			}
			return names, true
		}
		return tagFields(e.Tags, name)
	}
}

func (s *Service) DeleteNetworkInterface(ctx context.Context, in *DeleteNetworkInterfaceInput) (*Return, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		e, ok, err := model.Get[model.NetworkInterface](tx, in.NetworkInterfaceID)
		if err != nil {
			return err
		}
		if !ok {
			return eniNotFound(in.NetworkInterfaceID)
		}
		// A requester-managed interface is attached to the service that
		// made it; EC2 refuses to delete any interface still in use, and
		// only that service's own teardown releases it.
		if e.RequesterManaged || e.Status == "in-use" {
			return invalidValue("Network interface '%s' is currently in use.", e.ID)
		}
		return model.Delete(tx, e)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

// privateDNSName is the name EC2's internal DNS gives an address: us-east-1
// keeps its historical ec2.internal domain, every other region has its own.
func privateDNSName(ctx context.Context, ip string) string {
	if ip == "" {
		return ""
	}
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	region := api.MetaFrom(ctx).Region
	if region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + region + ".compute.internal"
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func eniShape(ctx context.Context, e *model.NetworkInterface, groups map[string]*model.SecurityGroup) NetworkInterface {
	dns := privateDNSName(ctx, e.PrivateIP)
	out := NetworkInterface{
		NetworkInterfaceID: e.ID,
		SubnetID:           e.SubnetID,
		VpcID:              e.VpcID,
		AvailabilityZone:   e.AvailabilityZone,
		AvailabilityZoneID: zoneID(ctx, e.AvailabilityZone),
		Description:        e.Description,
		OwnerID:            api.MetaFrom(ctx).Account,
		RequesterID:        e.RequesterID,
		RequesterManaged:   e.RequesterManaged,
		Status:             e.Status,
		MacAddress:         e.MacAddress,
		PrivateIPAddress:   e.PrivateIP,
		PrivateDNSName:     dns,
		SourceDestCheck:    !e.NoSourceDestCheck,
		Attachment:         attachmentShape(ctx, e),
		InterfaceType:      e.InterfaceType,
		PrivateIPAddresses: []PrivateIPAddress{{PrivateIPAddress: e.PrivateIP, PrivateDNSName: dns, Primary: true}},
		Tags:               tagSet(e.Tags),
	}
	if out.InterfaceType == "" {
		out.InterfaceType = "interface"
	}
	for _, id := range e.Groups {
		gi := GroupIdentifier{GroupID: id}
		if g := groups[id]; g != nil {
			gi.GroupName = g.Name
		}
		out.Groups = append(out.Groups, gi)
	}
	return out
}

// attachmentShape describes e's attachment. A requester-managed interface is
// attached to the service that made it, under an ela-attach id that users
// may not manage; gatehouse derives that id from the interface's.
func attachmentShape(ctx context.Context, e *model.NetworkInterface) *ENIAttachment {
	if a := e.Attachment; a != nil {
		return &ENIAttachment{
			AttachmentID:        a.ID,
			InstanceID:          a.InstanceID,
			InstanceOwnerID:     api.MetaFrom(ctx).Account,
			DeviceIndex:         a.DeviceIndex,
			Status:              a.Status,
			AttachTime:          timestamp(a.AttachTime),
			DeleteOnTermination: a.DeleteOnTermination,
		}
	}
	if !e.RequesterManaged {
		return nil
	}
	return &ENIAttachment{
		AttachmentID:    managedAttachmentID(e.ID),
		InstanceOwnerID: e.RequesterID,
		DeviceIndex:     1,
		Status:          "attached",
	}
}

// managedAttachmentID is the ela-attach id of a requester-managed
// interface's attachment.
func managedAttachmentID(eniID string) string {
	return "ela-attach-" + strings.TrimPrefix(eniID, "eni-")
}

// attachmentField answers the attachment.* filters; a detached interface
// has no value for any of them.
func attachmentField(ctx context.Context, e *model.NetworkInterface, name string) []string {
	a := attachmentShape(ctx, e)
	if a == nil {
		return nil
	}
	var v string
	switch name {
	case "attachment.attachment-id":
		v = a.AttachmentID
	case "attachment.instance-id":
		v = a.InstanceID
	case "attachment.instance-owner-id":
		v = a.InstanceOwnerID
	case "attachment.device-index":
		v = strconv.Itoa(a.DeviceIndex)
	case "attachment.status":
		v = a.Status
	case "attachment.attach-time":
		v = a.AttachTime
	case "attachment.delete-on-termination":
		v = strconv.FormatBool(a.DeleteOnTermination)
	}
	if v == "" {
		return nil
	}
	return []string{v}
}
