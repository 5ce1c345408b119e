package model

import (
	"encoding/json"
	"math/rand/v2"
	"time"
)

// Namespace is a Cloud Map namespace: HTTP (found by API calls only) or
// private DNS (also a Route 53 hosted zone in one VPC).
type Namespace struct {
	ID               string
	ARN              string
	Name             string
	Type             string // HTTP | DNS_PRIVATE
	Description      string `json:",omitempty"`
	CreatorRequestID string `json:",omitempty"`
	// HTTPName is the name DiscoverInstances looks the namespace up by. It
	// is Name unless another namespace already answers to that name.
	HTTPName string
	// VpcID and HostedZoneID belong to private DNS namespaces.
	VpcID        string `json:",omitempty"`
	HostedZoneID string `json:",omitempty"`
	// SOATTL is the TTL of the zone's SOA record, when the caller set one.
	SOATTL     *int64 `json:",omitempty"`
	CreateDate time.Time
	Tags       Tags
}

func (Namespace) Kind() string  { return "sd-namespace" }
func (n Namespace) Key() string { return n.ID }

// CloudMapService is a Cloud Map service: a name in a namespace that
// instances register under.
type CloudMapService struct {
	ID               string
	ARN              string
	Name             string
	NamespaceID      string
	Description      string `json:",omitempty"`
	CreatorRequestID string `json:",omitempty"`
	// Type is HTTP (DiscoverInstances only) or DNS_HTTP (DNS records too).
	Type string
	DNS  *DNSConfig `json:",omitempty"`
	// HealthCheck is a Route 53 health check; CustomHealth means the owner
	// reports health with UpdateInstanceCustomHealthStatus. At most one is set.
	HealthCheck  *Route53HealthCheck `json:",omitempty"`
	CustomHealth bool                `json:",omitempty"`
	// InstancesRevision grows with every registration and deregistration,
	// never with health changes, as DiscoverInstances documents it.
	InstancesRevision int64
	CreateDate        time.Time
	Tags              Tags
}

func (CloudMapService) Kind() string  { return "sd-service" }
func (s CloudMapService) Key() string { return s.ID }

// DNSConfig is the records Cloud Map would create for each instance.
type DNSConfig struct {
	RoutingPolicy string // MULTIVALUE | WEIGHTED
	Records       []DNSRecord
}

// DNSRecord is one record type and its TTL.
type DNSRecord struct {
	Type string // A | AAAA | SRV | CNAME
	TTL  int64
}

// Route53HealthCheck is a service's Route 53 health-check settings.
type Route53HealthCheck struct {
	Type             string // HTTP | HTTPS | TCP
	ResourcePath     string `json:",omitempty"`
	FailureThreshold int
}

// Instance is one registered instance of a Cloud Map service. Instance ids
// are unique within their service only, so the record's key is both.
type Instance struct {
	ServiceID        string
	ID               string
	Attributes       map[string]string
	CreatorRequestID string `json:",omitempty"`
	// CustomHealth is the status in force for a service with a custom health
	// check; PendingHealth is one asked for that takes effect at PendingAt.
	CustomHealth  string     `json:",omitempty"`
	PendingHealth string     `json:",omitempty"`
	PendingAt     *time.Time `json:",omitempty"`
}

func (Instance) Kind() string  { return "sd-instance" }
func (i Instance) Key() string { return i.ServiceID + "/" + i.ID }

// CustomHealthDelay is how long Cloud Map waits after an
// UpdateInstanceCustomHealthStatus call before the new status counts.
const CustomHealthDelay = 30 * time.Second

// CustomHealthAt is the custom health status in force at now. Pending
// changes are not written back when they mature; every reader, the API and
// the data plane alike, evaluates them against its own clock.
func (i *Instance) CustomHealthAt(now time.Time) string {
	if i.PendingHealth != "" && i.PendingAt != nil && !now.Before(*i.PendingAt) {
		return i.PendingHealth
	}
	return i.CustomHealth
}

// Health statuses as Cloud Map reports them.
const (
	Healthy   = "HEALTHY"
	Unhealthy = "UNHEALTHY"
	Unknown   = "UNKNOWN"
)

// InstanceHealth is the status Cloud Map reports for an instance of svc:
// the custom status for custom health checks, HEALTHY under a Route 53
// check (gatehouse does not probe those), and UNKNOWN without any check.
func InstanceHealth(svc *CloudMapService, inst *Instance, now time.Time) string {
	switch {
	case svc.CustomHealth:
		if h := inst.CustomHealthAt(now); h != "" {
			return h
		}
		return Healthy
	case svc.HealthCheck != nil:
		return Healthy
	}
	return Unknown
}

// Discovery is a DiscoverInstances question about one service's instances.
type Discovery struct {
	// Query attributes must all match; Optional ones narrow the answer only
	// when some instance matches them too.
	Query, Optional map[string]string
	// Health is HEALTHY (the default), UNHEALTHY, ALL or HEALTHY_OR_ELSE_ALL.
	// It is ignored for services without a health check.
	Health string
	// Max bounds the answer; zero means no bound.
	Max int
}

// Discover answers d over instances of svc at now, in random order, as
// Cloud Map does so that callers spread their traffic. The API's
// DiscoverInstances and the data plane's Cloud Map integrations both call it,
// so they cannot disagree about which instances are eligible.
func Discover(svc *CloudMapService, instances []*Instance, d Discovery, now time.Time) []*Instance {
	var out []*Instance
	for _, in := range instances {
		if attributesMatch(in.Attributes, d.Query) {
			out = append(out, in)
		}
	}
	if svc.CustomHealth || svc.HealthCheck != nil {
		out = byHealth(svc, out, d.Health, now)
	}
	if len(d.Optional) > 0 {
		var narrowed []*Instance
		for _, in := range out {
			if attributesMatch(in.Attributes, d.Optional) {
				narrowed = append(narrowed, in)
			}
		}
		if len(narrowed) > 0 {
			out = narrowed
		}
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if d.Max > 0 && len(out) > d.Max {
		out = out[:d.Max]
	}
	return out
}

func byHealth(svc *CloudMapService, instances []*Instance, filter string, now time.Time) []*Instance {
	if filter == "ALL" {
		return instances
	}
	want := Healthy
	if filter == "UNHEALTHY" {
		want = Unhealthy
	}
	var out []*Instance
	for _, in := range instances {
		if InstanceHealth(svc, in, now) == want {
			out = append(out, in)
		}
	}
	if len(out) == 0 && filter == "HEALTHY_OR_ELSE_ALL" {
		return instances
	}
	return out
}

func attributesMatch(attrs, want map[string]string) bool {
	for k, v := range want {
		if got, ok := attrs[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// InstancesOf returns a service's instances in id order, with one prefix
// scan rather than a read of every instance in the scope.
func InstancesOf(tx Tx, serviceID string) ([]*Instance, error) {
	var out []*Instance
	err := tx.Tx.List(tx.prefix(Instance{}.Kind())+serviceID+"/", func(_ string, v []byte) error {
		rec := new(Instance)
		if err := json.Unmarshal(v, rec); err != nil {
			return err
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

// Operation is the record of one asynchronous Cloud Map change. gatehouse
// completes every change in the call that asks for it, so operations are
// born finished; they are kept so that GetOperation and ListOperations
// answer as they do on AWS.
type Operation struct {
	ID     string
	Type   string // CREATE_NAMESPACE | DELETE_NAMESPACE | UPDATE_SERVICE | REGISTER_INSTANCE | DEREGISTER_INSTANCE
	Status string // SUBMITTED | PENDING | SUCCESS | FAIL
	// Targets maps NAMESPACE, SERVICE and INSTANCE to the ids concerned.
	Targets map[string]string
	// NamespaceID and ServiceID relate the operation to its parents, for
	// ListOperations' filters.
	NamespaceID      string `json:",omitempty"`
	ServiceID        string `json:",omitempty"`
	CreatorRequestID string `json:",omitempty"`
	ErrorCode        string `json:",omitempty"`
	ErrorMessage     string `json:",omitempty"`
	CreateDate       time.Time
	UpdateDate       time.Time
}

func (Operation) Kind() string  { return "sd-operation" }
func (o Operation) Key() string { return o.ID }
