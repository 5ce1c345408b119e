package provision

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/stack"
)

// Route tables, routes, network ACLs and their entries, and the
// associations that put a subnet under a table or an ACL.

func init() {
	creators["AWS::EC2::RouteTable"] = createRouteTable
	updaters["AWS::EC2::RouteTable"] = retagOnly
	deleters["AWS::EC2::RouteTable"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "route table "+cur.Ref, func() error {
			_, err := s.EC2.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: &cur.Ref})
			return err
		})
	}
	creators["AWS::EC2::SubnetRouteTableAssociation"] = createRouteTableAssociation
	updaters["AWS::EC2::SubnetRouteTableAssociation"] = nothingUpdatable
	deleters["AWS::EC2::SubnetRouteTableAssociation"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		_, err := s.EC2.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: &cur.Ref})
		if gone(err) {
			return nil
		}
		return err
	}
	creators["AWS::EC2::Route"] = createRoute
	updaters["AWS::EC2::Route"] = updateRoute
	deleters["AWS::EC2::Route"] = deleteRoute

	creators["AWS::EC2::NetworkAcl"] = createNetworkACL
	updaters["AWS::EC2::NetworkAcl"] = retagOnly
	deleters["AWS::EC2::NetworkAcl"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "network ACL "+cur.Ref, func() error {
			_, err := s.EC2.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: &cur.Ref})
			return err
		})
	}
	creators["AWS::EC2::NetworkAclEntry"] = createNetworkACLEntry
	updaters["AWS::EC2::NetworkAclEntry"] = updateNetworkACLEntry
	deleters["AWS::EC2::NetworkAclEntry"] = deleteNetworkACLEntry
	creators["AWS::EC2::SubnetNetworkAclAssociation"] = createACLAssociation
	updaters["AWS::EC2::SubnetNetworkAclAssociation"] = nothingUpdatable
	deleters["AWS::EC2::SubnetNetworkAclAssociation"] = deleteACLAssociation
}

// retagOnly updates a type whose only property that is not create-only
// is Tags.
func retagOnly(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	if _, err := updatable(t, old, new, "Tags"); err != nil {
		return cur, err
	}
	return cur, retagEC2(ctx, s, cur.Ref, t, new)
}

// nothingUpdatable is the updater of a type all of whose properties are
// create-only: the engine replaces it instead, so any change that reaches
// here is refused by name.
func nothingUpdatable(_ context.Context, _ *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	_, err := updatable(t, old, new)
	return cur, err
}

func createRouteTable(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	out, err := s.EC2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: p.str("VpcId"),
		TagSpecifications: ec2Tagged(ec2types.ResourceTypeRouteTable, t, p)})
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.RouteTable.RouteTableId)
	return stack.Created{Ref: id, Attrs: map[string]any{"RouteTableId": id}}, nil
}

func createRouteTableAssociation(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	out, err := s.EC2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: p.str("RouteTableId"), SubnetId: p.str("SubnetId")})
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.AssociationId)
	return stack.Created{Ref: id, Attrs: map[string]any{"Id": id}}, nil
}

// routeTargets are a route's properties that say where it leads; a new
// one is a ReplaceRoute.
var routeTargets = []string{"CarrierGatewayId", "EgressOnlyInternetGatewayId", "GatewayId", "InstanceId", "LocalGatewayId",
	"NatGatewayId", "NetworkInterfaceId", "TransitGatewayId", "VpcEndpointId", "VpcPeeringConnectionId", "CoreNetworkArn"}

// destination is the one of a route's destinations p gives, for its
// physical id: the table and the destination, as CloudFormation names a
// route.
func destination(p props) string {
	for _, k := range []string{"DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"} {
		if v := p.str(k); v != nil {
			return *v
		}
	}
	return ""
}

func createRoute(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in ec2.CreateRouteInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	if _, err := s.EC2.CreateRoute(ctx, &in); err != nil {
		return stack.Created{}, err
	}
	id := p.string("RouteTableId") + "|" + destination(p)
	return stack.Created{Ref: id, Attrs: map[string]any{"CidrBlock": p.string("DestinationCidrBlock")}}, nil
}

func updateRoute(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	if _, err := updatable(t, old, new, routeTargets...); err != nil {
		return cur, err
	}
	var in ec2.ReplaceRouteInput
	if err := decode(map[string]any(new), &in); err != nil {
		return cur, err
	}
	_, err := s.EC2.ReplaceRoute(ctx, &in)
	return cur, err
}

func deleteRoute(ctx context.Context, s *SDK, _ stack.Target, _ stack.Created, p props) error {
	_, err := s.EC2.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: p.str("RouteTableId"), DestinationCidrBlock: p.str("DestinationCidrBlock"),
		DestinationIpv6CidrBlock: p.str("DestinationIpv6CidrBlock"), DestinationPrefixListId: p.str("DestinationPrefixListId")})
	if gone(err) {
		return nil
	}
	return err
}

func createNetworkACL(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	out, err := s.EC2.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: p.str("VpcId"),
		TagSpecifications: ec2Tagged(ec2types.ResourceTypeNetworkAcl, t, p)})
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.NetworkAcl.NetworkAclId)
	return stack.Created{Ref: id, Attrs: map[string]any{"Id": id}}, nil
}

// aclEntry reads an entry into the API's shape; CloudFormation calls the
// ICMP settings Icmp where the API says IcmpTypeCode.
func aclEntry(p props) (ec2.CreateNetworkAclEntryInput, error) {
	var in ec2.CreateNetworkAclEntryInput
	if err := decode(without(p, "Icmp"), &in); err != nil {
		return in, err
	}
	if err := decode(p["Icmp"], &in.IcmpTypeCode); err != nil {
		return in, fmt.Errorf("Icmp%v", err)
	}
	if in.Egress == nil {
		in.Egress = aws.Bool(false)
	}
	return in, nil
}

func createNetworkACLEntry(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	in, err := aclEntry(p)
	if err != nil {
		return stack.Created{}, err
	}
	if _, err := s.EC2.CreateNetworkAclEntry(ctx, &in); err != nil {
		return stack.Created{}, err
	}
	direction := "ingress"
	if aws.ToBool(in.Egress) {
		direction = "egress"
	}
	id := fmt.Sprintf("%s|%s|%d", aws.ToString(in.NetworkAclId), direction, aws.ToInt32(in.RuleNumber))
	return stack.Created{Ref: id, Attrs: map[string]any{"Id": id}}, nil
}

// updateNetworkACLEntry replaces the entry under its number with the new
// protocol, action, block and ports.
func updateNetworkACLEntry(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	if _, err := updatable(t, old, new, "Protocol", "RuleAction", "CidrBlock", "Ipv6CidrBlock", "PortRange", "Icmp"); err != nil {
		return cur, err
	}
	in, err := aclEntry(new)
	if err != nil {
		return cur, err
	}
	_, err = s.EC2.ReplaceNetworkAclEntry(ctx, &ec2.ReplaceNetworkAclEntryInput{NetworkAclId: in.NetworkAclId, RuleNumber: in.RuleNumber,
		Egress: in.Egress, Protocol: in.Protocol, RuleAction: in.RuleAction, CidrBlock: in.CidrBlock, Ipv6CidrBlock: in.Ipv6CidrBlock,
		PortRange: in.PortRange, IcmpTypeCode: in.IcmpTypeCode})
	return cur, err
}

func deleteNetworkACLEntry(ctx context.Context, s *SDK, _ stack.Target, _ stack.Created, p props) error {
	in, err := aclEntry(p)
	if err != nil {
		return err
	}
	_, err = s.EC2.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: in.NetworkAclId, RuleNumber: in.RuleNumber, Egress: in.Egress})
	if gone(err) {
		return nil
	}
	return err
}

// createACLAssociation moves a subnet to the template's ACL. EC2 has no
// call that associates: every subnet is always under one ACL, so its
// current association is replaced.
func createACLAssociation(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	subnet := p.string("SubnetId")
	assoc, err := aclAssociation(ctx, s, subnet)
	if err != nil {
		return stack.Created{}, err
	}
	if assoc == "" {
		return stack.Created{}, fmt.Errorf("subnet %s is under no network ACL", subnet)
	}
	out, err := s.EC2.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: &assoc, NetworkAclId: p.str("NetworkAclId")})
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.NewAssociationId)
	return stack.Created{Ref: id, Attrs: map[string]any{"AssociationId": id}}, nil
}

// deleteACLAssociation returns the subnet to its VPC's default ACL, if it
// is still under the template's.
func deleteACLAssociation(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	out, err := s.EC2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
		{Name: aws.String("association.association-id"), Values: []string{cur.Ref}}}})
	if err != nil || len(out.NetworkAcls) == 0 {
		return err // a subnet gone, or moved since, leaves nothing to undo
	}
	vpc := aws.ToString(out.NetworkAcls[0].VpcId)
	def, err := s.EC2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("default"), Values: []string{"true"}}}})
	if err != nil {
		return err
	}
	if len(def.NetworkAcls) == 0 {
		return fmt.Errorf("VPC %s has no default network ACL to return subnet %s to", vpc, p.string("SubnetId"))
	}
	_, err = s.EC2.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: &cur.Ref,
		NetworkAclId: def.NetworkAcls[0].NetworkAclId})
	if gone(err) {
		return nil
	}
	return err
}
