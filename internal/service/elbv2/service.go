package elbv2

import (
	"context"

	"gatehouse/internal/api"
	"gatehouse/internal/clock"
	"gatehouse/internal/health"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// Service implements the ELBv2 operations.
type Service struct {
	store  store.Store
	clock  clock.Clock
	health HealthSource
}

// HealthSource reports what the health checker saw for a target
// (health.Table). The zero Status means no probe result yet.
type HealthSource interface {
	TargetHealth(targetGroupARN, targetID string, port int) health.Status
}

// New returns the ELBv2 service over st. health may be nil until the health
// checker runs; targets then stay in their initial state.
func New(st store.Store, clk clock.Clock, health HealthSource) *Service {
	return &Service{store: st, clock: clk, health: health}
}

func (s *Service) update(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	_, err := s.store.Update(func(tx store.Tx) error {
		return fn(model.Tx{Tx: tx, Account: m.Account, Region: m.Region})
	})
	return wrap(err)
}

func (s *Service) view(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return wrap(s.store.View(func(tx store.Tx) error {
		return fn(model.Tx{Tx: tx, Account: m.Account, Region: m.Region})
	}))
}

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return api.AsError(err)
}

func arn(ctx context.Context, resource string) string {
	m := api.MetaFrom(ctx)
	return api.ARN("elasticloadbalancing", m.Region, m.Account, resource)
}
