package servicediscovery

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type CreateServiceInput struct {
	Name                    string                   `json:"Name"`
	NamespaceID             string                   `json:"NamespaceId"`
	CreatorRequestID        string                   `json:"CreatorRequestId"`
	Description             string                   `json:"Description"`
	DNSConfig               *DNSConfig               `json:"DnsConfig"`
	HealthCheckConfig       *HealthCheckConfig       `json:"HealthCheckConfig"`
	HealthCheckCustomConfig *HealthCheckCustomConfig `json:"HealthCheckCustomConfig"`
	Tags                    []Tag                    `json:"Tags"`
	Type                    string                   `json:"Type"`
}

type DNSConfig struct {
	// NamespaceID is deprecated in favour of CreateService's NamespaceId,
	// which it stands in for when that is missing.
	NamespaceID   string      `json:"NamespaceId,omitempty"`
	RoutingPolicy string      `json:"RoutingPolicy,omitempty"`
	DNSRecords    []DNSRecord `json:"DnsRecords"`
}

type DNSRecord struct {
	Type string `json:"Type"`
	TTL  *int64 `json:"TTL"`
}

type HealthCheckConfig struct {
	Type             string  `json:"Type"`
	ResourcePath     *string `json:"ResourcePath,omitempty"`
	FailureThreshold *int32  `json:"FailureThreshold,omitempty"`
}

type HealthCheckCustomConfig struct {
	FailureThreshold *int32 `json:"FailureThreshold,omitempty"`
}

type CreateServiceOutput struct {
	Service *CloudMapService `json:"Service"`
}

type GetServiceInput struct {
	ID string `json:"Id"`
}

type GetServiceOutput struct {
	Service *CloudMapService `json:"Service"`
}

type ListServicesInput struct {
	Filters    []Filter `json:"Filters"`
	MaxResults *int32   `json:"MaxResults"`
	NextToken  *string  `json:"NextToken"`
}

type ListServicesOutput struct {
	Services  []CloudMapService `json:"Services"`
	NextToken *string           `json:"NextToken,omitempty"`
}

type DeleteServiceInput struct {
	ID string `json:"Id"`
}

type UpdateServiceInput struct {
	ID      string         `json:"Id"`
	Service *ServiceChange `json:"Service"`
}

type ServiceChange struct {
	Description       *string            `json:"Description"`
	DNSConfig         *DNSConfigChange   `json:"DnsConfig"`
	HealthCheckConfig *HealthCheckConfig `json:"HealthCheckConfig"`
}

type DNSConfigChange struct {
	DNSRecords []DNSRecord `json:"DnsRecords"`
}

// CloudMapService is a service as GetService describes it; ListServices'
// summaries are the same without NamespaceId and CreatorRequestId.
type CloudMapService struct {
	ID                      string                   `json:"Id"`
	Arn                     string                   `json:"Arn"`
	Name                    string                   `json:"Name"`
	NamespaceID             string                   `json:"NamespaceId,omitempty"`
	Description             string                   `json:"Description,omitempty"`
	CreatorRequestID        string                   `json:"CreatorRequestId,omitempty"`
	Type                    string                   `json:"Type"`
	DNSConfig               *DNSConfig               `json:"DnsConfig,omitempty"`
	HealthCheckConfig       *HealthCheckConfig       `json:"HealthCheckConfig,omitempty"`
	HealthCheckCustomConfig *HealthCheckCustomConfig `json:"HealthCheckCustomConfig,omitempty"`
	InstanceCount           int32                    `json:"InstanceCount"`
	CreatedByAccount        string                   `json:"CreatedByAccount"`
	ResourceOwner           string                   `json:"ResourceOwner"`
	CreateDate              float64                  `json:"CreateDate"`
}

// Service types: HTTP services are found with DiscoverInstances only,
// DNS_HTTP ones by DNS queries as well.
const (
	serviceHTTP    = "HTTP"
	serviceDNSHTTP = "DNS_HTTP"
)

// serviceLabel is one dot-separated label of a service name; names may
// start with an underscore for SRV-style names ("_api._tcp").
var serviceLabel = regexp.MustCompile(`^([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)$`)

func checkServiceName(name string) error {
	if name == "." {
		return nil
	}
	if name == "" || len(name) > 127 {
		return invalidInput("Service name must be 1 to 127 characters: %q", name)
	}
	for _, l := range strings.Split(name, ".") {
		if !serviceLabel.MatchString(l) {
			return invalidInput("Service name %q is not valid: label %q", name, l)
		}
	}
	return nil
}

// maxTTL bounds every DNS TTL.
const maxTTL = 2147483647

// dnsRecordSets are the combinations of record types a service may have.
var dnsRecordSets = [][]string{{"A"}, {"AAAA"}, {"A", "AAAA"}, {"SRV"}, {"CNAME"}}

// checkDNSRecords validates records and returns them as the model keeps
// them.
func checkDNSRecords(records []DNSRecord) ([]model.DNSRecord, error) {
	if len(records) == 0 {
		return nil, invalidInput("DnsConfig must have at least one DnsRecord")
	}
	var out []model.DNSRecord
	var types []string
	for _, r := range records {
		if r.TTL == nil {
			return nil, invalidInput("DnsRecord of type %s needs a TTL", r.Type)
		}
		if *r.TTL < 0 || *r.TTL > maxTTL {
			return nil, invalidInput("DnsRecord TTL must be between 0 and %d", maxTTL)
		}
		out = append(out, model.DNSRecord{Type: r.Type, TTL: *r.TTL})
		types = append(types, r.Type)
	}
	slices.Sort(types)
	if !slices.ContainsFunc(dnsRecordSets, func(set []string) bool { return slices.Equal(set, types) }) {
		return nil, invalidInput("DnsRecords of types %s are not a valid combination: use A, AAAA, A and AAAA, SRV, or CNAME", strings.Join(types, ", "))
	}
	return out, nil
}

func checkHealthCheck(hc *HealthCheckConfig) (*model.Route53HealthCheck, error) {
	out := &model.Route53HealthCheck{Type: hc.Type, FailureThreshold: 1}
	switch hc.Type {
	case "HTTP", "HTTPS":
		out.ResourcePath = "/"
		if hc.ResourcePath != nil {
			if *hc.ResourcePath == "" || len(*hc.ResourcePath) > 255 {
				return nil, invalidInput("ResourcePath must be 1 to 255 characters")
			}
			out.ResourcePath = *hc.ResourcePath
		}
	case "TCP":
		if hc.ResourcePath != nil {
			return nil, invalidInput("ResourcePath cannot be set for a TCP health check")
		}
	default:
		return nil, invalidInput("HealthCheckConfig Type must be HTTP, HTTPS or TCP, not %q", hc.Type)
	}
	if hc.FailureThreshold != nil {
		if *hc.FailureThreshold < 1 || *hc.FailureThreshold > 10 {
			return nil, invalidInput("FailureThreshold must be between 1 and 10")
		}
		out.FailureThreshold = int(*hc.FailureThreshold)
	}
	return out, nil
}

// newService checks a CreateService input on its own and returns the
// service it asks for and the namespace it names; what depends on the
// namespace is checked in the transaction.
func newService(in *CreateServiceInput) (*model.CloudMapService, string, error) {
	if err := checkServiceName(in.Name); err != nil {
		return nil, "", err
	}
	nsID := in.NamespaceID
	if nsID == "" && in.DNSConfig != nil {
		nsID = in.DNSConfig.NamespaceID
	}
	if nsID == "" {
		return nil, "", invalidInput("NamespaceId is required")
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, "", err
	}
	if in.Type != "" && in.Type != serviceHTTP {
		return nil, "", invalidInput("Type must be HTTP, not %q", in.Type)
	}
	if in.Type == serviceHTTP && in.DNSConfig != nil {
		return nil, "", invalidInput("A service of Type HTTP cannot have a DnsConfig")
	}
	if in.HealthCheckConfig != nil && in.HealthCheckCustomConfig != nil {
		return nil, "", invalidInput("Specify HealthCheckConfig or HealthCheckCustomConfig, not both")
	}
	svc := &model.CloudMapService{
		Name: in.Name, Description: in.Description, CreatorRequestID: in.CreatorRequestID,
		Type: serviceHTTP, CustomHealth: in.HealthCheckCustomConfig != nil,
	}
	if in.DNSConfig != nil {
		records, err := checkDNSRecords(in.DNSConfig.DNSRecords)
		if err != nil {
			return nil, "", err
		}
		policy := in.DNSConfig.RoutingPolicy
		switch policy {
		case "":
			policy = "MULTIVALUE"
		case "MULTIVALUE", "WEIGHTED":
		default:
			return nil, "", invalidInput("RoutingPolicy must be MULTIVALUE or WEIGHTED, not %q", policy)
		}
		if records[0].Type == "CNAME" {
			if policy != "WEIGHTED" {
				return nil, "", invalidInput("A CNAME record needs the WEIGHTED routing policy")
			}
			if in.HealthCheckConfig != nil {
				return nil, "", invalidInput("A service with a CNAME record cannot have a HealthCheckConfig")
			}
		}
		svc.Type = serviceDNSHTTP
		svc.DNS = &model.DNSConfig{RoutingPolicy: policy, Records: records}
	}
	if in.HealthCheckConfig != nil {
		hc, err := checkHealthCheck(in.HealthCheckConfig)
		if err != nil {
			return nil, "", err
		}
		svc.HealthCheck = hc
	}
	tags, err := tagMap(in.Tags)
	if err == nil && len(tags) > maxTags {
		err = tooManyTags(in.Name)
	}
	if err != nil {
		return nil, "", err
	}
	svc.Tags = tags
	return svc, nsID, nil
}

func (s *Service) CreateService(ctx context.Context, in *CreateServiceInput) (*CreateServiceOutput, error) {
	svc, nsID, err := newService(in)
	if err != nil {
		return nil, err
	}
	var out CloudMapService
	err = s.update(ctx, func(tx model.Tx) error {
		ns, err := getNamespace(ctx, tx, nsID)
		if err != nil {
			return err
		}
		if ns.Type == typeHTTP && svc.DNS != nil {
			return invalidInput("Services in HTTP namespace %s cannot have a DnsConfig", ns.ID)
		}
		if ns.Type == typeDNSPrivate && svc.HealthCheck != nil {
			return invalidInput("HealthCheckConfig is for public DNS and HTTP namespaces only; %s is a private DNS namespace", ns.ID)
		}
		all, err := model.List[model.CloudMapService](tx)
		if err != nil {
			return err
		}
		for _, other := range all {
			if other.NamespaceID != ns.ID || !sameServiceName(ns, other.Name, svc.Name) {
				continue
			}
			if svc.CreatorRequestID != "" && other.CreatorRequestID == svc.CreatorRequestID {
				// A retry of the call that made it.
				instances, err := model.InstancesOf(tx, other.ID)
				out = serviceShape(ctx, other, int32(len(instances)))
				return err
			}
			return serviceExists(other)
		}
		svc.ID = newServiceID()
		svc.ARN = arn(ctx, "service/"+svc.ID)
		svc.NamespaceID = ns.ID
		svc.CreateDate = s.now()
		out = serviceShape(ctx, svc, 0)
		return model.Put(tx, svc)
	})
	if err != nil {
		return nil, err
	}
	return &CreateServiceOutput{Service: &out}, nil
}

// sameServiceName compares service names as the namespace does: names that
// differ only in case would be one DNS name, so DNS namespaces keep them
// apart; names in HTTP namespaces are compared exactly.
func sameServiceName(ns *model.Namespace, a, b string) bool {
	if ns.Type == typeHTTP {
		return a == b
	}
	return strings.EqualFold(a, b)
}

// getService reads the service an id or ARN names.
func getService(ctx context.Context, tx model.Tx, idOrARN string) (*model.CloudMapService, error) {
	id := idOf(ctx, idOrARN, "service")
	if id == "" {
		return nil, serviceNotFound()
	}
	svc, ok, err := model.Get[model.CloudMapService](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, serviceNotFound()
	}
	return svc, nil
}

func (s *Service) GetService(ctx context.Context, in *GetServiceInput) (*GetServiceOutput, error) {
	if in.ID == "" {
		return nil, invalidInput("Id is required")
	}
	var out CloudMapService
	err := s.view(ctx, func(tx model.Tx) error {
		svc, err := getService(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		instances, err := model.InstancesOf(tx, svc.ID)
		out = serviceShape(ctx, svc, int32(len(instances)))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetServiceOutput{Service: &out}, nil
}

var serviceFilters = map[string][]string{
	"NAMESPACE_ID":   {condEQ, condIN},
	"RESOURCE_OWNER": {condEQ},
}

func (s *Service) ListServices(ctx context.Context, in *ListServicesInput) (*ListServicesOutput, error) {
	if err := checkFilters(in.Filters, serviceFilters); err != nil {
		return nil, err
	}
	for _, f := range in.Filters {
		if f.Name == "NAMESPACE_ID" {
			for i, v := range f.Values {
				f.Values[i] = idOf(ctx, v, "namespace")
			}
		}
	}
	var (
		picked []*model.CloudMapService
		counts = map[string]int32{}
	)
	err := s.view(ctx, func(tx model.Tx) error {
		all, err := model.List[model.CloudMapService](tx)
		if err != nil {
			return err
		}
		for _, svc := range all {
			if serviceMatches(svc, in.Filters) {
				picked = append(picked, svc)
			}
		}
		instances, err := model.List[model.Instance](tx)
		for _, inst := range instances {
			counts[inst.ServiceID]++
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(picked, func(s *model.CloudMapService) string { return s.ID }, in.MaxResults, in.NextToken, defaultPage)
	if err != nil {
		return nil, err
	}
	out := &ListServicesOutput{Services: []CloudMapService{}, NextToken: next}
	for _, svc := range pg {
		shape := serviceShape(ctx, svc, counts[svc.ID])
		shape.NamespaceID, shape.CreatorRequestID = "", ""
		out.Services = append(out.Services, shape)
	}
	return out, nil
}

func serviceMatches(svc *model.CloudMapService, filters []Filter) bool {
	for _, f := range filters {
		var ok bool
		switch f.Name {
		case "NAMESPACE_ID":
			ok = f.matches(svc.NamespaceID)
		case "RESOURCE_OWNER":
			ok = f.matches("SELF")
		}
		if !ok {
			return false
		}
	}
	return true
}

func (s *Service) DeleteService(ctx context.Context, in *DeleteServiceInput) (*Empty, error) {
	if in.ID == "" {
		return nil, invalidInput("Id is required")
	}
	err := s.update(ctx, func(tx model.Tx) error {
		svc, err := getService(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		instances, err := model.InstancesOf(tx, svc.ID)
		if err != nil {
			return err
		}
		if len(instances) > 0 {
			return resourceInUse("Service contains registered instances; delete the instances before deleting the service")
		}
		return model.Delete(tx, svc)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// UpdateService changes a service's description, its records' TTLs and its
// Route 53 health check. As on AWS, a Route 53 health check left out of the
// change is removed; record types can never change.
func (s *Service) UpdateService(ctx context.Context, in *UpdateServiceInput) (*OperationOutput, error) {
	if in.ID == "" || in.Service == nil {
		return nil, invalidInput("Id and Service are required")
	}
	change := in.Service
	if change.Description != nil {
		if err := checkDescription(*change.Description); err != nil {
			return nil, err
		}
	}
	var records []model.DNSRecord
	if change.DNSConfig != nil {
		var err error
		if records, err = checkDNSRecords(change.DNSConfig.DNSRecords); err != nil {
			return nil, err
		}
	}
	var hc *model.Route53HealthCheck
	if change.HealthCheckConfig != nil {
		var err error
		if hc, err = checkHealthCheck(change.HealthCheckConfig); err != nil {
			return nil, err
		}
	}
	var opID string
	err := s.update(ctx, func(tx model.Tx) error {
		svc, err := getService(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		if records != nil {
			if svc.DNS == nil {
				return invalidInput("Service %s has no DnsConfig to update", svc.ID)
			}
			if !sameRecordTypes(svc.DNS.Records, records) {
				return invalidInput("The record types of service %s cannot change", svc.ID)
			}
			svc.DNS.Records = records
		}
		if hc != nil {
			if svc.CustomHealth {
				return invalidInput("Service %s has a custom health check; it cannot also have a HealthCheckConfig", svc.ID)
			}
			if svc.HealthCheck != nil && svc.HealthCheck.Type != hc.Type {
				return invalidInput("The health check type of service %s cannot change", svc.ID)
			}
			if svc.DNS != nil && svc.DNS.Records[0].Type == "CNAME" {
				return invalidInput("A service with a CNAME record cannot have a HealthCheckConfig")
			}
			ns, err := getNamespace(ctx, tx, svc.NamespaceID)
			if err != nil {
				return err
			}
			if ns.Type == typeDNSPrivate {
				return invalidInput("HealthCheckConfig is for public DNS and HTTP namespaces only; %s is a private DNS namespace", ns.ID)
			}
		}
		svc.HealthCheck = hc
		if change.Description != nil {
			svc.Description = *change.Description
		}
		if err := model.Put(tx, svc); err != nil {
			return err
		}
		opID, err = record(tx, s.now(), &model.Operation{
			Type: opUpdateService, Targets: map[string]string{targetService: svc.ID},
			NamespaceID: svc.NamespaceID, ServiceID: svc.ID,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &OperationOutput{OperationID: opID}, nil
}

func sameRecordTypes(a, b []model.DNSRecord) bool {
	types := func(rs []model.DNSRecord) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Type)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(types(a), types(b))
}

func serviceShape(ctx context.Context, svc *model.CloudMapService, instances int32) CloudMapService {
	account := api.MetaFrom(ctx).Account
	out := CloudMapService{
		ID: svc.ID, Arn: svc.ARN, Name: svc.Name, NamespaceID: svc.NamespaceID, Description: svc.Description,
		CreatorRequestID: svc.CreatorRequestID, Type: svc.Type, InstanceCount: instances,
		CreatedByAccount: account, ResourceOwner: account, CreateDate: epoch(svc.CreateDate),
	}
	if svc.DNS != nil {
		out.DNSConfig = &DNSConfig{NamespaceID: svc.NamespaceID, RoutingPolicy: svc.DNS.RoutingPolicy, DNSRecords: []DNSRecord{}}
		for _, r := range svc.DNS.Records {
			out.DNSConfig.DNSRecords = append(out.DNSConfig.DNSRecords, DNSRecord{Type: r.Type, TTL: &r.TTL})
		}
	}
	if hc := svc.HealthCheck; hc != nil {
		threshold := int32(hc.FailureThreshold)
		out.HealthCheckConfig = &HealthCheckConfig{Type: hc.Type, FailureThreshold: &threshold}
		if hc.ResourcePath != "" {
			out.HealthCheckConfig.ResourcePath = &hc.ResourcePath
		}
	}
	if svc.CustomHealth {
		// FailureThreshold is deprecated and always 1.
		one := int32(1)
		out.HealthCheckCustomConfig = &HealthCheckCustomConfig{FailureThreshold: &one}
	}
	return out
}
