package servicediscovery

import (
	"context"
	"regexp"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type CreateHTTPNamespaceInput struct {
	Name             string `json:"Name"`
	CreatorRequestID string `json:"CreatorRequestId"`
	Description      string `json:"Description"`
	Tags             []Tag  `json:"Tags"`
}

type CreatePrivateDNSNamespaceInput struct {
	Name             string                         `json:"Name"`
	Vpc              string                         `json:"Vpc"`
	CreatorRequestID string                         `json:"CreatorRequestId"`
	Description      string                         `json:"Description"`
	Properties       *PrivateDNSNamespaceProperties `json:"Properties"`
	Tags             []Tag                          `json:"Tags"`
}

type PrivateDNSNamespaceProperties struct {
	DNSProperties *struct {
		SOA *SOA `json:"SOA"`
	} `json:"DnsProperties"`
}

type SOA struct {
	TTL *int64 `json:"TTL"`
}

type GetNamespaceInput struct {
	ID string `json:"Id"`
}

type GetNamespaceOutput struct {
	Namespace *Namespace `json:"Namespace"`
}

type ListNamespacesInput struct {
	Filters    []Filter `json:"Filters"`
	MaxResults *int32   `json:"MaxResults"`
	NextToken  *string  `json:"NextToken"`
}

type ListNamespacesOutput struct {
	Namespaces []Namespace `json:"Namespaces"`
	NextToken  *string     `json:"NextToken,omitempty"`
}

type DeleteNamespaceInput struct {
	ID string `json:"Id"`
}

// Namespace is a namespace as GetNamespace describes it; ListNamespaces'
// summaries are the same without CreatorRequestId.
type Namespace struct {
	ID               string               `json:"Id"`
	Arn              string               `json:"Arn"`
	Name             string               `json:"Name"`
	Type             string               `json:"Type"`
	Description      string               `json:"Description,omitempty"`
	CreatorRequestID string               `json:"CreatorRequestId,omitempty"`
	Properties       *NamespaceProperties `json:"Properties"`
	ResourceOwner    string               `json:"ResourceOwner"`
	ServiceCount     int32                `json:"ServiceCount"`
	CreateDate       float64              `json:"CreateDate"`
}

type NamespaceProperties struct {
	DNSProperties  *DNSProperties  `json:"DnsProperties,omitempty"`
	HTTPProperties *HTTPProperties `json:"HttpProperties,omitempty"`
}

type DNSProperties struct {
	HostedZoneID string `json:"HostedZoneId,omitempty"`
	SOA          *SOA   `json:"SOA,omitempty"`
}

type HTTPProperties struct {
	HTTPName string `json:"HttpName"`
}

// Namespace types.
const (
	typeHTTP       = "HTTP"
	typeDNSPrivate = "DNS_PRIVATE"
)

// httpNamespaceName is Cloud Map's pattern for namespace names: printable
// ASCII without spaces.
var httpNamespaceName = regexp.MustCompile(`^[!-~]+$`)

// dnsLabel is one label of a DNS namespace's domain name.
var dnsLabel = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$`)

func checkDNSName(name string) error {
	trimmed := strings.TrimSuffix(name, ".")
	if trimmed == "" || len(trimmed) > 253 {
		return invalidInput("Namespace name %q must be a domain name of 1 to 253 characters", name)
	}
	for _, l := range strings.Split(trimmed, ".") {
		if !dnsLabel.MatchString(l) {
			return invalidInput("Namespace name %q is not a valid domain name: label %q", name, l)
		}
	}
	return nil
}

func checkDescription(d string) error {
	if len(d) > 1024 {
		return invalidInput("Description must be at most 1024 characters")
	}
	return nil
}

// namespaceTags validates the tags of a create call.
func namespaceTags(name string, tags []Tag) (model.Tags, error) {
	m, err := tagMap(tags)
	if err == nil && len(m) > maxTags {
		err = tooManyTags(name)
	}
	return m, err
}

func (s *Service) CreateHttpNamespace(ctx context.Context, in *CreateHTTPNamespaceInput) (*OperationOutput, error) {
	if len(in.Name) > 1024 || !httpNamespaceName.MatchString(in.Name) {
		return nil, invalidInput("Namespace name %q must be 1 to 1024 printable ASCII characters without spaces", in.Name)
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	tags, err := namespaceTags(in.Name, in.Tags)
	if err != nil {
		return nil, err
	}
	ns := &model.Namespace{Name: in.Name, Type: typeHTTP, Description: in.Description, CreatorRequestID: in.CreatorRequestID, Tags: tags}
	return s.createNamespace(ctx, ns, func(other *model.Namespace) bool {
		return other.Type == typeHTTP && other.Name == in.Name
	})
}

func (s *Service) CreatePrivateDnsNamespace(ctx context.Context, in *CreatePrivateDNSNamespaceInput) (*OperationOutput, error) {
	if err := checkDNSName(in.Name); err != nil {
		return nil, err
	}
	if in.Vpc == "" {
		return nil, invalidInput("Vpc is required")
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	var soaTTL *int64
	if p := in.Properties; p != nil {
		if p.DNSProperties == nil || p.DNSProperties.SOA == nil || p.DNSProperties.SOA.TTL == nil {
			return nil, invalidInput("Properties must give DnsProperties.SOA.TTL")
		}
		if ttl := *p.DNSProperties.SOA.TTL; ttl < 0 || ttl > 2147483647 {
			return nil, invalidInput("SOA TTL must be between 0 and 2147483647")
		}
		soaTTL = p.DNSProperties.SOA.TTL
	}
	tags, err := namespaceTags(in.Name, in.Tags)
	if err != nil {
		return nil, err
	}
	ns := &model.Namespace{Name: in.Name, Type: typeDNSPrivate, Description: in.Description, CreatorRequestID: in.CreatorRequestID,
		VpcID: in.Vpc, HostedZoneID: newHostedZoneID(), SOATTL: soaTTL, Tags: tags}
	domain := canonicalDomain(in.Name)
	return s.createNamespace(ctx, ns, func(other *model.Namespace) bool {
		return other.Type == typeDNSPrivate && other.VpcID == in.Vpc && canonicalDomain(other.Name) == domain
	})
}

// canonicalDomain is the form in which two domain names are the same zone.
func canonicalDomain(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}

// createNamespace stores ns unless a namespace it clashes with exists, and
// records the CREATE_NAMESPACE operation.
func (s *Service) createNamespace(ctx context.Context, ns *model.Namespace, clashes func(*model.Namespace) bool) (*OperationOutput, error) {
	var opID string
	err := s.update(ctx, func(tx model.Tx) error {
		if prev, err := previous(tx, opCreateNamespace, ns.CreatorRequestID); err != nil {
			return err
		} else if prev != nil {
			if created, ok, err := model.Get[model.Namespace](tx, prev.NamespaceID); err != nil {
				return err
			} else if ok && created.Name == ns.Name && created.Type == ns.Type {
				opID = prev.ID
				return nil
			}
			return duplicateRequest(prev.ID)
		}
		if ns.Type == typeDNSPrivate {
			if _, ok, err := model.Get[model.VPC](tx, ns.VpcID); err != nil {
				return err
			} else if !ok {
				return invalidInput("VPC %s does not exist", ns.VpcID)
			}
		}
		all, err := model.List[model.Namespace](tx)
		if err != nil {
			return err
		}
		ns.HTTPName = ns.Name
		for _, other := range all {
			if clashes(other) {
				return namespaceExists(other)
			}
			if other.HTTPName == ns.HTTPName {
				// The name is taken for DiscoverInstances; AWS tells the
				// two apart with a hash on the newcomer's HttpName.
				ns.HTTPName = ns.Name + "-" + randomString(alnumLower, 8)
			}
		}
		ns.ID = newNamespaceID()
		ns.ARN = arn(ctx, "namespace/"+ns.ID)
		ns.CreateDate = s.now()
		if err := model.Put(tx, ns); err != nil {
			return err
		}
		opID, err = record(tx, ns.CreateDate, &model.Operation{
			Type: opCreateNamespace, Targets: map[string]string{targetNamespace: ns.ID},
			NamespaceID: ns.ID, CreatorRequestID: ns.CreatorRequestID,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &OperationOutput{OperationID: opID}, nil
}

// getNamespace reads the namespace an id or ARN names.
func getNamespace(ctx context.Context, tx model.Tx, idOrARN string) (*model.Namespace, error) {
	id := idOf(ctx, idOrARN, "namespace")
	if id == "" {
		return nil, namespaceNotFound()
	}
	ns, ok, err := model.Get[model.Namespace](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, namespaceNotFound()
	}
	return ns, nil
}

func (s *Service) GetNamespace(ctx context.Context, in *GetNamespaceInput) (*GetNamespaceOutput, error) {
	if in.ID == "" {
		return nil, invalidInput("Id is required")
	}
	var out Namespace
	err := s.view(ctx, func(tx model.Tx) error {
		ns, err := getNamespace(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		counts, err := serviceCounts(tx)
		out = namespaceShape(ctx, ns, counts[ns.ID])
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetNamespaceOutput{Namespace: &out}, nil
}

var namespaceFilters = map[string][]string{
	"TYPE":           {condEQ, condIN, condBeginsWith},
	"NAME":           {condEQ, condBeginsWith},
	"HTTP_NAME":      {condEQ, condBeginsWith},
	"RESOURCE_OWNER": {condEQ},
}

func (s *Service) ListNamespaces(ctx context.Context, in *ListNamespacesInput) (*ListNamespacesOutput, error) {
	if err := checkFilters(in.Filters, namespaceFilters); err != nil {
		return nil, err
	}
	var (
		picked []*model.Namespace
		counts map[string]int32
	)
	err := s.view(ctx, func(tx model.Tx) error {
		all, err := model.List[model.Namespace](tx)
		if err != nil {
			return err
		}
		for _, ns := range all {
			if namespaceMatches(ns, in.Filters) {
				picked = append(picked, ns)
			}
		}
		counts, err = serviceCounts(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(picked, func(n *model.Namespace) string { return n.ID }, in.MaxResults, in.NextToken, defaultPage)
	if err != nil {
		return nil, err
	}
	out := &ListNamespacesOutput{Namespaces: []Namespace{}, NextToken: next}
	for _, ns := range pg {
		shape := namespaceShape(ctx, ns, counts[ns.ID])
		shape.CreatorRequestID = ""
		out.Namespaces = append(out.Namespaces, shape)
	}
	return out, nil
}

func namespaceMatches(ns *model.Namespace, filters []Filter) bool {
	for _, f := range filters {
		var ok bool
		switch f.Name {
		case "TYPE":
			ok = f.matches(ns.Type)
		case "NAME":
			ok = f.matches(ns.Name)
		case "HTTP_NAME":
			ok = f.matches(ns.HTTPName)
		case "RESOURCE_OWNER":
			// Nothing is shared with other accounts in gatehouse.
			ok = f.matches("SELF")
		}
		if !ok {
			return false
		}
	}
	return true
}

func (s *Service) DeleteNamespace(ctx context.Context, in *DeleteNamespaceInput) (*OperationOutput, error) {
	if in.ID == "" {
		return nil, invalidInput("Id is required")
	}
	var opID string
	err := s.update(ctx, func(tx model.Tx) error {
		ns, err := getNamespace(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		counts, err := serviceCounts(tx)
		if err != nil {
			return err
		}
		if counts[ns.ID] > 0 {
			return resourceInUse("Namespace has associated services; delete the services before deleting the namespace")
		}
		if err := model.Delete(tx, ns); err != nil {
			return err
		}
		opID, err = record(tx, s.now(), &model.Operation{
			Type: opDeleteNamespace, Targets: map[string]string{targetNamespace: ns.ID}, NamespaceID: ns.ID,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &OperationOutput{OperationID: opID}, nil
}

// serviceCounts counts the services in each namespace.
func serviceCounts(tx model.Tx) (map[string]int32, error) {
	all, err := model.List[model.CloudMapService](tx)
	counts := map[string]int32{}
	for _, svc := range all {
		counts[svc.NamespaceID]++
	}
	return counts, err
}

func namespaceShape(ctx context.Context, ns *model.Namespace, services int32) Namespace {
	out := Namespace{
		ID: ns.ID, Arn: ns.ARN, Name: ns.Name, Type: ns.Type, Description: ns.Description,
		CreatorRequestID: ns.CreatorRequestID, ResourceOwner: api.MetaFrom(ctx).Account,
		ServiceCount: services, CreateDate: epoch(ns.CreateDate),
		Properties: &NamespaceProperties{HTTPProperties: &HTTPProperties{HTTPName: ns.HTTPName}},
	}
	if ns.Type != typeHTTP {
		out.Properties.DNSProperties = &DNSProperties{HostedZoneID: ns.HostedZoneID}
		if ns.SOATTL != nil {
			out.Properties.DNSProperties.SOA = &SOA{TTL: ns.SOATTL}
		}
	}
	return out
}
