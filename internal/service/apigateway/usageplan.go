package apigateway

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/model"
)

// UsagePlan is a usage plan as the v1 API shows it.
type UsagePlan struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	APIStages   []APIStage        `json:"apiStages"`
	Throttle    *Throttle         `json:"throttle,omitempty"`
	Quota       *Quota            `json:"quota,omitempty"`
	ProductCode string            `json:"productCode,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

// APIStage is a stage a plan covers, with throttles per method
// ("/pets/GET").
type APIStage struct {
	APIID    string              `json:"apiId"`
	Stage    string              `json:"stage"`
	Throttle map[string]Throttle `json:"throttle,omitempty"`
}

type Throttle struct {
	BurstLimit int     `json:"burstLimit"`
	RateLimit  float64 `json:"rateLimit"`
}

type Quota struct {
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
	Period string `json:"period,omitempty"`
}

type CreateUsagePlanInput struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	APIStages   []APIStage        `json:"apiStages"`
	Throttle    *Throttle         `json:"throttle"`
	Quota       *Quota            `json:"quota"`
	Tags        map[string]string `json:"tags"`
}

type UsagePlanIDInput struct {
	UsagePlanID string `path:"usagePlanId" json:"-"`
}

type GetUsagePlansInput struct {
	KeyID    string `querystring:"keyId" json:"-"`
	Limit    *int32 `querystring:"limit" json:"-"`
	Position string `querystring:"position" json:"-"`
}

type GetUsagePlansOutput struct {
	Items    []UsagePlan `json:"item"`
	Position string      `json:"position,omitempty"`
}

type UpdateUsagePlanInput struct {
	UsagePlanID     string           `path:"usagePlanId" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

// UsagePlanKey is a key on a plan, as the v1 API shows it.
type UsagePlanKey struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Name  string `json:"name,omitempty"`
	Value string `json:"value"`
}

type CreateUsagePlanKeyInput struct {
	UsagePlanID string `path:"usagePlanId" json:"-"`
	KeyID       string `json:"keyId"`
	KeyType     string `json:"keyType"`
}

type UsagePlanKeyInput struct {
	UsagePlanID string `path:"usagePlanId" json:"-"`
	KeyID       string `path:"keyId" json:"-"`
}

type GetUsagePlanKeysInput struct {
	UsagePlanID string `path:"usagePlanId" json:"-"`
	NameQuery   string `querystring:"name" json:"-"`
	Limit       *int32 `querystring:"limit" json:"-"`
	Position    string `querystring:"position" json:"-"`
}

type GetUsagePlanKeysOutput struct {
	Items    []UsagePlanKey `json:"item"`
	Position string         `json:"position,omitempty"`
}

var quotaPeriods = []string{"DAY", "WEEK", "MONTH"}

func usagePlanNotFound() error { return notFound("Invalid Usage Plan ID specified") }

func (s *Service) CreateUsagePlan(ctx context.Context, in *CreateUsagePlanInput) (*UsagePlan, error) {
	p := &model.UsagePlan{Name: in.Name, Description: in.Description}
	if in.Throttle != nil {
		p.Throttle = &model.ThrottleSettings{RateLimit: in.Throttle.RateLimit, BurstLimit: in.Throttle.BurstLimit}
	}
	if in.Quota != nil {
		if err := checkEnum("createUsagePlanInput.quota.period", in.Quota.Period, quotaPeriods); err != nil {
			return nil, err
		}
		p.Quota = &model.QuotaSettings{Limit: in.Quota.Limit, Offset: in.Quota.Offset, Period: in.Quota.Period}
		p.QuotaSince = s.clock.Now().UTC()
	}
	for _, st := range in.APIStages {
		ps := model.UsagePlanStage{APIID: st.APIID, Stage: st.Stage}
		for k, t := range st.Throttle {
			if ps.Throttle == nil {
				ps.Throttle = map[string]model.ThrottleSettings{}
			}
			ps.Throttle[k] = model.ThrottleSettings{RateLimit: t.RateLimit, BurstLimit: t.BurstLimit}
		}
		p.APIStages = append(p.APIStages, ps)
	}
	tags, err := checkTags(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	p.Tags = tags
	if err := checkPlan(p); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		if err := checkPlanStages(ctx, tx, p); err != nil {
			return err
		}
		plans, err := model.List[model.UsagePlan](tx)
		if err != nil {
			return err
		}
		if len(plans) >= maxUsagePlans {
			return limitExceeded("Cannot create more than %d usage plans", maxUsagePlans)
		}
		p.ID, err = freshID(shortID, func(id string) (bool, error) {
			_, ok, err := model.Get[model.UsagePlan](tx, id)
			return ok, err
		})
		if err != nil {
			return err
		}
		return model.Put(tx, p)
	})
	if err != nil {
		return nil, err
	}
	return usagePlanShape(p), nil
}

// checkPlan validates what a plan says on its own.
func checkPlan(p *model.UsagePlan) error {
	if p.Name == "" {
		return badRequest("Usage Plan name must not be empty")
	}
	if t := p.Throttle; t != nil {
		if err := checkThrottle(*t); err != nil {
			return err
		}
	}
	if q := p.Quota; q != nil {
		if q.Period == "" {
			return badRequest("Quota period must be one of DAY, WEEK or MONTH")
		}
		if q.Limit <= 0 {
			return badRequest("Quota limit must be greater than 0")
		}
		if q.Offset < 0 || q.Offset >= q.Limit {
			return badRequest("Quota offset must be at least 0 and less than the quota limit")
		}
	}
	seen := map[string]bool{}
	for _, st := range p.APIStages {
		if st.APIID == "" || st.Stage == "" {
			return badRequest("Invalid API Stage specified: an API stage needs an API id and a stage name")
		}
		if seen[st.APIID+":"+st.Stage] {
			return badRequest("Duplicate API Stage specified: %s:%s", st.APIID, st.Stage)
		}
		seen[st.APIID+":"+st.Stage] = true
		for k, t := range st.Throttle {
			if !validPlanMethodKey(k) {
				return badRequest("Invalid method throttle key %s: it must be /{resourcePath}/{httpMethod}", k)
			}
			if err := checkThrottle(t); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkThrottle(t model.ThrottleSettings) error {
	if t.RateLimit < 0 || math.IsNaN(t.RateLimit) || math.IsInf(t.RateLimit, 0) || t.BurstLimit < 0 {
		return badRequest("Throttle rate and burst limits must not be negative")
	}
	return nil
}

// validPlanMethodKey accepts "/path/METHOD" ("/pets/{id}/GET", "//GET" or
// "/GET" for the root) and "/*/*".
func validPlanMethodKey(k string) bool {
	if k == "/*/*" {
		return true
	}
	i := strings.LastIndexByte(k, '/')
	if !strings.HasPrefix(k, "/") || i < 0 {
		return false
	}
	switch k[i+1:] {
	case "GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "*":
		return true
	}
	return false
}

// checkPlanStages checks that each stage a plan covers exists, and that no
// key on the plan is on another plan covering one of its stages.
func checkPlanStages(ctx context.Context, tx model.Tx, p *model.UsagePlan) error {
	for _, st := range p.APIStages {
		if _, err := getStage(ctx, tx, st.APIID, st.Stage); err != nil {
			return err
		}
	}
	if p.ID == "" {
		return nil
	}
	keys, err := model.ListPrefix[model.UsagePlanKey](tx, p.ID+"/")
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := checkKeyStages(tx, p, k.KeyID); err != nil {
			return err
		}
	}
	return nil
}

// checkKeyStages refuses a key on plan p when another plan it is on covers
// one of p's stages: a request must find one plan for its key and stage.
func checkKeyStages(tx model.Tx, p *model.UsagePlan, keyID string) error {
	all, err := model.List[model.UsagePlanKey](tx)
	if err != nil {
		return err
	}
	plans := 0
	for _, pk := range all {
		if pk.KeyID == keyID && pk.PlanID != p.ID {
			plans++
		}
	}
	if plans >= maxPlansPerKey {
		return limitExceeded("API Key %s cannot be on more than %d usage plans", keyID, maxPlansPerKey)
	}
	for _, pk := range all {
		if pk.KeyID != keyID || pk.PlanID == p.ID {
			continue
		}
		other, ok, err := model.Get[model.UsagePlan](tx, pk.PlanID)
		if err != nil || !ok {
			return err
		}
		for _, a := range p.APIStages {
			for _, b := range other.APIStages {
				if a.APIID == b.APIID && a.Stage == b.Stage {
					return conflict("Usage Plan %s cannot be added because API Key %s cannot reference multiple Usage Plans with the same API Stage: %s:%s",
						p.ID, keyID, a.APIID, a.Stage)
				}
			}
		}
	}
	return nil
}

func (s *Service) GetUsagePlan(ctx context.Context, in *UsagePlanIDInput) (*UsagePlan, error) {
	var p *model.UsagePlan
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		p, err = getPlan(tx, in.UsagePlanID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return usagePlanShape(p), nil
}

// GetUsagePlans lists plans in id order; keyId keeps the plans that key
// is on.
func (s *Service) GetUsagePlans(ctx context.Context, in *GetUsagePlansInput) (*GetUsagePlansOutput, error) {
	var plans []*model.UsagePlan
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		if plans, err = model.List[model.UsagePlan](tx); err != nil || in.KeyID == "" {
			return err
		}
		if _, err := getKey(tx, in.KeyID); err != nil {
			return err
		}
		keys, err := model.List[model.UsagePlanKey](tx)
		if err != nil {
			return err
		}
		on := map[string]bool{}
		for _, k := range keys {
			if k.KeyID == in.KeyID {
				on[k.PlanID] = true
			}
		}
		plans = slices.DeleteFunc(plans, func(p *model.UsagePlan) bool { return !on[p.ID] })
		return nil
	})
	if err != nil {
		return nil, err
	}
	got, next, err := page(plans, func(p *model.UsagePlan) string { return p.ID }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &GetUsagePlansOutput{Items: []UsagePlan{}, Position: next}
	for _, p := range got {
		out.Items = append(out.Items, *usagePlanShape(p))
	}
	return out, nil
}

// UpdateUsagePlan patches the paths AWS takes: /name, /description and
// /productCode; /throttle/rateLimit and /throttle/burstLimit (replace;
// remove /throttle drops it); /quota/limit, /quota/offset and
// /quota/period (replace; remove /quota drops it); /apiStages (add or
// remove "apiId:stage"); and a stage's method throttles,
// /apiStages/{apiId}:{stage}/throttle/{path}/{METHOD}/rateLimit and
// /burstLimit (replace), .../throttle/{path}/{METHOD} and .../throttle
// (remove), with "~1" for each "/" of the method key.
func (s *Service) UpdateUsagePlan(ctx context.Context, in *UpdateUsagePlanInput) (*UsagePlan, error) {
	var p *model.UsagePlan
	err := s.update(ctx, func(tx model.Tx) error {
		var err error
		if p, err = getPlan(tx, in.UsagePlanID); err != nil {
			return err
		}
		quotaBefore := p.Quota
		if quotaBefore != nil {
			q := *quotaBefore
			quotaBefore = &q
		}
		if err := applyPatch(in.PatchOperations, planPaths(p)); err != nil {
			return err
		}
		if err := checkPlan(p); err != nil {
			return err
		}
		if err := checkPlanStages(ctx, tx, p); err != nil {
			return err
		}
		if p.Quota != nil && (quotaBefore == nil || *quotaBefore != *p.Quota) {
			p.QuotaSince = s.clock.Now().UTC()
		}
		return model.Put(tx, p)
	})
	if err != nil {
		return nil, err
	}
	return usagePlanShape(p), nil
}

func planPaths(p *model.UsagePlan) []patchPath {
	throttle := func() *model.ThrottleSettings {
		if p.Throttle == nil {
			p.Throttle = &model.ThrottleSettings{}
		}
		return p.Throttle
	}
	quota := func() *model.QuotaSettings {
		if p.Quota == nil {
			p.Quota = &model.QuotaSettings{}
		}
		return p.Quota
	}
	return []patchPath{
		replaceText("/name", &p.Name),
		optionalText("/description", &p.Description),
		optionalText("/productCode", &p.ProductCode),
		{path: "/throttle", remove: func(string, string) error { p.Throttle = nil; return nil }},
		{path: "/throttle/rateLimit", replace: func(_, v string) error {
			f, err := parseNumber("/throttle/rateLimit", v)
			throttle().RateLimit = f
			return err
		}},
		{path: "/throttle/burstLimit", replace: func(_, v string) error {
			n, err := parseInt("/throttle/burstLimit", v)
			throttle().BurstLimit = n
			return err
		}},
		{path: "/quota", remove: func(string, string) error { p.Quota = nil; return nil }},
		{path: "/quota/limit", replace: func(_, v string) error {
			n, err := parseInt("/quota/limit", v)
			quota().Limit = n
			return err
		}},
		{path: "/quota/offset", replace: func(_, v string) error {
			n, err := parseInt("/quota/offset", v)
			quota().Offset = n
			return err
		}},
		{path: "/quota/period", replace: func(_, v string) error {
			if err := checkEnum("updateUsagePlanInput.quota.period", v, quotaPeriods); err != nil {
				return err
			}
			quota().Period = v
			return nil
		}},
		{path: "/apiStages",
			add: func(_, v string) error {
				api, stage, ok := strings.Cut(v, ":")
				if !ok {
					return badRequest("Invalid API Stage specified: %s (expected apiId:stage)", v)
				}
				p.APIStages = append(p.APIStages, model.UsagePlanStage{APIID: api, Stage: stage})
				return nil
			},
			remove: func(_, v string) error {
				i := stageIndex(p, v)
				if i < 0 {
					return badRequest("Invalid API Stage specified")
				}
				p.APIStages = slices.Delete(p.APIStages, i, i+1)
				return nil
			}},
		methodThrottlePath(p),
	}
}

// methodThrottlePath takes /apiStages/{apiId}:{stage}/throttle/{key}[/{limit}].
func methodThrottlePath(p *model.UsagePlan) patchPath {
	type target struct {
		stage      int
		key, limit string
	}
	parse := func(path string) (target, bool) {
		rest, ok := strings.CutPrefix(path, "/apiStages/")
		if !ok {
			return target{}, false
		}
		stage, key, ok := strings.Cut(rest, "/throttle/")
		if !ok {
			// .../throttle: all of the stage's method throttles.
			if stage, ok = strings.CutSuffix(rest, "/throttle"); !ok {
				return target{}, false
			}
		}
		rest = key
		t := target{stage: stageIndex(p, stage)}
		key = unescapePointer(rest)
		if !strings.HasPrefix(key, "/") {
			key = "/" + key
		}
		for _, limit := range []string{"/rateLimit", "/burstLimit"} {
			if k, ok := strings.CutSuffix(key, limit); ok {
				t.key, t.limit = k, limit[1:]
				return t, true
			}
		}
		t.key = key
		return t, true
	}
	at := func(path string) (target, error) {
		t, _ := parse(path)
		if t.stage < 0 {
			return t, notFound("Invalid API Stage specified in %s", path)
		}
		return t, nil
	}
	return patchPath{
		path:  "/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}",
		parse: func(path string) (string, bool) { _, ok := parse(path); return path, ok },
		replace: func(path, v string) error {
			t, err := at(path)
			if err != nil {
				return err
			}
			st := &p.APIStages[t.stage]
			if st.Throttle == nil {
				st.Throttle = map[string]model.ThrottleSettings{}
			}
			ts := st.Throttle[t.key]
			switch t.limit {
			case "rateLimit":
				ts.RateLimit, err = parseNumber(path, v)
			case "burstLimit":
				ts.BurstLimit, err = parseInt(path, v)
			default:
				return badRequest("Invalid patch path '%s' specified for op 'replace': name rateLimit or burstLimit", path)
			}
			st.Throttle[t.key] = ts
			return err
		},
		remove: func(path, _ string) error {
			t, err := at(path)
			if err != nil {
				return err
			}
			if t.key == "/" {
				// .../throttle: every method throttle of the stage.
				p.APIStages[t.stage].Throttle = nil
				return nil
			}
			if t.limit != "" {
				return badRequest("Invalid patch path '%s' specified for op 'remove': remove the whole method throttle", path)
			}
			delete(p.APIStages[t.stage].Throttle, t.key)
			return nil
		},
	}
}

func stageIndex(p *model.UsagePlan, apiStage string) int {
	api, stage, _ := strings.Cut(apiStage, ":")
	return slices.IndexFunc(p.APIStages, func(st model.UsagePlanStage) bool { return st.APIID == api && st.Stage == stage })
}

func parseNumber(path, v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, badRequest("Invalid number value for %s: %s", path, v)
	}
	return f, nil
}

func parseInt(path, v string) (int, error) {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, badRequest("Invalid integer value for %s: %s", path, v)
	}
	return int(n), nil
}

// DeleteUsagePlan deletes a plan that covers no stage any more, as AWS
// requires, with its keys' places on it and their usage.
func (s *Service) DeleteUsagePlan(ctx context.Context, in *UsagePlanIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		p, err := getPlan(tx, in.UsagePlanID)
		if err != nil {
			return err
		}
		if len(p.APIStages) > 0 {
			st := p.APIStages[0]
			return badRequest("Cannot delete Usage Plan %s because there are API Stages associated with it, including %s:%s", p.ID, st.APIID, st.Stage)
		}
		keys, err := model.ListPrefix[model.UsagePlanKey](tx, p.ID+"/")
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := deletePlanKey(tx, k); err != nil {
				return err
			}
		}
		if err := forgetUsage(tx, p.ID+"/", func(*model.Usage) bool { return true }); err != nil {
			return err
		}
		return model.Delete(tx, p)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) CreateUsagePlanKey(ctx context.Context, in *CreateUsagePlanKeyInput) (*UsagePlanKey, error) {
	if in.KeyType != "API_KEY" {
		return nil, badRequest("Invalid key type specified: %s; the only key type is API_KEY", in.KeyType)
	}
	var k *model.APIKey
	err := s.update(ctx, func(tx model.Tx) error {
		p, err := getPlan(tx, in.UsagePlanID)
		if err != nil {
			return err
		}
		if k, err = getKey(tx, in.KeyID); err != nil {
			return err
		}
		pk := &model.UsagePlanKey{PlanID: p.ID, KeyID: k.ID}
		if _, ok, err := model.Get[model.UsagePlanKey](tx, pk.Key()); err != nil || ok {
			if err == nil {
				err = conflict("Usage Plan %s already has API Key %s", p.ID, k.ID)
			}
			return err
		}
		if err := checkKeyStages(tx, p, k.ID); err != nil {
			return err
		}
		return model.Put(tx, pk)
	})
	if err != nil {
		return nil, err
	}
	return planKeyShape(k), nil
}

func (s *Service) GetUsagePlanKey(ctx context.Context, in *UsagePlanKeyInput) (*UsagePlanKey, error) {
	var k *model.APIKey
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		k, _, err = getPlanKey(tx, in.UsagePlanID, in.KeyID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return planKeyShape(k), nil
}

func (s *Service) GetUsagePlanKeys(ctx context.Context, in *GetUsagePlanKeysInput) (*GetUsagePlanKeysOutput, error) {
	var keys []*model.APIKey
	err := s.view(ctx, func(tx model.Tx) error {
		if _, err := getPlan(tx, in.UsagePlanID); err != nil {
			return err
		}
		pks, err := model.ListPrefix[model.UsagePlanKey](tx, in.UsagePlanID+"/")
		if err != nil {
			return err
		}
		for _, pk := range pks {
			k, ok, err := model.Get[model.APIKey](tx, pk.KeyID)
			if err != nil {
				return err
			}
			if ok && strings.HasPrefix(k.Name, in.NameQuery) {
				keys = append(keys, k)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	got, next, err := page(keys, func(k *model.APIKey) string { return k.ID }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &GetUsagePlanKeysOutput{Items: []UsagePlanKey{}, Position: next}
	for _, k := range got {
		out.Items = append(out.Items, *planKeyShape(k))
	}
	return out, nil
}

func (s *Service) DeleteUsagePlanKey(ctx context.Context, in *UsagePlanKeyInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		_, pk, err := getPlanKey(tx, in.UsagePlanID, in.KeyID)
		if err != nil {
			return err
		}
		return deletePlanKey(tx, pk)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// deletePlanKey takes a key off a plan. Its usage there is kept, so a
// key taken off and put back does not start its quota afresh; deleting
// the key or the plan forgets it (forgetUsage).
func deletePlanKey(tx model.Tx, pk *model.UsagePlanKey) error {
	return model.Delete(tx, pk)
}

// forgetUsage deletes the usage records match selects.
func forgetUsage(tx model.Tx, prefix string, match func(*model.Usage) bool) error {
	recs, err := model.ListPrefix[model.Usage](tx, prefix)
	if err != nil {
		return err
	}
	for _, u := range recs {
		if match(u) {
			if err := model.Delete(tx, u); err != nil {
				return err
			}
		}
	}
	return nil
}

func getPlan(tx model.Tx, id string) (*model.UsagePlan, error) {
	p, ok, err := model.Get[model.UsagePlan](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, usagePlanNotFound()
	}
	return p, nil
}

// getPlanKey finds key keyID on plan planID.
func getPlanKey(tx model.Tx, planID, keyID string) (*model.APIKey, *model.UsagePlanKey, error) {
	if _, err := getPlan(tx, planID); err != nil {
		return nil, nil, err
	}
	pk, ok, err := model.Get[model.UsagePlanKey](tx, planID+"/"+keyID)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, apiKeyNotFound()
	}
	k, err := getKey(tx, keyID)
	return k, pk, err
}

func usagePlanShape(p *model.UsagePlan) *UsagePlan {
	out := &UsagePlan{ID: p.ID, Name: p.Name, Description: p.Description, ProductCode: p.ProductCode,
		APIStages: []APIStage{}, Tags: tagsOut(p.Tags)}
	if t := p.Throttle; t != nil {
		out.Throttle = &Throttle{RateLimit: t.RateLimit, BurstLimit: t.BurstLimit}
	}
	if q := p.Quota; q != nil {
		out.Quota = &Quota{Limit: q.Limit, Offset: q.Offset, Period: q.Period}
	}
	for _, st := range p.APIStages {
		as := APIStage{APIID: st.APIID, Stage: st.Stage}
		for k, t := range st.Throttle {
			if as.Throttle == nil {
				as.Throttle = map[string]Throttle{}
			}
			as.Throttle[k] = Throttle{RateLimit: t.RateLimit, BurstLimit: t.BurstLimit}
		}
		out.APIStages = append(out.APIStages, as)
	}
	return out
}

func planKeyShape(k *model.APIKey) *UsagePlanKey {
	return &UsagePlanKey{ID: k.ID, Type: "API_KEY", Name: k.Name, Value: k.Value}
}

// forgetStages drops an API's stage (every stage of it when stage is
// empty) from the usage plans and API keys that name it: AWS keeps no
// association with a stage that is gone, and a stage made again under the
// name starts with none.
func forgetStages(tx model.Tx, apiID, stage string) error {
	gone := func(api, st string) bool { return api == apiID && (stage == "" || st == stage) }
	plans, err := model.List[model.UsagePlan](tx)
	if err != nil {
		return err
	}
	for _, p := range plans {
		n := len(p.APIStages)
		p.APIStages = slices.DeleteFunc(p.APIStages, func(st model.UsagePlanStage) bool { return gone(st.APIID, st.Stage) })
		if len(p.APIStages) == n {
			continue
		}
		if err := model.Put(tx, p); err != nil {
			return err
		}
	}
	keys, err := model.List[model.APIKey](tx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		n := len(k.StageKeys)
		k.StageKeys = slices.DeleteFunc(k.StageKeys, func(sk string) bool {
			api, st, _ := strings.Cut(sk, "/")
			return gone(api, st)
		})
		if len(k.StageKeys) == n {
			continue
		}
		if err := model.Put(tx, k); err != nil {
			return err
		}
	}
	return nil
}
