package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/stack"
)

// Security groups and their rules, inline in the group or as separate
// resources. An inline list changes by revoking the rules the new list
// lacks and authorizing those the old one lacked; a separate rule's only
// in-place change is its description.

func init() {
	creators["AWS::EC2::SecurityGroup"] = createSecurityGroup
	updaters["AWS::EC2::SecurityGroup"] = updateSecurityGroup
	deleters["AWS::EC2::SecurityGroup"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "security group "+cur.Ref, func() error {
			_, err := s.EC2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &cur.Ref})
			return err
		})
	}
	for _, egress := range []bool{false, true} {
		typ := "AWS::EC2::SecurityGroupIngress"
		if egress {
			typ = "AWS::EC2::SecurityGroupEgress"
		}
		creators[typ] = createRule(egress)
		updaters[typ] = updateRule(egress)
		deleters[typ] = deleteRule(egress)
	}
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
		perm.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: g, UserId: p.str("SourceSecurityGroupOwnerId"), Description: desc}}
	} else if n := p.str("SourceSecurityGroupName"); n != nil && !egress {
		perm.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupName: n, UserId: p.str("SourceSecurityGroupOwnerId"), Description: desc}}
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

func revoke(ctx context.Context, s *SDK, group string, perms []ec2types.IpPermission, egress bool) error {
	var err error
	if egress {
		_, err = s.EC2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(group), IpPermissions: perms})
	} else {
		_, err = s.EC2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: perms})
	}
	return err
}

// allowAll is the outbound rule EC2 gives every new group.
func allowAll() ec2types.IpPermission {
	return ec2types.IpPermission{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}
}

// ruleKey names the inline list of one direction.
func ruleKey(egress bool) string {
	if egress {
		return "SecurityGroupEgress"
	}
	return "SecurityGroupIngress"
}

// inlineRules reads a group's inline rules of one direction, each keyed
// by its JSON so that two lists compare rule by rule. No outbound rules
// (or an empty list) leaves EC2's allow-all rule, as in CloudFormation.
func inlineRules(p props, egress bool) (map[string]ec2types.IpPermission, error) {
	out := map[string]ec2types.IpPermission{}
	key := ruleKey(egress)
	for i, r := range p.list(key) {
		perm, err := permission(r, egress)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %v", key, i, err)
		}
		b, _ := json.Marshal(perm)
		out[string(b)] = perm
	}
	if egress && len(out) == 0 {
		perm := allowAll()
		b, _ := json.Marshal(perm)
		out[string(b)] = perm
	}
	return out, nil
}

// only lists, in a stable order, the rules of a that b lacks.
func only(a, b map[string]ec2types.IpPermission) []ec2types.IpPermission {
	var keys []string
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []ec2types.IpPermission
	for _, k := range keys {
		out = append(out, a[k])
	}
	return out
}

// setRules takes a group's rules of one direction from what old says to
// what new says: revoked first, so a rule whose description alone changed
// is authorized again rather than refused as a duplicate. One rule at a
// time, a rule already revoked or already there counts as done, so that
// the rollback of an update that failed half way, from properties the
// group never fully had, still ends with the rules it had.
func setRules(ctx context.Context, s *SDK, group string, old, new props, egress bool) error {
	have, err := inlineRules(old, egress)
	if err != nil {
		return err
	}
	want, err := inlineRules(new, egress)
	if err != nil {
		return err
	}
	for _, perm := range only(have, want) {
		if err := revoke(ctx, s, group, []ec2types.IpPermission{perm}, egress); err != nil && errorCode(err) != "InvalidPermission.NotFound" {
			return fmt.Errorf("%s: %w", ruleKey(egress), err)
		}
	}
	for _, perm := range only(want, have) {
		if _, err := authorize(ctx, s, group, []ec2types.IpPermission{perm}, egress); err != nil && errorCode(err) != "InvalidPermission.Duplicate" {
			return fmt.Errorf("%s: %w", ruleKey(egress), err)
		}
	}
	return nil
}

func createSecurityGroup(ctx context.Context, s *SDK, t stack.Target, name string, p props) (stack.Created, error) {
	if n := p.str("GroupName"); n != nil {
		name = *n
	}
	// The rules are read before the group exists, so a malformed one
	// leaves nothing behind.
	for _, egress := range []bool{false, true} {
		if _, err := inlineRules(p, egress); err != nil {
			return stack.Created{}, err
		}
	}
	out, err := s.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name),
		Description: p.str("GroupDescription"), VpcId: p.str("VpcId"), TagSpecifications: ec2Tagged(ec2types.ResourceTypeSecurityGroup, t, p)})
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.GroupId)
	created := stack.Created{Ref: id, Attrs: map[string]any{"GroupId": id, "Id": id, "VpcId": p.string("VpcId")}}
	for _, egress := range []bool{false, true} {
		if err := setRules(ctx, s, id, props{}, p, egress); err != nil {
			return created, err
		}
	}
	if p.str("VpcId") == nil {
		// A group made without VpcId is in the default VPC.
		got, err := s.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
		if err == nil && len(got.SecurityGroups) == 1 {
			created.Attrs["VpcId"] = aws.ToString(got.SecurityGroups[0].VpcId)
		}
	}
	return created, nil
}

func updateSecurityGroup(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	changed, err := updatable(t, old, new, "Tags", "SecurityGroupIngress", "SecurityGroupEgress")
	if err != nil {
		return cur, err
	}
	for _, k := range changed {
		if k == "Tags" {
			err = retagEC2(ctx, s, cur.Ref, t, new)
		} else {
			err = setRules(ctx, s, cur.Ref, old, new, k == "SecurityGroupEgress")
		}
		if err != nil {
			return cur, err
		}
	}
	return cur, nil
}

func createRule(egress bool) creator {
	return func(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
		perm, err := permission(p, egress)
		if err != nil {
			return stack.Created{}, err
		}
		var ids []string
		if !egress && p.str("GroupId") == nil && p.str("GroupName") != nil {
			// A group of the default VPC named by its name.
			out, err := s.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupName: p.str("GroupName"),
				IpPermissions: []ec2types.IpPermission{perm}})
			if err != nil {
				return stack.Created{}, err
			}
			for _, r := range out.SecurityGroupRules {
				ids = append(ids, aws.ToString(r.SecurityGroupRuleId))
			}
		} else if ids, err = authorize(ctx, s, p.string("GroupId"), []ec2types.IpPermission{perm}, egress); err != nil {
			return stack.Created{}, err
		}
		if len(ids) == 0 {
			return stack.Created{}, fmt.Errorf("EC2 made no rule")
		}
		return stack.Created{Ref: ids[0], Attrs: map[string]any{"Id": ids[0]}}, nil
	}
}

// updateRule changes a separate rule's description, the one property of
// either type that is not create-only.
func updateRule(egress bool) updater {
	return func(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
		if _, err := updatable(t, old, new, "Description"); err != nil {
			return cur, err
		}
		desc := []ec2types.SecurityGroupRuleDescription{{SecurityGroupRuleId: &cur.Ref, Description: aws.String(new.string("Description"))}}
		var err error
		if egress {
			_, err = s.EC2.UpdateSecurityGroupRuleDescriptionsEgress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsEgressInput{
				GroupId: new.str("GroupId"), SecurityGroupRuleDescriptions: desc})
		} else {
			_, err = s.EC2.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{
				GroupId: new.str("GroupId"), GroupName: new.str("GroupName"), SecurityGroupRuleDescriptions: desc})
		}
		if err != nil {
			return cur, fmt.Errorf("Description: %w", err)
		}
		return cur, nil
	}
}

// deleteRule revokes the one rule a SecurityGroupIngress or -Egress made,
// by its id; a rule or group already gone is done.
func deleteRule(egress bool) deleter {
	return func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
		ids := []string{cur.Ref}
		var err error
		if egress {
			_, err = s.EC2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: p.str("GroupId"), SecurityGroupRuleIds: ids})
		} else {
			_, err = s.EC2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: p.str("GroupId"),
				GroupName: p.str("GroupName"), SecurityGroupRuleIds: ids})
		}
		if gone(err) {
			return nil
		}
		return err
	}
}
