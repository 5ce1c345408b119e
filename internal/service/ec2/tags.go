package ec2

import (
	"context"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// tagsFor collects the tags a create call's TagSpecifications give a resource
// of type resourceType, rejecting specifications for other types as EC2 does.
func tagsFor(ctx context.Context, specs []TagSpecification, resourceType string) (model.Tags, error) {
	tags := model.Tags{}
	for _, s := range specs {
		if s.ResourceType != resourceType {
			return nil, invalidValue("'%s' is not a valid taggable resource type for this operation.", s.ResourceType)
		}
		for _, t := range s.Tags {
			if err := checkTagFrom(ctx, t); err != nil {
				return nil, err
			}
			tags[t.Key] = t.Value
		}
	}
	if len(tags) > maxTags {
		return nil, tagLimit("")
	}
	return tags, nil
}

// checkTagFrom is checkTag for a call that may come from gatehouse's stack
// engine: CloudFormation marks what it creates with its own aws: tags.
func checkTagFrom(ctx context.Context, t Tag) error {
	if strings.HasPrefix(t.Key, "aws:cloudformation:") && api.MetaFrom(ctx).Caller == "cloudformation" {
		return nil
	}
	return checkTag(t)
}

func checkTag(t Tag) error {
	switch {
	case t.Key == "":
		return invalidValue("Tag key cannot be empty")
	case len(t.Key) > 128:
		return invalidValue("Tag key exceeds the maximum length of 128 characters")
	case len(t.Value) > 256:
		return invalidValue("Tag value exceeds the maximum length of 256 characters")
	case strings.HasPrefix(t.Key, "aws:"):
		return reservedTag()
	}
	return nil
}

// reservedTag refuses the aws: key prefix, which AWS keeps for its own tags.
func reservedTag() error {
	return invalidValue("Tag keys starting with 'aws:' are reserved for internal use")
}

// tagLimit is the error for a resource (id, or the one being created) that
// would pass EC2's limit of user tags.
func tagLimit(id string) error {
	if id == "" {
		return api.BadRequest("TagLimitExceeded", "A resource can have at most %d tags.", maxTags)
	}
	return api.BadRequest("TagLimitExceeded", "The resource '%s' would have more than %d tags.", id, maxTags)
}

// tagSet renders tags for output, sorted by key.
func tagSet(tags model.Tags) []Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]Tag, 0, len(tags))
	for _, k := range tags.Sorted() {
		out = append(out, Tag{Key: k, Value: tags[k]})
	}
	return out
}

type CreateTagsInput struct {
	Resources []string `query:"ResourceId"`
	Tags      []Tag    `query:"Tag"`
}

type DeleteTagsInput struct {
	Resources []string    `query:"ResourceId"`
	Tags      []TagFilter `query:"Tag"`
}

// TagFilter names a tag to delete; with a Value, only a tag holding that
// value goes, even an empty one, so absent and empty must differ.
type TagFilter struct {
	Key   string  `query:"Key"`
	Value *string `query:"Value"`
}

type DescribeTagsInput struct {
	Filters []Filter `query:"Filter"`
}

type DescribeTagsOutput struct {
	Tags []TagDescription `xml:"tagSet>item"`
}

// TagDescription is one tag of one resource.
type TagDescription struct {
	ResourceID   string `xml:"resourceId"`
	ResourceType string `xml:"resourceType"`
	Key          string `xml:"key"`
	Value        string `xml:"value"`
}

// maxTags is EC2's limit of user tags on one resource.
const maxTags = 50

// taggable is a loaded resource and a handle on its tags.
type taggable struct {
	rec  model.Record
	tags *model.Tags
	// id is the tagged resource's id when it is not rec's own key: a
	// security-group rule lives in its group's record.
	id string
}

func (t taggable) resourceID() string {
	if t.id != "" {
		return t.id
	}
	return t.rec.Key()
}

// tagKind is one kind of resource the tag operations reach, found by its id
// prefix.
type tagKind struct {
	prefix, resourceType string
	notFound             func(id string) error
	get                  func(tx model.Tx, id string) (taggable, bool, error)
	list                 func(tx model.Tx) ([]taggable, error)
}

func kindOf[T any, P interface {
	*T
	model.Record
}](prefix string, notFound func(string) error, tags func(*T) *model.Tags) tagKind {
	wrap := func(r *T) taggable {
		t := tags(r)
		// A record written without tags decodes with a nil map.
		if *t == nil {
			*t = model.Tags{}
		}
		return taggable{rec: P(r), tags: t}
	}
	return tagKind{
		prefix:       prefix,
		resourceType: P(new(T)).Kind(),
		notFound:     notFound,
		get: func(tx model.Tx, id string) (taggable, bool, error) {
			r, ok, err := model.Get[T, P](tx, id)
			if err != nil || !ok {
				return taggable{}, ok, err
			}
			return wrap(r), true, nil
		},
		list: func(tx model.Tx) ([]taggable, error) {
			rs, err := model.List[T, P](tx)
			out := make([]taggable, 0, len(rs))
			for _, r := range rs {
				out = append(out, wrap(r))
			}
			return out, err
		},
	}
}

// tagKinds are the resources gatehouse can tag. EC2's resource types share
// the model's kind names, so DescribeTags reports the kind as it is.
var tagKinds = []tagKind{
	kindOf[model.VPC]("vpc-", vpcNotFound, func(v *model.VPC) *model.Tags { return &v.Tags }),
	kindOf[model.Subnet]("subnet-", subnetNotFound, func(s *model.Subnet) *model.Tags { return &s.Tags }),
	kindOf[model.SecurityGroup]("sg-", groupNotFound, func(g *model.SecurityGroup) *model.Tags { return &g.Tags }),
	kindOf[model.NetworkInterface]("eni-", eniNotFound, func(n *model.NetworkInterface) *model.Tags { return &n.Tags }),
	kindOf[model.NetworkACL]("acl-", aclNotFound, func(a *model.NetworkACL) *model.Tags { return &a.Tags }),
	kindOf[model.RouteTable]("rtb-", routeTableNotFound, func(r *model.RouteTable) *model.Tags { return &r.Tags }),
	kindOf[model.DHCPOptions]("dopt-", dhcpNotFound, func(d *model.DHCPOptions) *model.Tags { return &d.Tags }),
	ruleTagKind,
	instanceTagKind,
	volumeTagKind,
}

// volumeTagKind reaches instances' root volumes, whose tags are kept on the
// volume inside its instance's record.
var volumeTagKind = tagKind{
	prefix:       "vol-",
	resourceType: "volume",
	notFound: func(id string) error {
		return api.BadRequest("InvalidVolume.NotFound", "The volume '%s' does not exist.", id)
	},
	get: func(tx model.Tx, id string) (taggable, bool, error) {
		vols, err := volumeTaggables(tx)
		for _, v := range vols {
			if v.id == id {
				return v, true, err
			}
		}
		return taggable{}, false, err
	},
	list: volumeTaggables,
}

func volumeTaggables(tx model.Tx) ([]taggable, error) {
	insts, err := model.List[model.EC2Instance](tx)
	var out []taggable
	for _, i := range insts {
		if i.RootVolume == nil || i.State == "terminated" {
			continue
		}
		if i.RootVolume.Tags == nil {
			i.RootVolume.Tags = model.Tags{}
		}
		out = append(out, taggable{rec: i, tags: &i.RootVolume.Tags, id: i.RootVolume.ID})
	}
	return out, err
}

// ruleTagKind reaches security-group rules, whose tags are kept on the rule
// inside its group's record.
var ruleTagKind = tagKind{
	prefix:       "sgr-",
	resourceType: "security-group-rule",
	notFound:     ruleNotFound,
	get: func(tx model.Tx, id string) (taggable, bool, error) {
		rules, err := ruleTaggables(tx)
		for _, r := range rules {
			if r.id == id {
				return r, true, err
			}
		}
		return taggable{}, false, err
	},
	list: ruleTaggables,
}

func ruleTaggables(tx model.Tx) ([]taggable, error) {
	groups, err := model.List[model.SecurityGroup](tx)
	var out []taggable
	for _, g := range groups {
		for _, isEgress := range []bool{false, true} {
			list := *ruleList(g, isEgress)
			for i := range list {
				if list[i].Tags == nil {
					list[i].Tags = model.Tags{}
				}
				out = append(out, taggable{rec: g, tags: &list[i].Tags, id: list[i].ID})
			}
		}
	}
	return out, err
}

// instanceTagKind reaches instances; EC2 calls their resource type
// "instance", where the model's kind says which service it belongs to.
var instanceTagKind = func() tagKind {
	k := kindOf[model.EC2Instance]("i-", func(id string) error { return instanceNotFound(id) },
		func(i *model.EC2Instance) *model.Tags { return &i.Tags })
	k.resourceType = "instance"
	return k
}()

// resolve loads the resource an id names, by its prefix.
func resolve(tx model.Tx, id string) (taggable, error) {
	for _, k := range tagKinds {
		if !strings.HasPrefix(id, k.prefix) {
			continue
		}
		t, ok, err := k.get(tx, id)
		if err != nil {
			return taggable{}, err
		}
		if !ok {
			return taggable{}, k.notFound(id)
		}
		return t, nil
	}
	return taggable{}, invalidID(id)
}

func (s *Service) CreateTags(ctx context.Context, in *CreateTagsInput) (*Return, error) {
	if len(in.Resources) == 0 {
		return nil, missing("ResourceId")
	}
	if len(in.Tags) == 0 {
		return nil, missing("Tag")
	}
	for _, t := range in.Tags {
		if err := checkTagFrom(ctx, t); err != nil {
			return nil, err
		}
	}
	err := s.update(ctx, func(tx model.Tx) error {
		for _, id := range in.Resources {
			r, err := resolve(tx, id)
			if err != nil {
				return err
			}
			for _, t := range in.Tags {
				(*r.tags)[t.Key] = t.Value
			}
			if len(*r.tags) > maxTags {
				return tagLimit(id)
			}
			if err := model.Put(tx, r.rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

func (s *Service) DeleteTags(ctx context.Context, in *DeleteTagsInput) (*Return, error) {
	if len(in.Resources) == 0 {
		return nil, missing("ResourceId")
	}
	for _, t := range in.Tags {
		if strings.HasPrefix(t.Key, "aws:") {
			return nil, reservedTag()
		}
	}
	err := s.update(ctx, func(tx model.Tx) error {
		for _, id := range in.Resources {
			r, err := resolve(tx, id)
			if err != nil {
				return err
			}
			if len(in.Tags) == 0 {
				clear(*r.tags)
			}
			for _, t := range in.Tags {
				if v, ok := (*r.tags)[t.Key]; ok && (t.Value == nil || *t.Value == v) {
					delete(*r.tags, t.Key)
				}
			}
			if err := model.Put(tx, r.rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

func (s *Service) DescribeTags(ctx context.Context, in *DescribeTagsInput) (*DescribeTagsOutput, error) {
	if err := checkFilters(in.Filters, tagDescriptionFields(TagDescription{})); err != nil {
		return nil, err
	}
	var all []TagDescription
	err := s.view(ctx, func(tx model.Tx) error {
		for _, k := range tagKinds {
			rs, err := k.list(tx)
			if err != nil {
				return err
			}
			for _, r := range rs {
				for _, key := range r.tags.Sorted() {
					all = append(all, TagDescription{ResourceID: r.resourceID(), ResourceType: k.resourceType, Key: key, Value: (*r.tags)[key]})
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &DescribeTagsOutput{}
	for _, td := range all {
		if ok, err := matchFilters(in.Filters, tagDescriptionFields(td)); err != nil {
			return nil, err
		} else if ok {
			out.Tags = append(out.Tags, td)
		}
	}
	return out, nil
}

func tagDescriptionFields(td TagDescription) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "resource-id":
			return []string{td.ResourceID}, true
		case "resource-type":
			return []string{td.ResourceType}, true
		case "key":
			return []string{td.Key}, true
		case "value":
			return []string{td.Value}, true
		}
		// tag:KEY picks the descriptions of that key whose value matches.
		if key, ok := strings.CutPrefix(name, "tag:"); ok {
			if td.Key == key {
				return []string{td.Value}, true
			}
			return nil, true
		}
		return nil, false
	}
}
