package model

import "time"

// NetworkACL is a stateless subnet firewall. Every subnet is associated with
// exactly one: its VPC's default ACL unless another replaced it. Subnets
// stored before ACLs were kept have none until the EC2 service completes
// their VPC; traffic through such a subnet passes, as its default ACL
// would let it.
type NetworkACL struct {
	ID    string
	VpcID string
	// IsDefault marks the ACL the VPC was born with: it cannot be deleted
	// and takes every subnet whose association is removed.
	IsDefault    bool
	Entries      []ACLEntry
	Associations []ACLAssociation
	Tags         Tags
}

func (NetworkACL) Kind() string  { return "network-acl" }
func (a NetworkACL) Key() string { return a.ID }

// ACLDefaultRule is the number of the catch-all deny entry every ACL has in
// each direction ("*" in the console); it cannot be changed or deleted.
const ACLDefaultRule = 32767

// ACLEntry is one numbered rule of one direction. Entries are evaluated in
// rule-number order and the first whose protocol, ports and CIDR match
// decides.
type ACLEntry struct {
	RuleNumber int
	Egress     bool
	// Protocol is "-1" (all) or an IANA protocol number as text: "6" for
	// tcp, "17" for udp, "1" for icmp.
	Protocol string
	// Action is "allow" or "deny".
	Action        string
	CidrBlock     string `json:",omitempty"`
	Ipv6CidrBlock string `json:",omitempty"`
	// FromPort and ToPort bound the ports for tcp and udp; zero otherwise.
	FromPort, ToPort int `json:",omitempty"`
	// ICMPType and ICMPCode apply to icmp (and icmpv6, "58"); -1 means
	// all; zero otherwise.
	ICMPType, ICMPCode int `json:",omitempty"`
}

// ACLAssociation ties one subnet to the ACL holding it.
type ACLAssociation struct {
	ID       string
	SubnetID string
}

// RouteTable is a VPC's route table. The main table (Main) holds every subnet
// that has no explicit association.
type RouteTable struct {
	ID           string
	VpcID        string
	Main         bool
	Routes       []RouteEntry
	Associations []RouteAssociation
	Tags         Tags
}

func (RouteTable) Kind() string  { return "route-table" }
func (r RouteTable) Key() string { return r.ID }

// RouteEntry is one route: a destination and the target it goes to. Exactly
// one destination and one target are set; the VPC's own CIDR goes to
// "local".
type RouteEntry struct {
	DestinationCidr       string `json:",omitempty"`
	DestinationIPv6Cidr   string `json:",omitempty"`
	DestinationPrefixList string `json:",omitempty"`
	GatewayID             string `json:",omitempty"`
	NatGatewayID          string `json:",omitempty"`
	NetworkInterfaceID    string `json:",omitempty"`
	InstanceID            string `json:",omitempty"`
	VpcPeeringID          string `json:",omitempty"`
	TransitGatewayID      string `json:",omitempty"`
	VpcEndpointID         string `json:",omitempty"`
	// Origin is "CreateRouteTable" for the local route, "CreateRoute" for
	// the user's.
	Origin string
}

// RouteAssociation ties a subnet (or a gateway) to a route table; the main
// table's own association has Main set and neither.
type RouteAssociation struct {
	ID        string
	SubnetID  string `json:",omitempty"`
	GatewayID string `json:",omitempty"`
	Main      bool   `json:",omitempty"`
}

// EC2Instance is an EC2 instance as a record: no machine runs, its primary
// network interface's address maps to a real socket by the same rule as any
// ENI's.
type EC2Instance struct {
	ID           string
	ImageID      string
	InstanceType string
	// State is the state the instance settles in: running, stopped or
	// terminated (pending, stopping and shutting-down are shown for a short
	// while after StateSince, and never stored).
	State            string
	StateSince       time.Time
	SubnetID         string
	VpcID            string
	AvailabilityZone string
	PrivateIP        string
	// PrimaryInterface is the id of the ENI created with the instance.
	PrimaryInterface string
	Groups           []string
	KeyName          string `json:",omitempty"`
	LaunchTime       string
	// ReservationID and LaunchIndex place the instance in the RunInstances
	// call that made it.
	ReservationID string `json:",omitempty"`
	LaunchIndex   int    `json:",omitempty"`
	ClientToken   string `json:",omitempty"`
	// UserData is kept base64-encoded, as EC2 takes and returns it.
	UserData              string `json:",omitempty"`
	DisableAPITermination bool   `json:",omitempty"`
	DisableAPIStop        bool   `json:",omitempty"`
	ShutdownBehavior      string `json:",omitempty"`
	// RootVolume is the EBS volume the instance boots from; nil in records
	// stored before volumes were kept.
	RootVolume *EC2Volume `json:",omitempty"`
	Tags       Tags
}

// EC2Volume is an instance's root EBS volume, kept inside the instance's
// record: it exists exactly as long as its instance does.
type EC2Volume struct {
	ID                  string
	Device              string
	SizeGiB             int
	Type                string
	Iops                int  `json:",omitempty"`
	Throughput          int  `json:",omitempty"`
	Encrypted           bool `json:",omitempty"`
	DeleteOnTermination bool
	Snapshot            string `json:",omitempty"`
	Tags                Tags   `json:",omitempty"`
}

func (EC2Instance) Kind() string  { return "ec2-instance" }
func (i EC2Instance) Key() string { return i.ID }
