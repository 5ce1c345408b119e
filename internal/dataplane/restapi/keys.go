package restapi

import (
	"net/http"
	"strings"
	"time"

	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/model"
	"gatehouse/internal/usage"
)

// keyring is what a stage knows of API keys: the grant of each enabled key
// on a usage plan that covers the stage, by key value. Only stages with a
// method requiring a key have one.
type keyring struct {
	// authorizer says the API's apiKeySource is AUTHORIZER: the key is
	// the one the request's authorizer returned, not the x-api-key header.
	authorizer bool
	grants     map[string]*grant
}

// grant is one key's access to one stage through its plan.
type grant struct {
	// id is the key's id, what $context.identity.apiKeyId names.
	id string
	// plan is the plan's throttle for this key (nil: none).
	plan *limit
	// methods are the plan's per-method throttles for this key, by
	// method; a method without one is not in it.
	methods map[*Method]*limit
	quota   *quotaRule
	counter *usage.Quota
}

// quotaRule is a plan's quota: its period, its limit, and the smaller
// limit of the period the offset applies to.
type quotaRule struct {
	settings   model.QuotaSettings
	limit      int64
	firstStart int64
	firstLimit int64
}

// Answers of the API key step, as AWS's gateway responses give them.
var (
	noKey        = refusal{http.StatusForbidden, "Forbidden", "ForbiddenException"}
	keyThrottled = refusal{http.StatusTooManyRequests, "Too Many Requests", "TooManyRequestsException"}
	overQuota    = refusal{http.StatusTooManyRequests, "Limit Exceeded", "LimitExceededException"}
)

const secondsPerDay = 24 * 60 * 60

type refusal struct {
	status        int
	message, kind string
}

// apiKey is the key a request presents: its x-api-key header, or, for an
// API whose key source is AUTHORIZER, the usageIdentifierKey its Lambda
// authorizer returned (authorized; "" when no authorizer ran).
func (k *keyring) apiKey(r *http.Request, authorized string) string {
	if k.authorizer {
		return authorized
	}
	if v := r.Header["X-Api-Key"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// keyID is the id of the key whose value is value, "" when the stage
// grants no such key.
func (k *keyring) keyID(value string) string {
	if k == nil {
		return ""
	}
	if g := k.grants[value]; g != nil {
		return g.id
	}
	return ""
}

// admit is the API key step of a method that requires a key, in AWS's
// order: a valid key on a plan for the stage, then the plan's per-method
// throttle and its throttle for the key, then the key's quota. It returns
// nil when the request may go on. No lock, no allocation (but for the
// first request of a quota period).
func (k *keyring) admit(r *http.Request, m *Method, authorized string, now time.Time) *refusal {
	g := k.grants[k.apiKey(r, authorized)]
	if g == nil {
		return &noKey
	}
	if l := g.methods[m]; l != nil && !l.allow(r.Method, now) {
		return &keyThrottled
	}
	if g.plan != nil && !g.plan.allow(r.Method, now) {
		return &keyThrottled
	}
	if q := g.quota; q != nil {
		start := q.settings.PeriodStart(now).Unix()
		limit := q.limit
		if start == q.firstStart {
			limit = q.firstLimit
		}
		if !g.counter.Take(start, limit, now.Unix()/secondsPerDay) {
			return &overQuota
		}
	}
	return nil
}

// compileKeys gives a stage whose methods require a key its keyring: the
// enabled keys on the plans that cover it, each with its throttles and
// quota counter. Buckets and counters outlive the compile, so changing a
// plan does not refill or reset them unless its limits change.
func compileKeys(sc *model.Scoped, a *model.RestAPI, stage *Stage, buckets *throttle.Registry, quotas *usage.Quotas) {
	var keyed []*Method
	for _, m := range stage.Methods() {
		if m.APIKeyRequired {
			keyed = append(keyed, m)
		}
	}
	if len(keyed) == 0 {
		return
	}
	ring := &keyring{authorizer: a.APIKeySource == "AUTHORIZER", grants: map[string]*grant{}}
	stage.keys = ring
	if quotas == nil {
		return
	}
	// The keys of each plan, read once for all the plans.
	onPlan := map[string][]*model.APIKey{}
	for _, pk := range sc.UsagePlanKeys {
		if key := sc.APIKeys[pk.KeyID]; key != nil && key.Enabled {
			onPlan[pk.PlanID] = append(onPlan[pk.PlanID], key)
		}
	}
	for _, plan := range sc.UsagePlans {
		var ps *model.UsagePlanStage
		for i := range plan.APIStages {
			if plan.APIStages[i].APIID == a.ID && plan.APIStages[i].Stage == stage.Name {
				ps = &plan.APIStages[i]
			}
		}
		if ps == nil {
			continue
		}
		var quota *quotaRule
		if q := plan.Quota; q != nil {
			quota = &quotaRule{settings: *q, limit: int64(q.Limit), firstStart: -1}
			if !plan.QuotaSince.IsZero() {
				first := q.PeriodStart(plan.QuotaSince)
				quota.firstStart, quota.firstLimit = first.Unix(), int64(plan.LimitAt(first))
			}
		}
		for _, key := range onPlan[plan.ID] {
			name := "usageplans/" + plan.ID + "/" + key.ID
			g := &grant{id: key.ID, quota: quota, counter: quotas.Quota(model.UsageID(sc.Scope, plan.ID, key.ID))}
			if t := plan.Throttle; t != nil {
				if b := buckets.Bucket(name, t.RateLimit, t.BurstLimit); b != nil {
					g.plan = &limit{bucket: b}
				}
			}
			for _, m := range keyed {
				if l := methodLimit(ps, m, name+" "+a.ID+"/"+stage.Name, buckets); l != nil {
					if g.methods == nil {
						g.methods = map[*Method]*limit{}
					}
					g.methods[m] = l
				}
			}
			ring.grants[key.Value] = g
		}
	}
}

// methodLimit is a plan stage's throttle for m: its own entry
// ("/pets/GET"), else the stage-wide "/*/*", in a bucket per method.
// Entries cannot name ANY, so an ANY method's requests draw on the
// entry of their own verb when there is one.
func methodLimit(ps *model.UsagePlanStage, m *Method, name string, buckets *throttle.Registry) *limit {
	if len(ps.Throttle) == 0 {
		return nil
	}
	settings := func(verb string) (model.ThrottleSettings, bool) {
		key := strings.TrimSuffix(m.Resource, "/") + "/" + verb
		if t, ok := ps.Throttle[key]; ok {
			return t, true
		}
		if m.Resource == "/" {
			if t, ok := ps.Throttle["//"+verb]; ok {
				return t, true
			}
		}
		return model.ThrottleSettings{}, false
	}
	bucket := func(verb string, t model.ThrottleSettings) *limit {
		if b := buckets.Bucket(name+" "+m.Resource+"/"+verb, t.RateLimit, t.BurstLimit); b != nil {
			return &limit{bucket: b}
		}
		return nil
	}
	var l *limit
	if t, ok := settings(m.HTTPMethod); ok {
		l = bucket(m.HTTPMethod, t)
	} else if t, ok := ps.Throttle["/*/*"]; ok {
		l = bucket(m.HTTPMethod, t)
	}
	if m.HTTPMethod != "ANY" {
		return l
	}
	for _, verb := range []string{"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD"} {
		if t, ok := settings(verb); ok {
			if v := bucket(verb, t); v != nil {
				if l == nil {
					l = &limit{}
				}
				if l.verbs == nil {
					l.verbs = map[string]*limit{}
				}
				l.verbs[verb] = v
			}
		}
	}
	return l
}
