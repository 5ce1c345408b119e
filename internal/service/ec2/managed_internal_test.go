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

// Requester-managed interfaces cannot be made through the API, so this test
// writes one the way a load balancer or VPC link does: straight into the
// model, with an address from the shared pool.
func TestRequesterManagedInterface(t *testing.T) {
	ctx := api.WithMeta(context.Background(), api.Meta{Account: "000000000000", Region: "us-east-1"})
	s := New(mem.New(), clocktest.New(time.Unix(0, 0)))
	vpc, err := s.CreateVpc(ctx, &CreateVpcInput{CidrBlock: "10.0.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := s.CreateSubnet(ctx, &CreateSubnetInput{VpcID: vpc.Vpc.VpcID, CidrBlock: "10.0.1.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	subnetID := sn.Subnet.SubnetID
	managed := &model.NetworkInterface{
		ID: api.NewID("eni"), SubnetID: subnetID, VpcID: vpc.Vpc.VpcID, AvailabilityZone: "us-east-1a",
		PrivateIP: "10.0.1.4", InterfaceType: "network_load_balancer", Status: "in-use",
		RequesterManaged: true, RequesterID: "amazon-elb", Description: "ELB net/lb/0123",
	}
	if err := s.update(ctx, func(tx model.Tx) error { return model.Put(tx, managed) }); err != nil {
		t.Fatal(err)
	}

	// A user's interface gets the next address, not the balancer's.
	own, err := s.CreateNetworkInterface(ctx, &CreateNetworkInterfaceInput{SubnetID: subnetID})
	if err != nil || own.NetworkInterface.PrivateIPAddress != "10.0.1.5" {
		t.Fatalf("CreateNetworkInterface beside a managed ENI = %+v, %v", own, err)
	}
	d, err := s.DescribeNetworkInterfaces(ctx, &DescribeNetworkInterfacesInput{Filters: []Filter{{Name: "requester-managed", Values: []string{"true"}}}})
	if err != nil || len(d.NetworkInterfaces) != 1 {
		t.Fatalf("DescribeNetworkInterfaces(requester-managed) = %+v, %v", d, err)
	}
	got := d.NetworkInterfaces[0]
	if !got.RequesterManaged || got.RequesterID != "amazon-elb" || got.Status != "in-use" || got.InterfaceType != "network_load_balancer" {
		t.Fatalf("managed ENI = %+v", got)
	}
	// It is attached to the service that made it, under an ela-attach id.
	if a := got.Attachment; a == nil || a.AttachmentID != "ela-attach-"+managed.ID[len("eni-"):] || a.InstanceOwnerID != "amazon-elb" ||
		a.Status != "attached" || a.InstanceID != "" {
		t.Fatalf("managed ENI attachment = %+v", got.Attachment)
	}
	subnets, err := s.DescribeSubnets(ctx, &DescribeSubnetsInput{SubnetIDs: []string{subnetID}})
	if err != nil || subnets.Subnets[0].AvailableIPAddressCount != 249 {
		t.Fatalf("subnet with two ENIs = %+v, %v", subnets, err)
	}

	_, err = s.DeleteNetworkInterface(ctx, &DeleteNetworkInterfaceInput{NetworkInterfaceID: managed.ID})
	if e := api.AsError(err); err == nil || e.Code != "InvalidParameterValue" {
		t.Fatalf("DeleteNetworkInterface(managed) = %v", err)
	}
	// Its groups, description and check belong to the service that made it.
	off, desc := false, "mine now"
	for _, in := range []*ModifyNetworkInterfaceAttributeInput{
		{NetworkInterfaceID: managed.ID, Description: &AttributeStringValue{Value: &desc}},
		{NetworkInterfaceID: managed.ID, SourceDestCheck: &AttributeBooleanValue{Value: &off}},
	} {
		_, err = s.ModifyNetworkInterfaceAttribute(ctx, in)
		if e := api.AsError(err); err == nil || e.Code != "OperationNotPermitted" {
			t.Fatalf("ModifyNetworkInterfaceAttribute(managed) = %v", err)
		}
	}
	if _, err := s.DeleteNetworkInterface(ctx, &DeleteNetworkInterfaceInput{NetworkInterfaceID: own.NetworkInterface.NetworkInterfaceID}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteSubnet(ctx, &DeleteSubnetInput{SubnetID: subnetID})
	if e := api.AsError(err); err == nil || e.Code != "DependencyViolation" {
		t.Fatalf("DeleteSubnet with a managed ENI = %v", err)
	}
}

// An interface attached to an instance (as RunInstances leaves its primary
// one) has its DeleteOnTermination changed through its attachment id.
func TestAttachmentDeleteOnTermination(t *testing.T) {
	ctx := api.WithMeta(context.Background(), api.Meta{Account: "000000000000", Region: "us-east-1"})
	s := New(mem.New(), clocktest.New(time.Unix(0, 0)))
	vpc, err := s.CreateVpc(ctx, &CreateVpcInput{CidrBlock: "10.0.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := s.CreateSubnet(ctx, &CreateSubnetInput{VpcID: vpc.Vpc.VpcID, CidrBlock: "10.0.1.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	eni, err := s.CreateNetworkInterface(ctx, &CreateNetworkInterfaceInput{SubnetID: sn.Subnet.SubnetID})
	if err != nil {
		t.Fatal(err)
	}
	id := eni.NetworkInterface.NetworkInterfaceID
	attach := &model.InterfaceAttachment{ID: "eni-attach-0123456789abcdef0", InstanceID: "i-0123456789abcdef0", Status: "attached",
		AttachTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), DeleteOnTermination: true}
	if err := s.update(ctx, func(tx model.Tx) error {
		e, err := getInterface(tx, id)
		if err != nil {
			return err
		}
		e.Attachment, e.Status = attach, "in-use"
		return model.Put(tx, e)
	}); err != nil {
		t.Fatal(err)
	}
	no := false
	if _, err := s.ModifyNetworkInterfaceAttribute(ctx, &ModifyNetworkInterfaceAttributeInput{NetworkInterfaceID: id,
		Attachment: &AttachmentChanges{AttachmentID: attach.ID, DeleteOnTermination: &no}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.DescribeNetworkInterfaceAttribute(ctx, &DescribeNetworkInterfaceAttributeInput{NetworkInterfaceID: id, Attribute: "attachment"})
	if err != nil {
		t.Fatal(err)
	}
	if a := got.Attachment; a == nil || a.AttachmentID != attach.ID || a.DeleteOnTermination || a.InstanceID != attach.InstanceID ||
		a.AttachTime != "2026-01-02T03:04:05.000Z" || a.InstanceOwnerID != "000000000000" {
		t.Fatalf("attachment = %+v", got.Attachment)
	}
	_, err = s.ModifyNetworkInterfaceAttribute(ctx, &ModifyNetworkInterfaceAttributeInput{NetworkInterfaceID: id,
		Attachment: &AttachmentChanges{AttachmentID: "eni-attach-00000000000000000", DeleteOnTermination: &no}})
	if e := api.AsError(err); err == nil || e.Code != "InvalidAttachmentID.NotFound" {
		t.Fatalf("another attachment id = %v", err)
	}
}
