// Package cloudformation is AWS CloudFormation's stack API: stacks created,
// updated and deleted from templates, their events and resources, change
// sets, and exports. See README.md for the operations and where they differ
// from AWS.
//
// An operation answers once it is recorded as *_IN_PROGRESS; a worker per
// stack then runs it through a stack.Provisioner, which calls the other
// services' APIs as any client would. Every step is written to the store
// with its event before the next begins, so a restart finds exactly what
// was done: an interrupted create or update rolls back, a delete, a
// rollback or a cleanup carries on. The package never sees HTTP and never
// calls another service's code; it returns api.Error values with
// CloudFormation's codes.
package cloudformation
