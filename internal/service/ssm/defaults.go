package ssm

import (
	"context"
	"sync"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// Default is a String parameter every account and region has from its
// first use, as gatehouse serves whatever region a request is signed for:
// CDK's bootstrap version, which a synthesized template checks wherever
// it is deployed. A default is written only where the name is free, so a
// value a user put, or a parameter they deleted after it was written,
// stays as they left it until the server starts again.
type Default struct {
	Name, Value, Description string
}

// defaults are the Default parameters and the scopes they are in.
type defaults struct {
	list []Default
	// seeded holds "account/region" of each scope written since start:
	// after that a call pays one lock-free look-up.
	seeded sync.Map
}

// SetDefaults sets the parameters every account and region has. It is
// called once, before the service serves.
func (s *Service) SetDefaults(d ...Default) { s.defaults.list = d }

// Seed writes the default parameters absent from an account and region.
// Every Parameter Store call seeds its caller's scope first; a reader of
// the store outside the service (the stack engine resolving an SSM-typed
// parameter) calls it before reading.
func (s *Service) Seed(account, region string) error {
	if len(s.defaults.list) == 0 {
		return nil
	}
	key := account + "/" + region
	if _, ok := s.defaults.seeded.Load(key); ok {
		return nil
	}
	err := model.Update(s.store, account, region, func(tx model.Tx) error {
		for _, d := range s.defaults.list {
			_, exists, err := model.Get[model.Parameter](tx, model.ParameterKey(d.Name))
			if err != nil || exists {
				return err
			}
			p := model.Parameter{Name: d.Name, Type: typeString, Value: d.Value, Version: 1, DataType: dataText,
				Description: d.Description, Tier: tierStandard, LastModifiedDate: s.now(),
				LastModifiedUser: "arn:aws:iam::" + account + ":root"}
			if err := model.Put(tx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.defaults.seeded.Store(key, struct{}{})
	return nil
}

// seedCaller seeds the scope of the call in ctx.
func (s *Service) seedCaller(ctx context.Context) error {
	m := api.MetaFrom(ctx)
	return api.Wrap(s.Seed(m.Account, m.Region))
}
