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
	if _, err := s.DeleteNetworkInterface(ctx, &DeleteNetworkInterfaceInput{NetworkInterfaceID: own.NetworkInterface.NetworkInterfaceID}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteSubnet(ctx, &DeleteSubnetInput{SubnetID: subnetID})
	if e := api.AsError(err); err == nil || e.Code != "DependencyViolation" {
		t.Fatalf("DeleteSubnet with a managed ENI = %v", err)
	}
}
