package ec2

import (
	"context"
	"net/netip"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// Changing rules in place: ModifySecurityGroupRules (a rule by its sgr- id)
// and UpdateSecurityGroupRuleDescriptionsIngress/Egress (descriptions only).
// A rule keeps its id and tags through both.

type ModifySecurityGroupRulesInput struct {
	GroupID string                    `query:"GroupId"`
	Rules   []SecurityGroupRuleUpdate `query:"SecurityGroupRule"`
}

type SecurityGroupRuleUpdate struct {
	RuleID string                    `query:"SecurityGroupRuleId"`
	Rule   *SecurityGroupRuleRequest `query:"SecurityGroupRule"`
}

// SecurityGroupRuleRequest is a whole rule, one source or destination.
type SecurityGroupRuleRequest struct {
	IPProtocol        string `query:"IpProtocol"`
	FromPort          *int   `query:"FromPort"`
	ToPort            *int   `query:"ToPort"`
	CidrIPv4          string `query:"CidrIpv4"`
	CidrIPv6          string `query:"CidrIpv6"`
	PrefixListID      string `query:"PrefixListId"`
	ReferencedGroupID string `query:"ReferencedGroupId"`
	Description       string `query:"Description"`
}

// UpdateRuleDescriptionsInput serves UpdateSecurityGroupRuleDescriptionsIngress
// and ...Egress, whose parameters are the same.
type UpdateRuleDescriptionsInput struct {
	GroupID          string                         `query:"GroupId"`
	GroupName        string                         `query:"GroupName"`
	IPPermissions    []IPPermission                 `query:"IpPermissions"`
	RuleDescriptions []SecurityGroupRuleDescription `query:"SecurityGroupRuleDescription"`
}

type SecurityGroupRuleDescription struct {
	RuleID      string `query:"SecurityGroupRuleId"`
	Description string `query:"Description"`
}

func (s *Service) ModifySecurityGroupRules(ctx context.Context, in *ModifySecurityGroupRulesInput) (*Return, error) {
	if in.GroupID == "" {
		return nil, missing("groupId")
	}
	if err := checkGroupID(in.GroupID); err != nil {
		return nil, err
	}
	if len(in.Rules) == 0 {
		return nil, missing("SecurityGroupRule")
	}
	want := make([]model.Rule, len(in.Rules))
	for i, u := range in.Rules {
		if u.RuleID == "" {
			return nil, missing("SecurityGroupRuleId")
		}
		if err := checkRuleID(u.RuleID); err != nil {
			return nil, err
		}
		if u.Rule == nil {
			return nil, missing("SecurityGroupRule")
		}
		r, err := requestedRule(u.Rule)
		if err != nil {
			return nil, err
		}
		r.ID = u.RuleID
		want[i] = r
	}
	err := s.update(ctx, func(tx model.Tx) error {
		g, err := getGroup(tx, in.GroupID)
		if err != nil {
			return err
		}
		if err := checkPeers(tx, g, want); err != nil {
			return err
		}
		for _, r := range want {
			list, i := findRuleByID(g, r.ID)
			if i < 0 {
				return ruleNotFound(r.ID)
			}
			old := (*list)[i]
			if sourceKind(old) != sourceKind(r) {
				return invalidValue("You cannot change the source type of security group rule %s: it has a %s source.", r.ID, sourceKind(old))
			}
			if j := findRule(*list, r); j >= 0 && j != i {
				return api.BadRequest("InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", ruleText(r))
			}
			r.Tags = old.Tags
			(*list)[i] = r
		}
		return model.Put(tx, g)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

// requestedRule validates a SecurityGroupRuleRequest as EC2 does and turns it
// into a rule without an id. Unlike the IpPermissions of Authorize, its CIDR
// must already be a network address.
func requestedRule(q *SecurityGroupRuleRequest) (model.Rule, error) {
	proto, err := normalProtocol(q.IPProtocol)
	if err != nil {
		return model.Rule{}, err
	}
	from, to, err := portRange(proto, q.FromPort, q.ToPort)
	if err != nil {
		return model.Rule{}, err
	}
	if err := checkRuleDescription(q.Description); err != nil {
		return model.Rule{}, err
	}
	r := model.Rule{Protocol: proto, FromPort: from, ToPort: to, Description: q.Description}
	sources := 0
	for _, v := range []string{q.CidrIPv4, q.CidrIPv6, q.PrefixListID, q.ReferencedGroupID} {
		if v != "" {
			sources++
		}
	}
	switch {
	case sources == 0:
		return model.Rule{}, noSource()
	case sources > 1:
		return model.Rule{}, invalidParameterCombination("A security group rule takes exactly one of CidrIpv4, CidrIpv6, PrefixListId and ReferencedGroupId.")
	case q.PrefixListID != "":
		return model.Rule{}, api.BadRequest("InvalidPrefixListId.NotFound", "The prefix list ID '%s' does not exist", q.PrefixListID)
	case q.ReferencedGroupID != "":
		if err := checkGroupID(q.ReferencedGroupID); err != nil {
			return model.Rule{}, err
		}
		r.GroupID = q.ReferencedGroupID
	case q.CidrIPv4 != "":
		if r.CidrIPv4, err = canonicalCIDR(q.CidrIPv4, ruleCIDR); err != nil {
			return model.Rule{}, err
		}
	default:
		if r.CidrIPv6, err = canonicalCIDR(q.CidrIPv6, ruleCIDR6); err != nil {
			return model.Rule{}, err
		}
	}
	return r, nil
}

// canonicalCIDR parses s with parse and refuses it unless it is written as
// its own network address: ModifySecurityGroupRules does not normalise.
func canonicalCIDR(s string, parse func(string) (string, error)) (string, error) {
	c, err := parse(s)
	if err != nil {
		return "", err
	}
	if p, _ := netip.ParsePrefix(s); p.String() != c {
		return "", invalidValue("CIDR block %s is malformed: it is not the network address of its block (%s)", s, c)
	}
	return c, nil
}

// sourceKind names what a rule's peer is.
func sourceKind(r model.Rule) string {
	switch {
	case r.GroupID != "":
		return "security group"
	case r.CidrIPv6 != "":
		return "IPv6 CIDR"
	}
	return "IPv4 CIDR"
}

// findRuleByID finds a rule of g by id, in either direction, returning the
// list it is in and its index (-1 if g has no such rule).
func findRuleByID(g *model.SecurityGroup, id string) (*[]model.Rule, int) {
	for _, isEgress := range []bool{false, true} {
		list := ruleList(g, isEgress)
		if i := ruleIndex(*list, id); i >= 0 {
			return list, i
		}
	}
	return nil, -1
}

func (s *Service) UpdateSecurityGroupRuleDescriptionsIngress(ctx context.Context, in *UpdateRuleDescriptionsInput) (*Return, error) {
	return s.updateDescriptions(ctx, in, false)
}

func (s *Service) UpdateSecurityGroupRuleDescriptionsEgress(ctx context.Context, in *UpdateRuleDescriptionsInput) (*Return, error) {
	return s.updateDescriptions(ctx, in, true)
}

// updateDescriptions sets the descriptions of existing rules, found by their
// protocol, ports and peer (the permission's description is the new one) or
// by their ids. The group is named by id, or by name in the default VPC, as
// for Authorize. A rule that is not there fails the whole call.
func (s *Service) updateDescriptions(ctx context.Context, in *UpdateRuleDescriptionsInput, isEgress bool) (*Return, error) {
	if err := checkTarget(in.GroupID, in.GroupName); err != nil {
		return nil, err
	}
	if len(in.IPPermissions) == 0 && len(in.RuleDescriptions) == 0 {
		return nil, missing("IpPermissions")
	}
	if err := s.resolvePeerNames(ctx, in.IPPermissions); err != nil {
		return nil, err
	}
	rules, err := expand(in.IPPermissions)
	if err != nil {
		return nil, err
	}
	for _, d := range in.RuleDescriptions {
		if err := checkRuleID(d.RuleID); err != nil {
			return nil, err
		}
		if err := checkRuleDescription(d.Description); err != nil {
			return nil, err
		}
	}
	err = s.update(ctx, func(tx model.Tx) error {
		g, err := targetGroup(tx, in.GroupID, in.GroupName)
		if err != nil {
			return err
		}
		list := ruleList(g, isEgress)
		for _, r := range rules {
			i := findRule(*list, r)
			if i < 0 {
				return api.BadRequest("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
			}
			(*list)[i].Description = r.Description
		}
		for _, d := range in.RuleDescriptions {
			i := ruleIndex(*list, d.RuleID)
			if i < 0 {
				return ruleNotFound(d.RuleID)
			}
			(*list)[i].Description = d.Description
		}
		return model.Put(tx, g)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}
