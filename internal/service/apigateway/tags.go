package apigateway

import (
	"context"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type TagResourceInput struct {
	ResourceARN string            `path:"resourceArn" json:"-"`
	Tags        map[string]string `json:"tags"`
}

type UntagResourceInput struct {
	ResourceARN string   `path:"resourceArn" json:"-"`
	TagKeys     []string `querystring:"tagKeys" json:"-"`
}

type GetTagsInput struct {
	ResourceARN string `path:"resourceArn" json:"-"`
	Limit       *int32 `querystring:"limit" json:"-"`
	Position    string `querystring:"position" json:"-"`
}

type GetTagsOutput struct {
	Tags map[string]string `json:"tags"`
}

// maxTags is API Gateway's quota of tags on one resource.
const maxTags = 50

// checkTags validates tags as a create call or TagResource gives them.
// gatehouse's stack engine may write the aws:cloudformation: keys, as AWS
// lets CloudFormation mark what it makes.
func checkTags(ctx context.Context, tags map[string]string) (model.Tags, error) {
	system := api.MetaFrom(ctx).Caller == "cloudformation"
	if len(tags) > maxTags {
		return nil, badRequest("A resource can have at most %d tags, not %d", maxTags, len(tags))
	}
	out := model.Tags{}
	for k, v := range tags {
		switch {
		case k == "" || len(k) > 128:
			return nil, badRequest("Tag keys must be 1 to 128 characters long: %q", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:") && !(system && strings.HasPrefix(k, "aws:cloudformation:")):
			return nil, badRequest("Tag keys may not start with aws: (%s); that prefix is AWS's", k)
		case len(v) > 256:
			return nil, badRequest("Tag values must be at most 256 characters long (key %s)", k)
		}
		out[k] = v
	}
	return out, nil
}

func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*Empty, error) {
	add, err := checkTags(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		rec, tags, err := tagged(ctx, tx, in.ResourceARN)
		if err != nil {
			return err
		}
		if *tags == nil {
			*tags = model.Tags{}
		}
		for k, v := range add {
			(*tags)[k] = v
		}
		if len(*tags) > maxTags {
			return badRequest("A resource can have at most %d tags; %s would have %d", maxTags, in.ResourceARN, len(*tags))
		}
		return model.Put(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		rec, tags, err := tagged(ctx, tx, in.ResourceARN)
		if err != nil {
			return err
		}
		for _, k := range in.TagKeys {
			delete(*tags, k)
		}
		return model.Put(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) GetTags(ctx context.Context, in *GetTagsInput) (*GetTagsOutput, error) {
	var out map[string]string
	err := s.view(ctx, func(tx model.Tx) error {
		_, tags, err := tagged(ctx, tx, in.ResourceARN)
		if err != nil {
			return err
		}
		out = tagsOut(*tags)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetTagsOutput{Tags: out}, nil
}

// tagged finds the record an apigateway ARN names and its tags: a REST API
// (arn:aws:apigateway:REGION::/restapis/ID), one of its stages
// (.../restapis/ID/stages/NAME), a VPC link (.../vpclinks/ID), a domain
// name (.../domainnames/NAME), an API key (.../apikeys/ID) or a usage
// plan (.../usageplans/ID).
func tagged(ctx context.Context, tx model.Tx, resourceARN string) (model.Record, *model.Tags, error) {
	path, ok := strings.CutPrefix(resourceARN, arn(ctx, ""))
	if !ok {
		return nil, nil, badRequest("Invalid ARN specified in the request: %s is not an API Gateway resource of %s", resourceARN, api.MetaFrom(ctx).Region)
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "restapis":
		a, err := getAPI(ctx, tx, parts[1])
		if err != nil {
			return nil, nil, err
		}
		return a, &a.Tags, nil
	case len(parts) == 4 && parts[0] == "restapis" && parts[2] == "stages":
		st, err := getStage(ctx, tx, parts[1], parts[3])
		if err != nil {
			return nil, nil, err
		}
		return st, &st.Tags, nil
	case len(parts) == 2 && parts[0] == "vpclinks":
		link, err := getVpcLink(tx, parts[1])
		if err != nil {
			return nil, nil, err
		}
		return link, &link.Tags, nil
	case len(parts) == 2 && parts[0] == "domainnames":
		d, err := getDomain(tx, parts[1])
		if err != nil {
			return nil, nil, err
		}
		return d, &d.Tags, nil
	case len(parts) == 2 && parts[0] == "apikeys":
		k, err := getKey(tx, parts[1])
		if err != nil {
			return nil, nil, err
		}
		return k, &k.Tags, nil
	case len(parts) == 2 && parts[0] == "usageplans":
		p, err := getPlan(tx, parts[1])
		if err != nil {
			return nil, nil, err
		}
		return p, &p.Tags, nil
	}
	return nil, nil, badRequest("gatehouse tags REST APIs, their stages, VPC links, domain names, API keys and usage plans; %s names none of them", resourceARN)
}
