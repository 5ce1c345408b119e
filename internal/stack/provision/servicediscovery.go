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
}

// namespaceFrom follows a namespace creation, which Cloud Map answers with
// an operation, to the namespace it made.
func namespaceFrom(ctx context.Context, s *SDK, opID *string) (stack.Created, error) {
	var nsID string
	err := s.poll(ctx, "waiting for Cloud Map operation "+aws.ToString(opID), func() (bool, error) {
		op, err := s.CloudMap.GetOperation(ctx, &servicediscovery.GetOperationInput{OperationId: opID})
		if err != nil {
			return false, err
		}
		switch op.Operation.Status {
		case sdtypes.OperationStatusSuccess:
			nsID = op.Operation.Targets[string(sdtypes.OperationTargetTypeNamespace)]
			return true, nil
		case sdtypes.OperationStatusFail:
			return false, fmt.Errorf("%s: %s", aws.ToString(op.Operation.ErrorCode), aws.ToString(op.Operation.ErrorMessage))
		}
		return false, nil
	})
	if err != nil {
		return stack.Created{}, err
	}
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
