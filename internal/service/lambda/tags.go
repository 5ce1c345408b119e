package lambda

import (
	"context"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// checkTags holds tags to Lambda's quotas: 50 per function, keys up to
// 128 characters and values up to 256. The aws: prefix is AWS's own, as in
// the other services: only gatehouse's stack engine may write the
// aws:cloudformation: keys that mark what a stack made.
func checkTags(ctx context.Context, tags map[string]string) error {
	if len(tags) > 50 {
		return invalidParameter("Number of tags exceeds resource tag limit.")
	}
	system := api.MetaFrom(ctx).Caller == "cloudformation"
	for k, v := range tags {
		if k == "" || len(k) > 128 {
			return invalidParameter("Tag key must be between 1 and 128 characters: %q.", k)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") && !(system && strings.HasPrefix(k, "aws:cloudformation:")) {
			return invalidParameter("Tag keys starting with aws: are reserved for AWS use: %q.", k)
		}
		if len(v) > 256 {
			return invalidParameter("Tag value must be at most 256 characters: the value of %q.", k)
		}
	}
	return nil
}

// tagged resolves a tagging call's Resource: an unqualified function ARN
// of the caller's account and region.
func tagged(ctx context.Context, resource string) (target, error) {
	ref, ok := invoke.ParseFunction(resource)
	if !ok || !strings.HasPrefix(resource, "arn:") {
		var v validation
		v.pattern(resource, "resource", `arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:[a-zA-Z0-9-_]+)`)
		return target{}, v.err()
	}
	if ref.Qualifier != "" {
		return target{}, invalidParameter("Tags are not supported on function versions or aliases: give the unqualified function ARN.")
	}
	m := api.MetaFrom(ctx)
	if ref.Account != m.Account || ref.Region != m.Region {
		return target{}, notFound(resource)
	}
	return target{name: ref.Name}, nil
}

// TagResourceInput adds tags to a function.
type TagResourceInput struct {
	Resource string            `path:"Resource" json:"-"`
	Tags     map[string]string `json:"Tags"`
}

// TagResource adds or replaces tags.
func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*Empty, error) {
	t, err := tagged(ctx, in.Resource)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		// The new tags are checked, not the ones the function has: a
		// stack's aws:cloudformation: tags stay, and others may be added.
		if err := checkTags(ctx, in.Tags); err != nil {
			return err
		}
		tags := f.Tags.With(in.Tags)
		if len(tags) > 50 {
			return invalidParameter("Number of tags exceeds resource tag limit.")
		}
		f.Tags = tags
		return model.Put(tx, f)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// UntagResourceInput removes tags from a function.
type UntagResourceInput struct {
	Resource string   `path:"Resource" json:"-"`
	TagKeys  []string `querystring:"tagKeys" json:"-"`
}

// UntagResource removes the tags named; keys not there are no error.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*Empty, error) {
	t, err := tagged(ctx, in.Resource)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		f.Tags = f.Tags.Without(in.TagKeys)
		if len(f.Tags) == 0 {
			f.Tags = nil
		}
		return model.Put(tx, f)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListTagsInput names a function by ARN.
type ListTagsInput struct {
	Resource string `path:"Resource" json:"-"`
}

// ListTagsOutput is a function's tags.
type ListTagsOutput struct {
	Tags map[string]string `json:"Tags"`
}

// ListTags reports a function's tags.
func (s *Service) ListTags(ctx context.Context, in *ListTagsInput) (*ListTagsOutput, error) {
	t, err := tagged(ctx, in.Resource)
	if err != nil {
		return nil, err
	}
	out := &ListTagsOutput{Tags: map[string]string{}}
	err = s.view(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err == nil && f.Tags != nil {
			out.Tags = f.Tags
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
