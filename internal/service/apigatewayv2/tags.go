package apigatewayv2

import (
	"context"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type TagResourceInput struct {
	ResourceARN string            `path:"resource-arn" json:"-"`
	Tags        map[string]string `json:"tags"`
}

type UntagResourceInput struct {
	ResourceARN string   `path:"resource-arn" json:"-"`
	TagKeys     []string `querystring:"tagKeys" json:"-"`
}

type GetTagsInput struct {
	ResourceARN string `path:"resource-arn" json:"-"`
}

type GetTagsOutput struct {
	Tags map[string]string `json:"tags"`
}

// Tag limits: API Gateway allows 50 tags a resource, keys of 1 to 128
// characters not starting with "aws:", and values up to 1600 characters.
const (
	maxTags     = 50
	maxTagKey   = 128
	maxTagValue = 1600
)

// checkTags validates tags as a create call or TagResource gives them.
// gatehouse's stack engine may write the aws:cloudformation: keys, as AWS
// lets CloudFormation mark what it makes.
func checkTags(ctx context.Context, tags map[string]string) (model.Tags, error) {
	system := api.MetaFrom(ctx).Caller == "cloudformation"
	if len(tags) > maxTags {
		return nil, badRequest("A resource can have at most %d tags.", maxTags)
	}
	out := model.Tags{}
	for k, v := range tags {
		if system && strings.HasPrefix(k, "aws:cloudformation:") {
			out[k] = v
			continue
		}
		if err := checkTagKey(k); err != nil {
			return nil, err
		}
		if len(v) > maxTagValue {
			return nil, badRequest("The value of tag %q is longer than %d characters.", k, maxTagValue)
		}
		out[k] = v
	}
	return out, nil
}

func checkTagKey(k string) error {
	if k == "" || len(k) > maxTagKey {
		return badRequest("Invalid tag key %q: it must be 1 to %d characters long.", k, maxTagKey)
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return badRequest("Invalid tag key %q: the prefix aws: is reserved.", k)
	}
	return nil
}

// taggable loads what a resource ARN names (an API, a stage, a VPC link)
// and returns its tags and a function that stores them back.
//
//	arn:aws:apigateway:REGION::/apis/ID
//	arn:aws:apigateway:REGION::/apis/ID/stages/NAME
//	arn:aws:apigateway:REGION::/vpclinks/ID
//	arn:aws:apigateway:REGION::/domainnames/NAME
func taggable(ctx context.Context, tx model.Tx, resourceARN string) (model.Tags, func(model.Tags) error, error) {
	path, ok := strings.CutPrefix(resourceARN, "arn:aws:apigateway:")
	region, path, ok2 := strings.Cut(path, "::")
	if !ok || !ok2 || !strings.HasPrefix(path, "/") {
		return nil, nil, badRequest("Invalid resource ARN specified %s", resourceARN)
	}
	if region != api.MetaFrom(ctx).Region {
		return nil, nil, notFound("Invalid resource identifier specified %s", resourceARN)
	}
	switch parts := strings.Split(path[1:], "/"); {
	case len(parts) == 2 && parts[0] == "apis":
		a, err := getApi(ctx, tx, parts[1])
		if err != nil {
			return nil, nil, err
		}
		return a.Tags, func(t model.Tags) error { a.Tags = t; return model.Put(tx, a) }, nil
	case len(parts) == 4 && parts[0] == "apis" && parts[2] == "stages":
		if _, err := getApi(ctx, tx, parts[1]); err != nil {
			return nil, nil, err
		}
		st, err := getStage(tx, parts[1], parts[3])
		if err != nil {
			return nil, nil, err
		}
		return st.Tags, func(t model.Tags) error { st.Tags = t; return model.Put(tx, st) }, nil
	case len(parts) == 2 && parts[0] == "vpclinks":
		link, err := getLink(tx, parts[1])
		if err != nil {
			return nil, nil, err
		}
		return link.Tags, func(t model.Tags) error { link.Tags = t; return model.Put(tx, link) }, nil
	case len(parts) == 2 && parts[0] == "domainnames":
		d, err := getDomain(tx, parts[1])
		if err != nil {
			return nil, nil, err
		}
		return d.Tags, func(t model.Tags) error { d.Tags = t; return model.Put(tx, d) }, nil
	}
	return nil, nil, badRequest("Invalid resource ARN specified %s: gatehouse tags APIs, stages, VPC links and domain names.", resourceARN)
}

// TagResource adds tags, replacing the values of keys the resource has.
func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*Empty, error) {
	add, err := checkTags(ctx, in.Tags)
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
			return badRequest("A resource can have at most %d tags.", maxTags)
		}
		return save(merged)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*Empty, error) {
	if len(in.TagKeys) == 0 {
		return nil, badRequest("tagKeys is required.")
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

func (s *Service) GetTags(ctx context.Context, in *GetTagsInput) (*GetTagsOutput, error) {
	out := &GetTagsOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		tags, _, err := taggable(ctx, tx, in.ResourceARN)
		out.Tags = orEmpty(tags)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
