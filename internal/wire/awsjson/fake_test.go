package awsjson

import (
	"context"
	"errors"

	"gatehouse/internal/api"
)

// The fake service: a few of Cloud Map's operations under their real names
// and member names, plus failures the real ones cannot be made to show.

const target = "Route53AutoNaming_v20170314"

type namespace struct {
	ID         string  `json:"Id,omitempty"`
	Arn        string  `json:"Arn,omitempty"`
	Name       string  `json:"Name,omitempty"`
	Type       string  `json:"Type,omitempty"`
	CreateDate float64 `json:"CreateDate,omitempty"`
}

type getNamespaceIn struct {
	ID string `json:"Id"`
}

type getNamespaceOut struct {
	Namespace *namespace `json:"Namespace,omitempty"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type createPrivateDNSNamespaceIn struct {
	Name             string  `json:"Name"`
	Vpc              string  `json:"Vpc"`
	CreatorRequestID *string `json:"CreatorRequestId"`
	Description      *string `json:"Description"`
	Tags             []tag   `json:"Tags"`
}

type operationOut struct {
	OperationID string `json:"OperationId"`
}

type listNamespacesIn struct {
	MaxResults *int32  `json:"MaxResults"`
	NextToken  *string `json:"NextToken"`
}

type listNamespacesOut struct {
	Namespaces []namespace `json:"Namespaces"`
	NextToken  *string     `json:"NextToken,omitempty"`
}

type tagResourceIn struct {
	ResourceARN string `json:"ResourceARN"`
	Tags        []tag  `json:"Tags"`
}

type empty struct{}

func fakeOps() api.Table {
	return api.NewTable(
		api.Handle("GetNamespace", func(ctx context.Context, in *getNamespaceIn) (*getNamespaceOut, error) {
			if in.ID != "ns-1" {
				return nil, api.BadRequest("NamespaceNotFound", "No namespace exists with ID: %s", in.ID)
			}
			return &getNamespaceOut{Namespace: &namespace{ID: "ns-1", Name: "internal.example",
				Arn: "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-1", Type: "DNS_PRIVATE",
				CreateDate: 1767225600.5}}, nil
		}),
		api.Handle("CreatePrivateDnsNamespace", func(ctx context.Context, in *createPrivateDNSNamespaceIn) (*operationOut, error) {
			if in.Vpc == "" || in.CreatorRequestID == nil || len(in.Tags) != 1 {
				return nil, api.BadRequest("InvalidInput", "Vpc, CreatorRequestId & one tag are needed; <%s> has %d tags.", in.Name, len(in.Tags))
			}
			return &operationOut{OperationID: "op-" + in.Name + "-" + in.Tags[0].Value}, nil
		}),
		api.Handle("ListNamespaces", func(ctx context.Context, in *listNamespacesIn) (*listNamespacesOut, error) {
			out := &listNamespacesOut{Namespaces: []namespace{}}
			if in.MaxResults != nil {
				out.Namespaces = append(out.Namespaces, namespace{ID: "ns-1"})
				out.NextToken = in.NextToken
			}
			return out, nil
		}),
		api.Handle("TagResource", func(ctx context.Context, in *tagResourceIn) (*empty, error) {
			return &empty{}, nil
		}),
		api.Handle("DeleteNamespace", func(ctx context.Context, in *getNamespaceIn) (*operationOut, error) {
			return nil, nil
		}),
		api.Handle("Panic", func(ctx context.Context, in *empty) (*empty, error) {
			var p *namespace
			_ = p.Name
			return nil, nil
		}),
		api.Handle("Broken", func(ctx context.Context, in *empty) (*empty, error) {
			return nil, errors.New("disk on fire")
		}),
		api.Handle("Throttled", func(ctx context.Context, in *empty) (*empty, error) {
			return nil, &api.Error{Code: "RequestLimitExceeded", Message: "slow down"}
		}),
	)
}
