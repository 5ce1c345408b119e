package api

import (
	"context"
	"strings"
)

// Op is one operation of an AWS service: its name, how a wire family finds it,
// a constructor for its input, and the call itself. Services build their table
// of Ops with Handle; wire families decode into NewInput() and encode what Call
// returns.
type Op struct {
	Name string
	// Method and Path bind a REST-JSON operation ("POST", "/v2/vpclinks").
	// Path segments in braces are labels: "/v2/vpclinks/{vpcLinkId}".
	Method, Path string
	// Status is the success status of a REST-JSON operation (200 if zero).
	Status int

	NewInput func() any
	Call     func(ctx context.Context, in any) (any, error)
}

// Handle adapts a typed service method to an Op.
func Handle[I, O any](name string, fn func(context.Context, *I) (*O, error)) Op {
	return Op{
		Name:     name,
		NewInput: func() any { return new(I) },
		Call: func(ctx context.Context, in any) (any, error) {
			out, err := fn(ctx, in.(*I))
			if err != nil {
				return nil, err
			}
			return out, nil
		},
	}
}

// Route gives a REST-JSON binding to op.
func (op Op) Route(method, path string, status int) Op {
	op.Method, op.Path, op.Status = method, path, status
	return op
}

// Table indexes operations by name.
type Table map[string]Op

// NewTable builds a Table from ops.
func NewTable(ops ...Op) Table {
	t := make(Table, len(ops))
	for _, op := range ops {
		t[op.Name] = op
	}
	return t
}

// readPrefixes are the verbs AWS gives operations that only read.
var readPrefixes = []string{"Describe", "Get", "List", "Discover"}

// ReadOnly reports whether the operation named name only reads, by AWS's
// naming (DescribeVpcs, GetRoutes, ListServices, DiscoverInstances). The
// edge lets such a Query action through an unsigned GET; a write's answer
// waits for the controllers, a read's does not.
func ReadOnly(name string) bool {
	for _, p := range readPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
