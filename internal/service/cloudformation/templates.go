package cloudformation

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

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
		return nil, nil, validation("Template format error: %s", strings.TrimPrefix(err.Error(), "template: "))
	}
	return t, describeTemplate(body), nil
}

// describeTemplate reads the Description and each parameter's
// declaration. The template has parsed already, so what does not read
// here is left out rather than refused.
func describeTemplate(body string) *templateInfo {
	var doc struct {
		Description string    `yaml:"Description"`
		Parameters  yaml.Node `yaml:"Parameters"`
	}
	info := &templateInfo{}
	if yaml.Unmarshal([]byte(body), &doc) != nil {
		return info
	}
	info.Description = doc.Description
	p := doc.Parameters
	for i := 0; p.Kind == yaml.MappingNode && i+1 < len(p.Content); i += 2 {
		var decl struct {
			Type        string `yaml:"Type"`
			Default     any    `yaml:"Default"`
			Description string `yaml:"Description"`
			NoEcho      any    `yaml:"NoEcho"`
		}
		p.Content[i+1].Decode(&decl)
		pi := paramInfo{Name: p.Content[i].Value, Type: decl.Type, Description: decl.Description}
		if decl.Default != nil {
			pi.HasDefault = true
			if s, err := stack.String(decl.Default); err == nil {
				pi.Default = s
			}
		}
		pi.NoEcho = fmt.Sprint(decl.NoEcho) == "true"
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
	in := stack.Inputs{StackName: st.Name, StackID: st.ID, Region: sc.Region, AccountID: sc.Account, Parameters: params}
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
	if s.cfg.SSM != nil {
		in.SSM = func(name string) (string, bool) { return s.cfg.SSM(sc.Account, sc.Region, name) }
	}
	inst, err := stack.Instantiate(t, in)
	if err != nil {
		return nil, nil, validation("%s", strings.TrimPrefix(err.Error(), "template: "))
	}
	return inst, imports, nil
}
