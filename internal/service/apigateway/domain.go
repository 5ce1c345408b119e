package apigateway

import (
	"context"
	"net/url"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// Custom domain names and base path mappings. A domain name is one record
// whichever API made it (model.DomainName), as on AWS; a base path mapping
// is what apigatewayv2 calls an API mapping, and the same record.

// DomainEndpoint is a domain name's endpointConfiguration.
type DomainEndpoint struct {
	Types         []string `json:"types"`
	IpAddressType string   `json:"ipAddressType,omitempty"`
}

type CreateDomainNameInput struct {
	DomainName              string            `json:"domainName"`
	CertificateArn          string            `json:"certificateArn"`
	CertificateName         string            `json:"certificateName"`
	CertificateBody         string            `json:"certificateBody"`
	RegionalCertificateArn  string            `json:"regionalCertificateArn"`
	RegionalCertificateName string            `json:"regionalCertificateName"`
	EndpointConfiguration   *DomainEndpoint   `json:"endpointConfiguration"`
	SecurityPolicy          string            `json:"securityPolicy"`
	Tags                    map[string]string `json:"tags"`
}

type DomainNameInput struct {
	DomainName string `path:"domainName" json:"-"`
}

type GetDomainNamesInput struct {
	Limit    *int32 `querystring:"limit" json:"-"`
	Position string `querystring:"position" json:"-"`
}

// DomainName is a custom domain name as apigateway describes it.
type DomainName struct {
	DomainName               string            `json:"domainName"`
	CertificateArn           string            `json:"certificateArn,omitempty"`
	CertificateName          string            `json:"certificateName,omitempty"`
	CertificateUploadDate    int64             `json:"certificateUploadDate,omitempty"`
	DistributionDomainName   string            `json:"distributionDomainName,omitempty"`
	DistributionHostedZoneId string            `json:"distributionHostedZoneId,omitempty"`
	RegionalCertificateArn   string            `json:"regionalCertificateArn,omitempty"`
	RegionalCertificateName  string            `json:"regionalCertificateName,omitempty"`
	RegionalDomainName       string            `json:"regionalDomainName,omitempty"`
	RegionalHostedZoneId     string            `json:"regionalHostedZoneId,omitempty"`
	DomainNameStatus         string            `json:"domainNameStatus"`
	EndpointConfiguration    *DomainEndpoint   `json:"endpointConfiguration"`
	SecurityPolicy           string            `json:"securityPolicy"`
	Tags                     map[string]string `json:"tags,omitempty"`
}

type GetDomainNamesOutput struct {
	Items    []DomainName `json:"item"`
	Position string       `json:"position,omitempty"`
}

type CreateBasePathMappingInput struct {
	DomainName string `path:"domainName" json:"-"`
	BasePath   string `json:"basePath"`
	RestApiID  string `json:"restApiId"`
	Stage      string `json:"stage"`
}

type BasePathMappingInput struct {
	DomainName string `path:"domainName" json:"-"`
	BasePath   string `path:"basePath" json:"-"`
}

type GetBasePathMappingsInput struct {
	DomainName string `path:"domainName" json:"-"`
	Limit      *int32 `querystring:"limit" json:"-"`
	Position   string `querystring:"position" json:"-"`
}

type UpdateBasePathMappingInput struct {
	DomainName      string           `path:"domainName" json:"-"`
	BasePath        string           `path:"basePath" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

type BasePathMapping struct {
	BasePath  string `json:"basePath"`
	RestApiID string `json:"restApiId"`
	Stage     string `json:"stage,omitempty"`
}

type GetBasePathMappingsOutput struct {
	Items    []BasePathMapping `json:"item"`
	Position string            `json:"position,omitempty"`
}

// noBasePath is how the API spells the empty base path.
const noBasePath = "(none)"

func domainNotFound() error { return notFound("Invalid domain name identifier specified") }

// CreateDomainName records a domain name, regional or edge (the default,
// as on AWS). Its certificate ARN is kept as given: gatehouse's HTTPS
// listener serves the domain with a certificate of its own authority.
func (s *Service) CreateDomainName(ctx context.Context, in *CreateDomainNameInput) (*DomainName, error) {
	if in.DomainName == "" {
		return nil, badRequest("Invalid domain name: domainName is required.")
	}
	name := strings.ToLower(in.DomainName)
	if p := model.DomainNameProblem(name); p != "" {
		return nil, badRequest("Invalid domain name %q: %s.", in.DomainName, p)
	}
	d := &model.DomainName{Name: name, EndpointType: model.EndpointEdge, SecurityPolicy: model.TLS12, CreatedDate: s.now()}
	if c := in.EndpointConfiguration; c != nil {
		if len(c.Types) != 1 {
			return nil, badRequest("A domain name takes exactly one endpoint type.")
		}
		switch c.Types[0] {
		case model.EndpointEdge, model.EndpointRegional:
			d.EndpointType = c.Types[0]
		case "PRIVATE":
			return nil, badRequest("gatehouse does not serve private custom domain names.")
		default:
			return nil, enumError("createDomainNameInput.endpointConfiguration.types.member", c.Types[0], []string{"REGIONAL", "EDGE", "PRIVATE"})
		}
		switch c.IpAddressType {
		case "", "ipv4", "dualstack":
			d.IPAddressType = c.IpAddressType
		default:
			return nil, enumError("createDomainNameInput.endpointConfiguration.ipAddressType", c.IpAddressType, []string{"ipv4", "dualstack"})
		}
	}
	if err := checkEnum("createDomainNameInput.securityPolicy", in.SecurityPolicy, []string{model.TLS10, model.TLS12}); err != nil {
		return nil, err
	}
	if in.SecurityPolicy != "" {
		d.SecurityPolicy = in.SecurityPolicy
	}
	if d.EndpointType == model.EndpointRegional {
		if in.CertificateArn != "" || in.CertificateName != "" || in.CertificateBody != "" {
			return nil, badRequest("A REGIONAL domain name takes regionalCertificateArn or regionalCertificateName, not an edge certificate.")
		}
		d.CertificateARN, d.CertificateName = in.RegionalCertificateArn, in.RegionalCertificateName
	} else {
		if in.RegionalCertificateArn != "" || in.RegionalCertificateName != "" {
			return nil, badRequest("An EDGE domain name takes certificateArn or certificateName, not a regional certificate.")
		}
		d.CertificateARN, d.CertificateName = in.CertificateArn, in.CertificateName
	}
	if d.CertificateARN == "" && d.CertificateName == "" && in.CertificateBody == "" {
		return nil, badRequest("A certificate is required: give the domain name's certificate ARN.")
	}
	if d.CertificateARN != "" && !strings.HasPrefix(d.CertificateARN, "arn:") {
		return nil, badRequest("Invalid certificate ARN specified: %s", d.CertificateARN)
	}
	tags, err := checkTags(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	d.Tags = tags
	region := api.MetaFrom(ctx).Region
	if d.EndpointType == model.EndpointEdge {
		d.Target = "d" + randomID(13) + ".cloudfront.net"
	} else {
		d.Target = "d-" + randomID(10) + ".execute-api." + region + ".amazonaws.com"
	}
	err = s.update(ctx, func(tx model.Tx) error {
		if _, ok, err := model.GetDomain(tx, name); err != nil || ok {
			if err == nil {
				err = badRequest("The domain name you provided already exists.")
			}
			return err
		}
		return model.Put(tx, d)
	})
	if err != nil {
		return nil, err
	}
	return domainShape(region, d), nil
}

func domainShape(region string, d *model.DomainName) *DomainName {
	out := &DomainName{
		DomainName:            d.Name,
		CertificateUploadDate: epoch(d.CreatedDate),
		DomainNameStatus:      "AVAILABLE",
		EndpointConfiguration: &DomainEndpoint{Types: []string{d.EndpointType}, IpAddressType: d.IPAddressType},
		SecurityPolicy:        d.SecurityPolicy,
		Tags:                  d.Tags,
	}
	if out.EndpointConfiguration.IpAddressType == "" {
		out.EndpointConfiguration.IpAddressType = "ipv4"
	}
	zone := model.HostedZoneID(region, d.EndpointType)
	if d.EndpointType == model.EndpointEdge {
		out.CertificateArn, out.CertificateName = d.CertificateARN, d.CertificateName
		out.DistributionDomainName, out.DistributionHostedZoneId = d.Target, zone
	} else {
		out.RegionalCertificateArn, out.RegionalCertificateName = d.CertificateARN, d.CertificateName
		out.RegionalDomainName, out.RegionalHostedZoneId = d.Target, zone
	}
	return out
}

func getDomain(tx model.Tx, name string) (*model.DomainName, error) {
	d, ok, err := model.GetDomain(tx, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domainNotFound()
	}
	return d, nil
}

func (s *Service) GetDomainName(ctx context.Context, in *DomainNameInput) (*DomainName, error) {
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

func (s *Service) GetDomainNames(ctx context.Context, in *GetDomainNamesInput) (*GetDomainNamesOutput, error) {
	var all []*model.DomainName
	err := s.view(ctx, func(tx model.Tx) (err error) {
		all, err = model.List[model.DomainName](tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(d *model.DomainName) string { return d.Name }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	region := api.MetaFrom(ctx).Region
	out := &GetDomainNamesOutput{Items: []DomainName{}, Position: next}
	for _, d := range items {
		out.Items = append(out.Items, *domainShape(region, d))
	}
	return out, nil
}

// DeleteDomainName deletes the domain and its mappings with it, as AWS
// does.
func (s *Service) DeleteDomainName(ctx context.Context, in *DomainNameInput) (*Empty, error) {
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

// basePath reads a base path as the API spells it: "(none)" or empty for
// the whole domain, levels joined by slashes (escaped in a URL path).
func basePath(p string) string {
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	if p == noBasePath {
		return ""
	}
	return strings.Trim(p, "/")
}

// CreateBasePathMapping maps a base path of the domain to a REST API (or
// an HTTP API: the namespace is shared) and, optionally, a stage.
func (s *Service) CreateBasePathMapping(ctx context.Context, in *CreateBasePathMappingInput) (*BasePathMapping, error) {
	if in.RestApiID == "" {
		return nil, badRequest("Invalid REST API identifier specified")
	}
	m := &model.APIMapping{Path: basePath(in.BasePath), APIID: in.RestApiID, Stage: in.Stage}
	if m.Stage == noBasePath {
		m.Stage = ""
	}
	err := s.update(ctx, func(tx model.Tx) error {
		d, err := getDomain(tx, in.DomainName)
		if err != nil {
			return err
		}
		m.Domain = d.Name
		if err := checkBasePath(tx, d, m); err != nil {
			return err
		}
		id, err := freshID(shortID, func(id string) (bool, error) {
			_, ok, err := model.Get[model.APIMapping](tx, d.Name+"/"+id)
			return ok, err
		})
		if err != nil {
			return err
		}
		m.ID = id
		return model.Put(tx, m)
	})
	if err != nil {
		return nil, err
	}
	return basePathShape(m), nil
}

// checkBasePath checks a mapping about to be written against the rules
// of custom domains (model.CheckMapping), in this API's words.
func checkBasePath(tx model.Tx, d *model.DomainName, m *model.APIMapping) error {
	rule, err := model.CheckMapping(tx, d, m)
	if err != nil {
		return err
	}
	switch rule {
	case model.MappingBadPath:
		return badRequest("Invalid base path %q: %s.", m.Path, model.MappingPathProblem(m.Path))
	case model.MappingLevelsNotAllowed:
		return badRequest("Base paths with multiple levels need a REGIONAL domain name with the TLS_1_2 security policy.")
	case model.MappingHTTPNotAllowed:
		return badRequest("HTTP APIs can be mapped only to REGIONAL domain names with the TLS_1_2 security policy.")
	case model.MappingNoStage:
		return badRequest("A stage is required to map an HTTP API.")
	case model.MappingNoAPI:
		return badRequest("Invalid REST API identifier specified")
	case model.MappingNoSuchStage:
		return badRequest("Invalid stage identifier specified")
	case model.MappingPathTaken:
		return conflict("Base path already exists for this domain name")
	}
	return nil
}

func basePathShape(m *model.APIMapping) *BasePathMapping {
	p := m.Path
	if p == "" {
		p = noBasePath
	}
	return &BasePathMapping{BasePath: p, RestApiID: m.APIID, Stage: m.Stage}
}

// getBasePath finds the domain's mapping at a base path.
func getBasePath(tx model.Tx, domain, path string) (*model.DomainName, *model.APIMapping, error) {
	d, err := getDomain(tx, domain)
	if err != nil {
		return nil, nil, err
	}
	m, ok, err := model.MappingAtPath(tx, d.Name, basePath(path))
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, notFound("Invalid base path mapping identifier specified")
	}
	return d, m, nil
}

func (s *Service) GetBasePathMapping(ctx context.Context, in *BasePathMappingInput) (*BasePathMapping, error) {
	var m *model.APIMapping
	err := s.view(ctx, func(tx model.Tx) (err error) {
		_, m, err = getBasePath(tx, in.DomainName, in.BasePath)
		return err
	})
	if err != nil {
		return nil, err
	}
	return basePathShape(m), nil
}

func (s *Service) GetBasePathMappings(ctx context.Context, in *GetBasePathMappingsInput) (*GetBasePathMappingsOutput, error) {
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
	items, next, err := page(all, func(m *model.APIMapping) string { return m.ID }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &GetBasePathMappingsOutput{Items: []BasePathMapping{}, Position: next}
	for _, m := range items {
		out.Items = append(out.Items, *basePathShape(m))
	}
	return out, nil
}

// UpdateBasePathMapping patches /basePath, /restapiId and /stage, checked
// as a new mapping is.
func (s *Service) UpdateBasePathMapping(ctx context.Context, in *UpdateBasePathMappingInput) (*BasePathMapping, error) {
	var m *model.APIMapping
	err := s.update(ctx, func(tx model.Tx) error {
		d, cur, err := getBasePath(tx, in.DomainName, in.BasePath)
		if err != nil {
			return err
		}
		m = cur
		err = applyPatch(in.PatchOperations, []patchPath{
			{path: "/basePath", replace: func(_, v string) error { m.Path = basePath(v); return nil }},
			{path: "/restapiId", replace: func(_, v string) error { m.APIID = v; return nil }},
			{path: "/stage", replace: func(_, v string) error {
				if v == noBasePath {
					v = ""
				}
				m.Stage = v
				return nil
			}},
		})
		if err != nil {
			return err
		}
		if err := checkBasePath(tx, d, m); err != nil {
			return err
		}
		return model.Put(tx, m)
	})
	if err != nil {
		return nil, err
	}
	return basePathShape(m), nil
}

func (s *Service) DeleteBasePathMapping(ctx context.Context, in *BasePathMappingInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		_, m, err := getBasePath(tx, in.DomainName, in.BasePath)
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
