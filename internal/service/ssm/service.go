package ssm

import (
	"context"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// TargetPrefix is what Systems Manager's X-Amz-Target headers start with.
const TargetPrefix = "AmazonSSM"

// Service implements the Parameter Store operations.
type Service struct {
	store    store.Store
	clock    clock.Clock
	defaults defaults
}

// New returns the Parameter Store over st.
func New(st store.Store, clk clock.Clock) *Service {
	return &Service{store: st, clock: clk}
}

// update runs fn in one write transaction scoped to the caller's account and
// region: a failing call writes nothing.
func (s *Service) update(ctx context.Context, fn func(model.Tx) error) error {
	if err := s.seedCaller(ctx); err != nil {
		return err
	}
	m := api.MetaFrom(ctx)
	return api.Wrap(model.Update(s.store, m.Account, m.Region, fn))
}

// view runs fn in a read transaction scoped like update.
func (s *Service) view(ctx context.Context, fn func(model.Tx) error) error {
	if err := s.seedCaller(ctx); err != nil {
		return err
	}
	m := api.MetaFrom(ctx)
	return api.Wrap(model.View(s.store, m.Account, m.Region, fn))
}

// now is the service clock's time, to the millisecond: Systems Manager's
// timestamps carry no more, so what is stored is what is reported.
func (s *Service) now() time.Time {
	return s.clock.Now().UTC().Truncate(time.Millisecond)
}

// epoch renders t as awsJson timestamps travel: seconds since the epoch
// with a millisecond fraction.
func epoch(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}
