package apigateway

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/mapping/restparam"
	"gatehouse/internal/model"
	"gatehouse/internal/vtl"
)

// Integration is a method's integration.
type Integration struct {
	Type                 string                         `json:"type"`
	HTTPMethod           string                         `json:"httpMethod,omitempty"`
	URI                  string                         `json:"uri,omitempty"`
	ConnectionType       string                         `json:"connectionType,omitempty"`
	ConnectionID         string                         `json:"connectionId,omitempty"`
	IntegrationTarget    string                         `json:"integrationTarget,omitempty"`
	RequestParameters    map[string]string              `json:"requestParameters,omitempty"`
	RequestTemplates     map[string]string              `json:"requestTemplates,omitempty"`
	PassthroughBehavior  string                         `json:"passthroughBehavior,omitempty"`
	ContentHandling      string                         `json:"contentHandling,omitempty"`
	TimeoutInMillis      int                            `json:"timeoutInMillis"`
	CacheNamespace       string                         `json:"cacheNamespace,omitempty"`
	CacheKeyParameters   []string                       `json:"cacheKeyParameters"`
	TLSConfig            *TLSConfig                     `json:"tlsConfig,omitempty"`
	IntegrationResponses map[string]IntegrationResponse `json:"integrationResponses,omitempty"`
	Credentials          string                         `json:"credentials,omitempty"`
}

// TLSConfig is a REST integration's tlsConfig.
type TLSConfig struct {
	InsecureSkipVerification bool `json:"insecureSkipVerification"`
}

// IntegrationResponse maps a backend answer to a method response.
type IntegrationResponse struct {
	StatusCode         string            `json:"statusCode"`
	SelectionPattern   string            `json:"selectionPattern,omitempty"`
	ResponseParameters map[string]string `json:"responseParameters,omitempty"`
	ResponseTemplates  map[string]string `json:"responseTemplates,omitempty"`
	ContentHandling    string            `json:"contentHandling,omitempty"`
}

type PutIntegrationInput struct {
	RestAPIID  string `path:"restApiId" json:"-"`
	ResourceID string `path:"resourceId" json:"-"`
	HTTPMethod string `path:"httpMethod" json:"-"`

	Type string `json:"type"`
	// IntegrationHTTPMethod is the method sent to the backend; the SDKs
	// call it integrationHttpMethod, the wire httpMethod.
	IntegrationHTTPMethod string            `json:"httpMethod"`
	URI                   string            `json:"uri"`
	ConnectionType        string            `json:"connectionType"`
	ConnectionID          string            `json:"connectionId"`
	IntegrationTarget     string            `json:"integrationTarget"`
	RequestParameters     map[string]string `json:"requestParameters"`
	RequestTemplates      map[string]string `json:"requestTemplates"`
	PassthroughBehavior   string            `json:"passthroughBehavior"`
	ContentHandling       string            `json:"contentHandling"`
	TimeoutInMillis       *int              `json:"timeoutInMillis"`
	CacheNamespace        string            `json:"cacheNamespace"`
	CacheKeyParameters    []string          `json:"cacheKeyParameters"`
	TLSConfig             *TLSConfig        `json:"tlsConfig"`
	ResponseTransferMode  string            `json:"responseTransferMode"`
	// Credentials is the role an AWS or AWS_PROXY integration assumes.
	Credentials string `json:"credentials"`
}

type UpdateIntegrationInput struct {
	RestAPIID       string           `path:"restApiId" json:"-"`
	ResourceID      string           `path:"resourceId" json:"-"`
	HTTPMethod      string           `path:"httpMethod" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

type UpdateIntegrationResponseInput struct {
	RestAPIID       string           `path:"restApiId" json:"-"`
	ResourceID      string           `path:"resourceId" json:"-"`
	HTTPMethod      string           `path:"httpMethod" json:"-"`
	StatusCode      string           `path:"statusCode" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

type PutIntegrationResponseInput struct {
	RestAPIID          string            `path:"restApiId" json:"-"`
	ResourceID         string            `path:"resourceId" json:"-"`
	HTTPMethod         string            `path:"httpMethod" json:"-"`
	StatusCode         string            `path:"statusCode" json:"-"`
	SelectionPattern   string            `json:"selectionPattern"`
	ResponseParameters map[string]string `json:"responseParameters"`
	ResponseTemplates  map[string]string `json:"responseTemplates"`
	ContentHandling    string            `json:"contentHandling"`
}

var (
	integrationTypes     = []string{"HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"}
	connectionTypes      = []string{"INTERNET", "VPC_LINK"}
	passthroughBehaviors = []string{"WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"}
	contentHandlings     = []string{"CONVERT_TO_BINARY", "CONVERT_TO_TEXT"}
	transferModes        = []string{"BUFFERED", "STREAM"}
)

// Integration timeouts, in milliseconds.
const (
	minTimeout     = 50
	maxTimeout     = 29000
	defaultTimeout = maxTimeout
)

var (
	// stageVariableRef is a connectionId that a stage variable fills in at
	// request time.
	stageVariableRef = regexp.MustCompile(`^\$\{stageVariables\.([A-Za-z0-9_]+)\}$`)
	// stageVariableUse finds stage variables inside a URI.
	stageVariableUse = regexp.MustCompile(`\$\{stageVariables\.[A-Za-z0-9_]+\}`)
	// loadBalancerARN is an ALB or NLB ARN, what integrationTarget names.
	loadBalancerARN = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer/(app|net)/[^/]+/[^/]+$`)
)

func (s *Service) PutIntegration(ctx context.Context, in *PutIntegrationInput) (*Integration, error) {
	if err := checkEnum("putIntegrationInput.responseTransferMode", in.ResponseTransferMode, transferModes); err != nil {
		return nil, err
	}
	if in.ResponseTransferMode == "STREAM" {
		return nil, badRequest("gatehouse buffers integration responses; responseTransferMode STREAM is not served")
	}
	ig := &model.RestIntegration{
		Type:                in.Type,
		HTTPMethod:          in.IntegrationHTTPMethod,
		URI:                 in.URI,
		ConnectionType:      in.ConnectionType,
		ConnectionID:        in.ConnectionID,
		IntegrationTarget:   in.IntegrationTarget,
		RequestParameters:   in.RequestParameters,
		RequestTemplates:    in.RequestTemplates,
		PassthroughBehavior: in.PassthroughBehavior,
		ContentHandling:     in.ContentHandling,
		TimeoutMillis:       defaultTimeout,
		CacheNamespace:      in.CacheNamespace,
		CacheKeyParameters:  in.CacheKeyParameters,
		Credentials:         in.Credentials,
	}
	if in.TimeoutInMillis != nil {
		ig.TimeoutMillis = *in.TimeoutInMillis
	}
	if in.TLSConfig != nil {
		ig.InsecureSkipVerify = in.TLSConfig.InsecureSkipVerification
	}
	err := s.update(ctx, func(tx model.Tx) error {
		r, m, err := getMethod(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		if err := checkIntegration(tx, "putIntegrationInput", r, m, ig); err != nil {
			return err
		}
		// A new integration starts without responses, as on AWS: the old
		// ones were written for the old backend.
		m.Integration = ig
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return integrationShape(ig), nil
}

func (s *Service) GetIntegration(ctx context.Context, in *MethodInput) (*Integration, error) {
	var ig *model.RestIntegration
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		_, _, ig, err = getIntegration(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		return err
	})
	if err != nil {
		return nil, err
	}
	return integrationShape(ig), nil
}

func (s *Service) UpdateIntegration(ctx context.Context, in *UpdateIntegrationInput) (*Integration, error) {
	var ig *model.RestIntegration
	err := s.update(ctx, func(tx model.Tx) error {
		r, m, got, err := getIntegration(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		ig = got
		err = applyPatch(in.PatchOperations, []patchPath{
			replaceText("/httpMethod", &ig.HTTPMethod),
			replaceText("/uri", &ig.URI),
			replaceText("/connectionType", &ig.ConnectionType),
			// Leaving a VPC link means removing what named it.
			optionalText("/connectionId", &ig.ConnectionID),
			optionalText("/integrationTarget", &ig.IntegrationTarget),
			{path: "/timeoutInMillis", replace: func(_, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil {
					return badRequest("Invalid timeoutInMillis specified: %s is not a number", v)
				}
				ig.TimeoutMillis = n
				return nil
			}},
			replaceText("/passthroughBehavior", &ig.PassthroughBehavior),
			replaceText("/contentHandling", &ig.ContentHandling),
			replaceText("/cacheNamespace", &ig.CacheNamespace),
			optionalText("/credentials", &ig.Credentials),
			replaceBool("/tlsConfig/insecureSkipVerification", &ig.InsecureSkipVerify),
			mapMember("/requestParameters/*", &ig.RequestParameters),
			mapMember("/requestTemplates/*", &ig.RequestTemplates),
			setMember("/cacheKeyParameters/*", &ig.CacheKeyParameters),
		})
		if err != nil {
			return err
		}
		// The patched integration must be one PutIntegration would accept.
		if err := checkIntegration(tx, "updateIntegrationInput", r, m, ig); err != nil {
			return err
		}
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return integrationShape(ig), nil
}

func (s *Service) DeleteIntegration(ctx context.Context, in *MethodInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		r, m, _, err := getIntegration(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		m.Integration = nil
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// checkIntegration validates ig as the integration of method m of r,
// filling in AWS's defaults. member names the input in validation errors.
func checkIntegration(tx model.Tx, member string, r *model.RestResource, m *model.RestMethod, ig *model.RestIntegration) error {
	if ig.Type == "" {
		return badRequest("Invalid integration type specified: type is required")
	}
	if err := checkEnum(member+".type", ig.Type, integrationTypes); err != nil {
		return err
	}
	if ig.ConnectionType == "" {
		ig.ConnectionType = "INTERNET"
	}
	if err := checkEnum(member+".connectionType", ig.ConnectionType, connectionTypes); err != nil {
		return err
	}
	if ig.PassthroughBehavior == "" {
		ig.PassthroughBehavior = "WHEN_NO_MATCH"
	}
	if err := checkEnum(member+".passthroughBehavior", ig.PassthroughBehavior, passthroughBehaviors); err != nil {
		return err
	}
	if err := checkEnum(member+".contentHandling", ig.ContentHandling, contentHandlings); err != nil {
		return err
	}
	if ig.TimeoutMillis < minTimeout || ig.TimeoutMillis > maxTimeout {
		return badRequest("Timeout should be between %d ms and %d ms", minTimeout, maxTimeout)
	}
	if ig.CacheNamespace == "" {
		ig.CacheNamespace = r.ID
	}
	switch ig.Type {
	case "HTTP", "HTTP_PROXY":
		if ig.HTTPMethod == "" {
			return badRequest("Enumeration value for HttpMethod must be non-empty")
		}
		if err := checkHTTPMethod(ig.HTTPMethod); err != nil {
			return err
		}
		if ig.URI == "" {
			return badRequest("Invalid integration URI specified")
		}
		if !httpURI(ig.URI) {
			return badRequest("Invalid HTTP endpoint specified for URI")
		}
	case "AWS", "AWS_PROXY":
		if err := checkLambdaIntegration(ig); err != nil {
			return err
		}
	case "MOCK":
		if ig.ConnectionType == "VPC_LINK" {
			return badRequest("A MOCK integration answers without a backend, so it cannot use connectionType VPC_LINK")
		}
	}
	switch ig.ConnectionType {
	case "INTERNET":
		if ig.ConnectionID != "" || ig.IntegrationTarget != "" {
			return badRequest("connectionId and integrationTarget apply only to connectionType VPC_LINK")
		}
	case "VPC_LINK":
		if err := checkVpcLink(tx, ig); err != nil {
			return err
		}
	}
	if err := checkTemplates(ig.RequestTemplates); err != nil {
		return err
	}
	return checkRequestMappings(m, ig.RequestParameters)
}

// checkTemplates parses each mapping template, as the data plane will, so
// a template that cannot run is refused when it is put, not on the first
// request.
func checkTemplates(templates map[string]string) error {
	for _, ct := range sortedKeys(templates) {
		if _, err := vtl.Parse(templates[ct]); err != nil {
			return badRequest("Invalid mapping template specified for content type %s: %s", ct, err)
		}
	}
	return nil
}

// httpURI reports whether uri is an absolute http(s) URL with a host. Stage
// variables may stand for any part of it, as on AWS, so they are given a
// harmless value before parsing.
func httpURI(uri string) bool {
	u, err := url.Parse(stageVariableUse.ReplaceAllString(uri, "stagevariable"))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Hostname() != ""
}

// checkVpcLink checks what a private integration names: a V1 link, a V2
// link with the load balancer to reach, or a stage variable resolved at
// request time.
func checkVpcLink(tx model.Tx, ig *model.RestIntegration) error {
	if ig.ConnectionID == "" {
		return badRequest("connectionId must name a VPC link (or ${stageVariables.name}) when connectionType is VPC_LINK")
	}
	if stageVariableRef.MatchString(ig.ConnectionID) {
		// The link is only known per stage; a target given now must at
		// least be a load balancer that exists.
		if ig.IntegrationTarget != "" {
			return checkTarget(tx, ig.IntegrationTarget, "")
		}
		return nil
	}
	if strings.Contains(ig.ConnectionID, "$") {
		return badRequest("connectionId must be a VPC link id or exactly ${stageVariables.name}, not %s", ig.ConnectionID)
	}
	_, isV1, err := model.Get[model.VpcLinkV1](tx, ig.ConnectionID)
	if err != nil {
		return err
	}
	if isV1 {
		if ig.IntegrationTarget != "" {
			return badRequest("integrationTarget applies to VPC links V2 only; %s is a REST API VPC link, which always reaches its own network load balancer", ig.ConnectionID)
		}
		return nil
	}
	link, ok, err := model.Get[model.VpcLink](tx, ig.ConnectionID)
	if err != nil {
		return err
	}
	if !ok {
		return vpcLinkNotFound()
	}
	if ig.IntegrationTarget == "" {
		return badRequest("IntegrationTarget is required for VpcLinkV2")
	}
	return checkTarget(tx, ig.IntegrationTarget, link.VpcID)
}

// checkTarget checks an integrationTarget: an ALB or NLB that exists and,
// when vpcID is known, sits in the link's VPC, where the link's interfaces
// can reach it.
func checkTarget(tx model.Tx, target, vpcID string) error {
	if !loadBalancerARN.MatchString(target) {
		return badRequest("IntegrationTarget must be the ARN of an Application Load Balancer or a Network Load Balancer (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app|net/NAME/ID), not %s", target)
	}
	lb, ok, err := model.Get[model.LoadBalancer](tx, target)
	if err != nil {
		return err
	}
	if !ok {
		return badRequest("IntegrationTarget %s names a load balancer that does not exist", target)
	}
	if vpcID != "" && lb.VpcID != vpcID {
		return badRequest("IntegrationTarget %s is in %s, but the VPC link is in %s", target, lb.VpcID, vpcID)
	}
	return nil
}

// checkRequestMappings checks an integration's requestParameters in
// restparam's grammar, the one the data plane serves them with: each key
// an integration request parameter, each value a method request parameter
// the method declares, its body or a JSONPath into it, a quoted literal,
// a context variable or a stage variable.
func checkRequestMappings(m *model.RestMethod, params map[string]string) error {
	if err := restparam.CheckRequest(params, m.RequestParameters); err != nil {
		return mappingError(err.Error())
	}
	return nil
}

func (s *Service) PutIntegrationResponse(ctx context.Context, in *PutIntegrationResponseInput) (*IntegrationResponse, error) {
	if !statusCodePattern.MatchString(in.StatusCode) {
		return nil, badRequest("Invalid status code specified: %s", in.StatusCode)
	}
	if err := checkEnum("putIntegrationResponseInput.contentHandling", in.ContentHandling, contentHandlings); err != nil {
		return nil, err
	}
	ir := &model.RestIntegrationResponse{
		StatusCode:         in.StatusCode,
		SelectionPattern:   in.SelectionPattern,
		ResponseParameters: in.ResponseParameters,
		ResponseTemplates:  in.ResponseTemplates,
		ContentHandling:    in.ContentHandling,
	}
	err := s.update(ctx, func(tx model.Tx) error {
		r, m, ig, err := getIntegration(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		// An integration response feeds a method response, which must be
		// declared first.
		mr, ok := m.MethodResponses[in.StatusCode]
		if !ok {
			return responseNotFound()
		}
		if err := checkResponseMappings(mr, ir.ResponseParameters); err != nil {
			return err
		}
		if err := checkTemplates(ir.ResponseTemplates); err != nil {
			return err
		}
		if ig.IntegrationResponses == nil {
			ig.IntegrationResponses = map[string]*model.RestIntegrationResponse{}
		}
		ig.IntegrationResponses[in.StatusCode] = ir
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return integrationResponseShape(ir), nil
}

// checkResponseMappings checks an integration response's
// responseParameters: each key a header its method response declares, each
// value a header or the body of the backend's answer, a literal, or a
// variable.
func checkResponseMappings(mr *model.RestMethodResponse, params map[string]string) error {
	if err := restparam.CheckResponse(params, mr.ResponseParameters); err != nil {
		return mappingError(err.Error())
	}
	return nil
}

func (s *Service) GetIntegrationResponse(ctx context.Context, in *MethodResponseInput) (*IntegrationResponse, error) {
	var ir *model.RestIntegrationResponse
	err := s.view(ctx, func(tx model.Tx) error {
		_, _, ig, err := getIntegration(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		var ok bool
		if ir, ok = ig.IntegrationResponses[in.StatusCode]; !ok {
			return responseNotFound()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return integrationResponseShape(ir), nil
}

// UpdateIntegrationResponse patches an integration response; the result
// must pass PutIntegrationResponse's checks, its mappings included, against
// the method response as it is now.
func (s *Service) UpdateIntegrationResponse(ctx context.Context, in *UpdateIntegrationResponseInput) (*IntegrationResponse, error) {
	var ir *model.RestIntegrationResponse
	err := s.update(ctx, func(tx model.Tx) error {
		r, m, ig, err := getIntegration(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		var ok bool
		if ir, ok = ig.IntegrationResponses[in.StatusCode]; !ok {
			return responseNotFound()
		}
		err = applyPatch(in.PatchOperations, []patchPath{
			optionalText("/selectionPattern", &ir.SelectionPattern),
			optionalText("/contentHandling", &ir.ContentHandling),
			mapMember("/responseParameters/*", &ir.ResponseParameters),
			mapMember("/responseTemplates/*", &ir.ResponseTemplates),
		})
		if err != nil {
			return err
		}
		if err := checkEnum("updateIntegrationResponseInput.contentHandling", ir.ContentHandling, contentHandlings); err != nil {
			return err
		}
		// The method response may have been deleted since; then it
		// declares no headers, and no mapping passes.
		mr := m.MethodResponses[in.StatusCode]
		if mr == nil {
			mr = &model.RestMethodResponse{StatusCode: in.StatusCode}
		}
		if err := checkResponseMappings(mr, ir.ResponseParameters); err != nil {
			return err
		}
		if err := checkTemplates(ir.ResponseTemplates); err != nil {
			return err
		}
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return integrationResponseShape(ir), nil
}

func (s *Service) DeleteIntegrationResponse(ctx context.Context, in *MethodResponseInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		r, _, ig, err := getIntegration(ctx, tx, in.RestAPIID, in.ResourceID, in.HTTPMethod)
		if err != nil {
			return err
		}
		if _, ok := ig.IntegrationResponses[in.StatusCode]; !ok {
			return responseNotFound()
		}
		delete(ig.IntegrationResponses, in.StatusCode)
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func getIntegration(ctx context.Context, tx model.Tx, apiID, resourceID, method string) (*model.RestResource, *model.RestMethod, *model.RestIntegration, error) {
	r, m, err := getMethod(ctx, tx, apiID, resourceID, method)
	if err != nil {
		return nil, nil, nil, err
	}
	if m.Integration == nil {
		return nil, nil, nil, integrationNotFound()
	}
	return r, m, m.Integration, nil
}

func integrationShape(ig *model.RestIntegration) *Integration {
	out := &Integration{
		Type:                ig.Type,
		HTTPMethod:          ig.HTTPMethod,
		URI:                 ig.URI,
		ConnectionType:      ig.ConnectionType,
		ConnectionID:        ig.ConnectionID,
		IntegrationTarget:   ig.IntegrationTarget,
		RequestParameters:   ig.RequestParameters,
		RequestTemplates:    ig.RequestTemplates,
		PassthroughBehavior: ig.PassthroughBehavior,
		ContentHandling:     ig.ContentHandling,
		TimeoutInMillis:     ig.TimeoutMillis,
		CacheNamespace:      ig.CacheNamespace,
		// AWS lists the cache key parameters even when there are none.
		CacheKeyParameters: slices.Clone(ig.CacheKeyParameters),
		Credentials:        ig.Credentials,
	}
	if out.CacheKeyParameters == nil {
		out.CacheKeyParameters = []string{}
	}
	if ig.InsecureSkipVerify {
		out.TLSConfig = &TLSConfig{InsecureSkipVerification: true}
	}
	if len(ig.IntegrationResponses) > 0 {
		out.IntegrationResponses = map[string]IntegrationResponse{}
		for code, ir := range ig.IntegrationResponses {
			out.IntegrationResponses[code] = *integrationResponseShape(ir)
		}
	}
	return out
}

func integrationResponseShape(ir *model.RestIntegrationResponse) *IntegrationResponse {
	return &IntegrationResponse{
		StatusCode:         ir.StatusCode,
		SelectionPattern:   ir.SelectionPattern,
		ResponseParameters: ir.ResponseParameters,
		ResponseTemplates:  ir.ResponseTemplates,
		ContentHandling:    ir.ContentHandling,
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
