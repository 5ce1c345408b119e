package apigateway

import (
	"context"
	"math/rand/v2"
	"sort"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// Service implements the apigateway (v1) operations.
type Service struct {
	store store.Store
	clock clock.Clock
	// usageSync brings stored usage up to date (SetUsageSync); nil
	// without a quota controller.
	usageSync UsageSync
}

// New returns the REST API service over st.
func New(st store.Store, clk clock.Clock) *Service {
	return &Service{store: st, clock: clk}
}

// update runs fn in one write transaction scoped to the caller's account and
// region: a failing call writes nothing. A store failure comes back as AWS's
// internal error.
func (s *Service) update(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return api.Wrap(model.Update(s.store, m.Account, m.Region, fn))
}

// view runs fn in a read transaction scoped and wrapped like update.
func (s *Service) view(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return api.Wrap(model.View(s.store, m.Account, m.Region, fn))
}

// now is the clock's time in whole seconds: v1 timestamps travel as epoch
// seconds, so what is stored is what is reported.
func (s *Service) now() time.Time {
	return s.clock.Now().UTC().Truncate(time.Second)
}

// epoch renders t as v1 timestamps travel: seconds since the epoch.
func epoch(t time.Time) int64 { return t.Unix() }

const alnumLower = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomID draws n lowercase letters and digits, the alphabet of every v1
// id (REST APIs "a1b2c3d4e5", resources, deployments, links "gim7c3"). The
// ids only need to be unlikely to collide, not unpredictable.
func randomID(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnumLower[rand.IntN(len(alnumLower))]
	}
	return string(b)
}

// Id lengths as AWS shows them: REST APIs and root resources have ten
// characters, other resources, deployments and VPC links six.
const (
	longID  = 10
	shortID = 6
)

// freshID returns a new id of n characters that taken does not report as
// used, so that a collision cannot overwrite a record.
func freshID(n int, taken func(id string) (bool, error)) (string, error) {
	for {
		id := randomID(n)
		used, err := taken(id)
		if err != nil || !used {
			return id, err
		}
	}
}

// Paging. AWS's default page is 25 items and its largest 500.
const (
	defaultLimit = 25
	maxLimit     = 500
)

// page cuts one page out of items, sorted by key: position is the key of
// the first item to return (the token the previous page handed out), and the
// returned position is that of the next page, empty on the last.
func page[T any](items []T, key func(T) string, position string, limit *int32) ([]T, string, error) {
	n := defaultLimit
	if limit != nil {
		if *limit < 1 || *limit > maxLimit {
			return nil, "", badRequest("The limit must be between 1 and %d: %d", maxLimit, *limit)
		}
		n = int(*limit)
	}
	sort.Slice(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	start := sort.Search(len(items), func(i int) bool { return key(items[i]) >= position })
	items = items[start:]
	if len(items) <= n {
		return items, "", nil
	}
	return items[:n], key(items[n]), nil
}

// arn is an apigateway resource ARN: API Gateway's ARNs name no account
// ("arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5").
func arn(ctx context.Context, path string) string {
	return "arn:aws:apigateway:" + api.MetaFrom(ctx).Region + "::" + path
}

// tagsOut renders stored tags; AWS sends a map even when it is empty.
func tagsOut(t model.Tags) map[string]string {
	out := make(map[string]string, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}
