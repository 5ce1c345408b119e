package servicediscovery

import (
	"context"
	"strconv"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type GetOperationInput struct {
	OperationID  string `json:"OperationId"`
	OwnerAccount string `json:"OwnerAccount"`
}

type GetOperationOutput struct {
	Operation *Operation `json:"Operation"`
}

// Operation is an operation as GetOperation describes it.
type Operation struct {
	ID           string            `json:"Id"`
	Type         string            `json:"Type"`
	Status       string            `json:"Status"`
	Targets      map[string]string `json:"Targets,omitempty"`
	OwnerAccount string            `json:"OwnerAccount,omitempty"`
	ErrorCode    string            `json:"ErrorCode,omitempty"`
	ErrorMessage string            `json:"ErrorMessage,omitempty"`
	CreateDate   float64           `json:"CreateDate"`
	UpdateDate   float64           `json:"UpdateDate"`
}

type ListOperationsInput struct {
	Filters    []Filter `json:"Filters"`
	MaxResults *int32   `json:"MaxResults"`
	NextToken  *string  `json:"NextToken"`
}

type ListOperationsOutput struct {
	Operations []OperationSummary `json:"Operations"`
	NextToken  *string            `json:"NextToken,omitempty"`
}

type OperationSummary struct {
	ID     string `json:"Id"`
	Status string `json:"Status"`
}

// Operation types and target kinds.
const (
	opCreateNamespace    = "CREATE_NAMESPACE"
	opDeleteNamespace    = "DELETE_NAMESPACE"
	opUpdateService      = "UPDATE_SERVICE"
	opRegisterInstance   = "REGISTER_INSTANCE"
	opDeregisterInstance = "DEREGISTER_INSTANCE"

	targetNamespace = "NAMESPACE"
	targetService   = "SERVICE"
	targetInstance  = "INSTANCE"
)

// record writes the operation for a change made in tx. gatehouse makes
// every change inside the call that asks for it, so the operation is
// finished (SUCCESS) by the time its id is returned.
func record(tx model.Tx, now time.Time, op *model.Operation) (string, error) {
	op.ID = newOperationID()
	op.Status = "SUCCESS"
	op.CreateDate, op.UpdateDate = now, now
	return op.ID, model.Put(tx, op)
}

// previous finds the operation of type typ that a request with the same
// CreatorRequestId already made: the SDKs fill that member in themselves
// and send it again when they retry, so a retry must find the first answer.
func previous(tx model.Tx, typ, creatorRequestID string) (*model.Operation, error) {
	if creatorRequestID == "" {
		return nil, nil
	}
	ops, err := model.List[model.Operation](tx)
	if err != nil {
		return nil, err
	}
	for _, op := range ops {
		if op.Type == typ && op.CreatorRequestID == creatorRequestID {
			return op, nil
		}
	}
	return nil, nil
}

func (s *Service) GetOperation(ctx context.Context, in *GetOperationInput) (*GetOperationOutput, error) {
	if in.OperationID == "" {
		return nil, invalidInput("OperationId is required")
	}
	account := api.MetaFrom(ctx).Account
	if in.OwnerAccount != "" && in.OwnerAccount != account {
		return nil, operationNotFound(in.OperationID)
	}
	var out *Operation
	err := s.view(ctx, func(tx model.Tx) error {
		op, ok, err := model.Get[model.Operation](tx, in.OperationID)
		if err != nil {
			return err
		}
		if !ok {
			return operationNotFound(in.OperationID)
		}
		out = &Operation{
			ID: op.ID, Type: op.Type, Status: op.Status, Targets: op.Targets, OwnerAccount: account,
			ErrorCode: op.ErrorCode, ErrorMessage: op.ErrorMessage,
			CreateDate: epoch(op.CreateDate), UpdateDate: epoch(op.UpdateDate),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetOperationOutput{Operation: out}, nil
}

var operationFilters = map[string][]string{
	"NAMESPACE_ID": {condEQ},
	"SERVICE_ID":   {condEQ},
	"STATUS":       {condEQ, condIN},
	"TYPE":         {condEQ, condIN},
	"UPDATE_DATE":  {condBetween},
}

func (s *Service) ListOperations(ctx context.Context, in *ListOperationsInput) (*ListOperationsOutput, error) {
	if err := checkFilters(in.Filters, operationFilters); err != nil {
		return nil, err
	}
	keep := func(*model.Operation) bool { return true }
	for _, f := range in.Filters {
		next, err := operationFilter(ctx, f, keep)
		if err != nil {
			return nil, err
		}
		keep = next
	}
	var ops []*model.Operation
	err := s.view(ctx, func(tx model.Tx) error {
		all, err := model.List[model.Operation](tx)
		for _, op := range all {
			if keep(op) {
				ops = append(ops, op)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(ops, func(o *model.Operation) string { return o.ID }, in.MaxResults, in.NextToken, defaultPage)
	if err != nil {
		return nil, err
	}
	out := &ListOperationsOutput{Operations: []OperationSummary{}, NextToken: next}
	for _, op := range pg {
		out.Operations = append(out.Operations, OperationSummary{ID: op.ID, Status: op.Status})
	}
	return out, nil
}

// operationFilter adds one checked filter to keep.
func operationFilter(ctx context.Context, f Filter, keep func(*model.Operation) bool) (func(*model.Operation) bool, error) {
	var match func(*model.Operation) bool
	switch f.Name {
	case "NAMESPACE_ID":
		id := idOf(ctx, f.Values[0], "namespace")
		match = func(op *model.Operation) bool { return op.NamespaceID == id }
	case "SERVICE_ID":
		id := idOf(ctx, f.Values[0], "service")
		match = func(op *model.Operation) bool { return op.ServiceID == id }
	case "STATUS":
		match = func(op *model.Operation) bool { return f.matches(op.Status) }
	case "TYPE":
		match = func(op *model.Operation) bool { return f.matches(op.Type) }
	case "UPDATE_DATE":
		from, err1 := parseEpoch(f.Values[0])
		to, err2 := parseEpoch(f.Values[1])
		if err1 != nil || err2 != nil {
			return nil, invalidInput("UPDATE_DATE values must be Unix times in seconds, not %q and %q", f.Values[0], f.Values[1])
		}
		match = func(op *model.Operation) bool { return !op.UpdateDate.Before(from) && !op.UpdateDate.After(to) }
	}
	return func(op *model.Operation) bool { return keep(op) && match(op) }, nil
}

func parseEpoch(s string) (time.Time, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(int64(f * 1000)), nil
}
