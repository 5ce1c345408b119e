package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// AddPermissionInput is AddPermission's request.
type AddPermissionInput struct {
	FunctionName        string `path:"FunctionName" json:"-"`
	Qualifier           string `querystring:"Qualifier" json:"-"`
	StatementId         string `json:"StatementId"`
	Action              string `json:"Action"`
	Principal           string `json:"Principal"`
	SourceArn           string `json:"SourceArn"`
	SourceAccount       string `json:"SourceAccount"`
	EventSourceToken    string `json:"EventSourceToken"`
	RevisionId          string `json:"RevisionId"`
	PrincipalOrgID      string `json:"PrincipalOrgID"`
	FunctionUrlAuthType string `json:"FunctionUrlAuthType"`
}

// AddPermissionOutput is the statement added, as a JSON document.
type AddPermissionOutput struct {
	Statement string `json:"Statement"`
}

const (
	sidPattern       = `([a-zA-Z0-9-_.]+)`
	actionPattern    = `(lambda:[*]|lambda:[a-zA-Z]+|[*])`
	principalPattern = `[^\s]+`
	accountPattern   = `\d{12}`
)

var (
	sidRE       = regexp.MustCompile(`^` + sidPattern + `$`)
	actionRE    = regexp.MustCompile(`^` + actionPattern + `$`)
	principalRE = regexp.MustCompile(`^` + principalPattern + `$`)
	accountRE   = regexp.MustCompile(`^` + accountPattern + `$`)
)

// AddPermission adds a statement to the resource-based policy of a
// function, or of one of its versions or aliases.
func (s *Service) AddPermission(ctx context.Context, in *AddPermissionInput) (*AddPermissionOutput, error) {
	t, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	var v validation
	switch {
	case in.StatementId == "":
		v.add("Value null at 'statementId' failed to satisfy constraint: Member must not be null")
	case len(in.StatementId) > 100:
		v.length(in.StatementId, "statementId", 100)
	case !sidRE.MatchString(in.StatementId):
		v.pattern(in.StatementId, "statementId", sidPattern)
	}
	if in.Action == "" {
		v.add("Value null at 'action' failed to satisfy constraint: Member must not be null")
	} else if !actionRE.MatchString(in.Action) {
		v.pattern(in.Action, "action", actionPattern)
	}
	if in.Principal == "" {
		v.add("Value null at 'principal' failed to satisfy constraint: Member must not be null")
	} else if !principalRE.MatchString(in.Principal) {
		v.pattern(in.Principal, "principal", principalPattern)
	}
	if in.SourceAccount != "" && !accountRE.MatchString(in.SourceAccount) {
		v.pattern(in.SourceAccount, "sourceAccount", accountPattern)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.EventSourceToken != "" || in.PrincipalOrgID != "" {
		return nil, invalidParameter("gatehouse does not support EventSourceToken or PrincipalOrgID in permissions.")
	}
	var out *AddPermissionOutput
	err = s.update(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		_, resource, err := configOf(ctx, tx, f, t)
		if err != nil {
			return err
		}
		if t.qualifier == "$LATEST" {
			resource = f.ARN + ":$LATEST"
		}
		if in.RevisionId != "" && in.RevisionId != f.Config.RevisionID {
			return preconditionFailed("The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
		}
		if slices.ContainsFunc(f.Policy, func(st model.PermissionStatement) bool {
			return st.Sid == in.StatementId && st.Qualifier == t.qualifier
		}) {
			return conflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", in.StatementId)
		}
		st := model.PermissionStatement{Sid: in.StatementId, Qualifier: t.qualifier, Action: in.Action,
			Principal: in.Principal, SourceArn: in.SourceArn, SourceAccount: in.SourceAccount,
			FunctionURLAuthType: in.FunctionUrlAuthType}
		f.Policy = append(f.Policy, st)
		s.policyChanged(f)
		b, err := marshal(statement(st, resource))
		if err != nil {
			return err
		}
		out = &AddPermissionOutput{Statement: string(b)}
		return model.Put(tx, f)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// policyChanged gives the function a new RevisionId, as any change of
// its policy does on Lambda.
func (s *Service) policyChanged(f *model.Function) {
	f.PolicyRevision = api.NewRequestID()
	f.Config.RevisionID = f.PolicyRevision
}

// RemovePermissionInput names a statement.
type RemovePermissionInput struct {
	FunctionName string `path:"FunctionName" json:"-"`
	StatementId  string `path:"StatementId" json:"-"`
	Qualifier    string `querystring:"Qualifier" json:"-"`
	RevisionId   string `querystring:"RevisionId" json:"-"`
}

// RemovePermission removes a statement from the policy it was added to.
func (s *Service) RemovePermission(ctx context.Context, in *RemovePermissionInput) (*Empty, error) {
	t, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		if _, _, err := configOf(ctx, tx, f, t); err != nil {
			return err
		}
		if in.RevisionId != "" && in.RevisionId != f.Config.RevisionID {
			return preconditionFailed("The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
		}
		i := slices.IndexFunc(f.Policy, func(st model.PermissionStatement) bool {
			return st.Sid == in.StatementId && st.Qualifier == t.qualifier
		})
		if i < 0 {
			return resourceNotFound("Statement %s is not found in resource policy.", in.StatementId)
		}
		f.Policy = slices.Delete(slices.Clone(f.Policy), i, i+1)
		if len(f.Policy) == 0 {
			f.Policy = nil
		}
		s.policyChanged(f)
		return model.Put(tx, f)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// GetPolicyInput names a function, version or alias.
type GetPolicyInput struct {
	FunctionName string `path:"FunctionName" json:"-"`
	Qualifier    string `querystring:"Qualifier" json:"-"`
}

// GetPolicyOutput is a policy document and its revision.
type GetPolicyOutput struct {
	Policy     string `json:"Policy"`
	RevisionId string `json:"RevisionId"`
}

// GetPolicy reports the policy of a function, version or alias as the
// JSON document Lambda keeps.
func (s *Service) GetPolicy(ctx context.Context, in *GetPolicyInput) (*GetPolicyOutput, error) {
	t, err := resolve(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	var out *GetPolicyOutput
	err = s.view(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		_, resource, err := configOf(ctx, tx, f, t)
		if err != nil {
			return err
		}
		if t.qualifier == "$LATEST" {
			resource = f.ARN + ":$LATEST"
		}
		doc := policyDocument{Version: "2012-10-17", Id: "default"}
		for _, st := range f.Policy {
			if st.Qualifier == t.qualifier {
				doc.Statement = append(doc.Statement, statement(st, resource))
			}
		}
		if len(doc.Statement) == 0 {
			return resourceNotFound("The resource you requested does not exist.")
		}
		b, err := marshal(doc)
		if err != nil {
			return err
		}
		out = &GetPolicyOutput{Policy: string(b), RevisionId: f.Config.RevisionID}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// The policy document, members in the order Lambda writes them.
type policyDocument struct {
	Version   string            `json:"Version"`
	Id        string            `json:"Id"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Sid       string     `json:"Sid"`
	Effect    string     `json:"Effect"`
	Principal any        `json:"Principal"`
	Action    string     `json:"Action"`
	Resource  string     `json:"Resource"`
	Condition *condition `json:"Condition,omitempty"`
}

// condition holds a statement's conditions in the order Lambda writes
// them.
type condition struct {
	StringEquals map[string]string `json:"StringEquals,omitempty"`
	ArnLike      map[string]string `json:"ArnLike,omitempty"`
}

// statement renders a permission as Lambda writes it into the policy: a
// service principal as {"Service": ...}, an account id as the account's
// root ARN, and SourceArn and SourceAccount as conditions.
func statement(st model.PermissionStatement, resource string) policyStatement {
	ps := policyStatement{Sid: st.Sid, Effect: "Allow", Action: st.Action, Resource: resource}
	switch p := st.Principal; {
	case p == "*":
		ps.Principal = "*"
	case accountRE.MatchString(p):
		ps.Principal = map[string]string{"AWS": "arn:aws:iam::" + p + ":root"}
	case strings.HasPrefix(p, "arn:"):
		ps.Principal = map[string]string{"AWS": p}
	default:
		ps.Principal = map[string]string{"Service": p}
	}
	var c condition
	if st.SourceAccount != "" || st.FunctionURLAuthType != "" {
		c.StringEquals = map[string]string{}
	}
	if st.SourceAccount != "" {
		c.StringEquals["AWS:SourceAccount"] = st.SourceAccount
	}
	if st.FunctionURLAuthType != "" {
		c.StringEquals["lambda:FunctionUrlAuthType"] = st.FunctionURLAuthType
	}
	if st.SourceArn != "" {
		c.ArnLike = map[string]string{"AWS:SourceArn": st.SourceArn}
	}
	if c.StringEquals != nil || c.ArnLike != nil {
		ps.Condition = &c
	}
	return ps
}

// marshal encodes v as Lambda writes policies: no HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
