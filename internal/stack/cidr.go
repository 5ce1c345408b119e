package stack

import (
	"math/big"
	"net/netip"
	"strconv"
)

// cidr computes Fn::Cidr: count consecutive blocks, each with cidrBits
// host bits, carved from the start of ipBlock.
func cidr(block string, count, cidrBits string) ([]any, error) {
	prefix, err := netip.ParsePrefix(block)
	if err != nil {
		return nil, evalErr("Template error: Fn::Cidr: invalid ip block %q", block)
	}
	n, err1 := strconv.Atoi(count)
	bits, err2 := strconv.Atoi(cidrBits)
	size := prefix.Addr().BitLen()
	if err1 != nil || n < 1 || n > 256 {
		return nil, evalErr("Template error: Fn::Cidr: the count of subnets must be a number from 1 to 256, not %q", count)
	}
	if err2 != nil || bits < 0 || bits > size {
		return nil, evalErr("Template error: Fn::Cidr: the subnet bits must be a number from 0 to %d, not %q", size, cidrBits)
	}
	length := size - bits
	if length < prefix.Bits() {
		return nil, evalErr("Template error: Fn::Cidr: subnets with %d host bits do not fit in %s", bits, block)
	}
	// The block holds 2^(length-prefix) subnets of that size.
	if room := length - prefix.Bits(); room < 9 && n > 1<<room {
		return nil, evalErr("Template error: Fn::Cidr: %s holds %d subnets with %d host bits, not %d", block, 1<<room, bits, n)
	}
	start := new(big.Int).SetBytes(prefix.Masked().Addr().AsSlice())
	step := new(big.Int).Lsh(big.NewInt(1), uint(bits))
	out := make([]any, 0, n)
	for i := 0; i < n; i++ {
		b := start.FillBytes(make([]byte, size/8))
		addr, _ := netip.AddrFromSlice(b)
		out = append(out, netip.PrefixFrom(addr, length).String())
		start.Add(start, step)
	}
	return out, nil
}
