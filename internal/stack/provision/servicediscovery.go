package provision

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"gatehouse/internal/stack"
)

// Cloud Map answers namespace and instance changes with an operation,
// which each call here follows to its end, so a resource reported made
// (or gone) is.

func init() {
	nameLimits["AWS::ServiceDiscovery::Service"] = 63 // a DNS label
	nameLimits["AWS::ServiceDiscovery::Instance"] = 64

	creators["AWS::ServiceDiscovery::PrivateDnsNamespace"] = createPrivateDNSNamespace
	creators["AWS::ServiceDiscovery::HttpNamespace"] = createHTTPNamespace
	creators["AWS::ServiceDiscovery::Service"] = createCloudMapService
	creators["AWS::ServiceDiscovery::Instance"] = createCloudMapInstance

	updaters["AWS::ServiceDiscovery::PrivateDnsNamespace"] = updateNamespace
	updaters["AWS::ServiceDiscovery::HttpNamespace"] = updateNamespace
	updaters["AWS::ServiceDiscovery::Service"] = updateCloudMapService
	updaters["AWS::ServiceDiscovery::Instance"] = updateCloudMapInstance

	deleters["AWS::ServiceDiscovery::PrivateDnsNamespace"] = deleteNamespace
	deleters["AWS::ServiceDiscovery::HttpNamespace"] = deleteNamespace
	deleters["AWS::ServiceDiscovery::Service"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "Cloud Map service "+cur.Ref, func() error {
			_, err := s.CloudMap.DeleteService(ctx, &servicediscovery.DeleteServiceInput{Id: &cur.Ref})
			return err
		})
	}
	deleters["AWS::ServiceDiscovery::Instance"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
		return s.remove(ctx, "Cloud Map instance "+cur.Ref, func() error {
			out, err := s.CloudMap.DeregisterInstance(ctx, &servicediscovery.DeregisterInstanceInput{ServiceId: p.str("ServiceId"), InstanceId: &cur.Ref})
			if err != nil {
				return err
			}
			_, err = s.operation(ctx, out.OperationId)
			return err
		})
	}
}

// operation waits for a Cloud Map operation to succeed and returns its
// targets.
func (s *SDK) operation(ctx context.Context, opID *string) (map[string]string, error) {
	var targets map[string]string
	err := s.poll(ctx, "waiting for Cloud Map operation "+aws.ToString(opID), func() (bool, error) {
		op, err := s.CloudMap.GetOperation(ctx, &servicediscovery.GetOperationInput{OperationId: opID})
		if err != nil {
			return false, err
		}
		switch op.Operation.Status {
		case sdtypes.OperationStatusSuccess:
			targets = op.Operation.Targets
			return true, nil
		case sdtypes.OperationStatusFail:
			return false, fmt.Errorf("%s: %s", aws.ToString(op.Operation.ErrorCode), aws.ToString(op.Operation.ErrorMessage))
		}
		return false, nil
	})
	return targets, err
}

// namespaceFrom follows a namespace creation, which Cloud Map answers with
// an operation, to the namespace it made.
func namespaceFrom(ctx context.Context, s *SDK, opID *string) (stack.Created, error) {
	targets, err := s.operation(ctx, opID)
	if err != nil {
		return stack.Created{}, err
	}
	nsID := targets[string(sdtypes.OperationTargetTypeNamespace)]
	ns, err := s.CloudMap.GetNamespace(ctx, &servicediscovery.GetNamespaceInput{Id: &nsID})
	if err != nil {
		return stack.Created{Ref: nsID}, err
	}
	attrs := map[string]any{"Id": nsID, "Arn": aws.ToString(ns.Namespace.Arn)}
	if p := ns.Namespace.Properties; p != nil && p.DnsProperties != nil {
		attrs["HostedZoneId"] = aws.ToString(p.DnsProperties.HostedZoneId)
	}
	return stack.Created{Ref: nsID, Attrs: attrs}, nil
}

func createPrivateDNSNamespace(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	var in servicediscovery.CreatePrivateDnsNamespaceInput
	if err := decode(without(p, "Tags"), &in); err != nil {
		return stack.Created{}, err
	}
	in.Tags = cloudMapTagList(tagsOf(t, p))
	out, err := s.CloudMap.CreatePrivateDnsNamespace(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	return namespaceFrom(ctx, s, out.OperationId)
}

func createHTTPNamespace(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	var in servicediscovery.CreateHttpNamespaceInput
	if err := decode(without(p, "Tags"), &in); err != nil {
		return stack.Created{}, err
	}
	in.Tags = cloudMapTagList(tagsOf(t, p))
	out, err := s.CloudMap.CreateHttpNamespace(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	return namespaceFrom(ctx, s, out.OperationId)
}

// updateNamespace changes a namespace's tags. gatehouse serves no
// UpdateHttpNamespace or UpdatePrivateDnsNamespace, so a new description
// or SOA is refused by name.
func updateNamespace(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	if _, err := updatable(t, old, new, "Tags"); err != nil {
		return cur, err
	}
	return cur, retagCloudMap(ctx, s, fmt.Sprint(cur.Attrs["Arn"]), t, new)
}

// deleteNamespace deletes a namespace and waits for the operation that
// does it; a namespace still holding services is retried, since their
// deletion comes first.
func deleteNamespace(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
	return s.remove(ctx, "Cloud Map namespace "+cur.Ref, func() error {
		out, err := s.CloudMap.DeleteNamespace(ctx, &servicediscovery.DeleteNamespaceInput{Id: &cur.Ref})
		if err != nil {
			return err
		}
		_, err = s.operation(ctx, out.OperationId)
		return err
	})
}

func createCloudMapService(ctx context.Context, s *SDK, t stack.Target, name string, p props) (stack.Created, error) {
	var in servicediscovery.CreateServiceInput
	if err := decode(without(p, "Tags"), &in); err != nil {
		return stack.Created{}, err
	}
	if in.Name == nil {
		in.Name = aws.String(name)
	}
	in.Tags = cloudMapTagList(tagsOf(t, p))
	out, err := s.CloudMap.CreateService(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Service.Id)
	return stack.Created{Ref: id, Attrs: map[string]any{"Id": id, "Arn": aws.ToString(out.Service.Arn), "Name": aws.ToString(out.Service.Name)}}, nil
}

// updateCloudMapService changes what UpdateService takes: the
// description, the records' TTLs and the Route 53 health check.
func updateCloudMapService(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	changed, err := updatable(t, old, new, "Tags", "Description", "DnsConfig", "HealthCheckConfig")
	if err != nil {
		return cur, err
	}
	if contains(changed, "Tags") {
		if err := retagCloudMap(ctx, s, fmt.Sprint(cur.Attrs["Arn"]), t, new); err != nil {
			return cur, err
		}
		if len(changed) == 1 {
			return cur, nil
		}
	}
	var oldDNS, newDNS props
	if m, ok := old["DnsConfig"].(map[string]any); ok {
		oldDNS = m
	}
	if m, ok := new["DnsConfig"].(map[string]any); ok {
		newDNS = m
	}
	for _, k := range changedKeys(oldDNS, newDNS) {
		if k != "DnsRecords" {
			return cur, cannotUpdate(t, "DnsConfig."+k)
		}
	}
	change := &sdtypes.ServiceChange{Description: aws.String(new.string("Description"))}
	if newDNS != nil {
		change.DnsConfig = &sdtypes.DnsConfigChange{}
		if err := decode(map[string]any{"DnsRecords": newDNS["DnsRecords"]}, change.DnsConfig); err != nil {
			return cur, fmt.Errorf("DnsConfig.%v", err)
		}
	}
	if err := decode(new["HealthCheckConfig"], &change.HealthCheckConfig); err != nil {
		return cur, fmt.Errorf("HealthCheckConfig%v", err)
	}
	out, err := s.CloudMap.UpdateService(ctx, &servicediscovery.UpdateServiceInput{Id: &cur.Ref, Service: change})
	if err != nil {
		return cur, err
	}
	_, err = s.operation(ctx, out.OperationId)
	return cur, err
}

func registerInstance(ctx context.Context, s *SDK, id string, p props) error {
	var in servicediscovery.RegisterInstanceInput
	if err := decode(without(p, "InstanceAttributes", "InstanceId"), &in); err != nil {
		return err
	}
	in.Attributes = p.stringMap("InstanceAttributes")
	in.InstanceId = &id
	out, err := s.CloudMap.RegisterInstance(ctx, &in)
	if err != nil {
		return err
	}
	_, err = s.operation(ctx, out.OperationId)
	return err
}

func createCloudMapInstance(ctx context.Context, s *SDK, _ stack.Target, name string, p props) (stack.Created, error) {
	id := name
	if v := p.str("InstanceId"); v != nil {
		id = *v
	}
	if err := registerInstance(ctx, s, id, p); err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: id, Attrs: map[string]any{"InstanceId": id}}, nil
}

// updateCloudMapInstance registers the instance again under its id, which
// replaces its attributes, as CloudFormation does.
func updateCloudMapInstance(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	if _, err := updatable(t, old, new, "InstanceAttributes"); err != nil {
		return cur, err
	}
	return cur, registerInstance(ctx, s, cur.Ref, new)
}
