package ec2

import (
	"context"
	"maps"
	"net/netip"
	"strconv"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// IPPermission is a protocol and port range with its sources (or
// destinations): the shape callers send and Describe returns. Gatehouse keeps
// it as one model.Rule per source.
type IPPermission struct {
	IPProtocol    string            `query:"IpProtocol" xml:"ipProtocol"`
	FromPort      *int              `query:"FromPort" xml:"fromPort,omitempty"`
	ToPort        *int              `query:"ToPort" xml:"toPort,omitempty"`
	Groups        []UserIDGroupPair `query:"Groups" xml:"groups>item"`
	IPRanges      []IPRange         `query:"IpRanges" xml:"ipRanges>item"`
	IPv6Ranges    []IPv6Range       `query:"Ipv6Ranges" xml:"ipv6Ranges>item"`
	PrefixListIDs []PrefixListID    `query:"PrefixListIds" xml:"prefixListIds>item"`
}

type IPRange struct {
	CidrIP      string `query:"CidrIp" xml:"cidrIp"`
	Description string `query:"Description" xml:"description,omitempty"`
}

type UserIDGroupPair struct {
	GroupID     string `query:"GroupId" xml:"groupId"`
	GroupName   string `query:"GroupName" xml:"-"`
	UserID      string `query:"UserId" xml:"userId"`
	Description string `query:"Description" xml:"description,omitempty"`
}

type IPv6Range struct {
	CidrIPv6    string `query:"CidrIpv6" xml:"cidrIpv6"`
	Description string `query:"Description" xml:"description,omitempty"`
}

type PrefixListID struct {
	PrefixListID string `query:"PrefixListId" xml:"prefixListId"`
	Description  string `query:"Description" xml:"description,omitempty"`
}

// AuthorizeSecurityGroupInput serves both AuthorizeSecurityGroupIngress and
// AuthorizeSecurityGroupEgress, whose parameters are the same.
type AuthorizeSecurityGroupInput struct {
	GroupID           string             `query:"GroupId"`
	GroupName         string             `query:"GroupName"`
	IPPermissions     []IPPermission     `query:"IpPermissions"`
	TagSpecifications []TagSpecification `query:"TagSpecification"`

	// The older flat form of a single permission.
	IPProtocol                 string `query:"IpProtocol"`
	FromPort                   *int   `query:"FromPort"`
	ToPort                     *int   `query:"ToPort"`
	CidrIP                     string `query:"CidrIp"`
	SourceSecurityGroupName    string `query:"SourceSecurityGroupName"`
	SourceSecurityGroupOwnerID string `query:"SourceSecurityGroupOwnerId"`
}

type AuthorizeSecurityGroupOutput struct {
	Return bool                `xml:"return"`
	Rules  []SecurityGroupRule `xml:"securityGroupRuleSet>item"`
}

// RevokeSecurityGroupInput serves RevokeSecurityGroupIngress and
// RevokeSecurityGroupEgress.
type RevokeSecurityGroupInput struct {
	GroupID       string         `query:"GroupId"`
	GroupName     string         `query:"GroupName"`
	IPPermissions []IPPermission `query:"IpPermissions"`
	RuleIDs       []string       `query:"SecurityGroupRuleId"`

	IPProtocol                 string `query:"IpProtocol"`
	FromPort                   *int   `query:"FromPort"`
	ToPort                     *int   `query:"ToPort"`
	CidrIP                     string `query:"CidrIp"`
	SourceSecurityGroupName    string `query:"SourceSecurityGroupName"`
	SourceSecurityGroupOwnerID string `query:"SourceSecurityGroupOwnerId"`
}

type RevokeSecurityGroupOutput struct {
	Return  bool                       `xml:"return"`
	Revoked []RevokedSecurityGroupRule `xml:"revokedSecurityGroupRuleSet>item"`
}

type DescribeSecurityGroupRulesInput struct {
	RuleIDs []string `query:"SecurityGroupRuleId"`
	Filters []Filter `query:"Filter"`
}

type DescribeSecurityGroupRulesOutput struct {
	Rules []SecurityGroupRule `xml:"securityGroupRuleSet>item"`
}

// SecurityGroupRule is one stored rule as EC2 describes it.
type SecurityGroupRule struct {
	SecurityGroupRuleID  string           `xml:"securityGroupRuleId"`
	GroupID              string           `xml:"groupId"`
	GroupOwnerID         string           `xml:"groupOwnerId"`
	IsEgress             bool             `xml:"isEgress"`
	IPProtocol           string           `xml:"ipProtocol"`
	FromPort             int              `xml:"fromPort"`
	ToPort               int              `xml:"toPort"`
	CidrIPv4             string           `xml:"cidrIpv4,omitempty"`
	CidrIPv6             string           `xml:"cidrIpv6,omitempty"`
	ReferencedGroupInfo  *ReferencedGroup `xml:"referencedGroupInfo,omitempty"`
	Description          string           `xml:"description,omitempty"`
	Tags                 []Tag            `xml:"tagSet>item"`
	SecurityGroupRuleArn string           `xml:"securityGroupRuleArn"`
}

type ReferencedGroup struct {
	GroupID string `xml:"groupId"`
	UserID  string `xml:"userId"`
}

type RevokedSecurityGroupRule struct {
	SecurityGroupRuleID string `xml:"securityGroupRuleId"`
	GroupID             string `xml:"groupId"`
	IsEgress            bool   `xml:"isEgress"`
	IPProtocol          string `xml:"ipProtocol"`
	FromPort            int    `xml:"fromPort"`
	ToPort              int    `xml:"toPort"`
	CidrIPv4            string `xml:"cidrIpv4,omitempty"`
	CidrIPv6            string `xml:"cidrIpv6,omitempty"`
	ReferencedGroupID   string `xml:"referencedGroupId,omitempty"`
	Description         string `xml:"description,omitempty"`
}

// maxRules is AWS's default quota of rules per group and direction, counted
// apart for IPv4 and IPv6 rules (a group reference counts in both).
const maxRules = 60

// overQuota reports whether adding rules to list passes maxRules.
func overQuota(list, rules []model.Rule) bool {
	var v4, v6 int
	for _, set := range [][]model.Rule{list, rules} {
		for _, r := range set {
			if r.CidrIPv6 == "" {
				v4++
			}
			if r.CidrIPv4 == "" {
				v6++
			}
		}
	}
	return v4 > maxRules || v6 > maxRules
}

const protoAll = "-1"

func (s *Service) AuthorizeSecurityGroupIngress(ctx context.Context, in *AuthorizeSecurityGroupInput) (*AuthorizeSecurityGroupOutput, error) {
	return s.authorize(ctx, in, false)
}

func (s *Service) AuthorizeSecurityGroupEgress(ctx context.Context, in *AuthorizeSecurityGroupInput) (*AuthorizeSecurityGroupOutput, error) {
	return s.authorize(ctx, in, true)
}

func (s *Service) RevokeSecurityGroupIngress(ctx context.Context, in *RevokeSecurityGroupInput) (*RevokeSecurityGroupOutput, error) {
	return s.revoke(ctx, in, false)
}

func (s *Service) RevokeSecurityGroupEgress(ctx context.Context, in *RevokeSecurityGroupInput) (*RevokeSecurityGroupOutput, error) {
	return s.revoke(ctx, in, true)
}

func (s *Service) authorize(ctx context.Context, in *AuthorizeSecurityGroupInput, isEgress bool) (*AuthorizeSecurityGroupOutput, error) {
	if err := checkTarget(in.GroupID, in.GroupName); err != nil {
		return nil, err
	}
	perms, err := requestPermissions(in.IPPermissions, flatPermission{
		in.IPProtocol, in.FromPort, in.ToPort, in.CidrIP, in.SourceSecurityGroupName, in.SourceSecurityGroupOwnerID,
	})
	if err != nil {
		return nil, err
	}
	if len(perms) == 0 {
		return nil, noSource()
	}
	if err := s.resolvePeerNames(ctx, perms); err != nil {
		return nil, err
	}
	rules, err := expand(perms)
	if err != nil {
		return nil, err
	}
	tags, err := tagsFor(ctx, in.TagSpecifications, "security-group-rule")
	if err != nil {
		return nil, err
	}
	var added []model.Rule
	err = s.update(ctx, func(tx model.Tx) error {
		g, err := targetGroup(tx, in.GroupID, in.GroupName)
		if err != nil {
			return err
		}
		in.GroupID = g.ID // a group named is reported by id
		if err := checkPeers(tx, g, rules); err != nil {
			return err
		}
		list := ruleList(g, isEgress)
		for _, r := range rules {
			if findRule(*list, r) >= 0 {
				return api.BadRequest("InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", ruleText(r))
			}
		}
		if overQuota(*list, rules) {
			return api.BadRequest("RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
		}
		added = make([]model.Rule, len(rules))
		for i, r := range rules {
			r.ID = api.NewID("sgr")
			if len(tags) > 0 {
				r.Tags = maps.Clone(tags)
			}
			added[i] = r
		}
		*list = append(*list, added...)
		return model.Put(tx, g)
	})
	if err != nil {
		return nil, err
	}
	out := &AuthorizeSecurityGroupOutput{Return: true}
	for _, r := range added {
		out.Rules = append(out.Rules, ruleShape(ctx, in.GroupID, isEgress, r))
	}
	return out, nil
}

func (s *Service) revoke(ctx context.Context, in *RevokeSecurityGroupInput, isEgress bool) (*RevokeSecurityGroupOutput, error) {
	if err := checkTarget(in.GroupID, in.GroupName); err != nil {
		return nil, err
	}
	for _, id := range in.RuleIDs {
		if err := checkRuleID(id); err != nil {
			return nil, err
		}
	}
	perms, err := requestPermissions(in.IPPermissions, flatPermission{
		in.IPProtocol, in.FromPort, in.ToPort, in.CidrIP, in.SourceSecurityGroupName, in.SourceSecurityGroupOwnerID,
	})
	if err != nil {
		return nil, err
	}
	if len(perms) == 0 && len(in.RuleIDs) == 0 {
		return nil, noSource()
	}
	if err := s.resolvePeerNames(ctx, perms); err != nil {
		return nil, err
	}
	rules, err := expand(perms)
	if err != nil {
		return nil, err
	}
	var revoked []model.Rule
	err = s.update(ctx, func(tx model.Tx) error {
		g, err := targetGroup(tx, in.GroupID, in.GroupName)
		if err != nil {
			return err
		}
		in.GroupID = g.ID // a group named is reported by id
		if err := checkPeers(tx, g, rules); err != nil {
			return err
		}
		list := ruleList(g, isEgress)
		gone := map[int]bool{}
		for _, id := range in.RuleIDs {
			i := ruleIndex(*list, id)
			if i < 0 {
				return ruleNotFound(id)
			}
			gone[i] = true
		}
		for _, r := range rules {
			i := findRule(*list, r)
			if i < 0 {
				return api.BadRequest("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
			}
			gone[i] = true
		}
		kept := make([]model.Rule, 0, len(*list))
		revoked = revoked[:0]
		for i, r := range *list {
			if gone[i] {
				revoked = append(revoked, r)
			} else {
				kept = append(kept, r)
			}
		}
		*list = kept
		return model.Put(tx, g)
	})
	if err != nil {
		return nil, err
	}
	out := &RevokeSecurityGroupOutput{Return: true}
	for _, r := range revoked {
		out.Revoked = append(out.Revoked, RevokedSecurityGroupRule{
			SecurityGroupRuleID: r.ID,
			GroupID:             in.GroupID,
			IsEgress:            isEgress,
			IPProtocol:          r.Protocol,
			FromPort:            r.FromPort,
			ToPort:              r.ToPort,
			CidrIPv4:            r.CidrIPv4,
			CidrIPv6:            r.CidrIPv6,
			ReferencedGroupID:   r.GroupID,
			Description:         r.Description,
		})
	}
	return out, nil
}

func (s *Service) DescribeSecurityGroupRules(ctx context.Context, in *DescribeSecurityGroupRulesInput) (*DescribeSecurityGroupRulesOutput, error) {
	for _, id := range in.RuleIDs {
		if err := checkRuleID(id); err != nil {
			return nil, err
		}
	}
	if err := checkFilters(in.Filters, ruleFields(&model.SecurityGroup{}, &model.Rule{})); err != nil {
		return nil, err
	}
	// Ids in the id filters are checked as ids are, before anything is
	// listed: a malformed one is an error, not a filter matching nothing.
	for _, f := range in.Filters {
		for _, v := range f.Values {
			var err error
			switch f.Name {
			case "group-id":
				err = checkGroupID(v)
			case "security-group-rule-id":
				err = checkRuleID(v)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	type located struct {
		g        *model.SecurityGroup
		r        model.Rule
		isEgress bool
	}
	out := &DescribeSecurityGroupRulesOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		groups, err := model.List[model.SecurityGroup](tx)
		if err != nil {
			return err
		}
		var all []located
		byID := map[string]located{}
		for _, g := range groups {
			for _, isEgress := range []bool{false, true} {
				for _, r := range *ruleList(g, isEgress) {
					l := located{g, r, isEgress}
					all = append(all, l)
					byID[r.ID] = l
				}
			}
		}
		if len(in.RuleIDs) > 0 {
			all = all[:0]
			for _, id := range in.RuleIDs {
				l, ok := byID[id]
				if !ok {
					return ruleNotFound(id)
				}
				all = append(all, l)
			}
		}
		for _, l := range all {
			if ok, err := matchFilters(in.Filters, ruleFields(l.g, &l.r)); err != nil {
				return err
			} else if ok {
				out.Rules = append(out.Rules, ruleShape(ctx, l.g.ID, l.isEgress, l.r))
			}
		}
		return nil
	})
	return out, err
}

func ruleFields(g *model.SecurityGroup, r *model.Rule) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "group-id":
			return []string{g.ID}, true
		case "security-group-rule-id":
			return []string{r.ID}, true
		}
		return tagFields(r.Tags, name)
	}
}

func ruleShape(ctx context.Context, groupID string, isEgress bool, r model.Rule) SecurityGroupRule {
	m := api.MetaFrom(ctx)
	out := SecurityGroupRule{
		SecurityGroupRuleID:  r.ID,
		GroupID:              groupID,
		GroupOwnerID:         m.Account,
		IsEgress:             isEgress,
		IPProtocol:           r.Protocol,
		FromPort:             r.FromPort,
		ToPort:               r.ToPort,
		CidrIPv4:             r.CidrIPv4,
		CidrIPv6:             r.CidrIPv6,
		Description:          r.Description,
		Tags:                 tagSet(r.Tags),
		SecurityGroupRuleArn: api.ARN("ec2", m.Region, m.Account, "security-group-rule/"+r.ID),
	}
	if r.GroupID != "" {
		out.ReferencedGroupInfo = &ReferencedGroup{GroupID: r.GroupID, UserID: m.Account}
	}
	return out
}

// flatPermission is the single permission a caller may spell out with
// top-level parameters instead of IpPermissions.
type flatPermission struct {
	protocol        string
	from, to        *int
	cidr            string
	sourceGroupName string
	sourceOwner     string
}

func (f flatPermission) present() bool {
	return f.protocol != "" || f.from != nil || f.to != nil || f.cidr != "" || f.sourceGroupName != "" || f.sourceOwner != ""
}

// requestPermissions returns the permissions a call names, in whichever of
// the two forms it used.
func requestPermissions(perms []IPPermission, flat flatPermission) ([]IPPermission, error) {
	if !flat.present() {
		return perms, nil
	}
	if len(perms) > 0 {
		return nil, api.BadRequest("InvalidParameterCombination", "The parameter IpPermissions cannot be used with the parameters IpProtocol, FromPort, ToPort, CidrIp or SourceSecurityGroupName")
	}
	if flat.sourceGroupName != "" {
		return namedSource(flat), nil
	}
	if flat.cidr == "" {
		return nil, noSource()
	}
	return []IPPermission{{
		IPProtocol: flat.protocol,
		FromPort:   flat.from,
		ToPort:     flat.to,
		IPRanges:   []IPRange{{CidrIP: flat.cidr}},
	}}, nil
}

// expand validates permissions and turns them into one rule per source,
// without ids. A permission with no source at all adds nothing and is no
// error: EC2 answers such a call with true (see README).
func expand(perms []IPPermission) ([]model.Rule, error) {
	var out []model.Rule
	seen := map[ruleKey]bool{}
	add := func(r model.Rule) error {
		k := keyOf(r)
		if seen[k] {
			return invalidValue("The same permission must not appear multiple times")
		}
		seen[k] = true
		out = append(out, r)
		return nil
	}
	for _, p := range perms {
		proto, err := normalProtocol(p.IPProtocol)
		if err != nil {
			return nil, err
		}
		from, to, err := portRange(proto, p.FromPort, p.ToPort)
		if err != nil {
			return nil, err
		}
		if len(p.PrefixListIDs) > 0 {
			return nil, api.BadRequest("InvalidPrefixListId.NotFound", "The prefix list ID '%s' does not exist", p.PrefixListIDs[0].PrefixListID)
		}
		base := model.Rule{Protocol: proto, FromPort: from, ToPort: to}
		for _, rg := range p.IPRanges {
			cidr, err := ruleCIDR(rg.CidrIP)
			if err != nil {
				return nil, err
			}
			if err := checkRuleDescription(rg.Description); err != nil {
				return nil, err
			}
			r := base
			r.CidrIPv4, r.Description = cidr, rg.Description
			if err := add(r); err != nil {
				return nil, err
			}
		}
		for _, rg := range p.IPv6Ranges {
			cidr, err := ruleCIDR6(rg.CidrIPv6)
			if err != nil {
				return nil, err
			}
			if err := checkRuleDescription(rg.Description); err != nil {
				return nil, err
			}
			r := base
			r.CidrIPv6, r.Description = cidr, rg.Description
			if err := add(r); err != nil {
				return nil, err
			}
		}
		for _, pair := range p.Groups {
			if err := checkGroupID(pair.GroupID); err != nil {
				return nil, err
			}
			if err := checkRuleDescription(pair.Description); err != nil {
				return nil, err
			}
			r := base
			r.GroupID, r.Description = pair.GroupID, pair.Description
			if err := add(r); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// normalProtocol maps the names and numbers gatehouse models to the names
// EC2 stores.
func normalProtocol(p string) (string, error) {
	switch strings.ToLower(p) {
	case "":
		return "", invalidValue("Invalid value 'null' for protocol. VPC security group rules must specify protocols explicitly.")
	case "tcp", "6":
		return "tcp", nil
	case "udp", "17":
		return "udp", nil
	case "icmp", "1":
		return "icmp", nil
	case protoAll:
		return protoAll, nil
	}
	if n, err := strconv.Atoi(p); err == nil && n >= 0 && n <= 255 {
		// AWS accepts any IP protocol number; gatehouse's network model
		// evaluates only these four, so it refuses rather than store a rule
		// it could not enforce.
		return "", invalidValue("IP protocol %s is not supported by gatehouse: use tcp, udp, icmp or -1.", p)
	}
	return "", invalidValue("Invalid value '%s' for IP protocol. Unknown protocol.", p)
}

// portRange validates a permission's ports for its protocol. For all
// protocols the ports are ignored and stored as -1.
func portRange(proto string, from, to *int) (int, int, error) {
	switch proto {
	case protoAll:
		return -1, -1, nil
	case "icmp":
		if from == nil || to == nil {
			return 0, 0, invalidValue("Invalid value 'Must specify both from and to ports with ICMP.' for portRange.")
		}
		if *from < -1 || *from > 255 {
			return 0, 0, invalidValue("ICMP type (%d) out of range", *from)
		}
		if *to < -1 || *to > 255 {
			return 0, 0, invalidValue("ICMP code (%d) out of range", *to)
		}
		return *from, *to, nil
	}
	if to == nil {
		return 0, 0, invalidValue("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.")
	}
	f := -1 // a missing from port reads as -1, which is then out of range
	if from != nil {
		f = *from
	}
	for _, p := range []int{f, *to} {
		if p < 0 || p > 65535 {
			return 0, 0, api.BadRequest("InvalidPermission.Malformed", "TCP/UDP port (%d) out of range", p)
		}
	}
	if f > *to {
		return 0, 0, invalidValue("Invalid TCP/UDP port range (%d > %d): the from port must not exceed the to port.", f, *to)
	}
	return f, *to, nil
}

// ruleCIDR parses a rule's IPv4 block. EC2 accepts a block with host bits set
// and stores its network, so 10.0.0.1/16 becomes 10.0.0.0/16.
func ruleCIDR(s string) (string, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return "", invalidValue("CIDR block %s is malformed", s)
	}
	return p.Masked().String(), nil
}

// ruleCIDR6 parses a rule's IPv6 block, normalised as ruleCIDR does.
func ruleCIDR6(s string) (string, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
		return "", invalidValue("CIDR block %s is malformed", s)
	}
	return p.Masked().String(), nil
}

func checkRuleDescription(d string) error {
	if !allowedGroupText(d) {
		return invalidValue("Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")
	}
	return nil
}

// checkTarget validates how a rule call names its group: by id, or by name
// in the default VPC (targetGroup).
func checkTarget(id, name string) error {
	if id == "" {
		if name != "" {
			return nil
		}
		return missing("GroupId")
	}
	return checkGroupID(id)
}

func getGroup(tx model.Tx, id string) (*model.SecurityGroup, error) {
	g, ok, err := model.Get[model.SecurityGroup](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, groupNotFound(id)
	}
	return g, nil
}

// checkPeers makes sure every group the rules reference exists in g's VPC.
func checkPeers(tx model.Tx, g *model.SecurityGroup, rules []model.Rule) error {
	for _, r := range rules {
		if r.GroupID == "" || r.GroupID == g.ID {
			continue
		}
		peer, err := getGroup(tx, r.GroupID)
		if err != nil {
			return err
		}
		if peer.VpcID != g.VpcID {
			return api.BadRequest("InvalidGroup.NotFound", "You have specified two resources that belong to different networks.")
		}
	}
	return nil
}

func ruleList(g *model.SecurityGroup, isEgress bool) *[]model.Rule {
	if isEgress {
		return &g.Egress
	}
	return &g.Ingress
}

// ruleKey is a rule's identity: its protocol, ports and peer. The
// description is not part of it, so two rules differing only there clash.
type ruleKey struct {
	proto                string
	from, to             int
	cidr, cidr6, groupID string
}

func keyOf(r model.Rule) ruleKey {
	return ruleKey{r.Protocol, r.FromPort, r.ToPort, r.CidrIPv4, r.CidrIPv6, r.GroupID}
}

// findRule returns the index of the rule in list with r's identity, or -1.
func findRule(list []model.Rule, r model.Rule) int {
	k := keyOf(r)
	for i, x := range list {
		if keyOf(x) == k {
			return i
		}
	}
	return -1
}

func ruleIndex(list []model.Rule, id string) int {
	for i, x := range list {
		if x.ID == id {
			return i
		}
	}
	return -1
}

// ruleText is how EC2 spells a rule in its duplicate-rule message.
func ruleText(r model.Rule) string {
	peer := r.CidrIPv4
	switch {
	case r.GroupID != "":
		peer = r.GroupID
	case r.CidrIPv6 != "":
		peer = r.CidrIPv6
	}
	switch r.Protocol {
	case protoAll:
		return "peer: " + peer + ", ALL, ALLOW"
	case "icmp":
		return "peer: " + peer + ", ICMP, type: " + strconv.Itoa(r.FromPort) + ", code: " + strconv.Itoa(r.ToPort) + ", ALLOW"
	}
	return "peer: " + peer + ", " + strings.ToUpper(r.Protocol) + ", from port: " + strconv.Itoa(r.FromPort) + ", to port: " + strconv.Itoa(r.ToPort) + ", ALLOW"
}

func checkRuleID(id string) error {
	if !wellFormedID(id, "sgr") {
		return api.BadRequest("InvalidSecurityGroupRuleId.Malformed", "Invalid id: %q (expecting \"sgr-...\")", id)
	}
	return nil
}

func ruleNotFound(id string) error {
	return api.BadRequest("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist", id)
}

func noSource() error {
	return api.BadRequest("MissingParameter", "Missing source specification: include source security group or CIDR information")
}
