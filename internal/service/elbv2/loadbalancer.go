package elbv2

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

type CreateLoadBalancerInput struct {
	Name           string          `query:"Name,required"`
	Type           string          `query:"Type"`
	Scheme         string          `query:"Scheme"`
	IPAddressType  string          `query:"IpAddressType"`
	Subnets        []string        `query:"Subnets"`
	SubnetMappings []SubnetMapping `query:"SubnetMappings"`
	SecurityGroups []string        `query:"SecurityGroups"`
	Tags           []Tag           `query:"Tags"`
}

type SubnetMapping struct {
	SubnetID           string `query:"SubnetId"`
	PrivateIPv4Address string `query:"PrivateIPv4Address"`
}

type LoadBalancersOutput struct {
	LoadBalancers []LoadBalancer `xml:"LoadBalancers>member"`
}

type DescribeLoadBalancersInput struct {
	LoadBalancerArns []string `query:"LoadBalancerArns"`
	Names            []string `query:"Names"`
}

type DeleteLoadBalancerInput struct {
	LoadBalancerArn string `query:"LoadBalancerArn,required"`
}

type SetSecurityGroupsInput struct {
	LoadBalancerArn string   `query:"LoadBalancerArn,required"`
	SecurityGroups  []string `query:"SecurityGroups"`
	// EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic is "on" or "off".
	EnforcePrivateLink string `query:"EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"`
}

type SetSecurityGroupsOutput struct {
	SecurityGroupIDs   []string `xml:"SecurityGroupIds>member"`
	EnforcePrivateLink string   `xml:"EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic,omitempty"`
}

// LoadBalancer is the balancer as ELBv2 describes it.
type LoadBalancer struct {
	LoadBalancerArn       string             `xml:"LoadBalancerArn"`
	DNSName               string             `xml:"DNSName"`
	CanonicalHostedZoneID string             `xml:"CanonicalHostedZoneId"`
	CreatedTime           string             `xml:"CreatedTime"`
	LoadBalancerName      string             `xml:"LoadBalancerName"`
	Scheme                string             `xml:"Scheme"`
	VpcID                 string             `xml:"VpcId"`
	State                 string             `xml:"State>Code"`
	Type                  string             `xml:"Type"`
	AvailabilityZones     []AvailabilityZone `xml:"AvailabilityZones>member"`
	SecurityGroups        []string           `xml:"SecurityGroups>member,omitempty"`
	IPAddressType         string             `xml:"IpAddressType"`
	EnforcePrivateLink    string             `xml:"EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic,omitempty"`
}

type AvailabilityZone struct {
	ZoneName  string    `xml:"ZoneName"`
	SubnetID  string    `xml:"SubnetId"`
	Addresses []Address `xml:"LoadBalancerAddresses>member,omitempty"`
}

type Address struct {
	PrivateIPv4Address string `xml:"PrivateIPv4Address,omitempty"`
}

// Attribute keys each balancer type accepts, with AWS's defaults.
var lbAttributeDefaults = map[string]map[string]string{
	"application": {
		"deletion_protection.enabled":                              "false",
		"idle_timeout.timeout_seconds":                             "60",
		"routing.http2.enabled":                                    "true",
		"routing.http.drop_invalid_header_fields.enabled":          "false",
		"routing.http.preserve_host_header.enabled":                "false",
		"routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
		"routing.http.xff_client_port.enabled":                     "false",
		"routing.http.xff_header_processing.mode":                  "append",
		"routing.http.desync_mitigation_mode":                      "defensive",
		"access_logs.s3.enabled":                                   "false",
		"access_logs.s3.bucket":                                    "",
		"access_logs.s3.prefix":                                    "",
		"load_balancing.cross_zone.enabled":                        "true",
		"client_keep_alive.seconds":                                "3600",
		"connection_logs.s3.enabled":                               "false",
		"connection_logs.s3.bucket":                                "",
		"connection_logs.s3.prefix":                                "",
		"waf.fail_open.enabled":                                    "false",
		"zonal_shift.config.enabled":                               "false",
	},
	"network": {
		"deletion_protection.enabled":       "false",
		"load_balancing.cross_zone.enabled": "false",
		"access_logs.s3.enabled":            "false",
		"access_logs.s3.bucket":             "",
		"access_logs.s3.prefix":             "",
		"dns_record.client_routing_policy":  "any_availability_zone",
		"zonal_shift.config.enabled":        "false",
	},
}

// Hosted zone ids of ELB DNS names in us-east-1 (ALB, NLB); other regions
// have their own, which gatehouse does not model.
var hostedZone = map[string]string{"application": "Z35SXDOTRQ7X7K", "network": "Z26RNL4JYFTOTI"}

// enforcePrivateLinkAttr holds the NLB's choice of filtering PrivateLink
// traffic by its security groups ("on" unless set "off").
const enforcePrivateLinkAttr = "gatehouse:enforce_security_group_inbound_rules_on_private_link_traffic"

func (s *Service) CreateLoadBalancer(ctx context.Context, in *CreateLoadBalancerInput) (*LoadBalancersOutput, error) {
	mappings, err := checkCreateBalancer(in)
	if err != nil {
		return nil, err
	}
	tags, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}

	var out LoadBalancer
	err = s.update(ctx, func(tx model.Tx) error {
		subnets, err := s.subnetsOf(tx, mappings)
		if err != nil {
			return err
		}
		vpcID := subnets[0].VpcID
		if in.Type == "application" && len(azs(subnets)) < 2 {
			return validation("At least two subnets in two different Availability Zones must be specified")
		}
		groups, err := s.groupsFor(tx, vpcID, in.SecurityGroups, in.Type)
		if err != nil {
			return err
		}
		existing, err := model.List[model.LoadBalancer](tx)
		if err != nil {
			return err
		}
		for _, lb := range existing {
			if lb.Name != in.Name {
				continue
			}
			// A retry of the call that made lb gets lb back: CloudFormation
			// and Terraform retry creates and count on that.
			same, err := sameBalancer(tx, lb, in, mappings, groups)
			if err != nil {
				return err
			}
			if !same {
				return api.BadRequest("DuplicateLoadBalancerName", "A load balancer with the same name '%s' exists, but with different settings", in.Name)
			}
			out = lbShape(tx, lb)
			return nil
		}
		lb := &model.LoadBalancer{
			Name:           in.Name,
			Type:           in.Type,
			Scheme:         in.Scheme,
			IPAddressType:  in.IPAddressType,
			VpcID:          vpcID,
			SecurityGroups: groups,
			Interfaces:     map[string]string{},
			State:          "active",
			CreatedTime:    s.clock.Now().UTC(),
			Attributes:     map[string]string{},
			Tags:           tags,
		}
		id := api.RandomHex(16)
		kind := map[string]string{"application": "app", "network": "net"}[in.Type]
		lb.ARN = arn(ctx, "loadbalancer/"+kind+"/"+in.Name+"/"+id)
		lb.DNSName = dnsName(lb, id, api.MetaFrom(ctx).Region)
		for i, sn := range subnets {
			lb.Subnets = append(lb.Subnets, sn.ID)
			eni, err := s.nodeInterface(tx, lb, sn, mappings[i].PrivateIPv4Address)
			if err != nil {
				return err
			}
			lb.Interfaces[sn.ID] = eni.ID
		}
		if err := model.Put(tx, lb); err != nil {
			return err
		}
		out = lbShape(tx, lb)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &LoadBalancersOutput{LoadBalancers: []LoadBalancer{out}}, nil
}

// checkCreateBalancer validates what CreateLoadBalancer can check without
// the store, fills in AWS's defaults, and returns the subnets asked for, in
// either of the two ways a call may name them, as mappings.
func checkCreateBalancer(in *CreateLoadBalancerInput) ([]SubnetMapping, error) {
	if !resourceName.MatchString(in.Name) || strings.HasPrefix(in.Name, "internal-") {
		return nil, validation("Load balancer name '%s' is not valid: it must have 1 to 32 alphanumeric characters or hyphens, must not begin or end with a hyphen, and must not begin with 'internal-'", in.Name)
	}
	if in.Type == "" {
		in.Type = "application"
	}
	if in.Type != "application" && in.Type != "network" {
		return nil, validation("Load balancer type '%s' is not supported: gatehouse models 'application' and 'network'", in.Type)
	}
	if in.Scheme == "" {
		in.Scheme = "internet-facing"
	}
	if in.Scheme != "internal" && in.Scheme != "internet-facing" {
		return nil, validation("Load balancer scheme '%s' must be one of [internal, internet-facing]", in.Scheme)
	}
	if in.IPAddressType == "" {
		in.IPAddressType = "ipv4"
	}
	if in.IPAddressType != "ipv4" {
		return nil, validation("IP address type '%s' is not supported: gatehouse models ipv4", in.IPAddressType)
	}
	if len(in.Subnets) > 0 && len(in.SubnetMappings) > 0 {
		return nil, validation("You can specify subnets or subnet mappings, not both")
	}
	mappings := in.SubnetMappings
	for _, id := range in.Subnets {
		mappings = append(mappings, SubnetMapping{SubnetID: id})
	}
	if len(mappings) == 0 {
		return nil, validation("At least one subnet must be specified")
	}
	return mappings, nil
}

// sameBalancer reports whether a create call asks for the balancer lb that
// already has its name: same type, scheme and address type, the same subnets
// and security groups in any order (groups as resolved, so an ALB asking for
// none matches one that got its VPC's default group), and any private
// address the call pins. Tags are not settings here: a retry carrying other
// tags still gets lb back, unchanged.
func sameBalancer(tx model.Tx, lb *model.LoadBalancer, in *CreateLoadBalancerInput, mappings []SubnetMapping, groups []string) (bool, error) {
	if lb.Type != in.Type || lb.Scheme != in.Scheme || lb.IPAddressType != in.IPAddressType {
		return false, nil
	}
	subnets := make([]string, len(mappings))
	for i, m := range mappings {
		subnets[i] = m.SubnetID
	}
	if !sameSet(lb.Subnets, subnets) || !sameSet(lb.SecurityGroups, groups) {
		return false, nil
	}
	for _, m := range mappings {
		if m.PrivateIPv4Address == "" {
			continue
		}
		want, err := netip.ParseAddr(m.PrivateIPv4Address)
		if err != nil {
			return false, nil
		}
		eni, ok, err := model.Get[model.NetworkInterface](tx, lb.Interfaces[m.SubnetID])
		if err != nil || !ok {
			return false, err
		}
		if have, err := netip.ParseAddr(eni.PrivateIP); err != nil || have != want {
			return false, nil
		}
	}
	return true, nil
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// dnsName follows AWS's formats: ALBs "NAME-ID.REGION.elb.amazonaws.com",
// NLBs "NAME-ID.elb.REGION.amazonaws.com", internal ones prefixed "internal-".
func dnsName(lb *model.LoadBalancer, id, region string) string {
	name := lb.Name + "-" + id
	if lb.Scheme == "internal" {
		name = "internal-" + name
	}
	if lb.Type == "network" {
		return name + ".elb." + region + ".amazonaws.com"
	}
	return name + "." + region + ".elb.amazonaws.com"
}

// subnetsOf resolves the subnets, which must exist, share a VPC, and lie in
// distinct zones.
func (s *Service) subnetsOf(tx model.Tx, mappings []SubnetMapping) ([]*model.Subnet, error) {
	var out []*model.Subnet
	zones := map[string]bool{}
	for _, m := range mappings {
		sn, ok, err := model.Get[model.Subnet](tx, m.SubnetID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, subnetNotFound(m.SubnetID)
		}
		if len(out) > 0 && sn.VpcID != out[0].VpcID {
			return nil, invalidConfig("The subnets must all belong to the same VPC")
		}
		if zones[sn.AvailabilityZone] {
			return nil, invalidConfig("A load balancer cannot be attached to multiple subnets in the same Availability Zone")
		}
		zones[sn.AvailabilityZone] = true
		out = append(out, sn)
	}
	return out, nil
}

func azs(subnets []*model.Subnet) map[string]bool {
	z := map[string]bool{}
	for _, sn := range subnets {
		z[sn.AvailabilityZone] = true
	}
	return z
}

// groupsFor checks the security groups exist in the VPC. An ALB without any
// gets its VPC's default group, as on AWS; an NLB without any has none.
func (s *Service) groupsFor(tx model.Tx, vpcID string, ids []string, lbType string) ([]string, error) {
	if len(ids) == 0 && lbType == "application" {
		vpc, ok, err := model.Get[model.VPC](tx, vpcID)
		if err != nil || !ok {
			return nil, err
		}
		return []string{vpc.DefaultSecurityGroup}, nil
	}
	for _, id := range ids {
		g, ok, err := model.Get[model.SecurityGroup](tx, id)
		if err != nil {
			return nil, err
		}
		if !ok || g.VpcID != vpcID {
			return nil, invalidSecurityGroup(id)
		}
	}
	return ids, nil
}

// nodeInterface makes the requester-managed ENI that stands for the
// balancer's node in one subnet.
func (s *Service) nodeInterface(tx model.Tx, lb *model.LoadBalancer, sn *model.Subnet, want string) (*model.NetworkInterface, error) {
	prefix, ok := network.ParseCIDR(sn.CidrBlock)
	if !ok {
		return nil, fmt.Errorf("subnet %s has a bad CIDR %q", sn.ID, sn.CidrBlock)
	}
	enis, err := model.InterfacesInSubnet(tx, sn.ID)
	if err != nil {
		return nil, err
	}
	used := network.Addresses(enis)
	var addr netip.Addr
	if want != "" {
		a, err := netip.ParseAddr(want)
		if err != nil || !network.Assignable(prefix, a) {
			return nil, invalidConfig("The private IPv4 address '%s' is not valid in subnet '%s'", want, sn.ID)
		}
		if used[a] {
			return nil, invalidConfig("The private IPv4 address '%s' is already in use", want)
		}
		addr = a
	} else if addr, ok = network.NextFree(prefix, used); !ok {
		return nil, invalidConfig("Not enough IP space available in subnet '%s'. ELB requires at least 8 free IP addresses in each subnet.", sn.ID)
	}
	// ELB's own description format: "ELB app/NAME/ID".
	_, res, _ := strings.Cut(lb.ARN, ":loadbalancer/")
	eniType := "interface"
	if lb.Type == "network" {
		eniType = "network_load_balancer"
	}
	eni := &model.NetworkInterface{
		ID:               api.NewID("eni"),
		SubnetID:         sn.ID,
		VpcID:            sn.VpcID,
		AvailabilityZone: sn.AvailabilityZone,
		PrivateIP:        addr.String(),
		MacAddress:       api.NewMAC(),
		Groups:           lb.SecurityGroups,
		Description:      "ELB " + res,
		InterfaceType:    eniType,
		Status:           "in-use",
		RequesterManaged: true,
		RequesterID:      "amazon-elb",
	}
	return eni, model.Put(tx, eni)
}

func (s *Service) DescribeLoadBalancers(ctx context.Context, in *DescribeLoadBalancersInput) (*LoadBalancersOutput, error) {
	if len(in.LoadBalancerArns) > 0 && len(in.Names) > 0 {
		return nil, validation("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	out := &LoadBalancersOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		all, err := model.List[model.LoadBalancer](tx)
		if err != nil {
			return err
		}
		picked, err := pick(all, in.LoadBalancerArns, in.Names, func(lb *model.LoadBalancer) (string, string) { return lb.ARN, lb.Name }, lbNotFound)
		if err != nil {
			return err
		}
		for _, lb := range picked {
			out.LoadBalancers = append(out.LoadBalancers, lbShape(tx, lb))
		}
		return nil
	})
	return out, err
}

// pick selects records by ARN or by name, in the order asked; with neither,
// all of them. Any miss fails the whole call, as ELBv2 does.
func pick[T any](all []*T, arns, names []string, id func(*T) (arn, name string), notFound func() error) ([]*T, error) {
	if len(arns) == 0 && len(names) == 0 {
		return all, nil
	}
	var out []*T
	for _, want := range append(arns, names...) {
		found := false
		for _, r := range all {
			a, n := id(r)
			if a == want || n == want {
				out, found = append(out, r), true
				break
			}
		}
		if !found {
			return nil, notFound()
		}
	}
	return out, nil
}

func lbShape(tx model.Tx, lb *model.LoadBalancer) LoadBalancer {
	out := LoadBalancer{
		LoadBalancerArn:       lb.ARN,
		DNSName:               lb.DNSName,
		CanonicalHostedZoneID: hostedZone[lb.Type],
		CreatedTime:           lb.CreatedTime.Format(time.RFC3339Nano),
		LoadBalancerName:      lb.Name,
		Scheme:                lb.Scheme,
		VpcID:                 lb.VpcID,
		State:                 lb.State,
		Type:                  lb.Type,
		SecurityGroups:        lb.SecurityGroups,
		IPAddressType:         lb.IPAddressType,
	}
	if lb.Type == "network" && len(lb.SecurityGroups) > 0 {
		out.EnforcePrivateLink = enforcePrivateLink(lb)
	}
	for _, sn := range lb.Subnets {
		az := AvailabilityZone{SubnetID: sn}
		if subnet, ok, _ := model.Get[model.Subnet](tx, sn); ok {
			az.ZoneName = subnet.AvailabilityZone
		}
		if lb.Type == "network" {
			if eni, ok, _ := model.Get[model.NetworkInterface](tx, lb.Interfaces[sn]); ok {
				az.Addresses = []Address{{PrivateIPv4Address: eni.PrivateIP}}
			}
		}
		out.AvailabilityZones = append(out.AvailabilityZones, az)
	}
	return out
}

func enforcePrivateLink(lb *model.LoadBalancer) string {
	if v := lb.Attributes[enforcePrivateLinkAttr]; v != "" {
		return v
	}
	return "on"
}

func (s *Service) DeleteLoadBalancer(ctx context.Context, in *DeleteLoadBalancerInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		lb, ok, err := model.Get[model.LoadBalancer](tx, in.LoadBalancerArn)
		if err != nil || !ok {
			// Deleting a balancer that is already gone succeeds, as on AWS.
			return err
		}
		if lb.Attributes["deletion_protection.enabled"] == "true" {
			return notPermitted("Load balancer '%s' cannot be deleted because deletion protection is enabled", lb.ARN)
		}
		groups, err := model.List[model.TargetGroup](tx)
		if err != nil {
			return err
		}
		for _, g := range groups {
			for _, t := range g.Targets {
				if t.ID == lb.ARN {
					// An ALB that is an NLB's target stays until it is
					// deregistered, as on AWS.
					return resourceInUse("Load balancer '%s' cannot be deleted because it is currently associated with target group '%s'", lb.ARN, g.ARN)
				}
			}
		}
		if inUse, err := behindEndpointService(tx, lb.ARN); err != nil || inUse {
			if err == nil {
				// A VPC endpoint service (a REST API's VPC link) fronts it:
				// it stays until the service lets go of it, as on AWS.
				err = resourceInUse("Load balancer '%s' cannot be deleted because it is currently associated with another service", lb.ARN)
			}
			return err
		}
		listeners, err := model.List[model.Listener](tx)
		if err != nil {
			return err
		}
		for _, l := range listeners {
			if l.LoadBalancerARN == lb.ARN {
				if err := deleteListener(tx, l); err != nil {
					return err
				}
			}
		}
		for _, eni := range lb.Interfaces {
			if err := model.Delete(tx, model.NetworkInterface{ID: eni}); err != nil {
				return err
			}
		}
		return model.Delete(tx, lb)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) SetSecurityGroups(ctx context.Context, in *SetSecurityGroupsInput) (*SetSecurityGroupsOutput, error) {
	out := &SetSecurityGroupsOutput{}
	err := s.update(ctx, func(tx model.Tx) error {
		lb, ok, err := model.Get[model.LoadBalancer](tx, in.LoadBalancerArn)
		if err != nil {
			return err
		}
		if !ok {
			return lbNotFound()
		}
		if lb.Type == "network" && len(lb.SecurityGroups) == 0 && len(in.SecurityGroups) > 0 {
			// AWS: an NLB created without security groups can never get
			// any.
			return invalidConfig("You cannot set security groups on a Network Load Balancer which was created without any security groups.")
		}
		if lb.Type == "application" && len(in.SecurityGroups) == 0 {
			return validation("At least one security group must be specified for an Application Load Balancer")
		}
		groups, err := s.groupsFor(tx, lb.VpcID, in.SecurityGroups, "network")
		if err != nil {
			return err
		}
		switch in.EnforcePrivateLink {
		case "":
		case "on", "off":
			if lb.Type != "network" {
				return validation("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic applies to Network Load Balancers only")
			}
			lb.Attributes[enforcePrivateLinkAttr] = in.EnforcePrivateLink
		default:
			return validation("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic must be 'on' or 'off'")
		}
		lb.SecurityGroups = groups
		for _, id := range lb.Interfaces {
			eni, ok, err := model.Get[model.NetworkInterface](tx, id)
			if err != nil {
				return err
			}
			if ok {
				eni.Groups = groups
				if err := model.Put(tx, eni); err != nil {
					return err
				}
			}
		}
		out.SecurityGroupIDs = groups
		if lb.Type == "network" {
			out.EnforcePrivateLink = enforcePrivateLink(lb)
		}
		return model.Put(tx, lb)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// behindEndpointService reports whether an endpoint service, or a REST API
// VPC link still provisioning one, is in front of the balancer.
func behindEndpointService(tx model.Tx, arn string) (bool, error) {
	services, err := model.List[model.EndpointService](tx)
	if err != nil {
		return false, err
	}
	for _, es := range services {
		if es.State != "Deleted" && slices.Contains(es.NetworkLoadBalancers, arn) {
			return true, nil
		}
	}
	links, err := model.List[model.VpcLinkV1](tx)
	if err != nil {
		return false, err
	}
	for _, l := range links {
		if l.Status == model.LinkPending && slices.Contains(l.TargetARNs, arn) {
			return true, nil
		}
	}
	return false, nil
}

type DescribeCapacityReservationInput struct {
	LoadBalancerArn string `query:"LoadBalancerArn,required"`
}

// DescribeCapacityReservationOutput is a balancer's reserved capacity.
// gatehouse reserves none: the lists are empty, as for a balancer whose
// capacity was never reserved.
type DescribeCapacityReservationOutput struct {
	CapacityReservationState []struct{} `xml:"CapacityReservationState>member"`
}

func (s *Service) DescribeCapacityReservation(ctx context.Context, in *DescribeCapacityReservationInput) (*DescribeCapacityReservationOutput, error) {
	err := s.view(ctx, func(tx model.Tx) error {
		lb, ok, err := model.Get[model.LoadBalancer](tx, in.LoadBalancerArn)
		if err != nil {
			return err
		}
		if !ok {
			return lbNotFound()
		}
		if lb.Type != "application" && lb.Type != "network" {
			return invalidConfig("Capacity reservations apply to Application and Network Load Balancers only")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DescribeCapacityReservationOutput{CapacityReservationState: []struct{}{}}, nil
}
