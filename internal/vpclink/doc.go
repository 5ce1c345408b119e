// Package vpclink owns the life of a VPC link V2 after CreateVpcLink has
// answered: its network interfaces and its status.
//
// Provision and Release are the only code that places or removes a link's
// requester-managed interfaces. The apigatewayv2 service calls Provision
// (handed to it by the composition root, since services do not import this
// package) inside CreateVpcLink's transaction; the Controller calls both when
// a link wakes, goes idle or is deleted.
//
// The Controller follows the store and moves each link along:
//
//	PENDING   -> AVAILABLE  once the provisioning delay has passed
//	DELETING  -> (gone)     once the delay has passed; its interfaces go too
//	AVAILABLE -> INACTIVE   after the idle period without traffic; interfaces released
//	INACTIVE  -> PENDING    when the data plane wakes it (usage.Links.Wake),
//	                        with new interfaces
//
// Every transition is one store transaction that re-reads the link and
// re-checks that it is due, so a stale timer can never undo a newer change.
// Time comes from an injected clock; traffic from usage.Links, which the
// data plane writes. The package writes links and interfaces only: it never
// serves requests and must not import service, wire or data-plane packages.
package vpclink
