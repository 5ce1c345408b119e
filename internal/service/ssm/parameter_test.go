package ssm_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
)

var ctx = context.Background()

type fixture struct {
	srv *servertest.Server
	ssm *ssm.Client
}

func start(t *testing.T) *fixture {
	t.Helper()
	srv := servertest.Start(t)
	return &fixture{srv: srv, ssm: srv.SSM()}
}

// wantError fails unless err is an AWS error with code whose message
// contains part.
func wantError(t *testing.T, err error, code, part string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want AWS error %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), part) {
		t.Fatalf("error = %s: %q, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, part)
	}
}

// fails runs a call that must fail with code and checks that it wrote
// nothing: the store's revision does not move.
func (f *fixture) fails(t *testing.T, code, part string, call func() error) {
	t.Helper()
	before := f.srv.Store().Revision()
	wantError(t, call(), code, part)
	if after := f.srv.Store().Revision(); after != before {
		t.Fatalf("a failed call moved the store from revision %d to %d", before, after)
	}
}

func (f *fixture) put(t *testing.T, in *ssm.PutParameterInput) *ssm.PutParameterOutput {
	t.Helper()
	out, err := f.ssm.PutParameter(ctx, in)
	if err != nil {
		t.Fatalf("PutParameter %s: %v", aws.ToString(in.Name), err)
	}
	return out
}

func (f *fixture) putString(t *testing.T, name, value string) {
	t.Helper()
	f.put(t, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: types.ParameterTypeString})
}

func TestPutGetVersions(t *testing.T) {
	f := start(t)
	out := f.put(t, &ssm.PutParameterInput{Name: aws.String("/app/db/url"), Value: aws.String("postgres://a"),
		Type: types.ParameterTypeString, Description: aws.String("the database")})
	if out.Version != 1 || out.Tier != types.ParameterTierStandard {
		t.Fatalf("first put = version %d tier %s, want 1 Standard", out.Version, out.Tier)
	}
	// A second put without Overwrite is refused with AWS's text.
	f.fails(t, "ParameterAlreadyExists", "set the overwrite option in the request to true", func() error {
		_, err := f.ssm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/db/url"), Value: aws.String("x"), Type: types.ParameterTypeString})
		return err
	})
	f.srv.Clock.Advance(time.Minute)
	// Overwrite without a type keeps the type and the description.
	out = f.put(t, &ssm.PutParameterInput{Name: aws.String("/app/db/url"), Value: aws.String("postgres://b"), Overwrite: aws.Bool(true)})
	if out.Version != 2 {
		t.Fatalf("overwrite version = %d, want 2", out.Version)
	}
	got, err := f.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/db/url")})
	if err != nil {
		t.Fatal(err)
	}
	p := got.Parameter
	want := time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)
	if aws.ToString(p.Value) != "postgres://b" || p.Version != 2 || p.Type != types.ParameterTypeString ||
		aws.ToString(p.DataType) != "text" || !aws.ToTime(p.LastModifiedDate).Equal(want) ||
		aws.ToString(p.ARN) != "arn:aws:ssm:us-east-1:000000000000:parameter/app/db/url" {
		t.Fatalf("GetParameter = %+v", p)
	}
	// By ARN, and with the latest version's selector.
	for _, ref := range []string{"arn:aws:ssm:us-east-1:000000000000:parameter/app/db/url", "/app/db/url:2"} {
		if _, err := f.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(ref)}); err != nil {
			t.Fatalf("GetParameter %s: %v", ref, err)
		}
	}
	_, err = f.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/db/url:1")})
	wantError(t, err, "ParameterVersionNotFound", "could not find version 1 of /app/db/url")
	_, err = f.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/db/nothing")})
	wantError(t, err, "ParameterNotFound", "")

	desc, err := f.ssm.DescribeParameters(ctx, &ssm.DescribeParametersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.Parameters) != 1 || aws.ToString(desc.Parameters[0].Description) != "the database" || desc.Parameters[0].Version != 2 {
		t.Fatalf("DescribeParameters = %+v", desc.Parameters)
	}
}

func TestPutRefusals(t *testing.T) {
	f := start(t)
	f.put(t, &ssm.PutParameterInput{Name: aws.String("code"), Value: aws.String("123"), Type: types.ParameterTypeString,
		AllowedPattern: aws.String(`\d+`)})
	cases := []struct {
		name, code, part string
		in               ssm.PutParameterInput
	}{
		{"no type on create", "ValidationException", "A parameter type is required",
			ssm.PutParameterInput{Name: aws.String("fresh"), Value: aws.String("v")}},
		{"aws prefix", "ValidationException", `can't be prefixed with "aws" or "ssm"`,
			ssm.PutParameterInput{Name: aws.String("/aws/x"), Value: aws.String("v"), Type: types.ParameterTypeString}},
		{"ssm prefix any case", "ValidationException", `can't be prefixed with "aws" or "ssm"`,
			ssm.PutParameterInput{Name: aws.String("SSM-x"), Value: aws.String("v"), Type: types.ParameterTypeString}},
		{"space inside", "ValidationException", "each sub-path",
			ssm.PutParameterInput{Name: aws.String("/a b"), Value: aws.String("v"), Type: types.ParameterTypeString}},
		{"not fully qualified", "ValidationException", "fully qualified",
			ssm.PutParameterInput{Name: aws.String("a/b"), Value: aws.String("v"), Type: types.ParameterTypeString}},
		{"sixteen levels", "HierarchyLevelLimitExceededException", "15",
			ssm.PutParameterInput{Name: aws.String(strings.Repeat("/l", 16)), Value: aws.String("v"), Type: types.ParameterTypeString}},
		{"empty value", "ValidationException", "at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1",
			ssm.PutParameterInput{Name: aws.String("e"), Value: aws.String(""), Type: types.ParameterTypeString}},
		{"bad type", "ValidationException", "Member must satisfy enum value set: [SecureString, StringList, String]",
			ssm.PutParameterInput{Name: aws.String("e"), Value: aws.String("v"), Type: "Number"}},
		{"tags with overwrite", "ValidationException", "tags and overwrite can't be used together",
			ssm.PutParameterInput{Name: aws.String("code"), Value: aws.String("1"), Overwrite: aws.Bool(true),
				Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}},
		{"pattern mismatch", "ParameterPatternMismatchException", `allowedPattern: \d+`,
			ssm.PutParameterInput{Name: aws.String("code"), Value: aws.String("abc"), Overwrite: aws.Bool(true)}},
		{"bad pattern", "InvalidAllowedPatternException", "(",
			ssm.PutParameterInput{Name: aws.String("p"), Value: aws.String("v"), Type: types.ParameterTypeString, AllowedPattern: aws.String("(")}},
		{"bad data type", "ValidationException", "The following data type is not supported: Text",
			ssm.PutParameterInput{Name: aws.String("d"), Value: aws.String("v"), Type: types.ParameterTypeString, DataType: aws.String("Text")}},
		{"not an image id", "ValidationException", "not a valid AMI ID",
			ssm.PutParameterInput{Name: aws.String("d"), Value: aws.String("v"), Type: types.ParameterTypeString, DataType: aws.String("aws:ec2:image")}},
		{"too long for standard", "ValidationException", "maximum parameter value of 4096 characters",
			ssm.PutParameterInput{Name: aws.String("big"), Value: aws.String(strings.Repeat("x", 4097)), Type: types.ParameterTypeString}},
		{"key on a String", "ValidationException", "KeyId is valid for SecureString parameters only",
			ssm.PutParameterInput{Name: aws.String("k"), Value: aws.String("v"), Type: types.ParameterTypeString, KeyId: aws.String("alias/x")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.fails(t, c.code, c.part, func() error {
				_, err := f.ssm.PutParameter(ctx, &c.in)
				return err
			})
		})
	}
	// A name outside any hierarchy is the same parameter with or without
	// its leading slash.
	f.fails(t, "ParameterAlreadyExists", "", func() error {
		_, err := f.ssm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/code"), Value: aws.String("1"), Type: types.ParameterTypeString})
		return err
	})
	// Intelligent-Tiering picks Advanced for a large value, and an advanced
	// parameter never goes back to Standard.
	out := f.put(t, &ssm.PutParameterInput{Name: aws.String("big"), Value: aws.String(strings.Repeat("x", 5000)),
		Type: types.ParameterTypeString, Tier: types.ParameterTierIntelligentTiering})
	if out.Tier != types.ParameterTierAdvanced {
		t.Fatalf("tier = %s, want Advanced", out.Tier)
	}
	f.fails(t, "ValidationException", "can't downgrade", func() error {
		_, err := f.ssm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("big"), Value: aws.String("x"),
			Overwrite: aws.Bool(true), Tier: types.ParameterTierStandard})
		return err
	})
}

func TestSecureString(t *testing.T) {
	f := start(t)
	f.put(t, &ssm.PutParameterInput{Name: aws.String("/app/secret"), Value: aws.String("hunter2"), Type: types.ParameterTypeSecureString})
	plain, err := f.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/secret"), WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(plain.Parameter.Value) != "hunter2" {
		t.Fatalf("decrypted value = %q", aws.ToString(plain.Parameter.Value))
	}
	sealed, err := f.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/secret")})
	if err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(sealed.Parameter.Value); v == "hunter2" || strings.Contains(v, "hunter2") {
		t.Fatalf("value without decryption = %q, want it not in plain sight", v)
	}
	desc, err := f.ssm.DescribeParameters(ctx, &ssm.DescribeParametersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(desc.Parameters[0].KeyId) != "alias/aws/ssm" {
		t.Fatalf("KeyId = %q, want the default key alias/aws/ssm", aws.ToString(desc.Parameters[0].KeyId))
	}
}

func TestGetParametersAndDelete(t *testing.T) {
	f := start(t)
	f.putString(t, "/a/one", "1")
	f.putString(t, "/a/two", "2")
	out, err := f.ssm.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/a/one", "/a/none", "/a/two", "/a/one:7"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range out.Parameters {
		names = append(names, aws.ToString(p.Name))
	}
	if !slices.Equal(names, []string{"/a/one", "/a/two"}) || !slices.Equal(out.InvalidParameters, []string{"/a/none", "/a/one:7"}) {
		t.Fatalf("GetParameters = %v, invalid %v", names, out.InvalidParameters)
	}
	f.fails(t, "ValidationException", "Member must have length less than or equal to 10", func() error {
		_, err := f.ssm.GetParameters(ctx, &ssm.GetParametersInput{Names: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")})
		return err
	})

	del, err := f.ssm.DeleteParameters(ctx, &ssm.DeleteParametersInput{Names: []string{"/a/one", "/a/none"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(del.DeletedParameters, []string{"/a/one"}) || !slices.Equal(del.InvalidParameters, []string{"/a/none"}) {
		t.Fatalf("DeleteParameters = deleted %v, invalid %v", del.DeletedParameters, del.InvalidParameters)
	}
	if _, err := f.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/a/two")}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "ParameterNotFound", "", func() error {
		_, err := f.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/a/two")})
		return err
	})
	// A deleted parameter starts again at version 1.
	f.putString(t, "/a/two", "again")
	got, err := f.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/a/two")})
	if err != nil || got.Parameter.Version != 1 {
		t.Fatalf("recreated parameter: %v, %+v", err, got)
	}
}

func TestGetParametersByPath(t *testing.T) {
	f := start(t)
	for _, n := range []string{"/app/a", "/app/b", "/app/deep/c", "/app/deep/er/d", "/apple", "/other/x", "top"} {
		f.putString(t, n, "v"+n)
	}
	f.put(t, &ssm.PutParameterInput{Name: aws.String("/app/list"), Value: aws.String("x,y"), Type: types.ParameterTypeStringList})

	byPath := func(in *ssm.GetParametersByPathInput) []string {
		t.Helper()
		var names []string
		pages := ssm.NewGetParametersByPathPaginator(f.ssm, in)
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if in.MaxResults != nil && len(out.Parameters) > int(*in.MaxResults) {
				t.Fatalf("page of %d, MaxResults %d", len(out.Parameters), *in.MaxResults)
			}
			for _, p := range out.Parameters {
				names = append(names, aws.ToString(p.Name))
			}
		}
		return names
	}
	if got := byPath(&ssm.GetParametersByPathInput{Path: aws.String("/app")}); !slices.Equal(got, []string{"/app/a", "/app/b", "/app/list"}) {
		t.Fatalf("one level = %v", got)
	}
	got := byPath(&ssm.GetParametersByPathInput{Path: aws.String("/app/"), Recursive: aws.Bool(true), MaxResults: aws.Int32(2)})
	if !slices.Equal(got, []string{"/app/a", "/app/b", "/app/deep/c", "/app/deep/er/d", "/app/list"}) {
		t.Fatalf("recursive, two a page = %v", got)
	}
	got = byPath(&ssm.GetParametersByPathInput{Path: aws.String("/app"), Recursive: aws.Bool(true),
		ParameterFilters: []types.ParameterStringFilter{{Key: aws.String("Type"), Values: []string{"StringList"}}}})
	if !slices.Equal(got, []string{"/app/list"}) {
		t.Fatalf("filtered by type = %v", got)
	}
	_, err := f.ssm.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/app"),
		ParameterFilters: []types.ParameterStringFilter{{Key: aws.String("Name"), Values: []string{"x"}}}})
	wantError(t, err, "InvalidFilterKey", "") // the SDK models no message for it
	_, err = f.ssm.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("app")})
	wantError(t, err, "ValidationException", "forward slash")
	_, err = f.ssm.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/app"), MaxResults: aws.Int32(11)})
	wantError(t, err, "ValidationException", "Member must have value less than or equal to 10")
	_, err = f.ssm.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/app"), NextToken: aws.String("!!")})
	wantError(t, err, "InvalidNextToken", "")
}

func TestDescribeParametersFilters(t *testing.T) {
	f := start(t)
	for i := range 7 {
		f.putString(t, fmt.Sprintf("/svc/p%d", i), "v")
	}
	f.put(t, &ssm.PutParameterInput{Name: aws.String("/svc/deep/s"), Value: aws.String("v"), Type: types.ParameterTypeSecureString,
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}})
	f.putString(t, "plain", "v")

	describe := func(in *ssm.DescribeParametersInput) []string {
		t.Helper()
		var names []string
		pages := ssm.NewDescribeParametersPaginator(f.ssm, in)
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range out.Parameters {
				names = append(names, aws.ToString(p.Name))
			}
		}
		return names
	}
	str := func(s string) *string { return &s }
	cases := []struct {
		name    string
		filters []types.ParameterStringFilter
		want    string
	}{
		{"name equals", []types.ParameterStringFilter{{Key: str("Name"), Values: []string{"/plain", "/svc/p3"}}}, "/svc/p3 plain"},
		{"name begins with", []types.ParameterStringFilter{{Key: str("Name"), Option: str("BeginsWith"), Values: []string{"/svc/p"}}},
			"/svc/p0 /svc/p1 /svc/p2 /svc/p3 /svc/p4 /svc/p5 /svc/p6"},
		{"name contains", []types.ParameterStringFilter{{Key: str("Name"), Option: str("Contains"), Values: []string{"deep"}}}, "/svc/deep/s"},
		{"path one level", []types.ParameterStringFilter{{Key: str("Path"), Values: []string{"/svc/deep"}}}, "/svc/deep/s"},
		{"path recursive and type", []types.ParameterStringFilter{{Key: str("Path"), Option: str("Recursive"), Values: []string{"/svc"}},
			{Key: str("Type"), Values: []string{"SecureString"}}}, "/svc/deep/s"},
		{"tag", []types.ParameterStringFilter{{Key: str("tag:team"), Values: []string{"blue"}}}, "/svc/deep/s"},
	}
	for _, c := range cases {
		got := strings.Join(describe(&ssm.DescribeParametersInput{ParameterFilters: c.filters, MaxResults: aws.Int32(3)}), " ")
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if got := len(describe(&ssm.DescribeParametersInput{MaxResults: aws.Int32(2)})); got != 9 {
		t.Fatalf("all, two a page: %d parameters, want 9", got)
	}
	_, err := f.ssm.DescribeParameters(ctx, &ssm.DescribeParametersInput{
		ParameterFilters: []types.ParameterStringFilter{{Key: str("Path"), Option: str("Equals"), Values: []string{"/svc"}}}})
	wantError(t, err, "InvalidFilterOption", "Equals")
	_, err = f.ssm.DescribeParameters(ctx, &ssm.DescribeParametersInput{
		Filters:          []types.ParametersFilter{{Key: types.ParametersFilterKeyName, Values: []string{"plain"}}},
		ParameterFilters: []types.ParameterStringFilter{{Key: str("Type"), Values: []string{"String"}}}})
	wantError(t, err, "ValidationException", "either Filters or ParameterFilters")
}

func TestTags(t *testing.T) {
	f := start(t)
	f.put(t, &ssm.PutParameterInput{Name: aws.String("/t/p"), Value: aws.String("v"), Type: types.ParameterTypeString,
		Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}}})
	id := aws.String("/t/p")
	if _, err := f.ssm.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: id,
		Tags: []types.Tag{{Key: aws.String("b"), Value: aws.String("2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ssm.RemoveTagsFromResource(ctx, &ssm.RemoveTagsFromResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: id,
		TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	out, err := f.ssm.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TagList) != 1 || aws.ToString(out.TagList[0].Key) != "b" {
		t.Fatalf("tags = %+v", out.TagList)
	}
	_, err = f.ssm.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String("/t/none")})
	wantError(t, err, "InvalidResourceId", "")
	// The aws: prefix is AWS's: a user may not write it, on create or later.
	f.fails(t, "ValidationException", "reserved", func() error {
		_, err := f.ssm.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: id,
			Tags: []types.Tag{{Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("x")}}})
		return err
	})
	f.fails(t, "ValidationException", "reserved", func() error {
		_, err := f.ssm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/t/q"), Value: aws.String("v"), Type: types.ParameterTypeString,
			Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("y")}}})
		return err
	})
	// Tags are not a version.
	got, err := f.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: id})
	if err != nil || got.Parameter.Version != 1 {
		t.Fatalf("after tagging: %v, %+v", err, got)
	}
}

// TestValueForTemplates reads a parameter the way CloudFormation resolves
// an AWS::SSM::Parameter::Value<String> template parameter.
func TestValueForTemplates(t *testing.T) {
	f := start(t)
	f.putString(t, "/cdk-bootstrap/q/version", "33")
	f.putString(t, "/flat", "f")
	read := func(name string) (string, bool) {
		var v string
		var ok bool
		err := model.View(f.srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) (err error) {
			v, ok, err = model.SSMParameterValue(tx, name)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return v, ok
	}
	for name, want := range map[string]string{"/cdk-bootstrap/q/version": "33", "flat": "f", "/flat": "f", "/none": ""} {
		if v, ok := read(name); v != want || ok != (want != "") {
			t.Errorf("SSMParameterValue(%s) = %q, %v; want %q", name, v, ok, want)
		}
	}
}
