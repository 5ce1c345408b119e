package dataplane

import (
	"time"

	"gatehouse/internal/network"
)

// Report explains the routes of one API stage, built from the compiled
// snapshot the data plane serves, so it cannot tell a different story from
// the one requests live through. It is plain data: internal/explain renders
// it, and it travels as JSON from the admin endpoint to the CLI.
type Report struct {
	API      string `json:"api"`
	Type     string `json:"type"` // HTTP or REST
	Stage    string `json:"stage"`
	Revision uint64 `json:"revision"`
	Paths    []Path `json:"paths"`
	// OK is false when any path is broken.
	OK bool `json:"ok"`
	// GroupNames are the names of security groups, by id, so that a
	// picture can show a group's name beside its id.
	GroupNames map[string]string `json:"groupNames,omitempty"`
	// now is when the report was made, for health that changes with time.
	now time.Time
}

// Path is one route (HTTP API) or method (REST API) followed to its
// targets.
type Path struct {
	// Route is the route key, or "METHOD /resource" for a REST method.
	Route string `json:"route"`
	// Request is what was matched to find Route, when the caller gave a
	// request rather than a key.
	Request     string          `json:"request,omitempty"`
	Integration IntegrationInfo `json:"integration"`
	Link        *LinkInfo       `json:"link,omitempty"`
	CloudMap    *CloudMapInfo   `json:"cloudMap,omitempty"`
	Balancer    *BalancerInfo   `json:"balancer,omitempty"`
	Hops        []Hop           `json:"hops"`
	OK          bool            `json:"ok"`
	// Problems are what breaks the path besides security groups (a link
	// not AVAILABLE, a missing listener); Fixes say what to change, one per
	// problem or denied hop.
	Problems []string `json:"problems,omitempty"`
	Fixes    []string `json:"fixes,omitempty"`
	// Failures are the answers callers get from each way a request along
	// this path can fail, each once; empty when every way reaches a
	// target. Partial is set when other ways succeed, so only some
	// requests fail.
	Failures []Failure `json:"failures,omitempty"`
	Partial  bool      `json:"partial,omitempty"`
	// Notes say what else is true of the path (a balancer failing open,
	// VPCs that must be connected) without breaking it.
	Notes []string `json:"notes,omitempty"`
}

// Failure is what a caller gets when a request fails one way: the status
// and message the API type answers with, and why.
type Failure struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Cause   string `json:"cause"`
}

// IntegrationInfo is the integration a route reaches.
type IntegrationInfo struct {
	ID            string `json:"id,omitempty"`
	Type          string `json:"type"`
	Private       bool   `json:"private"`
	Target        string `json:"target,omitempty"`
	TimeoutMillis int64  `json:"timeoutMillis"`
}

// LinkInfo is a VPC link of either kind.
type LinkInfo struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"` // "V2" or "v1"
	Status string `json:"status"`
	// Groups and ENIs belong to V2 links; EndpointService to v1 links.
	Groups          []string    `json:"groups,omitempty"`
	ENIs            []Interface `json:"enis,omitempty"`
	EndpointService string      `json:"endpointService,omitempty"`
}

// Interface is a modeled ENI.
type Interface struct {
	// Name is how hops call this interface, so pictures can join them.
	Name   string   `json:"name"`
	ID     string   `json:"id,omitempty"`
	Addr   string   `json:"addr"`
	Zone   string   `json:"zone,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

// CloudMapInfo is a Cloud Map service reached directly from a link.
type CloudMapInfo struct {
	Service   string       `json:"service"`
	Instances []TargetInfo `json:"instances"`
}

// BalancerInfo is the load balancer behind the link, with the listener and
// rule a request meets.
type BalancerInfo struct {
	Name   string   `json:"name"`
	ARN    string   `json:"arn"`
	Type   string   `json:"type"`
	Groups []string `json:"groups,omitempty"`
	// CrossZone is the balancer's cross-zone load balancing setting; a
	// target group may override it (PoolInfo.CrossZone).
	CrossZone bool        `json:"crossZone"`
	Nodes     []Interface `json:"nodes"`
	Listener  *Listener   `json:"listener,omitempty"`
	Rule      *RuleInfo   `json:"rule,omitempty"`
	Pools     []PoolInfo  `json:"targetGroups,omitempty"`
}

// Listener is the listener on the integration's port.
type Listener struct {
	ARN      string `json:"arn"`
	Protocol string `json:"protocol"`
	Port     int    `json:"port"`
}

// RuleInfo is the listener rule that matched.
type RuleInfo struct {
	ARN      string `json:"arn,omitempty"`
	Priority string `json:"priority"`
	Action   string `json:"action"`
}

// PoolInfo is a target group the rule forwards to.
type PoolInfo struct {
	ARN      string `json:"arn"`
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
	Weight   int    `json:"weight"`
	// CrossZone is whether a node sends to targets in every zone (true)
	// or only in its own.
	CrossZone bool         `json:"crossZone"`
	Targets   []TargetInfo `json:"targets"`
}

// TargetInfo is one target: where it is in the model, where gatehouse
// really dials, by which rule of network.RealAddress, and its health.
type TargetInfo struct {
	ID           string `json:"id"`
	Port         int    `json:"port"`
	Modeled      string `json:"modeled,omitempty"`
	Real         string `json:"real,omitempty"`
	AddrRule     string `json:"addrRule,omitempty"`
	Zone         string `json:"zone,omitempty"`
	Health       string `json:"health,omitempty"`
	HealthReason string `json:"healthReason,omitempty"`
	// ALB names the balancer behind an alb-type target.
	ALB string `json:"alb,omitempty"`
	// Function is the ARN of a lambda target's function, which the ALB
	// invokes: the path's last hop, with no address.
	Function string `json:"function,omitempty"`
}

// Hop is one network step with the security-group decision the request
// path obeys for it.
type Hop struct {
	// From and To name the ends ("eni-1 (link)", "node eni-2 of blog-api").
	From       string          `json:"from"`
	To         string          `json:"to"`
	FromAddr   string          `json:"fromAddr"`
	ToAddr     string          `json:"toAddr"`
	FromGroups []string        `json:"fromGroups,omitempty"`
	ToGroups   []string        `json:"toGroups,omitempty"`
	Protocol   string          `json:"protocol"`
	Port       int             `json:"port"`
	Verdict    network.Verdict `json:"verdict"`
	// Reason is Verdict.Reason(), kept as text because the verdict's
	// endpoints do not survive JSON.
	Reason string `json:"reason"`
	// ACLs are the network ACL decisions of a hop between two subnets,
	// in the order its packets meet them.
	ACLs []network.ACLCheck `json:"acls,omitempty"`
	Fix  string             `json:"fix,omitempty"`
}

// HealthStatus reports a target's health as DescribeTargetHealth would
// (health.Table.TargetHealth); "" means not yet probed.
type HealthStatus func(tgARN, targetID string, port int) (state, reason string)
