package provision

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"gatehouse/internal/stack"
)

// tagsOf is what a resource whose type takes tags carries: the stack's
// tags and CloudFormation's own (t.Tags), and its Tags property, which
// wins a clash with the stack's.
func tagsOf(t stack.Target, p props) map[string]string {
	out := map[string]string{}
	for k, v := range t.Tags {
		out[k] = v
	}
	for k, v := range p.tags() {
		out[k] = v
	}
	return out
}

// tagDiff says how to go from the tags a resource has to those it
// should have: set adds or changes, drop removes. Only AWS sets aws:
// keys, so none is dropped.
func tagDiff(have, want map[string]string) (set map[string]string, drop []string) {
	set = map[string]string{}
	for k, v := range want {
		if cur, ok := have[k]; !ok || cur != v {
			set[k] = v
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok && !strings.HasPrefix(k, "aws:") {
			drop = append(drop, k)
		}
	}
	sort.Strings(drop)
	return set, drop
}

// sortedKeys keeps the calls' tag lists in one order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// updatable lists the changed properties, or refuses the update, before
// any call is made, naming the first changed property that is not one of
// those the type changes in place.
func updatable(t stack.Target, old, new props, can ...string) ([]string, error) {
	changed := changedKeys(old, new)
	for _, k := range changed {
		if !contains(can, k) {
			return nil, cannotUpdate(t, k)
		}
	}
	return changed, nil
}

// cannotUpdate is the error for a changed property that gatehouse's
// services cannot change in place, naming it so the stack's events do.
func cannotUpdate(t stack.Target, prop string) error {
	return fmt.Errorf("updating %s of %s in place is not supported", prop, t.Type)
}

func ec2TagList(m map[string]string) []ec2types.Tag {
	var list []ec2types.Tag
	for _, k := range sortedKeys(m) {
		list = append(list, ec2types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return list
}

// ec2Tagged is the TagSpecifications of a create call: a resource has its
// tags, CloudFormation's included, from the moment it exists, so the
// stack engine can find one whose creation a crash interrupted.
func ec2Tagged(kind ec2types.ResourceType, t stack.Target, p props) []ec2types.TagSpecification {
	tags := tagsOf(t, p)
	if len(tags) == 0 {
		return nil
	}
	return []ec2types.TagSpecification{{ResourceType: kind, Tags: ec2TagList(tags)}}
}

// retagEC2 brings an EC2 resource's tags to what t and p say.
func retagEC2(ctx context.Context, s *SDK, id string, t stack.Target, p props) error {
	out, err := s.EC2.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []ec2types.Filter{
		{Name: aws.String("resource-id"), Values: []string{id}}}})
	if err != nil {
		return err
	}
	have := map[string]string{}
	for _, d := range out.Tags {
		have[aws.ToString(d.Key)] = aws.ToString(d.Value)
	}
	set, drop := tagDiff(have, tagsOf(t, p))
	if len(drop) > 0 {
		var list []ec2types.Tag
		for _, k := range drop {
			list = append(list, ec2types.Tag{Key: aws.String(k)})
		}
		if _, err := s.EC2.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: list}); err != nil {
			return fmt.Errorf("Tags: %w", err)
		}
	}
	if len(set) > 0 {
		if _, err := s.EC2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: ec2TagList(set)}); err != nil {
			return fmt.Errorf("Tags: %w", err)
		}
	}
	return nil
}

func elbTagList(m map[string]string) []elbtypes.Tag {
	var list []elbtypes.Tag
	for _, k := range sortedKeys(m) {
		list = append(list, elbtypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return list
}

// retagELB brings a load balancer's or target group's tags to what t and
// p say.
func retagELB(ctx context.Context, s *SDK, arn string, t stack.Target, p props) error {
	out, err := s.ELB.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		return err
	}
	have := map[string]string{}
	for _, d := range out.TagDescriptions {
		for _, tag := range d.Tags {
			have[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
	}
	set, drop := tagDiff(have, tagsOf(t, p))
	if len(drop) > 0 {
		if _, err := s.ELB.RemoveTags(ctx, &elb.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: drop}); err != nil {
			return fmt.Errorf("Tags: %w", err)
		}
	}
	if len(set) > 0 {
		if _, err := s.ELB.AddTags(ctx, &elb.AddTagsInput{ResourceArns: []string{arn}, Tags: elbTagList(set)}); err != nil {
			return fmt.Errorf("Tags: %w", err)
		}
	}
	return nil
}

func cloudMapTagList(m map[string]string) []sdtypes.Tag {
	var list []sdtypes.Tag
	for _, k := range sortedKeys(m) {
		list = append(list, sdtypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return list
}

// retagCloudMap brings a namespace's or service's tags to what t and p
// say.
func retagCloudMap(ctx context.Context, s *SDK, arn string, t stack.Target, p props) error {
	out, err := s.CloudMap.ListTagsForResource(ctx, &servicediscovery.ListTagsForResourceInput{ResourceARN: &arn})
	if err != nil {
		return err
	}
	have := map[string]string{}
	for _, tag := range out.Tags {
		have[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	set, drop := tagDiff(have, tagsOf(t, p))
	if len(drop) > 0 {
		if _, err := s.CloudMap.UntagResource(ctx, &servicediscovery.UntagResourceInput{ResourceARN: &arn, TagKeys: drop}); err != nil {
			return fmt.Errorf("Tags: %w", err)
		}
	}
	if len(set) > 0 {
		if _, err := s.CloudMap.TagResource(ctx, &servicediscovery.TagResourceInput{ResourceARN: &arn, Tags: cloudMapTagList(set)}); err != nil {
			return fmt.Errorf("Tags: %w", err)
		}
	}
	return nil
}
