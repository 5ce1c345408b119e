package ec2

import (
	"context"

	"gatehouse/internal/model"
)

type DescribeRegionsInput struct {
	RegionNames []string `query:"RegionName"`
	Filters     []Filter `query:"Filter"`
	// AllRegions asks for regions the account has not opted in to as
	// well; every region gatehouse knows is enabled, so it changes nothing.
	AllRegions bool `query:"AllRegions"`
}

type DescribeRegionsOutput struct {
	Regions []Region `xml:"regionInfo>item"`
}

// Region is a region as EC2 describes it.
type Region struct {
	RegionName  string `xml:"regionName"`
	Endpoint    string `xml:"regionEndpoint"`
	OptInStatus string `xml:"optInStatus"`
}

// regions are AWS's commercial regions. gatehouse serves any region a
// request is signed for; these are the ones it names when asked. The first
// group needs no opt-in on AWS; the rest are opt-in regions, which
// gatehouse reports as opted in, since it serves them all.
var regions = []struct {
	name  string
	optIn bool
}{
	{"ap-northeast-1", false}, {"ap-northeast-2", false}, {"ap-northeast-3", false},
	{"ap-south-1", false}, {"ap-southeast-1", false}, {"ap-southeast-2", false},
	{"ca-central-1", false}, {"eu-central-1", false}, {"eu-north-1", false},
	{"eu-west-1", false}, {"eu-west-2", false}, {"eu-west-3", false},
	{"sa-east-1", false}, {"us-east-1", false}, {"us-east-2", false},
	{"us-west-1", false}, {"us-west-2", false},
	{"af-south-1", true}, {"ap-east-1", true}, {"ap-south-2", true},
	{"ap-southeast-3", true}, {"ap-southeast-4", true}, {"ap-southeast-5", true},
	{"ap-southeast-7", true}, {"ca-west-1", true}, {"eu-central-2", true},
	{"eu-south-1", true}, {"eu-south-2", true}, {"il-central-1", true},
	{"me-central-1", true}, {"me-south-1", true}, {"mx-central-1", true},
}

func (s *Service) DescribeRegions(_ context.Context, in *DescribeRegionsInput) (*DescribeRegionsOutput, error) {
	if err := checkFilters(in.Filters, regionFields(Region{})); err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, r := range regions {
		known[r.name] = true
	}
	asked := map[string]bool{}
	for _, n := range in.RegionNames {
		if !known[n] {
			return nil, invalidValue("Invalid region: %s", n)
		}
		asked[n] = true
	}
	out := &DescribeRegionsOutput{}
	for _, r := range regions {
		if len(asked) > 0 && !asked[r.name] {
			continue
		}
		shape := Region{RegionName: r.name, Endpoint: "ec2." + r.name + ".amazonaws.com", OptInStatus: "opt-in-not-required"}
		if r.optIn {
			shape.OptInStatus = "opted-in"
		}
		if ok, err := matchFilters(in.Filters, regionFields(shape)); err != nil {
			return nil, err
		} else if ok {
			out.Regions = append(out.Regions, shape)
		}
	}
	return out, nil
}

func regionFields(r Region) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "region-name":
			return []string{r.RegionName}, true
		case "endpoint":
			return []string{r.Endpoint}, true
		case "opt-in-status":
			return []string{r.OptInStatus}, true
		}
		return nil, false
	}
}

type DescribeAccountAttributesInput struct {
	AttributeNames []string `query:"AttributeName"`
}

type DescribeAccountAttributesOutput struct {
	Attributes []AccountAttribute `xml:"accountAttributeSet>item"`
}

// AccountAttribute is one named account setting and its values.
type AccountAttribute struct {
	Name   string                  `xml:"attributeName"`
	Values []accountAttributeValue `xml:"attributeValueSet>item"`
}

type accountAttributeValue struct {
	Value string `xml:"attributeValue"`
}

// accountAttributes are the names DescribeAccountAttributes answers, in
// AWS's order.
var accountAttributes = []string{
	"supported-platforms", "default-vpc", "max-instances",
	"vpc-max-security-groups-per-interface", "max-elastic-ips", "vpc-max-elastic-ips",
}

// DescribeAccountAttributes reports the account's settings in the region:
// VPC as its only platform, its default VPC ("none" without one), and AWS's
// default quotas.
func (s *Service) DescribeAccountAttributes(ctx context.Context, in *DescribeAccountAttributesInput) (*DescribeAccountAttributesOutput, error) {
	want := map[string]bool{}
	for _, n := range in.AttributeNames {
		found := false
		for _, a := range accountAttributes {
			found = found || a == n
		}
		if !found {
			return nil, invalidValue("Value (%s) for parameter attributeName is invalid. Unknown attribute.", n)
		}
		want[n] = true
	}
	def := "none"
	err := s.view(ctx, func(tx model.Tx) error {
		vpc, ok, err := defaultVpc(tx)
		if ok {
			def = vpc.ID
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	values := map[string]string{
		"supported-platforms":                   "VPC",
		"default-vpc":                           def,
		"max-instances":                         "20",
		"vpc-max-security-groups-per-interface": "5",
		"max-elastic-ips":                       "5",
		"vpc-max-elastic-ips":                   "5",
	}
	out := &DescribeAccountAttributesOutput{}
	for _, a := range accountAttributes {
		if len(want) > 0 && !want[a] {
			continue
		}
		out.Attributes = append(out.Attributes, AccountAttribute{Name: a, Values: []accountAttributeValue{{values[a]}}})
	}
	return out, nil
}
