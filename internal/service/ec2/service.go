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
// region.
func (s *Service) update(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	_, err := s.store.Update(func(tx store.Tx) error {
		return fn(model.Tx{Tx: tx, Account: m.Account, Region: m.Region})
	})
	return err
}

// view runs fn in a read transaction scoped like update.
func (s *Service) view(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return s.store.View(func(tx store.Tx) error {
		return fn(model.Tx{Tx: tx, Account: m.Account, Region: m.Region})
	})
}

// must turns a store failure into AWS's internal error; api errors pass.
func must(err error) error {
	if err == nil {
		return nil
	}
	return api.AsError(err)
}
