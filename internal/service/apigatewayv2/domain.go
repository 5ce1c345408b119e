package apigatewayv2

import (
	"context"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// Custom domain names and API mappings. A domain name is one record
// whichever API made it (model.DomainName), as on AWS; an API mapping is
// what apigateway calls a base path mapping.

type DomainNameConfiguration struct {
	ApiGatewayDomainName string `json:"apiGatewayDomainName,omitempty"`
	CertificateArn       string `json:"certificateArn,omitempty"`
	CertificateName      string `json:"certificateName,omitempty"`
	// CertificateUploadDate travels as a timestamp string.
	CertificateUploadDate string `json:"certificateUploadDate,omitempty"`
	DomainNameStatus      string `json:"domainNameStatus,omitempty"`
	EndpointType          string `json:"endpointType,omitempty"`
	HostedZoneId          string `json:"hostedZoneId,omitempty"`
	IpAddressType         string `json:"ipAddressType,omitempty"`
	SecurityPolicy        string `json:"securityPolicy,omitempty"`
}

type CreateDomainNameInput struct {
	DomainName               *string                   `json:"domainName"`
	DomainNameConfigurations []DomainNameConfiguration `json:"domainNameConfigurations"`
	Tags                     map[string]string         `json:"tags"`
}

type UpdateDomainNameInput struct {
	DomainName               string                    `path:"DomainName" json:"-"`
	DomainNameConfigurations []DomainNameConfiguration `json:"domainNameConfigurations"`
}

type DomainNameIDInput struct {
	DomainName string `path:"DomainName" json:"-"`
}

type GetDomainNamesInput struct {
	MaxResults string `querystring:"maxResults" json:"-"`
	NextToken  string `querystring:"nextToken" json:"-"`
}

// DomainName is a custom domain name as apigatewayv2 describes it.
type DomainName struct {
	ApiMappingSelectionExpression string                    `json:"apiMappingSelectionExpression"`
	DomainName                    string                    `json:"domainName"`
	DomainNameArn                 string                    `json:"domainNameArn"`
	DomainNameConfigurations      []DomainNameConfiguration `json:"domainNameConfigurations"`
	RoutingMode                   string                    `json:"routingMode"`
	Tags                          map[string]string         `json:"tags"`
}

type GetDomainNamesOutput struct {
	Items     []DomainName `json:"items"`
	NextToken string       `json:"nextToken,omitempty"`
}

type CreateApiMappingInput struct {
	DomainName    string  `path:"DomainName" json:"-"`
	ApiID         *string `json:"apiId"`
	ApiMappingKey *string `json:"apiMappingKey"`
	Stage         *string `json:"stage"`
}

type UpdateApiMappingInput struct {
	DomainName    string  `path:"DomainName" json:"-"`
	ApiMappingID  string  `path:"ApiMappingId" json:"-"`
	ApiID         *string `json:"apiId"`
	ApiMappingKey *string `json:"apiMappingKey"`
	Stage         *string `json:"stage"`
}

type ApiMappingIDInput struct {
	DomainName   string `path:"DomainName" json:"-"`
	ApiMappingID string `path:"ApiMappingId" json:"-"`
}

type GetApiMappingsInput struct {
	DomainName string `path:"DomainName" json:"-"`
	MaxResults string `querystring:"maxResults" json:"-"`
	NextToken  string `querystring:"nextToken" json:"-"`
}

type ApiMapping struct {
	ApiID         string `json:"apiId"`
	ApiMappingID  string `json:"apiMappingId"`
	ApiMappingKey string `json:"apiMappingKey"`
	Stage         string `json:"stage"`
}

type GetApiMappingsOutput struct {
	Items     []ApiMapping `json:"items"`
	NextToken string       `json:"nextToken,omitempty"`
}

// apiMappingIDLen is the length of AWS's mapping ids ("2kd7fe").
const apiMappingIDLen = 6

// edgeDomain is AWS's refusal of an edge domain through this API.
const edgeDomain = "Only REGIONAL domain names can be managed through the API Gateway V2 API. For EDGE domain names, please use the API Gateway V1 API. Also note that only REST APIs can be attached to EDGE domain names."

func domainNotFound() error { return notFound("Invalid domain name identifier specified") }

// CreateDomainName records a regional domain name. Its certificate ARN is
// kept as given: gatehouse's HTTPS listener serves the domain with a
// certificate of its own authority.
func (s *Service) CreateDomainName(ctx context.Context, in *CreateDomainNameInput) (*DomainName, error) {
	if in.DomainName == nil || *in.DomainName == "" {
		return nil, badRequest("domainName is required.")
	}
	name := strings.ToLower(*in.DomainName)
	if p := model.DomainNameProblem(name); p != "" {
		return nil, badRequest("Invalid domain name %q: %s.", *in.DomainName, p)
	}
	d := &model.DomainName{Name: name, EndpointType: model.EndpointRegional, SecurityPolicy: model.TLS12, CreatedDate: s.now()}
	if err := applyDomainConfig(d, in.DomainNameConfigurations); err != nil {
		return nil, err
	}
	tags, err := checkTags(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	d.Tags = tags
	region := api.MetaFrom(ctx).Region
	err = s.update(ctx, func(tx model.Tx) error {
		if _, ok, err := model.GetDomain(tx, name); err != nil || ok {
			if err == nil {
				err = conflict("The domain name you provided already exists.")
			}
			return err
		}
		id, err := newID(10, func(string) (bool, error) { return false, nil })
		if err != nil {
			return err
		}
		d.Target = "d-" + id + ".execute-api." + region + ".amazonaws.com"
		return model.Put(tx, d)
	})
	if err != nil {
		return nil, err
	}
	return domainShape(region, d), nil
}

// applyDomainConfig takes the one configuration a domain has: its
// certificate, a REGIONAL endpoint, and a security policy.
func applyDomainConfig(d *model.DomainName, configs []DomainNameConfiguration) error {
	if len(configs) > 1 {
		return badRequest("A domain name takes one domainNameConfiguration.")
	}
	if len(configs) == 0 {
		return nil
	}
	c := configs[0]
	switch c.EndpointType {
	case "", model.EndpointRegional:
	case model.EndpointEdge:
		return badRequest(edgeDomain)
	default:
		return badRequest("Invalid endpointType %q: it must be REGIONAL.", c.EndpointType)
	}
	switch c.SecurityPolicy {
	case "":
	case model.TLS12, model.TLS10:
		d.SecurityPolicy = c.SecurityPolicy
	default:
		return badRequest("Invalid securityPolicy %q: it must be TLS_1_2 or TLS_1_0.", c.SecurityPolicy)
	}
	switch c.IpAddressType {
	case "", "ipv4", "dualstack":
		d.IPAddressType = c.IpAddressType
	default:
		return badRequest("Invalid ipAddressType %q: it must be ipv4 or dualstack.", c.IpAddressType)
	}
	if c.CertificateArn != "" {
		if !strings.HasPrefix(c.CertificateArn, "arn:") {
			return badRequest("Invalid certificate ARN %q.", c.CertificateArn)
		}
		d.CertificateARN = c.CertificateArn
	}
	if c.CertificateName != "" {
		d.CertificateName = c.CertificateName
	}
	return nil
}

func domainShape(region string, d *model.DomainName) *DomainName {
	return &DomainName{
		ApiMappingSelectionExpression: "$request.basepath",
		DomainName:                    d.Name,
		DomainNameArn:                 "arn:aws:apigateway:" + region + "::/domainnames/" + d.Name,
		DomainNameConfigurations: []DomainNameConfiguration{{
			ApiGatewayDomainName:  d.Target,
			CertificateArn:        d.CertificateARN,
			CertificateName:       d.CertificateName,
			CertificateUploadDate: timestamp(d.CreatedDate),
			DomainNameStatus:      "AVAILABLE",
			EndpointType:          d.EndpointType,
			HostedZoneId:          model.HostedZoneID(region, d.EndpointType),
			IpAddressType:         orIPv4(d.IPAddressType),
			SecurityPolicy:        d.SecurityPolicy,
		}},
		RoutingMode: "API_MAPPING_ONLY",
		Tags:        orEmpty(d.Tags),
	}
}

func orIPv4(t string) string {
	if t == "" {
		return "ipv4"
	}
	return t
}

// getDomain reads a domain name, answering AWS's not-found error; an edge
// domain is refused as AWS refuses it through this API.
func getDomain(tx model.Tx, name string) (*model.DomainName, error) {
	d, ok, err := model.GetDomain(tx, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domainNotFound()
	}
	if d.EndpointType == model.EndpointEdge {
		return nil, badRequest(edgeDomain)
	}
	return d, nil
}

func (s *Service) GetDomainName(ctx context.Context, in *DomainNameIDInput) (*DomainName, error) {
	var d *model.DomainName
	err := s.view(ctx, func(tx model.Tx) (err error) {
		d, err = getDomain(tx, in.DomainName)
		return err
	})
	if err != nil {
		return nil, err
	}
	return domainShape(api.MetaFrom(ctx).Region, d), nil
}

// GetDomainNames lists the regional domain names; edge ones, made through
// apigateway, are left to it as AWS does.
func (s *Service) GetDomainNames(ctx context.Context, in *GetDomainNamesInput) (*GetDomainNamesOutput, error) {
	var all []*model.DomainName
	err := s.view(ctx, func(tx model.Tx) (err error) {
		all, err = model.List[model.DomainName](tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	regional := all[:0]
	for _, d := range all {
		if d.EndpointType != model.EndpointEdge {
			regional = append(regional, d)
		}
	}
	items, next, err := page(regional, func(d *model.DomainName) string { return d.Name }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	region := api.MetaFrom(ctx).Region
	out := &GetDomainNamesOutput{Items: []DomainName{}, NextToken: next}
	for _, d := range items {
		out.Items = append(out.Items, *domainShape(region, d))
	}
	return out, nil
}

// UpdateDomainName replaces the domain's configuration: its certificate
// and security policy. A policy that would leave mappings the domain no
// longer allows (several levels, HTTP APIs) is refused.
func (s *Service) UpdateDomainName(ctx context.Context, in *UpdateDomainNameInput) (*DomainName, error) {
	var d *model.DomainName
	err := s.update(ctx, func(tx model.Tx) (err error) {
		if d, err = getDomain(tx, in.DomainName); err != nil {
			return err
		}
		if err := applyDomainConfig(d, in.DomainNameConfigurations); err != nil {
			return err
		}
		if !d.AllowsMultiLevel() {
			maps, err := model.DomainMappings(tx, d.Name)
			if err != nil {
				return err
			}
			for _, m := range maps {
				if model.MultiLevel(m.Path) {
					return badRequest("The domain name has API mappings with multiple levels, which need the TLS_1_2 security policy.")
				}
				if _, ok, err := model.Get[model.HTTPAPI](tx, m.APIID); err != nil || ok {
					if err == nil {
						err = badRequest("The domain name has HTTP API mappings, which need the TLS_1_2 security policy.")
					}
					return err
				}
			}
		}
		return model.Put(tx, d)
	})
	if err != nil {
		return nil, err
	}
	return domainShape(api.MetaFrom(ctx).Region, d), nil
}

// DeleteDomainName deletes the domain and its API mappings with it, as
// AWS does.
func (s *Service) DeleteDomainName(ctx context.Context, in *DomainNameIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		d, err := getDomain(tx, in.DomainName)
		if err != nil {
			return err
		}
		return model.DeleteDomain(tx, d)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// CreateApiMapping maps a key of the domain to an HTTP or REST API's stage.
func (s *Service) CreateApiMapping(ctx context.Context, in *CreateApiMappingInput) (*ApiMapping, error) {
	if in.ApiID == nil || *in.ApiID == "" {
		return nil, badRequest("apiId is required.")
	}
	if in.Stage == nil || *in.Stage == "" {
		return nil, badRequest("stage is required.")
	}
	m := &model.APIMapping{APIID: *in.ApiID, Stage: *in.Stage}
	if in.ApiMappingKey != nil {
		m.Path = strings.Trim(*in.ApiMappingKey, "/")
	}
	err := s.update(ctx, func(tx model.Tx) error {
		d, err := getDomain(tx, in.DomainName)
		if err != nil {
			return err
		}
		m.Domain = d.Name
		if err := checkMapping(ctx, tx, d, m); err != nil {
			return err
		}
		id, err := newID(apiMappingIDLen, unused[model.APIMapping](tx, d.Name+"/"))
		if err != nil {
			return err
		}
		m.ID = id
		return model.Put(tx, m)
	})
	if err != nil {
		return nil, err
	}
	return mappingShape(m), nil
}

// checkMapping checks a mapping about to be written against the rules of
// custom domains (model.CheckMapping), in this API's words. This API wants
// a stage even for a REST API, which a base path mapping may leave out.
func checkMapping(ctx context.Context, tx model.Tx, d *model.DomainName, m *model.APIMapping) error {
	rule, err := model.CheckMapping(tx, d, m)
	if err != nil {
		return err
	}
	if m.Stage == "" && (rule == model.MappingAllowed || rule == model.MappingPathTaken) {
		rule = model.MappingNoSuchStage
	}
	switch rule {
	case model.MappingBadPath:
		return badRequest("Invalid API mapping key %q: %s.", m.Path, model.MappingPathProblem(m.Path))
	case model.MappingLevelsNotAllowed:
		return badRequest("API mappings with multiple levels need a REGIONAL domain name with the TLS_1_2 security policy.")
	case model.MappingHTTPNotAllowed:
		return badRequest("HTTP APIs can be mapped only to REGIONAL domain names with the TLS_1_2 security policy.")
	case model.MappingNoAPI:
		return apiNotFound(ctx, m.APIID)
	case model.MappingNoStage, model.MappingNoSuchStage:
		return badRequest("Invalid stage identifier specified")
	case model.MappingPathTaken:
		return conflict("ApiMapping key already exists for this domain name")
	}
	return nil
}

func mappingShape(m *model.APIMapping) *ApiMapping {
	return &ApiMapping{ApiID: m.APIID, ApiMappingID: m.ID, ApiMappingKey: m.Path, Stage: m.Stage}
}

func getMapping(tx model.Tx, domain, id string) (*model.DomainName, *model.APIMapping, error) {
	d, err := getDomain(tx, domain)
	if err != nil {
		return nil, nil, err
	}
	m, ok, err := model.Get[model.APIMapping](tx, d.Name+"/"+id)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, notFound("Invalid ApiMapping identifier specified %s", id)
	}
	return d, m, nil
}

func (s *Service) GetApiMapping(ctx context.Context, in *ApiMappingIDInput) (*ApiMapping, error) {
	var m *model.APIMapping
	err := s.view(ctx, func(tx model.Tx) (err error) {
		_, m, err = getMapping(tx, in.DomainName, in.ApiMappingID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return mappingShape(m), nil
}

func (s *Service) GetApiMappings(ctx context.Context, in *GetApiMappingsInput) (*GetApiMappingsOutput, error) {
	var all []*model.APIMapping
	err := s.view(ctx, func(tx model.Tx) error {
		d, err := getDomain(tx, in.DomainName)
		if err != nil {
			return err
		}
		all, err = model.DomainMappings(tx, d.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(m *model.APIMapping) string { return m.ID }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &GetApiMappingsOutput{Items: []ApiMapping{}, NextToken: next}
	for _, m := range items {
		out.Items = append(out.Items, *mappingShape(m))
	}
	return out, nil
}

// UpdateApiMapping changes a mapping's API, stage or key, checked as a new
// mapping is.
func (s *Service) UpdateApiMapping(ctx context.Context, in *UpdateApiMappingInput) (*ApiMapping, error) {
	if in.ApiID == nil || *in.ApiID == "" {
		return nil, badRequest("apiId is required.")
	}
	var m *model.APIMapping
	err := s.update(ctx, func(tx model.Tx) error {
		d, cur, err := getMapping(tx, in.DomainName, in.ApiMappingID)
		if err != nil {
			return err
		}
		m = cur
		m.APIID = *in.ApiID
		if in.Stage != nil {
			m.Stage = *in.Stage
		}
		if in.ApiMappingKey != nil {
			m.Path = strings.Trim(*in.ApiMappingKey, "/")
		}
		if err := checkMapping(ctx, tx, d, m); err != nil {
			return err
		}
		return model.Put(tx, m)
	})
	if err != nil {
		return nil, err
	}
	return mappingShape(m), nil
}

func (s *Service) DeleteApiMapping(ctx context.Context, in *ApiMappingIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		_, m, err := getMapping(tx, in.DomainName, in.ApiMappingID)
		if err != nil {
			return err
		}
		return model.Delete(tx, m)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
