// Package network is pure functions over the model: CIDR arithmetic and
// address allocation, security-group verdicts that name the deciding rule,
// and (later) path resolution and the modeled-to-real address rule. It does no
// I/O and imports nothing of gatehouse but the model.
package network
