package network

import (
	"encoding/binary"
	"net/netip"
)

// ReservedFirst and ReservedLast are the addresses AWS keeps in every subnet:
// the network address, the VPC router, DNS, one for future use, and the last
// address.
const ReservedFirst, ReservedLast = 4, 1

// ParseCIDR parses a canonical IPv4 CIDR block ("10.0.1.0/24"). A block with
// host bits set is not canonical.
func ParseCIDR(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, false
	}
	return p, true
}

// Size is the number of addresses in p.
func Size(p netip.Prefix) int {
	return 1 << (32 - p.Bits())
}

// Usable is the number of addresses AWS lets interfaces use in a subnet.
func Usable(p netip.Prefix) int {
	return Size(p) - ReservedFirst - ReservedLast
}

// Contains reports whether inner lies wholly inside outer.
func Contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// Overlaps reports whether two blocks share an address.
func Overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }

// Assignable reports whether addr may be given to an interface in subnet p.
func Assignable(p netip.Prefix, addr netip.Addr) bool {
	if !p.Contains(addr) {
		return false
	}
	off := offset(p, addr)
	return off >= ReservedFirst && off < Size(p)-ReservedLast
}

// NextFree returns the lowest assignable address of p not in used.
func NextFree(p netip.Prefix, used map[netip.Addr]bool) (netip.Addr, bool) {
	a := p.Addr()
	for i := 0; i < ReservedFirst; i++ {
		a = a.Next()
	}
	for i := ReservedFirst; i < Size(p)-ReservedLast; i++ {
		if !used[a] {
			return a, true
		}
		a = a.Next()
	}
	return netip.Addr{}, false
}

func offset(p netip.Prefix, a netip.Addr) int {
	x, y := a.As4(), p.Addr().As4()
	return int(binary.BigEndian.Uint32(x[:]) - binary.BigEndian.Uint32(y[:]))
}

// IsPrivate reports whether addr is in a range gatehouse models and must never
// dial: 10/8, 172.16/12, 192.168/16.
func IsPrivate(addr netip.Addr) bool {
	return addr.Is4() && addr.IsPrivate()
}
