package provision

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/stack"
)

// EC2's VPCs, subnets and network interfaces. Settings CloudFormation
// gives as properties are separate attribute calls in EC2, one attribute a
// call, made after the resource exists and again when they change.

func init() {
	creators["AWS::EC2::VPC"] = createVPC
	updaters["AWS::EC2::VPC"] = updateVPC
	deleters["AWS::EC2::VPC"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "VPC "+cur.Ref, func() error {
			_, err := s.EC2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &cur.Ref})
			return err
		})
	}
	creators["AWS::EC2::Subnet"] = createSubnet
	updaters["AWS::EC2::Subnet"] = updateSubnet
	deleters["AWS::EC2::Subnet"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "subnet "+cur.Ref, func() error {
			_, err := s.EC2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &cur.Ref})
			return err
		})
	}
	creators["AWS::EC2::NetworkInterface"] = createENI
	updaters["AWS::EC2::NetworkInterface"] = updateENI
	deleters["AWS::EC2::NetworkInterface"] = func(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, _ props) error {
		return s.remove(ctx, "network interface "+cur.Ref, func() error {
			_, err := s.EC2.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: &cur.Ref})
			return err
		})
	}
}

// boolValue is p's boolean k, or def when the template leaves it out (or
// an update removes it, which restores EC2's default).
func boolValue(p props, k string, def bool) (*ec2types.AttributeBooleanValue, error) {
	b, err := p.bool(k)
	if err != nil {
		return nil, err
	}
	if b == nil {
		b = &def
	}
	return &ec2types.AttributeBooleanValue{Value: b}, nil
}

// setVPCAttributes applies the named DNS settings of p, one call each.
// DNS support goes first when it is being turned on and last when off,
// since EC2 allows DNS hostnames only with DNS support.
func setVPCAttributes(ctx context.Context, s *SDK, id string, p props, names []string) error {
	order := []string{"EnableDnsSupport", "EnableDnsHostnames"}
	if b, _ := p.bool("EnableDnsSupport"); b != nil && !*b {
		order = []string{"EnableDnsHostnames", "EnableDnsSupport"}
	}
	for _, name := range order {
		if !contains(names, name) {
			continue
		}
		in := &ec2.ModifyVpcAttributeInput{VpcId: &id}
		v, err := boolValue(p, name, name == "EnableDnsSupport")
		if err != nil {
			return err
		}
		if name == "EnableDnsSupport" {
			in.EnableDnsSupport = v
		} else {
			in.EnableDnsHostnames = v
		}
		if _, err := s.EC2.ModifyVpcAttribute(ctx, in); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func present(p props, names ...string) []string {
	var out []string
	for _, n := range names {
		if _, ok := p[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

func createVPC(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	in := &ec2.CreateVpcInput{CidrBlock: p.str("CidrBlock"), TagSpecifications: ec2Tagged(ec2types.ResourceTypeVpc, t, p)}
	if v := p.str("InstanceTenancy"); v != nil {
		in.InstanceTenancy = ec2types.Tenancy(*v)
	}
	out, err := s.EC2.CreateVpc(ctx, in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Vpc.VpcId)
	if err := setVPCAttributes(ctx, s, id, p, present(p, "EnableDnsSupport", "EnableDnsHostnames")); err != nil {
		return stack.Created{Ref: id}, err
	}
	attrs := map[string]any{"VpcId": id, "CidrBlock": aws.ToString(out.Vpc.CidrBlock), "Ipv6CidrBlocks": []any{}}
	var assocs []any
	for _, a := range out.Vpc.CidrBlockAssociationSet {
		assocs = append(assocs, aws.ToString(a.AssociationId))
	}
	attrs["CidrBlockAssociations"] = assocs
	groups, err := s.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{id}}, {Name: aws.String("group-name"), Values: []string{"default"}}}})
	if err != nil {
		return stack.Created{Ref: id}, err
	}
	if len(groups.SecurityGroups) > 0 {
		attrs["DefaultSecurityGroup"] = aws.ToString(groups.SecurityGroups[0].GroupId)
	}
	acls, err := s.EC2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{id}}, {Name: aws.String("default"), Values: []string{"true"}}}})
	if err != nil {
		return stack.Created{Ref: id}, err
	}
	if len(acls.NetworkAcls) > 0 {
		attrs["DefaultNetworkAcl"] = aws.ToString(acls.NetworkAcls[0].NetworkAclId)
	}
	return stack.Created{Ref: id, Attrs: attrs}, nil
}

func updateVPC(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	changed, err := updatable(t, old, new, "Tags", "EnableDnsSupport", "EnableDnsHostnames")
	if err != nil {
		return cur, err
	}
	if contains(changed, "Tags") {
		if err := retagEC2(ctx, s, cur.Ref, t, new); err != nil {
			return cur, err
		}
	}
	return cur, setVPCAttributes(ctx, s, cur.Ref, new, changed)
}

// subnetAttributes are the subnet settings CloudFormation takes as
// properties, each one ModifySubnetAttribute call.
var subnetAttributes = []string{"MapPublicIpOnLaunch", "EnableDns64", "AssignIpv6AddressOnCreation",
	"EnableLniAtDeviceIndex", "PrivateDnsNameOptionsOnLaunch"}

// setSubnetAttributes applies the named settings of p, EC2's defaults for
// those p leaves out.
func setSubnetAttributes(ctx context.Context, s *SDK, id string, p props, names []string) error {
	var calls []*ec2.ModifySubnetAttributeInput
	var err error
	for _, name := range names {
		in := &ec2.ModifySubnetAttributeInput{SubnetId: &id}
		switch name {
		case "MapPublicIpOnLaunch":
			in.MapPublicIpOnLaunch, err = boolValue(p, name, false)
		case "EnableDns64":
			in.EnableDns64, err = boolValue(p, name, false)
		case "AssignIpv6AddressOnCreation":
			in.AssignIpv6AddressOnCreation, err = boolValue(p, name, false)
		case "EnableLniAtDeviceIndex":
			in.EnableLniAtDeviceIndex, err = p.int32(name)
			if in.EnableLniAtDeviceIndex == nil && err == nil {
				in.DisableLniAtDeviceIndex = &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}
			}
		case "PrivateDnsNameOptionsOnLaunch":
			opts := props{}
			if m, ok := p[name].(map[string]any); ok {
				opts = props(m)
			}
			for _, k := range changedKeys(props{}, opts) {
				if k != "HostnameType" && k != "EnableResourceNameDnsARecord" && k != "EnableResourceNameDnsAAAARecord" {
					return fmt.Errorf("%s: unknown property %s", name, k)
				}
			}
			kind := "ip-name"
			if v := opts.str("HostnameType"); v != nil {
				kind = *v
			}
			a, err := boolValue(opts, "EnableResourceNameDnsARecord", false)
			if err != nil {
				return fmt.Errorf("%s.%v", name, err)
			}
			aaaa, err := boolValue(opts, "EnableResourceNameDnsAAAARecord", false)
			if err != nil {
				return fmt.Errorf("%s.%v", name, err)
			}
			calls = append(calls,
				&ec2.ModifySubnetAttributeInput{SubnetId: &id, PrivateDnsHostnameTypeOnLaunch: ec2types.HostnameType(kind)},
				&ec2.ModifySubnetAttributeInput{SubnetId: &id, EnableResourceNameDnsARecordOnLaunch: a},
				&ec2.ModifySubnetAttributeInput{SubnetId: &id, EnableResourceNameDnsAAAARecordOnLaunch: aaaa})
			continue
		default:
			return fmt.Errorf("no setting %s", name)
		}
		if err != nil {
			return err
		}
		calls = append(calls, in)
	}
	for _, in := range calls {
		if _, err := s.EC2.ModifySubnetAttribute(ctx, in); err != nil {
			return err
		}
	}
	return nil
}

func createSubnet(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	out, err := s.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: p.str("VpcId"), CidrBlock: p.str("CidrBlock"),
		AvailabilityZone: p.str("AvailabilityZone"), AvailabilityZoneId: p.str("AvailabilityZoneId"),
		TagSpecifications: ec2Tagged(ec2types.ResourceTypeSubnet, t, p)})
	if err != nil {
		return stack.Created{}, err
	}
	sn := out.Subnet
	id := aws.ToString(sn.SubnetId)
	if err := setSubnetAttributes(ctx, s, id, p, present(p, subnetAttributes...)); err != nil {
		return stack.Created{Ref: id}, err
	}
	attrs := map[string]any{"SubnetId": id, "VpcId": aws.ToString(sn.VpcId), "CidrBlock": aws.ToString(sn.CidrBlock),
		"AvailabilityZone": aws.ToString(sn.AvailabilityZone), "AvailabilityZoneId": aws.ToString(sn.AvailabilityZoneId),
		"Ipv6CidrBlocks": []any{}, "OutpostArn": aws.ToString(sn.OutpostArn)}
	if assoc, err := aclAssociation(ctx, s, id); err != nil {
		return stack.Created{Ref: id}, err
	} else if assoc != "" {
		attrs["NetworkAclAssociationId"] = assoc
	}
	return stack.Created{Ref: id, Attrs: attrs}, nil
}

// aclAssociation is the id of the association that ties a subnet to its
// network ACL.
func aclAssociation(ctx context.Context, s *SDK, subnet string) (string, error) {
	out, err := s.EC2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
		{Name: aws.String("association.subnet-id"), Values: []string{subnet}}}})
	if err != nil {
		return "", err
	}
	for _, acl := range out.NetworkAcls {
		for _, a := range acl.Associations {
			if aws.ToString(a.SubnetId) == subnet {
				return aws.ToString(a.NetworkAclAssociationId), nil
			}
		}
	}
	return "", nil
}

func updateSubnet(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	changed, err := updatable(t, old, new, append([]string{"Tags"}, subnetAttributes...)...)
	if err != nil {
		return cur, err
	}
	var settings []string
	for _, k := range changed {
		if k == "Tags" {
			if err := retagEC2(ctx, s, cur.Ref, t, new); err != nil {
				return cur, err
			}
			continue
		}
		settings = append(settings, k)
	}
	return cur, setSubnetAttributes(ctx, s, cur.Ref, new, settings)
}

func createENI(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	in := &ec2.CreateNetworkInterfaceInput{SubnetId: p.str("SubnetId"), PrivateIpAddress: p.str("PrivateIpAddress"),
		Groups: p.strings("GroupSet"), Description: p.str("Description"), TagSpecifications: ec2Tagged(ec2types.ResourceTypeNetworkInterface, t, p)}
	if v := p.str("InterfaceType"); v != nil {
		in.InterfaceType = ec2types.NetworkInterfaceCreationType(*v)
	}
	out, err := s.EC2.CreateNetworkInterface(ctx, in)
	if err != nil {
		return stack.Created{}, err
	}
	ni := out.NetworkInterface
	id := aws.ToString(ni.NetworkInterfaceId)
	if _, ok := p["SourceDestCheck"]; ok {
		if err := setENIAttribute(ctx, s, id, p, "SourceDestCheck"); err != nil {
			return stack.Created{Ref: id}, err
		}
	}
	secondary := []any{}
	for _, a := range ni.PrivateIpAddresses {
		if !aws.ToBool(a.Primary) {
			secondary = append(secondary, aws.ToString(a.PrivateIpAddress))
		}
	}
	return stack.Created{Ref: id, Attrs: map[string]any{"Id": id, "PrimaryPrivateIpAddress": aws.ToString(ni.PrivateIpAddress),
		"SecondaryPrivateIpAddresses": secondary, "VpcId": aws.ToString(ni.VpcId)}}, nil
}

// setENIAttribute changes one attribute of an interface to p's value, or
// to EC2's default when p has none.
func setENIAttribute(ctx context.Context, s *SDK, id string, p props, name string) error {
	in := &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: &id}
	switch name {
	case "Description":
		in.Description = &ec2types.AttributeValue{Value: aws.String(p.string(name))}
	case "SourceDestCheck":
		v, err := boolValue(p, name, true)
		if err != nil {
			return err
		}
		in.SourceDestCheck = v
	case "GroupSet":
		in.Groups = p.strings(name)
		if len(in.Groups) == 0 {
			// As when it was created without groups: the VPC's default.
			group, err := defaultGroupOfSubnet(ctx, s, p.string("SubnetId"))
			if err != nil {
				return err
			}
			in.Groups = []string{group}
		}
	}
	if _, err := s.EC2.ModifyNetworkInterfaceAttribute(ctx, in); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func defaultGroupOfSubnet(ctx context.Context, s *SDK, subnet string) (string, error) {
	sn, err := s.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{subnet}})
	if err != nil {
		return "", err
	}
	if len(sn.Subnets) == 0 {
		return "", fmt.Errorf("no subnet %s", subnet)
	}
	groups, err := s.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{aws.ToString(sn.Subnets[0].VpcId)}},
		{Name: aws.String("group-name"), Values: []string{"default"}}}})
	if err != nil {
		return "", err
	}
	if len(groups.SecurityGroups) == 0 {
		return "", fmt.Errorf("the VPC of %s has no default security group", subnet)
	}
	return aws.ToString(groups.SecurityGroups[0].GroupId), nil
}

func updateENI(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	changed, err := updatable(t, old, new, "Tags", "Description", "SourceDestCheck", "GroupSet")
	if err != nil {
		return cur, err
	}
	for _, k := range changed {
		if k == "Tags" {
			err = retagEC2(ctx, s, cur.Ref, t, new)
		} else {
			err = setENIAttribute(ctx, s, cur.Ref, new, k)
		}
		if err != nil {
			return cur, err
		}
	}
	return cur, nil
}
