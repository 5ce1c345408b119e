package lambda

import (
	"context"

	"gatehouse/internal/model"
)

// Lambda's default account quotas: 1,000 concurrent executions, of which
// reservations may leave no fewer than 100 unreserved.
const (
	defaultConcurrency = 1000
	minUnreserved      = 100
)

// concurrency is the account's limit the engine enforces (Config.Concurrency)
// and the least that reservations must leave unreserved: Lambda's 100, or a
// tenth of a limit set below 1,000, so that a small limit can still be
// reserved from.
func (s *Service) concurrency() (limit, unreserved int) {
	limit = s.cfg.Concurrency
	if limit <= 0 {
		limit = defaultConcurrency
	}
	return limit, min(minUnreserved, limit/10)
}

// PutFunctionConcurrencyInput reserves concurrency for a function.
type PutFunctionConcurrencyInput struct {
	FunctionName                 string `path:"FunctionName" json:"-"`
	ReservedConcurrentExecutions *int   `json:"ReservedConcurrentExecutions"`
}

// Concurrency is also PutFunctionConcurrency's and GetFunctionConcurrency's
// answer.

// PutFunctionConcurrency sets how many instances of a function may run at
// once; the engine refuses invocations past it.
func (s *Service) PutFunctionConcurrency(ctx context.Context, in *PutFunctionConcurrencyInput) (*Concurrency, error) {
	t, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	var v validation
	if in.ReservedConcurrentExecutions == nil {
		v.add("Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null")
	} else if *in.ReservedConcurrentExecutions < 0 {
		v.atLeast(*in.ReservedConcurrentExecutions, "reservedConcurrentExecutions", 0)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if t.qualifier != "" {
		return nil, invalidParameter("Concurrency can only be reserved for the unqualified function.")
	}
	n := *in.ReservedConcurrentExecutions
	err = s.update(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		others, err := reserved(tx, f.Name)
		if err != nil {
			return err
		}
		if limit, least := s.concurrency(); others+n > limit-least {
			return invalidParameter("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [%d].", least)
		}
		f.ReservedConcurrency = &n
		return model.Put(tx, f)
	})
	if err != nil {
		return nil, err
	}
	return &Concurrency{ReservedConcurrentExecutions: &n}, nil
}

// reserved sums the concurrency reserved by the account's functions but
// except.
func reserved(tx model.Tx, except string) (int, error) {
	fns, err := model.List[model.Function](tx)
	sum := 0
	for _, f := range fns {
		if f.Name != except && f.ReservedConcurrency != nil {
			sum += *f.ReservedConcurrency
		}
	}
	return sum, err
}

// FunctionInput names an unqualified function.
type FunctionInput struct {
	FunctionName string `path:"FunctionName" json:"-"`
}

// GetFunctionConcurrency reports a function's reserved concurrency: no
// member when it has none.
func (s *Service) GetFunctionConcurrency(ctx context.Context, in *FunctionInput) (*Concurrency, error) {
	t, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	out := &Concurrency{}
	err = s.view(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err == nil {
			out.ReservedConcurrentExecutions = f.ReservedConcurrency
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteFunctionConcurrency returns a function to the unreserved pool.
func (s *Service) DeleteFunctionConcurrency(ctx context.Context, in *FunctionInput) (*Empty, error) {
	t, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil || f.ReservedConcurrency == nil {
			return err
		}
		f.ReservedConcurrency = nil
		return model.Put(tx, f)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
