package ec2

import (
	"context"
	"testing"

	"gatehouse/internal/api"
	"gatehouse/internal/clock"
	"gatehouse/internal/model"
	"gatehouse/internal/store/mem"
)

// An interface carrying a group holds it, whoever created the interface. The
// interface is written straight into the store so this test does not depend
// on the network-interface operations.
func TestDeleteSecurityGroupInUseByInterface(t *testing.T) {
	s := New(mem.New(), clock.Real{})
	ctx := api.WithMeta(context.Background(), api.Meta{Account: "000000000000", Region: "us-east-1"})
	vpc, err := s.CreateVpc(ctx, &CreateVpcInput{CidrBlock: "10.0.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.CreateSecurityGroup(ctx, &CreateSecurityGroupInput{GroupName: "link", GroupDescription: "vpc link", VpcID: vpc.Vpc.VpcID})
	if err != nil {
		t.Fatal(err)
	}
	eni := &model.NetworkInterface{ID: api.NewID("eni"), VpcID: vpc.Vpc.VpcID, Groups: []string{g.GroupID}}
	if err := s.update(ctx, func(tx model.Tx) error { return model.Put(tx, eni) }); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteSecurityGroup(ctx, &DeleteSecurityGroupInput{GroupID: g.GroupID})
	if e, ok := err.(*api.Error); !ok || e.Code != "DependencyViolation" || e.Message != "resource "+g.GroupID+" has a dependent object" {
		t.Fatalf("delete group in use = %v, want DependencyViolation", err)
	}
	if err := s.update(ctx, func(tx model.Tx) error { return model.Delete(tx, eni) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteSecurityGroup(ctx, &DeleteSecurityGroupInput{GroupID: g.GroupID}); err != nil {
		t.Fatal(err)
	}
}
