package model

import "net/netip"

// TargetAddress resolves a registered target of an ip or instance group to
// the address traffic and health checks go to: an instance target is its
// primary interface's address. ok is false for an id that is not an
// address, an unknown instance, or an instance that is not running: such a
// target gets neither traffic nor health checks, as ELB treats a stopped
// instance.
//
// The data plane and the health checker both resolve targets here, so that
// they can never disagree about where a target is.
func (sc *Scoped) TargetAddress(tg *TargetGroup, id string) (addr netip.Addr, ok bool) {
	if tg.TargetType == "instance" {
		inst := sc.EC2Instances[id]
		if inst == nil || inst.State != "running" {
			return addr, false
		}
		a, err := netip.ParseAddr(inst.PrivateIP)
		return a.Unmap(), err == nil
	}
	a, err := netip.ParseAddr(id)
	return a.Unmap(), err == nil
}

// EC2Instance returns the instance with id, or nil: a
// network.InstanceLookup over the scope.
func (sc *Scoped) EC2Instance(id string) *EC2Instance { return sc.EC2Instances[id] }
