package ssm

import (
	"context"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// Shapes. awsJson has no HTTP bindings: inputs and outputs are plain
// structs whose json tags carry Systems Manager's member names, and
// timestamps are epoch seconds (float64, see epoch).

// Tag is one key and value.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Empty is an output without members.
type Empty struct{}

// Parameter is a parameter as the Get calls answer it.
type Parameter struct {
	Name             string  `json:"Name"`
	Type             string  `json:"Type"`
	Value            string  `json:"Value"`
	Version          int64   `json:"Version"`
	Selector         string  `json:"Selector,omitempty"`
	LastModifiedDate float64 `json:"LastModifiedDate"`
	ARN              string  `json:"ARN"`
	DataType         string  `json:"DataType"`
}

// ParameterMetadata is a parameter as DescribeParameters answers it:
// everything but its value.
type ParameterMetadata struct {
	Name             string   `json:"Name"`
	ARN              string   `json:"ARN"`
	Type             string   `json:"Type"`
	KeyID            string   `json:"KeyId,omitempty"`
	LastModifiedDate float64  `json:"LastModifiedDate"`
	LastModifiedUser string   `json:"LastModifiedUser"`
	Description      string   `json:"Description,omitempty"`
	AllowedPattern   string   `json:"AllowedPattern,omitempty"`
	Version          int64    `json:"Version"`
	Tier             string   `json:"Tier"`
	Policies         []Policy `json:"Policies"`
	DataType         string   `json:"DataType"`
}

// Policy is a parameter policy; gatehouse applies none, so lists of them
// are always empty.
type Policy struct{}

// parameterARN is a parameter's ARN. A hierarchical name's leading slash
// is the one after "parameter": arn:…:parameter/dev/db, arn:…:parameter/name.
func parameterARN(ctx context.Context, name string) string {
	m := api.MetaFrom(ctx)
	return api.ARN("ssm", m.Region, m.Account, "parameter/"+strings.TrimPrefix(name, "/"))
}

// nameOf accepts what SSM accepts wherever it asks for a parameter: its
// name, or its ARN in the caller's account and region.
func nameOf(ctx context.Context, nameOrARN string) string {
	if !strings.HasPrefix(nameOrARN, "arn:") {
		return nameOrARN
	}
	m := api.MetaFrom(ctx)
	rest, ok := strings.CutPrefix(nameOrARN, api.ARN("ssm", m.Region, m.Account, "parameter/"))
	if !ok || rest == "" {
		return ""
	}
	if strings.Contains(rest, "/") {
		return "/" + rest
	}
	return rest
}

// parameterOut is p as the Get calls answer it. A SecureString read
// without decryption answers an opaque stand-in for the ciphertext.
func parameterOut(ctx context.Context, p *model.Parameter, decrypt bool) Parameter {
	v := p.Value
	if p.Type == typeSecure && !decrypt {
		v = sealed(p)
	}
	return Parameter{Name: p.Name, Type: p.Type, Value: v, Version: p.Version,
		LastModifiedDate: epoch(p.LastModifiedDate), ARN: parameterARN(ctx, p.Name), DataType: p.DataType}
}

// sealed stands in for a SecureString's ciphertext. It is not encryption:
// gatehouse holds no keys, and the value is only kept out of plain sight.
func sealed(p *model.Parameter) string {
	return base64.StdEncoding.EncodeToString([]byte("gatehouse:" + p.KeyID + ":" + p.Value))
}

func metadataOut(ctx context.Context, p *model.Parameter) ParameterMetadata {
	return ParameterMetadata{Name: p.Name, ARN: parameterARN(ctx, p.Name), Type: p.Type, KeyID: p.KeyID,
		LastModifiedDate: epoch(p.LastModifiedDate), LastModifiedUser: p.LastModifiedUser,
		Description: p.Description, AllowedPattern: p.AllowedPattern, Version: p.Version, Tier: p.Tier,
		Policies: []Policy{}, DataType: p.DataType}
}

// page cuts one page from params, which are sorted by name. The token is
// the name of the first parameter of the next page, so a page boundary
// survives parameters being added or removed between calls.
func page(params []*model.Parameter, maxResults *int32, token *string, limit int) ([]*model.Parameter, *string, error) {
	size := limit
	if maxResults != nil {
		switch {
		case *maxResults < 1:
			return nil, nil, constraint(*maxResults, "maxResults", "have value greater than or equal to 1")
		case int(*maxResults) > limit:
			return nil, nil, constraint(*maxResults, "maxResults", rangeRule(limit))
		}
		size = int(*maxResults)
	}
	start := 0
	if token != nil && *token != "" {
		from, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil || len(from) == 0 {
			return nil, nil, invalidNextToken()
		}
		start = sort.Search(len(params), func(i int) bool { return params[i].Name >= string(from) })
	}
	end := min(start+size, len(params))
	var next *string
	if end < len(params) {
		t := base64.RawURLEncoding.EncodeToString([]byte(params[end].Name))
		next = &t
	}
	return params[start:end], next, nil
}

func rangeRule(limit int) string {
	return "have value less than or equal to " + strconv.Itoa(limit)
}
