package apigatewayv2

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/httpmap"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// TLSConfig is an integration's tlsConfig.
type TLSConfig struct {
	ServerNameToVerify *string `json:"serverNameToVerify,omitempty"`
}

type CreateIntegrationInput struct {
	APIID                string                       `path:"apiId" json:"-"`
	IntegrationType      *string                      `json:"integrationType"`
	IntegrationSubtype   *string                      `json:"integrationSubtype"`
	ConnectionType       *string                      `json:"connectionType"`
	ConnectionID         *string                      `json:"connectionId"`
	IntegrationURI       *string                      `json:"integrationUri"`
	IntegrationMethod    *string                      `json:"integrationMethod"`
	PayloadFormatVersion *string                      `json:"payloadFormatVersion"`
	TimeoutInMillis      *int                         `json:"timeoutInMillis"`
	TLSConfig            *TLSConfig                   `json:"tlsConfig"`
	RequestParameters    map[string]string            `json:"requestParameters"`
	ResponseParameters   map[string]map[string]string `json:"responseParameters"`
	Description          *string                      `json:"description"`
	CredentialsArn       *string                      `json:"credentialsArn"`
}

type UpdateIntegrationInput struct {
	APIID                string                       `path:"apiId" json:"-"`
	IntegrationID        string                       `path:"integrationId" json:"-"`
	IntegrationType      *string                      `json:"integrationType"`
	IntegrationSubtype   *string                      `json:"integrationSubtype"`
	ConnectionType       *string                      `json:"connectionType"`
	ConnectionID         *string                      `json:"connectionId"`
	IntegrationURI       *string                      `json:"integrationUri"`
	IntegrationMethod    *string                      `json:"integrationMethod"`
	PayloadFormatVersion *string                      `json:"payloadFormatVersion"`
	TimeoutInMillis      *int                         `json:"timeoutInMillis"`
	TLSConfig            *TLSConfig                   `json:"tlsConfig"`
	RequestParameters    map[string]string            `json:"requestParameters"`
	ResponseParameters   map[string]map[string]string `json:"responseParameters"`
	Description          *string                      `json:"description"`
	CredentialsArn       *string                      `json:"credentialsArn"`
}

type IntegrationIDInput struct {
	APIID         string `path:"apiId" json:"-"`
	IntegrationID string `path:"integrationId" json:"-"`
}

// Integration is an integration as API Gateway describes it.
type Integration struct {
	APIGatewayManaged    bool                         `json:"apiGatewayManaged"`
	ConnectionID         string                       `json:"connectionId,omitempty"`
	ConnectionType       string                       `json:"connectionType"`
	CredentialsArn       string                       `json:"credentialsArn,omitempty"`
	Description          string                       `json:"description,omitempty"`
	IntegrationID        string                       `json:"integrationId"`
	IntegrationMethod    string                       `json:"integrationMethod,omitempty"`
	IntegrationType      string                       `json:"integrationType"`
	IntegrationURI       string                       `json:"integrationUri,omitempty"`
	PayloadFormatVersion string                       `json:"payloadFormatVersion"`
	RequestParameters    map[string]string            `json:"requestParameters,omitempty"`
	ResponseParameters   map[string]map[string]string `json:"responseParameters,omitempty"`
	TimeoutInMillis      int                          `json:"timeoutInMillis"`
	TLSConfig            *TLSConfig                   `json:"tlsConfig,omitempty"`
}

type GetIntegrationsOutput struct {
	Items     []Integration `json:"items"`
	NextToken string        `json:"nextToken,omitempty"`
}

// Integration limits of HTTP APIs.
const (
	minTimeout     = 50
	maxTimeout     = 30000
	defaultTimeout = 30000
)

// invalidPrivateURI is AWS's own text for a VPC_LINK integration whose URI
// names neither a listener nor a Cloud Map service.
const invalidPrivateURI = "For VpcLink VPC_LINK, integration uri should be a valid ELB listener ARN or a valid Cloud Map service ARN."

func (s *Service) CreateIntegration(ctx context.Context, in *CreateIntegrationInput) (*Integration, error) {
	if in.IntegrationType == nil {
		return nil, badRequest("integrationType is required.")
	}
	if in.CredentialsArn != nil || in.IntegrationSubtype != nil {
		return nil, badRequest("gatehouse does not serve AWS service integrations: credentialsArn and integrationSubtype cannot be set.")
	}
	i := &model.Integration{
		APIID:              in.APIID,
		ConnectionType:     "INTERNET",
		TimeoutMillis:      defaultTimeout,
		RequestParameters:  withoutEmpty(in.RequestParameters),
		ResponseParameters: mergeResponseParameters(nil, in.ResponseParameters),
	}
	changes := integrationChanges{in.IntegrationType, in.ConnectionType, in.ConnectionID, in.IntegrationURI,
		in.IntegrationMethod, in.PayloadFormatVersion, in.TimeoutInMillis, in.TLSConfig, in.Description}
	changes.apply(i)
	if err := checkRequestParameters(in.RequestParameters); err != nil {
		return nil, err
	}
	if err := checkResponseParameters(in.ResponseParameters); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		if err := checkIntegration(ctx, tx, i); err != nil {
			return err
		}
		id, err := newID(integrationIDLen, unused[model.Integration](tx, in.APIID+"/"))
		if err != nil {
			return err
		}
		i.ID = id
		if err := model.Put(tx, i); err != nil {
			return err
		}
		return s.autoDeploy(tx, in.APIID, &change{integrations: []string{i.ID}})
	})
	if err != nil {
		return nil, err
	}
	return integrationShape(i), nil
}

// integrationChanges are the plain members CreateIntegration and
// UpdateIntegration share; the mappings merge differently and are applied
// apart.
type integrationChanges struct {
	typ, connType, connID, uri, method, payload *string
	timeout                                     *int
	tls                                         *TLSConfig
	description                                 *string
}

func (c integrationChanges) apply(i *model.Integration) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&i.Type, c.typ)
	if c.connType != nil {
		i.ConnectionType = *c.connType
		if i.ConnectionType == "INTERNET" && c.connID == nil {
			// Turning a private integration public drops its link.
			i.ConnectionID = ""
		}
	}
	set(&i.ConnectionID, c.connID)
	set(&i.URI, c.uri)
	set(&i.Method, c.method)
	set(&i.PayloadFormatVersion, c.payload)
	if c.timeout != nil {
		i.TimeoutMillis = *c.timeout
	}
	if c.tls != nil {
		i.TLSServerName = deref(c.tls.ServerNameToVerify)
	}
	set(&i.Description, c.description)
}

// checkIntegration validates an integration as it will be stored, against
// the API's VPC links, load balancers and Cloud Map services.
func checkIntegration(ctx context.Context, tx model.Tx, i *model.Integration) error {
	switch i.Type {
	case "HTTP_PROXY":
		if i.PayloadFormatVersion != "1.0" {
			return badRequest("Invalid payloadFormatVersion %q: an HTTP_PROXY integration of an HTTP API takes 1.0, which must be given.", i.PayloadFormatVersion)
		}
		if !slices.Contains(httpMethods, i.Method) {
			return badRequest("Invalid integrationMethod %q: an HTTP_PROXY integration needs one of %s.", i.Method, strings.Join(httpMethods, ", "))
		}
	case "AWS_PROXY":
		if i.PayloadFormatVersion != "1.0" && i.PayloadFormatVersion != "2.0" {
			return badRequest("Invalid payloadFormatVersion %q: an AWS_PROXY integration takes 1.0 or 2.0, which must be given.", i.PayloadFormatVersion)
		}
		if i.URI == "" {
			return badRequest("integrationUri is required for an AWS_PROXY integration.")
		}
		// A stage variable may name the function (or part of its ARN):
		// the URI must hold with a plain name in its place.
		if _, ok := invoke.FromIntegrationURI(httpmap.StageVariables(i.URI, func(string) string { return "stagevariable" })); !ok {
			return badRequest("Invalid integration URI specified: an AWS_PROXY integration takes a Lambda function ARN or its invocation URI.")
		}
		if i.ConnectionType != "INTERNET" {
			return badRequest("An AWS_PROXY integration cannot use a VPC link.")
		}
	case "HTTP", "MOCK", "AWS":
		return badRequest("Integration type %s is not supported for HTTP APIs: use HTTP_PROXY (or AWS_PROXY).", i.Type)
	default:
		return badRequest("Invalid integrationType %q: it must be HTTP_PROXY or AWS_PROXY for an HTTP API.", i.Type)
	}
	if i.TimeoutMillis < minTimeout || i.TimeoutMillis > maxTimeout {
		return badRequest("Invalid timeoutInMillis %d: it must be between %d and %d.", i.TimeoutMillis, minTimeout, maxTimeout)
	}
	if len(i.Description) > 1024 {
		return badRequest("The description must be at most 1024 characters long.")
	}
	if len(i.TLSServerName) > 512 {
		return badRequest("Invalid tlsConfig: serverNameToVerify must be at most 512 characters long.")
	}
	switch i.ConnectionType {
	case "VPC_LINK":
		return checkPrivate(ctx, tx, i)
	case "INTERNET":
		if i.ConnectionID != "" {
			return badRequest("connectionId can only be set when connectionType is VPC_LINK.")
		}
		if i.TLSServerName != "" {
			return badRequest("tlsConfig applies only to private integrations (connectionType VPC_LINK).")
		}
		if i.Type == "HTTP_PROXY" {
			// A stage variable stands for whatever the stage gives it:
			// the URI must hold with a plain name in its place.
			u, err := url.Parse(httpmap.StageVariables(i.URI, func(string) string { return "stagevariable" }))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return badRequest("Invalid HTTP endpoint specified for URI")
			}
		}
		return nil
	}
	return badRequest("Invalid connectionType %q: it must be INTERNET or VPC_LINK.", i.ConnectionType)
}

// checkPrivate checks a VPC_LINK integration: its link exists and can
// carry traffic, and its URI names an ALB HTTP(S) listener, an NLB TCP or
// TLS listener, or a Cloud Map service.
func checkPrivate(ctx context.Context, tx model.Tx, i *model.Integration) error {
	if i.ConnectionID == "" {
		return badRequest("connectionId is required when connectionType is VPC_LINK: it names the VPC link.")
	}
	link, ok, err := model.Get[model.VpcLink](tx, i.ConnectionID)
	if err != nil {
		return err
	}
	if !ok {
		return vpcLinkNotFound(i.ConnectionID)
	}
	if link.Status == model.LinkDeleting || link.Status == model.LinkFailed {
		return badRequest("VpcLink %s is %s and cannot be used by an integration.", link.ID, link.Status)
	}
	if strings.HasPrefix(i.URI, "arn:aws:elasticloadbalancing:") {
		l, ok, err := model.Get[model.Listener](tx, i.URI)
		if err != nil {
			return err
		}
		if ok && slices.Contains([]string{"HTTP", "HTTPS", "TCP", "TLS"}, l.Protocol) {
			return nil
		}
		return badRequest(invalidPrivateURI)
	}
	m := api.MetaFrom(ctx)
	prefix := api.ARN("servicediscovery", m.Region, m.Account, "service/")
	if rest, ok := strings.CutPrefix(i.URI, prefix); ok {
		id, query, _ := strings.Cut(rest, "?")
		svc, ok, err := model.Get[model.CloudMapService](tx, id)
		if err != nil {
			return err
		}
		if _, qerr := url.ParseQuery(query); ok && qerr == nil && svc.ARN == prefix+id {
			return nil
		}
	}
	return badRequest(invalidPrivateURI)
}

func (s *Service) GetIntegration(ctx context.Context, in *IntegrationIDInput) (*Integration, error) {
	var i *model.Integration
	err := s.view(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		i, err = getIntegration(tx, in.APIID, in.IntegrationID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return integrationShape(i), nil
}

func (s *Service) GetIntegrations(ctx context.Context, in *ListInput) (*GetIntegrationsOutput, error) {
	var all []*model.Integration
	err := s.view(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		all, err = integrationsOf(tx, in.APIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(i *model.Integration) string { return i.ID }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &GetIntegrationsOutput{Items: []Integration{}, NextToken: next}
	for _, i := range items {
		out.Items = append(out.Items, *integrationShape(i))
	}
	return out, nil
}

func (s *Service) UpdateIntegration(ctx context.Context, in *UpdateIntegrationInput) (*Integration, error) {
	if in.CredentialsArn != nil || in.IntegrationSubtype != nil {
		return nil, badRequest("gatehouse does not serve AWS service integrations: credentialsArn and integrationSubtype cannot be set.")
	}
	if err := checkRequestParameters(in.RequestParameters); err != nil {
		return nil, err
	}
	if err := checkResponseParameters(in.ResponseParameters); err != nil {
		return nil, err
	}
	var i *model.Integration
	err := s.update(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		if i, err = getIntegration(tx, in.APIID, in.IntegrationID); err != nil {
			return err
		}
		integrationChanges{in.IntegrationType, in.ConnectionType, in.ConnectionID, in.IntegrationURI,
			in.IntegrationMethod, in.PayloadFormatVersion, in.TimeoutInMillis, in.TLSConfig, in.Description}.apply(i)
		i.RequestParameters = mergeParameters(i.RequestParameters, in.RequestParameters)
		i.ResponseParameters = mergeResponseParameters(i.ResponseParameters, in.ResponseParameters)
		if err := checkIntegration(ctx, tx, i); err != nil {
			return err
		}
		if err := model.Put(tx, i); err != nil {
			return err
		}
		return s.autoDeploy(tx, in.APIID, &change{integrations: []string{i.ID}})
	})
	if err != nil {
		return nil, err
	}
	return integrationShape(i), nil
}

// DeleteIntegration refuses while a route targets the integration, with
// AWS's own message, and refuses the integration quick create made.
func (s *Service) DeleteIntegration(ctx context.Context, in *IntegrationIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		i, err := getIntegration(tx, in.APIID, in.IntegrationID)
		if err != nil {
			return err
		}
		if i.Managed {
			// AWS documents that a managed integration can be updated
			// but not deleted.
			return badRequest("Cannot delete Integration %s because it is managed by API Gateway.", i.ID)
		}
		routes, err := routesOf(tx, in.APIID)
		if err != nil {
			return err
		}
		var users []string
		for _, r := range routes {
			if r.Target == "integrations/"+i.ID {
				users = append(users, r.ID)
			}
		}
		if len(users) > 0 {
			return conflict("Cannot delete Integration because it is referenced by the following Routes with Ids: %s", listOf(users))
		}
		if err := model.Delete(tx, i); err != nil {
			return err
		}
		return s.autoDeploy(tx, in.APIID, &change{integrations: []string{i.ID}})
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func getIntegration(tx model.Tx, apiID, id string) (*model.Integration, error) {
	i, ok, err := model.Get[model.Integration](tx, apiID+"/"+id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, integrationNotFound(id)
	}
	return i, nil
}

func integrationsOf(tx model.Tx, apiID string) ([]*model.Integration, error) {
	return ofAPI[model.Integration](tx, apiID)
}

func integrationShape(i *model.Integration) *Integration {
	out := &Integration{
		APIGatewayManaged:    i.Managed,
		ConnectionID:         i.ConnectionID,
		CredentialsArn:       i.CredentialsARN,
		ConnectionType:       i.ConnectionType,
		Description:          i.Description,
		IntegrationID:        i.ID,
		IntegrationMethod:    i.Method,
		IntegrationType:      i.Type,
		IntegrationURI:       i.URI,
		PayloadFormatVersion: i.PayloadFormatVersion,
		RequestParameters:    i.RequestParameters,
		ResponseParameters:   i.ResponseParameters,
		TimeoutInMillis:      i.TimeoutMillis,
	}
	if i.TLSServerName != "" {
		name := i.TLSServerName
		out.TLSConfig = &TLSConfig{ServerNameToVerify: &name}
	}
	return out
}
