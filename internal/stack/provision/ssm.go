package provision

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"gatehouse/internal/stack"
)

func init() {
	creators["AWS::SSM::Parameter"] = createParameter
	updaters["AWS::SSM::Parameter"] = updateParameter
	deleters["AWS::SSM::Parameter"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		_, err := s.SSM.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: &cur.Ref})
		if gone(err) {
			return nil
		}
		return err
	}
}

// createParameter puts a new parameter. Without a Name, CloudFormation
// names it CFN-LOGICALID-RANDOM.
func createParameter(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	if err := parameterType(p); err != nil {
		return stack.Created{}, err
	}
	name := p.string("Name")
	if name == "" {
		name = "CFN-" + t.LogicalID + "-" + randomName(12)
	}
	tags := maps.Clone(t.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	maps.Copy(tags, p.stringMap("Tags"))
	in := putInput(name, p)
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		in.Tags = append(in.Tags, ssmtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	_, err := s.SSM.PutParameter(ctx, in)
	if errorCode(err) == "ParameterAlreadyExists" && ownParameter(ctx, s, t, name) {
		// This resource made it before a crash cut its creation short,
		// before the stack could record it: take it up again.
		in.Tags, in.Overwrite = nil, aws.Bool(true)
		_, err = s.SSM.PutParameter(ctx, in)
	}
	if err != nil {
		return stack.Created{}, err
	}
	return parameterCreated(ctx, s, name)
}

// ownParameter reports whether the parameter name carries the tags
// CloudFormation gives t: the same stack and logical id.
func ownParameter(ctx context.Context, s *SDK, t stack.Target, name string) bool {
	out, err := s.SSM.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: &name})
	if err != nil || t.StackID == "" {
		return false
	}
	tags := map[string]string{}
	for _, tg := range out.TagList {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return tags["aws:cloudformation:stack-id"] == t.StackID && tags["aws:cloudformation:logical-id"] == t.LogicalID
}

// updateParameter writes the parameter's next version, and its tags where
// they changed: a tag is not part of a version.
func updateParameter(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	if err := parameterType(new); err != nil {
		return stack.Created{}, err
	}
	in := putInput(cur.Ref, new)
	in.Overwrite = aws.Bool(true)
	// What the new properties leave out goes back to its default, as a
	// fresh parameter would have it.
	for _, field := range []**string{&in.Description, &in.AllowedPattern} {
		if *field == nil {
			*field = aws.String("")
		}
	}
	if in.DataType == nil {
		in.DataType = aws.String("text")
	}
	if _, err := s.SSM.PutParameter(ctx, in); err != nil {
		return stack.Created{}, err
	}
	was, now := old.stringMap("Tags"), new.stringMap("Tags")
	var add []ssmtypes.Tag
	var drop []string
	for _, k := range slices.Sorted(maps.Keys(now)) {
		if v, ok := was[k]; !ok || v != now[k] {
			add = append(add, ssmtypes.Tag{Key: aws.String(k), Value: aws.String(now[k])})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(was)) {
		if _, ok := now[k]; !ok {
			drop = append(drop, k)
		}
	}
	if len(add) > 0 {
		if _, err := s.SSM.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter,
			ResourceId: &cur.Ref, Tags: add}); err != nil {
			return stack.Created{}, err
		}
	}
	if len(drop) > 0 {
		if _, err := s.SSM.RemoveTagsFromResource(ctx, &ssm.RemoveTagsFromResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter,
			ResourceId: &cur.Ref, TagKeys: drop}); err != nil {
			return stack.Created{}, err
		}
	}
	return parameterCreated(ctx, s, cur.Ref)
}

// parameterType refuses what CloudFormation refuses: it creates String and
// StringList parameters, never SecureString ones.
func parameterType(p props) error {
	if p.string("Type") == string(ssmtypes.ParameterTypeSecureString) {
		return errors.New("AWS CloudFormation doesn't support creating a SecureString parameter type")
	}
	return nil
}

func putInput(name string, p props) *ssm.PutParameterInput {
	return &ssm.PutParameterInput{
		Name: aws.String(name), Value: p.str("Value"), Type: ssmtypes.ParameterType(p.string("Type")),
		Description: p.str("Description"), AllowedPattern: p.str("AllowedPattern"),
		Tier: ssmtypes.ParameterTier(p.string("Tier")), DataType: p.str("DataType"), Policies: p.str("Policies"),
	}
}

// parameterCreated is Ref (the name) and the attributes, read back as
// Systems Manager reports them.
func parameterCreated(ctx context.Context, s *SDK, name string) (stack.Created, error) {
	got, err := s.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: &name})
	if err != nil {
		return stack.Created{}, err
	}
	desc, err := s.SSM.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{
		{Key: aws.String("Name"), Values: []string{name}}}})
	if err != nil {
		return stack.Created{}, err
	}
	attrs := map[string]any{"Name": name, "Type": string(got.Parameter.Type), "Value": aws.ToString(got.Parameter.Value),
		"DataType": aws.ToString(got.Parameter.DataType)}
	if len(desc.Parameters) == 1 {
		m := desc.Parameters[0]
		attrs["Description"] = aws.ToString(m.Description)
		attrs["AllowedPattern"] = aws.ToString(m.AllowedPattern)
		attrs["Tier"] = string(m.Tier)
	}
	return stack.Created{Ref: name, Attrs: attrs}, nil
}

// randomName is n letters and digits, as CloudFormation suffixes the
// names it generates.
func randomName(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}
