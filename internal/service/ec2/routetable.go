package ec2

import (
	"context"
	"net/netip"
	"slices"
	"strconv"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

type CreateRouteTableInput struct {
	VpcID             string             `query:"VpcId,required"`
	ClientToken       string             `query:"ClientToken"`
	TagSpecifications []TagSpecification `query:"TagSpecification"`
}

type CreateRouteTableOutput struct {
	RouteTable  RouteTable `xml:"routeTable"`
	ClientToken string     `xml:"clientToken,omitempty"`
}

type DescribeRouteTablesInput struct {
	RouteTableIDs []string `query:"RouteTableId"`
	Filters       []Filter `query:"Filter"`
}

type DescribeRouteTablesOutput struct {
	RouteTables set[RouteTable] `xml:"routeTableSet"`
}

type DeleteRouteTableInput struct {
	RouteTableID string `query:"RouteTableId,required"`
}

// RouteInput is CreateRoute's and ReplaceRoute's input: one destination
// and one target.
type RouteInput struct {
	RouteTableID                string `query:"RouteTableId,required"`
	DestinationCidrBlock        string `query:"DestinationCidrBlock"`
	DestinationIpv6CidrBlock    string `query:"DestinationIpv6CidrBlock"`
	DestinationPrefixListID     string `query:"DestinationPrefixListId"`
	GatewayID                   string `query:"GatewayId"`
	NatGatewayID                string `query:"NatGatewayId"`
	NetworkInterfaceID          string `query:"NetworkInterfaceId"`
	InstanceID                  string `query:"InstanceId"`
	VpcPeeringConnectionID      string `query:"VpcPeeringConnectionId"`
	TransitGatewayID            string `query:"TransitGatewayId"`
	VpcEndpointID               string `query:"VpcEndpointId"`
	EgressOnlyInternetGatewayID string `query:"EgressOnlyInternetGatewayId"`
	CarrierGatewayID            string `query:"CarrierGatewayId"`
	LocalGatewayID              string `query:"LocalGatewayId"`
	CoreNetworkArn              string `query:"CoreNetworkArn"`
	// LocalTarget (ReplaceRoute only) restores a local route's target.
	LocalTarget bool `query:"LocalTarget"`
}

type DeleteRouteInput struct {
	RouteTableID             string `query:"RouteTableId,required"`
	DestinationCidrBlock     string `query:"DestinationCidrBlock"`
	DestinationIpv6CidrBlock string `query:"DestinationIpv6CidrBlock"`
	DestinationPrefixListID  string `query:"DestinationPrefixListId"`
}

type AssociateRouteTableInput struct {
	RouteTableID string `query:"RouteTableId,required"`
	SubnetID     string `query:"SubnetId"`
	GatewayID    string `query:"GatewayId"`
}

type AssociateRouteTableOutput struct {
	AssociationID    string           `xml:"associationId"`
	AssociationState AssociationState `xml:"associationState"`
}

type DisassociateRouteTableInput struct {
	AssociationID string `query:"AssociationId,required"`
}

type ReplaceRouteTableAssociationInput struct {
	AssociationID string `query:"AssociationId,required"`
	RouteTableID  string `query:"RouteTableId,required"`
}

type ReplaceRouteTableAssociationOutput struct {
	NewAssociationID string           `xml:"newAssociationId"`
	AssociationState AssociationState `xml:"associationState"`
}

// RouteTable is the route table as EC2 describes it.
type RouteTable struct {
	RouteTableID    string               `xml:"routeTableId"`
	VpcID           string               `xml:"vpcId"`
	OwnerID         string               `xml:"ownerId"`
	Routes          set[Route]           `xml:"routeSet"`
	Associations    set[RouteTableAssoc] `xml:"associationSet"`
	PropagatingVgws set[PropagatingVgw]  `xml:"propagatingVgwSet"`
	Tags            set[Tag]             `xml:"tagSet"`
}

type Route struct {
	DestinationCidrBlock        string `xml:"destinationCidrBlock,omitempty"`
	DestinationIpv6CidrBlock    string `xml:"destinationIpv6CidrBlock,omitempty"`
	DestinationPrefixListID     string `xml:"destinationPrefixListId,omitempty"`
	GatewayID                   string `xml:"gatewayId,omitempty"`
	InstanceID                  string `xml:"instanceId,omitempty"`
	InstanceOwnerID             string `xml:"instanceOwnerId,omitempty"`
	NetworkInterfaceID          string `xml:"networkInterfaceId,omitempty"`
	NatGatewayID                string `xml:"natGatewayId,omitempty"`
	VpcPeeringConnectionID      string `xml:"vpcPeeringConnectionId,omitempty"`
	TransitGatewayID            string `xml:"transitGatewayId,omitempty"`
	EgressOnlyInternetGatewayID string `xml:"egressOnlyInternetGatewayId,omitempty"`
	State                       string `xml:"state"`
	Origin                      string `xml:"origin"`
}

type RouteTableAssoc struct {
	RouteTableAssociationID string           `xml:"routeTableAssociationId"`
	RouteTableID            string           `xml:"routeTableId"`
	SubnetID                string           `xml:"subnetId,omitempty"`
	GatewayID               string           `xml:"gatewayId,omitempty"`
	Main                    bool             `xml:"main"`
	AssociationState        AssociationState `xml:"associationState"`
}

type AssociationState struct {
	State string `xml:"state"`
}

type PropagatingVgw struct {
	GatewayID string `xml:"gatewayId"`
}

// associated is the state of every association gatehouse keeps: they take
// effect at once.
var associated = AssociationState{State: "associated"}

func routeTableNotFound(id string) error {
	return api.BadRequest("InvalidRouteTableID.NotFound", "The routeTable ID '%s' does not exist", id)
}

// checkRouteTableID rejects what cannot be a route table id before anything
// is looked up, as EC2 does.
func checkRouteTableID(id string) error {
	if !wellFormedID(id, "rtb") {
		return api.BadRequest("InvalidRouteTableId.Malformed", "Invalid id: %q (expecting \"rtb-...\")", id)
	}
	return nil
}

func routeTableDependency(id string) error {
	return dependency("The routeTable '%s' has dependencies and cannot be deleted.", id)
}

func differentNetworks(table, other string) error {
	return invalidValue("Route table %s and %s belong to different networks", table, other)
}

func (s *Service) CreateRouteTable(ctx context.Context, in *CreateRouteTableInput) (*CreateRouteTableOutput, error) {
	tags, err := tagsFor(ctx, in.TagSpecifications, "route-table")
	if err != nil {
		return nil, err
	}
	var rtb *model.RouteTable
	err = s.update(ctx, func(tx model.Tx) error {
		vpc, ok, err := model.Get[model.VPC](tx, in.VpcID)
		if err != nil {
			return err
		}
		if !ok {
			return vpcNotFound(in.VpcID)
		}
		rtb = &model.RouteTable{ID: api.NewID("rtb"), VpcID: vpc.ID, Routes: []model.RouteEntry{localRoute(vpc.CidrBlock)}, Tags: tags}
		return model.Put(tx, rtb)
	})
	if err != nil {
		return nil, err
	}
	return &CreateRouteTableOutput{RouteTable: routeTableShape(ctx, rtb, nil), ClientToken: in.ClientToken}, nil
}

func (s *Service) DescribeRouteTables(ctx context.Context, in *DescribeRouteTablesInput) (*DescribeRouteTablesOutput, error) {
	for _, id := range in.RouteTableIDs {
		if err := checkRouteTableID(id); err != nil {
			return nil, err
		}
	}
	if err := checkFilters(in.Filters, routeTableFields(ctx, &model.RouteTable{}, nil)); err != nil {
		return nil, err
	}
	if err := s.completeAll(ctx); err != nil {
		return nil, err
	}
	out := &DescribeRouteTablesOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		tables, err := byIDs[model.RouteTable](tx, in.RouteTableIDs, routeTableNotFound)
		if err != nil {
			return err
		}
		live, err := liveTargets(tx)
		if err != nil {
			return err
		}
		for _, r := range tables {
			if ok, err := matchFilters(in.Filters, routeTableFields(ctx, r, live)); err != nil {
				return err
			} else if ok {
				out.RouteTables.Items = append(out.RouteTables.Items, routeTableShape(ctx, r, live))
			}
		}
		return nil
	})
	return out, err
}

// targets knows which route targets exist and which ENI carries an
// instance, so that a route's state and shape can be told without a lookup
// per route.
type targets struct {
	enis      map[string]*model.NetworkInterface
	instances map[string]*model.EC2Instance
}

func liveTargets(tx model.Tx) (*targets, error) {
	enis, err := model.List[model.NetworkInterface](tx)
	if err != nil {
		return nil, err
	}
	insts, err := model.List[model.EC2Instance](tx)
	if err != nil {
		return nil, err
	}
	t := &targets{enis: map[string]*model.NetworkInterface{}, instances: map[string]*model.EC2Instance{}}
	for _, e := range enis {
		t.enis[e.ID] = e
	}
	for _, i := range insts {
		t.instances[i.ID] = i
	}
	return t, nil
}

// state is a route's state: blackhole while its target cannot take
// traffic (a deleted interface, an instance that is not running, or an
// interface attached to one; an attachment naming no instance does not
// count), active otherwise. The instance's settled state decides, as it
// does for the data plane.
func (t *targets) state(r model.RouteEntry) string {
	switch {
	case t == nil, r.GatewayID == "local":
		return "active"
	case r.InstanceID != "":
		if !t.running(r.InstanceID) {
			return "blackhole"
		}
	case r.NetworkInterfaceID != "":
		e := t.enis[r.NetworkInterfaceID]
		if e == nil || e.Attachment != nil && e.Attachment.InstanceID != "" && !t.running(e.Attachment.InstanceID) {
			return "blackhole"
		}
	}
	return "active"
}

func (t *targets) running(instanceID string) bool {
	i := t.instances[instanceID]
	return i != nil && i.State == "running"
}

func routeTableFields(ctx context.Context, r *model.RouteTable, live *targets) fields {
	routes := func(f func(e model.RouteEntry) string) []string {
		var out []string
		for _, e := range r.Routes {
			if v := f(e); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	assocs := func(f func(a model.RouteAssociation) string) []string {
		var out []string
		for _, a := range r.Associations {
			if v := f(a); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	return func(name string) ([]string, bool) {
		switch name {
		case "route-table-id":
			return []string{r.ID}, true
		case "vpc-id":
			return []string{r.VpcID}, true
		case "owner-id":
			return []string{api.MetaFrom(ctx).Account}, true
		case "association.main":
			return assocs(func(a model.RouteAssociation) string { return strconv.FormatBool(a.Main) }), true
		case "association.route-table-association-id":
			return assocs(func(a model.RouteAssociation) string { return a.ID }), true
		case "association.route-table-id":
			return assocs(func(model.RouteAssociation) string { return r.ID }), true
		case "association.subnet-id":
			return assocs(func(a model.RouteAssociation) string { return a.SubnetID }), true
		case "association.gateway-id":
			return assocs(func(a model.RouteAssociation) string { return a.GatewayID }), true
		case "route.destination-cidr-block":
			return routes(func(e model.RouteEntry) string { return e.DestinationCidr }), true
		case "route.destination-ipv6-cidr-block":
			return routes(func(e model.RouteEntry) string { return e.DestinationIPv6Cidr }), true
		case "route.destination-prefix-list-id":
			return routes(func(e model.RouteEntry) string { return e.DestinationPrefixList }), true
		case "route.gateway-id":
			return routes(func(e model.RouteEntry) string { return e.GatewayID }), true
		case "route.instance-id":
			return routes(func(e model.RouteEntry) string { return e.InstanceID }), true
		case "route.network-interface-id":
			return routes(func(e model.RouteEntry) string { return e.NetworkInterfaceID }), true
		case "route.nat-gateway-id":
			return routes(func(e model.RouteEntry) string { return e.NatGatewayID }), true
		case "route.transit-gateway-id":
			return routes(func(e model.RouteEntry) string { return e.TransitGatewayID }), true
		case "route.vpc-peering-connection-id":
			return routes(func(e model.RouteEntry) string { return e.VpcPeeringID }), true
		case "route.egress-only-internet-gateway-id":
			return nil, true
		case "route.origin":
			return routes(func(e model.RouteEntry) string { return e.Origin }), true
		case "route.state":
			return routes(func(e model.RouteEntry) string { return live.state(e) }), true
		}
		return tagFields(r.Tags, name)
	}
}

func (s *Service) DeleteRouteTable(ctx context.Context, in *DeleteRouteTableInput) (*Return, error) {
	if err := checkRouteTableID(in.RouteTableID); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx model.Tx) error {
		rtb, err := getRouteTable(tx, in.RouteTableID)
		if err != nil {
			return err
		}
		// The main table's own association counts as a dependency.
		if rtb.Main || len(rtb.Associations) > 0 {
			return routeTableDependency(rtb.ID)
		}
		return model.Delete(tx, rtb)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

func getRouteTable(tx model.Tx, id string) (*model.RouteTable, error) {
	rtb, ok, err := model.Get[model.RouteTable](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, routeTableNotFound(id)
	}
	return rtb, nil
}

func (s *Service) CreateRoute(ctx context.Context, in *RouteInput) (*Return, error) {
	return s.putRoute(ctx, in, false)
}

func (s *Service) ReplaceRoute(ctx context.Context, in *RouteInput) (*Return, error) {
	return s.putRoute(ctx, in, true)
}

// putRoute adds a route, or with replace changes the target of the route
// to the same destination.
func (s *Service) putRoute(ctx context.Context, in *RouteInput, replace bool) (*Return, error) {
	if err := checkRouteTableID(in.RouteTableID); err != nil {
		return nil, err
	}
	dest, err := routeDestination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListID)
	if err != nil {
		return nil, err
	}
	if replace && in.LocalTarget {
		return s.restoreLocal(ctx, in.RouteTableID, dest)
	}
	err = s.update(ctx, func(tx model.Tx) error {
		rtb, err := getRouteTable(tx, in.RouteTableID)
		if err != nil {
			return err
		}
		route, err := routeTarget(tx, rtb, in)
		if err != nil {
			return err
		}
		route.DestinationCidr, route.DestinationIPv6Cidr, route.DestinationPrefixList = dest.DestinationCidr, dest.DestinationIPv6Cidr, dest.DestinationPrefixList
		route.Origin = "CreateRoute"
		i := slices.IndexFunc(rtb.Routes, dest.sameDestination)
		switch {
		case replace && i < 0:
			return invalidValue("There is no route defined for '%s' in the route table. Use CreateRoute instead.", dest.String())
		case replace && rtb.Routes[i].GatewayID == "local":
			return invalidValue("cannot replace local route %s in route table %s", dest.String(), rtb.ID)
		case replace:
			rtb.Routes[i] = route
		case i >= 0:
			return api.BadRequest("RouteAlreadyExists", "The route identified by %s already exists.", dest.String())
		default:
			if err := checkMoreSpecific(tx, rtb, dest.DestinationCidr); err != nil {
				return err
			}
			if userRoutes(rtb) >= maxRoutes {
				return api.BadRequest("RouteLimitExceeded", "The route table '%s' already has %d routes, the most it may have.", rtb.ID, maxRoutes)
			}
			rtb.Routes = append(rtb.Routes, route)
		}
		return model.Put(tx, rtb)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

// maxRoutes is EC2's default quota of routes a table may have besides its
// local ones.
const maxRoutes = 50

func userRoutes(rtb *model.RouteTable) int {
	n := 0
	for _, r := range rtb.Routes {
		if r.GatewayID != "local" {
			n++
		}
	}
	return n
}

// restoreLocal is ReplaceRoute with LocalTarget: the local route's target
// never changes in gatehouse, so there is nothing to restore, but the route
// must be a local one.
func (s *Service) restoreLocal(ctx context.Context, id string, dest routeDest) (*Return, error) {
	err := s.view(ctx, func(tx model.Tx) error {
		rtb, err := getRouteTable(tx, id)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(rtb.Routes, dest.sameDestination)
		if i < 0 || rtb.Routes[i].GatewayID != "local" {
			return invalidValue("The route identified by %s is not a local route.", dest.String())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

// routeDest is a route's destination as it is kept.
type routeDest model.RouteEntry

func (d routeDest) String() string {
	switch {
	case d.DestinationCidr != "":
		return d.DestinationCidr
	case d.DestinationIPv6Cidr != "":
		return d.DestinationIPv6Cidr
	}
	return d.DestinationPrefixList
}

func (d routeDest) sameDestination(r model.RouteEntry) bool {
	return r.DestinationCidr == d.DestinationCidr && r.DestinationIPv6Cidr == d.DestinationIPv6Cidr && r.DestinationPrefixList == d.DestinationPrefixList
}

// routeDestination checks that exactly one destination is given and
// returns it as it is kept (a block with host bits set as its network).
func routeDestination(v4, v6, prefixList string) (routeDest, error) {
	n := 0
	for _, v := range []string{v4, v6, prefixList} {
		if v != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return routeDest{}, missing("destinationCidrBlock or destinationIpv6CidrBlock")
	case n > 1:
		return routeDest{}, invalidParameterCombination("Exactly one of destinationCidrBlock, destinationIpv6CidrBlock and destinationPrefixListId may be specified.")
	case prefixList != "":
		return routeDest{}, api.BadRequest("InvalidPrefixListId.NotFound", "The prefix list ID '%s' does not exist", prefixList)
	case v4 != "":
		p, err := netip.ParsePrefix(v4)
		if err != nil || !p.Addr().Is4() {
			return routeDest{}, invalidCIDR("destinationCidrBlock", v4)
		}
		return routeDest{DestinationCidr: p.Masked().String()}, nil
	}
	p, err := netip.ParsePrefix(v6)
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
		return routeDest{}, invalidCIDR("destinationIpv6CidrBlock", v6)
	}
	return routeDest{DestinationIPv6Cidr: p.Masked().String()}, nil
}

// routeTarget checks that exactly one target is given and that it exists in
// the table's VPC. Only network interfaces and instances can exist in
// gatehouse; every other kind of target is answered as AWS answers an id it
// does not know.
func routeTarget(tx model.Tx, rtb *model.RouteTable, in *RouteInput) (model.RouteEntry, error) {
	type target struct {
		value    string
		notFound func(string) error
	}
	gatewayNotFound := func(id string) error {
		return api.BadRequest("InvalidGatewayID.NotFound", "The gateway ID '%s' does not exist", id)
	}
	all := []target{
		{in.GatewayID, gatewayNotFound},
		{in.NatGatewayID, func(id string) error {
			return api.BadRequest("InvalidNatGatewayID.NotFound", "The natGateway ID '%s' does not exist", id)
		}},
		{in.VpcPeeringConnectionID, func(id string) error {
			return api.BadRequest("InvalidVpcPeeringConnectionID.NotFound", "The vpcPeeringConnection ID '%s' does not exist", id)
		}},
		{in.TransitGatewayID, func(id string) error {
			return api.BadRequest("InvalidTransitGatewayID.NotFound", "The transitGateway ID '%s' does not exist.", id)
		}},
		{in.VpcEndpointID, func(id string) error {
			return api.BadRequest("InvalidVpcEndpointId.NotFound", "The Vpc Endpoint Id '%s' does not exist", id)
		}},
		{in.EgressOnlyInternetGatewayID, gatewayNotFound},
		{in.CarrierGatewayID, func(id string) error {
			return api.BadRequest("InvalidCarrierGatewayID.NotFound", "The carrierGateway ID '%s' does not exist", id)
		}},
		{in.LocalGatewayID, func(id string) error {
			return api.BadRequest("InvalidLocalGatewayID.NotFound", "The localGateway ID '%s' does not exist", id)
		}},
		{in.CoreNetworkArn, func(arn string) error {
			return invalidValue("The core network '%s' does not exist", arn)
		}},
		{in.NetworkInterfaceID, nil},
		{in.InstanceID, nil},
	}
	n := 0
	for _, t := range all {
		if t.value != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return model.RouteEntry{}, missing("gatewayId, natGatewayId, networkInterfaceId, instanceId, vpcPeeringConnectionId, transitGatewayId, vpcEndpointId, egressOnlyInternetGatewayId, carrierGatewayId, localGatewayId or coreNetworkArn")
	case n > 1:
		return model.RouteEntry{}, invalidParameterCombination("A route may have only one target.")
	}
	for _, t := range all {
		if t.value != "" && t.notFound != nil {
			return model.RouteEntry{}, t.notFound(t.value)
		}
	}
	if in.InstanceID != "" {
		inst, ok, err := model.Get[model.EC2Instance](tx, in.InstanceID)
		if err != nil {
			return model.RouteEntry{}, err
		}
		if !ok {
			return model.RouteEntry{}, api.BadRequest("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", in.InstanceID)
		}
		if inst.VpcID != rtb.VpcID {
			return model.RouteEntry{}, differentNetworks(rtb.ID, "instance "+inst.ID)
		}
		return model.RouteEntry{InstanceID: inst.ID, NetworkInterfaceID: inst.PrimaryInterface}, nil
	}
	eni, ok, err := model.Get[model.NetworkInterface](tx, in.NetworkInterfaceID)
	if err != nil {
		return model.RouteEntry{}, err
	}
	if !ok {
		return model.RouteEntry{}, eniNotFound(in.NetworkInterfaceID)
	}
	if eni.VpcID != rtb.VpcID {
		return model.RouteEntry{}, differentNetworks(rtb.ID, "network interface "+eni.ID)
	}
	return model.RouteEntry{NetworkInterfaceID: eni.ID}, nil
}

// checkMoreSpecific applies AWS's rule for a route inside the VPC's own
// CIDR, more specific than the local route: it must cover exactly one of
// the VPC's subnets (its target, an interface or instance, is all gatehouse
// can have).
func checkMoreSpecific(tx model.Tx, rtb *model.RouteTable, cidr string) error {
	if cidr == "" {
		return nil
	}
	dest, _ := netip.ParsePrefix(cidr)
	var inside bool
	for _, r := range rtb.Routes {
		if r.GatewayID != "local" || r.DestinationCidr == "" {
			continue
		}
		if local, ok := network.ParseCIDR(r.DestinationCidr); ok && network.Contains(local, dest) {
			inside = true
		}
	}
	if !inside {
		return nil
	}
	subnets, err := model.List[model.Subnet](tx)
	if err != nil {
		return err
	}
	for _, sn := range subnets {
		if sn.VpcID == rtb.VpcID && sn.CidrBlock == cidr {
			return nil
		}
	}
	return invalidValue("The destination CIDR block %s is more specific than this VPC's local route and does not match the CIDR block of one of its subnets.", cidr)
}

func (s *Service) DeleteRoute(ctx context.Context, in *DeleteRouteInput) (*Return, error) {
	if err := checkRouteTableID(in.RouteTableID); err != nil {
		return nil, err
	}
	dest, err := routeDestination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListID)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		rtb, err := getRouteTable(tx, in.RouteTableID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(rtb.Routes, dest.sameDestination)
		kind := "destination-cidr-block"
		if dest.DestinationIPv6Cidr != "" {
			kind = "destination-ipv6-cidr-block"
		}
		switch {
		case i < 0:
			return api.BadRequest("InvalidRoute.NotFound", "no route with %s %s in route table %s", kind, dest.String(), rtb.ID)
		case rtb.Routes[i].GatewayID == "local":
			return invalidValue("cannot remove local route %s in route table %s", dest.String(), rtb.ID)
		}
		rtb.Routes = slices.Delete(rtb.Routes, i, i+1)
		return model.Put(tx, rtb)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

func (s *Service) AssociateRouteTable(ctx context.Context, in *AssociateRouteTableInput) (*AssociateRouteTableOutput, error) {
	if err := checkRouteTableID(in.RouteTableID); err != nil {
		return nil, err
	}
	switch {
	case in.SubnetID == "" && in.GatewayID == "":
		return nil, missing("subnetId or gatewayId")
	case in.SubnetID != "" && in.GatewayID != "":
		return nil, invalidParameterCombination("Only one of subnetId and gatewayId may be specified.")
	}
	id := api.NewID("rtbassoc")
	err := s.update(ctx, func(tx model.Tx) error {
		rtb, err := getRouteTable(tx, in.RouteTableID)
		if err != nil {
			return err
		}
		if in.GatewayID != "" {
			return api.BadRequest("InvalidGatewayID.NotFound", "The gateway ID '%s' does not exist", in.GatewayID)
		}
		sn, ok, err := model.Get[model.Subnet](tx, in.SubnetID)
		if err != nil {
			return err
		}
		if !ok {
			return subnetNotFound(in.SubnetID)
		}
		if sn.VpcID != rtb.VpcID {
			return differentNetworks(rtb.ID, "subnet "+sn.ID)
		}
		if held, err := routeTableOf(tx, sn.ID); err != nil {
			return err
		} else if held != nil {
			return api.BadRequest("Resource.AlreadyAssociated", "the specified association for route table %s conflicts with an existing association", rtb.ID)
		}
		rtb.Associations = append(rtb.Associations, model.RouteAssociation{ID: id, SubnetID: sn.ID})
		return model.Put(tx, rtb)
	})
	if err != nil {
		return nil, err
	}
	return &AssociateRouteTableOutput{AssociationID: id, AssociationState: associated}, nil
}

// routeTableOf returns the table a subnet is explicitly associated with, or
// nil when it follows the main table.
func routeTableOf(tx model.Tx, subnetID string) (*model.RouteTable, error) {
	tables, err := model.List[model.RouteTable](tx)
	if err != nil {
		return nil, err
	}
	for _, r := range tables {
		for _, a := range r.Associations {
			if a.SubnetID == subnetID {
				return r, nil
			}
		}
	}
	return nil, nil
}

// findRouteAssociation returns the table holding an association and the
// association's position in it.
func findRouteAssociation(tx model.Tx, id string) (*model.RouteTable, int, error) {
	tables, err := model.List[model.RouteTable](tx)
	if err != nil {
		return nil, 0, err
	}
	for _, r := range tables {
		for i, a := range r.Associations {
			if a.ID == id {
				return r, i, nil
			}
		}
	}
	return nil, 0, associationNotFound(id)
}

func (s *Service) DisassociateRouteTable(ctx context.Context, in *DisassociateRouteTableInput) (*Return, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		rtb, i, err := findRouteAssociation(tx, in.AssociationID)
		if err != nil {
			return err
		}
		if rtb.Associations[i].Main {
			return invalidValue("cannot disassociate the main route table association %s", in.AssociationID)
		}
		rtb.Associations = slices.Delete(rtb.Associations, i, i+1)
		return model.Put(tx, rtb)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

// ReplaceRouteTableAssociation moves a subnet's association to another
// table, or, given the main association, makes another table the VPC's
// main one.
func (s *Service) ReplaceRouteTableAssociation(ctx context.Context, in *ReplaceRouteTableAssociationInput) (*ReplaceRouteTableAssociationOutput, error) {
	if err := checkRouteTableID(in.RouteTableID); err != nil {
		return nil, err
	}
	id := api.NewID("rtbassoc")
	err := s.update(ctx, func(tx model.Tx) error {
		from, i, err := findRouteAssociation(tx, in.AssociationID)
		if err != nil {
			return err
		}
		to, err := getRouteTable(tx, in.RouteTableID)
		if err != nil {
			return err
		}
		assoc := from.Associations[i]
		if to.VpcID != from.VpcID {
			other := "subnet " + assoc.SubnetID
			if assoc.Main {
				other = "route table " + from.ID
			}
			return differentNetworks(to.ID, other)
		}
		from.Associations = slices.Delete(from.Associations, i, i+1)
		if assoc.Main {
			from.Main = false
		}
		if to.ID == from.ID {
			to = from
		} else if err := model.Put(tx, from); err != nil {
			return err
		}
		if assoc.Main {
			to.Main = true
		}
		assoc.ID = id
		to.Associations = append(to.Associations, assoc)
		return model.Put(tx, to)
	})
	if err != nil {
		return nil, err
	}
	return &ReplaceRouteTableAssociationOutput{NewAssociationID: id, AssociationState: associated}, nil
}

func routeTableShape(ctx context.Context, r *model.RouteTable, live *targets) RouteTable {
	account := api.MetaFrom(ctx).Account
	out := RouteTable{RouteTableID: r.ID, VpcID: r.VpcID, OwnerID: account, Tags: tagList(r.Tags)}
	for _, e := range r.Routes {
		rt := Route{
			DestinationCidrBlock:     e.DestinationCidr,
			DestinationIpv6CidrBlock: e.DestinationIPv6Cidr,
			DestinationPrefixListID:  e.DestinationPrefixList,
			GatewayID:                e.GatewayID,
			NetworkInterfaceID:       e.NetworkInterfaceID,
			InstanceID:               e.InstanceID,
			NatGatewayID:             e.NatGatewayID,
			VpcPeeringConnectionID:   e.VpcPeeringID,
			TransitGatewayID:         e.TransitGatewayID,
			State:                    live.state(e),
			Origin:                   e.Origin,
		}
		// A route to an interface attached to an instance names the
		// instance too, as EC2 does.
		if rt.InstanceID == "" && live != nil {
			if eni := live.enis[e.NetworkInterfaceID]; eni != nil && eni.Attachment != nil && eni.Attachment.InstanceID != "" {
				rt.InstanceID = eni.Attachment.InstanceID
			}
		}
		if rt.InstanceID != "" {
			rt.InstanceOwnerID = account
		}
		out.Routes.Items = append(out.Routes.Items, rt)
	}
	for _, a := range r.Associations {
		out.Associations.Items = append(out.Associations.Items, RouteTableAssoc{
			Main: a.Main, RouteTableAssociationID: a.ID, RouteTableID: r.ID,
			SubnetID: a.SubnetID, GatewayID: a.GatewayID, AssociationState: associated,
		})
	}
	return out
}
