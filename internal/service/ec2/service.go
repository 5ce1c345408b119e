package ec2

import (
	"context"

	"gatehouse/internal/api"
	"gatehouse/internal/clock"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// Service implements the EC2 operations.
type Service struct {
	store store.Store
	clock clock.Clock
}

// New returns the EC2 service over st.
func New(st store.Store, clk clock.Clock) *Service {
	return &Service{store: st, clock: clk}
}

// update runs fn in one write transaction scoped to the caller's account and
// region. A store failure comes back as AWS's internal error, so operations
// can return what it gives them as it is.
func (s *Service) update(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return api.Wrap(model.Update(s.store, m.Account, m.Region, fn))
}

// view runs fn in a read transaction scoped and wrapped like update.
func (s *Service) view(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return api.Wrap(model.View(s.store, m.Account, m.Region, fn))
}
