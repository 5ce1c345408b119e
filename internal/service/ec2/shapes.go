package ec2

import (
	"time"

	"gatehouse/internal/model"
)

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

// set is a list EC2 always sends, as <name><item>...</item></name>, even
// when it is empty (<name/>): clients index such lists without checking for
// them. Use it as `xml:"name"`; a plain []T with `xml:"name>item"` vanishes
// when empty.
type set[T any] struct {
	Items []T `xml:"item"`
}

// setOf wraps items as a set.
func setOf[T any](items []T) set[T] { return set[T]{Items: items} }

// tagList is a resource's tags as a set that is always present.
func tagList(tags model.Tags) set[Tag] { return setOf(tagSet(tags)) }
