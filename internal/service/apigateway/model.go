package apigateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gatehouse/internal/model"
	"gatehouse/internal/schema"
)

// Model is a REST API's model: a JSON Schema (draft 4) for bodies of one
// content type.
type Model struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	ContentType string `json:"contentType"`
	Schema      string `json:"schema,omitempty"`
}

type CreateModelInput struct {
	RestAPIID   string `path:"restApiId" json:"-"`
	Name        string `json:"name"`
	Description string `json:"description"`
	ContentType string `json:"contentType"`
	Schema      string `json:"schema"`
}

type ModelInput struct {
	RestAPIID string `path:"restApiId" json:"-"`
	ModelName string `path:"modelName" json:"-"`
}

type GetModelInput struct {
	RestAPIID string `path:"restApiId" json:"-"`
	ModelName string `path:"modelName" json:"-"`
	Flatten   bool   `querystring:"flatten" json:"-"`
}

type GetModelsInput struct {
	RestAPIID string `path:"restApiId" json:"-"`
	Limit     *int32 `querystring:"limit" json:"-"`
	Position  string `querystring:"position" json:"-"`
}

type GetModelsOutput struct {
	Items    []Model `json:"item"`
	Position string  `json:"position,omitempty"`
}

type UpdateModelInput struct {
	RestAPIID       string           `path:"restApiId" json:"-"`
	ModelName       string           `path:"modelName" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

// Template is GetModelTemplate's answer: a mapping template that builds a
// body of the model's shape.
type Template struct {
	Value string `json:"value"`
}

var modelName = regexp.MustCompile(`^[a-zA-Z0-9]+$`)

// The models AWS makes with every REST API, schema text as AWS has it.
var defaultModels = []model.RestModel{
	{Name: "Empty", ContentType: "application/json", Description: "This is a default empty schema model",
		Schema: "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}"},
	{Name: "Error", ContentType: "application/json", Description: "This is a default error schema model",
		Schema: "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}"},
}

// putDefaultModels gives a new API AWS's Empty and Error models.
func putDefaultModels(tx model.Tx, apiID string) error {
	for _, m := range defaultModels {
		m.APIID, m.ID = apiID, randomID(shortID)
		if err := model.Put(tx, &m); err != nil {
			return err
		}
	}
	return nil
}

func modelError(detail string) error {
	return badRequest("Invalid model specified: Validation Result: warnings : [], errors : [%s]", detail)
}

// checkSchema compiles src as the model name against the API's models as
// they will be, so a schema that could not be served is refused now.
func checkSchema(tx model.Tx, apiID, name, src string) error {
	models, err := modelSchemas(tx, apiID)
	if err != nil {
		return err
	}
	models[name] = src
	if _, err := schema.Compile(apiID, name, models); err != nil {
		var se *schema.Error
		if errors.As(err, &se) {
			return modelError(se.Detail)
		}
		return err
	}
	return nil
}

func modelSchemas(tx model.Tx, apiID string) (map[string]string, error) {
	all, err := apiModels(tx, apiID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(all))
	for _, m := range all {
		out[m.Name] = m.Schema
	}
	return out, nil
}

func (s *Service) CreateModel(ctx context.Context, in *CreateModelInput) (*Model, error) {
	if in.Name == "" {
		return nil, badRequest("Model name must be non-empty")
	}
	if !modelName.MatchString(in.Name) {
		return nil, badRequest("Model name must be alphanumeric: %s", in.Name)
	}
	if in.ContentType == "" {
		return nil, badRequest("Content type must be non-empty")
	}
	m := &model.RestModel{APIID: in.RestAPIID, Name: in.Name, Description: in.Description, ContentType: in.ContentType, Schema: in.Schema}
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		if _, ok, err := model.Get[model.RestModel](tx, m.Key()); err != nil || ok {
			if ok {
				return conflict("Model name already exists for this REST API")
			}
			return err
		}
		if m.Schema != "" {
			if err := checkSchema(tx, m.APIID, m.Name, m.Schema); err != nil {
				return err
			}
		}
		m.ID = randomID(shortID)
		return model.Put(tx, m)
	})
	if err != nil {
		return nil, err
	}
	return modelShape(m), nil
}

func (s *Service) GetModel(ctx context.Context, in *GetModelInput) (*Model, error) {
	var out *Model
	err := s.view(ctx, func(tx model.Tx) error {
		m, err := getModel(ctx, tx, in.RestAPIID, in.ModelName)
		if err != nil {
			return err
		}
		out = modelShape(m)
		if in.Flatten && m.Schema != "" {
			models, err := modelSchemas(tx, in.RestAPIID)
			if err != nil {
				return err
			}
			out.Schema, err = flatten(in.RestAPIID, m.Schema, models)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) GetModels(ctx context.Context, in *GetModelsInput) (*GetModelsOutput, error) {
	var all []*model.RestModel
	err := s.view(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		var err error
		all, err = apiModels(tx, in.RestAPIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(m *model.RestModel) string { return m.Name }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &GetModelsOutput{Items: []Model{}, Position: next}
	for _, m := range items {
		out.Items = append(out.Items, *modelShape(m))
	}
	return out, nil
}

// UpdateModel changes a model's schema or description. A new schema must
// compile, and every model referring to this one must still compile with
// it.
func (s *Service) UpdateModel(ctx context.Context, in *UpdateModelInput) (*Model, error) {
	var m *model.RestModel
	err := s.update(ctx, func(tx model.Tx) error {
		var err error
		if m, err = getModel(ctx, tx, in.RestAPIID, in.ModelName); err != nil {
			return err
		}
		old := m.Schema
		err = applyPatch(in.PatchOperations, []patchPath{
			replaceText("/schema", &m.Schema),
			replaceText("/description", &m.Description),
		})
		if err != nil {
			return err
		}
		if m.Schema != old {
			if m.Schema == "" {
				return modelError("Invalid model schema specified")
			}
			if err := checkSchema(tx, m.APIID, m.Name, m.Schema); err != nil {
				return err
			}
			if err := checkReferrers(tx, m); err != nil {
				return err
			}
		}
		return model.Put(tx, m)
	})
	if err != nil {
		return nil, err
	}
	return modelShape(m), nil
}

// checkReferrers compiles every other model of m's API against m as it
// now is, so a change cannot break a model that refers to it.
func checkReferrers(tx model.Tx, m *model.RestModel) error {
	models, err := modelSchemas(tx, m.APIID)
	if err != nil {
		return err
	}
	models[m.Name] = m.Schema
	ref := schema.ModelURL(m.APIID, m.Name)
	for _, name := range sortedKeys(models) {
		if name == m.Name || !strings.Contains(models[name], ref) {
			continue
		}
		if _, err := schema.Compile(m.APIID, name, models); err != nil {
			return modelError(fmt.Sprintf("Model %s, which refers to this model, would not be valid: %v", name, err))
		}
	}
	return nil
}

// DeleteModel refuses while a method or another model uses the model, as
// AWS does.
func (s *Service) DeleteModel(ctx context.Context, in *ModelInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		m, err := getModel(ctx, tx, in.RestAPIID, in.ModelName)
		if err != nil {
			return err
		}
		resources, err := apiResources(tx, m.APIID)
		if err != nil {
			return err
		}
		sort.Slice(resources, func(i, j int) bool { return resources[i].Path < resources[j].Path })
		for _, r := range resources {
			for _, verb := range sortedKeys(r.Methods) {
				meth := r.Methods[verb]
				for _, name := range meth.RequestModels {
					if name == m.Name {
						return badRequest("Cannot delete model '%s', is referenced in method request: %s/%s", m.Name, r.Path, verb)
					}
				}
				for _, code := range sortedKeys(meth.MethodResponses) {
					for _, name := range meth.MethodResponses[code].ResponseModels {
						if name == m.Name {
							return badRequest("Cannot delete model '%s', is referenced in method response: %s/%s/%s", m.Name, r.Path, verb, code)
						}
					}
				}
			}
		}
		others, err := apiModels(tx, m.APIID)
		if err != nil {
			return err
		}
		ref := schema.ModelURL(m.APIID, m.Name)
		for _, o := range others {
			if o.Name != m.Name && references(o.Schema, ref) {
				return badRequest("Cannot delete model '%s', is referenced in model: %s", m.Name, o.Name)
			}
		}
		return model.Delete(tx, m)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// references reports whether src has a $ref to the model at ref.
func references(src, ref string) bool {
	for _, q := range []string{`"` + ref + `"`, `"` + ref + `#`} {
		if strings.Contains(src, q) {
			return true
		}
	}
	return false
}

// GetModelTemplate sketches a mapping template that outputs a body of the
// model's shape, reading each property from the input at the same place.
func (s *Service) GetModelTemplate(ctx context.Context, in *ModelInput) (*Template, error) {
	var out *Template
	err := s.view(ctx, func(tx model.Tx) error {
		m, err := getModel(ctx, tx, in.RestAPIID, in.ModelName)
		if err != nil {
			return err
		}
		models, err := modelSchemas(tx, in.RestAPIID)
		if err != nil {
			return err
		}
		flat, err := flatten(in.RestAPIID, m.Schema, models)
		if err != nil {
			return err
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(flat), &doc); err != nil {
			return badRequest("Invalid model schema specified")
		}
		out = &Template{Value: modelTemplate(doc)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func getModel(ctx context.Context, tx model.Tx, apiID, name string) (*model.RestModel, error) {
	if _, err := getAPI(ctx, tx, apiID); err != nil {
		return nil, err
	}
	m, ok, err := model.Get[model.RestModel](tx, apiID+"/"+name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("Invalid model name specified: %s", name)
	}
	return m, nil
}

func apiModels(tx model.Tx, apiID string) ([]*model.RestModel, error) {
	return model.ListPrefix[model.RestModel](tx, apiID+"/")
}

func modelShape(m *model.RestModel) *Model {
	return &Model{ID: m.ID, Name: m.Name, Description: m.Description, ContentType: m.ContentType, Schema: m.Schema}
}

// freezeValidation copies the API's models, validators and gateway
// responses into d: a stage validates and answers errors as its
// deployment says, whatever changes after.
func freezeValidation(tx model.Tx, d *model.RestDeployment) error {
	models, err := apiModels(tx, d.APIID)
	if err != nil {
		return err
	}
	for _, m := range models {
		d.Models = append(d.Models, *m)
	}
	validators, err := apiValidators(tx, d.APIID)
	if err != nil {
		return err
	}
	for _, v := range validators {
		d.Validators = append(d.Validators, *v)
	}
	responses, err := model.ListPrefix[model.RestGatewayResponse](tx, d.APIID+"/")
	if err != nil {
		return err
	}
	for _, g := range responses {
		d.GatewayResponses = append(d.GatewayResponses, *g)
	}
	return freezeAuthorizers(tx, d)
}

// deleteValidation removes an API's models, validators and gateway
// responses, with the API.
func deleteValidation(tx model.Tx, apiID string) error {
	models, err := apiModels(tx, apiID)
	if err != nil {
		return err
	}
	for _, m := range models {
		if err := model.Delete(tx, m); err != nil {
			return err
		}
	}
	validators, err := apiValidators(tx, apiID)
	if err != nil {
		return err
	}
	for _, v := range validators {
		if err := model.Delete(tx, v); err != nil {
			return err
		}
	}
	responses, err := model.ListPrefix[model.RestGatewayResponse](tx, apiID+"/")
	if err != nil {
		return err
	}
	for _, g := range responses {
		if err := model.Delete(tx, g); err != nil {
			return err
		}
	}
	return deleteAuthorizers(tx, apiID)
}
