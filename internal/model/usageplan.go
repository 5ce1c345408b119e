package model

import "time"

// APIKey is a REST API key: a secret value callers send (x-api-key) to
// methods that require one, counted and limited by the usage plans it is on.
type APIKey struct {
	ID              string
	Name            string
	Description     string `json:",omitempty"`
	Value           string
	Enabled         bool
	CustomerID      string `json:",omitempty"`
	CreatedDate     time.Time
	LastUpdatedDate time.Time
	// StageKeys are "restApiId/stageName", kept and reported only: usage
	// plans, not stage keys, decide which stages a key opens.
	StageKeys []string `json:",omitempty"`
	Tags      Tags
}

func (APIKey) Kind() string  { return "apigw-apikey" }
func (k APIKey) Key() string { return k.ID }

// UsagePlan gives the API keys on it access to API stages, with a
// throttle per key and a quota per key.
type UsagePlan struct {
	ID          string
	Name        string
	Description string `json:",omitempty"`
	ProductCode string `json:",omitempty"`
	APIStages   []UsagePlanStage
	// Throttle applies to each key on its own; nil: none.
	Throttle *ThrottleSettings `json:",omitempty"`
	// Quota counts each key's requests over all the plan's stages; nil:
	// none.
	Quota *QuotaSettings `json:",omitempty"`
	// QuotaSince is when the quota was last set: its offset applies to
	// the period holding that moment.
	QuotaSince time.Time `json:",omitzero"`
	Tags       Tags
}

func (UsagePlan) Kind() string  { return "apigw-usageplan" }
func (p UsagePlan) Key() string { return p.ID }

// UsagePlanStage is one API stage a plan covers, with per-method
// throttles keyed "/resource/path/METHOD".
type UsagePlanStage struct {
	APIID    string
	Stage    string
	Throttle map[string]ThrottleSettings `json:",omitempty"`
}

// ThrottleSettings are a token bucket's refill rate (requests a second)
// and size.
type ThrottleSettings struct {
	RateLimit  float64
	BurstLimit int
}

// QuotaSettings limit a key's requests in each period (DAY, WEEK or MONTH,
// starting at midnight UTC, weeks on Sunday, months on the 1st); Offset
// requests are taken off the limit of the first period.
type QuotaSettings struct {
	Limit  int
	Offset int
	Period string
}

// PeriodStart is the start of the quota period holding t.
func (q QuotaSettings) PeriodStart(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch q.Period {
	case "WEEK":
		return day.AddDate(0, 0, -int(day.Weekday()))
	case "MONTH":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return day
}

// LimitAt is the quota's limit in the period starting at start: the
// offset comes off the period the quota was set in.
func (p *UsagePlan) LimitAt(start time.Time) int {
	if p.Quota == nil {
		return 0
	}
	if !p.QuotaSince.IsZero() && p.Quota.PeriodStart(p.QuotaSince).Equal(start) {
		return p.Quota.Limit - p.Quota.Offset
	}
	return p.Quota.Limit
}

// UsagePlanKey puts an API key on a usage plan. Key "planID/keyID".
type UsagePlanKey struct {
	PlanID string
	KeyID  string
}

func (UsagePlanKey) Kind() string  { return "apigw-usageplankey" }
func (k UsagePlanKey) Key() string { return k.PlanID + "/" + k.KeyID }

// Usage is what one key used of one plan, as the quota controller last
// wrote it. Key "planID/keyID". It is runtime state made durable, not
// configuration: snapshots do not index it, and writing it recompiles
// nothing.
type Usage struct {
	PlanID string
	KeyID  string
	// PeriodStart and Used are the quota period the counter is in and the
	// requests counted in it.
	PeriodStart time.Time
	Used        int64
	// Days counts requests by UTC day ("2006-01-02"), for GetUsage.
	Days map[string]int64 `json:",omitempty"`
	// Epoch grows with each UpdateUsage: a record whose epoch the
	// controller has not seen is a correction to load, not to overwrite.
	Epoch int64 `json:",omitempty"`
}

func (Usage) Kind() string  { return "apigw-usage" }
func (u Usage) Key() string { return u.PlanID + "/" + u.KeyID }

// UsageID names the quota counter of key keyID on plan planID in scope:
// the data plane counts under it, and the quota controller stores it.
func UsageID(s Scope, planID, keyID string) string {
	return s.Account + "/" + s.Region + "/" + planID + "/" + keyID
}
