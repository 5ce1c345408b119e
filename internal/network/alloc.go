package network

import (
	"net/netip"

	"gatehouse/internal/model"
)

// Addresses is the set of private addresses held by enis, in the form
// NextFree takes. Records whose address does not parse hold nothing, so a
// damaged record cannot block allocation.
func Addresses(enis []*model.NetworkInterface) map[netip.Addr]bool {
	used := make(map[netip.Addr]bool, len(enis))
	for _, e := range enis {
		if a, err := netip.ParseAddr(e.PrivateIP); err == nil {
			used[a] = true
		}
	}
	return used
}
