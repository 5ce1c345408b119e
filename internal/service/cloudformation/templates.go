package cloudformation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gatehouse/internal/model"
	"gatehouse/internal/stack"
)

// templateInfo is what the API reports of a template beyond what the
// stack package needs to deploy it.
type templateInfo struct {
	Description string
	Params      []paramInfo
}

type paramInfo struct {
	Name, Type, Default, Description string
	NoEcho, HasDefault               bool
}

// maxTemplateBody is CloudFormation's limit on a TemplateBody.
const maxTemplateBody = 51200

// parseTemplate parses a template body, with AWS's answers to what is
// missing or malformed.
func parseTemplate(body, url string) (*stack.Template, *templateInfo, error) {
	if url != "" {
		return nil, nil, validation("TemplateURL is not supported: gatehouse serves no S3. Send the template as TemplateBody.")
	}
	if body == "" {
		return nil, nil, validation("Either Template URL or Template Body must be specified.")
	}
	if len(body) > maxTemplateBody {
		return nil, nil, validation("1 validation error detected: Value '%s...' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to %d", body[:16], maxTemplateBody)
	}
	t, err := stack.Parse("template", []byte(body))
	if err != nil {
		return nil, nil, validation("%s", stack.Message(err))
	}
	return t, describeTemplate(t), nil
}

// describeTemplate is what the API reports of a parsed template.
func describeTemplate(t *stack.Template) *templateInfo {
	info := &templateInfo{Description: t.Description}
	for _, p := range t.Parameters {
		pi := paramInfo{Name: p.Name, Type: p.Type, Description: p.Description, NoEcho: p.NoEcho}
		pi.Default, pi.HasDefault = p.DefaultString()
		info.Params = append(info.Params, pi)
	}
	return info
}

// resolveParams merges the values given with the previous ones (for
// UsePreviousValue) into the stack's parameter list, one per declared
// parameter that has a value.
func resolveParams(info *templateInfo, given []Parameter, prev []model.StackParameter) ([]model.StackParameter, error) {
	declared := map[string]paramInfo{}
	for _, p := range info.Params {
		declared[p.Name] = p
	}
	values := map[string]string{}
	for _, g := range given {
		if _, ok := declared[g.ParameterKey]; !ok {
			return nil, validation("Parameters: [%s] do not exist in the template", g.ParameterKey)
		}
		if g.UsePreviousValue {
			found := false
			for _, p := range prev {
				if p.Key == g.ParameterKey {
					values[g.ParameterKey], found = p.Value, true
				}
			}
			if !found {
				return nil, validation("Invalid input for parameter key %s. Cannot specify usePreviousValue as true for a parameter key not in the previous template", g.ParameterKey)
			}
			continue
		}
		values[g.ParameterKey] = g.ParameterValue
	}
	var out []model.StackParameter
	var missing []string
	for _, p := range info.Params {
		v, ok := values[p.Name]
		if !ok {
			if !p.HasDefault {
				missing = append(missing, p.Name)
				continue
			}
			v = p.Default
		}
		out = append(out, model.StackParameter{Key: p.Name, Value: v, NoEcho: p.NoEcho})
	}
	if len(missing) > 0 {
		return nil, validation("Parameters: [%s] must have values", strings.Join(missing, ", "))
	}
	return out, nil
}

// instantiate checks a stack's template against its parameters and
// resolves them; imports lists the exports it reads.
func (s *Service) instantiate(ctx context.Context, sc model.Scope, st *model.Stack, cfg model.StackConfig, p stack.Provisioner) (*stack.Instance, *[]string, error) {
	t, _, err := parseTemplate(cfg.Template, "")
	if err != nil {
		return nil, nil, err
	}
	params := map[string]string{}
	for _, prm := range cfg.Parameters {
		params[prm.Key] = prm.Value
	}
	in := stack.Inputs{StackName: st.Name, StackID: st.ID, Region: sc.Region, AccountID: sc.Account, Parameters: params,
		NotificationARNs: cfg.NotificationARNs}
	if strings.Contains(cfg.Template, "GetAZs") {
		zones, err := p.Zones(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("Fn::GetAZs: %v", err)
		}
		in.Zones = zones
	}
	imports := new([]string)
	in.Import = func(name string) (string, bool) {
		v, ok := s.exportValue(sc, name, st.ID)
		if ok && !slices.Contains(*imports, name) {
			*imports = append(*imports, name)
		}
		return v, ok
	}
	in.SSM = func(name string) (string, bool) {
		var v string
		var ok bool
		if s.cfg.SeedParameters != nil {
			if err := s.cfg.SeedParameters(sc.Account, sc.Region); err != nil {
				s.cfg.Log.Error("seeding the Parameter Store", "account", sc.Account, "region", sc.Region, "err", err)
			}
		}
		s.view(sc, func(tx model.Tx) error {
			var err error
			v, ok, err = model.SSMParameterValue(tx, name)
			return err
		})
		return v, ok
	}
	inst, err := stack.Instantiate(t, in)
	if err != nil {
		var ve *stack.ValidationError
		if errors.As(err, &ve) {
			return nil, nil, validation("%s", ve.Message)
		}
		return nil, nil, err
	}
	return inst, imports, nil
}
