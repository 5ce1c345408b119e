package ec2_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

// aclOf describes one ACL by id.
func aclOf(t *testing.T, c *ec2.Client, id string) types.NetworkAcl {
	t.Helper()
	out, err := c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{id}})
	if err != nil || len(out.NetworkAcls) != 1 {
		t.Fatalf("DescribeNetworkAcls(%s) = %+v, %v", id, out, err)
	}
	return out.NetworkAcls[0]
}

// defaultACLOf finds a VPC's default ACL the way Terraform does.
func defaultACLOf(t *testing.T, c *ec2.Client, vpc string) types.NetworkAcl {
	t.Helper()
	out, err := c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
		{Name: aws.String("default"), Values: []string{"true"}},
	}})
	if err != nil || len(out.NetworkAcls) != 1 {
		t.Fatalf("default ACL of %s = %+v, %v", vpc, out, err)
	}
	return out.NetworkAcls[0]
}

// entryString renders an entry compactly for comparison.
func entryString(e types.NetworkAclEntry) string {
	s := aws.ToString(e.Protocol) + " " + string(e.RuleAction) + " " + aws.ToString(e.CidrBlock)
	if aws.ToBool(e.Egress) {
		s = "out " + s
	} else {
		s = "in " + s
	}
	s = itoa(aws.ToInt32(e.RuleNumber)) + " " + s
	if e.PortRange != nil {
		s += " ports " + itoa(aws.ToInt32(e.PortRange.From)) + "-" + itoa(aws.ToInt32(e.PortRange.To))
	}
	if e.IcmpTypeCode != nil {
		s += " icmp " + itoa(aws.ToInt32(e.IcmpTypeCode.Type)) + "/" + itoa(aws.ToInt32(e.IcmpTypeCode.Code))
	}
	return s
}

func itoa(n int32) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func entryStrings(acl types.NetworkAcl) []string {
	var out []string
	for _, e := range acl.Entries {
		out = append(out, entryString(e))
	}
	return out
}

func wantEntries(t *testing.T, acl types.NetworkAcl, want ...string) {
	t.Helper()
	got := entryStrings(acl)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("entries of %s:\n%s\nwant:\n%s", aws.ToString(acl.NetworkAclId), strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDefaultNetworkACL(t *testing.T) {
	// No default VPC, so that the filters below find this VPC's ACL alone.
	c := servertest.Start(t, servertest.NoDefaultVpc()).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	acl := defaultACLOf(t, c, vpc)
	if !aws.ToBool(acl.IsDefault) || aws.ToString(acl.VpcId) != vpc || aws.ToString(acl.OwnerId) == "" || len(acl.Associations) != 0 {
		t.Fatalf("default ACL = %+v", acl)
	}
	wantEntries(t, acl,
		"100 out -1 allow 0.0.0.0/0",
		"32767 out -1 deny 0.0.0.0/0",
		"100 in -1 allow 0.0.0.0/0",
		"32767 in -1 deny 0.0.0.0/0")

	// Every new subnet starts in the default ACL.
	a := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	b := aws.ToString(newSubnet(t, c, vpc, "10.0.2.0/24", "").SubnetId)
	acl = defaultACLOf(t, c, vpc)
	if len(acl.Associations) != 2 || aws.ToString(acl.Associations[0].SubnetId) != a || aws.ToString(acl.Associations[1].SubnetId) != b ||
		aws.ToString(acl.Associations[0].NetworkAclId) != aws.ToString(acl.NetworkAclId) ||
		!strings.HasPrefix(aws.ToString(acl.Associations[0].NetworkAclAssociationId), "aclassoc-") {
		t.Fatalf("default ACL associations = %+v", acl.Associations)
	}
	for _, f := range []types.Filter{
		{Name: aws.String("association.subnet-id"), Values: []string{b}},
		{Name: aws.String("association.association-id"), Values: []string{aws.ToString(acl.Associations[0].NetworkAclAssociationId)}},
		{Name: aws.String("network-acl-id"), Values: []string{aws.ToString(acl.NetworkAclId)}},
		{Name: aws.String("entry.rule-number"), Values: []string{"100"}},
		{Name: aws.String("entry.protocol"), Values: []string{"-1"}},
	} {
		out, err := c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{f}})
		if err != nil || len(out.NetworkAcls) != 1 || aws.ToString(out.NetworkAcls[0].NetworkAclId) != aws.ToString(acl.NetworkAclId) {
			t.Fatalf("DescribeNetworkAcls(%s) = %+v, %v", aws.ToString(f.Name), out, err)
		}
	}

	// A deleted subnet leaves the ACL.
	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(a)}); err != nil {
		t.Fatal(err)
	}
	acl = defaultACLOf(t, c, vpc)
	if len(acl.Associations) != 1 || aws.ToString(acl.Associations[0].SubnetId) != b {
		t.Fatalf("associations after DeleteSubnet = %+v", acl.Associations)
	}

	// The default ACL cannot be deleted, and goes with its VPC.
	_, err := c.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: acl.NetworkAclId})
	wantMessage(t, err, "InvalidParameterValue", "cannot delete default network ACL")
	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(b)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{aws.ToString(acl.NetworkAclId)}})
	wantCode(t, err, "InvalidNetworkAclID.NotFound")
}

func TestNetworkACLEntries(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	out, err := c.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(vpc), TagSpecifications: tagSpec(types.ResourceTypeNetworkAcl, "Name", "web")})
	if err != nil {
		t.Fatal(err)
	}
	acl := *out.NetworkAcl
	id := acl.NetworkAclId
	if aws.ToBool(acl.IsDefault) || len(acl.Tags) != 1 || len(acl.Associations) != 0 {
		t.Fatalf("CreateNetworkAcl = %+v", acl)
	}
	wantEntries(t, acl, "32767 out -1 deny 0.0.0.0/0", "32767 in -1 deny 0.0.0.0/0")

	add := func(in *ec2.CreateNetworkAclEntryInput) error {
		in.NetworkAclId = id
		_, err := c.CreateNetworkAclEntry(ctx, in)
		return err
	}
	for _, in := range []*ec2.CreateNetworkAclEntryInput{
		// Protocols by name are kept as numbers; actions in any case.
		{RuleNumber: aws.Int32(100), Egress: aws.Bool(false), Protocol: aws.String("tcp"), RuleAction: "ALLOW", CidrBlock: aws.String("10.1.0.0/16"), PortRange: &types.PortRange{From: aws.Int32(443), To: aws.Int32(443)}},
		{RuleNumber: aws.Int32(90), Egress: aws.Bool(false), Protocol: aws.String("17"), RuleAction: types.RuleActionDeny, CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(0), To: aws.Int32(65535)}},
		// The same number in the other direction is another entry.
		{RuleNumber: aws.Int32(100), Egress: aws.Bool(true), Protocol: aws.String("-1"), RuleAction: types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(1), To: aws.Int32(2)}},
		{RuleNumber: aws.Int32(110), Egress: aws.Bool(false), Protocol: aws.String("icmp"), RuleAction: types.RuleActionAllow, CidrBlock: aws.String("10.9.9.9/8"), IcmpTypeCode: &types.IcmpTypeCode{Type: aws.Int32(8), Code: aws.Int32(-1)}},
	} {
		if err := add(in); err != nil {
			t.Fatal(err)
		}
	}
	wantEntries(t, aclOf(t, c, *id),
		"100 out -1 allow 0.0.0.0/0",
		"32767 out -1 deny 0.0.0.0/0",
		"90 in 17 deny 0.0.0.0/0 ports 0-65535",
		"100 in 6 allow 10.1.0.0/16 ports 443-443",
		"110 in 1 allow 10.0.0.0/8 icmp 8/-1",
		"32767 in -1 deny 0.0.0.0/0")

	err = add(&ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(100), Egress: aws.Bool(false), Protocol: aws.String("-1"), RuleAction: types.RuleActionDeny, CidrBlock: aws.String("0.0.0.0/0")})
	wantMessage(t, err, "NetworkAclEntryAlreadyExists", "The network acl entry identified by 100 already exists.")

	// Replace changes an entry in place; it must exist.
	if _, err := c.ReplaceNetworkAclEntry(ctx, &ec2.ReplaceNetworkAclEntryInput{NetworkAclId: id, RuleNumber: aws.Int32(100), Egress: aws.Bool(false),
		Protocol: aws.String("6"), RuleAction: types.RuleActionDeny, CidrBlock: aws.String("10.2.0.0/16"), PortRange: &types.PortRange{From: aws.Int32(80), To: aws.Int32(81)}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ReplaceNetworkAclEntry(ctx, &ec2.ReplaceNetworkAclEntryInput{NetworkAclId: id, RuleNumber: aws.Int32(101), Egress: aws.Bool(false),
		Protocol: aws.String("-1"), RuleAction: types.RuleActionDeny, CidrBlock: aws.String("0.0.0.0/0")})
	wantCode(t, err, "InvalidNetworkAclEntry.NotFound")

	if _, err := c.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: id, RuleNumber: aws.Int32(90), Egress: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: id, RuleNumber: aws.Int32(90), Egress: aws.Bool(false)})
	wantCode(t, err, "InvalidNetworkAclEntry.NotFound")
	_, err = c.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: id, RuleNumber: aws.Int32(110), Egress: aws.Bool(true)})
	wantCode(t, err, "InvalidNetworkAclEntry.NotFound")
	_, err = c.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: id, RuleNumber: aws.Int32(32767), Egress: aws.Bool(true)})
	wantCode(t, err, "InvalidParameterValue")

	final := []string{
		"100 out -1 allow 0.0.0.0/0",
		"32767 out -1 deny 0.0.0.0/0",
		"100 in 6 deny 10.2.0.0/16 ports 80-81",
		"110 in 1 allow 10.0.0.0/8 icmp 8/-1",
		"32767 in -1 deny 0.0.0.0/0",
	}
	wantEntries(t, aclOf(t, c, *id), final...)
	for _, f := range []types.Filter{
		{Name: aws.String("entry.port-range.from"), Values: []string{"80"}},
		{Name: aws.String("entry.icmp.type"), Values: []string{"8"}},
		{Name: aws.String("entry.cidr"), Values: []string{"10.2.0.0/16"}},
		{Name: aws.String("tag:Name"), Values: []string{"web"}},
		{Name: aws.String("default"), Values: []string{"false"}},
	} {
		out, err := c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{f, {Name: aws.String("vpc-id"), Values: []string{vpc}}}})
		if err != nil || len(out.NetworkAcls) != 1 || aws.ToString(out.NetworkAcls[0].NetworkAclId) != *id {
			t.Fatalf("DescribeNetworkAcls(%s) = %+v, %v", aws.ToString(f.Name), out, err)
		}
	}

	// Every refused entry leaves the ACL as it was.
	for _, tc := range []struct {
		name string
		in   ec2.CreateNetworkAclEntryInput
		code string
	}{
		{"rule 0", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(0), Egress: aws.Bool(false), Protocol: aws.String("-1"), RuleAction: "allow", CidrBlock: aws.String("0.0.0.0/0")}, "InvalidParameterValue"},
		{"rule 32767", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(32767), Egress: aws.Bool(false), Protocol: aws.String("-1"), RuleAction: "allow", CidrBlock: aws.String("0.0.0.0/0")}, "InvalidParameterValue"},
		{"unknown protocol", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("sctp"), RuleAction: "allow", CidrBlock: aws.String("0.0.0.0/0")}, "InvalidParameterValue"},
		{"protocol 256", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("256"), RuleAction: "allow", CidrBlock: aws.String("0.0.0.0/0")}, "InvalidParameterValue"},
		{"bad action", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("-1"), RuleAction: "permit", CidrBlock: aws.String("0.0.0.0/0")}, "InvalidParameterValue"},
		{"no cidr", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("-1"), RuleAction: "allow"}, "MissingParameter"},
		{"bad cidr", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("-1"), RuleAction: "allow", CidrBlock: aws.String("10.0.0.0/33")}, "InvalidParameterValue"},
		{"tcp without ports", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("6"), RuleAction: "allow", CidrBlock: aws.String("0.0.0.0/0")}, "InvalidParameterValue"},
		{"udp without to", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("udp"), RuleAction: "allow", CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(53)}}, "InvalidParameterValue"},
		{"ports reversed", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("tcp"), RuleAction: "allow", CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(90), To: aws.Int32(80)}}, "InvalidParameterValue"},
		{"port too high", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("tcp"), RuleAction: "allow", CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(1), To: aws.Int32(65536)}}, "InvalidParameterValue"},
		{"icmp without type", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("1"), RuleAction: "allow", CidrBlock: aws.String("0.0.0.0/0")}, "MissingParameter"},
		{"icmp type 256", ec2.CreateNetworkAclEntryInput{RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("1"), RuleAction: "allow", CidrBlock: aws.String("0.0.0.0/0"), IcmpTypeCode: &types.IcmpTypeCode{Type: aws.Int32(256), Code: aws.Int32(0)}}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, add(&tc.in), tc.code)
		})
	}
	_, err = c.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String("acl-00000000000000000"), RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("-1"), RuleAction: "allow", CidrBlock: aws.String("0.0.0.0/0")})
	wantMessage(t, err, "InvalidNetworkAclID.NotFound", "The networkAcl ID 'acl-00000000000000000' does not exist")
	_, err = c.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String("acl-xyz"), RuleNumber: aws.Int32(5), Egress: aws.Bool(false), Protocol: aws.String("-1"), RuleAction: "allow", CidrBlock: aws.String("0.0.0.0/0")})
	wantMessage(t, err, "InvalidNetworkAclId.Malformed", `Invalid id: "acl-xyz" (expecting "acl-...")`)
	_, err = c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{"acl-1"}})
	wantCode(t, err, "InvalidNetworkAclId.Malformed")
	wantEntries(t, aclOf(t, c, *id), final...)
}

func TestNetworkACLAssociations(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	def := defaultACLOf(t, c, vpc)
	out, err := c.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	custom := out.NetworkAcl.NetworkAclId

	// Terraform finds a subnet's association by the association.subnet-id
	// filter and moves it with ReplaceNetworkAclAssociation.
	moved, err := c.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: def.Associations[0].NetworkAclAssociationId, NetworkAclId: custom})
	if err != nil {
		t.Fatal(err)
	}
	newID := aws.ToString(moved.NewAssociationId)
	if newID == aws.ToString(def.Associations[0].NetworkAclAssociationId) || !strings.HasPrefix(newID, "aclassoc-") {
		t.Fatalf("new association id = %q", newID)
	}
	if got := aclOf(t, c, *custom); len(got.Associations) != 1 || aws.ToString(got.Associations[0].SubnetId) != sn || aws.ToString(got.Associations[0].NetworkAclAssociationId) != newID {
		t.Fatalf("custom ACL associations = %+v", got.Associations)
	}
	if got := defaultACLOf(t, c, vpc); len(got.Associations) != 0 {
		t.Fatalf("default ACL kept %+v", got.Associations)
	}
	// The old association is gone.
	_, err = c.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: def.Associations[0].NetworkAclAssociationId, NetworkAclId: def.NetworkAclId})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	_, err = c.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(newID), NetworkAclId: aws.String("acl-00000000000000000")})
	wantCode(t, err, "InvalidNetworkAclID.NotFound")
	// An ACL of another VPC cannot take the subnet.
	other := defaultACLOf(t, c, newVpc(t, c, "10.1.0.0/16"))
	_, err = c.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(newID), NetworkAclId: other.NetworkAclId})
	wantCode(t, err, "InvalidParameterValue")

	// An ACL holding a subnet, or a VPC holding an ACL of its own, cannot be
	// deleted.
	_, err = c.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: custom})
	wantMessage(t, err, "DependencyViolation", "has dependencies")
	if got := aclOf(t, c, *custom); len(got.Associations) != 1 {
		t.Fatalf("refused delete changed the ACL: %+v", got)
	}
	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpc)})
	wantCode(t, err, "DependencyViolation")
	if got := defaultACLOf(t, c, vpc); !aws.ToBool(got.IsDefault) {
		t.Fatal("refused DeleteVpc lost the default ACL")
	}
	if _, err := c.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: custom}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: custom})
	wantCode(t, err, "InvalidNetworkAclID.NotFound")
	if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	left, err := c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: filter("vpc-id", vpc)})
	if err != nil || len(left.NetworkAcls) != 0 {
		t.Fatalf("ACLs left after DeleteVpc = %+v, %v", left, err)
	}

	_, err = c.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(vpc)})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: filter("colour", "red")})
	wantCode(t, err, "InvalidParameterValue")
}

// rawBody sends an unsigned EC2 Query request and returns the body.
func rawBody(t *testing.T, srv *servertest.Server, form url.Values) string {
	t.Helper()
	form.Set("Version", "2016-11-15")
	resp, err := http.PostForm(srv.URL(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// Lists AWS always sends are present when empty, as clients index them
// without checking.
func TestNetworkACLEmptyListsPresent(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	body := rawBody(t, srv, url.Values{"Action": {"DescribeNetworkAcls"}, "Filter.1.Name": {"vpc-id"}, "Filter.1.Value.1": {vpc}})
	for _, want := range []string{"<associationSet></associationSet>", "<tagSet></tagSet>", "<entrySet><item>", "<default>true</default>"} {
		if !strings.Contains(body, want) {
			t.Errorf("DescribeNetworkAcls body lacks %s:\n%s", want, body)
		}
	}
	body = rawBody(t, srv, url.Values{"Action": {"DescribeNetworkAcls"}, "NetworkAclId.1": {"acl-00000001"}, "Filter.1.Name": {"vpc-id"}})
	if !strings.Contains(body, "InvalidNetworkAclID.NotFound") {
		t.Errorf("unknown id answered %s", body)
	}
	// The SDKs refuse to send an entry without its direction; EC2 requires it.
	acl := defaultACLOf(t, c, vpc)
	body = rawBody(t, srv, url.Values{"Action": {"CreateNetworkAclEntry"}, "NetworkAclId": {aws.ToString(acl.NetworkAclId)}, "RuleNumber": {"5"},
		"Protocol": {"-1"}, "RuleAction": {"deny"}, "CidrBlock": {"0.0.0.0/0"}})
	if !strings.Contains(body, "<Code>MissingParameter</Code>") {
		t.Errorf("entry without Egress answered %s", body)
	}
	if got := defaultACLOf(t, c, vpc); len(got.Entries) != 4 {
		t.Errorf("refused entry changed the ACL: %v", entryStrings(got))
	}
	body = rawBody(t, srv, url.Values{"Action": {"DescribeNetworkAcls"}, "Filter.1.Name": {"vpc-id"}, "Filter.1.Value.1": {"vpc-none"}})
	if !strings.Contains(body, "<networkAclSet></networkAclSet>") {
		t.Errorf("empty DescribeNetworkAcls = %s", body)
	}
}

// An ACL takes 20 entries a direction besides its catch-all deny, EC2's
// default quota; the 21st is refused and changes nothing.
func TestNetworkACLEntryLimit(t *testing.T) {
	c := servertest.Start(t).EC2()
	out, err := c.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: aws.String(newVpc(t, c, "10.0.0.0/16"))})
	if err != nil {
		t.Fatal(err)
	}
	id := out.NetworkAcl.NetworkAclId
	entry := func(rule int32, egress bool) error {
		_, err := c.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: id, RuleNumber: aws.Int32(rule), Egress: aws.Bool(egress),
			Protocol: aws.String("-1"), RuleAction: types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0")})
		return err
	}
	for i := int32(1); i <= 20; i++ {
		if err := entry(i, false); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, entry(21, false), "NetworkAclEntryLimitExceeded")
	// The other direction has its own quota.
	if err := entry(21, true); err != nil {
		t.Fatal(err)
	}
	if got := aclOf(t, c, *id); len(got.Entries) != 23 {
		t.Fatalf("ACL has %d entries, want 20 ingress, 1 egress and the two catch-alls", len(got.Entries))
	}
}
