package model_test

import (
	"net/netip"
	"testing"

	"gatehouse/internal/model"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
)

// Two VPCs may use the same addresses; each lookup stays in its own VPC.
func TestInterfaceAtIsPerVPC(t *testing.T) {
	st := mem.New()
	_, err := st.Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "1", Region: "r"}
		for _, e := range []*model.NetworkInterface{
			{ID: "eni-a", VpcID: "vpc-a", PrivateIP: "10.0.1.10"},
			{ID: "eni-b", VpcID: "vpc-b", PrivateIP: "10.0.1.10"},
		} {
			if err := model.Put(mt, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, load := range []func() (*model.Snapshot, error){
		func() (*model.Snapshot, error) { return model.Load(st) },
		model.NewLoader(st).Load,
	} {
		snap, err := load()
		if err != nil {
			t.Fatal(err)
		}
		sc := snap.Scopes[model.Scope{Account: "1", Region: "r"}]
		ip := netip.MustParseAddr("10.0.1.10")
		if a, b := sc.InterfaceAt("vpc-a", ip), sc.InterfaceAt("vpc-b", ip); a == nil || a.ID != "eni-a" || b == nil || b.ID != "eni-b" {
			t.Fatalf("InterfaceAt = %v, %v", a, b)
		}
		if sc.InterfaceAt("vpc-c", ip) != nil {
			t.Fatal("found an interface in a VPC that has none")
		}
	}
}

// A loader reuses what did not change and sees what did.
func TestLoaderReusesUnchangedRecords(t *testing.T) {
	st := mem.New()
	put := func(id, cidr string) {
		st.Update(func(tx store.Tx) error {
			return model.Put(model.Tx{Tx: tx, Account: "1", Region: "r"}, &model.VPC{ID: id, CidrBlock: cidr})
		})
	}
	put("vpc-a", "10.0.0.0/16")
	put("vpc-b", "10.1.0.0/16")
	l := model.NewLoader(st)
	first, _ := l.Load()
	put("vpc-b", "10.2.0.0/16")
	second, _ := l.Load()
	scope := model.Scope{Account: "1", Region: "r"}
	if first.Scopes[scope].VPCs["vpc-a"] != second.Scopes[scope].VPCs["vpc-a"] {
		t.Error("an unchanged record was decoded again")
	}
	if got := second.Scopes[scope].VPCs["vpc-b"].CidrBlock; got != "10.2.0.0/16" {
		t.Errorf("changed record reads %s", got)
	}
	if again, _ := l.Load(); again != second {
		t.Error("the same revision was loaded twice")
	}
}
