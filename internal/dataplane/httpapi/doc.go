// Package httpapi is the HTTP API pipeline: route selection over a compiled
// stage, authorization (SigV4, JWT and Lambda authorizers), parameter
// mapping, and the integration call (private or public HTTP, or a Lambda
// function with AWS's 1.0 and 2.0 events, event.go and lambda.go), in
// serve.go, readable top to bottom. It works on compiled, immutable values
// only; it never reads the store and takes no lock of its own: a Lambda
// authorizer's answers are held in a concurrent map whose hits load
// without one.
package httpapi
