package provision

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"gatehouse/internal/stack"
)

func init() {
	creators["AWS::ServiceDiscovery::PrivateDnsNamespace"] = createPrivateDNSNamespace
	creators["AWS::ServiceDiscovery::HttpNamespace"] = createHTTPNamespace
	creators["AWS::ServiceDiscovery::Service"] = createCloudMapService
	creators["AWS::ServiceDiscovery::Instance"] = createCloudMapInstance

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
		return stack.Created{}, err
	}
	attrs := map[string]any{"Id": nsID, "Arn": aws.ToString(ns.Namespace.Arn)}
	if p := ns.Namespace.Properties; p != nil && p.DnsProperties != nil {
		attrs["HostedZoneId"] = aws.ToString(p.DnsProperties.HostedZoneId)
	}
	return stack.Created{Ref: nsID, Attrs: attrs}, nil
}

func createPrivateDNSNamespace(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in servicediscovery.CreatePrivateDnsNamespaceInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	out, err := s.CloudMap.CreatePrivateDnsNamespace(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	return namespaceFrom(ctx, s, out.OperationId)
}

func createHTTPNamespace(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in servicediscovery.CreateHttpNamespaceInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	out, err := s.CloudMap.CreateHttpNamespace(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	return namespaceFrom(ctx, s, out.OperationId)
}

func createCloudMapService(ctx context.Context, s *SDK, _ stack.Target, name string, p props) (stack.Created, error) {
	var in servicediscovery.CreateServiceInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	if in.Name == nil {
		in.Name = aws.String(name)
	}
	out, err := s.CloudMap.CreateService(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Service.Id)
	return stack.Created{Ref: id, Attrs: map[string]any{"Id": id, "Arn": aws.ToString(out.Service.Arn), "Name": aws.ToString(out.Service.Name)}}, nil
}

func createCloudMapInstance(ctx context.Context, s *SDK, _ stack.Target, name string, p props) (stack.Created, error) {
	var in servicediscovery.RegisterInstanceInput
	if err := decode(without(p, "InstanceAttributes"), &in); err != nil {
		return stack.Created{}, err
	}
	in.Attributes = p.stringMap("InstanceAttributes")
	if in.InstanceId == nil {
		in.InstanceId = aws.String(name)
	}
	if _, err := s.CloudMap.RegisterInstance(ctx, &in); err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: aws.ToString(in.InstanceId), Attrs: map[string]any{}}, nil
}
