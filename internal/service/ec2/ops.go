package ec2

import "gatehouse/internal/api"

// Version is the EC2 API version gatehouse speaks, and XMLNS its response
// namespace.
const (
	Version = "2016-11-15"
	XMLNS   = "http://ec2.amazonaws.com/doc/2016-11-15/"
)

// Ops is the operation table, one line per operation.
func (s *Service) Ops() api.Table {
	return api.NewTable(
		api.Handle("CreateVpc", s.CreateVpc),
		api.Handle("DescribeVpcs", s.DescribeVpcs),
		api.Handle("DeleteVpc", s.DeleteVpc),
		api.Handle("DescribeVpcAttribute", s.DescribeVpcAttribute),
		api.Handle("CreateDefaultVpc", s.CreateDefaultVpc),
		api.Handle("CreateDefaultSubnet", s.CreateDefaultSubnet),
		api.Handle("ModifyVpcAttribute", s.ModifyVpcAttribute),
		api.Handle("CreateDhcpOptions", s.CreateDhcpOptions),
		api.Handle("DescribeDhcpOptions", s.DescribeDhcpOptions),
		api.Handle("DeleteDhcpOptions", s.DeleteDhcpOptions),
		api.Handle("AssociateDhcpOptions", s.AssociateDhcpOptions),
		api.Handle("CreateSecurityGroup", s.CreateSecurityGroup),
		api.Handle("DescribeSecurityGroups", s.DescribeSecurityGroups),
		api.Handle("DeleteSecurityGroup", s.DeleteSecurityGroup),
		api.Handle("AuthorizeSecurityGroupIngress", s.AuthorizeSecurityGroupIngress),
		api.Handle("AuthorizeSecurityGroupEgress", s.AuthorizeSecurityGroupEgress),
		api.Handle("RevokeSecurityGroupIngress", s.RevokeSecurityGroupIngress),
		api.Handle("RevokeSecurityGroupEgress", s.RevokeSecurityGroupEgress),
		api.Handle("DescribeSecurityGroupRules", s.DescribeSecurityGroupRules),
		api.Handle("ModifySecurityGroupRules", s.ModifySecurityGroupRules),
		api.Handle("UpdateSecurityGroupRuleDescriptionsIngress", s.UpdateSecurityGroupRuleDescriptionsIngress),
		api.Handle("UpdateSecurityGroupRuleDescriptionsEgress", s.UpdateSecurityGroupRuleDescriptionsEgress),
		api.Handle("CreateSubnet", s.CreateSubnet),
		api.Handle("DescribeSubnets", s.DescribeSubnets),
		api.Handle("DeleteSubnet", s.DeleteSubnet),
		api.Handle("ModifySubnetAttribute", s.ModifySubnetAttribute),
		api.Handle("DescribeAvailabilityZones", s.DescribeAvailabilityZones),
		api.Handle("DescribeRegions", s.DescribeRegions),
		api.Handle("DescribeAccountAttributes", s.DescribeAccountAttributes),
		api.Handle("CreateNetworkInterface", s.CreateNetworkInterface),
		api.Handle("DescribeNetworkInterfaces", s.DescribeNetworkInterfaces),
		api.Handle("DeleteNetworkInterface", s.DeleteNetworkInterface),
		api.Handle("ModifyNetworkInterfaceAttribute", s.ModifyNetworkInterfaceAttribute),
		api.Handle("DescribeNetworkInterfaceAttribute", s.DescribeNetworkInterfaceAttribute),
		api.Handle("CreateTags", s.CreateTags),
		api.Handle("DeleteTags", s.DeleteTags),
		api.Handle("DescribeTags", s.DescribeTags),
		api.Handle("RunInstances", s.RunInstances),
		api.Handle("DescribeInstances", s.DescribeInstances),
		api.Handle("StopInstances", s.StopInstances),
		api.Handle("StartInstances", s.StartInstances),
		api.Handle("TerminateInstances", s.TerminateInstances),
		api.Handle("DescribeInstanceStatus", s.DescribeInstanceStatus),
		api.Handle("DescribeInstanceAttribute", s.DescribeInstanceAttribute),
		api.Handle("ModifyInstanceAttribute", s.ModifyInstanceAttribute),
		api.Handle("DescribeInstanceCreditSpecifications", s.DescribeInstanceCreditSpecifications),
		api.Handle("GetInstanceUefiData", s.GetInstanceUefiData),
		api.Handle("DescribeVolumes", s.DescribeVolumes),
		api.Handle("DescribeImages", s.DescribeImages),
		api.Handle("DescribeInstanceTypes", s.DescribeInstanceTypes),
		api.Handle("DescribeVpcEndpointServiceConfigurations", s.DescribeVpcEndpointServiceConfigurations),
		api.Handle("DescribeVpcEndpointConnections", s.DescribeVpcEndpointConnections),
		api.Handle("CreateNetworkAcl", s.CreateNetworkAcl),
		api.Handle("DescribeNetworkAcls", s.DescribeNetworkAcls),
		api.Handle("DeleteNetworkAcl", s.DeleteNetworkAcl),
		api.Handle("CreateNetworkAclEntry", s.CreateNetworkAclEntry),
		api.Handle("ReplaceNetworkAclEntry", s.ReplaceNetworkAclEntry),
		api.Handle("DeleteNetworkAclEntry", s.DeleteNetworkAclEntry),
		api.Handle("ReplaceNetworkAclAssociation", s.ReplaceNetworkAclAssociation),
		api.Handle("CreateRouteTable", s.CreateRouteTable),
		api.Handle("DescribeRouteTables", s.DescribeRouteTables),
		api.Handle("DeleteRouteTable", s.DeleteRouteTable),
		api.Handle("CreateRoute", s.CreateRoute),
		api.Handle("ReplaceRoute", s.ReplaceRoute),
		api.Handle("DeleteRoute", s.DeleteRoute),
		api.Handle("AssociateRouteTable", s.AssociateRouteTable),
		api.Handle("DisassociateRouteTable", s.DisassociateRouteTable),
		api.Handle("ReplaceRouteTableAssociation", s.ReplaceRouteTableAssociation),
	)
}
