package servicediscovery

import (
	"context"
	"maps"
	"net/netip"
	"regexp"
	"strconv"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type RegisterInstanceInput struct {
	ServiceID        string            `json:"ServiceId"`
	InstanceID       string            `json:"InstanceId"`
	CreatorRequestID string            `json:"CreatorRequestId"`
	Attributes       map[string]string `json:"Attributes"`
}

type DeregisterInstanceInput struct {
	ServiceID  string `json:"ServiceId"`
	InstanceID string `json:"InstanceId"`
}

type GetInstanceInput struct {
	ServiceID  string `json:"ServiceId"`
	InstanceID string `json:"InstanceId"`
}

type GetInstanceOutput struct {
	Instance      *Instance `json:"Instance"`
	ResourceOwner string    `json:"ResourceOwner"`
}

// Instance is an instance as GetInstance describes it; ListInstances'
// summaries are the same without CreatorRequestId.
type Instance struct {
	ID               string            `json:"Id"`
	Attributes       map[string]string `json:"Attributes"`
	CreatorRequestID string            `json:"CreatorRequestId,omitempty"`
	CreatedByAccount string            `json:"CreatedByAccount"`
}

type ListInstancesInput struct {
	ServiceID  string  `json:"ServiceId"`
	MaxResults *int32  `json:"MaxResults"`
	NextToken  *string `json:"NextToken"`
}

type ListInstancesOutput struct {
	Instances     []Instance `json:"Instances"`
	NextToken     *string    `json:"NextToken,omitempty"`
	ResourceOwner string     `json:"ResourceOwner"`
}

// Attributes Cloud Map gives a meaning to.
const (
	attrIPv4       = "AWS_INSTANCE_IPV4"
	attrIPv6       = "AWS_INSTANCE_IPV6"
	attrPort       = "AWS_INSTANCE_PORT"
	attrCNAME      = "AWS_INSTANCE_CNAME"
	attrAlias      = "AWS_ALIAS_DNS_NAME"
	attrEC2        = "AWS_EC2_INSTANCE_ID"
	attrInitHealth = "AWS_INIT_HEALTH_STATUS"
)

var reservedAttributes = map[string]bool{
	attrIPv4: true, attrIPv6: true, attrPort: true, attrCNAME: true,
	attrAlias: true, attrEC2: true, attrInitHealth: true,
}

// Cloud Map's patterns: instance ids, attribute keys (printable ASCII
// without spaces) and values (inner spaces and tabs allowed).
var (
	instanceIDPattern = regexp.MustCompile(`^[0-9a-zA-Z_/:.@-]{1,64}$`)
	attrKeyPattern    = regexp.MustCompile(`^[!-~]+$`)
	attrValuePattern  = regexp.MustCompile(`^([!-~]([ \t!-~]*[!-~])?)?$`)
)

// Attribute quotas.
const (
	maxCustomAttributes = 30
	maxAttributesSize   = 5000
)

func checkInstanceID(id string) error {
	if !instanceIDPattern.MatchString(id) {
		return invalidInput("InstanceId %q must be 1 to 64 characters of letters, digits and _/:.@-", id)
	}
	return nil
}

// checkAttributes validates attributes on their own; checkAttributesFor
// holds them against the service.
func checkAttributes(attrs map[string]string) error {
	custom, size := 0, 0
	for k, v := range attrs {
		if len(k) > 255 || !attrKeyPattern.MatchString(k) {
			return invalidInput("Attribute key %q must be 1 to 255 printable characters without spaces", k)
		}
		if len(v) > 1024 || !attrValuePattern.MatchString(v) {
			return invalidInput("Attribute %s: value must be at most 1024 printable characters, without leading or trailing spaces", k)
		}
		if !reservedAttributes[k] {
			custom++
		}
		size += len(k) + len(v)
	}
	if custom > maxCustomAttributes {
		return invalidInput("An instance can have at most %d custom attributes, not %d", maxCustomAttributes, custom)
	}
	if size > maxAttributesSize {
		return invalidInput("The attributes' keys and values total %d characters, more than %d", size, maxAttributesSize)
	}
	if v, ok := attrs[attrIPv4]; ok {
		if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
			return invalidInput("%s %q is not an IPv4 address", attrIPv4, v)
		}
	}
	if v, ok := attrs[attrIPv6]; ok {
		if a, err := netip.ParseAddr(v); err != nil || !a.Is6() || a.Zone() != "" {
			return invalidInput("%s %q is not an IPv6 address", attrIPv6, v)
		}
	}
	if v, ok := attrs[attrPort]; ok {
		if p, err := strconv.Atoi(v); err != nil || p < 1 || p > 65535 {
			return invalidInput("%s %q is not a port between 1 and 65535", attrPort, v)
		}
	}
	if v, ok := attrs[attrInitHealth]; ok && v != model.Healthy && v != model.Unhealthy {
		return invalidInput("%s must be HEALTHY or UNHEALTHY, not %q", attrInitHealth, v)
	}
	if _, ok := attrs[attrEC2]; ok {
		return invalidInput("%s is not supported: gatehouse does not model EC2 instances; give %s instead", attrEC2, attrIPv4)
	}
	if _, ok := attrs[attrAlias]; ok {
		for _, k := range []string{attrIPv4, attrIPv6, attrPort, attrCNAME} {
			if _, clash := attrs[k]; clash {
				return invalidInput("%s cannot be given together with %s", attrAlias, k)
			}
		}
	}
	return nil
}

// checkAttributesFor requires the attributes a service's records and
// health check need.
func checkAttributesFor(svc *model.CloudMapService, attrs map[string]string) error {
	has := func(k string) bool { _, ok := attrs[k]; return ok }
	need := func(k, why string) error {
		if !has(k) {
			return invalidInput("Service %s %s, so instances need the %s attribute", svc.ID, why, k)
		}
		return nil
	}
	if svc.DNS != nil && !has(attrAlias) {
		for _, r := range svc.DNS.Records {
			var err error
			switch r.Type {
			case "A":
				err = need(attrIPv4, "has an A record")
			case "AAAA":
				err = need(attrIPv6, "has an AAAA record")
			case "CNAME":
				err = need(attrCNAME, "has a CNAME record")
			case "SRV":
				if err = need(attrPort, "has an SRV record"); err == nil && !has(attrIPv4) && !has(attrIPv6) {
					err = invalidInput("Service %s has an SRV record, so instances need %s or %s", svc.ID, attrIPv4, attrIPv6)
				}
			}
			if err != nil {
				return err
			}
		}
	}
	if has(attrAlias) && (svc.DNS == nil || svc.DNS.RoutingPolicy != "WEIGHTED" || svc.DNS.Records[0].Type == "SRV" || svc.DNS.Records[0].Type == "CNAME") {
		return invalidInput("%s needs a service with A or AAAA records and the WEIGHTED routing policy", attrAlias)
	}
	if svc.HealthCheck != nil {
		return need(attrPort, "has a Route 53 health check")
	}
	return nil
}

func (s *Service) RegisterInstance(ctx context.Context, in *RegisterInstanceInput) (*OperationOutput, error) {
	if in.ServiceID == "" {
		return nil, invalidInput("ServiceId is required")
	}
	if err := checkInstanceID(in.InstanceID); err != nil {
		return nil, err
	}
	if in.Attributes == nil {
		return nil, invalidInput("Attributes is required")
	}
	if err := checkAttributes(in.Attributes); err != nil {
		return nil, err
	}
	var opID string
	err := s.update(ctx, func(tx model.Tx) error {
		svc, err := getService(ctx, tx, in.ServiceID)
		if err != nil {
			return err
		}
		if prev, err := previous(tx, opRegisterInstance, in.CreatorRequestID); err != nil {
			return err
		} else if prev != nil {
			if prev.ServiceID != svc.ID || prev.Targets[targetInstance] != in.InstanceID {
				return duplicateRequest(prev.ID)
			}
			// The same registration again is a retry, answered with the
			// first operation; anything else re-registers.
			if cur, ok, err := model.Get[model.Instance](tx, model.Instance{ServiceID: svc.ID, ID: in.InstanceID}.Key()); err != nil {
				return err
			} else if ok && cur.CreatorRequestID == in.CreatorRequestID && maps.Equal(cur.Attributes, in.Attributes) {
				opID = prev.ID
				return nil
			}
		}
		if err := checkAttributesFor(svc, in.Attributes); err != nil {
			return err
		}
		inst := &model.Instance{ServiceID: svc.ID, ID: in.InstanceID, Attributes: in.Attributes, CreatorRequestID: in.CreatorRequestID}
		if svc.CustomHealth {
			// Registering again starts the health check afresh, as AWS
			// replaces an instance's health check when it is re-registered.
			inst.CustomHealth = model.Healthy
			if v := in.Attributes[attrInitHealth]; v != "" {
				inst.CustomHealth = v
			}
		}
		if err := model.Put(tx, inst); err != nil {
			return err
		}
		svc.InstancesRevision++
		if err := model.Put(tx, svc); err != nil {
			return err
		}
		opID, err = record(tx, s.now(), &model.Operation{
			Type:        opRegisterInstance,
			Targets:     map[string]string{targetInstance: inst.ID, targetService: svc.ID},
			NamespaceID: svc.NamespaceID, ServiceID: svc.ID, CreatorRequestID: in.CreatorRequestID,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &OperationOutput{OperationID: opID}, nil
}

// getInstance reads one instance of a service.
func getInstance(tx model.Tx, svc *model.CloudMapService, id string) (*model.Instance, error) {
	inst, ok, err := model.Get[model.Instance](tx, model.Instance{ServiceID: svc.ID, ID: id}.Key())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, instanceNotFound(id)
	}
	return inst, nil
}

func (s *Service) DeregisterInstance(ctx context.Context, in *DeregisterInstanceInput) (*OperationOutput, error) {
	if in.ServiceID == "" || in.InstanceID == "" {
		return nil, invalidInput("ServiceId and InstanceId are required")
	}
	var opID string
	err := s.update(ctx, func(tx model.Tx) error {
		svc, err := getService(ctx, tx, in.ServiceID)
		if err != nil {
			return err
		}
		inst, err := getInstance(tx, svc, in.InstanceID)
		if err != nil {
			return err
		}
		if err := model.Delete(tx, inst); err != nil {
			return err
		}
		svc.InstancesRevision++
		if err := model.Put(tx, svc); err != nil {
			return err
		}
		opID, err = record(tx, s.now(), &model.Operation{
			Type:        opDeregisterInstance,
			Targets:     map[string]string{targetInstance: inst.ID, targetService: svc.ID},
			NamespaceID: svc.NamespaceID, ServiceID: svc.ID,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &OperationOutput{OperationID: opID}, nil
}

func (s *Service) GetInstance(ctx context.Context, in *GetInstanceInput) (*GetInstanceOutput, error) {
	if in.ServiceID == "" || in.InstanceID == "" {
		return nil, invalidInput("ServiceId and InstanceId are required")
	}
	account := api.MetaFrom(ctx).Account
	var out *Instance
	err := s.view(ctx, func(tx model.Tx) error {
		svc, err := getService(ctx, tx, in.ServiceID)
		if err != nil {
			return err
		}
		inst, err := getInstance(tx, svc, in.InstanceID)
		if err != nil {
			return err
		}
		out = &Instance{ID: inst.ID, Attributes: attributes(inst), CreatorRequestID: inst.CreatorRequestID, CreatedByAccount: account}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetInstanceOutput{Instance: out, ResourceOwner: account}, nil
}

func (s *Service) ListInstances(ctx context.Context, in *ListInstancesInput) (*ListInstancesOutput, error) {
	if in.ServiceID == "" {
		return nil, invalidInput("ServiceId is required")
	}
	var instances []*model.Instance
	err := s.view(ctx, func(tx model.Tx) error {
		svc, err := getService(ctx, tx, in.ServiceID)
		if err != nil {
			return err
		}
		instances, err = model.InstancesOf(tx, svc.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(instances, func(i *model.Instance) string { return i.ID }, in.MaxResults, in.NextToken, defaultPage)
	if err != nil {
		return nil, err
	}
	account := api.MetaFrom(ctx).Account
	out := &ListInstancesOutput{Instances: []Instance{}, NextToken: next, ResourceOwner: account}
	for _, inst := range pg {
		out.Instances = append(out.Instances, Instance{ID: inst.ID, Attributes: attributes(inst), CreatedByAccount: account})
	}
	return out, nil
}

// attributes is never nil, so an instance without attributes shows {}.
func attributes(inst *model.Instance) map[string]string {
	if inst.Attributes == nil {
		return map[string]string{}
	}
	return inst.Attributes
}
