// Package network is pure functions over the model: CIDR arithmetic and
// address allocation, the verdict on a modeled flow (VPC placement, security
// groups, stateless network ACLs both ways) naming the deciding rule,
// the one rule that maps a modeled address to a real one (RealAddress), and
// later path resolution. It does no I/O and imports nothing of gatehouse but
// the model; opening sockets is the dial package's job alone.
package network
