// Package elbv2 is Elastic Load Balancing v2: application and network load
// balancers, target groups and their targets, listeners and rules, tags. See
// README.md for the operations and where they differ from AWS.
//
// A load balancer's nodes are modeled as one requester-managed network
// interface per subnet, written in the same transaction as the balancer. The
// package never sees HTTP; it returns api.Error values with ELBv2's codes.
package elbv2
