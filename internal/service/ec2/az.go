package ec2

import (
	"context"
	"fmt"
	"strings"

	"gatehouse/internal/api"
)

type DescribeAvailabilityZonesInput struct {
	ZoneNames []string `query:"ZoneName"`
	ZoneIDs   []string `query:"ZoneId"`
	Filters   []Filter `query:"Filter"`
	// AllAvailabilityZones asks for opt-in zones too; gatehouse has none, so
	// it changes nothing.
	AllAvailabilityZones bool `query:"AllAvailabilityZones"`
}

type DescribeAvailabilityZonesOutput struct {
	Zones []AvailabilityZone `xml:"availabilityZoneInfo>item"`
}

// AvailabilityZone is a zone as EC2 describes it.
type AvailabilityZone struct {
	ZoneName           string `xml:"zoneName"`
	ZoneID             string `xml:"zoneId"`
	State              string `xml:"zoneState"`
	OptInStatus        string `xml:"optInStatus"`
	RegionName         string `xml:"regionName"`
	GroupName          string `xml:"groupName"`
	NetworkBorderGroup string `xml:"networkBorderGroup"`
	ZoneType           string `xml:"zoneType"`
}

// zone is one availability zone of a region.
type zone struct {
	Name, ID string
}

// zonesOf lists a region's zones. us-east-1 really has six; three is what
// most other regions offer and all any multi-AZ layout needs. AWS shuffles
// the name-to-id mapping per account; gatehouse keeps it fixed (a is az1) so
// that tests and docs can rely on it.
func zonesOf(region string) []zone {
	n := 3
	if region == "us-east-1" {
		n = 6
	}
	code := regionCode(region)
	zs := make([]zone, n)
	for i := range zs {
		zs[i] = zone{Name: region + string(rune('a'+i)), ID: fmt.Sprintf("%s-az%d", code, i+1)}
	}
	return zs
}

// findZone returns the region's zone with the given name or id.
func findZone(region, name, id string) (zone, bool) {
	for _, z := range zonesOf(region) {
		if (name == "" || z.Name == name) && (id == "" || z.ID == id) {
			return z, true
		}
	}
	return zone{}, false
}

// directions shortens the middle words of a region name the way AWS's zone
// ids do (us-east-1 -> use1, ap-southeast-2 -> apse2, us-gov-west-1 ->
// usgw1).
var directions = map[string]string{
	"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
	"northeast": "ne", "southeast": "se", "northwest": "nw", "southwest": "sw",
}

func regionCode(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) < 3 {
		return region
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1 : len(parts)-1] {
		if d, ok := directions[p]; ok {
			b.WriteString(d)
		} else if p != "" {
			b.WriteByte(p[0])
		}
	}
	b.WriteString(parts[len(parts)-1])
	return b.String()
}

func (s *Service) DescribeAvailabilityZones(ctx context.Context, in *DescribeAvailabilityZonesInput) (*DescribeAvailabilityZonesOutput, error) {
	region := api.MetaFrom(ctx).Region
	if err := checkFilters(in.Filters, zoneFields(AvailabilityZone{})); err != nil {
		return nil, err
	}
	for _, name := range in.ZoneNames {
		if _, ok := findZone(region, name, ""); !ok {
			return nil, invalidValue("Invalid availability zone: [%s]", name)
		}
	}
	for _, id := range in.ZoneIDs {
		if _, ok := findZone(region, "", id); !ok {
			return nil, invalidValue("Invalid availability zone id: [%s]", id)
		}
	}
	out := &DescribeAvailabilityZonesOutput{}
	for _, z := range zonesOf(region) {
		if !asked(z, in.ZoneNames, in.ZoneIDs) {
			continue
		}
		shape := zoneShape(region, z)
		if ok, err := matchFilters(in.Filters, zoneFields(shape)); err != nil {
			return nil, err
		} else if ok {
			out.Zones = append(out.Zones, shape)
		}
	}
	return out, nil
}

// asked reports whether z is among the zones named by name or id; asking for
// none means all.
func asked(z zone, names, ids []string) bool {
	if len(names) == 0 && len(ids) == 0 {
		return true
	}
	for _, n := range names {
		if n == z.Name {
			return true
		}
	}
	for _, id := range ids {
		if id == z.ID {
			return true
		}
	}
	return false
}

func zoneShape(region string, z zone) AvailabilityZone {
	return AvailabilityZone{
		ZoneName:           z.Name,
		ZoneID:             z.ID,
		State:              "available",
		OptInStatus:        "opt-in-not-required",
		RegionName:         region,
		GroupName:          region + "-zg-1",
		NetworkBorderGroup: region,
		ZoneType:           "availability-zone",
	}
}

func zoneFields(z AvailabilityZone) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "zone-name":
			return []string{z.ZoneName}, true
		case "zone-id":
			return []string{z.ZoneID}, true
		case "state":
			return []string{z.State}, true
		case "region-name":
			return []string{z.RegionName}, true
		case "zone-type":
			return []string{z.ZoneType}, true
		case "group-name":
			return []string{z.GroupName}, true
		case "opt-in-status":
			return []string{z.OptInStatus}, true
		case "network-border-group":
			return []string{z.NetworkBorderGroup}, true
		}
		return nil, false
	}
}
