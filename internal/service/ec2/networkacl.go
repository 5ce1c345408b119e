package ec2

import (
	"cmp"
	"context"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type CreateNetworkAclInput struct {
	VpcID             string             `query:"VpcId,required"`
	ClientToken       string             `query:"ClientToken"`
	TagSpecifications []TagSpecification `query:"TagSpecification"`
}

type CreateNetworkAclOutput struct {
	NetworkACL  NetworkACL `xml:"networkAcl"`
	ClientToken string     `xml:"clientToken,omitempty"`
}

type DescribeNetworkAclsInput struct {
	NetworkACLIDs []string `query:"NetworkAclId"`
	Filters       []Filter `query:"Filter"`
}

type DescribeNetworkAclsOutput struct {
	NetworkACLs set[NetworkACL] `xml:"networkAclSet"`
}

type DeleteNetworkAclInput struct {
	NetworkACLID string `query:"NetworkAclId,required"`
}

// NetworkACLEntryInput is CreateNetworkAclEntry's and
// ReplaceNetworkAclEntry's input: one rule of one direction.
type NetworkACLEntryInput struct {
	NetworkACLID  string          `query:"NetworkAclId,required"`
	RuleNumber    int             `query:"RuleNumber,required"`
	Egress        bool            `query:"Egress,required"`
	Protocol      string          `query:"Protocol,required"`
	RuleAction    string          `query:"RuleAction,required"`
	CidrBlock     string          `query:"CidrBlock"`
	Ipv6CidrBlock string          `query:"Ipv6CidrBlock"`
	PortRange     *PortRangeIn    `query:"PortRange"`
	Icmp          *IcmpTypeCodeIn `query:"Icmp"`
}

// PortRangeIn and IcmpTypeCodeIn tell a missing bound from a zero one.
type PortRangeIn struct {
	From *int `query:"From"`
	To   *int `query:"To"`
}

type IcmpTypeCodeIn struct {
	Type *int `query:"Type"`
	Code *int `query:"Code"`
}

type DeleteNetworkAclEntryInput struct {
	NetworkACLID string `query:"NetworkAclId,required"`
	RuleNumber   int    `query:"RuleNumber,required"`
	Egress       bool   `query:"Egress,required"`
}

type ReplaceNetworkAclAssociationInput struct {
	AssociationID string `query:"AssociationId,required"`
	NetworkACLID  string `query:"NetworkAclId,required"`
}

type ReplaceNetworkAclAssociationOutput struct {
	NewAssociationID string `xml:"newAssociationId"`
}

// NetworkACL is the ACL as EC2 describes it.
type NetworkACL struct {
	NetworkACLID string                     `xml:"networkAclId"`
	VpcID        string                     `xml:"vpcId"`
	IsDefault    bool                       `xml:"default"`
	Entries      set[NetworkACLEntry]       `xml:"entrySet"`
	Associations set[NetworkACLAssociation] `xml:"associationSet"`
	Tags         set[Tag]                   `xml:"tagSet"`
	OwnerID      string                     `xml:"ownerId"`
}

type NetworkACLEntry struct {
	RuleNumber    int           `xml:"ruleNumber"`
	Protocol      string        `xml:"protocol"`
	RuleAction    string        `xml:"ruleAction"`
	Egress        bool          `xml:"egress"`
	CidrBlock     string        `xml:"cidrBlock,omitempty"`
	Ipv6CidrBlock string        `xml:"ipv6CidrBlock,omitempty"`
	IcmpTypeCode  *IcmpTypeCode `xml:"icmpTypeCode"`
	PortRange     *PortRange    `xml:"portRange"`
}

type IcmpTypeCode struct {
	Code int `xml:"code"`
	Type int `xml:"type"`
}

type PortRange struct {
	From int `xml:"from"`
	To   int `xml:"to"`
}

type NetworkACLAssociation struct {
	NetworkACLAssociationID string `xml:"networkAclAssociationId"`
	NetworkACLID            string `xml:"networkAclId"`
	SubnetID                string `xml:"subnetId"`
}

// Protocols as ACL entries keep them: IANA numbers as text.
const (
	protoAllNumber = "-1"
	protoTCP       = "6"
	protoUDP       = "17"
	protoICMP      = "1"
	protoICMPv6    = "58"
)

func aclNotFound(id string) error {
	return api.BadRequest("InvalidNetworkAclID.NotFound", "The networkAcl ID '%s' does not exist", id)
}

// checkACLID rejects what cannot be an ACL id before it is looked up.
func checkACLID(id string) error {
	if !wellFormedID(id, "acl") {
		return api.BadRequest("InvalidNetworkAclId.Malformed", "Invalid id: %q (expecting \"acl-...\")", id)
	}
	return nil
}

func aclEntryExists(rule int) error {
	return api.BadRequest("NetworkAclEntryAlreadyExists", "The network acl entry identified by %d already exists.", rule)
}

func aclEntryNotFound(rule int, egress bool, id string) error {
	return api.BadRequest("InvalidNetworkAclEntry.NotFound", "The network acl entry identified by %d (%s) does not exist in network acl %s.", rule, direction(egress), id)
}

func direction(egress bool) string {
	if egress {
		return "egress"
	}
	return "ingress"
}

// maxACLEntries is EC2's default quota of entries per direction, the
// catch-all deny not counted.
const maxACLEntries = 20

// userEntries counts an ACL's entries in one direction, the catch-all deny
// not counted.
func userEntries(acl *model.NetworkACL, egress bool) int {
	n := 0
	for _, e := range acl.Entries {
		if e.Egress == egress && e.RuleNumber != model.ACLDefaultRule {
			n++
		}
	}
	return n
}

func associationNotFound(id string) error {
	return api.BadRequest("InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
}

func (s *Service) CreateNetworkAcl(ctx context.Context, in *CreateNetworkAclInput) (*CreateNetworkAclOutput, error) {
	tags, err := tagsFor(ctx, in.TagSpecifications, "network-acl")
	if err != nil {
		return nil, err
	}
	acl := &model.NetworkACL{ID: api.NewID("acl"), VpcID: in.VpcID, Tags: tags}
	for _, egress := range []bool{false, true} {
		acl.Entries = append(acl.Entries, model.ACLEntry{RuleNumber: model.ACLDefaultRule, Egress: egress, Protocol: protoAllNumber, Action: "deny", CidrBlock: "0.0.0.0/0"})
	}
	err = s.update(ctx, func(tx model.Tx) error {
		if _, ok, err := model.Get[model.VPC](tx, in.VpcID); err != nil {
			return err
		} else if !ok {
			return vpcNotFound(in.VpcID)
		}
		return model.Put(tx, acl)
	})
	if err != nil {
		return nil, err
	}
	return &CreateNetworkAclOutput{NetworkACL: aclShape(ctx, acl), ClientToken: in.ClientToken}, nil
}

func (s *Service) DescribeNetworkAcls(ctx context.Context, in *DescribeNetworkAclsInput) (*DescribeNetworkAclsOutput, error) {
	for _, id := range in.NetworkACLIDs {
		if err := checkACLID(id); err != nil {
			return nil, err
		}
	}
	if err := checkFilters(in.Filters, aclFields(ctx, &model.NetworkACL{})); err != nil {
		return nil, err
	}
	if err := s.completeAll(ctx); err != nil {
		return nil, err
	}
	out := &DescribeNetworkAclsOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		acls, err := byIDs[model.NetworkACL](tx, in.NetworkACLIDs, aclNotFound)
		if err != nil {
			return err
		}
		for _, a := range acls {
			if ok, err := matchFilters(in.Filters, aclFields(ctx, a)); err != nil {
				return err
			} else if ok {
				out.NetworkACLs.Items = append(out.NetworkACLs.Items, aclShape(ctx, a))
			}
		}
		return nil
	})
	return out, err
}

func aclFields(ctx context.Context, a *model.NetworkACL) fields {
	entries := func(f func(e model.ACLEntry) (string, bool)) []string {
		var out []string
		for _, e := range a.Entries {
			if v, ok := f(e); ok {
				out = append(out, v)
			}
		}
		return out
	}
	return func(name string) ([]string, bool) {
		switch name {
		case "network-acl-id":
			return []string{a.ID}, true
		case "vpc-id":
			return []string{a.VpcID}, true
		case "default":
			return []string{strconv.FormatBool(a.IsDefault)}, true
		case "owner-id":
			return []string{api.MetaFrom(ctx).Account}, true
		case "association.association-id", "association.subnet-id", "association.network-acl-id":
			var out []string
			for _, as := range a.Associations {
				switch name {
				case "association.association-id":
					out = append(out, as.ID)
				case "association.subnet-id":
					out = append(out, as.SubnetID)
				default:
					out = append(out, a.ID)
				}
			}
			return out, true
		case "entry.cidr":
			return entries(func(e model.ACLEntry) (string, bool) { return e.CidrBlock, e.CidrBlock != "" }), true
		case "entry.ipv6-cidr":
			return entries(func(e model.ACLEntry) (string, bool) { return e.Ipv6CidrBlock, e.Ipv6CidrBlock != "" }), true
		case "entry.egress":
			return entries(func(e model.ACLEntry) (string, bool) { return strconv.FormatBool(e.Egress), true }), true
		case "entry.protocol":
			return entries(func(e model.ACLEntry) (string, bool) { return e.Protocol, true }), true
		case "entry.rule-action":
			return entries(func(e model.ACLEntry) (string, bool) { return e.Action, true }), true
		case "entry.rule-number":
			return entries(func(e model.ACLEntry) (string, bool) { return strconv.Itoa(e.RuleNumber), true }), true
		case "entry.port-range.from":
			return entries(func(e model.ACLEntry) (string, bool) { return strconv.Itoa(e.FromPort), hasPorts(e.Protocol) }), true
		case "entry.port-range.to":
			return entries(func(e model.ACLEntry) (string, bool) { return strconv.Itoa(e.ToPort), hasPorts(e.Protocol) }), true
		case "entry.icmp.type":
			return entries(func(e model.ACLEntry) (string, bool) { return strconv.Itoa(e.ICMPType), isICMP(e.Protocol) }), true
		case "entry.icmp.code":
			return entries(func(e model.ACLEntry) (string, bool) { return strconv.Itoa(e.ICMPCode), isICMP(e.Protocol) }), true
		}
		return tagFields(a.Tags, name)
	}
}

func hasPorts(proto string) bool { return proto == protoTCP || proto == protoUDP }
func isICMP(proto string) bool   { return proto == protoICMP || proto == protoICMPv6 }

func (s *Service) DeleteNetworkAcl(ctx context.Context, in *DeleteNetworkAclInput) (*Return, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		acl, err := getACL(tx, in.NetworkACLID)
		if err != nil {
			return err
		}
		if acl.IsDefault {
			return invalidValue("cannot delete default network ACL %s", acl.ID)
		}
		if len(acl.Associations) > 0 {
			return dependency("The networkAcl '%s' has dependencies and cannot be deleted.", acl.ID)
		}
		return model.Delete(tx, acl)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

func getACL(tx model.Tx, id string) (*model.NetworkACL, error) {
	if err := checkACLID(id); err != nil {
		return nil, err
	}
	acl, ok, err := model.Get[model.NetworkACL](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, aclNotFound(id)
	}
	return acl, nil
}

func (s *Service) CreateNetworkAclEntry(ctx context.Context, in *NetworkACLEntryInput) (*Return, error) {
	return s.putACLEntry(ctx, in, false)
}

func (s *Service) ReplaceNetworkAclEntry(ctx context.Context, in *NetworkACLEntryInput) (*Return, error) {
	return s.putACLEntry(ctx, in, true)
}

// putACLEntry adds an entry, or with replace changes the one of the same
// number and direction.
func (s *Service) putACLEntry(ctx context.Context, in *NetworkACLEntryInput, replace bool) (*Return, error) {
	e, err := aclEntry(in)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		acl, err := getACL(tx, in.NetworkACLID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(acl.Entries, func(x model.ACLEntry) bool { return x.RuleNumber == e.RuleNumber && x.Egress == e.Egress })
		switch {
		case replace && i < 0:
			return aclEntryNotFound(e.RuleNumber, e.Egress, acl.ID)
		case replace:
			acl.Entries[i] = e
		case i >= 0:
			return aclEntryExists(e.RuleNumber)
		case userEntries(acl, e.Egress) >= maxACLEntries:
			return api.BadRequest("NetworkAclEntryLimitExceeded", "The network ACL '%s' already has %d %s entries, the most it may have.", acl.ID, maxACLEntries, direction(e.Egress))
		default:
			acl.Entries = append(acl.Entries, e)
		}
		sortEntries(acl.Entries)
		return model.Put(tx, acl)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

// aclEntry checks an entry as EC2 does and returns it as it is kept:
// protocol as its number, action in lower case, ports only for tcp and udp,
// type and code only for icmp.
func aclEntry(in *NetworkACLEntryInput) (model.ACLEntry, error) {
	if err := checkRuleNumber(in.RuleNumber); err != nil {
		return model.ACLEntry{}, err
	}
	e := model.ACLEntry{RuleNumber: in.RuleNumber, Egress: in.Egress}
	proto, ok := aclProtocol(in.Protocol)
	if !ok {
		return e, invalidValue("Invalid value '%s' for IP protocol. Unknown protocol.", in.Protocol)
	}
	e.Protocol = proto
	switch action := strings.ToLower(in.RuleAction); action {
	case "allow", "deny":
		e.Action = action
	default:
		return e, invalidValue("Value (%s) for parameter ruleAction is invalid. Valid values are: allow, deny.", in.RuleAction)
	}
	switch {
	case in.CidrBlock != "" && in.Ipv6CidrBlock != "":
		return e, invalidParameterCombination("Only one of cidrBlock and ipv6CidrBlock may be specified.")
	case in.CidrBlock != "":
		// As for security-group rules, a block with host bits set stands
		// for its network.
		p, err := netip.ParsePrefix(in.CidrBlock)
		if err != nil || !p.Addr().Is4() {
			return e, invalidCIDR("cidrBlock", in.CidrBlock)
		}
		e.CidrBlock = p.Masked().String()
	case in.Ipv6CidrBlock != "":
		p, err := netip.ParsePrefix(in.Ipv6CidrBlock)
		if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
			return e, invalidCIDR("ipv6CidrBlock", in.Ipv6CidrBlock)
		}
		e.Ipv6CidrBlock = p.Masked().String()
	default:
		return e, missing("cidrBlock or ipv6CidrBlock")
	}
	switch {
	case hasPorts(proto):
		if in.PortRange == nil || in.PortRange.From == nil || in.PortRange.To == nil {
			return e, invalidValue("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.")
		}
		from, to := *in.PortRange.From, *in.PortRange.To
		if from < 0 || from > 65535 || to < 0 || to > 65535 || from > to {
			return e, invalidValue("Invalid value '%d-%d' for portRange. Ports must be between 0 and 65535, from no higher than to.", from, to)
		}
		e.FromPort, e.ToPort = from, to
	case isICMP(proto):
		if in.Icmp == nil || in.Icmp.Type == nil {
			return e, missing("icmpTypeCode.type")
		}
		if in.Icmp.Code == nil {
			return e, missing("icmpTypeCode.code")
		}
		t, c := *in.Icmp.Type, *in.Icmp.Code
		if t < -1 || t > 255 || c < -1 || c > 255 {
			return e, invalidValue("Invalid value '%d:%d' for icmpTypeCode. Type and code must be between -1 and 255.", t, c)
		}
		e.ICMPType, e.ICMPCode = t, c
	}
	return e, nil
}

// checkRuleNumber admits the numbers a user may give; 32767 is the
// catch-all entry's, which cannot be changed.
func checkRuleNumber(n int) error {
	if n < 1 || n >= model.ACLDefaultRule {
		return invalidValue("Value (%d) for parameter ruleNumber is invalid. Rule numbers must be between 1 and 32766.", n)
	}
	return nil
}

// aclProtocol maps a protocol as CreateNetworkAclEntry takes it (-1, a
// number 0..255, or tcp, udp, icmp, icmpv6 by name) to its number.
func aclProtocol(p string) (string, bool) {
	switch strings.ToLower(p) {
	case "-1":
		return protoAllNumber, true
	case "tcp":
		return protoTCP, true
	case "udp":
		return protoUDP, true
	case "icmp":
		return protoICMP, true
	case "icmpv6":
		return protoICMPv6, true
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 255 {
		return "", false
	}
	return strconv.Itoa(n), true
}

// sortEntries keeps entries in the order EC2 lists them: egress first, each
// direction by rule number.
func sortEntries(es []model.ACLEntry) {
	slices.SortFunc(es, func(a, b model.ACLEntry) int {
		if a.Egress != b.Egress {
			if a.Egress {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.RuleNumber, b.RuleNumber)
	})
}

func (s *Service) DeleteNetworkAclEntry(ctx context.Context, in *DeleteNetworkAclEntryInput) (*Return, error) {
	if err := checkRuleNumber(in.RuleNumber); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx model.Tx) error {
		acl, err := getACL(tx, in.NetworkACLID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(acl.Entries, func(x model.ACLEntry) bool { return x.RuleNumber == in.RuleNumber && x.Egress == in.Egress })
		if i < 0 {
			return aclEntryNotFound(in.RuleNumber, in.Egress, acl.ID)
		}
		acl.Entries = slices.Delete(acl.Entries, i, i+1)
		return model.Put(tx, acl)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

func (s *Service) ReplaceNetworkAclAssociation(ctx context.Context, in *ReplaceNetworkAclAssociationInput) (*ReplaceNetworkAclAssociationOutput, error) {
	id := api.NewID("aclassoc")
	err := s.update(ctx, func(tx model.Tx) error {
		acls, err := model.List[model.NetworkACL](tx)
		if err != nil {
			return err
		}
		var from *model.NetworkACL
		var subnet string
		for _, a := range acls {
			for _, as := range a.Associations {
				if as.ID == in.AssociationID {
					from, subnet = a, as.SubnetID
				}
			}
		}
		if from == nil {
			return associationNotFound(in.AssociationID)
		}
		to, err := getACL(tx, in.NetworkACLID)
		if err != nil {
			return err
		}
		if to.VpcID != from.VpcID {
			return invalidValue("Network ACL %s and subnet %s belong to different networks.", to.ID, subnet)
		}
		dropAssoc(&from.Associations, func(as model.ACLAssociation) bool { return as.ID == in.AssociationID })
		if to.ID == from.ID {
			to = from
		} else if err := model.Put(tx, from); err != nil {
			return err
		}
		to.Associations = append(to.Associations, model.ACLAssociation{ID: id, SubnetID: subnet})
		return model.Put(tx, to)
	})
	if err != nil {
		return nil, err
	}
	return &ReplaceNetworkAclAssociationOutput{NewAssociationID: id}, nil
}

func aclShape(ctx context.Context, a *model.NetworkACL) NetworkACL {
	out := NetworkACL{
		NetworkACLID: a.ID,
		VpcID:        a.VpcID,
		IsDefault:    a.IsDefault,
		Tags:         tagList(a.Tags),
		OwnerID:      api.MetaFrom(ctx).Account,
	}
	entries := slices.Clone(a.Entries)
	sortEntries(entries)
	for _, e := range entries {
		item := NetworkACLEntry{RuleNumber: e.RuleNumber, Protocol: e.Protocol, RuleAction: e.Action, Egress: e.Egress, CidrBlock: e.CidrBlock, Ipv6CidrBlock: e.Ipv6CidrBlock}
		switch {
		case hasPorts(e.Protocol):
			item.PortRange = &PortRange{From: e.FromPort, To: e.ToPort}
		case isICMP(e.Protocol):
			item.IcmpTypeCode = &IcmpTypeCode{Type: e.ICMPType, Code: e.ICMPCode}
		}
		out.Entries.Items = append(out.Entries.Items, item)
	}
	for _, as := range a.Associations {
		out.Associations.Items = append(out.Associations.Items, NetworkACLAssociation{NetworkACLAssociationID: as.ID, NetworkACLID: a.ID, SubnetID: as.SubnetID})
	}
	return out
}
