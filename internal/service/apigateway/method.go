package apigateway

import (
	"context"
	"regexp"

	"gatehouse/internal/mapping/restparam"
	"gatehouse/internal/model"
)

// Method is a method of a resource, with its integration.
type Method struct {
	HTTPMethod          string                    `json:"httpMethod"`
	AuthorizationType   string                    `json:"authorizationType"`
	AuthorizerID        string                    `json:"authorizerId,omitempty"`
	AuthorizationScopes []string                  `json:"authorizationScopes,omitempty"`
	APIKeyRequired      bool                      `json:"apiKeyRequired"`
	OperationName       string                    `json:"operationName,omitempty"`
	RequestParameters   map[string]bool           `json:"requestParameters,omitempty"`
	RequestModels       map[string]string         `json:"requestModels,omitempty"`
	RequestValidatorID  string                    `json:"requestValidatorId,omitempty"`
	MethodResponses     map[string]MethodResponse `json:"methodResponses,omitempty"`
	MethodIntegration   *Integration              `json:"methodIntegration,omitempty"`
}

// MethodResponse is a declared method response.
type MethodResponse struct {
	StatusCode         string            `json:"statusCode"`
	ResponseParameters map[string]bool   `json:"responseParameters,omitempty"`
	ResponseModels     map[string]string `json:"responseModels,omitempty"`
}

type PutMethodInput struct {
	RestAPIID          string            `path:"restApiId" json:"-"`
	ResourceID         string            `path:"resourceId" json:"-"`
	HTTPMethod         string            `path:"httpMethod" json:"-"`
	AuthorizationType  string            `json:"authorizationType"`
	APIKeyRequired     bool              `json:"apiKeyRequired"`
	OperationName      string            `json:"operationName"`
	RequestParameters  map[string]bool   `json:"requestParameters"`
	RequestModels      map[string]string `json:"requestModels"`
	RequestValidatorID string            `json:"requestValidatorId"`
	// AuthorizerID names the authorizer of a CUSTOM method;
	// AuthorizationScopes are refused, as they need COGNITO_USER_POOLS.
	AuthorizerID        string   `json:"authorizerId"`
	AuthorizationScopes []string `json:"authorizationScopes"`
}

type MethodInput struct {
	RestAPIID  string `path:"restApiId" json:"-"`
	ResourceID string `path:"resourceId" json:"-"`
	HTTPMethod string `path:"httpMethod" json:"-"`
}

type UpdateMethodInput struct {
	RestAPIID       string           `path:"restApiId" json:"-"`
	ResourceID      string           `path:"resourceId" json:"-"`
	HTTPMethod      string           `path:"httpMethod" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

type PutMethodResponseInput struct {
	RestAPIID          string            `path:"restApiId" json:"-"`
	ResourceID         string            `path:"resourceId" json:"-"`
	HTTPMethod         string            `path:"httpMethod" json:"-"`
	StatusCode         string            `path:"statusCode" json:"-"`
	ResponseParameters map[string]bool   `json:"responseParameters"`
	ResponseModels     map[string]string `json:"responseModels"`
}

type UpdateMethodResponseInput struct {
	RestAPIID       string           `path:"restApiId" json:"-"`
	ResourceID      string           `path:"resourceId" json:"-"`
	HTTPMethod      string           `path:"httpMethod" json:"-"`
	StatusCode      string           `path:"statusCode" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

type MethodResponseInput struct {
	RestAPIID  string `path:"restApiId" json:"-"`
	ResourceID string `path:"resourceId" json:"-"`
	HTTPMethod string `path:"httpMethod" json:"-"`
	StatusCode string `path:"statusCode" json:"-"`
}

var (
	httpMethods        = []string{"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY"}
	authorizationTypes = []string{"NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"}

	statusCodePattern = regexp.MustCompile(`^[1-5]\d\d$`)
)

func checkHTTPMethod(m string) error {
	for _, h := range httpMethods {
		if m == h {
			return nil
		}
	}
	return badRequest("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")
}

func checkAuthorization(t string) error {
	if t == "" {
		return badRequest("Invalid authorization type specified: authorizationType is required")
	}
	if err := checkEnum("putMethodInput.authorizationType", t, authorizationTypes); err != nil {
		return err
	}
	if t == "COGNITO_USER_POOLS" {
		return badRequest("gatehouse has no Cognito user pools, so it cannot serve authorizationType COGNITO_USER_POOLS; use NONE, AWS_IAM or CUSTOM")
	}
	return nil
}

// methodRequestParam checks a name a method declares in its
// requestParameters, in restparam's grammar.
func methodRequestParam(k string) error {
	if _, err := restparam.MethodRequestParam(k); err != nil {
		return badRequest("%s", err)
	}
	return nil
}

// methodResponseParam checks a header a method response declares.
func methodResponseParam(k string) error {
	if _, err := restparam.MethodResponseParam(k); err != nil {
		return badRequest("%s", err)
	}
	return nil
}

func checkMethodRequestParams(params map[string]bool) error {
	for _, k := range sortedKeys(params) {
		if err := methodRequestParam(k); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) PutMethod(ctx context.Context, in *PutMethodInput) (*Method, error) {
	if err := checkHTTPMethod(in.HTTPMethod); err != nil {
		return nil, err
	}
	if err := checkAuthorization(in.AuthorizationType); err != nil {
		return nil, err
	}
	if err := checkMethodRequestParams(in.RequestParameters); err != nil {
		return nil, err
	}
	m := &model.RestMethod{
		HTTPMethod:          in.HTTPMethod,
		AuthorizationType:   in.AuthorizationType,
		AuthorizerID:        in.AuthorizerID,
		AuthorizationScopes: in.AuthorizationScopes,
		APIKeyRequired:      in.APIKeyRequired,
		OperationName:       in.OperationName,
		RequestParameters:   in.RequestParameters,
		RequestModels:       in.RequestModels,
		RequestValidatorID:  in.RequestValidatorID,
	}
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		if err := checkMethodValidation(tx, in.RestAPIID, m); err != nil {
			return err
		}
		if err := checkMethodAuthorizer(tx, in.RestAPIID, m); err != nil {
			return err
		}
		r, err := getResource(tx, in.RestAPIID, in.ResourceID)
		if err != nil {
			return err
		}
		if _, ok := r.Methods[in.HTTPMethod]; ok {
			return conflict("Method already exists for this resource")
		}
		if r.Methods == nil {
			r.Methods = map[string]*model.RestMethod{}
		}
		r.Methods[in.HTTPMethod] = m
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return methodShape(m), nil
}

func (s *Service) GetMethod(ctx context.Context, in *MethodInput) (*Method, error) {
	var m *model.RestMethod
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		_, m, err = getMethod(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		return err
	})
	if err != nil {
		return nil, err
	}
	return methodShape(m), nil
}

func (s *Service) UpdateMethod(ctx context.Context, in *UpdateMethodInput) (*Method, error) {
	var m *model.RestMethod
	err := s.update(ctx, func(tx model.Tx) error {
		r, got, err := getMethod(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		m = got
		err = applyPatch(in.PatchOperations, []patchPath{
			{path: "/authorizationType", replace: func(_, v string) error {
				if err := checkAuthorization(v); err != nil {
					return err
				}
				m.AuthorizationType = v
				return nil
			}},
			optionalText("/authorizerId", &m.AuthorizerID),
			setMember("/authorizationScopes/*", &m.AuthorizationScopes),
			replaceBool("/apiKeyRequired", &m.APIKeyRequired),
			replaceText("/operationName", &m.OperationName),
			flagMember("/requestParameters/*", &m.RequestParameters, methodRequestParam),
			mapMember("/requestModels/*", &m.RequestModels),
			optionalText("/requestValidatorId", &m.RequestValidatorID),
		})
		if err != nil {
			return err
		}
		if err := checkMethodValidation(tx, in.RestAPIID, m); err != nil {
			return err
		}
		if err := checkMethodAuthorizer(tx, in.RestAPIID, m); err != nil {
			return err
		}
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return methodShape(m), nil
}

func (s *Service) DeleteMethod(ctx context.Context, in *MethodInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		r, _, err := getMethod(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		delete(r.Methods, in.HTTPMethod)
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) PutMethodResponse(ctx context.Context, in *PutMethodResponseInput) (*MethodResponse, error) {
	if !statusCodePattern.MatchString(in.StatusCode) {
		return nil, badRequest("Invalid status code specified: %s", in.StatusCode)
	}
	for _, k := range sortedKeys(in.ResponseParameters) {
		if err := methodResponseParam(k); err != nil {
			return nil, err
		}
	}
	mr := &model.RestMethodResponse{StatusCode: in.StatusCode, ResponseParameters: in.ResponseParameters, ResponseModels: in.ResponseModels}
	err := s.update(ctx, func(tx model.Tx) error {
		r, m, err := getMethod(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		if _, ok := m.MethodResponses[in.StatusCode]; ok {
			return conflict("Response already exists for this resource")
		}
		if m.MethodResponses == nil {
			m.MethodResponses = map[string]*model.RestMethodResponse{}
		}
		m.MethodResponses[in.StatusCode] = mr
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return methodResponseShape(mr), nil
}

func (s *Service) GetMethodResponse(ctx context.Context, in *MethodResponseInput) (*MethodResponse, error) {
	var mr *model.RestMethodResponse
	err := s.view(ctx, func(tx model.Tx) error {
		_, m, err := getMethod(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		var ok bool
		if mr, ok = m.MethodResponses[in.StatusCode]; !ok {
			return responseNotFound()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return methodResponseShape(mr), nil
}

// UpdateMethodResponse changes the headers a method response declares and
// its models. Taking a header away is not refused when an integration
// response still maps it, as DeleteMethodResponse leaves integration
// responses alone: Terraform, dropping a header from both, updates the
// method response first, and must not be stopped halfway.
func (s *Service) UpdateMethodResponse(ctx context.Context, in *UpdateMethodResponseInput) (*MethodResponse, error) {
	var mr *model.RestMethodResponse
	err := s.update(ctx, func(tx model.Tx) error {
		r, m, err := getMethod(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		var ok bool
		if mr, ok = m.MethodResponses[in.StatusCode]; !ok {
			return responseNotFound()
		}
		err = applyPatch(in.PatchOperations, []patchPath{
			flagMember("/responseParameters/*", &mr.ResponseParameters, methodResponseParam),
			mapMember("/responseModels/*", &mr.ResponseModels),
		})
		if err != nil {
			return err
		}
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return methodResponseShape(mr), nil
}

func (s *Service) DeleteMethodResponse(ctx context.Context, in *MethodResponseInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		r, m, err := getMethod(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		if _, ok := m.MethodResponses[in.StatusCode]; !ok {
			return responseNotFound()
		}
		delete(m.MethodResponses, in.StatusCode)
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// checkMethodValidation requires the models and the validator a method
// names to exist in its API.
func checkMethodValidation(tx model.Tx, apiID string, m *model.RestMethod) error {
	for _, ct := range sortedKeys(m.RequestModels) {
		name := m.RequestModels[ct]
		if _, ok, err := model.Get[model.RestModel](tx, apiID+"/"+name); err != nil || !ok {
			if err != nil {
				return err
			}
			return badRequest("Invalid model identifier specified: %s", name)
		}
	}
	if m.RequestValidatorID == "" {
		return nil
	}
	if _, ok, err := model.Get[model.RestRequestValidator](tx, apiID+"/"+m.RequestValidatorID); err != nil || !ok {
		if err != nil {
			return err
		}
		return badRequest("Invalid Request Validator identifier specified")
	}
	return nil
}

// getMethod finds a method, checking each level on the way so that the
// error names the first thing missing.
func getMethod(ctx context.Context, tx model.Tx, apiID, resourceID, method string) (*model.RestResource, *model.RestMethod, error) {
	if _, err := getAPI(ctx, tx, apiID); err != nil {
		return nil, nil, err
	}
	r, err := getResource(tx, apiID, resourceID)
	if err != nil {
		return nil, nil, err
	}
	m, ok := r.Methods[method]
	if !ok || m == nil {
		return nil, nil, methodNotFound()
	}
	return r, m, nil
}

func methodShape(m *model.RestMethod) *Method {
	out := &Method{
		HTTPMethod:          m.HTTPMethod,
		AuthorizationType:   m.AuthorizationType,
		AuthorizerID:        m.AuthorizerID,
		AuthorizationScopes: m.AuthorizationScopes,
		APIKeyRequired:      m.APIKeyRequired,
		OperationName:       m.OperationName,
		RequestParameters:   m.RequestParameters,
		RequestModels:       m.RequestModels,
		RequestValidatorID:  m.RequestValidatorID,
	}
	if len(m.MethodResponses) > 0 {
		out.MethodResponses = map[string]MethodResponse{}
		for code, mr := range m.MethodResponses {
			out.MethodResponses[code] = *methodResponseShape(mr)
		}
	}
	if m.Integration != nil {
		out.MethodIntegration = integrationShape(m.Integration)
	}
	return out
}

func methodResponseShape(mr *model.RestMethodResponse) *MethodResponse {
	return &MethodResponse{StatusCode: mr.StatusCode, ResponseParameters: mr.ResponseParameters, ResponseModels: mr.ResponseModels}
}
