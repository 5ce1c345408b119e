package ec2_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/api"
	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
	ec2svc "gatehouse/internal/service/ec2"
	"gatehouse/internal/store/mem"
)

// dhcpConfig flattens a set's options to key -> values.
func dhcpConfig(d types.DhcpOptions) map[string][]string {
	out := map[string][]string{}
	for _, c := range d.DhcpConfigurations {
		for _, v := range c.Values {
			out[aws.ToString(c.Key)] = append(out[aws.ToString(c.Key)], aws.ToString(v.Value))
		}
	}
	return out
}

func vpcDhcp(t *testing.T, c *ec2.Client, vpc string) string {
	t.Helper()
	out, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})
	if err != nil || len(out.Vpcs) != 1 {
		t.Fatalf("DescribeVpcs(%s) = %+v, %v", vpc, out, err)
	}
	return aws.ToString(out.Vpcs[0].DhcpOptionsId)
}

// The default VPC and every new VPC are associated with the region's
// default set, found as Terraform's aws_default_vpc_dhcp_options finds it.
func TestDefaultDhcpOptions(t *testing.T) {
	srv := servertest.Start(t)
	for _, tc := range []struct{ region, domain string }{
		{"us-east-1", "ec2.internal"},
		{"eu-west-1", "eu-west-1.compute.internal"},
	} {
		c := ec2.NewFromConfig(srv.AWSConfig(), func(o *ec2.Options) { o.Region = tc.region })
		def := vpcDhcp(t, c, aws.ToString(defaultVpcOf(t, c).VpcId))
		if len(def) < 5 || def[:5] != "dopt-" {
			t.Fatalf("%s: default VPC dhcpOptionsId = %q", tc.region, def)
		}
		if got := vpcDhcp(t, c, newVpc(t, c, "10.0.0.0/16")); got != def {
			t.Fatalf("%s: new VPC dhcpOptionsId = %q, want %q", tc.region, got, def)
		}
		var flt []types.Filter
		for _, kv := range [][2]string{{"key", "domain-name"}, {"value", tc.domain}, {"key", "domain-name-servers"}, {"value", "AmazonProvidedDNS"}} {
			flt = append(flt, filter(kv[0], kv[1])...)
		}
		out, err := c.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{Filters: flt})
		if err != nil || len(out.DhcpOptions) != 1 {
			t.Fatalf("%s: default set by filters = %+v, %v", tc.region, out, err)
		}
		d := out.DhcpOptions[0]
		want := map[string][]string{"domain-name": {tc.domain}, "domain-name-servers": {"AmazonProvidedDNS"}}
		if aws.ToString(d.DhcpOptionsId) != def || aws.ToString(d.OwnerId) != "000000000000" || d.Tags == nil ||
			len(dhcpConfig(d)) != 2 || !slices.Equal(dhcpConfig(d)["domain-name"], want["domain-name"]) ||
			!slices.Equal(dhcpConfig(d)["domain-name-servers"], want["domain-name-servers"]) {
			t.Fatalf("%s: default set = %+v", tc.region, d)
		}
	}
}

// A set's life as Terraform's aws_vpc_dhcp_options and
// aws_vpc_dhcp_options_association drive it.
func TestDhcpOptionsLifecycle(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	def := vpcDhcp(t, c, vpc)

	_, err := c.CreateDhcpOptions(ctx, &ec2.CreateDhcpOptionsInput{DhcpConfigurations: []types.NewDhcpConfiguration{{Key: aws.String("gateway"), Values: []string{"10.0.0.1"}}}})
	wantCode(t, err, "InvalidParameterValue")

	created, err := c.CreateDhcpOptions(ctx, &ec2.CreateDhcpOptionsInput{
		DhcpConfigurations: []types.NewDhcpConfiguration{
			{Key: aws.String("ntp-servers"), Values: []string{"10.0.0.10"}},
			{Key: aws.String("domain-name-servers"), Values: []string{"10.0.0.2", "10.0.0.3"}},
			{Key: aws.String("domain-name"), Values: []string{"corp.example"}},
		},
		TagSpecifications: tagSpec(types.ResourceTypeDhcpOptions, "Name", "corp"),
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.DhcpOptions.DhcpOptionsId)
	cfg := dhcpConfig(*created.DhcpOptions)
	if !slices.Equal(cfg["domain-name-servers"], []string{"10.0.0.2", "10.0.0.3"}) || cfg["domain-name"][0] != "corp.example" ||
		cfg["ntp-servers"][0] != "10.0.0.10" || len(created.DhcpOptions.Tags) != 1 {
		t.Fatalf("CreateDhcpOptions = %+v", created.DhcpOptions)
	}
	out, err := c.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{Filters: filter("tag:Name", "corp")})
	if err != nil || len(out.DhcpOptions) != 1 || aws.ToString(out.DhcpOptions[0].DhcpOptionsId) != id {
		t.Fatalf("DescribeDhcpOptions(tag:Name) = %+v, %v", out, err)
	}
	out, err = c.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{DhcpOptionsIds: []string{id}, Filters: filter("dhcp-options-id", def)})
	if err != nil || len(out.DhcpOptions) != 0 {
		t.Fatalf("DescribeDhcpOptions(id, other id filter) = %+v, %v", out, err)
	}

	// Associated, the set cannot go; "default" leaves the VPC with none.
	if _, err := c.AssociateDhcpOptions(ctx, &ec2.AssociateDhcpOptionsInput{DhcpOptionsId: aws.String(id), VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: filter("dhcp-options-id", id)})
	if err != nil || len(vpcs.Vpcs) != 1 || aws.ToString(vpcs.Vpcs[0].VpcId) != vpc {
		t.Fatalf("DescribeVpcs(dhcp-options-id) = %+v, %v", vpcs, err)
	}
	_, err = c.DeleteDhcpOptions(ctx, &ec2.DeleteDhcpOptionsInput{DhcpOptionsId: aws.String(id)})
	wantMessage(t, err, "DependencyViolation", id)
	_, err = c.AssociateDhcpOptions(ctx, &ec2.AssociateDhcpOptionsInput{DhcpOptionsId: aws.String("dopt-0123456789abcdef0"), VpcId: aws.String(vpc)})
	wantCode(t, err, "InvalidDhcpOptionID.NotFound")
	_, err = c.AssociateDhcpOptions(ctx, &ec2.AssociateDhcpOptionsInput{DhcpOptionsId: aws.String(id), VpcId: aws.String("vpc-0123456789abcdef0")})
	wantCode(t, err, "InvalidVpcID.NotFound")
	if got := vpcDhcp(t, c, vpc); got != id {
		t.Fatalf("after failed calls dhcpOptionsId = %q, want %q", got, id)
	}
	if _, err := c.AssociateDhcpOptions(ctx, &ec2.AssociateDhcpOptionsInput{DhcpOptionsId: aws.String("default"), VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	if got := vpcDhcp(t, c, vpc); got != "default" {
		t.Fatalf("after associating default dhcpOptionsId = %q", got)
	}
	if _, err := c.DeleteDhcpOptions(ctx, &ec2.DeleteDhcpOptionsInput{DhcpOptionsId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{DhcpOptionsIds: []string{id}})
	wantMessage(t, err, "InvalidDhcpOptionID.NotFound", id)
	_, err = c.DeleteDhcpOptions(ctx, &ec2.DeleteDhcpOptionsInput{DhcpOptionsId: aws.String(id)})
	wantCode(t, err, "InvalidDhcpOptionsID.NotFound")
	_, err = c.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{DhcpOptionsIds: []string{"vpc-1"}})
	wantCode(t, err, "InvalidDhcpOptionsId.Malformed")
	_, err = c.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{Filters: filter("domain-name", "x")})
	wantCode(t, err, "InvalidParameterValue")
}

// A scope settled before DHCP options were kept gets its default set, and
// its new VPCs are associated with it; the VPCs it had keep none, as they
// were described.
func TestDhcpOptionsOnOldScope(t *testing.T) {
	st := mem.New()
	err := model.Update(st, "000000000000", "us-east-1", func(tx model.Tx) error {
		if err := model.Put(tx, &model.EC2Defaults{VpcID: "vpc-00000000000000001"}); err != nil {
			return err
		}
		return model.Put(tx, &model.VPC{ID: "vpc-00000000000000001", CidrBlock: "172.31.0.0/16", State: "available", IsDefault: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := ec2svc.New(st, clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	mctx := api.WithMeta(context.Background(), api.Meta{Account: "000000000000", Region: "us-east-1"})
	created, err := svc.CreateVpc(mctx, &ec2svc.CreateVpcInput{CidrBlock: "10.0.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	sets, err := svc.DescribeDhcpOptions(mctx, &ec2svc.DescribeDhcpOptionsInput{})
	if err != nil || len(sets.DhcpOptions.Items) != 1 {
		t.Fatalf("DescribeDhcpOptions = %+v, %v", sets, err)
	}
	def := sets.DhcpOptions.Items[0].DhcpOptionsID
	if created.Vpc.DhcpOptionsID != def {
		t.Fatalf("new VPC dhcpOptionsId = %q, want %q", created.Vpc.DhcpOptionsID, def)
	}
	old, err := svc.DescribeVpcs(mctx, &ec2svc.DescribeVpcsInput{VpcIDs: []string{"vpc-00000000000000001"}})
	if err != nil || len(old.Vpcs) != 1 || old.Vpcs[0].DhcpOptionsID != "default" {
		t.Fatalf("old VPC = %+v, %v", old, err)
	}
}
