package stack

// Reasons gatehouse gives for refusing a documented property.
const (
	notYet = "not supported by gatehouse yet"
	noIPv6 = "IPv6 is not modeled"
	noIPAM = "IPAM pools are not modeled"
	noOutp = "Outposts are not modeled"
)

// unsupportedEC2 lists the EC2 properties CloudFormation documents that
// gatehouse refuses, by type, with the reason.
var unsupportedEC2 = map[string]map[string]string{
	"AWS::EC2::VPC": {
		"Ipv4IpamPoolId":    noIPAM,
		"Ipv4NetmaskLength": noIPAM,
	},
	"AWS::EC2::Subnet": {
		"AssignIpv6AddressOnCreation": noIPv6,
		"EnableLniAtDeviceIndex":      noOutp,
		"Ipv4IpamPoolId":              noIPAM,
		"Ipv4NetmaskLength":           noIPAM,
		"Ipv6CidrBlock":               noIPv6,
		"Ipv6IpamPoolId":              noIPv6,
		"Ipv6Native":                  noIPv6,
		"Ipv6NetmaskLength":           noIPv6,
		"OutpostArn":                  noOutp,
	},
	"AWS::EC2::SecurityGroup": {
		"SecurityGroupIngress/SourceSecurityGroupName":    "security groups named rather than given by id belong to the default VPC; use SourceSecurityGroupId",
		"SecurityGroupIngress/SourceSecurityGroupOwnerId": "rules for another account's security groups are not modeled",
	},
	"AWS::EC2::SecurityGroupIngress": {
		"SourceSecurityGroupOwnerId": "rules for another account's security groups are not modeled",
	},
	"AWS::EC2::NetworkInterface": {
		"ConnectionTrackingSpecification":      notYet,
		"EnablePrimaryIpv6":                    noIPv6,
		"Ipv4PrefixCount":                      "prefix delegation is not modeled",
		"Ipv4Prefixes":                         "prefix delegation is not modeled",
		"Ipv6AddressCount":                     noIPv6,
		"Ipv6Addresses":                        noIPv6,
		"Ipv6PrefixCount":                      noIPv6,
		"Ipv6Prefixes":                         noIPv6,
		"PrivateIpAddresses":                   notYet,
		"PublicIpDnsHostnameTypeSpecification": notYet,
		"SecondaryPrivateIpAddressCount":       "secondary private addresses are not modeled",
	},
	"AWS::EC2::Route": {
		"CoreNetworkArn": "Cloud WAN core networks are not modeled",
	},
	"AWS::EC2::Instance": {
		"AdditionalInfo":                  notYet,
		"Affinity":                        "dedicated hosts are not modeled",
		"CpuOptions":                      notYet,
		"CreditSpecification":             notYet,
		"EbsOptimized":                    notYet,
		"ElasticGpuSpecifications":        "accelerators are not modeled",
		"ElasticInferenceAccelerators":    "accelerators are not modeled",
		"EnclaveOptions":                  notYet,
		"HibernationOptions":              notYet,
		"HostId":                          "dedicated hosts are not modeled",
		"HostResourceGroupArn":            "dedicated hosts are not modeled",
		"IamInstanceProfile":              "IAM is not modeled",
		"Ipv6AddressCount":                noIPv6,
		"Ipv6Addresses":                   noIPv6,
		"KernelId":                        notYet,
		"LaunchTemplate":                  "launch templates are not modeled",
		"LicenseSpecifications":           notYet,
		"MetadataOptions":                 notYet,
		"Monitoring":                      notYet,
		"PlacementGroupName":              "placement groups are not modeled",
		"PrivateDnsNameOptions":           notYet,
		"PropagateTagsToVolumeOnCreation": notYet,
		"RamdiskId":                       notYet,
		"SsmAssociations":                 notYet,
		"Tenancy":                         "dedicated hosts are not modeled",
		"Volumes":                         notYet,
		// RunInstances in gatehouse takes a network interface's device
		// index, id, subnet, groups, one private address, description and
		// DeleteOnTermination, and a block device's name and EBS size,
		// type, performance and encryption flag.
		"NetworkInterfaces/AssociateCarrierIpAddress":      "Wavelength Zones are not modeled",
		"NetworkInterfaces/AssociatePublicIpAddress":       "public addresses are not modeled",
		"NetworkInterfaces/EnaSrdSpecification":            notYet,
		"NetworkInterfaces/Ipv6AddressCount":               noIPv6,
		"NetworkInterfaces/Ipv6Addresses":                  noIPv6,
		"NetworkInterfaces/PrivateIpAddresses":             "secondary private addresses are not modeled; use PrivateIpAddress",
		"NetworkInterfaces/SecondaryPrivateIpAddressCount": "secondary private addresses are not modeled",
		"BlockDeviceMappings/VirtualName":                  "instance store volumes are not modeled",
		"BlockDeviceMappings/Ebs/KmsKeyId":                 "KMS keys are not modeled",
		"BlockDeviceMappings/Ebs/SnapshotId":               "EBS snapshots are not modeled",
	},
}
