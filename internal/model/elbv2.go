package model

import "time"

// LoadBalancer is an ALB or NLB. Its nodes are modeled as one
// requester-managed network interface per subnet (Interfaces, by subnet id).
type LoadBalancer struct {
	ARN            string
	Name           string
	Type           string // application | network
	Scheme         string // internal | internet-facing
	IPAddressType  string
	VpcID          string
	Subnets        []string
	SecurityGroups []string
	Interfaces     map[string]string // subnet id -> ENI id
	DNSName        string
	State          string
	CreatedTime    time.Time
	Attributes     map[string]string
	Tags           Tags
}

func (LoadBalancer) Kind() string  { return "elb-loadbalancer" }
func (l LoadBalancer) Key() string { return l.ARN }

// TargetGroup is a pool of targets with a health check.
type TargetGroup struct {
	ARN             string
	Name            string
	Protocol        string
	ProtocolVersion string `json:",omitempty"`
	Port            int
	VpcID           string
	TargetType      string // instance | ip | alb | lambda
	IPAddressType   string
	HealthCheck     HealthCheck
	Attributes      map[string]string
	Targets         []Target
	Tags            Tags
}

func (TargetGroup) Kind() string  { return "elb-targetgroup" }
func (g TargetGroup) Key() string { return g.ARN }

// HealthCheck is a target group's health-check settings.
type HealthCheck struct {
	Enabled            bool
	Protocol           string
	Port               string // "traffic-port" or a number
	Path               string `json:",omitempty"`
	IntervalSeconds    int
	TimeoutSeconds     int
	HealthyThreshold   int
	UnhealthyThreshold int
	Matcher            string `json:",omitempty"` // HTTP codes: "200", "200-299", "200,302"
}

// Target is a registered target: an IP address (modeled), an instance or an
// ALB's ARN, with the port traffic goes to.
type Target struct {
	ID               string
	Port             int
	AvailabilityZone string `json:",omitempty"`
	// Draining targets were deregistered at DrainingSince and leave the group
	// when the deregistration delay has passed.
	DrainingSince *time.Time `json:",omitempty"`
}

// Listener is a load balancer's port and its default actions.
type Listener struct {
	ARN             string
	LoadBalancerARN string
	Port            int
	Protocol        string
	DefaultActions  []Action
	// DefaultRuleARN names the listener's default rule, which DescribeRules
	// lists with priority "default".
	DefaultRuleARN string
	// Certificates are the ARNs of an HTTPS or TLS listener's certificates,
	// the default one first; SslPolicy names its security policy.
	Certificates []string          `json:",omitempty"`
	SslPolicy    string            `json:",omitempty"`
	Attributes   map[string]string `json:",omitempty"`
	Tags         Tags
}

func (Listener) Kind() string  { return "elb-listener" }
func (l Listener) Key() string { return l.ARN }

// ListenerRule is a rule of an ALB listener. The default rule is not stored:
// it is the listener's DefaultActions.
type ListenerRule struct {
	ARN         string
	ListenerARN string
	Priority    int
	Conditions  []Condition
	Actions     []Action
	Tags        Tags
}

func (ListenerRule) Kind() string  { return "elb-rule" }
func (r ListenerRule) Key() string { return r.ARN }

// Action is what a listener or rule does with a request.
type Action struct {
	Type  string // forward | fixed-response | redirect
	Order int    `json:",omitempty"`
	// Forward: weighted target groups (a single TargetGroupArn is one group
	// of weight 1).
	TargetGroups []WeightedTargetGroup `json:",omitempty"`
	Stickiness   bool                  `json:",omitempty"`
	// Fixed response.
	StatusCode  string `json:",omitempty"`
	ContentType string `json:",omitempty"`
	MessageBody string `json:",omitempty"`
	// Redirect.
	Redirect *Redirect `json:",omitempty"`
}

// WeightedTargetGroup is one leg of a forward action.
type WeightedTargetGroup struct {
	ARN    string
	Weight int
}

// Redirect is a redirect action's target; "#{host}"-style placeholders keep
// the request's value.
type Redirect struct {
	Protocol, Host, Port, Path, Query, StatusCode string
}

// Condition is one rule condition. Field is path-pattern, host-header,
// http-header, http-request-method, query-string or source-ip.
type Condition struct {
	Field      string
	Values     []string   `json:",omitempty"`
	HeaderName string     `json:",omitempty"` // http-header
	Query      []KeyValue `json:",omitempty"` // query-string
}

// KeyValue is a query-string condition pair; an empty Key matches any key.
type KeyValue struct {
	Key, Value string
}

// DeregisterInstance deregisters an instance from every target group of
// the scope, on every port it was registered with, as Elastic Load
// Balancing does when the instance is terminated: each of its targets
// starts draining at now, as DeregisterTargets makes it, and leaves its
// group once the group's deregistration delay has passed. EC2 calls it in
// the transaction that terminates the instance, since services may not
// import each other. Targets already draining keep their start.
func DeregisterInstance(tx Tx, instanceID string, now time.Time) error {
	groups, err := List[TargetGroup](tx)
	if err != nil {
		return err
	}
	for _, tg := range groups {
		if tg.TargetType != "instance" {
			continue
		}
		changed := false
		for i, t := range tg.Targets {
			if t.ID == instanceID && t.DrainingSince == nil {
				since := now
				tg.Targets[i].DrainingSince = &since
				changed = true
			}
		}
		if !changed {
			continue
		}
		if err := Put(tx, tg); err != nil {
			return err
		}
	}
	return nil
}
