package ec2_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

// IPv6 rules are kept and described as AWS keeps them, so configurations
// with "::/0" beside "0.0.0.0/0" apply; they admit nothing, since the
// modeled network carries IPv4 alone.
func TestIPv6Rules(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc, _ := sgTestVpc(t, c, "10.0.0.0/16")
	sg := newSecurityGroup(t, c, vpc, "dual")

	// Terraform's aws_security_group revokes the IPv6 default egress rule
	// too, and takes InvalidPermission.NotFound as "there was none".
	allV6 := types.IpPermission{IpProtocol: aws.String("-1"), FromPort: aws.Int32(0), ToPort: aws.Int32(0),
		Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}}
	_, err := c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(sg), IpPermissions: []types.IpPermission{allV6}})
	wantCode(t, err, "InvalidPermission.NotFound")

	web := tcpPerm(443, 443, "0.0.0.0/0")
	web.Ipv6Ranges = []types.Ipv6Range{{CidrIpv6: aws.String("2001:db8::1/32"), Description: aws.String("v6 clients")}}
	out, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []types.IpPermission{web}})
	if err != nil || len(out.SecurityGroupRules) != 2 {
		t.Fatalf("authorize v4+v6 = %+v, %v", out, err)
	}
	if _, err := c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(sg), IpPermissions: []types.IpPermission{allV6}}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{sg}})
	if err != nil {
		t.Fatal(err)
	}
	in := d.SecurityGroups[0].IpPermissions
	if len(in) != 1 || len(in[0].IpRanges) != 1 || len(in[0].Ipv6Ranges) != 1 ||
		aws.ToString(in[0].Ipv6Ranges[0].CidrIpv6) != "2001:db8::/32" || aws.ToString(in[0].Ipv6Ranges[0].Description) != "v6 clients" {
		t.Fatalf("ingress = %+v", in)
	}
	if eg := d.SecurityGroups[0].IpPermissionsEgress; len(eg) != 1 || len(eg[0].IpRanges) != 1 || len(eg[0].Ipv6Ranges) != 1 {
		t.Fatalf("egress = %+v", eg)
	}
	rules, err := c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: filter("group-id", sg)})
	if err != nil {
		t.Fatal(err)
	}
	var v6 []string
	for _, r := range rules.SecurityGroupRules {
		if r.CidrIpv6 != nil {
			v6 = append(v6, aws.ToString(r.CidrIpv6))
		}
	}
	slices.Sort(v6)
	if !slices.Equal(v6, []string{"2001:db8::/32", "::/0"}) {
		t.Fatalf("IPv6 rules = %q", v6)
	}
	f, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: filter("ip-permission.ipv6-cidr", "2001:db8::/32")})
	if err != nil || len(f.SecurityGroups) != 1 {
		t.Fatalf("ip-permission.ipv6-cidr filter = %+v, %v", f, err)
	}

	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []types.IpPermission{web}})
	wantMessage(t, err, "InvalidPermission.Duplicate", "0.0.0.0/0")

	// Revoked by the block as it was given, host bits and all.
	if _, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []types.IpPermission{web}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(sg), IpPermissions: []types.IpPermission{allV6}}); err != nil {
		t.Fatal(err)
	}
	if got := groupRules(t, c, sg); !slices.Equal(got, []string{"out -1 -1--1 0.0.0.0/0"}) {
		t.Fatalf("rules left = %q", got)
	}
}
