package ec2_test

import (
	"context"
	"flag"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/model"
	"gatehouse/internal/service/ec2"
	"gatehouse/internal/store/mem"
	"gatehouse/internal/wire/query"
	"gatehouse/internal/wire/wiretest"
)

var update = flag.Bool("update", false, "rewrite the response half of each golden file from the handler's answer")

// goldenScope is the account and region the golden requests run in.
const goldenAccount, goldenRegion = "123456789012", "us-east-1"

// goldenSeed is a small account with fixed ids: its default VPC with one
// default subnet and the region's default DHCP options, and a VPC of the
// user's (with no DHCP options) with a subnet, a group with rules
// and an interface. The records are written straight into the store, so the
// answers depend on nothing random and compare byte for byte.
func goldenSeed() []model.Record {
	return []model.Record{
		&model.EC2Defaults{VpcID: "vpc-00000000000000001", DhcpOptionsID: "dopt-00000000000000001"},
		&model.DHCPOptions{ID: "dopt-00000000000000001", Configurations: []model.DHCPConfiguration{
			{Key: "domain-name", Values: []string{"ec2.internal"}},
			{Key: "domain-name-servers", Values: []string{"AmazonProvidedDNS"}},
		}},
		&model.VPC{ID: "vpc-00000000000000001", CidrBlock: "172.31.0.0/16", State: "available", InstanceTenancy: "default",
			IsDefault: true, DNSHostnames: true, DefaultSecurityGroup: "sg-00000000000000001", DhcpOptionsID: "dopt-00000000000000001"},
		&model.SecurityGroup{ID: "sg-00000000000000001", VpcID: "vpc-00000000000000001", Name: "default", Description: "default VPC security group",
			Ingress: []model.Rule{{ID: "sgr-00000000000000001", Protocol: "-1", FromPort: -1, ToPort: -1, GroupID: "sg-00000000000000001"}},
			Egress:  []model.Rule{{ID: "sgr-00000000000000002", Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"}}},
		&model.Subnet{ID: "subnet-00000000000000001", VpcID: "vpc-00000000000000001", CidrBlock: "172.31.0.0/20", AvailabilityZone: "us-east-1a",
			DefaultForAz: true, SubnetAttributes: model.SubnetAttributes{MapPublicIPOnLaunch: true}},

		&model.VPC{ID: "vpc-0000000000000000a", CidrBlock: "10.0.0.0/16", State: "available", DefaultSecurityGroup: "sg-0000000000000000a",
			Tags: model.Tags{"Name": "app"}},
		&model.SecurityGroup{ID: "sg-0000000000000000a", VpcID: "vpc-0000000000000000a", Name: "default", Description: "default VPC security group",
			Ingress: []model.Rule{{ID: "sgr-0000000000000000a", Protocol: "-1", FromPort: -1, ToPort: -1, GroupID: "sg-0000000000000000a"}},
			Egress:  []model.Rule{{ID: "sgr-0000000000000000b", Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"}}},
		&model.SecurityGroup{ID: "sg-0000000000000000b", VpcID: "vpc-0000000000000000a", Name: "web", Description: "web tier",
			Ingress: []model.Rule{
				{ID: "sgr-0000000000000000c", Protocol: "tcp", FromPort: 80, ToPort: 80, CidrIPv4: "10.0.0.0/16", Description: "from the VPC"},
				{ID: "sgr-0000000000000000d", Protocol: "tcp", FromPort: 80, ToPort: 80, GroupID: "sg-0000000000000000a"},
			},
			Egress: []model.Rule{{ID: "sgr-0000000000000000e", Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"}},
			Tags:   model.Tags{"tier": "web"}},
		&model.Subnet{ID: "subnet-0000000000000000a", VpcID: "vpc-0000000000000000a", CidrBlock: "10.0.1.0/24", AvailabilityZone: "us-east-1b"},
		&model.NetworkInterface{ID: "eni-0000000000000000a", SubnetID: "subnet-0000000000000000a", VpcID: "vpc-0000000000000000a",
			AvailabilityZone: "us-east-1b", PrivateIP: "10.0.1.10", MacAddress: "02:00:00:00:00:0a", Groups: []string{"sg-0000000000000000b"},
			Description: "backend", InterfaceType: "interface", Status: "available", Tags: model.Tags{"gatehouse:host": "127.0.0.1"}},

		// Each VPC's default ACL and main route table; the user's VPC also
		// has an ACL and a table of its own holding its subnet.
		goldenDefaultACL("acl-00000000000000001", "vpc-00000000000000001", "aclassoc-00000000000000001", "subnet-00000000000000001"),
		goldenDefaultACL("acl-0000000000000000a", "vpc-0000000000000000a"),
		&model.NetworkACL{ID: "acl-0000000000000000b", VpcID: "vpc-0000000000000000a", Tags: model.Tags{"Name": "web"},
			Entries: []model.ACLEntry{
				{RuleNumber: 100, Egress: true, Protocol: "-1", Action: "allow", CidrBlock: "0.0.0.0/0"},
				{RuleNumber: 32767, Egress: true, Protocol: "-1", Action: "deny", CidrBlock: "0.0.0.0/0"},
				{RuleNumber: 100, Protocol: "6", Action: "allow", CidrBlock: "10.0.0.0/16", FromPort: 80, ToPort: 80},
				{RuleNumber: 110, Protocol: "1", Action: "allow", CidrBlock: "10.0.0.0/16", ICMPType: 8, ICMPCode: -1},
				{RuleNumber: 32767, Protocol: "-1", Action: "deny", CidrBlock: "0.0.0.0/0"},
			},
			Associations: []model.ACLAssociation{{ID: "aclassoc-0000000000000000a", SubnetID: "subnet-0000000000000000a"}}},
		&model.RouteTable{ID: "rtb-00000000000000001", VpcID: "vpc-00000000000000001", Main: true,
			Routes:       []model.RouteEntry{{DestinationCidr: "172.31.0.0/16", GatewayID: "local", Origin: "CreateRouteTable"}},
			Associations: []model.RouteAssociation{{ID: "rtbassoc-00000000000000001", Main: true}}},
		&model.RouteTable{ID: "rtb-0000000000000000a", VpcID: "vpc-0000000000000000a", Main: true,
			Routes:       []model.RouteEntry{{DestinationCidr: "10.0.0.0/16", GatewayID: "local", Origin: "CreateRouteTable"}},
			Associations: []model.RouteAssociation{{ID: "rtbassoc-0000000000000000a", Main: true}}},
		&model.RouteTable{ID: "rtb-0000000000000000b", VpcID: "vpc-0000000000000000a", Tags: model.Tags{"Name": "private"},
			Routes: []model.RouteEntry{
				{DestinationCidr: "10.0.0.0/16", GatewayID: "local", Origin: "CreateRouteTable"},
				{DestinationCidr: "0.0.0.0/0", NetworkInterfaceID: "eni-0000000000000000a", Origin: "CreateRoute"},
				{DestinationCidr: "192.168.0.0/16", NetworkInterfaceID: "eni-0000000000000000f", Origin: "CreateRoute"},
			},
			Associations: []model.RouteAssociation{{ID: "rtbassoc-0000000000000000b", SubnetID: "subnet-0000000000000000a"}}},
	}
}

// goldenDefaultACL is a VPC's default ACL as EC2 makes it, holding the
// subnets given as association id and subnet id pairs.
func goldenDefaultACL(id, vpc string, assoc ...string) *model.NetworkACL {
	acl := &model.NetworkACL{ID: id, VpcID: vpc, IsDefault: true}
	for _, egress := range []bool{true, false} {
		acl.Entries = append(acl.Entries,
			model.ACLEntry{RuleNumber: 100, Egress: egress, Protocol: "-1", Action: "allow", CidrBlock: "0.0.0.0/0"},
			model.ACLEntry{RuleNumber: 32767, Egress: egress, Protocol: "-1", Action: "deny", CidrBlock: "0.0.0.0/0"})
	}
	for i := 0; i+1 < len(assoc); i += 2 {
		acl.Associations = append(acl.Associations, model.ACLAssociation{ID: assoc[i], SubnetID: assoc[i+1]})
	}
	return acl
}

// goldenHandler serves EC2's operations over the seeded store with fixed
// request metadata, as the edge would stamp it.
func goldenHandler(t *testing.T) http.Handler {
	st := mem.New()
	err := model.Update(st, goldenAccount, goldenRegion, func(tx model.Tx) error {
		for _, r := range goldenSeed() {
			if err := model.Put(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := ec2.New(st, clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	h := query.NewHandler(query.Flavor{EC2: true, Version: ec2.Version, XMLNS: ec2.XMLNS}, svc.Ops(), nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		meta := api.Meta{RequestID: "req-golden", Account: goldenAccount, Region: goldenRegion}
		h.ServeHTTP(w, r.WithContext(api.WithMeta(context.Background(), meta)))
	})
}

// TestGolden checks EC2's answers, as the Query family encodes them,
// against testdata/golden (format in wiretest): a list AWS always sends that
// goes missing, or an element renamed, fails here. go test -update
// rewrites the expected answers.
func TestGolden(t *testing.T) {
	wiretest.Golden(t, filepath.Join("testdata", "golden"), goldenHandler(t), *update)
}
