package elbv2

// Shapes shared by several resources. Inputs carry `query` tags with ELBv2's
// parameter names (lists as Name.member.N); outputs carry `xml` tags with its
// PascalCase element names (lists as <Name><member>...</member></Name>).

// Tag is one key and value.
type Tag struct {
	Key   string `query:"Key" xml:"Key"`
	Value string `query:"Value" xml:"Value,omitempty"`
}

// Attribute is a load balancer or target group attribute.
type Attribute struct {
	Key   string `query:"Key" xml:"Key"`
	Value string `query:"Value" xml:"Value"`
}

// Empty is an output with no fields.
type Empty struct{}
