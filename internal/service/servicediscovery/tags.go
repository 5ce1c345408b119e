package servicediscovery

import (
	"context"
	"strings"

	"gatehouse/internal/model"
)

type TagResourceInput struct {
	ResourceARN string `json:"ResourceARN"`
	Tags        []Tag  `json:"Tags"`
}

type UntagResourceInput struct {
	ResourceARN string   `json:"ResourceARN"`
	TagKeys     []string `json:"TagKeys"`
}

type ListTagsForResourceInput struct {
	ResourceARN string `json:"ResourceARN"`
}

type ListTagsForResourceOutput struct {
	Tags []Tag `json:"Tags"`
}

// maxTags is Cloud Map's quota of tags on one resource.
const maxTags = 50

// tagMap validates tags as a create call or TagResource gives them.
func tagMap(tags []Tag) (model.Tags, error) {
	out := model.Tags{}
	for _, t := range tags {
		if err := checkTagKey(t.Key); err != nil {
			return nil, err
		}
		if len(t.Value) > 256 {
			return nil, invalidInput("Tag value for key %q is longer than 256 characters", t.Key)
		}
		if _, dup := out[t.Key]; dup {
			return nil, invalidInput("Tag key %q appears more than once", t.Key)
		}
		out[t.Key] = t.Value
	}
	return out, nil
}

func checkTagKey(k string) error {
	if k == "" || len(k) > 128 {
		return invalidInput("Tag keys must be 1 to 128 characters long: %q", k)
	}
	return nil
}

func tagList(tags model.Tags) []Tag {
	out := []Tag{}
	for _, k := range tags.Sorted() {
		out = append(out, Tag{Key: k, Value: tags[k]})
	}
	return out
}

// taggable loads the namespace or service an ARN names, returning its tags
// and a function that stores them back.
func taggable(ctx context.Context, tx model.Tx, resourceARN string) (model.Tags, func(model.Tags) error, error) {
	if !strings.HasPrefix(resourceARN, "arn:") || strings.Count(resourceARN, ":") != 5 {
		return nil, nil, invalidInput("ResourceARN %q is not an ARN", resourceARN)
	}
	if id := idOf(ctx, resourceARN, "namespace"); id != "" {
		ns, ok, err := model.Get[model.Namespace](tx, id)
		if err != nil {
			return nil, nil, err
		}
		if ok && ns.ARN == resourceARN {
			return ns.Tags, func(t model.Tags) error { ns.Tags = t; return model.Put(tx, ns) }, nil
		}
	}
	if id := idOf(ctx, resourceARN, "service"); id != "" {
		svc, ok, err := model.Get[model.CloudMapService](tx, id)
		if err != nil {
			return nil, nil, err
		}
		if ok && svc.ARN == resourceARN {
			return svc.Tags, func(t model.Tags) error { svc.Tags = t; return model.Put(tx, svc) }, nil
		}
	}
	return nil, nil, resourceNotFound(resourceARN)
}

func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*Empty, error) {
	add, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		tags, save, err := taggable(ctx, tx, in.ResourceARN)
		if err != nil {
			return err
		}
		merged := tags.With(add)
		if len(merged) > maxTags {
			return tooManyTags(in.ResourceARN)
		}
		return save(merged)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*Empty, error) {
	for _, k := range in.TagKeys {
		if err := checkTagKey(k); err != nil {
			return nil, err
		}
	}
	err := s.update(ctx, func(tx model.Tx) error {
		tags, save, err := taggable(ctx, tx, in.ResourceARN)
		if err != nil {
			return err
		}
		return save(tags.Without(in.TagKeys))
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	out := &ListTagsForResourceOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		tags, _, err := taggable(ctx, tx, in.ResourceARN)
		out.Tags = tagList(tags)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
