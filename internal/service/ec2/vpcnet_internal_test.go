package ec2

import (
	"context"
	"testing"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/model"
	"gatehouse/internal/store/mem"
)

// A VPC stored before ACLs and route tables were kept gets its default ACL
// (holding its subnets) and main route table when first described, and a
// subnet created in it joins that ACL once.
func TestVpcStoredBeforeACLs(t *testing.T) {
	ctx := api.WithMeta(context.Background(), api.Meta{Account: "000000000000", Region: "us-east-1"})
	s := New(mem.New(), clocktest.New(time.Unix(0, 0)), WithoutDefaultVpc())
	vpc := &model.VPC{ID: "vpc-0123456789abcdef0", CidrBlock: "10.0.0.0/16", State: "available"}
	old := &model.Subnet{ID: "subnet-0123456789abcdef0", VpcID: vpc.ID, CidrBlock: "10.0.1.0/24", AvailabilityZone: "us-east-1a"}
	if err := s.update(ctx, func(tx model.Tx) error {
		if err := model.Put(tx, vpc); err != nil {
			return err
		}
		return model.Put(tx, old)
	}); err != nil {
		t.Fatal(err)
	}

	sn, err := s.CreateSubnet(ctx, &CreateSubnetInput{VpcID: vpc.ID, CidrBlock: "10.0.2.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.DescribeNetworkAcls(ctx, &DescribeNetworkAclsInput{Filters: []Filter{{Name: "vpc-id", Values: []string{vpc.ID}}}})
	if err != nil || len(out.NetworkACLs.Items) != 1 {
		t.Fatalf("DescribeNetworkAcls = %+v, %v", out, err)
	}
	acl := out.NetworkACLs.Items[0]
	if !acl.IsDefault || len(acl.Entries.Items) != 4 || len(acl.Associations.Items) != 2 ||
		acl.Associations.Items[0].SubnetID != old.ID || acl.Associations.Items[1].SubnetID != sn.Subnet.SubnetID {
		t.Fatalf("completed default ACL = %+v", acl)
	}
	var tables []*model.RouteTable
	if err := s.view(ctx, func(tx model.Tx) (err error) {
		tables, err = model.List[model.RouteTable](tx)
		return err
	}); err != nil || len(tables) != 1 || !tables[0].Main || tables[0].Routes[0].DestinationCidr != vpc.CidrBlock {
		t.Fatalf("route tables = %+v, %v", tables, err)
	}

	// Describing again creates nothing more.
	again, err := s.DescribeNetworkAcls(ctx, &DescribeNetworkAclsInput{})
	if err != nil || len(again.NetworkACLs.Items) != 1 || again.NetworkACLs.Items[0].NetworkACLID != acl.NetworkACLID {
		t.Fatalf("second DescribeNetworkAcls = %+v, %v", again, err)
	}
}

// An interface whose attachment names no instance (as a managed
// interface's may) is as live as a detached one, as the data plane has it.
func TestRouteToInterfaceAttachedToNoInstance(t *testing.T) {
	live := &targets{
		enis: map[string]*model.NetworkInterface{
			"eni-1": {ID: "eni-1", Attachment: &model.InterfaceAttachment{ID: "eni-attach-1", Status: "attached"}},
			"eni-2": {ID: "eni-2", Attachment: &model.InterfaceAttachment{ID: "eni-attach-2", InstanceID: "i-stopped", Status: "attached"}},
		},
		instances: map[string]*model.EC2Instance{"i-stopped": {ID: "i-stopped", State: "stopped"}},
	}
	if got := live.state(model.RouteEntry{NetworkInterfaceID: "eni-1"}); got != "active" {
		t.Errorf("route to an interface attached to no instance is %s, want active", got)
	}
	if got := live.state(model.RouteEntry{NetworkInterfaceID: "eni-2"}); got != "blackhole" {
		t.Errorf("route to an interface of a stopped instance is %s, want blackhole", got)
	}
}
