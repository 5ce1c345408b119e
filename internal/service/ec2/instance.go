package ec2

import (
	"context"
	"encoding/base64"
	"errors"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// Instances are records: no machine boots. The primary interface is a real
// ENI in the subnet, so the instance's address is allocated, guarded by its
// groups and mapped to a real socket like any other interface's.

type RunInstancesInput struct {
	ImageID           string                          `query:"ImageId"`
	InstanceType      string                          `query:"InstanceType"`
	MinCount          *int                            `query:"MinCount"`
	MaxCount          *int                            `query:"MaxCount"`
	SubnetID          string                          `query:"SubnetId"`
	SecurityGroupIDs  []string                        `query:"SecurityGroupId"`
	SecurityGroups    []string                        `query:"SecurityGroup"`
	PrivateIPAddress  string                          `query:"PrivateIpAddress"`
	NetworkInterfaces []InstanceNetworkInterfaceInput `query:"NetworkInterface"`
	TagSpecifications []TagSpecification              `query:"TagSpecification"`
	KeyName           string                          `query:"KeyName"`
	UserData          string                          `query:"UserData"`
	ClientToken       string                          `query:"ClientToken"`
	DisableAPITerm    *bool                           `query:"DisableApiTermination"`
	DisableAPIStop    *bool                           `query:"DisableApiStop"`
	ShutdownBehavior  string                          `query:"InstanceInitiatedShutdownBehavior"`
	Placement         PlacementInput                  `query:"Placement"`
	BlockDevices      []BlockDeviceMappingInput       `query:"BlockDeviceMapping"`
}

// InstanceNetworkInterfaceInput is one NetworkInterface.N of RunInstances.
type InstanceNetworkInterfaceInput struct {
	DeviceIndex         *int     `query:"DeviceIndex"`
	NetworkInterfaceID  string   `query:"NetworkInterfaceId"`
	SubnetID            string   `query:"SubnetId"`
	Groups              []string `query:"SecurityGroupId"`
	PrivateIPAddress    string   `query:"PrivateIpAddress"`
	Description         string   `query:"Description"`
	DeleteOnTermination *bool    `query:"DeleteOnTermination"`
}

type PlacementInput struct {
	AvailabilityZone string `query:"AvailabilityZone"`
}

// Reservation is one RunInstances call's instances, as DescribeInstances
// groups them.
type Reservation struct {
	ReservationID string     `xml:"reservationId"`
	OwnerID       string     `xml:"ownerId"`
	Groups        []struct{} `xml:"groupSet"`
	Instances     []Instance `xml:"instancesSet>item"`
}

type DescribeInstancesInput struct {
	InstanceIDs []string `query:"InstanceId"`
	Filters     []Filter `query:"Filter"`
}

type DescribeInstancesOutput struct {
	Reservations []Reservation `xml:"reservationSet>item"`
}

// InstanceState is a state's code and name. The code's low byte is what
// EC2 documents: 0 pending, 16 running, 32 shutting-down, 48 terminated,
// 64 stopping, 80 stopped.
type InstanceState struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

var stateCodes = map[string]int{"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}

func stateOf(name string) InstanceState { return InstanceState{Code: stateCodes[name], Name: name} }

// Instance is the instance as EC2 describes it.
type Instance struct {
	InstanceID          string                     `xml:"instanceId"`
	ImageID             string                     `xml:"imageId"`
	State               InstanceState              `xml:"instanceState"`
	PrivateDNSName      string                     `xml:"privateDnsName"`
	DNSName             string                     `xml:"dnsName"`
	Reason              string                     `xml:"reason"`
	KeyName             string                     `xml:"keyName,omitempty"`
	AmiLaunchIndex      int                        `xml:"amiLaunchIndex"`
	ProductCodes        []struct{}                 `xml:"productCodes"`
	InstanceType        string                     `xml:"instanceType"`
	LaunchTime          string                     `xml:"launchTime"`
	Placement           Placement                  `xml:"placement"`
	Monitoring          InstanceMonitoring         `xml:"monitoring"`
	SubnetID            string                     `xml:"subnetId,omitempty"`
	VpcID               string                     `xml:"vpcId,omitempty"`
	PrivateIPAddress    string                     `xml:"privateIpAddress,omitempty"`
	SourceDestCheck     *bool                      `xml:"sourceDestCheck,omitempty"`
	Groups              []GroupIdentifier          `xml:"groupSet>item"`
	StateReason         *StateReason               `xml:"stateReason,omitempty"`
	Architecture        string                     `xml:"architecture"`
	RootDeviceType      string                     `xml:"rootDeviceType"`
	RootDeviceName      string                     `xml:"rootDeviceName"`
	BlockDeviceMappings []InstanceBlockDevice      `xml:"blockDeviceMapping>item"`
	VirtualizationType  string                     `xml:"virtualizationType"`
	ClientToken         string                     `xml:"clientToken"`
	Tags                []Tag                      `xml:"tagSet>item,omitempty"`
	Hypervisor          string                     `xml:"hypervisor"`
	NetworkInterfaces   []InstanceNetworkInterface `xml:"networkInterfaceSet>item"`
	EbsOptimized        bool                       `xml:"ebsOptimized"`
	EnaSupport          bool                       `xml:"enaSupport"`
	CPUOptions          CPUOptions                 `xml:"cpuOptions"`
	CapacityReservation CapacityReservationSpec    `xml:"capacityReservationSpecification"`
	HibernationOptions  ConfiguredFlag             `xml:"hibernationOptions"`
	MetadataOptions     MetadataOptions            `xml:"metadataOptions"`
	EnclaveOptions      EnabledFlag                `xml:"enclaveOptions"`
	BootMode            string                     `xml:"bootMode,omitempty"`
	PlatformDetails     string                     `xml:"platformDetails"`
	UsageOperation      string                     `xml:"usageOperation"`
	UsageOperationTime  string                     `xml:"usageOperationUpdateTime"`
	PrivateDNSOptions   PrivateDNSNameOptions      `xml:"privateDnsNameOptions"`
	MaintenanceOptions  MaintenanceOptions         `xml:"maintenanceOptions"`
	CurrentBootMode     string                     `xml:"currentInstanceBootMode,omitempty"`
}

type Placement struct {
	AvailabilityZone   string `xml:"availabilityZone"`
	AvailabilityZoneID string `xml:"availabilityZoneId"`
	GroupName          string `xml:"groupName"`
	Tenancy            string `xml:"tenancy"`
}

type InstanceMonitoring struct {
	State string `xml:"state"`
}

type StateReason struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type CPUOptions struct {
	CoreCount      int `xml:"coreCount"`
	ThreadsPerCore int `xml:"threadsPerCore"`
}

type CapacityReservationSpec struct {
	Preference string `xml:"capacityReservationPreference"`
}

type ConfiguredFlag struct {
	Configured bool `xml:"configured"`
}

type EnabledFlag struct {
	Enabled bool `xml:"enabled"`
}

type MetadataOptions struct {
	State                   string `xml:"state"`
	HTTPTokens              string `xml:"httpTokens"`
	HTTPPutResponseHopLimit int    `xml:"httpPutResponseHopLimit"`
	HTTPEndpoint            string `xml:"httpEndpoint"`
	HTTPProtocolIPv6        string `xml:"httpProtocolIpv6"`
	InstanceMetadataTags    string `xml:"instanceMetadataTags"`
}

type PrivateDNSNameOptions struct {
	HostnameType                    string `xml:"hostnameType"`
	EnableResourceNameDNSARecord    bool   `xml:"enableResourceNameDnsARecord"`
	EnableResourceNameDNSAAAARecord bool   `xml:"enableResourceNameDnsAAAARecord"`
}

type MaintenanceOptions struct {
	AutoRecovery    string `xml:"autoRecovery"`
	RebootMigration string `xml:"rebootMigration"`
}

// InstanceNetworkInterface is an interface as DescribeInstances shows it.
type InstanceNetworkInterface struct {
	NetworkInterfaceID string                      `xml:"networkInterfaceId"`
	SubnetID           string                      `xml:"subnetId"`
	VpcID              string                      `xml:"vpcId"`
	Description        string                      `xml:"description"`
	OwnerID            string                      `xml:"ownerId"`
	Status             string                      `xml:"status"`
	MacAddress         string                      `xml:"macAddress"`
	PrivateIPAddress   string                      `xml:"privateIpAddress"`
	PrivateDNSName     string                      `xml:"privateDnsName"`
	SourceDestCheck    bool                        `xml:"sourceDestCheck"`
	Groups             []GroupIdentifier           `xml:"groupSet>item"`
	Attachment         InstanceInterfaceAttachment `xml:"attachment"`
	PrivateIPAddresses []PrivateIPAddress          `xml:"privateIpAddressesSet>item"`
	Ipv6Addresses      []struct{}                  `xml:"ipv6AddressesSet"`
	InterfaceType      string                      `xml:"interfaceType"`
}

type InstanceInterfaceAttachment struct {
	AttachmentID        string `xml:"attachmentId"`
	DeviceIndex         int    `xml:"deviceIndex"`
	Status              string `xml:"status"`
	AttachTime          string `xml:"attachTime"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
	NetworkCardIndex    int    `xml:"networkCardIndex"`
}

type InstanceIDsInput struct {
	InstanceIDs []string `query:"InstanceId"`
	Force       bool     `query:"Force"`
}

type InstanceStateChangeOutput struct {
	Changes []InstanceStateChange `xml:"instancesSet>item"`
}

type InstanceStateChange struct {
	InstanceID    string        `xml:"instanceId"`
	CurrentState  InstanceState `xml:"currentState"`
	PreviousState InstanceState `xml:"previousState"`
}

// transition is how long an instance shows a passing state (pending,
// stopping, shutting-down) before the one it settles in. AWS takes tens of
// seconds; a short while keeps clients that wait for a state quick while
// still showing them the state they must wait through.
const transition = 2 * time.Second

// terminatedVisible is how long a terminated instance stays in
// DescribeInstances, as on AWS (about an hour).
const terminatedVisible = time.Hour

// maxLaunch bounds MaxCount: one call launches at most this many.
const maxLaunch = 100

// shownState is the state an instance is in at now: its stored, settled
// state, or the passing state before it while the transition lasts.
func shownState(i *model.EC2Instance, now time.Time) string {
	if now.Before(i.StateSince.Add(transition)) {
		switch i.State {
		case "running":
			return "pending"
		case "stopped":
			return "stopping"
		case "terminated":
			return "shutting-down"
		}
	}
	return i.State
}

func (s *Service) RunInstances(ctx context.Context, in *RunInstancesInput) (*Reservation, error) {
	if in.MinCount == nil {
		return nil, missing("MinCount")
	}
	if in.MaxCount == nil {
		return nil, missing("MaxCount")
	}
	if in.ImageID == "" {
		return nil, missing("ImageId")
	}
	minN, maxN := *in.MinCount, *in.MaxCount
	switch {
	case minN < 1:
		return nil, invalidValue("Value (%d) for parameter minCount is invalid. Expected a positive integer.", minN)
	case maxN < 1:
		return nil, invalidValue("Value (%d) for parameter maxCount is invalid. Expected a positive integer.", maxN)
	case minN > maxN:
		return nil, invalidValue("Value (%d) for parameter minCount is invalid. It must be less than or equal to maxCount (%d).", minN, maxN)
	}
	maxN = min(maxN, maxLaunch)
	if minN > maxN {
		return nil, api.BadRequest("InstanceLimitExceeded", "You have requested more instances (%d) than your current instance limit of %d allows for the specified instance type.", minN, maxLaunch)
	}
	img, err := findImage(in.ImageID)
	if err != nil {
		return nil, err
	}
	itype := in.InstanceType
	if itype == "" {
		itype = "m1.small" // AWS's historical default, which it no longer offers
	}
	it, ok := findInstanceType(itype)
	if !ok {
		return nil, invalidValue("Invalid value '%s' for InstanceType.", itype)
	}
	if !slices.Contains(it.Architectures, img.Architecture) {
		return nil, invalidValue("The architecture '%s' of the specified instance type does not match the architecture '%s' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.", it.Architectures[0], img.Architecture)
	}
	if in.UserData != "" {
		if _, err := base64.StdEncoding.DecodeString(in.UserData); err != nil {
			return nil, invalidParameter("Invalid BASE64 encoding of user data.")
		}
	}
	switch in.ShutdownBehavior {
	case "", "stop", "terminate":
	default:
		return nil, invalidValue("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid.", in.ShutdownBehavior)
	}
	instTags, eniTags, volTags, err := launchTags(ctx, in.TagSpecifications)
	if err != nil {
		return nil, err
	}
	if _, err := rootVolume(img, in.BlockDevices, nil); err != nil {
		return nil, err
	}
	nic, err := primaryInterfaceSpec(in)
	if err != nil {
		return nil, err
	}
	m := api.MetaFrom(ctx)
	now := s.clock.Now().UTC()
	res := &Reservation{ReservationID: api.NewID("r"), OwnerID: m.Account}
	var launched []*model.EC2Instance
	// answer describes the instances launched in the transaction that
	// launches them, so a launch that succeeds always gets its answer.
	answer := func(tx model.Tx) error {
		look, err := newInstanceLook(tx)
		if err != nil {
			return err
		}
		for _, inst := range launched {
			res.Instances = append(res.Instances, instanceShape(ctx, inst, look, now))
		}
		return nil
	}
	err = s.update(ctx, func(tx model.Tx) error {
		if in.ClientToken != "" {
			// A retried call with the same token gets the first call's
			// instances back instead of new ones.
			prior, err := model.List[model.EC2Instance](tx)
			if err != nil {
				return err
			}
			for _, p := range prior {
				if p.ClientToken == in.ClientToken {
					launched = append(launched, p)
				}
			}
			if len(launched) > 0 {
				res.ReservationID = launched[0].ReservationID
				return answer(tx)
			}
		}
		for n := 0; n < maxN; n++ {
			inst, err := s.launchOne(ctx, tx, in, nic, img, itype, now)
			if err != nil {
				// Past MinCount, running out of addresses ends the launch
				// with what it has, as AWS launches as many as it can.
				if n >= minN && isCode(err, "InsufficientFreeAddressesInSubnet") {
					break
				}
				return err
			}
			inst.ReservationID, inst.LaunchIndex, inst.Tags = res.ReservationID, n, maps.Clone(instTags)
			if inst.RootVolume, err = rootVolume(img, in.BlockDevices, maps.Clone(volTags)); err != nil {
				return err
			}
			if err := model.Put(tx, inst); err != nil {
				return err
			}
			if eni, ok, err := model.Get[model.NetworkInterface](tx, inst.PrimaryInterface); err != nil {
				return err
			} else if ok && nic.NetworkInterfaceID == "" {
				eni.Tags = maps.Clone(eniTags)
				if err := model.Put(tx, eni); err != nil {
					return err
				}
			}
			launched = append(launched, inst)
		}
		return answer(tx)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// isCode reports whether err is an api.Error with code.
func isCode(err error, code string) bool {
	var e *api.Error
	return errors.As(err, &e) && e.Code == code
}

// launchTags splits RunInstances' TagSpecifications into the instance's, its
// interface's and its root volume's tags.
func launchTags(ctx context.Context, specs []TagSpecification) (inst, eni, vol model.Tags, err error) {
	var byType = map[string][]TagSpecification{}
	for _, sp := range specs {
		switch sp.ResourceType {
		case "instance", "network-interface", "volume":
			byType[sp.ResourceType] = append(byType[sp.ResourceType], sp)
		default:
			return nil, nil, nil, invalidValue("'%s' is not a valid taggable resource type for this operation.", sp.ResourceType)
		}
	}
	if inst, err = tagsFor(ctx, byType["instance"], "instance"); err != nil {
		return nil, nil, nil, err
	}
	if eni, err = tagsFor(ctx, byType["network-interface"], "network-interface"); err != nil {
		return nil, nil, nil, err
	}
	if vol, err = tagsFor(ctx, byType["volume"], "volume"); err != nil {
		return nil, nil, nil, err
	}
	return inst, eni, vol, nil
}

// primaryInterfaceSpec folds the instance-level network parameters and
// NetworkInterface.N into the one spec of the primary interface (device
// index 0), refusing the combinations EC2 refuses.
func primaryInterfaceSpec(in *RunInstancesInput) (InstanceNetworkInterfaceInput, error) {
	if len(in.NetworkInterfaces) == 0 {
		return InstanceNetworkInterfaceInput{SubnetID: in.SubnetID, Groups: in.SecurityGroupIDs, PrivateIPAddress: in.PrivateIPAddress}, nil
	}
	switch {
	case in.SubnetID != "":
		return InstanceNetworkInterfaceInput{}, invalidParameterCombination("Network interfaces and an instance-level subnet ID may not be specified on the same request")
	case len(in.SecurityGroupIDs) > 0 || len(in.SecurityGroups) > 0:
		return InstanceNetworkInterfaceInput{}, invalidParameterCombination("Network interfaces and an instance-level security groups may not be specified on the same request")
	case in.PrivateIPAddress != "":
		return InstanceNetworkInterfaceInput{}, invalidParameterCombination("Network interfaces and an instance-level private IP address should not be specified on the same request")
	}
	if len(in.NetworkInterfaces) > 1 {
		return InstanceNetworkInterfaceInput{}, invalidValue("gatehouse launches instances with one network interface (device index 0); %d were given.", len(in.NetworkInterfaces))
	}
	nic := in.NetworkInterfaces[0]
	if nic.DeviceIndex == nil {
		return nic, missing("NetworkInterface.1.DeviceIndex")
	}
	if *nic.DeviceIndex != 0 {
		return nic, invalidParameter("When specifying network interfaces, you must include a device at index 0.")
	}
	if nic.NetworkInterfaceID != "" && (nic.SubnetID != "" || len(nic.Groups) > 0 || nic.PrivateIPAddress != "") {
		return nic, invalidParameterCombination("A network interface may not specify both a network interface ID and a subnet, security groups or a private IP address")
	}
	return nic, nil
}

// launchOne places one instance: its primary interface (created in the
// subnet, or an existing one attached) and its record, not yet stored.
func (s *Service) launchOne(ctx context.Context, tx model.Tx, in *RunInstancesInput, nic InstanceNetworkInterfaceInput,
	img *image, itype string, now time.Time) (*model.EC2Instance, error) {
	id := api.NewID("i")
	var eni *model.NetworkInterface
	deleteOnTerm := true
	if nic.NetworkInterfaceID != "" {
		e, ok, err := model.Get[model.NetworkInterface](tx, nic.NetworkInterfaceID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, eniNotFound(nic.NetworkInterfaceID)
		}
		if e.Attachment != nil || e.RequesterManaged || (e.Status != "" && e.Status != "available") {
			return nil, invalidValue("Interface: [%s] in use.", e.ID)
		}
		eni, deleteOnTerm = e, false
	} else {
		sn, err := s.launchSubnet(tx, nic.SubnetID, in.Placement.AvailabilityZone)
		if err != nil {
			return nil, err
		}
		groups, err := launchGroups(tx, sn, nic.Groups, in.SecurityGroups, nic.SubnetID != "")
		if err != nil {
			return nil, err
		}
		var want netip.Addr
		if nic.PrivateIPAddress != "" {
			a, err := netip.ParseAddr(nic.PrivateIPAddress)
			if err != nil || !a.Is4() {
				return nil, invalidValue("Value (%s) for parameter privateIpAddress is invalid. It is not a valid IPv4 address.", nic.PrivateIPAddress)
			}
			want = a
		}
		addr, err := chooseAddress(tx, sn, want)
		if err != nil {
			return nil, err
		}
		eni = &model.NetworkInterface{
			ID: api.NewID("eni"), SubnetID: sn.ID, VpcID: sn.VpcID, AvailabilityZone: sn.AvailabilityZone,
			PrivateIP: addr.String(), MacAddress: api.NewMAC(), Groups: groups, Description: nic.Description,
			InterfaceType: "interface",
		}
	}
	if nic.DeleteOnTermination != nil {
		deleteOnTerm = *nic.DeleteOnTermination
	}
	eni.Status = "in-use"
	eni.Attachment = &model.InterfaceAttachment{ID: api.NewID("eni-attach"), InstanceID: id, DeviceIndex: 0,
		Status: "attached", AttachTime: now, DeleteOnTermination: deleteOnTerm}
	if err := model.Put(tx, eni); err != nil {
		return nil, err
	}
	inst := &model.EC2Instance{
		ID: id, ImageID: img.ID, InstanceType: itype, State: "running", StateSince: now,
		SubnetID: eni.SubnetID, VpcID: eni.VpcID, AvailabilityZone: eni.AvailabilityZone, PrivateIP: eni.PrivateIP,
		PrimaryInterface: eni.ID, Groups: slices.Clone(eni.Groups), KeyName: in.KeyName,
		LaunchTime: timestamp(now), ClientToken: in.ClientToken, UserData: in.UserData,
		ShutdownBehavior: in.ShutdownBehavior,
	}
	if in.DisableAPITerm != nil {
		inst.DisableAPITermination = *in.DisableAPITerm
	}
	if in.DisableAPIStop != nil {
		inst.DisableAPIStop = *in.DisableAPIStop
	}
	return inst, nil
}

// launchSubnet is the subnet named, or else the default VPC's default
// subnet (in the zone asked for, else the region's first zone that has
// one), or VPCIdNotSpecified when the account has no default VPC.
func (s *Service) launchSubnet(tx model.Tx, id, zone string) (*model.Subnet, error) {
	if id != "" {
		sn, ok, err := model.Get[model.Subnet](tx, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, subnetNotFound(id)
		}
		if zone != "" && zone != sn.AvailabilityZone {
			return nil, invalidParameterCombination("The specified Availability Zone (%s) does not match the subnet's Availability Zone (%s).", zone, sn.AvailabilityZone)
		}
		return sn, nil
	}
	def, err := requireDefaultVpc(tx)
	if err != nil {
		return nil, err
	}
	subnets, err := model.List[model.Subnet](tx)
	if err != nil {
		return nil, err
	}
	var best *model.Subnet
	for _, sn := range subnets {
		if sn.VpcID != def.ID || !sn.DefaultForAz || (zone != "" && sn.AvailabilityZone != zone) {
			continue
		}
		if best == nil || sn.AvailabilityZone < best.AvailabilityZone {
			best = sn
		}
	}
	if best == nil {
		return nil, api.BadRequest("MissingInput", "No subnets found for the default VPC '%s'. Please specify a subnet.", def.ID)
	}
	return best, nil
}

// launchGroups resolves the groups of a new instance's interface: ids, or
// names (only in the default VPC, when no subnet was named), or the VPC's
// default group.
func launchGroups(tx model.Tx, sn *model.Subnet, ids, names []string, subnetNamed bool) ([]string, error) {
	ids = dedupe(ids)
	if len(names) > 0 {
		vpc, _, err := model.Get[model.VPC](tx, sn.VpcID)
		if err != nil {
			return nil, err
		}
		if subnetNamed && (vpc == nil || !vpc.IsDefault) {
			return nil, invalidParameterCombination("The parameter groupName cannot be used with the parameter subnet")
		}
		named, err := groupsByName(tx, dedupe(names))
		if err != nil {
			return nil, err
		}
		for _, g := range named {
			if !slices.Contains(ids, g.ID) {
				ids = append(ids, g.ID)
			}
		}
	}
	if len(ids) == 0 {
		vpc, ok, err := model.Get[model.VPC](tx, sn.VpcID)
		if err != nil {
			return nil, err
		}
		if ok && vpc.DefaultSecurityGroup != "" {
			ids = []string{vpc.DefaultSecurityGroup}
		}
	}
	if len(ids) > maxGroupsPerInterface {
		return nil, api.BadRequest("SecurityGroupsPerInterfaceLimitExceeded", "An interface can have at most %d security groups; %d were given.", maxGroupsPerInterface, len(ids))
	}
	if _, err := groupsForInterface(tx, sn, ids); err != nil {
		return nil, err
	}
	return ids, nil
}

func instanceNotFound(ids ...string) error {
	if len(ids) == 1 {
		return api.BadRequest("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", ids[0])
	}
	return api.BadRequest("InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(ids, ", "))
}

func instanceMalformed(id string) error {
	return api.BadRequest("InvalidInstanceID.Malformed", "Invalid id: \"%s\" (expecting \"i-...\")", id)
}

// instancesByID loads the instances named, in order; every unknown id is
// named in one NotFound error, as EC2 does. A terminated instance past its
// hour is gone.
func instancesByID(tx model.Tx, ids []string, now time.Time) ([]*model.EC2Instance, error) {
	if len(ids) == 0 {
		all, err := model.List[model.EC2Instance](tx)
		if err != nil {
			return nil, err
		}
		kept := all[:0]
		for _, i := range all {
			if !expired(i, now) {
				kept = append(kept, i)
			}
		}
		return kept, nil
	}
	var out []*model.EC2Instance
	var missingIDs []string
	for _, id := range dedupe(ids) {
		if !strings.HasPrefix(id, "i-") {
			return nil, instanceMalformed(id)
		}
		i, ok, err := model.Get[model.EC2Instance](tx, id)
		if err != nil {
			return nil, err
		}
		if !ok || expired(i, now) {
			missingIDs = append(missingIDs, id)
			continue
		}
		out = append(out, i)
	}
	if len(missingIDs) > 0 {
		return nil, instanceNotFound(missingIDs...)
	}
	return out, nil
}

func expired(i *model.EC2Instance, now time.Time) bool {
	return i.State == "terminated" && !now.Before(i.StateSince.Add(terminatedVisible))
}

func (s *Service) DescribeInstances(ctx context.Context, in *DescribeInstancesInput) (*DescribeInstancesOutput, error) {
	now := s.clock.Now()
	if err := checkFilters(in.Filters, instanceFields(ctx, &model.EC2Instance{}, nil, now)); err != nil {
		return nil, err
	}
	out := &DescribeInstancesOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		insts, err := instancesByID(tx, in.InstanceIDs, now)
		if err != nil {
			return err
		}
		look, err := newInstanceLook(tx)
		if err != nil {
			return err
		}
		byRes := map[string]int{}
		for _, i := range insts {
			if ok, err := matchFilters(in.Filters, instanceFields(ctx, i, look, now)); err != nil {
				return err
			} else if !ok {
				continue
			}
			rid := i.ReservationID
			if rid == "" {
				rid = "r-" + strings.TrimPrefix(i.ID, "i-")
			}
			n, ok := byRes[rid]
			if !ok {
				n = len(out.Reservations)
				byRes[rid] = n
				out.Reservations = append(out.Reservations, Reservation{ReservationID: rid, OwnerID: api.MetaFrom(ctx).Account})
			}
			out.Reservations[n].Instances = append(out.Reservations[n].Instances, instanceShape(ctx, i, look, now))
		}
		return nil
	})
	return out, err
}

// instanceLook holds what describing instances reads besides them: their
// interfaces and the groups' names.
type instanceLook struct {
	enis   map[string]*model.NetworkInterface
	groups map[string]*model.SecurityGroup
}

func newInstanceLook(tx model.Tx) (*instanceLook, error) {
	enis, err := model.List[model.NetworkInterface](tx)
	if err != nil {
		return nil, err
	}
	groups, err := model.List[model.SecurityGroup](tx)
	if err != nil {
		return nil, err
	}
	l := &instanceLook{enis: map[string]*model.NetworkInterface{}, groups: map[string]*model.SecurityGroup{}}
	for _, e := range enis {
		l.enis[e.ID] = e
	}
	for _, g := range groups {
		l.groups[g.ID] = g
	}
	return l, nil
}

// attached lists the interfaces attached to an instance, primary first.
func (l *instanceLook) attached(i *model.EC2Instance) []*model.NetworkInterface {
	var out []*model.NetworkInterface
	for _, e := range l.enis {
		if e.Attachment != nil && e.Attachment.InstanceID == i.ID {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *model.NetworkInterface) int { return a.Attachment.DeviceIndex - b.Attachment.DeviceIndex })
	return out
}

// groupsOf is the instance's groups: its primary interface's, which
// ModifyNetworkInterfaceAttribute may have changed since launch.
func (l *instanceLook) groupsOf(i *model.EC2Instance) []string {
	if l != nil {
		if e := l.enis[i.PrimaryInterface]; e != nil {
			return e.Groups
		}
	}
	return i.Groups
}

func instanceFields(ctx context.Context, i *model.EC2Instance, look *instanceLook, now time.Time) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "instance-id":
			return []string{i.ID}, true
		case "instance-state-name":
			return []string{shownState(i, now)}, true
		case "instance-state-code":
			return []string{strconv.Itoa(stateCodes[shownState(i, now)])}, true
		case "vpc-id", "network-interface.vpc-id":
			return []string{i.VpcID}, true
		case "subnet-id", "network-interface.subnet-id":
			return []string{i.SubnetID}, true
		case "private-ip-address", "network-interface.addresses.private-ip-address":
			return []string{i.PrivateIP}, true
		case "private-dns-name":
			return []string{privateDNSName(ctx, i.PrivateIP)}, true
		case "instance.group-id", "group-id", "network-interface.group-id":
			return look.groupsOf(i), true
		case "instance.group-name", "group-name":
			var names []string
			for _, id := range look.groupsOf(i) {
				if g := look.groups[id]; g != nil {
					names = append(names, g.Name)
				}
			}
			return names, true
		case "image-id":
			return []string{i.ImageID}, true
		case "instance-type":
			return []string{i.InstanceType}, true
		case "availability-zone":
			return []string{i.AvailabilityZone}, true
		case "key-name":
			return []string{i.KeyName}, true
		case "reservation-id":
			return []string{i.ReservationID}, true
		case "owner-id":
			return []string{api.MetaFrom(ctx).Account}, true
		case "network-interface.network-interface-id":
			return []string{i.PrimaryInterface}, true
		case "client-token":
			return []string{i.ClientToken}, true
		case "launch-index", "ami-launch-index":
			return []string{strconv.Itoa(i.LaunchIndex)}, true
		case "architecture":
			if img, err := findImage(i.ImageID); err == nil {
				return []string{img.Architecture}, true
			}
			return nil, true
		}
		return tagFields(i.Tags, name)
	}
}

func instanceShape(ctx context.Context, i *model.EC2Instance, look *instanceLook, now time.Time) Instance {
	state := shownState(i, now)
	account := api.MetaFrom(ctx).Account
	out := Instance{
		InstanceID:     i.ID,
		ImageID:        i.ImageID,
		State:          stateOf(state),
		KeyName:        i.KeyName,
		AmiLaunchIndex: i.LaunchIndex,
		InstanceType:   i.InstanceType,
		LaunchTime:     i.LaunchTime,
		Placement: Placement{AvailabilityZone: i.AvailabilityZone, AvailabilityZoneID: zoneID(ctx, i.AvailabilityZone),
			Tenancy: "default"},
		Monitoring:          InstanceMonitoring{State: "disabled"},
		Architecture:        "x86_64",
		RootDeviceType:      "ebs",
		RootDeviceName:      "/dev/xvda",
		VirtualizationType:  "hvm",
		ClientToken:         i.ClientToken,
		Tags:                tagSet(i.Tags),
		BlockDeviceMappings: blockDevices(i),
		Hypervisor:          "xen",
		EnaSupport:          true,
		CapacityReservation: CapacityReservationSpec{Preference: "open"},
		MetadataOptions: MetadataOptions{State: "applied", HTTPTokens: "required", HTTPPutResponseHopLimit: 2,
			HTTPEndpoint: "enabled", HTTPProtocolIPv6: "disabled", InstanceMetadataTags: "disabled"},
		PlatformDetails:    "Linux/UNIX",
		UsageOperation:     "RunInstances",
		UsageOperationTime: i.LaunchTime,
		PrivateDNSOptions:  PrivateDNSNameOptions{HostnameType: "ip-name"},
		MaintenanceOptions: MaintenanceOptions{AutoRecovery: "default", RebootMigration: "default"},
	}
	if img, err := findImage(i.ImageID); err == nil {
		out.Architecture, out.RootDeviceName, out.BootMode = img.Architecture, img.RootDeviceName, img.BootMode
		out.CurrentBootMode = "legacy-bios"
		if img.BootMode == "uefi" {
			out.CurrentBootMode = "uefi"
		}
	}
	if it, ok := findInstanceType(i.InstanceType); ok {
		out.CPUOptions = CPUOptions{CoreCount: it.Cores, ThreadsPerCore: it.VCPUs / it.Cores}
	}
	switch state {
	case "stopping", "stopped":
		out.Reason = "User initiated (" + i.StateSince.UTC().Format("2006-01-02 15:04:05 MST") + ")"
		out.StateReason = &StateReason{Code: "Client.UserInitiatedShutdown", Message: "Client.UserInitiatedShutdown: User initiated shutdown"}
	case "shutting-down", "terminated":
		out.Reason = "User initiated (" + i.StateSince.UTC().Format("2006-01-02 15:04:05 MST") + ")"
		out.StateReason = &StateReason{Code: "Client.UserInitiatedShutdown", Message: "Client.UserInitiatedShutdown: User initiated shutdown"}
	case "pending":
		out.StateReason = &StateReason{Code: "pending", Message: "pending"}
	}
	enis := look.attached(i)
	if i.State == "terminated" {
		// A terminating instance has let its interfaces go at once, so it
		// has no address or network placement left to show.
		return out
	}
	out.SubnetID, out.VpcID, out.PrivateIPAddress = i.SubnetID, i.VpcID, i.PrivateIP
	out.PrivateDNSName = privateDNSName(ctx, i.PrivateIP)
	for _, id := range look.groupsOf(i) {
		out.Groups = append(out.Groups, groupIdentifier(look.groups, id))
	}
	for _, e := range enis {
		out.NetworkInterfaces = append(out.NetworkInterfaces, instanceInterfaceShape(ctx, e, look.groups, account))
	}
	if len(enis) > 0 {
		sdc := !enis[0].NoSourceDestCheck
		out.SourceDestCheck = &sdc
	}
	return out
}

func groupIdentifier(groups map[string]*model.SecurityGroup, id string) GroupIdentifier {
	gi := GroupIdentifier{GroupID: id}
	if g := groups[id]; g != nil {
		gi.GroupName = g.Name
	}
	return gi
}

func instanceInterfaceShape(ctx context.Context, e *model.NetworkInterface, groups map[string]*model.SecurityGroup, account string) InstanceNetworkInterface {
	dns := privateDNSName(ctx, e.PrivateIP)
	out := InstanceNetworkInterface{
		NetworkInterfaceID: e.ID, SubnetID: e.SubnetID, VpcID: e.VpcID, Description: e.Description,
		OwnerID: account, Status: e.Status, MacAddress: e.MacAddress, PrivateIPAddress: e.PrivateIP,
		PrivateDNSName: dns, SourceDestCheck: !e.NoSourceDestCheck, InterfaceType: "interface",
		PrivateIPAddresses: []PrivateIPAddress{{PrivateIPAddress: e.PrivateIP, PrivateDNSName: dns, Primary: true}},
	}
	if a := e.Attachment; a != nil {
		out.Attachment = InstanceInterfaceAttachment{AttachmentID: a.ID, DeviceIndex: a.DeviceIndex, Status: a.Status,
			AttachTime: timestamp(a.AttachTime), DeleteOnTermination: a.DeleteOnTermination}
	}
	for _, id := range e.Groups {
		out.Groups = append(out.Groups, groupIdentifier(groups, id))
	}
	return out
}
