package elbv2

import (
	"context"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type AddTagsInput struct {
	ResourceArns []string `query:"ResourceArns"`
	Tags         []Tag    `query:"Tags"`
}

type RemoveTagsInput struct {
	ResourceArns []string `query:"ResourceArns"`
	TagKeys      []string `query:"TagKeys"`
}

type DescribeTagsInput struct {
	ResourceArns []string `query:"ResourceArns"`
}

type DescribeTagsOutput struct {
	TagDescriptions []TagDescription `xml:"TagDescriptions>member"`
}

type TagDescription struct {
	ResourceArn string `xml:"ResourceArn"`
	Tags        []Tag  `xml:"Tags>member"`
}

const maxTags = 50

func tagMap(tags []Tag) (model.Tags, error) {
	out := model.Tags{}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return nil, validation("Tag keys must be 1 to 128 characters and values at most 256 characters")
		}
		if _, dup := out[t.Key]; dup {
			return nil, api.BadRequest("DuplicateTagKeys", "Tag key '%s' is duplicated", t.Key)
		}
		out[t.Key] = t.Value
	}
	if len(out) > maxTags {
		return nil, api.BadRequest("TooManyTags", "The quota for the number of tags that can be assigned to a load balancer has been reached")
	}
	return out, nil
}

// taggable loads the resource an ARN names, returning its tags and a
// function that stores it back.
func taggable(tx model.Tx, arn string) (model.Tags, func(model.Tags) error, error) {
	if lb, ok, err := model.Get[model.LoadBalancer](tx, arn); err != nil || ok {
		if lb == nil {
			return nil, nil, err
		}
		return lb.Tags, func(t model.Tags) error { lb.Tags = t; return model.Put(tx, lb) }, nil
	}
	if tg, ok, err := model.Get[model.TargetGroup](tx, arn); err != nil || ok {
		if tg == nil {
			return nil, nil, err
		}
		return tg.Tags, func(t model.Tags) error { tg.Tags = t; return model.Put(tx, tg) }, nil
	}
	if l, ok, err := model.Get[model.Listener](tx, arn); err != nil || ok {
		if l == nil {
			return nil, nil, err
		}
		return l.Tags, func(t model.Tags) error { l.Tags = t; return model.Put(tx, l) }, nil
	}
	if r, ok, err := model.Get[model.ListenerRule](tx, arn); err != nil || ok {
		if r == nil {
			return nil, nil, err
		}
		return r.Tags, func(t model.Tags) error { r.Tags = t; return model.Put(tx, r) }, nil
	}
	return nil, nil, notFoundFor(arn)
}

// notFoundFor picks the not-found code that matches the kind of ARN.
func notFoundFor(arn string) error {
	switch {
	case strings.Contains(arn, ":targetgroup/"):
		return tgNotFound()
	case strings.Contains(arn, ":listener-rule/"):
		return ruleNotFound()
	case strings.Contains(arn, ":listener/"):
		return listenerNotFound()
	}
	return lbNotFound()
}

func (s *Service) AddTags(ctx context.Context, in *AddTagsInput) (*Empty, error) {
	add, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		for _, a := range in.ResourceArns {
			tags, save, err := taggable(tx, a)
			if err != nil {
				return err
			}
			if tags == nil {
				tags = model.Tags{}
			}
			for k, v := range add {
				tags[k] = v
			}
			if len(tags) > maxTags {
				return api.BadRequest("TooManyTags", "The quota for the number of tags that can be assigned to a resource has been reached")
			}
			if err := save(tags); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) RemoveTags(ctx context.Context, in *RemoveTagsInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		for _, a := range in.ResourceArns {
			tags, save, err := taggable(tx, a)
			if err != nil {
				return err
			}
			for _, k := range in.TagKeys {
				delete(tags, k)
			}
			if err := save(tags); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) DescribeTags(ctx context.Context, in *DescribeTagsInput) (*DescribeTagsOutput, error) {
	out := &DescribeTagsOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		for _, a := range in.ResourceArns {
			tags, _, err := taggable(tx, a)
			if err != nil {
				return err
			}
			d := TagDescription{ResourceArn: a}
			for _, k := range tags.Sorted() {
				d.Tags = append(d.Tags, Tag{Key: k, Value: tags[k]})
			}
			out.TagDescriptions = append(out.TagDescriptions, d)
		}
		return nil
	})
	return out, err
}
