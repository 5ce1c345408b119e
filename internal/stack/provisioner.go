package stack

import "context"

// Created is what a Provisioner reports of a resource: the value of Ref and
// of each attribute, as CloudFormation defines them for its type. It is
// kept with the stack, so it must survive a JSON round trip.
type Created struct {
	Ref   string         `json:"ref"`
	Attrs map[string]any `json:"attrs,omitempty"`
	// Props are the resolved properties the resource was made or last
	// updated with: Fn::GetAtt of an attribute Attrs lacks reads the
	// property of that name (see Given). The stack engine keeps them.
	Props map[string]any `json:"-"`
}

// Target names the resource a Provisioner acts on.
type Target struct {
	StackName string
	StackID   string
	LogicalID string
	Type      string
	// Tags are the stack's tags and CloudFormation's own
	// (aws:cloudformation:stack-name, :stack-id, :logical-id), which
	// every resource that takes tags carries besides its own Tags.
	Tags map[string]string
}

// Provisioner creates, updates and deletes one resource at a time through
// the services' APIs. Properties hold no intrinsic functions any more.
type Provisioner interface {
	Create(ctx context.Context, t Target, props map[string]any) (Created, error)
	// Update changes a resource in place from old to new properties. It is
	// called only when no changed property is create-only in Specs; a
	// change that needs a new resource is a Create and a Delete.
	Update(ctx context.Context, t Target, cur Created, old, new map[string]any) (Created, error)
	// Delete removes a resource created with props. A resource already
	// gone is not an error.
	Delete(ctx context.Context, t Target, cur Created, props map[string]any) error
	// Region answers AWS::Region.
	Region() string
	// AccountID answers AWS::AccountId.
	AccountID() string
	// Zones answers Fn::GetAZs: the region's availability zones.
	Zones(ctx context.Context) ([]string, error)
}
