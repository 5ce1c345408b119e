// Package authpolicy evaluates the IAM policy document a Lambda authorizer
// returns against the ARN of the route or method a request is for
// (arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}),
// as API Gateway does: the request is allowed when a statement allows
// execute-api:Invoke on a resource matching the ARN and no statement
// denies it; an explicit Deny wins over any Allow, and nothing said is a
// deny. It only reads policies; calling the authorizer and caching its
// answers are each pipeline's own.
package authpolicy

import (
	"bytes"
	"encoding/json"
	"errors"

	"gatehouse/internal/wildcard"
)

// Policy is a parsed policy document.
type Policy struct {
	statements []statement
}

type statement struct {
	allow     bool
	actions   []string
	resources []string
	// not says the statement names NotAction / NotResource: it applies
	// to everything but what it lists.
	notAction, notResource bool
}

// ErrInvalid is a policy document API Gateway cannot read: the
// authorizer's answer is then a configuration error (500), not a deny.
var ErrInvalid = errors.New("invalid policy document")

// strings1 is an IAM value that is one string or a list of them.
type strings1 []string

func (s *strings1) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = strings1{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

type document struct {
	Version   string          `json:"Version"`
	Statement json.RawMessage `json:"Statement"`
}

type rawStatement struct {
	Effect      string   `json:"Effect"`
	Action      strings1 `json:"Action"`
	NotAction   strings1 `json:"NotAction"`
	Resource    strings1 `json:"Resource"`
	NotResource strings1 `json:"NotResource"`
}

// Parse reads a policy document: a JSON object whose Statement is one
// statement or a list, each with Effect Allow or Deny, an Action (or
// NotAction) and a Resource (or NotResource).
func Parse(doc []byte) (*Policy, error) {
	var d document
	if err := json.Unmarshal(doc, &d); err != nil || len(d.Statement) == 0 {
		return nil, ErrInvalid
	}
	var raws []rawStatement
	body := bytes.TrimSpace(d.Statement)
	if len(body) > 0 && body[0] == '{' {
		var one rawStatement
		if err := json.Unmarshal(body, &one); err != nil {
			return nil, ErrInvalid
		}
		raws = []rawStatement{one}
	} else if err := json.Unmarshal(body, &raws); err != nil {
		return nil, ErrInvalid
	}
	p := &Policy{statements: make([]statement, 0, len(raws))}
	for _, r := range raws {
		var s statement
		switch r.Effect {
		case "Allow":
			s.allow = true
		case "Deny":
		default:
			return nil, ErrInvalid
		}
		s.actions, s.notAction = r.Action, false
		if len(r.Action) == 0 {
			s.actions, s.notAction = r.NotAction, true
		}
		s.resources, s.notResource = r.Resource, false
		if len(r.Resource) == 0 {
			s.resources, s.notResource = r.NotResource, true
		}
		if len(s.actions) == 0 || len(s.resources) == 0 {
			return nil, ErrInvalid
		}
		p.statements = append(p.statements, s)
	}
	return p, nil
}

// Decision is a policy's verdict on one ARN.
type Decision int

const (
	// ImplicitDeny: no statement allows the ARN (and none denies it).
	ImplicitDeny Decision = iota
	// Allow: a statement allows the ARN and none denies it.
	Allow
	// ExplicitDeny: a statement denies the ARN, whatever else allows it.
	ExplicitDeny
)

// Decide judges arn (execute-api:Invoke) as API Gateway does: an explicit
// deny wins, then an allow; nothing said is a deny. REST APIs answer the
// two denies differently, so they are told apart.
func (p *Policy) Decide(arn string) Decision {
	if p == nil {
		return ImplicitDeny
	}
	d := ImplicitDeny
	for i := range p.statements {
		s := &p.statements[i]
		if !s.applies(arn) {
			continue
		}
		if !s.allow {
			return ExplicitDeny
		}
		d = Allow
	}
	return d
}

// Allows reports whether the policy lets the caller invoke arn
// (execute-api:Invoke): some statement allows it and none denies it.
func (p *Policy) Allows(arn string) bool { return p.Decide(arn) == Allow }

func (s *statement) applies(arn string) bool {
	return anyMatch(s.actions, "execute-api:Invoke", true) != s.notAction &&
		anyMatch(s.resources, arn, false) != s.notResource
}

func anyMatch(patterns []string, value string, fold bool) bool {
	for _, p := range patterns {
		// Action names are case-insensitive in IAM; resources are not.
		if wildcard.Match(p, value, fold) {
			return true
		}
	}
	return false
}
