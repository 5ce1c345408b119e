package network_test

import (
	"net/netip"
	"testing"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

func TestAllocation(t *testing.T) {
	p := netip.MustParsePrefix("10.0.1.0/28")
	enis := []*model.NetworkInterface{{PrivateIP: "10.0.1.4"}, {PrivateIP: "10.0.1.6"}, {PrivateIP: "garbage"}}
	used := network.Addresses(enis)
	if len(used) != 2 {
		t.Fatalf("Addresses = %v, want the two valid ones", used)
	}
	if a, ok := network.NextFree(p, used); !ok || a.String() != "10.0.1.5" {
		t.Fatalf("NextFree = %v, %v; want 10.0.1.5", a, ok)
	}
	for addr, want := range map[string]bool{
		"10.0.1.0": false, "10.0.1.3": false, "10.0.1.4": true, "10.0.1.14": true, "10.0.1.15": false, "10.0.2.4": false,
	} {
		if got := network.Assignable(p, netip.MustParseAddr(addr)); got != want {
			t.Errorf("Assignable(%s) = %v, want %v", addr, got, want)
		}
	}
	if n := network.Usable(p); n != 11 {
		t.Fatalf("Usable(/28) = %d, want 11", n)
	}
	full := map[netip.Addr]bool{}
	for a := netip.MustParseAddr("10.0.1.4"); p.Contains(a); a = a.Next() {
		full[a] = true
	}
	if _, ok := network.NextFree(p, full); ok {
		t.Fatal("NextFree found an address in a full subnet")
	}
}
