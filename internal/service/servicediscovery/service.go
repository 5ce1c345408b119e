package servicediscovery

import (
	"context"
	"math/rand/v2"
	"strings"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// TargetPrefix is what Cloud Map's X-Amz-Target headers start with.
const TargetPrefix = "Route53AutoNaming_v20170314"

// Service implements the Cloud Map operations.
type Service struct {
	store store.Store
	clock clock.Clock
}

// New returns the Cloud Map service over st.
func New(st store.Store, clk clock.Clock) *Service {
	return &Service{store: st, clock: clk}
}

// update runs fn in one write transaction scoped to the caller's account and
// region: a failing call writes nothing.
func (s *Service) update(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return api.Wrap(model.Update(s.store, m.Account, m.Region, fn))
}

// view runs fn in a read transaction scoped like update.
func (s *Service) view(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return api.Wrap(model.View(s.store, m.Account, m.Region, fn))
}

// now is the service clock's time, to the millisecond: Cloud Map's
// timestamps carry no more, so what is stored is what is reported.
func (s *Service) now() time.Time {
	return s.clock.Now().UTC().Truncate(time.Millisecond)
}

func arn(ctx context.Context, resource string) string {
	m := api.MetaFrom(ctx)
	return api.ARN("servicediscovery", m.Region, m.Account, resource)
}

// idOf accepts what Cloud Map accepts wherever it asks for a namespace or
// service: the id, or the resource's ARN. An ARN of another kind, account
// or region yields "", which names nothing.
func idOf(ctx context.Context, idOrARN, kind string) string {
	if !strings.HasPrefix(idOrARN, "arn:") {
		return idOrARN
	}
	id, ok := strings.CutPrefix(idOrARN, arn(ctx, kind+"/"))
	if !ok || id == "" {
		return ""
	}
	return id
}

// Id alphabets. Namespace and service ids look like base32
// ("ns-ebg2jra7orsj2y23"); operation ids mix all digits in.
const (
	base32Lower = "abcdefghijklmnopqrstuvwxyz234567"
	alnumLower  = "abcdefghijklmnopqrstuvwxyz0123456789"
	alnumUpper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// randomString draws n characters from alphabet. The ids only need to be
// unlikely to collide, not unpredictable.
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

func newNamespaceID() string  { return "ns-" + randomString(base32Lower, 16) }
func newServiceID() string    { return "srv-" + randomString(base32Lower, 16) }
func newHostedZoneID() string { return "Z" + randomString(alnumUpper, 19) }
func newOperationID() string {
	return randomString(alnumLower, 32) + "-" + randomString(alnumLower, 8)
}

// epoch renders t as Cloud Map's timestamps travel: seconds since the epoch
// with a millisecond fraction.
func epoch(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}
