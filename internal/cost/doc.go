// Package cost prices a month of traffic through an API's private
// integration, for the three architectures gatehouse runs: an HTTP API with a
// VPC link V2 and an ALB, a REST API with a VPC link v1 (PrivateLink) and an
// NLB, and a REST API with a VPC link V2 and an ALB.
//
// It is pure arithmetic over a prices document it is handed (Parse) or the
// one built in (Default, from prices.json): it reads no files, opens no
// sockets and imports nothing else of gatehouse, so the numbers can be
// checked by hand and by tests.
//
// What every estimate leaves out, because it is the same for all three or
// depends on the account rather than the architecture: data transfer out to
// clients, the 12-month free tier, caching, and other traffic sharing the
// account's request tiers (the tiers are counted as if this API were the
// account's only one in the region).
package cost
