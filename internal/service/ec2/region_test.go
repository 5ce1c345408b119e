package ec2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

func TestDescribeRegions(t *testing.T) {
	c := servertest.Start(t).EC2()
	all, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil || len(all.Regions) < 17 {
		t.Fatalf("DescribeRegions = %+v, %v", all, err)
	}
	withAll, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)})
	if err != nil || len(withAll.Regions) != len(all.Regions) {
		t.Fatalf("AllRegions = %d regions, %v; want %d", len(withAll.Regions), err, len(all.Regions))
	}
	one, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"eu-west-1"}})
	if err != nil || len(one.Regions) != 1 || aws.ToString(one.Regions[0].RegionName) != "eu-west-1" ||
		aws.ToString(one.Regions[0].Endpoint) != "ec2.eu-west-1.amazonaws.com" || aws.ToString(one.Regions[0].OptInStatus) != "opt-in-not-required" {
		t.Fatalf("DescribeRegions(eu-west-1) = %+v, %v", one, err)
	}
	f, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{Filters: filter("region-name", "us-*")})
	if err != nil || len(f.Regions) != 4 {
		t.Fatalf("region-name us-* = %+v, %v", f, err)
	}
	f, err = c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{Filters: filter("opt-in-status", "opted-in"), RegionNames: []string{"af-south-1", "us-east-1"}})
	if err != nil || len(f.Regions) != 1 || aws.ToString(f.Regions[0].RegionName) != "af-south-1" {
		t.Fatalf("opted-in among two = %+v, %v", f, err)
	}
	_, err = c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"mars-north-1"}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{Filters: filter("colour", "x")})
	wantMessage(t, err, "InvalidParameterValue", "The filter 'colour' is invalid")
}

func TestDescribeAccountAttributes(t *testing.T) {
	c := servertest.Start(t).EC2()
	def := aws.ToString(defaultVpcOf(t, c).VpcId)
	out, err := c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{})
	if err != nil || len(out.AccountAttributes) != 6 {
		t.Fatalf("DescribeAccountAttributes = %+v, %v", out, err)
	}
	got := map[string]string{}
	for _, a := range out.AccountAttributes {
		if len(a.AttributeValues) != 1 {
			t.Fatalf("%s has %d values", aws.ToString(a.AttributeName), len(a.AttributeValues))
		}
		got[aws.ToString(a.AttributeName)] = aws.ToString(a.AttributeValues[0].AttributeValue)
	}
	if got["supported-platforms"] != "VPC" || got["default-vpc"] != def || got["max-instances"] != "20" {
		t.Fatalf("account attributes = %v", got)
	}
	one, err := c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{AttributeNames: []types.AccountAttributeName{types.AccountAttributeNameDefaultVpc}})
	if err != nil || len(one.AccountAttributes) != 1 || aws.ToString(one.AccountAttributes[0].AttributeName) != "default-vpc" {
		t.Fatalf("default-vpc alone = %+v, %v", one, err)
	}
	_, err = c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{AttributeNames: []types.AccountAttributeName{"colour"}})
	wantCode(t, err, "InvalidParameterValue")

	none := servertest.Start(t, servertest.NoDefaultVpc()).EC2()
	one, err = none.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{AttributeNames: []types.AccountAttributeName{types.AccountAttributeNameDefaultVpc}})
	if err != nil || aws.ToString(one.AccountAttributes[0].AttributeValues[0].AttributeValue) != "none" {
		t.Fatalf("default-vpc without one = %+v, %v", one, err)
	}
}
