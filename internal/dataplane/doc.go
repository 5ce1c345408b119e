// Package dataplane serves invoke URLs. It compiles the model into an
// immutable Snapshot (HTTP APIs, their stages and routes, and the load
// balancers behind them) whenever the store changes, swaps it in with one
// atomic store, and serves every request from the snapshot it loaded: no
// store read and no lock of ours on the request path. The pipelines of each
// API type live in sub-packages.
package dataplane
