package provision

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/stack"
)

// EC2 instances. gatehouse's EC2 settles an instance in its new state at
// once (DescribeInstances shows pending or shutting-down for a moment),
// so creation and deletion do not wait for it.

func init() {
	creators["AWS::EC2::Instance"] = createInstance
	updaters["AWS::EC2::Instance"] = updateInstance
	deleters["AWS::EC2::Instance"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		_, err := s.EC2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{cur.Ref}})
		if gone(err) {
			return nil
		}
		return err
	}
}

// runInput reads an instance's properties into RunInstances' input. Where
// CloudFormation's names differ from the API's (AvailabilityZone,
// a network interface's GroupSet, a block device's NoDevice object) they
// are translated.
func runInput(p props) (*ec2.RunInstancesInput, error) {
	in := &ec2.RunInstancesInput{MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}
	if err := decode(without(p, "AvailabilityZone", "NetworkInterfaces", "BlockDeviceMappings", "Tags", "SourceDestCheck"), in); err != nil {
		return nil, err
	}
	if az := p.str("AvailabilityZone"); az != nil {
		in.Placement = &ec2types.Placement{AvailabilityZone: az}
	}
	for i, ni := range p.list("NetworkInterfaces") {
		m := without(ni, "GroupSet")
		if g, ok := ni["GroupSet"]; ok {
			m["Groups"] = g
		}
		var spec ec2types.InstanceNetworkInterfaceSpecification
		if err := decode(m, &spec); err != nil {
			return nil, fmt.Errorf("NetworkInterfaces[%d].%v", i, err)
		}
		in.NetworkInterfaces = append(in.NetworkInterfaces, spec)
	}
	for i, bd := range p.list("BlockDeviceMappings") {
		var spec ec2types.BlockDeviceMapping
		if err := decode(without(bd, "NoDevice"), &spec); err != nil {
			return nil, fmt.Errorf("BlockDeviceMappings[%d].%v", i, err)
		}
		if _, ok := bd["NoDevice"]; ok {
			spec.NoDevice = aws.String("")
		}
		in.BlockDeviceMappings = append(in.BlockDeviceMappings, spec)
	}
	return in, nil
}

func instanceAttrs(i ec2types.Instance) map[string]any {
	attrs := map[string]any{"InstanceId": aws.ToString(i.InstanceId), "PrivateIp": aws.ToString(i.PrivateIpAddress),
		"PrivateDnsName": aws.ToString(i.PrivateDnsName), "PublicDnsName": aws.ToString(i.PublicDnsName),
		"PublicIp": aws.ToString(i.PublicIpAddress), "VpcId": aws.ToString(i.VpcId)}
	if i.Placement != nil {
		attrs["AvailabilityZone"] = aws.ToString(i.Placement.AvailabilityZone)
	}
	return attrs
}

func createInstance(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	in, err := runInput(p)
	if err != nil {
		return stack.Created{}, err
	}
	in.TagSpecifications = ec2Tagged(ec2types.ResourceTypeInstance, t, p)
	out, err := s.EC2.RunInstances(ctx, in)
	if err != nil {
		return stack.Created{}, err
	}
	if len(out.Instances) != 1 {
		return stack.Created{}, fmt.Errorf("RunInstances launched %d instances", len(out.Instances))
	}
	i := out.Instances[0]
	made := stack.Created{Ref: aws.ToString(i.InstanceId), Attrs: instanceAttrs(i)}
	if _, ok := p["SourceDestCheck"]; ok {
		// RunInstances has no member for it: it is an attribute of the
		// running instance's primary interface.
		v, err := boolValue(p, "SourceDestCheck", true)
		if err != nil {
			return made, err
		}
		if _, err := s.EC2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &made.Ref, SourceDestCheck: v}); err != nil {
			return made, fmt.Errorf("SourceDestCheck: %w", err)
		}
	}
	return made, nil
}

// updateInstance changes what ModifyInstanceAttribute takes. A new
// instance type or user data needs the instance stopped, as on AWS, so
// the instance is stopped, changed and started again.
func updateInstance(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	changed, err := updatable(t, old, new, "Tags", "SecurityGroupIds", "DisableApiTermination",
		"InstanceInitiatedShutdownBehavior", "InstanceType", "UserData", "SourceDestCheck")
	if err != nil {
		return cur, err
	}
	id := &cur.Ref
	var stopped []*ec2.ModifyInstanceAttributeInput
	for _, k := range changed {
		in := &ec2.ModifyInstanceAttributeInput{InstanceId: id}
		switch k {
		case "Tags":
			if err := retagEC2(ctx, s, cur.Ref, t, new); err != nil {
				return cur, err
			}
			continue
		case "SecurityGroupIds":
			in.Groups = new.strings(k)
		case "DisableApiTermination":
			v, err := boolValue(new, k, false)
			if err != nil {
				return cur, err
			}
			in.DisableApiTermination = v
		case "SourceDestCheck":
			v, err := boolValue(new, k, true)
			if err != nil {
				return cur, err
			}
			in.SourceDestCheck = v
		case "InstanceInitiatedShutdownBehavior":
			v := new.string(k)
			if v == "" {
				v = "stop"
			}
			in.InstanceInitiatedShutdownBehavior = &ec2types.AttributeValue{Value: &v}
		case "InstanceType":
			in.InstanceType = &ec2types.AttributeValue{Value: new.str(k)}
			stopped = append(stopped, in)
			continue
		case "UserData":
			// The template gives it base64-encoded, as RunInstances takes
			// it; the SDK encodes this call's blob itself.
			data, err := base64.StdEncoding.DecodeString(new.string(k))
			if err != nil {
				return cur, fmt.Errorf("UserData: %v", err)
			}
			in.UserData = &ec2types.SecureBlobAttributeValue{Value: data}
			stopped = append(stopped, in)
			continue
		}
		if _, err := s.EC2.ModifyInstanceAttribute(ctx, in); err != nil {
			return cur, fmt.Errorf("%s: %w", k, err)
		}
	}
	if len(stopped) > 0 {
		if _, err := s.EC2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{cur.Ref}}); err != nil {
			return cur, err
		}
		err := s.poll(ctx, "waiting for instance "+cur.Ref+" to stop", func() (bool, error) {
			out, err := s.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{cur.Ref}})
			if err != nil || len(out.Reservations) == 0 || len(out.Reservations[0].Instances) == 0 {
				return false, err
			}
			return out.Reservations[0].Instances[0].State.Name == ec2types.InstanceStateNameStopped, nil
		})
		if err != nil {
			return cur, err
		}
		for _, in := range stopped {
			if _, err := s.EC2.ModifyInstanceAttribute(ctx, in); err != nil {
				return cur, err
			}
		}
		if _, err := s.EC2.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{cur.Ref}}); err != nil {
			return cur, err
		}
	}
	out, err := s.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{cur.Ref}})
	if err != nil || len(out.Reservations) == 0 || len(out.Reservations[0].Instances) == 0 {
		return cur, err
	}
	return stack.Created{Ref: cur.Ref, Attrs: instanceAttrs(out.Reservations[0].Instances[0])}, nil
}
