package ec2_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

func tags(kv ...string) []types.Tag {
	var out []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

// described lists DescribeTags' answer as "resource-type/id key=value" lines,
// sorted.
func described(t *testing.T, c *ec2.Client, filters ...types.Filter) []string {
	t.Helper()
	out, err := c.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: filters})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, td := range out.Tags {
		lines = append(lines, fmt.Sprintf("%s/%s %s=%s", td.ResourceType, aws.ToString(td.ResourceId), aws.ToString(td.Key), aws.ToString(td.Value)))
	}
	sort.Strings(lines)
	return lines
}

func TestTags(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := aws.ToString(newSubnet(t, c, vpc, "10.0.1.0/24", "").SubnetId)
	eniOut := newENI(t, c, sn, "")
	eni := aws.ToString(eniOut.NetworkInterfaceId)
	sg := aws.ToString(eniOut.Groups[0].GroupId)

	_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc, sn, sg, eni}, Tags: tags("env", "dev", "team", "payments")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{eni}, Tags: tags("env", "prod", "empty", "")})
	if err != nil {
		t.Fatal(err)
	}
	all := described(t, c)
	if len(all) != 9 {
		t.Fatalf("DescribeTags = %v, want 9 tags", all)
	}
	for _, want := range []string{
		"vpc/" + vpc + " env=dev",
		"subnet/" + sn + " team=payments",
		"security-group/" + sg + " env=dev",
		"network-interface/" + eni + " env=prod",
		"network-interface/" + eni + " empty=",
	} {
		if !slices.Contains(all, want) {
			t.Errorf("DescribeTags lacks %q: %v", want, all)
		}
	}
	for _, tc := range []struct {
		filters []types.Filter
		want    int
	}{
		{filter("resource-type", "subnet"), 2},
		{filter("resource-type", "network-interface", "vpc"), 5},
		{filter("resource-id", eni), 3},
		{filter("key", "env"), 4},
		{filter("value", "pay*"), 4},
		{append(filter("key", "env"), filter("value", "dev")...), 3},
		{filter("tag:env", "prod"), 1},
	} {
		if got := described(t, c, tc.filters...); len(got) != tc.want {
			t.Errorf("DescribeTags(%+v) = %v, want %d", tc.filters, got, tc.want)
		}
	}
	// Tags show on the resources themselves.
	d, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: filter("tag:team", "payments")})
	if err != nil || len(d.Vpcs) != 1 || len(d.Vpcs[0].Tags) != 2 {
		t.Fatalf("DescribeVpcs by a CreateTags tag = %+v, %v", d, err)
	}

	// DeleteTags: a Value must match, even an empty one; no Value deletes.
	del := func(res string, tags ...types.Tag) {
		t.Helper()
		if _, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{res}, Tags: tags}); err != nil {
			t.Fatal(err)
		}
	}
	del(eni, types.Tag{Key: aws.String("env"), Value: aws.String("dev")})
	del(eni, types.Tag{Key: aws.String("team"), Value: aws.String("")})
	del(eni, types.Tag{Key: aws.String("missing")})
	if got := described(t, c, filter("resource-id", eni)...); len(got) != 3 {
		t.Fatalf("tags after non-matching deletes = %v", got)
	}
	del(eni, types.Tag{Key: aws.String("env"), Value: aws.String("prod")}, types.Tag{Key: aws.String("empty"), Value: aws.String("")})
	del(eni, types.Tag{Key: aws.String("team")})
	if got := described(t, c, filter("resource-id", eni)...); len(got) != 0 {
		t.Fatalf("tags after matching deletes = %v", got)
	}
	del(sn) // no Tag: every tag goes
	if got := described(t, c, filter("resource-id", sn)...); len(got) != 0 {
		t.Fatalf("subnet tags after deleting all = %v", got)
	}
	if got := described(t, c); len(got) != 4 {
		t.Fatalf("remaining tags = %v, want the VPC's and the group's", got)
	}
}

func TestTagErrors(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	for _, tc := range []struct {
		id, code string
	}{
		{"vpc-00000000000000000", "InvalidVpcID.NotFound"},
		{"subnet-00000000000000000", "InvalidSubnetID.NotFound"},
		{"sg-00000000000000000", "InvalidGroup.NotFound"},
		{"eni-00000000000000000", "InvalidNetworkInterfaceID.NotFound"},
		{"i-00000000000000000", "InvalidInstanceID.NotFound"},
		{"ami-00000000000000000", "InvalidID"},
		{"banana", "InvalidID"},
	} {
		// The valid VPC comes first: a failure must undo its tags too.
		_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc, tc.id}, Tags: tags("k", "v")})
		wantMessage(t, err, tc.code, tc.id)
		_, err = c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{tc.id}})
		wantCode(t, err, tc.code)
	}
	_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"banana"}, Tags: tags("k", "v")})
	wantMessage(t, err, "InvalidID", "The ID 'banana' is not valid")
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc}, Tags: tags("aws:cloudformation:stack-name", "x")})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc}, Tags: tags("", "x")})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc}, Tags: tags(strings.Repeat("k", 129), "x")})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: filter("colour", "x")})
	wantCode(t, err, "InvalidParameterValue")

	var many []string
	for i := range 50 {
		many = append(many, fmt.Sprintf("k%d", i), "v")
	}
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc}, Tags: tags(many...)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc}, Tags: tags("one", "more")})
	wantCode(t, err, "TagLimitExceeded")
	// Overwriting an existing key adds nothing, so it stays allowed.
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc}, Tags: tags("k0", "w")}); err != nil {
		t.Fatal(err)
	}
	if got := described(t, c, filter("value", "w")...); len(got) != 1 {
		t.Fatalf("overwritten tag = %v", got)
	}
	if got := described(t, c); len(got) != 50 {
		t.Fatalf("%d tags after failed calls, want 50", len(got))
	}
}
