package model

import "time"

// VPC is a virtual private cloud.
type VPC struct {
	ID                   string
	CidrBlock            string
	State                string
	DefaultSecurityGroup string
	// InstanceTenancy is "default" or "dedicated"; empty in VPCs stored
	// before it was kept, which were all "default".
	InstanceTenancy string `json:",omitempty" served:"-"`
	// IsDefault marks the account's default VPC in its region.
	IsDefault bool `json:",omitempty"`
	// The VPC's attributes, each stored so that its zero value is AWS's
	// default for a new VPC, which is what records stored before they
	// were kept had: DNS resolution on, DNS host names and Network Address
	// Usage metrics off.
	NoDNSSupport               bool `json:",omitempty" served:"-"`
	DNSHostnames               bool `json:",omitempty" served:"-"`
	NetworkAddressUsageMetrics bool `json:",omitempty" served:"-"`
	// DhcpOptionsID is the DHCP options set associated with the VPC; empty
	// when it has none ("default" in EC2's answers), which is also what
	// VPCs stored before DHCP options were kept had.
	DhcpOptionsID string `json:",omitempty" served:"-"`
	Tags          Tags
}

func (VPC) Kind() string  { return "vpc" }
func (v VPC) Key() string { return v.ID }

// Subnet is a range of a VPC's addresses in one availability zone.
type Subnet struct {
	ID               string
	VpcID            string
	CidrBlock        string
	AvailabilityZone string
	// DefaultForAz marks a default subnet: the default VPC's one in its
	// zone.
	DefaultForAz bool `json:",omitempty"`
	// SubnetAttributes are what ModifySubnetAttribute changes.
	SubnetAttributes `served:"-"`
	Tags             Tags
}

// SubnetAttributes are a subnet's launch settings. Each zero value is AWS's
// default for a subnet the user creates, so records stored before they were
// kept read as AWS's defaults.
type SubnetAttributes struct {
	MapPublicIPOnLaunch         bool   `json:",omitempty"`
	MapCustomerOwnedIPOnLaunch  bool   `json:",omitempty"`
	CustomerOwnedIPv4Pool       string `json:",omitempty"`
	AssignIPv6AddressOnCreation bool   `json:",omitempty"`
	EnableDNS64                 bool   `json:",omitempty"`
	// HostnameType is "ip-name" (when empty) or "resource-name".
	HostnameType                    string `json:",omitempty"`
	EnableResourceNameDNSARecord    bool   `json:",omitempty"`
	EnableResourceNameDNSAAAARecord bool   `json:",omitempty"`
	// EnableLniAtDeviceIndex is the device index from which interfaces
	// launched in the subnet are local network interfaces (Outposts);
	// zero when unset.
	EnableLniAtDeviceIndex int `json:",omitempty"`
}

func (Subnet) Kind() string  { return "subnet" }
func (s Subnet) Key() string { return s.ID }

// SecurityGroup is a stateful firewall attached to network interfaces.
type SecurityGroup struct {
	ID          string
	VpcID       string
	Name        string
	Description string
	Ingress     []Rule
	Egress      []Rule
	Tags        Tags
}

func (SecurityGroup) Kind() string  { return "security-group" }
func (g SecurityGroup) Key() string { return g.ID }

// Rule is one security-group rule with exactly one source (ingress) or
// destination (egress): a CIDR (IPv4 or IPv6) or another group. AWS stores an IpPermission
// with several ranges as several rules, each with its own sgr- id; so do we.
type Rule struct {
	ID string
	// Protocol is "tcp", "udp", "icmp" or "-1" (all).
	Protocol string
	// FromPort and ToPort bound the port range; for icmp they are type and
	// code; -1 means all.
	FromPort, ToPort int
	CidrIPv4         string `json:",omitempty"`
	// CidrIPv6 is kept and described but admits nothing: the modeled
	// network carries IPv4 alone.
	CidrIPv6    string `json:",omitempty"`
	GroupID     string `json:",omitempty"`
	Description string `json:",omitempty"`
	// Tags belong to the rule itself (its sgr- id), not to the group.
	Tags Tags `json:",omitempty"`
}

// NetworkInterface is an ENI: an address in a subnet with security groups.
type NetworkInterface struct {
	ID               string
	SubnetID         string
	VpcID            string
	AvailabilityZone string
	PrivateIP        string
	MacAddress       string
	Groups           []string
	Description      string
	InterfaceType    string
	Status           string
	// RequesterManaged interfaces belong to an AWS service (a load balancer, a
	// VPC link); the user cannot delete them.
	RequesterManaged bool
	RequesterID      string `json:",omitempty"`
	Tags             Tags
	// NoSourceDestCheck is SourceDestCheck turned off. AWS's default is on,
	// so the zero value, and every interface stored before it was kept,
	// means on.
	NoSourceDestCheck bool `json:",omitempty"`
	// Attachment is the interface's attachment to an instance; nil while it
	// is detached.
	Attachment *InterfaceAttachment `json:",omitempty"`
}

// InterfaceAttachment ties a network interface to an instance, as EC2
// describes it (attachmentId eni-attach-..., device index, status).
type InterfaceAttachment struct {
	ID                  string
	InstanceID          string
	DeviceIndex         int
	Status              string // attaching, attached, detaching or detached
	AttachTime          time.Time
	DeleteOnTermination bool
}

func (NetworkInterface) Kind() string  { return "network-interface" }
func (n NetworkInterface) Key() string { return n.ID }

// InterfacesInSubnet returns the network interfaces in a subnet, whoever owns
// them: users' ENIs and the requester-managed ones of load balancers and VPC
// links alike. Any service that places an interface allocates its address by
// composing the two halves, so every owner draws from the same pool:
//
//	enis, err := model.InterfacesInSubnet(tx, subnetID)
//	addr, ok := network.NextFree(prefix, network.Addresses(enis))
//
// The store read lives here and the address choice in the pure network
// package, because services may not import each other.
func InterfacesInSubnet(tx Tx, subnetID string) ([]*NetworkInterface, error) {
	all, err := List[NetworkInterface](tx)
	if err != nil {
		return nil, err
	}
	var out []*NetworkInterface
	for _, n := range all {
		if n.SubnetID == subnetID {
			out = append(out, n)
		}
	}
	return out, nil
}

// EC2Defaults marks a scope (account and region) whose default VPC has been
// settled: made when EC2 first saw the scope, or decided against. EC2 looks
// for this record, not for the VPC, so a default VPC the user deletes is not
// made again. One per scope, under EC2DefaultsKey.
type EC2Defaults struct {
	// VpcID is the default VPC made last; empty when none was.
	VpcID string `json:",omitempty"`
	// DhcpOptionsID is the region's default DHCP options set, which new
	// VPCs are associated with; empty in markers stored before DHCP options
	// were kept, whose scope gets its set on EC2's next call.
	DhcpOptionsID string `json:",omitempty"`
}

// EC2DefaultsKey is the one EC2Defaults record's key in each scope.
const EC2DefaultsKey = "default-vpc"

func (EC2Defaults) Kind() string { return "ec2-defaults" }
func (EC2Defaults) Key() string  { return EC2DefaultsKey }

// DHCPOptions is a DHCP options set: what the VPCs associated with it hand
// their instances. Sets are immutable but for their tags.
type DHCPOptions struct {
	ID             string
	Configurations []DHCPConfiguration
	Tags           Tags
}

// DHCPConfiguration is one option (domain-name, domain-name-servers, ...)
// and its values, in the order given.
type DHCPConfiguration struct {
	Key    string
	Values []string
}

func (DHCPOptions) Kind() string  { return "dhcp-options" }
func (d DHCPOptions) Key() string { return d.ID }
