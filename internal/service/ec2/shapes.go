package ec2

import "time"

// Shapes shared by several resources. Inputs carry `query` tags with EC2's
// parameter names (lists flat: Name.N); outputs carry `xml` tags with EC2's
// lowerCamel element names (lists as <name><item>...</item></name>).

// Filter is a Describe call's filter.
type Filter struct {
	Name   string   `query:"Name"`
	Values []string `query:"Value"`
}

// TagSpecification tags a resource as it is created.
type TagSpecification struct {
	ResourceType string `query:"ResourceType"`
	Tags         []Tag  `query:"Tag"`
}

// Tag is one key and value, in and out.
type Tag struct {
	Key   string `query:"Key" xml:"key"`
	Value string `query:"Value" xml:"value"`
}

// Return is EC2's boolean acknowledgement (<return>true</return>).
type Return struct {
	Return bool `xml:"return"`
}

// timestamp formats a time as EC2 does: UTC, milliseconds, a Z.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
