package ec2_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

// ruleByID describes one rule.
func ruleByID(t *testing.T, c *ec2.Client, id string) types.SecurityGroupRule {
	t.Helper()
	out, err := c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{id}})
	if err != nil || len(out.SecurityGroupRules) != 1 {
		t.Fatalf("DescribeSecurityGroupRules(%s) = %+v, %v", id, out, err)
	}
	return out.SecurityGroupRules[0]
}

func authorizeOne(t *testing.T, c *ec2.Client, sg string, p types.IpPermission, tags ...string) string {
	t.Helper()
	in := &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []types.IpPermission{p}}
	if len(tags) > 0 {
		in.TagSpecifications = tagSpec(types.ResourceTypeSecurityGroupRule, tags...)
	}
	out, err := c.AuthorizeSecurityGroupIngress(ctx, in)
	if err != nil || len(out.SecurityGroupRules) != 1 {
		t.Fatalf("authorize = %+v, %v", out, err)
	}
	return aws.ToString(out.SecurityGroupRules[0].SecurityGroupRuleId)
}

func modify(c *ec2.Client, sg, rule string, req types.SecurityGroupRuleRequest) error {
	_, err := c.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{
		GroupId:            aws.String(sg),
		SecurityGroupRules: []types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: aws.String(rule), SecurityGroupRule: &req}},
	})
	return err
}

func TestModifySecurityGroupRules(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.EC2()
	vpc, def := sgTestVpc(t, c, "10.0.0.0/16")
	sg := newSecurityGroup(t, c, vpc, "app")
	other := newSecurityGroup(t, c, vpc, "other")
	cidrRule := authorizeOne(t, c, sg, tcpPerm(80, 80, "10.0.0.0/16"), "team", "web")
	groupRule := authorizeOne(t, c, sg, withGroups(tcpPerm(443, 443), def))
	otherRule := authorizeOne(t, c, other, tcpPerm(22, 22, "10.9.0.0/16"))

	// Protocol, ports, block and description change; the id and tags stay.
	if err := modify(c, sg, cidrRule, types.SecurityGroupRuleRequest{IpProtocol: aws.String("udp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8081),
		CidrIpv4: aws.String("10.1.0.0/16"), Description: aws.String("moved")}); err != nil {
		t.Fatal(err)
	}
	r := ruleByID(t, c, cidrRule)
	if aws.ToString(r.IpProtocol) != "udp" || aws.ToInt32(r.FromPort) != 8080 || aws.ToInt32(r.ToPort) != 8081 ||
		aws.ToString(r.CidrIpv4) != "10.1.0.0/16" || aws.ToString(r.Description) != "moved" || aws.ToBool(r.IsEgress) ||
		len(r.Tags) != 1 || aws.ToString(r.Tags[0].Key) != "team" {
		t.Fatalf("modified rule = %+v", r)
	}
	// A referenced group may change to another group; -1 drops the ports.
	if err := modify(c, sg, groupRule, types.SecurityGroupRuleRequest{IpProtocol: aws.String("-1"), FromPort: aws.Int32(5), ToPort: aws.Int32(6),
		ReferencedGroupId: aws.String(other)}); err != nil {
		t.Fatal(err)
	}
	r = ruleByID(t, c, groupRule)
	if aws.ToString(r.IpProtocol) != "-1" || aws.ToInt32(r.FromPort) != -1 || r.ReferencedGroupInfo == nil ||
		aws.ToString(r.ReferencedGroupInfo.GroupId) != other || r.Description != nil {
		t.Fatalf("modified group rule = %+v", r)
	}
	// Egress rules are reached the same way.
	all, err := c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: filter("group-id", sg)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all.SecurityGroupRules {
		if aws.ToBool(r.IsEgress) {
			if err := modify(c, sg, aws.ToString(r.SecurityGroupRuleId), types.SecurityGroupRuleRequest{IpProtocol: aws.String("tcp"),
				FromPort: aws.Int32(443), ToPort: aws.Int32(443), CidrIpv4: aws.String("0.0.0.0/0")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := groupRules(t, c, sg)
	if !slices.Contains(before, "out tcp 443-443 0.0.0.0/0") {
		t.Fatalf("rules after modifying egress = %q", before)
	}

	tcp := func(cidr string) types.SecurityGroupRuleRequest {
		return types.SecurityGroupRuleRequest{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), CidrIpv4: aws.String(cidr)}
	}
	twoSources := tcp("10.2.0.0/16")
	twoSources.ReferencedGroupId = aws.String(def)
	noSource := tcp("")
	noSource.CidrIpv4 = nil
	badPort := tcp("10.2.0.0/16")
	badPort.ToPort = aws.Int32(70000)
	unknownPeer := types.SecurityGroupRuleRequest{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), ReferencedGroupId: aws.String("sg-0123456789abcdef0")}
	for _, tc := range []struct {
		what, group, rule string
		req               types.SecurityGroupRuleRequest
		code, part        string
	}{
		{"malformed group", "sg-xyz", cidrRule, tcp("10.2.0.0/16"), "InvalidGroupId.Malformed", "sg-xyz"},
		{"unknown group", "sg-0123456789abcdef0", cidrRule, tcp("10.2.0.0/16"), "InvalidGroup.NotFound", "sg-0123456789abcdef0"},
		{"malformed rule id", sg, "sgr-xyz", tcp("10.2.0.0/16"), "InvalidSecurityGroupRuleId.Malformed", "sgr-xyz"},
		{"unknown rule id", sg, "sgr-0123456789abcdef0", tcp("10.2.0.0/16"), "InvalidSecurityGroupRuleId.NotFound", "sgr-0123456789abcdef0"},
		{"rule of another group", sg, otherRule, tcp("10.2.0.0/16"), "InvalidSecurityGroupRuleId.NotFound", otherRule},
		{"block with host bits", sg, cidrRule, tcp("10.2.0.1/16"), "InvalidParameterValue", "10.2.0.1/16"},
		{"malformed block", sg, cidrRule, tcp("10.2.0.0/33"), "InvalidParameterValue", "malformed"},
		{"two sources", sg, cidrRule, twoSources, "InvalidParameterCombination", "exactly one"},
		{"no source", sg, cidrRule, noSource, "MissingParameter", "Missing source specification"},
		{"source type change", sg, groupRule, tcp("10.2.0.0/16"), "InvalidParameterValue", "source type"},
		{"unknown referenced group", sg, groupRule, unknownPeer, "InvalidGroup.NotFound", "sg-0123456789abcdef0"},
		{"bad port", sg, cidrRule, badPort, "InvalidPermission.Malformed", "70000"},
		{"bad protocol", sg, cidrRule, types.SecurityGroupRuleRequest{IpProtocol: aws.String("all"), CidrIpv4: aws.String("10.2.0.0/16")}, "InvalidParameterValue", "Unknown protocol"},
	} {
		err := modify(c, tc.group, tc.rule, tc.req)
		if err == nil {
			t.Errorf("%s: succeeded", tc.what)
			continue
		}
		wantMessage(t, err, tc.code, tc.part)
	}
	// A change that makes the rule equal another one of the group.
	second := authorizeOne(t, c, sg, tcpPerm(81, 81, "10.3.0.0/16"))
	err = modify(c, sg, second, types.SecurityGroupRuleRequest{IpProtocol: aws.String("udp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8081), CidrIpv4: aws.String("10.1.0.0/16")})
	wantMessage(t, err, "InvalidPermission.Duplicate", "peer: 10.1.0.0/16, UDP, from port: 8080, to port: 8081")
	// One bad update in a call changes none of the others.
	_, err = c.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: aws.String(sg), SecurityGroupRules: []types.SecurityGroupRuleUpdate{
		{SecurityGroupRuleId: aws.String(cidrRule), SecurityGroupRule: ptr(tcp("10.4.0.0/16"))},
		{SecurityGroupRuleId: aws.String("sgr-0123456789abcdef0"), SecurityGroupRule: ptr(tcp("10.5.0.0/16"))},
	}})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
	after := groupRules(t, c, sg)
	if i := slices.Index(after, "in tcp 81-81 10.3.0.0/16"); i < 0 {
		t.Fatalf("rules = %q", after)
	} else {
		after = slices.Delete(after, i, i+1)
	}
	if !slices.Equal(after, before) {
		t.Fatalf("failed calls changed the rules: %q, was %q", after, before)
	}

	// Without the SDK's own checks: no group id at all.
	status, body := rawPost(t, srv, "Action=ModifySecurityGroupRules&Version=2016-11-15&SecurityGroupRule.1.SecurityGroupRuleId="+cidrRule)
	if status != 400 || !contains(body, "<Code>MissingParameter</Code>", "The request must contain the parameter groupId") {
		t.Fatalf("no GroupId: %d %s", status, body)
	}
}

func ptr[T any](v T) *T { return &v }

func TestUpdateRuleDescriptions(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc, def := sgTestVpc(t, c, "10.0.0.0/16")
	sg := newSecurityGroup(t, c, vpc, "app")
	web := authorizeOne(t, c, sg, tcpPerm(80, 80, "10.0.0.0/16"))
	peer := authorizeOne(t, c, sg, withGroups(tcpPerm(443, 443), def))

	// By permission: the description given is the new one, for each peer named.
	p := tcpPerm(80, 80, "10.0.0.0/16")
	p.IpRanges[0].Description = aws.String("from the VPC")
	q := withGroups(tcpPerm(443, 443), def)
	q.UserIdGroupPairs[0].Description = aws.String("from default")
	if _, err := c.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{
		GroupId: aws.String(sg), IpPermissions: []types.IpPermission{p, q},
	}); err != nil {
		t.Fatal(err)
	}
	if d := aws.ToString(ruleByID(t, c, web).Description); d != "from the VPC" {
		t.Fatalf("web description = %q", d)
	}
	if d := aws.ToString(ruleByID(t, c, peer).Description); d != "from default" {
		t.Fatalf("peer description = %q", d)
	}
	// By rule id, and on egress.
	out, err := c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: filter("group-id", sg)})
	if err != nil {
		t.Fatal(err)
	}
	var egress string
	for _, r := range out.SecurityGroupRules {
		if aws.ToBool(r.IsEgress) {
			egress = aws.ToString(r.SecurityGroupRuleId)
		}
	}
	if _, err := c.UpdateSecurityGroupRuleDescriptionsEgress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsEgressInput{
		GroupId: aws.String(sg), SecurityGroupRuleDescriptions: []types.SecurityGroupRuleDescription{{SecurityGroupRuleId: aws.String(egress), Description: aws.String("anywhere")}},
	}); err != nil {
		t.Fatal(err)
	}
	if d := aws.ToString(ruleByID(t, c, egress).Description); d != "anywhere" {
		t.Fatalf("egress description = %q", d)
	}
	// A permission without a description clears it.
	if _, err := c.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{
		GroupId: aws.String(sg), IpPermissions: []types.IpPermission{tcpPerm(80, 80, "10.0.0.0/16")},
	}); err != nil {
		t.Fatal(err)
	}
	if d := ruleByID(t, c, web).Description; d != nil {
		t.Fatalf("cleared description = %q", aws.ToString(d))
	}

	ing := func(in ec2.UpdateSecurityGroupRuleDescriptionsIngressInput) error {
		if in.GroupId == nil && in.GroupName == nil {
			in.GroupId = aws.String(sg)
		}
		_, err := c.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &in)
		return err
	}
	byID := func(id string) []types.SecurityGroupRuleDescription {
		return []types.SecurityGroupRuleDescription{{SecurityGroupRuleId: aws.String(id), Description: aws.String("x")}}
	}
	wantCode(t, ing(ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{IpPermissions: []types.IpPermission{tcpPerm(81, 81, "10.0.0.0/16")}}), "InvalidPermission.NotFound")
	wantCode(t, ing(ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{SecurityGroupRuleDescriptions: byID("sgr-0123456789abcdef0")}), "InvalidSecurityGroupRuleId.NotFound")
	// An egress rule is not an ingress one.
	wantCode(t, ing(ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{SecurityGroupRuleDescriptions: byID(egress)}), "InvalidSecurityGroupRuleId.NotFound")
	wantCode(t, ing(ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{SecurityGroupRuleDescriptions: byID("sgr-bad")}), "InvalidSecurityGroupRuleId.Malformed")
	wantCode(t, ing(ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{GroupId: aws.String("sg-bad"), SecurityGroupRuleDescriptions: byID(web)}), "InvalidGroupId.Malformed")
	wantCode(t, ing(ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{GroupId: aws.String("sg-0123456789abcdef0"), SecurityGroupRuleDescriptions: byID(web)}), "InvalidGroup.NotFound")
	wantCode(t, ing(ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{}), "MissingParameter")
	bad := tcpPerm(80, 80, "10.0.0.0/16")
	bad.IpRanges[0].Description = aws.String("no <tags>")
	wantCode(t, ing(ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{IpPermissions: []types.IpPermission{bad}}), "InvalidParameterValue")
	// A call with one missing rule changes none of the others.
	p.IpRanges[0].Description = aws.String("changed")
	err = ing(ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{IpPermissions: []types.IpPermission{p, tcpPerm(82, 82, "10.0.0.0/16")}})
	wantCode(t, err, "InvalidPermission.NotFound")
	if d := ruleByID(t, c, web).Description; d != nil {
		t.Fatalf("a failed call set the description to %q", aws.ToString(d))
	}
}

func TestDescribeSecurityGroupRulesIDs(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc, _ := sgTestVpc(t, c, "10.0.0.0/16")
	sg := newSecurityGroup(t, c, vpc, "app")
	for _, tc := range []struct {
		in   ec2.DescribeSecurityGroupRulesInput
		code string
	}{
		{ec2.DescribeSecurityGroupRulesInput{Filters: filter("group-id", "sg-xyz")}, "InvalidGroupId.Malformed"},
		{ec2.DescribeSecurityGroupRulesInput{Filters: filter("group-id", sg, "default")}, "InvalidGroupId.Malformed"},
		{ec2.DescribeSecurityGroupRulesInput{Filters: filter("security-group-rule-id", "sgr-xyz")}, "InvalidSecurityGroupRuleId.Malformed"},
		{ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{"rule-1"}}, "InvalidSecurityGroupRuleId.Malformed"},
		{ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{"sgr-0123456789abcdef0"}}, "InvalidSecurityGroupRuleId.NotFound"},
	} {
		_, err := c.DescribeSecurityGroupRules(ctx, &tc.in)
		wantCode(t, err, tc.code)
	}
	// A well-formed id of no group is a filter that matches nothing.
	out, err := c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: filter("group-id", "sg-0123456789abcdef0")})
	if err != nil || len(out.SecurityGroupRules) != 0 {
		t.Fatalf("unknown group id = %+v, %v", out, err)
	}
}

// Rules are tagged by their sgr- ids, as Terraform's rule resources do on
// every tag change.
func TestRuleTags(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc, _ := sgTestVpc(t, c, "10.0.0.0/16")
	sg := newSecurityGroup(t, c, vpc, "app")
	a := authorizeOne(t, c, sg, tcpPerm(80, 80, "10.0.0.0/16"))
	b := authorizeOne(t, c, sg, tcpPerm(81, 81, "10.0.0.0/16"), "keep", "me")

	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{a, b}, Tags: tags("env", "prod")}); err != nil {
		t.Fatal(err)
	}
	if got := ruleByID(t, c, a).Tags; len(got) != 1 || aws.ToString(got[0].Value) != "prod" {
		t.Fatalf("tags of %s = %+v", a, got)
	}
	if got := ruleByID(t, c, b).Tags; len(got) != 2 {
		t.Fatalf("tags of %s = %+v", b, got)
	}
	if got := described(t, c, types.Filter{Name: aws.String("resource-type"), Values: []string{"security-group-rule"}}); len(got) != 3 {
		t.Fatalf("DescribeTags(security-group-rule) = %q", got)
	}
	if _, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{b}, Tags: []types.Tag{{Key: aws.String("keep")}}}); err != nil {
		t.Fatal(err)
	}
	if got := ruleByID(t, c, b).Tags; len(got) != 1 || aws.ToString(got[0].Key) != "env" {
		t.Fatalf("tags of %s after delete = %+v", b, got)
	}
	_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{a, "sgr-0123456789abcdef0"}, Tags: tags("x", "y")})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
	if got := ruleByID(t, c, a).Tags; len(got) != 1 {
		t.Fatalf("a failed CreateTags tagged %s: %+v", a, got)
	}
}

// A group of the default VPC may be named instead of identified, and so may
// a peer group in a permission, as in AuthorizeSecurityGroupIngress.
func TestUpdateRuleDescriptionsByName(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: filter("is-default", "true")})
	if err != nil || len(vpcs.Vpcs) != 1 {
		t.Fatalf("default VPC = %+v, %v", vpcs, err)
	}
	sg := newSecurityGroup(t, c, aws.ToString(vpcs.Vpcs[0].VpcId), "named")
	peer := newSecurityGroup(t, c, aws.ToString(vpcs.Vpcs[0].VpcId), "peer")
	rule := authorizeOne(t, c, sg, withGroups(tcpPerm(80, 80), peer))

	p := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
		UserIdGroupPairs: []types.UserIdGroupPair{{GroupName: aws.String("peer"), Description: aws.String("by name")}}}
	if _, err := c.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{
		GroupName: aws.String("named"), IpPermissions: []types.IpPermission{p},
	}); err != nil {
		t.Fatal(err)
	}
	if d := aws.ToString(ruleByID(t, c, rule).Description); d != "by name" {
		t.Fatalf("description = %q", d)
	}
	_, err = c.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{
		GroupName: aws.String("nobody"), IpPermissions: []types.IpPermission{p},
	})
	wantCode(t, err, "InvalidGroup.NotFound")
}

// What the SDK would not send: parts of an update left out, or a prefix
// list, which gatehouse does not have.
func TestModifySecurityGroupRulesRaw(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.EC2()
	vpc, _ := sgTestVpc(t, c, "10.0.0.0/16")
	sg := newSecurityGroup(t, c, vpc, "app")
	rule := authorizeOne(t, c, sg, tcpPerm(80, 80, "10.0.0.0/16"))
	base := "Action=ModifySecurityGroupRules&Version=2016-11-15&GroupId=" + sg
	for _, tc := range []struct{ what, body, code, part string }{
		{"no update", base, "MissingParameter", "SecurityGroupRule"},
		{"no rule id", base + "&SecurityGroupRule.1.SecurityGroupRule.IpProtocol=tcp", "MissingParameter", "SecurityGroupRuleId"},
		{"no rule", base + "&SecurityGroupRule.1.SecurityGroupRuleId=" + rule, "MissingParameter", "SecurityGroupRule"},
		{"prefix list", base + "&SecurityGroupRule.1.SecurityGroupRuleId=" + rule + "&SecurityGroupRule.1.SecurityGroupRule.IpProtocol=tcp" +
			"&SecurityGroupRule.1.SecurityGroupRule.FromPort=80&SecurityGroupRule.1.SecurityGroupRule.ToPort=80" +
			"&SecurityGroupRule.1.SecurityGroupRule.PrefixListId=pl-0123456789abcdef0", "InvalidPrefixListId.NotFound", "pl-0123456789abcdef0"},
	} {
		status, body := rawPost(t, srv, tc.body)
		if status != 400 || !contains(body, "<Code>"+tc.code+"</Code>", tc.part) {
			t.Errorf("%s: %d %s, want %s", tc.what, status, body, tc.code)
		}
	}
	if got := groupRules(t, c, sg); !slices.Contains(got, "in tcp 80-80 10.0.0.0/16") {
		t.Fatalf("rules = %q", got)
	}
}
