package ec2_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

func tableOf(t *testing.T, c *ec2.Client, id string) types.RouteTable {
	t.Helper()
	out, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}})
	if err != nil || len(out.RouteTables) != 1 {
		t.Fatalf("DescribeRouteTables(%s) = %+v, %v", id, out, err)
	}
	return out.RouteTables[0]
}

// mainTableOf finds a VPC's main route table the way Terraform does.
func mainTableOf(t *testing.T, c *ec2.Client, vpc string) types.RouteTable {
	t.Helper()
	out, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{
		{Name: aws.String("association.main"), Values: []string{"true"}},
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
	}})
	if err != nil || len(out.RouteTables) != 1 {
		t.Fatalf("main route table of %s = %+v, %v", vpc, out, err)
	}
	return out.RouteTables[0]
}

func newRouteTable(t *testing.T, c *ec2.Client, vpc string) string {
	t.Helper()
	out, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.RouteTable.RouteTableId)
}

func routeString(r types.Route) string {
	s := aws.ToString(r.DestinationCidrBlock) + " -> "
	switch {
	case r.GatewayId != nil:
		s += aws.ToString(r.GatewayId)
	case r.NetworkInterfaceId != nil:
		s += "eni"
	}
	return s + " " + string(r.State) + " " + string(r.Origin)
}

func wantRoutes(t *testing.T, rt types.RouteTable, want ...string) {
	t.Helper()
	var got []string
	for _, r := range rt.Routes {
		got = append(got, routeString(r))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("routes of %s:\n%s\nwant:\n%s", aws.ToString(rt.RouteTableId), strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMainRouteTable(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	main := mainTableOf(t, c, vpc)
	wantRoutes(t, main, "10.0.0.0/16 -> local active CreateRouteTable")
	if len(main.Associations) != 1 || !aws.ToBool(main.Associations[0].Main) || main.Associations[0].SubnetId != nil ||
		aws.ToString(main.Associations[0].RouteTableId) != aws.ToString(main.RouteTableId) ||
		main.Associations[0].AssociationState.State != types.RouteTableAssociationStateCodeAssociated ||
		!strings.HasPrefix(aws.ToString(main.Associations[0].RouteTableAssociationId), "rtbassoc-") ||
		aws.ToString(main.OwnerId) == "" || main.PropagatingVgws == nil {
		t.Fatalf("main route table = %+v", main)
	}
	_, err := c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: main.RouteTableId})
	wantMessage(t, err, "DependencyViolation", "The routeTable '"+aws.ToString(main.RouteTableId)+"' has dependencies and cannot be deleted.")
	_, err = c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: main.Associations[0].RouteTableAssociationId})
	wantCode(t, err, "InvalidParameterValue")

	// Another table becomes main by taking the main association, as
	// aws_main_route_table_association does; the old one can then go.
	other := newRouteTable(t, c, vpc)
	out, err := c.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{AssociationId: main.Associations[0].RouteTableAssociationId, RouteTableId: aws.String(other)})
	if err != nil {
		t.Fatal(err)
	}
	if out.AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
		t.Fatalf("ReplaceRouteTableAssociation = %+v", out)
	}
	now := mainTableOf(t, c, vpc)
	if aws.ToString(now.RouteTableId) != other || aws.ToString(now.Associations[0].RouteTableAssociationId) != aws.ToString(out.NewAssociationId) {
		t.Fatalf("main table after replace = %+v", now)
	}
	if old := tableOf(t, c, aws.ToString(main.RouteTableId)); len(old.Associations) != 0 {
		t.Fatalf("old main table kept %+v", old.Associations)
	}
	// The VPC's non-main table holds up DeleteVpc until it is gone.
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpc)})
	wantCode(t, err, "DependencyViolation")
	if _, err := c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: main.RouteTableId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{other}})
	wantMessage(t, err, "InvalidRouteTableID.NotFound", "The routeTable ID '"+other+"' does not exist")
}

func TestRouteTableAssociations(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	out, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpc), TagSpecifications: tagSpec(types.ResourceTypeRouteTable, "Name", "private")})
	if err != nil {
		t.Fatal(err)
	}
	rt := out.RouteTable
	wantRoutes(t, *rt, "10.0.0.0/16 -> local active CreateRouteTable")
	if len(rt.Associations) != 0 || len(rt.Tags) != 1 || aws.ToString(rt.VpcId) != vpc {
		t.Fatalf("CreateRouteTable = %+v", rt)
	}
	a, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTableId, SubnetId: aws.String(sn)})
	if err != nil {
		t.Fatal(err)
	}
	assoc := aws.ToString(a.AssociationId)
	if !strings.HasPrefix(assoc, "rtbassoc-") || a.AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
		t.Fatalf("AssociateRouteTable = %+v", a)
	}
	for _, f := range []types.Filter{
		{Name: aws.String("association.route-table-association-id"), Values: []string{assoc}},
		{Name: aws.String("association.subnet-id"), Values: []string{sn}},
		{Name: aws.String("association.main"), Values: []string{"false"}},
		{Name: aws.String("tag:Name"), Values: []string{"priv*"}},
		{Name: aws.String("route-table-id"), Values: []string{aws.ToString(rt.RouteTableId)}},
	} {
		d, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{f, {Name: aws.String("vpc-id"), Values: []string{vpc}}}})
		if err != nil || len(d.RouteTables) != 1 || aws.ToString(d.RouteTables[0].RouteTableId) != aws.ToString(rt.RouteTableId) {
			t.Fatalf("DescribeRouteTables(%s) = %+v, %v", aws.ToString(f.Name), d, err)
		}
	}

	// A subnet has one explicit association at a time.
	other := newRouteTable(t, c, vpc)
	_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(other), SubnetId: aws.String(sn)})
	wantMessage(t, err, "Resource.AlreadyAssociated", "conflicts with an existing association")
	_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTableId, SubnetId: aws.String(sn)})
	wantCode(t, err, "Resource.AlreadyAssociated")
	_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTableId, SubnetId: aws.String("subnet-00000000000000000")})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTableId, GatewayId: aws.String("igw-00000000000000000")})
	wantCode(t, err, "InvalidGatewayID.NotFound")
	_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTableId})
	wantCode(t, err, "MissingParameter")
	otherVpc := newVpc(t, c, "10.1.0.0/16")
	foreign := aws.ToString(newSubnet(t, c, otherVpc, "10.1.1.0/24", "").SubnetId)
	_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTableId, SubnetId: aws.String(foreign)})
	wantMessage(t, err, "InvalidParameterValue", "belong to different networks")
	_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String("rtb-xyz"), SubnetId: aws.String(sn)})
	wantMessage(t, err, "InvalidRouteTableId.Malformed", `Invalid id: "rtb-xyz"`)
	_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String("rtb-00000000000000000"), SubnetId: aws.String(sn)})
	wantCode(t, err, "InvalidRouteTableID.NotFound")

	_, err = c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: rt.RouteTableId})
	wantCode(t, err, "DependencyViolation")

	// Moving the subnet gives a new association id.
	moved, err := c.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{AssociationId: aws.String(assoc), RouteTableId: aws.String(other)})
	if err != nil {
		t.Fatal(err)
	}
	newAssoc := aws.ToString(moved.NewAssociationId)
	if got := tableOf(t, c, other); len(got.Associations) != 1 || aws.ToString(got.Associations[0].SubnetId) != sn || aws.ToString(got.Associations[0].RouteTableAssociationId) != newAssoc {
		t.Fatalf("table after move = %+v", got.Associations)
	}
	if got := tableOf(t, c, aws.ToString(rt.RouteTableId)); len(got.Associations) != 0 {
		t.Fatalf("table left = %+v", got.Associations)
	}
	_, err = c.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{AssociationId: aws.String(assoc), RouteTableId: aws.String(other)})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	foreignTable := newRouteTable(t, c, otherVpc)
	_, err = c.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{AssociationId: aws.String(newAssoc), RouteTableId: aws.String(foreignTable)})
	wantCode(t, err, "InvalidParameterValue")

	if _, err := c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String(newAssoc)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String(newAssoc)})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	// Terraform waits for a removed association to be found no more.
	d, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: filter("association.route-table-association-id", newAssoc)})
	if err != nil || len(d.RouteTables) != 0 {
		t.Fatalf("removed association still found: %+v, %v", d, err)
	}

	// A deleted subnet leaves its table.
	if _, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(other), SubnetId: aws.String(sn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)}); err != nil {
		t.Fatal(err)
	}
	if got := tableOf(t, c, other); len(got.Associations) != 0 {
		t.Fatalf("deleted subnet still associated: %+v", got.Associations)
	}
	for _, id := range []string{other, aws.ToString(rt.RouteTableId)} {
		if _, err := c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: rt.RouteTableId})
	wantCode(t, err, "InvalidRouteTableID.NotFound")
	_, err = c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String("vpc-00000000000000000")})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: filter("route.colour", "red")})
	wantCode(t, err, "InvalidParameterValue")
}

func TestRoutes(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	eni := aws.ToString(newENI(t, c, sn, "").NetworkInterfaceId)
	eni2 := aws.ToString(newENI(t, c, sn, "").NetworkInterfaceId)
	rt := newRouteTable(t, c, vpc)
	id := aws.String(rt)

	create := func(in ec2.CreateRouteInput) error {
		in.RouteTableId = id
		_, err := c.CreateRoute(ctx, &in)
		return err
	}
	// An appliance route, and one to exactly a subnet of the VPC (more
	// specific than the local route, which AWS allows only that way).
	for _, in := range []ec2.CreateRouteInput{
		{DestinationCidrBlock: aws.String("0.0.0.0/0"), NetworkInterfaceId: aws.String(eni)},
		{DestinationCidrBlock: aws.String("10.0.1.0/24"), NetworkInterfaceId: aws.String(eni)},
		{DestinationCidrBlock: aws.String("192.168.0.0/16"), NetworkInterfaceId: aws.String(eni)},
	} {
		if err := create(in); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"10.0.0.0/16 -> local active CreateRouteTable",
		"0.0.0.0/0 -> eni active CreateRoute",
		"10.0.1.0/24 -> eni active CreateRoute",
		"192.168.0.0/16 -> eni active CreateRoute",
	}
	wantRoutes(t, tableOf(t, c, rt), want...)

	for _, tc := range []struct {
		name string
		in   ec2.CreateRouteInput
		code string
	}{
		{"same destination", ec2.CreateRouteInput{DestinationCidrBlock: aws.String("0.0.0.0/0"), NetworkInterfaceId: aws.String(eni2)}, "RouteAlreadyExists"},
		{"the VPC's own block", ec2.CreateRouteInput{DestinationCidrBlock: aws.String("10.0.0.0/16"), NetworkInterfaceId: aws.String(eni)}, "RouteAlreadyExists"},
		{"inside the VPC, no subnet", ec2.CreateRouteInput{DestinationCidrBlock: aws.String("10.0.2.0/24"), NetworkInterfaceId: aws.String(eni)}, "InvalidParameterValue"},
		{"internet gateway", ec2.CreateRouteInput{DestinationCidrBlock: aws.String("8.8.8.0/24"), GatewayId: aws.String("igw-00000000000000000")}, "InvalidGatewayID.NotFound"},
		{"NAT gateway", ec2.CreateRouteInput{DestinationCidrBlock: aws.String("8.8.8.0/24"), NatGatewayId: aws.String("nat-00000000000000000")}, "InvalidNatGatewayID.NotFound"},
		{"peering", ec2.CreateRouteInput{DestinationCidrBlock: aws.String("8.8.8.0/24"), VpcPeeringConnectionId: aws.String("pcx-00000000000000000")}, "InvalidVpcPeeringConnectionID.NotFound"},
		{"transit gateway", ec2.CreateRouteInput{DestinationCidrBlock: aws.String("8.8.8.0/24"), TransitGatewayId: aws.String("tgw-00000000000000000")}, "InvalidTransitGatewayID.NotFound"},
		{"unknown instance", ec2.CreateRouteInput{DestinationCidrBlock: aws.String("8.8.8.0/24"), InstanceId: aws.String("i-00000000000000000")}, "InvalidInstanceID.NotFound"},
		{"unknown interface", ec2.CreateRouteInput{DestinationCidrBlock: aws.String("8.8.8.0/24"), NetworkInterfaceId: aws.String("eni-00000000000000000")}, "InvalidNetworkInterfaceID.NotFound"},
		{"no target", ec2.CreateRouteInput{DestinationCidrBlock: aws.String("8.8.8.0/24")}, "MissingParameter"},
		{"two targets", ec2.CreateRouteInput{DestinationCidrBlock: aws.String("8.8.8.0/24"), NetworkInterfaceId: aws.String(eni), GatewayId: aws.String("igw-00000000000000000")}, "InvalidParameterCombination"},
		{"no destination", ec2.CreateRouteInput{NetworkInterfaceId: aws.String(eni)}, "MissingParameter"},
		{"bad destination", ec2.CreateRouteInput{DestinationCidrBlock: aws.String("8.8.8.0/33"), NetworkInterfaceId: aws.String(eni)}, "InvalidParameterValue"},
		{"prefix list", ec2.CreateRouteInput{DestinationPrefixListId: aws.String("pl-00000000"), NetworkInterfaceId: aws.String(eni)}, "InvalidPrefixListId.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, create(tc.in), tc.code) })
	}
	err := create(ec2.CreateRouteInput{DestinationCidrBlock: aws.String("0.0.0.0/0"), NetworkInterfaceId: aws.String(eni2)})
	wantMessage(t, err, "RouteAlreadyExists", "The route identified by 0.0.0.0/0 already exists.")
	otherVpc := newVpc(t, c, "10.1.0.0/16")
	foreign := aws.ToString(newENI(t, c, aws.ToString(newSubnet(t, c, otherVpc, "10.1.1.0/24", "").SubnetId), "").NetworkInterfaceId)
	err = create(ec2.CreateRouteInput{DestinationCidrBlock: aws.String("8.8.8.0/24"), NetworkInterfaceId: aws.String(foreign)})
	wantMessage(t, err, "InvalidParameterValue", "belong to different networks")
	_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String("rtb-1"), DestinationCidrBlock: aws.String("8.8.8.0/24"), NetworkInterfaceId: aws.String(eni)})
	wantCode(t, err, "InvalidRouteTableId.Malformed")
	_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String("rtb-00000000000000000"), DestinationCidrBlock: aws.String("8.8.8.0/24"), NetworkInterfaceId: aws.String(eni)})
	wantCode(t, err, "InvalidRouteTableID.NotFound")
	wantRoutes(t, tableOf(t, c, rt), want...)

	// ReplaceRoute changes the target of a route that exists, never the
	// local one.
	if _, err := c.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: id, DestinationCidrBlock: aws.String("0.0.0.0/0"), NetworkInterfaceId: aws.String(eni2)}); err != nil {
		t.Fatal(err)
	}
	if got := tableOf(t, c, rt).Routes[1]; aws.ToString(got.NetworkInterfaceId) != eni2 {
		t.Fatalf("replaced route = %+v", got)
	}
	_, err = c.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: id, DestinationCidrBlock: aws.String("8.8.8.0/24"), NetworkInterfaceId: aws.String(eni2)})
	wantMessage(t, err, "InvalidParameterValue", "There is no route defined for '8.8.8.0/24' in the route table. Use CreateRoute instead.")
	_, err = c.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: id, DestinationCidrBlock: aws.String("10.0.0.0/16"), NetworkInterfaceId: aws.String(eni2)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: id, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String("igw-00000000000000000")})
	wantCode(t, err, "InvalidGatewayID.NotFound")

	// A route whose interface is deleted turns blackhole, as on AWS.
	if _, err := c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(eni)}); err != nil {
		t.Fatal(err)
	}
	if got := tableOf(t, c, rt).Routes[2]; got.State != types.RouteStateBlackhole {
		t.Fatalf("route to a deleted interface = %+v", got)
	}
	d, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: filter("route.state", "blackhole")})
	if err != nil || len(d.RouteTables) != 1 {
		t.Fatalf("DescribeRouteTables(route.state=blackhole) = %+v, %v", d, err)
	}

	_, err = c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: id, DestinationCidrBlock: aws.String("10.0.0.0/16")})
	wantMessage(t, err, "InvalidParameterValue", "cannot remove local route 10.0.0.0/16 in route table "+rt)
	_, err = c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: id, DestinationCidrBlock: aws.String("8.8.8.0/24")})
	wantMessage(t, err, "InvalidRoute.NotFound", "no route with destination-cidr-block 8.8.8.0/24 in route table "+rt)
	for _, dest := range []string{"0.0.0.0/0", "10.0.1.0/24", "192.168.0.0/16"} {
		if _, err := c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: id, DestinationCidrBlock: aws.String(dest)}); err != nil {
			t.Fatal(err)
		}
	}
	wantRoutes(t, tableOf(t, c, rt), "10.0.0.0/16 -> local active CreateRouteTable")
}

// Lists AWS always sends are present when empty.
func TestRouteTableEmptyListsPresent(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	rt := newRouteTable(t, c, vpc)
	body := rawBody(t, srv, url.Values{"Action": {"DescribeRouteTables"}, "RouteTableId.1": {rt}})
	for _, want := range []string{"<associationSet></associationSet>", "<propagatingVgwSet></propagatingVgwSet>", "<tagSet></tagSet>",
		"<routeSet><item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId><state>active</state><origin>CreateRouteTable</origin></item></routeSet>"} {
		if !strings.Contains(body, want) {
			t.Errorf("DescribeRouteTables body lacks %s:\n%s", want, body)
		}
	}
	body = rawBody(t, srv, url.Values{"Action": {"DescribeRouteTables"}, "Filter.1.Name": {"vpc-id"}, "Filter.1.Value.1": {"vpc-none"}})
	if !strings.Contains(body, "<routeTableSet></routeTableSet>") {
		t.Errorf("empty DescribeRouteTables = %s", body)
	}
}

func TestRoutesAndACLsSurviveRestart(t *testing.T) {
	srv := servertest.Start(t, servertest.DataDir(t.TempDir()))
	c := srv.EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	eni := aws.ToString(newENI(t, c, sn, "").NetworkInterfaceId)
	rt := newRouteTable(t, c, vpc)
	if _, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0"), NetworkInterfaceId: aws.String(eni)}); err != nil {
		t.Fatal(err)
	}
	a, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rt), SubnetId: aws.String(sn)})
	if err != nil {
		t.Fatal(err)
	}
	acl, err := c.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	aclID := acl.NetworkAcl.NetworkAclId
	if _, err := c.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: aclID, RuleNumber: aws.Int32(100), Egress: aws.Bool(false),
		Protocol: aws.String("tcp"), RuleAction: types.RuleActionDeny, CidrBlock: aws.String("10.0.0.0/16"), PortRange: &types.PortRange{From: aws.Int32(80), To: aws.Int32(80)}}); err != nil {
		t.Fatal(err)
	}
	def := defaultACLOf(t, c, vpc)
	if _, err := c.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: def.Associations[0].NetworkAclAssociationId, NetworkAclId: aclID}); err != nil {
		t.Fatal(err)
	}
	main := aws.ToString(mainTableOf(t, c, vpc).RouteTableId)

	c = srv.Restart().EC2()

	got := tableOf(t, c, rt)
	wantRoutes(t, got, "10.0.0.0/16 -> local active CreateRouteTable", "0.0.0.0/0 -> eni active CreateRoute")
	if len(got.Associations) != 1 || aws.ToString(got.Associations[0].RouteTableAssociationId) != aws.ToString(a.AssociationId) {
		t.Fatalf("associations after restart = %+v", got.Associations)
	}
	if aws.ToString(mainTableOf(t, c, vpc).RouteTableId) != main {
		t.Fatal("main table changed across a restart")
	}
	kept := aclOf(t, c, *aclID)
	wantEntries(t, kept, "32767 out -1 deny 0.0.0.0/0", "100 in 6 deny 10.0.0.0/16 ports 80-80", "32767 in -1 deny 0.0.0.0/0")
	if len(kept.Associations) != 1 || aws.ToString(kept.Associations[0].SubnetId) != sn {
		t.Fatalf("ACL associations after restart = %+v", kept.Associations)
	}
}

// A route may target an instance: EC2 describes it with the instance, its
// owner and its primary interface, and a route to that interface names the
// instance too; both turn blackhole while the instance is stopped, and when
// it is terminated.
func TestRouteToInstance(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-0a3c3a20c09d6f377"), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(sn)})
	if err != nil {
		t.Fatal(err)
	}
	inst := run.Instances[0]
	id, eni := aws.ToString(inst.InstanceId), aws.ToString(inst.NetworkInterfaces[0].NetworkInterfaceId)
	rt := newRouteTable(t, c, vpc)
	for _, in := range []ec2.CreateRouteInput{
		{DestinationCidrBlock: aws.String("0.0.0.0/0"), InstanceId: aws.String(id)},
		{DestinationCidrBlock: aws.String("192.168.0.0/16"), NetworkInterfaceId: aws.String(eni)},
	} {
		in.RouteTableId = aws.String(rt)
		if _, err := c.CreateRoute(ctx, &in); err != nil {
			t.Fatal(err)
		}
	}
	routes := tableOf(t, c, rt).Routes
	for _, r := range routes[1:] {
		if aws.ToString(r.InstanceId) != id || aws.ToString(r.NetworkInterfaceId) != eni || aws.ToString(r.InstanceOwnerId) == "" || r.State != types.RouteStateActive {
			t.Fatalf("route to an instance = %+v", r)
		}
	}
	d, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: filter("route.instance-id", id)})
	if err != nil || len(d.RouteTables) != 1 {
		t.Fatalf("DescribeRouteTables(route.instance-id) = %+v, %v", d, err)
	}
	other := newVpc(t, c, "10.1.0.0/16")
	_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(newRouteTable(t, c, other)), DestinationCidrBlock: aws.String("0.0.0.0/0"), InstanceId: aws.String(id)})
	wantMessage(t, err, "InvalidParameterValue", "belong to different networks")

	// A stopped instance takes no traffic: its routes are blackhole until
	// it runs again.
	wantRoutes := func(state types.RouteState, when string) {
		t.Helper()
		for _, r := range tableOf(t, c, rt).Routes[1:] {
			if r.State != state {
				t.Fatalf("route to %s instance = %+v, want %s", when, r, state)
			}
		}
	}
	if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	wantRoutes(types.RouteStateBlackhole, "a stopping")
	srv.Advance(time.Minute)
	wantRoutes(types.RouteStateBlackhole, "a stopped")
	d, err = c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: filter("route.state", "blackhole")})
	if err != nil || len(d.RouteTables) != 1 {
		t.Fatalf("DescribeRouteTables(route.state=blackhole) = %+v, %v", d, err)
	}
	if _, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	wantRoutes(types.RouteStateActive, "a started")

	if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	wantRoutes(types.RouteStateBlackhole, "a terminated")
}

// A table takes 50 routes besides its local one, EC2's default quota; the
// 51st is refused and changes nothing.
func TestRouteLimit(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	eni := aws.ToString(newENI(t, c, aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId), "").NetworkInterfaceId)
	rt := newRouteTable(t, c, vpc)
	route := func(i int) error {
		_, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(rt), NetworkInterfaceId: aws.String(eni),
			DestinationCidrBlock: aws.String("192.168." + strconv.Itoa(i) + ".0/24")})
		return err
	}
	for i := range 50 {
		if err := route(i); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, route(50), "RouteLimitExceeded")
	if got := tableOf(t, c, rt); len(got.Routes) != 51 {
		t.Fatalf("table has %d routes, want 50 and the local one", len(got.Routes))
	}
}
