package apigateway

import (
	"context"
	"sort"
	"strconv"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// UsageSync brings the stored usage of one account and region up to date
// with the data plane's counters, and the counters with corrections stored
// since (UpdateUsage). The composition root hands the quota controller's
// to the service; without one, stored usage is read as it is.
type UsageSync func(ctx context.Context, account, region string) error

// SetUsageSync installs fn, called by GetUsage and UpdateUsage.
func (s *Service) SetUsageSync(fn UsageSync) { s.usageSync = fn }

func (s *Service) syncUsage(ctx context.Context) error {
	if s.usageSync == nil {
		return nil
	}
	m := api.MetaFrom(ctx)
	return s.usageSync(ctx, m.Account, m.Region)
}

// Usage is a plan's usage by key and day: [used, remaining] pairs.
type Usage struct {
	UsagePlanID string                `json:"usagePlanId"`
	StartDate   string                `json:"startDate,omitempty"`
	EndDate     string                `json:"endDate,omitempty"`
	Values      map[string][][2]int64 `json:"values"`
	Position    string                `json:"position,omitempty"`
}

type GetUsageInput struct {
	UsagePlanID string `path:"usagePlanId" json:"-"`
	KeyID       string `querystring:"keyId" json:"-"`
	StartDate   string `querystring:"startDate" json:"-"`
	EndDate     string `querystring:"endDate" json:"-"`
	Limit       *int32 `querystring:"limit" json:"-"`
	Position    string `querystring:"position" json:"-"`
}

type UpdateUsageInput struct {
	UsagePlanID     string           `path:"usagePlanId" json:"-"`
	KeyID           string           `path:"keyId" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

const dayLayout = "2006-01-02"

// maxUsageDays is how far back GetUsage reaches, and how long daily
// counts are kept: AWS keeps 90 days of usage.
const maxUsageDays = 90

// GetUsage reports, for each key on the plan (or keyId alone) that has
// usage, one [used, remaining] pair per day from startDate to endDate:
// the requests counted that day, and what the quota left at its end (0
// when the plan has no quota).
func (s *Service) GetUsage(ctx context.Context, in *GetUsageInput) (*Usage, error) {
	start, err := time.Parse(dayLayout, in.StartDate)
	if err != nil {
		return nil, badRequest("Invalid start date: %q (expected yyyy-MM-dd)", in.StartDate)
	}
	end, err := time.Parse(dayLayout, in.EndDate)
	if err != nil {
		return nil, badRequest("Invalid end date: %q (expected yyyy-MM-dd)", in.EndDate)
	}
	if end.Before(start) {
		return nil, badRequest("The end date must not be before the start date")
	}
	if end.Sub(start) > maxUsageDays*24*time.Hour {
		return nil, badRequest("The date range must not exceed %d days", maxUsageDays)
	}
	if err := s.syncUsage(ctx); err != nil {
		return nil, err
	}
	out := &Usage{UsagePlanID: in.UsagePlanID, StartDate: in.StartDate, EndDate: in.EndDate, Values: map[string][][2]int64{}}
	var plan *model.UsagePlan
	var records []*model.Usage
	err = s.view(ctx, func(tx model.Tx) error {
		var err error
		if plan, err = getPlan(tx, in.UsagePlanID); err != nil {
			return err
		}
		if in.KeyID != "" {
			if _, _, err := getPlanKey(tx, plan.ID, in.KeyID); err != nil {
				return err
			}
			rec, ok, err := model.Get[model.Usage](tx, plan.ID+"/"+in.KeyID)
			if ok {
				records = append(records, rec)
			}
			return err
		}
		records, err = model.ListPrefix[model.Usage](tx, plan.ID+"/")
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(records, func(i, j int) bool { return records[i].KeyID < records[j].KeyID })
	got, next, err := page(records, func(u *model.Usage) string { return u.KeyID }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out.Position = next
	for _, rec := range got {
		var days [][2]int64
		for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
			days = append(days, [2]int64{rec.Days[d.Format(dayLayout)], remainingAt(plan, rec, d)})
		}
		out.Values[rec.KeyID] = days
	}
	return out, nil
}

// remainingAt is what the quota left at the end of day: the period's
// limit less the days counted in the period up to day. In the period the
// counter is in now, an UpdateUsage correction (the counter's total over
// the days' sum) counts too.
func remainingAt(plan *model.UsagePlan, rec *model.Usage, day time.Time) int64 {
	if plan.Quota == nil {
		return 0
	}
	ps := plan.Quota.PeriodStart(day)
	used := int64(0)
	for d := ps; !d.After(day); d = d.AddDate(0, 0, 1) {
		used += rec.Days[d.Format(dayLayout)]
	}
	if ps.Equal(rec.PeriodStart) {
		counted := int64(0)
		for d, n := range rec.Days {
			if t, err := time.Parse(dayLayout, d); err == nil && !t.Before(ps) {
				counted += n
			}
		}
		used += rec.Used - counted
	}
	return max(int64(plan.LimitAt(ps))-used, 0)
}

// UpdateUsage sets what a key has left of its quota in the current period
// (replace /remaining): more than the limit extends it for the period.
func (s *Service) UpdateUsage(ctx context.Context, in *UpdateUsageInput) (*Usage, error) {
	remaining := int64(-1)
	for _, op := range in.PatchOperations {
		if op.Op != "replace" || op.Path != "/remaining" {
			return nil, badRequest("Invalid patch path '%s' specified for op '%s'. Must be one of: [/remaining]", op.Path, op.Op)
		}
		v := ""
		if op.Value != nil {
			v = *op.Value
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return nil, badRequest("Invalid remaining value: %q (expected a whole number, at least 0)", v)
		}
		remaining = n
	}
	if err := s.syncUsage(ctx); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	var rec *model.Usage
	err := s.update(ctx, func(tx model.Tx) error {
		plan, err := getPlan(tx, in.UsagePlanID)
		if err != nil {
			return err
		}
		if _, _, err := getPlanKey(tx, plan.ID, in.KeyID); err != nil {
			return err
		}
		if plan.Quota == nil {
			return badRequest("Usage plan %s has no quota to update", plan.ID)
		}
		rec, _, err = model.Get[model.Usage](tx, plan.ID+"/"+in.KeyID)
		if err != nil {
			return err
		}
		if rec == nil {
			rec = &model.Usage{PlanID: plan.ID, KeyID: in.KeyID}
		}
		ps := plan.Quota.PeriodStart(now)
		if !rec.PeriodStart.Equal(ps) {
			rec.PeriodStart, rec.Used = ps, 0
		}
		if remaining >= 0 {
			rec.Used = int64(plan.LimitAt(ps)) - remaining
			rec.Epoch++
		}
		return model.Put(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	if err := s.syncUsage(ctx); err != nil {
		return nil, err
	}
	return s.GetUsage(ctx, &GetUsageInput{UsagePlanID: in.UsagePlanID, KeyID: in.KeyID,
		StartDate: now.Format(dayLayout), EndDate: now.Format(dayLayout)})
}
