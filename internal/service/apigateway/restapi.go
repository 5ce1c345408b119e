package apigateway

import (
	"context"
	"slices"
	"strings"

	"gatehouse/internal/model"
)

// EndpointConfiguration says where an API's invoke URL lives.
type EndpointConfiguration struct {
	Types          []string `json:"types,omitempty"`
	VpcEndpointIDs []string `json:"vpcEndpointIds,omitempty"`
}

// RestApi is a REST API as the v1 API shows it.
type RestApi struct {
	ID                        string                 `json:"id"`
	Name                      string                 `json:"name"`
	Description               string                 `json:"description,omitempty"`
	Version                   string                 `json:"version,omitempty"`
	CreatedDate               int64                  `json:"createdDate"`
	APIKeySource              string                 `json:"apiKeySource,omitempty"`
	BinaryMediaTypes          []string               `json:"binaryMediaTypes,omitempty"`
	EndpointConfiguration     *EndpointConfiguration `json:"endpointConfiguration,omitempty"`
	DisableExecuteAPIEndpoint bool                   `json:"disableExecuteApiEndpoint"`
	RootResourceID            string                 `json:"rootResourceId,omitempty"`
	Tags                      map[string]string      `json:"tags,omitempty"`
}

type CreateRestApiInput struct {
	Name                      string                 `json:"name"`
	Description               string                 `json:"description"`
	Version                   string                 `json:"version"`
	APIKeySource              string                 `json:"apiKeySource"`
	BinaryMediaTypes          []string               `json:"binaryMediaTypes"`
	DisableExecuteAPIEndpoint bool                   `json:"disableExecuteApiEndpoint"`
	EndpointConfiguration     *EndpointConfiguration `json:"endpointConfiguration"`
	Tags                      map[string]string      `json:"tags"`
	// Accepted and not kept: gatehouse enforces neither (see README.md).
	Policy                 string `json:"policy"`
	MinimumCompressionSize *int   `json:"minimumCompressionSize"`
	// Refused: gatehouse does not clone APIs.
	CloneFrom string `json:"cloneFrom"`
}

type RestApiIDInput struct {
	RestAPIID string `path:"restApiId" json:"-"`
}

type GetRestApisInput struct {
	Limit    *int32 `querystring:"limit" json:"-"`
	Position string `querystring:"position" json:"-"`
}

type GetRestApisOutput struct {
	Items    []RestApi `json:"item"`
	Position string    `json:"position,omitempty"`
}

type UpdateRestApiInput struct {
	RestAPIID       string           `path:"restApiId" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

type Empty struct{}

var (
	endpointTypes = []string{"REGIONAL", "EDGE", "PRIVATE"}
	apiKeySources = []string{"HEADER", "AUTHORIZER"}
)

func (s *Service) CreateRestApi(ctx context.Context, in *CreateRestApiInput) (*RestApi, error) {
	if in.Name == "" {
		return nil, badRequest("Invalid REST API name specified: the name must not be empty")
	}
	if in.CloneFrom != "" {
		return nil, badRequest("gatehouse does not clone REST APIs (cloneFrom); create the API and its resources instead")
	}
	if err := checkEnum("createRestApiInput.apiKeySource", in.APIKeySource, apiKeySources); err != nil {
		return nil, err
	}
	types := []string{"EDGE"}
	if in.EndpointConfiguration != nil && len(in.EndpointConfiguration.Types) > 0 {
		types = in.EndpointConfiguration.Types
	}
	if err := checkEndpointTypes(types); err != nil {
		return nil, err
	}
	tags, err := checkTags(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	a := &model.RestAPI{
		Name:                      in.Name,
		Description:               in.Description,
		Version:                   in.Version,
		CreatedDate:               s.now(),
		EndpointTypes:             types,
		APIKeySource:              in.APIKeySource,
		BinaryMediaTypes:          in.BinaryMediaTypes,
		DisableExecuteAPIEndpoint: in.DisableExecuteAPIEndpoint,
		Tags:                      tags,
	}
	if a.APIKeySource == "" {
		a.APIKeySource = "HEADER"
	}
	err = s.update(ctx, func(tx model.Tx) error { return putNewAPI(tx, a) })
	if err != nil {
		return nil, err
	}
	return restAPIShape(a), nil
}

// putNewAPI stores a new API under a fresh id, with its root resource and
// AWS's default models.
func putNewAPI(tx model.Tx, a *model.RestAPI) error {
	var err error
	// Invoke URLs name an API by id alone, so a REST API must not take
	// an HTTP API's.
	a.ID, err = freshID(longID, func(id string) (bool, error) {
		_, rest, err := model.Get[model.RestAPI](tx, id)
		if err != nil || rest {
			return rest, err
		}
		_, http, err := model.Get[model.HTTPAPI](tx, id)
		return http, err
	})
	if err != nil {
		return err
	}
	// The root resource is born with its API, so no reader ever sees an
	// API without a tree.
	a.RootResourceID = randomID(longID)
	if err := model.Put(tx, a); err != nil {
		return err
	}
	if err := putDefaultModels(tx, a.ID); err != nil {
		return err
	}
	return model.Put(tx, &model.RestResource{APIID: a.ID, ID: a.RootResourceID, Path: "/"})
}

// checkEndpointTypes accepts exactly one endpoint type, as AWS does.
func checkEndpointTypes(types []string) error {
	if len(types) != 1 {
		return badRequest("A REST API takes exactly one endpoint configuration type, not %d", len(types))
	}
	return checkEnum("endpointConfiguration.types.member", types[0], endpointTypes)
}

func (s *Service) GetRestApi(ctx context.Context, in *RestApiIDInput) (*RestApi, error) {
	var a *model.RestAPI
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		a, err = getAPI(ctx, tx, in.RestAPIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return restAPIShape(a), nil
}

func (s *Service) GetRestApis(ctx context.Context, in *GetRestApisInput) (*GetRestApisOutput, error) {
	var apis []*model.RestAPI
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		apis, err = model.List[model.RestAPI](tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	apis, next, err := page(apis, func(a *model.RestAPI) string { return a.ID }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &GetRestApisOutput{Items: []RestApi{}, Position: next}
	for _, a := range apis {
		out.Items = append(out.Items, *restAPIShape(a))
	}
	return out, nil
}

func (s *Service) UpdateRestApi(ctx context.Context, in *UpdateRestApiInput) (*RestApi, error) {
	var a *model.RestAPI
	err := s.update(ctx, func(tx model.Tx) error {
		var err error
		if a, err = getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		err = applyPatch(in.PatchOperations, []patchPath{
			{path: "/name", replace: func(_, v string) error {
				if v == "" {
					return badRequest("Invalid REST API name specified: the name must not be empty")
				}
				a.Name = v
				return nil
			}},
			replaceText("/description", &a.Description),
			replaceText("/version", &a.Version),
			{path: "/apiKeySource", replace: func(_, v string) error {
				if v == "" {
					return badRequest("Invalid API key source specified: it must not be empty")
				}
				if err := checkEnum("updateRestApiInput.apiKeySource", v, apiKeySources); err != nil {
					return err
				}
				a.APIKeySource = v
				return nil
			}},
			replaceBool("/disableExecuteApiEndpoint", &a.DisableExecuteAPIEndpoint),
			setMember("/binaryMediaTypes/*", &a.BinaryMediaTypes),
			// AWS switches an endpoint type by replacing the old one:
			// path /endpointConfiguration/types/EDGE, value REGIONAL.
			{path: "/endpointConfiguration/types/*", replace: func(old, v string) error {
				i := slices.Index(a.EndpointTypes, old)
				if i < 0 {
					return badRequest("Invalid endpoint configuration type specified: the API's type is not %s", old)
				}
				types := slices.Clone(a.EndpointTypes)
				types[i] = v
				if err := checkEndpointTypes(types); err != nil {
					return err
				}
				a.EndpointTypes = types
				return nil
			}},
		})
		if err != nil {
			return err
		}
		return model.Put(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return restAPIShape(a), nil
}

// DeleteRestApi removes the API with everything under it: resources,
// deployments, stages, models, validators and gateway responses. Usage
// plans and API keys lose its stages; a base path mapping that points at
// it makes AWS refuse, naming the domains.
func (s *Service) DeleteRestApi(ctx context.Context, in *RestApiIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		a, err := getAPI(ctx, tx, in.RestAPIID)
		if err != nil {
			return err
		}
		domains, err := model.MappedDomains(tx, a.ID, "")
		if err != nil {
			return err
		}
		if len(domains) > 0 {
			return badRequest("Deleting RestApi %s failed. Please remove all base path mappings related to the RestApi in your domains: %s.", a.ID, strings.Join(domains, ", "))
		}
		if err := forgetStages(tx, a.ID, ""); err != nil {
			return err
		}
		resources, err := apiResources(tx, a.ID)
		if err != nil {
			return err
		}
		for _, r := range resources {
			if err := model.Delete(tx, r); err != nil {
				return err
			}
		}
		deployments, err := apiDeployments(tx, a.ID)
		if err != nil {
			return err
		}
		for _, d := range deployments {
			if err := model.Delete(tx, d); err != nil {
				return err
			}
		}
		stages, err := apiStages(tx, a.ID)
		if err != nil {
			return err
		}
		for _, st := range stages {
			if err := model.Delete(tx, st); err != nil {
				return err
			}
		}
		if err := deleteValidation(tx, a.ID); err != nil {
			return err
		}
		return model.Delete(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func getAPI(ctx context.Context, tx model.Tx, id string) (*model.RestAPI, error) {
	a, ok, err := model.Get[model.RestAPI](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apiNotFound(ctx, id)
	}
	return a, nil
}

func restAPIShape(a *model.RestAPI) *RestApi {
	out := &RestApi{
		ID:                        a.ID,
		Name:                      a.Name,
		Description:               a.Description,
		Version:                   a.Version,
		CreatedDate:               epoch(a.CreatedDate),
		APIKeySource:              a.APIKeySource,
		BinaryMediaTypes:          a.BinaryMediaTypes,
		DisableExecuteAPIEndpoint: a.DisableExecuteAPIEndpoint,
		RootResourceID:            a.RootResourceID,
		Tags:                      tagsOut(a.Tags),
	}
	if len(a.EndpointTypes) > 0 {
		out.EndpointConfiguration = &EndpointConfiguration{Types: a.EndpointTypes}
	}
	return out
}
