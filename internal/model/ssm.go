package model

import (
	"strings"
	"time"
)

// Parameter is one SSM Parameter Store parameter. Only its latest version
// is kept; Version counts every write. Nothing in a snapshot reads
// parameters, so the kind is not indexed: the data plane never sees them.
type Parameter struct {
	Name           string
	Type           string // String | StringList | SecureString
	Value          string
	Version        int64
	DataType       string // text | aws:ec2:image | aws:ssm:integration
	Description    string `json:",omitempty"`
	AllowedPattern string `json:",omitempty"`
	KeyID          string `json:",omitempty"` // SecureString only
	Tier           string // Standard | Advanced
	// LastModifiedUser is the ARN of who wrote the latest version.
	LastModifiedUser string
	LastModifiedDate time.Time
	Tags             Tags
}

func (Parameter) Kind() string  { return "ssm-parameter" }
func (p Parameter) Key() string { return ParameterKey(p.Name) }

// ParameterKey is the key a parameter name is stored under. SSM takes
// "/Name" and "Name" for the same parameter when the name has no
// hierarchy, so the leading slash of such a name is dropped; a
// hierarchical name ("/dev/db/url") is its own key.
func ParameterKey(name string) string {
	if rest, ok := strings.CutPrefix(name, "/"); ok && !strings.Contains(rest, "/") {
		return rest
	}
	return name
}

// SSMParameterValue is the value of the parameter name in tx's account and
// region, and whether it exists: what a template parameter of type
// AWS::SSM::Parameter::Value<String> resolves to. A StringList's value is
// its comma-separated text, as SSM stores it.
func SSMParameterValue(tx Tx, name string) (string, bool, error) {
	p, ok, err := Get[Parameter](tx, ParameterKey(name))
	if err != nil || !ok {
		return "", false, err
	}
	return p.Value, true, nil
}
