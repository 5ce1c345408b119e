package ec2

import (
	"context"
	"strconv"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type CreateSecurityGroupInput struct {
	GroupName         string             `query:"GroupName,required"`
	GroupDescription  string             `query:"GroupDescription,required"`
	VpcID             string             `query:"VpcId"`
	TagSpecifications []TagSpecification `query:"TagSpecification"`
}

type CreateSecurityGroupOutput struct {
	GroupID          string `xml:"groupId"`
	SecurityGroupArn string `xml:"securityGroupArn"`
	Tags             []Tag  `xml:"tagSet>item,omitempty"`
}

type DescribeSecurityGroupsInput struct {
	GroupIDs   []string `query:"GroupId"`
	GroupNames []string `query:"GroupName"`
	Filters    []Filter `query:"Filter"`
}

type DescribeSecurityGroupsOutput struct {
	SecurityGroups []SecurityGroup `xml:"securityGroupInfo>item"`
}

type DeleteSecurityGroupInput struct {
	GroupID   string `query:"GroupId"`
	GroupName string `query:"GroupName"`
}

type DeleteSecurityGroupOutput struct {
	Return  bool   `xml:"return"`
	GroupID string `xml:"groupId"`
}

// SecurityGroup is the group as EC2 describes it: its one-source rules
// gathered back into IpPermissions.
type SecurityGroup struct {
	OwnerID             string         `xml:"ownerId"`
	GroupID             string         `xml:"groupId"`
	GroupName           string         `xml:"groupName"`
	Description         string         `xml:"groupDescription"`
	VpcID               string         `xml:"vpcId"`
	IPPermissions       []IPPermission `xml:"ipPermissions>item"`
	IPPermissionsEgress []IPPermission `xml:"ipPermissionsEgress>item"`
	SecurityGroupArn    string         `xml:"securityGroupArn"`
	Tags                []Tag          `xml:"tagSet>item,omitempty"`
}

// defaultGroupName is the name of the group every VPC is born with; users
// may not take it.
const defaultGroupName = "default"

func (s *Service) CreateSecurityGroup(ctx context.Context, in *CreateSecurityGroupInput) (*CreateSecurityGroupOutput, error) {
	if in.GroupName == "" {
		return nil, missing("GroupName")
	}
	if in.GroupDescription == "" {
		return nil, missing("GroupDescription")
	}
	if err := checkGroupName(in.GroupName); err != nil {
		return nil, err
	}
	if err := checkGroupDescription(in.GroupDescription); err != nil {
		return nil, err
	}
	tags, err := tagsFor(ctx, in.TagSpecifications, "security-group")
	if err != nil {
		return nil, err
	}
	g := &model.SecurityGroup{
		ID:          api.NewID("sg"),
		VpcID:       in.VpcID,
		Name:        in.GroupName,
		Description: in.GroupDescription,
		Egress:      []model.Rule{allEgress()},
		Tags:        tags,
	}
	err = s.update(ctx, func(tx model.Tx) error {
		if g.VpcID == "" {
			// Without a VpcId the group goes in the default VPC.
			vpc, err := requireDefaultVpc(tx)
			if err != nil {
				return err
			}
			g.VpcID = vpc.ID
		} else if _, err := getVpc(tx, g.VpcID); err != nil {
			return err
		}
		groups, err := model.List[model.SecurityGroup](tx)
		if err != nil {
			return err
		}
		for _, other := range groups {
			if other.VpcID == g.VpcID && other.Name == g.Name {
				return api.BadRequest("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", g.Name, g.VpcID)
			}
		}
		return model.Put(tx, g)
	})
	if err != nil {
		return nil, err
	}
	return &CreateSecurityGroupOutput{GroupID: g.ID, SecurityGroupArn: groupArn(ctx, g.ID), Tags: tagSet(g.Tags)}, nil
}

// Names and descriptions of VPC groups are limited to this set of
// characters, and to 255 of them.
const groupTextChars = "._-:/()#,@[]+=&;{}!$* "

func allowedGroupText(s string) bool {
	if len(s) > 255 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune(groupTextChars, c):
		default:
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func checkGroupName(name string) error {
	switch {
	case !isASCII(name):
		return invalidValue("Value (%s) for parameter GroupName is invalid. Character sets beyond ASCII are not supported.", name)
	case strings.HasPrefix(name, "sg-"):
		return invalidValue("Value (%s) for parameter GroupName is invalid. Group names may not be in the format sg-*.", name)
	case name == defaultGroupName:
		return invalidValue("Cannot use reserved security group name: %s", name)
	case !allowedGroupText(name):
		return invalidValue("Invalid security group name. Valid names are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")
	}
	return nil
}

func checkGroupDescription(d string) error {
	switch {
	case !isASCII(d):
		return invalidValue("Value (%s) for parameter GroupDescription is invalid. Character sets beyond ASCII are not supported.", d)
	case !allowedGroupText(d):
		return invalidValue("Invalid security group description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")
	}
	return nil
}

func (s *Service) DescribeSecurityGroups(ctx context.Context, in *DescribeSecurityGroupsInput) (*DescribeSecurityGroupsOutput, error) {
	for _, id := range in.GroupIDs {
		if err := checkGroupID(id); err != nil {
			return nil, err
		}
	}
	account := api.MetaFrom(ctx).Account
	if err := checkFilters(in.Filters, groupFields(&model.SecurityGroup{}, account, nil)); err != nil {
		return nil, err
	}
	out := &DescribeSecurityGroupsOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		var groups []*model.SecurityGroup
		var err error
		if len(in.GroupIDs) > 0 || len(in.GroupNames) == 0 {
			if groups, err = byIDs[model.SecurityGroup](tx, in.GroupIDs, groupNotFound); err != nil {
				return err
			}
		}
		if len(in.GroupNames) > 0 {
			// Names are looked up in the default VPC.
			named, err := groupsByName(tx, in.GroupNames)
			if err != nil {
				return err
			}
			groups = append(groups, named...)
		}
		names, err := groupNames(tx)
		if err != nil {
			return err
		}
		for _, g := range groups {
			if ok, err := matchFilters(in.Filters, groupFields(g, account, names)); err != nil {
				return err
			} else if ok {
				out.SecurityGroups = append(out.SecurityGroups, groupShape(ctx, g))
			}
		}
		return nil
	})
	return out, err
}

// groupNames maps every group id to its name, for the group-name filters
// that look through a rule to the group it references.
func groupNames(tx model.Tx) (map[string]string, error) {
	groups, err := model.List[model.SecurityGroup](tx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(groups))
	for _, g := range groups {
		names[g.ID] = g.Name
	}
	return names, nil
}

// groupFields answers DescribeSecurityGroups' filters. As on AWS, each
// ip-permission filter is matched on its own: two of them may be satisfied
// by two different rules.
func groupFields(g *model.SecurityGroup, account string, names map[string]string) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "group-id":
			return []string{g.ID}, true
		case "group-name":
			return []string{g.Name}, true
		case "description":
			return []string{g.Description}, true
		case "vpc-id":
			return []string{g.VpcID}, true
		case "owner-id":
			return []string{account}, true
		}
		if attr, ok := strings.CutPrefix(name, "egress.ip-permission."); ok {
			return permissionFields(g.Egress, attr, account, names)
		}
		if attr, ok := strings.CutPrefix(name, "ip-permission."); ok {
			return permissionFields(g.Ingress, attr, account, names)
		}
		return tagFields(g.Tags, name)
	}
}

// permissionAttrs are the attributes ip-permission filters may name.
// prefix-list-id is accepted but never matches: gatehouse has no prefix
// lists.
var permissionAttrs = map[string]bool{
	"cidr": true, "from-port": true, "to-port": true, "protocol": true, "group-id": true,
	"group-name": true, "user-id": true, "ipv6-cidr": true, "prefix-list-id": true,
}

func permissionFields(rules []model.Rule, attr, account string, names map[string]string) ([]string, bool) {
	if !permissionAttrs[attr] {
		return nil, false
	}
	var vals []string
	for _, r := range rules {
		switch attr {
		case "cidr":
			if r.CidrIPv4 != "" {
				vals = append(vals, r.CidrIPv4)
			}
		case "from-port":
			vals = append(vals, strconv.Itoa(r.FromPort))
		case "to-port":
			vals = append(vals, strconv.Itoa(r.ToPort))
		case "protocol":
			vals = append(vals, r.Protocol)
		case "ipv6-cidr":
			if r.CidrIPv6 != "" {
				vals = append(vals, r.CidrIPv6)
			}
		case "group-id":
			if r.GroupID != "" {
				vals = append(vals, r.GroupID)
			}
		case "group-name":
			if r.GroupID != "" {
				vals = append(vals, names[r.GroupID])
			}
		case "user-id":
			if r.GroupID != "" {
				vals = append(vals, account)
			}
		}
	}
	return vals, true
}

func (s *Service) DeleteSecurityGroup(ctx context.Context, in *DeleteSecurityGroupInput) (*DeleteSecurityGroupOutput, error) {
	if in.GroupID == "" && in.GroupName == "" {
		return nil, api.BadRequest("MissingParameter", "The request must contain the parameter groupName or groupId")
	}
	if in.GroupID != "" {
		if err := checkGroupID(in.GroupID); err != nil {
			return nil, err
		}
	}
	id := in.GroupID
	err := s.update(ctx, func(tx model.Tx) error {
		g, err := targetGroup(tx, in.GroupID, in.GroupName)
		if err != nil {
			return err
		}
		id = g.ID
		if vpc, ok, err := model.Get[model.VPC](tx, g.VpcID); err != nil {
			return err
		} else if ok && vpc.DefaultSecurityGroup == g.ID {
			return api.BadRequest("CannotDelete", "the specified group: %q name: %q cannot be deleted by a user", g.ID, g.Name)
		}
		if used, err := groupInUse(tx, g.ID); err != nil {
			return err
		} else if used {
			return dependency("resource %s has a dependent object", g.ID)
		}
		return model.Delete(tx, g)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteSecurityGroupOutput{Return: true, GroupID: id}, nil
}

// groupInUse reports whether an interface carries the group or another
// group's rule names it. A group's rules about itself do not hold it.
func groupInUse(tx model.Tx, id string) (bool, error) {
	enis, err := model.List[model.NetworkInterface](tx)
	if err != nil {
		return false, err
	}
	for _, n := range enis {
		for _, g := range n.Groups {
			if g == id {
				return true, nil
			}
		}
	}
	groups, err := model.List[model.SecurityGroup](tx)
	if err != nil {
		return false, err
	}
	for _, g := range groups {
		if g.ID == id {
			continue
		}
		for _, rules := range [][]model.Rule{g.Ingress, g.Egress} {
			for _, r := range rules {
				if r.GroupID == id {
					return true, nil
				}
			}
		}
	}
	return false, nil
}

func groupShape(ctx context.Context, g *model.SecurityGroup) SecurityGroup {
	account := api.MetaFrom(ctx).Account
	return SecurityGroup{
		OwnerID:             account,
		GroupID:             g.ID,
		GroupName:           g.Name,
		Description:         g.Description,
		VpcID:               g.VpcID,
		IPPermissions:       permissions(g.Ingress, account),
		IPPermissionsEgress: permissions(g.Egress, account),
		SecurityGroupArn:    groupArn(ctx, g.ID),
		Tags:                tagSet(g.Tags),
	}
}

// permissions gathers one-source rules back into the IpPermissions AWS
// describes: one per protocol and port range, in the order first seen.
func permissions(rules []model.Rule, account string) []IPPermission {
	type key struct {
		proto    string
		from, to int
	}
	var out []IPPermission
	at := map[key]int{}
	for _, r := range rules {
		k := key{r.Protocol, r.FromPort, r.ToPort}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			p := IPPermission{IPProtocol: r.Protocol}
			if r.Protocol != protoAll {
				p.FromPort, p.ToPort = portPtr(r.FromPort), portPtr(r.ToPort)
			}
			out = append(out, p)
		}
		if r.CidrIPv4 != "" {
			out[i].IPRanges = append(out[i].IPRanges, IPRange{CidrIP: r.CidrIPv4, Description: r.Description})
		}
		if r.CidrIPv6 != "" {
			out[i].IPv6Ranges = append(out[i].IPv6Ranges, IPv6Range{CidrIPv6: r.CidrIPv6, Description: r.Description})
		}
		if r.GroupID != "" {
			out[i].Groups = append(out[i].Groups, UserIDGroupPair{GroupID: r.GroupID, UserID: account, Description: r.Description})
		}
	}
	return out
}

func portPtr(p int) *int { return &p }

func groupArn(ctx context.Context, id string) string {
	m := api.MetaFrom(ctx)
	return api.ARN("ec2", m.Region, m.Account, "security-group/"+id)
}

// checkGroupID rejects what cannot be a group id before anything is looked
// up, as EC2 does.
func checkGroupID(id string) error {
	if !wellFormedID(id, "sg") {
		return api.BadRequest("InvalidGroupId.Malformed", "Invalid id: %q (expecting \"sg-...\")", id)
	}
	return nil
}

// wellFormedID reports whether id is prefix, a dash, and 8 or 17 lowercase
// hex digits: the short ids of old resources and the long ids of new ones.
func wellFormedID(id, prefix string) bool {
	hex, ok := strings.CutPrefix(id, prefix+"-")
	if !ok || (len(hex) != 8 && len(hex) != 17) {
		return false
	}
	for i := 0; i < len(hex); i++ {
		if c := hex[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// noDefaultVpc is AWS's answer when a call leans on a default VPC that does
// not exist.
func noDefaultVpc() error {
	return api.BadRequest("VPCIdNotSpecified", "No default VPC for this user")
}
