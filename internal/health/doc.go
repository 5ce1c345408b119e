// Package health owns target health for ELBv2 target groups: the lock-free
// Table that the elbv2 service and the data plane read, and the Checker that
// fills it by probing real backends on each group's health-check settings.
//
// A probe is checked against the model before it is made: the hop from each
// of the balancer's node interfaces to the target must pass the network
// (network.Evaluate: one VPC, the security groups, the subnets' network ACLs
// both ways), or the probe behaves like a dropped packet and
// counts as a timeout without any socket being opened. Probes that pass go to
// the target's real address (network.RealAddress) through dial, never to a
// modeled private address. Rounds are scheduled on an injected clock.
//
// health reads the model and the store but never writes them, and must not
// import service, wire or data-plane packages: elbv2 depends on it, not the
// other way round.
package health
