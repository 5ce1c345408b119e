package elbv2

import (
	"context"
	"regexp"

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
	return api.Wrap(model.Update(s.store, m.Account, m.Region, fn))
}

func (s *Service) view(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return api.Wrap(model.View(s.store, m.Account, m.Region, fn))
}

// resourceName is ELBv2's rule for naming balancers and target groups alike:
// 1 to 32 letters, digits and hyphens, with no hyphen at either end.
var resourceName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)

func arn(ctx context.Context, resource string) string {
	m := api.MetaFrom(ctx)
	return api.ARN("elasticloadbalancing", m.Region, m.Account, resource)
}
