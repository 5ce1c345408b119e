package provision

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"gatehouse/internal/stack"
)

// Tags on API Gateway resources. Besides a template's own Tags, every
// taggable resource carries the stack's: its tags and CloudFormation's
// aws:cloudformation:* ones, which the engine finds resources by.

// tagARN is an API Gateway resource's ARN, path being /restapis/ID,
// /apis/ID/stages/NAME, /vpclinks/ID and the like.
func (s *SDK) tagARN(path string) string {
	return "arn:aws:apigateway:" + s.region + "::" + path
}

func (s *SDK) retagV2(ctx context.Context, path string, t stack.Target, new props) error {
	arn := aws.String(s.tagARN(path))
	got, err := s.HTTP.GetTags(ctx, &apigatewayv2.GetTagsInput{ResourceArn: arn})
	if err != nil {
		return err
	}
	set, drop := tagDiff(got.Tags, tagsOf(t, new))
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
	set, drop := tagDiff(got.Tags, tagsOf(t, new))
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
