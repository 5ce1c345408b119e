package ec2

import (
	"gatehouse/internal/model"
)

// tagsFor collects the tags a create call's TagSpecifications give a resource
// of type resourceType, rejecting specifications for other types as EC2 does.
func tagsFor(specs []TagSpecification, resourceType string) (model.Tags, error) {
	tags := model.Tags{}
	for _, s := range specs {
		if s.ResourceType != resourceType {
			return nil, invalidValue("'%s' is not a valid taggable resource type for this operation.", s.ResourceType)
		}
		for _, t := range s.Tags {
			if err := checkTag(t); err != nil {
				return nil, err
			}
			tags[t.Key] = t.Value
		}
	}
	return tags, nil
}

func checkTag(t Tag) error {
	switch {
	case t.Key == "":
		return invalidValue("Tag key cannot be empty")
	case len(t.Key) > 128:
		return invalidValue("Tag key exceeds the maximum length of 128 characters")
	case len(t.Value) > 256:
		return invalidValue("Tag value exceeds the maximum length of 256 characters")
	}
	return nil
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
