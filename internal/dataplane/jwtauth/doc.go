// Package jwtauth is the request-time half of HTTP APIs' JWT authorizers:
// an authorizer compiled from its record, the check of a request's token
// (signature, issuer, audience, times, scopes) with the answers AWS gives,
// and the cache of each issuer's signing keys, fetched over real HTTP from
// its OpenID discovery document and kept across compiles.
//
// The keys are read without a lock. The data plane warms an issuer when it
// compiles an API trusting it (Issuers.Warm). A request fetches them only when it
// names a key not held, at most once per issuer per RefreshInterval, and
// waits on a fetch already under way rather than starting another; keys
// older than MaxAge are fetched again in the background. Fetches reach
// this machine only (LoopbackClient). It must not read the store or the
// model beyond the authorizer record it compiles.
package jwtauth
