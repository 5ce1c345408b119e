package network

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"gatehouse/internal/model"
)

// HostTag is the ENI (or instance) tag that names the real machine behind a
// modeled address.
const HostTag = "gatehouse:host"

// The names of the two branches of the modeled-to-real rule, as RealAddress
// reports them, so that explain can say why a request went where it went.
const (
	RuleHostTag         = "eni-host-tag"
	RuleInstanceHostTag = "instance-host-tag"
	RuleLoopback        = "loopback"
)

// InterfaceLookup returns the ENI that owns a private address in the VPC the
// caller has in mind, or nil. Taking a function keeps RealAddress pure: the
// caller decides where interfaces come from (a snapshot, a store read).
type InterfaceLookup func(netip.Addr) *model.NetworkInterface

// InstanceLookup returns the EC2 instance with an id, or nil; RealAddress
// asks it for the instance an interface is attached to.
type InstanceLookup func(id string) *model.EC2Instance

// RealAddress is the one rule that turns a modeled address into one gatehouse
// may dial. The modeled network exists only as records, so a target at
// 10.0.1.15:8080 stands for a process somewhere real:
//
//   - if an ENI owns 10.0.1.15 and carries the tag gatehouse:host, the process
//     is on that host, at the same port (RuleHostTag);
//   - else, if that ENI is attached to an instance carrying the tag, on the
//     instance's host (RuleInstanceHostTag): an instance is tagged far more
//     often than its interface;
//   - otherwise it is on this machine: 127.0.0.1, same port (RuleLoopback).
//
// The port never changes, so one backend per port is the price of needing no
// configuration. An empty tag value counts as no tag. instances may be nil
// where no instance can own an address. RealAddress returns a host:port
// ready for dial.Dialer, and the name of the rule that applied.
func RealAddress(lookup InterfaceLookup, instances InstanceLookup, addr netip.Addr, port int) (real, rule string) {
	p := strconv.Itoa(port)
	if lookup != nil {
		if eni := lookup(addr.Unmap()); eni != nil {
			if host := hostOf(eni.Tags); host != "" {
				return net.JoinHostPort(host, p), RuleHostTag
			}
			if eni.Attachment != nil && instances != nil {
				if inst := instances(eni.Attachment.InstanceID); inst != nil {
					if host := hostOf(inst.Tags); host != "" {
						return net.JoinHostPort(host, p), RuleInstanceHostTag
					}
				}
			}
		}
	}
	return net.JoinHostPort("127.0.0.1", p), RuleLoopback
}

// hostOf is the host a gatehouse:host tag names, or "". A bracketed IPv6
// literal would be bracketed twice by JoinHostPort.
func hostOf(tags model.Tags) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(tags[HostTag]), "["), "]")
}

// InterfaceIndex finds ENIs by private address. Build one per VPC: the same
// address may be used in two VPCs.
type InterfaceIndex map[netip.Addr]*model.NetworkInterface

// IndexInterfaces indexes enis by address; interfaces whose address does not
// parse are left out.
func IndexInterfaces(enis []*model.NetworkInterface) InterfaceIndex {
	idx := make(InterfaceIndex, len(enis))
	for _, e := range enis {
		if a, err := netip.ParseAddr(e.PrivateIP); err == nil {
			idx[a.Unmap()] = e
		}
	}
	return idx
}

// Owner is an InterfaceLookup over idx.
func (idx InterfaceIndex) Owner(a netip.Addr) *model.NetworkInterface { return idx[a.Unmap()] }
