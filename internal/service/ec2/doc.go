// Package ec2 is the subset of Amazon EC2 that private integrations need:
// VPCs, subnets, security groups and their rules, network interfaces, tags and
// availability zones. See README.md for the operations and where they differ
// from AWS.
//
// Each operation validates its input, then makes its change in one store
// transaction: everything is written or nothing is. The package never sees
// HTTP; it returns api.Error values with EC2's codes.
package ec2
