// Package httpapi is the HTTP API pipeline: route selection over a compiled
// stage, parameter mapping, and the private or public integration call, in
// serve.go, readable top to bottom. It works on compiled, immutable values
// only; it never reads the store and takes no lock.
package httpapi
