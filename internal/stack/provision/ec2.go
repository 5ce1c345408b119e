package provision

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/stack"
)

func init() {
	creators["AWS::EC2::VPC"] = createVPC
	creators["AWS::EC2::Subnet"] = createSubnet
	creators["AWS::EC2::SecurityGroup"] = createSecurityGroup
	creators["AWS::EC2::SecurityGroupIngress"] = createRule(false)
	creators["AWS::EC2::SecurityGroupEgress"] = createRule(true)
	creators["AWS::EC2::NetworkInterface"] = createENI

	deleters["AWS::EC2::VPC"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "VPC "+cur.Ref, func() error {
			_, err := s.EC2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &cur.Ref})
			return err
		})
	}
	deleters["AWS::EC2::Subnet"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "subnet "+cur.Ref, func() error {
			_, err := s.EC2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &cur.Ref})
			return err
		})
	}
	deleters["AWS::EC2::SecurityGroup"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "security group "+cur.Ref, func() error {
			_, err := s.EC2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &cur.Ref})
			return err
		})
	}
	deleters["AWS::EC2::SecurityGroupIngress"] = deleteRule(false)
	deleters["AWS::EC2::SecurityGroupEgress"] = deleteRule(true)
	deleters["AWS::EC2::NetworkInterface"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "network interface "+cur.Ref, func() error {
			_, err := s.EC2.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: &cur.Ref})
			return err
		})
	}
}

// tagEC2 applies a template's Tags with CreateTags, which every EC2
// resource type accepts, rather than each call's TagSpecifications.
func tagEC2(ctx context.Context, s *SDK, id string, p props) error {
	tags := p.tags()
	if len(tags) == 0 {
		return nil
	}
	var list []ec2types.Tag
	for k, v := range tags {
		list = append(list, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	_, err := s.EC2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: list})
	return err
}

func createVPC(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	out, err := s.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: p.str("CidrBlock")})
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Vpc.VpcId)
	if err := tagEC2(ctx, s, id, p); err != nil {
		return stack.Created{}, err
	}
	groups, err := s.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{id}}, {Name: aws.String("group-name"), Values: []string{"default"}}}})
	if err != nil {
		return stack.Created{}, err
	}
	attrs := map[string]any{"VpcId": id, "CidrBlock": aws.ToString(out.Vpc.CidrBlock)}
	if len(groups.SecurityGroups) > 0 {
		attrs["DefaultSecurityGroup"] = aws.ToString(groups.SecurityGroups[0].GroupId)
	}
	return stack.Created{Ref: id, Attrs: attrs}, nil
}

func createSubnet(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	out, err := s.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: p.str("VpcId"), CidrBlock: p.str("CidrBlock"),
		AvailabilityZone: p.str("AvailabilityZone"), AvailabilityZoneId: p.str("AvailabilityZoneId")})
	if err != nil {
		return stack.Created{}, err
	}
	sn := out.Subnet
	id := aws.ToString(sn.SubnetId)
	if err := tagEC2(ctx, s, id, p); err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: id, Attrs: map[string]any{"SubnetId": id, "VpcId": aws.ToString(sn.VpcId),
		"CidrBlock": aws.ToString(sn.CidrBlock), "AvailabilityZone": aws.ToString(sn.AvailabilityZone)}}, nil
}

// permission turns one CloudFormation rule (inline or a separate resource)
// into the API's shape. The peer is named Source* inbound, Destination*
// outbound.
func permission(p props, egress bool) (ec2types.IpPermission, error) {
	from, err := p.int32("FromPort")
	if err != nil {
		return ec2types.IpPermission{}, err
	}
	to, err := p.int32("ToPort")
	if err != nil {
		return ec2types.IpPermission{}, err
	}
	perm := ec2types.IpPermission{IpProtocol: p.str("IpProtocol"), FromPort: from, ToPort: to}
	desc := p.str("Description")
	if c := p.str("CidrIp"); c != nil {
		perm.IpRanges = []ec2types.IpRange{{CidrIp: c, Description: desc}}
	}
	if c := p.str("CidrIpv6"); c != nil {
		perm.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: c, Description: desc}}
	}
	group, prefixList := "SourceSecurityGroupId", "SourcePrefixListId"
	if egress {
		group, prefixList = "DestinationSecurityGroupId", "DestinationPrefixListId"
	}
	if g := p.str(group); g != nil {
		perm.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: g, Description: desc}}
	}
	if pl := p.str(prefixList); pl != nil {
		perm.PrefixListIds = []ec2types.PrefixListId{{PrefixListId: pl, Description: desc}}
	}
	if perm.IpRanges == nil && perm.Ipv6Ranges == nil && perm.UserIdGroupPairs == nil && perm.PrefixListIds == nil {
		return perm, fmt.Errorf("a rule needs CidrIp, CidrIpv6, %s or %s", group, prefixList)
	}
	return perm, nil
}

func authorize(ctx context.Context, s *SDK, group string, perms []ec2types.IpPermission, egress bool) ([]string, error) {
	var rules []ec2types.SecurityGroupRule
	if egress {
		out, err := s.EC2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(group), IpPermissions: perms})
		if err != nil {
			return nil, err
		}
		rules = out.SecurityGroupRules
	} else {
		out, err := s.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: perms})
		if err != nil {
			return nil, err
		}
		rules = out.SecurityGroupRules
	}
	var ids []string
	for _, r := range rules {
		ids = append(ids, aws.ToString(r.SecurityGroupRuleId))
	}
	return ids, nil
}

func createSecurityGroup(ctx context.Context, s *SDK, _ stack.Target, name string, p props) (stack.Created, error) {
	if n := p.str("GroupName"); n != nil {
		name = *n
	}
	out, err := s.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name),
		Description: p.str("GroupDescription"), VpcId: p.str("VpcId")})
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.GroupId)
	if err := tagEC2(ctx, s, id, p); err != nil {
		return stack.Created{}, err
	}
	for _, egress := range []bool{false, true} {
		key := "SecurityGroupIngress"
		if egress {
			key = "SecurityGroupEgress"
		}
		if _, ok := p[key]; !ok {
			continue
		}
		var perms []ec2types.IpPermission
		for i, r := range p.list(key) {
			perm, err := permission(r, egress)
			if err != nil {
				return stack.Created{}, fmt.Errorf("%s[%d]: %v", key, i, err)
			}
			perms = append(perms, perm)
		}
		if egress {
			// A template's egress rules replace the allow-all rule EC2
			// gives a new group, as CloudFormation does.
			_, err := s.EC2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(id),
				IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
			if err != nil {
				return stack.Created{}, err
			}
		}
		if len(perms) > 0 {
			if _, err := authorize(ctx, s, id, perms, egress); err != nil {
				return stack.Created{}, fmt.Errorf("%s: %v", key, err)
			}
		}
	}
	return stack.Created{Ref: id, Attrs: map[string]any{"GroupId": id, "VpcId": p.string("VpcId")}}, nil
}

func createRule(egress bool) creator {
	return func(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
		perm, err := permission(p, egress)
		if err != nil {
			return stack.Created{}, err
		}
		ids, err := authorize(ctx, s, p.string("GroupId"), []ec2types.IpPermission{perm}, egress)
		if err != nil {
			return stack.Created{}, err
		}
		if len(ids) == 0 {
			return stack.Created{}, fmt.Errorf("EC2 made no rule")
		}
		return stack.Created{Ref: ids[0], Attrs: map[string]any{"Id": ids[0]}}, nil
	}
}

// deleteRule revokes the one rule a SecurityGroupIngress or -Egress made,
// by its id; a rule or group already gone is done.
func deleteRule(egress bool) deleter {
	return func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
		ids := []string{cur.Ref}
		if egress {
			_, err := s.EC2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: p.str("GroupId"), SecurityGroupRuleIds: ids})
			if gone(err) {
				return nil
			}
			return err
		}
		_, err := s.EC2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: p.str("GroupId"),
			GroupName: p.str("GroupName"), SecurityGroupRuleIds: ids})
		if gone(err) {
			return nil
		}
		return err
	}
}

func createENI(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	out, err := s.EC2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: p.str("SubnetId"),
		PrivateIpAddress: p.str("PrivateIpAddress"), Groups: p.strings("GroupSet"), Description: p.str("Description")})
	if err != nil {
		return stack.Created{}, err
	}
	ni := out.NetworkInterface
	id := aws.ToString(ni.NetworkInterfaceId)
	if err := tagEC2(ctx, s, id, p); err != nil {
		return stack.Created{}, err
	}
	var secondary []any
	for _, a := range ni.PrivateIpAddresses {
		if !aws.ToBool(a.Primary) {
			secondary = append(secondary, aws.ToString(a.PrivateIpAddress))
		}
	}
	return stack.Created{Ref: id, Attrs: map[string]any{"Id": id, "PrimaryPrivateIpAddress": aws.ToString(ni.PrivateIpAddress),
		"SecondaryPrivateIpAddresses": secondary}}, nil
}
