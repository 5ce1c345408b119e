package ec2

import (
	"context"
	"slices"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// What every VPC has besides its default security group: the default
// network ACL, which holds every subnet nobody moved elsewhere, and the main
// route table with the local route.
//
// VPCs stored before these records existed have neither. They are created
// when first needed rather than read as "allow all, route locally": by the
// first call that writes to the VPC's subnets (CreateSubnet) and by the
// first DescribeNetworkAcls or DescribeRouteTables, so that clients always
// see what AWS shows (Terraform's aws_vpc reads both and fails without
// them). Until then the data plane treats a subnet that no ACL holds as
// allowed in both directions, which is what the default ACL would say.

// defaultACL is the ACL a VPC is born with: everything allowed both ways
// (rule 100) ahead of the catch-all deny.
func defaultACL(vpcID string) *model.NetworkACL {
	all := func(egress bool, rule int, action string) model.ACLEntry {
		return model.ACLEntry{RuleNumber: rule, Egress: egress, Protocol: protoAllNumber, Action: action, CidrBlock: "0.0.0.0/0"}
	}
	return &model.NetworkACL{
		ID:        api.NewID("acl"),
		VpcID:     vpcID,
		IsDefault: true,
		Entries: []model.ACLEntry{
			all(false, 100, "allow"), all(false, model.ACLDefaultRule, "deny"),
			all(true, 100, "allow"), all(true, model.ACLDefaultRule, "deny"),
		},
	}
}

// mainRouteTable is the table a VPC is born with: its CIDR routed locally,
// and the main association that makes it every unassociated subnet's table.
func mainRouteTable(vpc *model.VPC) *model.RouteTable {
	return &model.RouteTable{
		ID:           api.NewID("rtb"),
		VpcID:        vpc.ID,
		Main:         true,
		Routes:       []model.RouteEntry{localRoute(vpc.CidrBlock)},
		Associations: []model.RouteAssociation{{ID: api.NewID("rtbassoc"), Main: true}},
	}
}

// localRoute is the route every table of a VPC has for the VPC's CIDR.
func localRoute(cidr string) model.RouteEntry {
	return model.RouteEntry{DestinationCidr: cidr, GatewayID: "local", Origin: "CreateRouteTable"}
}

// vpcNet is what one VPC's subnets are held by, found in one scan.
type vpcNet struct {
	acl *model.NetworkACL
	rtb *model.RouteTable
}

// netsByVpc finds every VPC's default ACL and main route table.
func netsByVpc(tx model.Tx) (map[string]*vpcNet, error) {
	acls, err := model.List[model.NetworkACL](tx)
	if err != nil {
		return nil, err
	}
	rtbs, err := model.List[model.RouteTable](tx)
	if err != nil {
		return nil, err
	}
	out := map[string]*vpcNet{}
	get := func(vpc string) *vpcNet {
		if out[vpc] == nil {
			out[vpc] = &vpcNet{}
		}
		return out[vpc]
	}
	for _, a := range acls {
		if a.IsDefault {
			get(a.VpcID).acl = a
		}
	}
	for _, r := range rtbs {
		if r.Main {
			get(r.VpcID).rtb = r
		}
	}
	return out, nil
}

// completeVpc creates what a VPC stored before ACLs and route tables were
// kept is missing, putting its subnets in the new default ACL, and returns
// its default ACL.
func completeVpc(tx model.Tx, vpc *model.VPC, have *vpcNet) (*model.NetworkACL, error) {
	if have == nil {
		have = &vpcNet{}
	}
	if have.rtb == nil {
		have.rtb = mainRouteTable(vpc)
		if err := model.Put(tx, have.rtb); err != nil {
			return nil, err
		}
	}
	if have.acl != nil {
		return have.acl, nil
	}
	acl := defaultACL(vpc.ID)
	subnets, err := model.List[model.Subnet](tx)
	if err != nil {
		return nil, err
	}
	held, err := aclBySubnet(tx)
	if err != nil {
		return nil, err
	}
	for _, sn := range subnets {
		if sn.VpcID == vpc.ID && held[sn.ID] == nil {
			acl.Associations = append(acl.Associations, model.ACLAssociation{ID: api.NewID("aclassoc"), SubnetID: sn.ID})
		}
	}
	have.acl = acl
	return acl, model.Put(tx, acl)
}

// completeAll completes every VPC that lacks its default ACL or main route
// table, in one write, and only if one does: Describe calls run it first so
// that what they list is what AWS would show.
func (s *Service) completeAll(ctx context.Context) error {
	missing := func(tx model.Tx) ([]*model.VPC, map[string]*vpcNet, error) {
		vpcs, err := model.List[model.VPC](tx)
		if err != nil {
			return nil, nil, err
		}
		nets, err := netsByVpc(tx)
		if err != nil {
			return nil, nil, err
		}
		var out []*model.VPC
		for _, v := range vpcs {
			if n := nets[v.ID]; n == nil || n.acl == nil || n.rtb == nil {
				out = append(out, v)
			}
		}
		return out, nets, nil
	}
	var need bool
	err := s.view(ctx, func(tx model.Tx) error {
		vpcs, _, err := missing(tx)
		need = len(vpcs) > 0
		return err
	})
	if err != nil || !need {
		return err
	}
	return s.update(ctx, func(tx model.Tx) error {
		vpcs, nets, err := missing(tx)
		if err != nil {
			return err
		}
		for _, v := range vpcs {
			if _, err := completeVpc(tx, v, nets[v.ID]); err != nil {
				return err
			}
		}
		return nil
	})
}

// joinDefaultACL puts a new subnet in its VPC's default ACL, as AWS does
// with every subnet it creates. Whoever creates a subnet calls it in the
// same transaction, after storing the VPC's records.
func joinDefaultACL(tx model.Tx, sn *model.Subnet) error {
	vpc, ok, err := model.Get[model.VPC](tx, sn.VpcID)
	if err != nil {
		return err
	}
	if !ok {
		return vpcNotFound(sn.VpcID)
	}
	nets, err := netsByVpc(tx)
	if err != nil {
		return err
	}
	acl, err := completeVpc(tx, vpc, nets[vpc.ID])
	if err != nil {
		return err
	}
	if slices.ContainsFunc(acl.Associations, func(as model.ACLAssociation) bool { return as.SubnetID == sn.ID }) {
		// Completing a VPC stored before ACLs were kept took it in already.
		return nil
	}
	acl.Associations = append(acl.Associations, model.ACLAssociation{ID: api.NewID("aclassoc"), SubnetID: sn.ID})
	return model.Put(tx, acl)
}

// aclBySubnet maps each subnet to the ACL holding it.
func aclBySubnet(tx model.Tx) (map[string]*model.NetworkACL, error) {
	acls, err := model.List[model.NetworkACL](tx)
	if err != nil {
		return nil, err
	}
	out := map[string]*model.NetworkACL{}
	for _, a := range acls {
		for _, as := range a.Associations {
			out[as.SubnetID] = a
		}
	}
	return out, nil
}

// leaveSubnet removes a deleted subnet from the ACL and the route table
// that hold it.
func leaveSubnet(tx model.Tx, subnetID string) error {
	acls, err := model.List[model.NetworkACL](tx)
	if err != nil {
		return err
	}
	for _, a := range acls {
		if n := len(a.Associations); dropAssoc(&a.Associations, func(as model.ACLAssociation) bool { return as.SubnetID == subnetID }) != n {
			if err := model.Put(tx, a); err != nil {
				return err
			}
		}
	}
	rtbs, err := model.List[model.RouteTable](tx)
	if err != nil {
		return err
	}
	for _, r := range rtbs {
		if n := len(r.Associations); dropAssoc(&r.Associations, func(as model.RouteAssociation) bool { return as.SubnetID == subnetID }) != n {
			if err := model.Put(tx, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// dropAssoc removes the associations drop picks and returns how many are
// left.
func dropAssoc[T any](list *[]T, drop func(T) bool) int {
	out := (*list)[:0]
	for _, as := range *list {
		if !drop(as) {
			out = append(out, as)
		}
	}
	*list = out
	return len(out)
}

// deleteVpcNet deletes a VPC's main route table and default ACL with it, or
// answers DependencyViolation while the VPC still has another table or ACL,
// which AWS makes the user delete first.
func deleteVpcNet(tx model.Tx, vpcID string) error {
	acls, err := model.List[model.NetworkACL](tx)
	if err != nil {
		return err
	}
	rtbs, err := model.List[model.RouteTable](tx)
	if err != nil {
		return err
	}
	var drop []model.Record
	for _, a := range acls {
		if a.VpcID != vpcID {
			continue
		}
		if !a.IsDefault {
			return dependency("The vpc '%s' has dependencies and cannot be deleted.", vpcID)
		}
		drop = append(drop, a)
	}
	for _, r := range rtbs {
		if r.VpcID != vpcID {
			continue
		}
		if !r.Main {
			return dependency("The vpc '%s' has dependencies and cannot be deleted.", vpcID)
		}
		drop = append(drop, r)
	}
	for _, rec := range drop {
		if err := model.Delete(tx, rec); err != nil {
			return err
		}
	}
	return nil
}
