// Package upstream is what stands behind an integration: compiled load
// balancers (ALB listener rules, NLB flow hashing), their target pools and
// selection policies, and the hop checks from a balancer's nodes to its
// targets. Balancers are compiled once from a model snapshot and then served
// read-only: picking a target takes no lock and reads no store. Runtime state
// (in-flight counts, round-robin positions) lives in a Registry keyed by
// identity, so it survives every recompile.
package upstream
