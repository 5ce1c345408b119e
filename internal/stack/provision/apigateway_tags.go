package provision

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"gatehouse/internal/stack"
)

// Tags on API Gateway resources. Besides a template's own Tags, every
// taggable resource carries the stack's: its tags and CloudFormation's
// aws:cloudformation:* ones, which the engine finds resources by.

// resourceTags is what a resource's tags should be: the stack's, then its
// own Tags (a list of Key/Value for v1, a map for v2), which win. Nil when
// there are none, so that a create call sends nothing.
func resourceTags(t stack.Target, p props) map[string]string {
	out := map[string]string{}
	for k, v := range t.Tags {
		out[k] = v
	}
	for k, v := range p.tags() {
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// tagARN is an API Gateway resource's ARN, path being /restapis/ID,
// /apis/ID/stages/NAME, /vpclinks/ID and the like.
func (s *SDK) tagARN(path string) string {
	return "arn:aws:apigateway:" + s.region + "::" + path
}

// retag compares the tags a resource has with those it should have (the
// stack's and its new Tags): what to set, and which keys to drop. A key
// under aws: is never dropped: only CloudFormation writes those.
func retag(have, want map[string]string) (set map[string]string, drop []string) {
	for k, v := range want {
		if cur, ok := have[k]; !ok || cur != v {
			if set == nil {
				set = map[string]string{}
			}
			set[k] = v
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok && !strings.HasPrefix(strings.ToLower(k), "aws:") {
			drop = append(drop, k)
		}
	}
	return set, drop
}

func (s *SDK) retagV2(ctx context.Context, path string, t stack.Target, new props) error {
	arn := aws.String(s.tagARN(path))
	got, err := s.HTTP.GetTags(ctx, &apigatewayv2.GetTagsInput{ResourceArn: arn})
	if err != nil {
		return err
	}
	set, drop := retag(got.Tags, resourceTags(t, new))
	if len(drop) > 0 {
		if _, err := s.HTTP.UntagResource(ctx, &apigatewayv2.UntagResourceInput{ResourceArn: arn, TagKeys: drop}); err != nil {
			return err
		}
	}
	if len(set) > 0 {
		if _, err := s.HTTP.TagResource(ctx, &apigatewayv2.TagResourceInput{ResourceArn: arn, Tags: set}); err != nil {
			return err
		}
	}
	return nil
}

func (s *SDK) retagV1(ctx context.Context, path string, t stack.Target, new props) error {
	arn := aws.String(s.tagARN(path))
	got, err := s.APIGW.GetTags(ctx, &apigateway.GetTagsInput{ResourceArn: arn})
	if err != nil {
		return err
	}
	set, drop := retag(got.Tags, resourceTags(t, new))
	if len(drop) > 0 {
		if _, err := s.APIGW.UntagResource(ctx, &apigateway.UntagResourceInput{ResourceArn: arn, TagKeys: drop}); err != nil {
			return err
		}
	}
	if len(set) > 0 {
		if _, err := s.APIGW.TagResource(ctx, &apigateway.TagResourceInput{ResourceArn: arn, Tags: set}); err != nil {
			return err
		}
	}
	return nil
}

// withoutSystemTags keeps the stack's own tags only: some types (a REST
// API's VPC link) take no aws:cloudformation:* tags in CloudFormation's
// registry schema.
func withoutSystemTags(t stack.Target) stack.Target {
	tags := map[string]string{}
	for k, v := range t.Tags {
		if !strings.HasPrefix(k, "aws:") {
			tags[k] = v
		}
	}
	t.Tags = tags
	return t
}
