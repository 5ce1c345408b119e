package ssm

import (
	"context"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// tagsIn checks tags as PutParameter and AddTagsToResource take them. The
// aws: prefix is AWS's own; only gatehouse's stack engine may write its
// aws:cloudformation: tags, as CloudFormation marks what it creates.
func tagsIn(ctx context.Context, tags []Tag) (model.Tags, error) {
	engine := api.MetaFrom(ctx).Caller == "cloudformation"
	if len(tags) > maxTags {
		return nil, tooManyTags()
	}
	out := model.Tags{}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 {
			return nil, constraint(t.Key, "tags.member.key", "have length between 1 and 128")
		}
		if strings.HasPrefix(t.Key, "aws:") && !(engine && strings.HasPrefix(t.Key, "aws:cloudformation:")) {
			return nil, validation("Tag keys starting with 'aws:' are reserved for use by AWS: %s.", t.Key)
		}
		if len(t.Value) > 256 {
			return nil, constraint(t.Value, "tags.member.value", "have length less than or equal to 256")
		}
		out[t.Key] = t.Value
	}
	return out, nil
}

// TagsInput names a resource to tag: its type (Parameter is the one
// gatehouse has) and its id (the parameter's name).
type TagsInput struct {
	ResourceType string   `json:"ResourceType"`
	ResourceID   *string  `json:"ResourceId"`
	Tags         []Tag    `json:"Tags"`
	TagKeys      []string `json:"TagKeys"`
}

// ListTagsOutput is ListTagsForResource's output.
type ListTagsOutput struct {
	TagList []Tag `json:"TagList"`
}

// AddTagsToResource adds or replaces a parameter's tags.
func (s *Service) AddTagsToResource(ctx context.Context, in *TagsInput) (*Empty, error) {
	add, err := tagsIn(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	err = s.retag(ctx, in, func(t model.Tags) (model.Tags, error) {
		t = t.With(add)
		if len(t) > maxTags {
			return nil, tooManyTags()
		}
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// RemoveTagsFromResource removes the named tags; keys it does not carry
// are no error.
func (s *Service) RemoveTagsFromResource(ctx context.Context, in *TagsInput) (*Empty, error) {
	err := s.retag(ctx, in, func(t model.Tags) (model.Tags, error) { return t.Without(in.TagKeys), nil })
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListTagsForResource lists a parameter's tags in key order.
func (s *Service) ListTagsForResource(ctx context.Context, in *TagsInput) (*ListTagsOutput, error) {
	var out ListTagsOutput
	err := s.view(ctx, func(tx model.Tx) error {
		p, err := s.tagged(ctx, tx, in)
		if err != nil {
			return err
		}
		out.TagList = make([]Tag, 0, len(p.Tags))
		for _, k := range p.Tags.Sorted() {
			out.TagList = append(out.TagList, Tag{Key: k, Value: p.Tags[k]})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// retag replaces a parameter's tags with what change makes of them. Tags
// are not a version: the parameter's version and date stay.
func (s *Service) retag(ctx context.Context, in *TagsInput, change func(model.Tags) (model.Tags, error)) error {
	return s.update(ctx, func(tx model.Tx) error {
		p, err := s.tagged(ctx, tx, in)
		if err != nil {
			return err
		}
		if p.Tags, err = change(p.Tags); err != nil {
			return err
		}
		return model.Put(tx, p)
	})
}

// tagged finds the parameter a tagging call names.
func (s *Service) tagged(ctx context.Context, tx model.Tx, in *TagsInput) (*model.Parameter, error) {
	if in.ResourceType != "Parameter" {
		return nil, invalidResourceType(in.ResourceType)
	}
	if in.ResourceID == nil || *in.ResourceID == "" {
		return nil, invalidResourceID()
	}
	name := nameOf(ctx, *in.ResourceID)
	p, ok, err := model.Get[model.Parameter](tx, model.ParameterKey(name))
	if err != nil {
		return nil, err
	}
	if !ok || name == "" {
		return nil, invalidResourceID()
	}
	return p, nil
}
