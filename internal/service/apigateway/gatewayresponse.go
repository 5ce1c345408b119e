package apigateway

import (
	"context"
	"errors"
	"strconv"

	"gatehouse/internal/mapping/restparam"
	"gatehouse/internal/model"
	"gatehouse/internal/vtl"
)

// GatewayResponse is how a REST API answers one type of the gateway's own
// errors: AWS's default, or the API's customization.
type GatewayResponse struct {
	ResponseType       string            `json:"responseType"`
	StatusCode         string            `json:"statusCode,omitempty"`
	ResponseParameters map[string]string `json:"responseParameters"`
	ResponseTemplates  map[string]string `json:"responseTemplates"`
	DefaultResponse    bool              `json:"defaultResponse"`
}

type PutGatewayResponseInput struct {
	RestAPIID          string            `path:"restApiId" json:"-"`
	ResponseType       string            `path:"responseType" json:"-"`
	StatusCode         string            `json:"statusCode"`
	ResponseParameters map[string]string `json:"responseParameters"`
	ResponseTemplates  map[string]string `json:"responseTemplates"`
}

type GatewayResponseInput struct {
	RestAPIID    string `path:"restApiId" json:"-"`
	ResponseType string `path:"responseType" json:"-"`
}

type GetGatewayResponsesInput struct {
	RestAPIID string `path:"restApiId" json:"-"`
	Limit     *int32 `querystring:"limit" json:"-"`
	Position  string `querystring:"position" json:"-"`
}

type GetGatewayResponsesOutput struct {
	Items    []GatewayResponse `json:"item"`
	Position string            `json:"position,omitempty"`
}

type UpdateGatewayResponseInput struct {
	RestAPIID       string           `path:"restApiId" json:"-"`
	ResponseType    string           `path:"responseType" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

func responseTypeNames() []string {
	out := make([]string, len(model.GatewayResponseTypes))
	for i, t := range model.GatewayResponseTypes {
		out[i] = t.Name
	}
	return out
}

// checkResponseType refuses a type outside AWS's list, as AWS's front end
// does.
func checkResponseType(member, t string) error {
	if t == "" {
		return enumError(member, t, responseTypeNames())
	}
	return checkEnum(member, t, responseTypeNames())
}

// checkGatewayResponse checks a customization whole: its status, what its
// headers map and that its templates parse.
func checkGatewayResponse(g *model.RestGatewayResponse) error {
	if g.StatusCode != "" && !statusCodePattern.MatchString(g.StatusCode) {
		return badRequest("Invalid status code specified: %s", g.StatusCode)
	}
	// In restparam's grammar, which the data plane serves them with: a
	// header, from a literal, a method request value, a stage variable or
	// a $context value.
	for _, k := range sortedKeys(g.ResponseParameters) {
		if _, err := restparam.ParseGatewayResponse(k, g.ResponseParameters[k]); err != nil {
			var pe *restparam.Error
			if errors.As(err, &pe) && pe.Parameter {
				return badRequest("%s", err)
			}
			return mappingError(err.Error())
		}
	}
	for _, ct := range sortedKeys(g.ResponseTemplates) {
		if _, err := vtl.Parse(g.ResponseTemplates[ct]); err != nil {
			return badRequest("Invalid mapping template specified for %s: %v", ct, err)
		}
	}
	return nil
}

func (s *Service) PutGatewayResponse(ctx context.Context, in *PutGatewayResponseInput) (*GatewayResponse, error) {
	if err := checkResponseType("putGatewayResponseInput.responseType", in.ResponseType); err != nil {
		return nil, err
	}
	g := &model.RestGatewayResponse{APIID: in.RestAPIID, ResponseType: in.ResponseType, StatusCode: in.StatusCode,
		ResponseParameters: in.ResponseParameters, ResponseTemplates: in.ResponseTemplates}
	if err := checkGatewayResponse(g); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		return model.Put(tx, g)
	})
	if err != nil {
		return nil, err
	}
	return gatewayResponseShape(g, false), nil
}

func (s *Service) GetGatewayResponse(ctx context.Context, in *GatewayResponseInput) (*GatewayResponse, error) {
	if err := checkResponseType("getGatewayResponseInput.responseType", in.ResponseType); err != nil {
		return nil, err
	}
	var out *GatewayResponse
	err := s.view(ctx, func(tx model.Tx) error {
		g, custom, err := getGatewayResponse(ctx, tx, in.RestAPIID, in.ResponseType)
		out = gatewayResponseShape(g, !custom)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetGatewayResponses lists every type, the API's customizations and
// AWS's defaults for the rest, as AWS does.
func (s *Service) GetGatewayResponses(ctx context.Context, in *GetGatewayResponsesInput) (*GetGatewayResponsesOutput, error) {
	var all []*GatewayResponse
	err := s.view(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		for _, t := range model.GatewayResponseTypes {
			g, custom, err := getGatewayResponse(ctx, tx, in.RestAPIID, t.Name)
			if err != nil {
				return err
			}
			all = append(all, gatewayResponseShape(g, !custom))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(g *GatewayResponse) string { return g.ResponseType }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &GetGatewayResponsesOutput{Items: []GatewayResponse{}, Position: next}
	for _, g := range items {
		out.Items = append(out.Items, *g)
	}
	return out, nil
}

// UpdateGatewayResponse patches a type's response, its default when the
// API has not customized it yet.
func (s *Service) UpdateGatewayResponse(ctx context.Context, in *UpdateGatewayResponseInput) (*GatewayResponse, error) {
	if err := checkResponseType("updateGatewayResponseInput.responseType", in.ResponseType); err != nil {
		return nil, err
	}
	var g *model.RestGatewayResponse
	err := s.update(ctx, func(tx model.Tx) error {
		var err error
		if g, _, err = getGatewayResponse(ctx, tx, in.RestAPIID, in.ResponseType); err != nil {
			return err
		}
		err = applyPatch(in.PatchOperations, []patchPath{
			optionalText("/statusCode", &g.StatusCode),
			mapMember("/responseParameters/*", &g.ResponseParameters),
			mapMember("/responseTemplates/*", &g.ResponseTemplates),
		})
		if err != nil {
			return err
		}
		if err := checkGatewayResponse(g); err != nil {
			return err
		}
		return model.Put(tx, g)
	})
	if err != nil {
		return nil, err
	}
	return gatewayResponseShape(g, false), nil
}

// DeleteGatewayResponse puts a type back to AWS's default.
func (s *Service) DeleteGatewayResponse(ctx context.Context, in *GatewayResponseInput) (*Empty, error) {
	if err := checkResponseType("deleteGatewayResponseInput.responseType", in.ResponseType); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx model.Tx) error {
		g, custom, err := getGatewayResponse(ctx, tx, in.RestAPIID, in.ResponseType)
		if err != nil {
			return err
		}
		if !custom {
			return notFound("Invalid Gateway Response identifier specified")
		}
		return model.Delete(tx, g)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// getGatewayResponse is the API's customization of t, or AWS's default
// for it (custom false).
func getGatewayResponse(ctx context.Context, tx model.Tx, apiID, t string) (*model.RestGatewayResponse, bool, error) {
	if _, err := getAPI(ctx, tx, apiID); err != nil {
		return nil, false, err
	}
	g, ok, err := model.Get[model.RestGatewayResponse](tx, apiID+"/"+t)
	if err != nil || ok {
		return g, ok, err
	}
	g = &model.RestGatewayResponse{APIID: apiID, ResponseType: t,
		ResponseTemplates: map[string]string{"application/json": model.DefaultGatewayResponseTemplate}}
	for _, d := range model.GatewayResponseTypes {
		if d.Name == t && d.Status != 0 {
			g.StatusCode = strconv.Itoa(d.Status)
		}
	}
	return g, false, nil
}

func gatewayResponseShape(g *model.RestGatewayResponse, isDefault bool) *GatewayResponse {
	if g == nil {
		return nil
	}
	out := &GatewayResponse{ResponseType: g.ResponseType, StatusCode: g.StatusCode, DefaultResponse: isDefault,
		ResponseParameters: map[string]string{}, ResponseTemplates: map[string]string{}}
	for k, v := range g.ResponseParameters {
		out.ResponseParameters[k] = v
	}
	for k, v := range g.ResponseTemplates {
		out.ResponseTemplates[k] = v
	}
	return out
}
