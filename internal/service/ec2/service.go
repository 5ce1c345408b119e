package ec2

import (
	"context"
	"sync"

	"gatehouse/internal/api"
	"gatehouse/internal/clock"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// Service implements the EC2 operations.
type Service struct {
	store store.Store
	clock clock.Clock
	// noDefaultVpc settles new scopes without a default VPC.
	noDefaultVpc bool
	// settled holds the scopes (model.Scope) whose default VPC this process
	// knows to be settled (see ensureDefaults).
	settled sync.Map
}

// New returns the EC2 service over st.
func New(st store.Store, clk clock.Clock, opts ...Option) *Service {
	s := &Service{store: st, clock: clk}
	for _, o := range opts {
		o(s)
	}
	return s
}

// update runs fn in one write transaction scoped to the caller's account and
// region, once the scope has its default VPC (ensureDefaults). A store
// failure comes back as AWS's internal error, so operations can return what
// it gives them as it is.
func (s *Service) update(ctx context.Context, fn func(model.Tx) error) error {
	if err := s.ensureDefaults(ctx); err != nil {
		return err
	}
	m := api.MetaFrom(ctx)
	return api.Wrap(model.Update(s.store, m.Account, m.Region, fn))
}

// view runs fn in a read transaction scoped and wrapped like update.
func (s *Service) view(ctx context.Context, fn func(model.Tx) error) error {
	if err := s.ensureDefaults(ctx); err != nil {
		return err
	}
	m := api.MetaFrom(ctx)
	return api.Wrap(model.View(s.store, m.Account, m.Region, fn))
}
