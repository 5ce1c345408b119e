package ec2

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// image is one of the fixed public AMIs gatehouse offers. Nothing boots
// from them: they exist so that RunInstances, Terraform's aws_instance and
// `data "aws_ami"` lookups (most_recent with name, owner and architecture
// filters) find what they find on AWS. The ids are the same in every
// region, where AWS's differ.
type image struct {
	ID, Name, Description string
	OwnerID, OwnerAlias   string
	Architecture          string
	CreationDate          string
	RootDeviceName        string
	BootMode              string
	Snapshot              string
}

const (
	amazonOwner    = "137112412989"
	canonicalOwner = "099720109477"
	debianOwner    = "136693071363"
)

// images are sorted by id. Each family has an older and a newer build, so
// that most_recent has something to choose between.
var images = []image{
	{ID: "ami-0a3c3a20c09d6f377", Name: "al2023-ami-2023.6.20241111.0-kernel-6.1-x86_64", Description: "Amazon Linux 2023 AMI 2023.6.20241111.0 x86_64 HVM kernel-6.1",
		OwnerID: amazonOwner, OwnerAlias: "amazon", Architecture: "x86_64", CreationDate: "2024-11-12T19:34:52.000Z", RootDeviceName: "/dev/xvda", BootMode: "uefi-preferred", Snapshot: "snap-0e2c1ab3f5d1a0001"},
	{ID: "ami-0b5eea76982371e91", Name: "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64", Description: "Amazon Linux 2023 AMI 2023.6.20241212.0 x86_64 HVM kernel-6.1",
		OwnerID: amazonOwner, OwnerAlias: "amazon", Architecture: "x86_64", CreationDate: "2024-12-13T21:05:11.000Z", RootDeviceName: "/dev/xvda", BootMode: "uefi-preferred", Snapshot: "snap-0e2c1ab3f5d1a0002"},
	{ID: "ami-0c2af51e265bd5e0e", Name: "al2023-ami-2023.6.20241212.0-kernel-6.1-arm64", Description: "Amazon Linux 2023 AMI 2023.6.20241212.0 arm64 HVM kernel-6.1",
		OwnerID: amazonOwner, OwnerAlias: "amazon", Architecture: "arm64", CreationDate: "2024-12-13T21:05:13.000Z", RootDeviceName: "/dev/xvda", BootMode: "uefi", Snapshot: "snap-0e2c1ab3f5d1a0003"},
	{ID: "ami-0d7a109bf30624c99", Name: "amzn2-ami-kernel-5.10-hvm-2.0.20241217.0-x86_64-gp2", Description: "Amazon Linux 2 Kernel 5.10 AMI 2.0.20241217.0 x86_64 HVM gp2",
		OwnerID: amazonOwner, OwnerAlias: "amazon", Architecture: "x86_64", CreationDate: "2024-12-18T00:12:40.000Z", RootDeviceName: "/dev/xvda", BootMode: "", Snapshot: "snap-0e2c1ab3f5d1a0004"},
	{ID: "ami-0e2c8caa4b6378d8c", Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241206", Description: "Canonical, Ubuntu, 24.04, amd64 noble image",
		OwnerID: canonicalOwner, Architecture: "x86_64", CreationDate: "2024-12-06T06:31:50.000Z", RootDeviceName: "/dev/sda1", BootMode: "uefi-preferred", Snapshot: "snap-0e2c1ab3f5d1a0005"},
	{ID: "ami-0e86e20dae9224db8", Name: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20241206", Description: "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2024-12-06",
		OwnerID: canonicalOwner, Architecture: "x86_64", CreationDate: "2024-12-06T05:12:03.000Z", RootDeviceName: "/dev/sda1", BootMode: "", Snapshot: "snap-0e2c1ab3f5d1a0006"},
	{ID: "ami-0f1a6835595fb9246", Name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20241206", Description: "Canonical, Ubuntu, 24.04, arm64 noble image",
		OwnerID: canonicalOwner, Architecture: "arm64", CreationDate: "2024-12-06T06:32:07.000Z", RootDeviceName: "/dev/sda1", BootMode: "uefi", Snapshot: "snap-0e2c1ab3f5d1a0007"},
	{ID: "ami-0fa9de2bc7b5e4c0b", Name: "debian-12-amd64-20241201-1948", Description: "Debian 12 (20241201-1948)",
		OwnerID: debianOwner, Architecture: "x86_64", CreationDate: "2024-12-01T20:22:41.000Z", RootDeviceName: "/dev/xvda", BootMode: "uefi-preferred", Snapshot: "snap-0e2c1ab3f5d1a0008"},
}

// findImage returns the AMI with id, or AWS's error for an id that is
// malformed or names no image.
func findImage(id string) (*image, error) {
	if !strings.HasPrefix(id, "ami-") {
		return nil, api.BadRequest("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", id)
	}
	for i := range images {
		if images[i].ID == id {
			return &images[i], nil
		}
	}
	return nil, api.BadRequest("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", id)
}

type DescribeImagesInput struct {
	ImageIDs          []string `query:"ImageId"`
	Owners            []string `query:"Owner"`
	ExecutableBy      []string `query:"ExecutableBy"`
	Filters           []Filter `query:"Filter"`
	IncludeDeprecated bool     `query:"IncludeDeprecated"`
}

type DescribeImagesOutput struct {
	Images []Image `xml:"imagesSet>item"`
}

// Image is an AMI as EC2 describes it.
type Image struct {
	ImageID             string               `xml:"imageId"`
	ImageLocation       string               `xml:"imageLocation"`
	State               string               `xml:"imageState"`
	OwnerID             string               `xml:"imageOwnerId"`
	CreationDate        string               `xml:"creationDate"`
	IsPublic            bool                 `xml:"isPublic"`
	Architecture        string               `xml:"architecture"`
	ImageType           string               `xml:"imageType"`
	SriovNetSupport     string               `xml:"sriovNetSupport"`
	OwnerAlias          string               `xml:"imageOwnerAlias,omitempty"`
	Name                string               `xml:"name"`
	Description         string               `xml:"description"`
	RootDeviceType      string               `xml:"rootDeviceType"`
	RootDeviceName      string               `xml:"rootDeviceName"`
	BlockDeviceMappings []BlockDeviceMapping `xml:"blockDeviceMapping>item"`
	VirtualizationType  string               `xml:"virtualizationType"`
	Hypervisor          string               `xml:"hypervisor"`
	EnaSupport          bool                 `xml:"enaSupport"`
	PlatformDetails     string               `xml:"platformDetails"`
	UsageOperation      string               `xml:"usageOperation"`
	BootMode            string               `xml:"bootMode,omitempty"`
	ImdsSupport         string               `xml:"imdsSupport,omitempty"`
}

type BlockDeviceMapping struct {
	DeviceName string `xml:"deviceName"`
	Ebs        struct {
		SnapshotID          string `xml:"snapshotId"`
		VolumeSize          int    `xml:"volumeSize"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
		VolumeType          string `xml:"volumeType"`
		Iops                int    `xml:"iops,omitempty"`
		Throughput          int    `xml:"throughput,omitempty"`
		Encrypted           bool   `xml:"encrypted"`
	} `xml:"ebs"`
}

func (s *Service) DescribeImages(ctx context.Context, in *DescribeImagesInput) (*DescribeImagesOutput, error) {
	if err := checkFilters(in.Filters, imageFields(&images[0])); err != nil {
		return nil, err
	}
	var want []*image
	if len(in.ImageIDs) > 0 {
		var unknown []string
		for _, id := range dedupe(in.ImageIDs) {
			img, err := findImage(id)
			if err != nil {
				if isCode(err, "InvalidAMIID.Malformed") {
					return nil, err
				}
				unknown = append(unknown, id)
				continue
			}
			want = append(want, img)
		}
		if len(unknown) > 0 {
			return nil, api.BadRequest("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", strings.Join(unknown, ", "))
		}
	} else {
		for i := range images {
			want = append(want, &images[i])
		}
	}
	out := &DescribeImagesOutput{}
	account := api.MetaFrom(ctx).Account
	for _, img := range want {
		if !ownedBy(img, in.Owners, account) {
			continue
		}
		if ok, err := matchFilters(in.Filters, imageFields(img)); err != nil {
			return nil, err
		} else if ok {
			out.Images = append(out.Images, imageShape(img))
		}
	}
	return out, nil
}

// ownedBy applies DescribeImages' Owner list: account ids, "amazon" (owner
// alias), "self" (none of these public images is the caller's).
func ownedBy(img *image, owners []string, account string) bool {
	if len(owners) == 0 {
		return true
	}
	for _, o := range owners {
		switch {
		case o == "self":
			if account == img.OwnerID {
				return true
			}
		case o == img.OwnerID, img.OwnerAlias != "" && o == img.OwnerAlias:
			return true
		}
	}
	return false
}

func imageFields(img *image) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "image-id":
			return []string{img.ID}, true
		case "name":
			return []string{img.Name}, true
		case "description":
			return []string{img.Description}, true
		case "owner-id":
			return []string{img.OwnerID}, true
		case "owner-alias":
			return []string{img.OwnerAlias}, true
		case "architecture":
			return []string{img.Architecture}, true
		case "state":
			return []string{"available"}, true
		case "is-public":
			return []string{"true"}, true
		case "image-type":
			return []string{"machine"}, true
		case "root-device-type":
			return []string{"ebs"}, true
		case "root-device-name":
			return []string{img.RootDeviceName}, true
		case "virtualization-type":
			return []string{"hvm"}, true
		case "hypervisor":
			return []string{"xen"}, true
		case "platform-details":
			return []string{"Linux/UNIX"}, true
		case "ena-support":
			return []string{"true"}, true
		case "creation-date":
			return []string{img.CreationDate}, true
		case "block-device-mapping.volume-type":
			return []string{"gp3"}, true
		case "block-device-mapping.device-name":
			return []string{img.RootDeviceName}, true
		case "block-device-mapping.snapshot-id":
			return []string{img.Snapshot}, true
		}
		return tagFields(nil, name)
	}
}

func imageShape(img *image) Image {
	location := img.OwnerID + "/" + img.Name
	if img.OwnerAlias != "" {
		location = img.OwnerAlias + "/" + img.Name
	}
	out := Image{
		ImageID: img.ID, ImageLocation: location, State: "available", OwnerID: img.OwnerID,
		CreationDate: img.CreationDate, IsPublic: true, Architecture: img.Architecture, ImageType: "machine",
		SriovNetSupport: "simple", OwnerAlias: img.OwnerAlias, Name: img.Name, Description: img.Description,
		RootDeviceType: "ebs", RootDeviceName: img.RootDeviceName, VirtualizationType: "hvm", Hypervisor: "xen",
		EnaSupport: true, PlatformDetails: "Linux/UNIX", UsageOperation: "RunInstances", BootMode: img.BootMode,
	}
	if strings.HasPrefix(img.Name, "al2023") {
		out.ImdsSupport = "v2.0"
	}
	var bd BlockDeviceMapping
	bd.DeviceName = img.RootDeviceName
	bd.Ebs.SnapshotID, bd.Ebs.VolumeSize, bd.Ebs.DeleteOnTermination, bd.Ebs.VolumeType = img.Snapshot, 8, true, "gp3"
	bd.Ebs.Iops, bd.Ebs.Throughput = 3000, 125
	out.BlockDeviceMappings = []BlockDeviceMapping{bd}
	return out
}

// instanceType is one of the instance types gatehouse offers.
type instanceType struct {
	Name          string
	Architectures []string
	VCPUs, Cores  int
	MemoryMiB     int
	Burstable     bool
	// Credits is the default credit option of a burstable type.
	Credits     string
	Network     string
	MaxENIs     int
	IPv4PerENI  int
	FreeTier    bool
	CurrentGen  bool
	Hypervisor  string
	EbsOptimize string
}

// instanceTypes are a few common types, sorted by name. m1.small is the
// type RunInstances falls back to without an InstanceType, as AWS's API
// still documents.
var instanceTypes = []instanceType{
	{Name: "c5.large", Architectures: []string{"x86_64"}, VCPUs: 2, Cores: 1, MemoryMiB: 4096, Network: "Up to 10 Gigabit", MaxENIs: 3, IPv4PerENI: 10, CurrentGen: true, Hypervisor: "nitro", EbsOptimize: "default"},
	{Name: "m1.small", Architectures: []string{"i386", "x86_64"}, VCPUs: 1, Cores: 1, MemoryMiB: 1740, Network: "Low", MaxENIs: 2, IPv4PerENI: 4, Hypervisor: "xen", EbsOptimize: "unsupported"},
	{Name: "m5.large", Architectures: []string{"x86_64"}, VCPUs: 2, Cores: 1, MemoryMiB: 8192, Network: "Up to 10 Gigabit", MaxENIs: 3, IPv4PerENI: 10, CurrentGen: true, Hypervisor: "nitro", EbsOptimize: "default"},
	{Name: "m6g.medium", Architectures: []string{"arm64"}, VCPUs: 1, Cores: 1, MemoryMiB: 4096, Network: "Up to 10 Gigabit", MaxENIs: 2, IPv4PerENI: 4, CurrentGen: true, Hypervisor: "nitro", EbsOptimize: "default"},
	{Name: "m6i.large", Architectures: []string{"x86_64"}, VCPUs: 2, Cores: 1, MemoryMiB: 8192, Network: "Up to 12.5 Gigabit", MaxENIs: 3, IPv4PerENI: 10, CurrentGen: true, Hypervisor: "nitro", EbsOptimize: "default"},
	{Name: "t2.micro", Architectures: []string{"i386", "x86_64"}, VCPUs: 1, Cores: 1, MemoryMiB: 1024, Burstable: true, Credits: "standard", Network: "Low to Moderate", MaxENIs: 2, IPv4PerENI: 2, FreeTier: true, CurrentGen: true, Hypervisor: "xen", EbsOptimize: "unsupported"},
	{Name: "t3.medium", Architectures: []string{"x86_64"}, VCPUs: 2, Cores: 1, MemoryMiB: 4096, Burstable: true, Credits: "unlimited", Network: "Up to 5 Gigabit", MaxENIs: 3, IPv4PerENI: 6, CurrentGen: true, Hypervisor: "nitro", EbsOptimize: "default"},
	{Name: "t3.micro", Architectures: []string{"x86_64"}, VCPUs: 2, Cores: 1, MemoryMiB: 1024, Burstable: true, Credits: "unlimited", Network: "Up to 5 Gigabit", MaxENIs: 2, IPv4PerENI: 2, FreeTier: true, CurrentGen: true, Hypervisor: "nitro", EbsOptimize: "default"},
	{Name: "t3.small", Architectures: []string{"x86_64"}, VCPUs: 2, Cores: 1, MemoryMiB: 2048, Burstable: true, Credits: "unlimited", Network: "Up to 5 Gigabit", MaxENIs: 3, IPv4PerENI: 4, CurrentGen: true, Hypervisor: "nitro", EbsOptimize: "default"},
	{Name: "t4g.micro", Architectures: []string{"arm64"}, VCPUs: 2, Cores: 2, MemoryMiB: 1024, Burstable: true, Credits: "unlimited", Network: "Up to 5 Gigabit", MaxENIs: 2, IPv4PerENI: 2, CurrentGen: true, Hypervisor: "nitro", EbsOptimize: "default"},
}

func findInstanceType(name string) (*instanceType, bool) {
	i := slices.IndexFunc(instanceTypes, func(t instanceType) bool { return t.Name == name })
	if i < 0 {
		return nil, false
	}
	return &instanceTypes[i], true
}

type DescribeInstanceTypesInput struct {
	InstanceTypes []string `query:"InstanceType"`
	Filters       []Filter `query:"Filter"`
}

type DescribeInstanceTypesOutput struct {
	InstanceTypes []InstanceTypeInfo `xml:"instanceTypeSet>item"`
}

// InstanceTypeInfo is an instance type as EC2 describes it.
type InstanceTypeInfo struct {
	InstanceType                 string   `xml:"instanceType"`
	CurrentGeneration            bool     `xml:"currentGeneration"`
	FreeTierEligible             bool     `xml:"freeTierEligible"`
	SupportedUsageClasses        []string `xml:"supportedUsageClasses>item"`
	SupportedRootDeviceTypes     []string `xml:"supportedRootDeviceTypes>item"`
	SupportedVirtualizationTypes []string `xml:"supportedVirtualizationTypes>item"`
	BareMetal                    bool     `xml:"bareMetal"`
	Hypervisor                   string   `xml:"hypervisor"`
	ProcessorInfo                struct {
		SupportedArchitectures []string `xml:"supportedArchitectures>item"`
		Manufacturer           string   `xml:"manufacturer"`
	} `xml:"processorInfo"`
	VCPUInfo struct {
		DefaultVCPUs          int `xml:"defaultVCpus"`
		DefaultCores          int `xml:"defaultCores"`
		DefaultThreadsPerCore int `xml:"defaultThreadsPerCore"`
	} `xml:"vCpuInfo"`
	MemoryInfo struct {
		SizeInMiB int `xml:"sizeInMiB"`
	} `xml:"memoryInfo"`
	InstanceStorageSupported bool `xml:"instanceStorageSupported"`
	EbsInfo                  struct {
		EbsOptimizedSupport string `xml:"ebsOptimizedSupport"`
		EncryptionSupport   string `xml:"encryptionSupport"`
		NvmeSupport         string `xml:"nvmeSupport"`
	} `xml:"ebsInfo"`
	NetworkInfo struct {
		NetworkPerformance        string `xml:"networkPerformance"`
		MaximumNetworkInterfaces  int    `xml:"maximumNetworkInterfaces"`
		MaximumNetworkCards       int    `xml:"maximumNetworkCards"`
		DefaultNetworkCardIndex   int    `xml:"defaultNetworkCardIndex"`
		IPv4AddressesPerInterface int    `xml:"ipv4AddressesPerInterface"`
		IPv6AddressesPerInterface int    `xml:"ipv6AddressesPerInterface"`
		IPv6Supported             bool   `xml:"ipv6Supported"`
		EnaSupport                string `xml:"enaSupport"`
		EfaSupported              bool   `xml:"efaSupported"`
		EncryptionInTransit       bool   `xml:"encryptionInTransitSupported"`
	} `xml:"networkInfo"`
	PlacementGroupInfo struct {
		SupportedStrategies []string `xml:"supportedStrategies>item"`
	} `xml:"placementGroupInfo"`
	HibernationSupported          bool     `xml:"hibernationSupported"`
	BurstablePerformanceSupported bool     `xml:"burstablePerformanceSupported"`
	DedicatedHostsSupported       bool     `xml:"dedicatedHostsSupported"`
	AutoRecoverySupported         bool     `xml:"autoRecoverySupported"`
	SupportedBootModes            []string `xml:"supportedBootModes>item"`
}

func (s *Service) DescribeInstanceTypes(ctx context.Context, in *DescribeInstanceTypesInput) (*DescribeInstanceTypesOutput, error) {
	if err := checkFilters(in.Filters, instanceTypeFields(&instanceTypes[0])); err != nil {
		return nil, err
	}
	var want []*instanceType
	if len(in.InstanceTypes) > 0 {
		var unknown []string
		for _, name := range dedupe(in.InstanceTypes) {
			if it, ok := findInstanceType(name); ok {
				want = append(want, it)
			} else {
				unknown = append(unknown, name)
			}
		}
		if len(unknown) > 0 {
			return nil, api.BadRequest("InvalidInstanceType", "The following supplied instance types do not exist: [%s]", strings.Join(unknown, ", "))
		}
	} else {
		for i := range instanceTypes {
			want = append(want, &instanceTypes[i])
		}
	}
	out := &DescribeInstanceTypesOutput{}
	for _, it := range want {
		if ok, err := matchFilters(in.Filters, instanceTypeFields(it)); err != nil {
			return nil, err
		} else if ok {
			out.InstanceTypes = append(out.InstanceTypes, instanceTypeShape(it))
		}
	}
	return out, nil
}

func instanceTypeFields(it *instanceType) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "instance-type":
			return []string{it.Name}, true
		case "processor-info.supported-architecture":
			return it.Architectures, true
		case "current-generation":
			return []string{strconv.FormatBool(it.CurrentGen)}, true
		case "free-tier-eligible":
			return []string{strconv.FormatBool(it.FreeTier)}, true
		case "burstable-performance-supported":
			return []string{strconv.FormatBool(it.Burstable)}, true
		case "vcpu-info.default-vcpus":
			return []string{strconv.Itoa(it.VCPUs)}, true
		case "memory-info.size-in-mib":
			return []string{strconv.Itoa(it.MemoryMiB)}, true
		case "hypervisor":
			return []string{it.Hypervisor}, true
		}
		return nil, false
	}
}

func instanceTypeShape(it *instanceType) InstanceTypeInfo {
	out := InstanceTypeInfo{
		InstanceType: it.Name, CurrentGeneration: it.CurrentGen, FreeTierEligible: it.FreeTier,
		SupportedUsageClasses: []string{"on-demand", "spot"}, SupportedRootDeviceTypes: []string{"ebs"},
		SupportedVirtualizationTypes: []string{"hvm"}, Hypervisor: it.Hypervisor,
		BurstablePerformanceSupported: it.Burstable, AutoRecoverySupported: true,
		SupportedBootModes: []string{"legacy-bios", "uefi"},
	}
	out.ProcessorInfo.SupportedArchitectures = it.Architectures
	out.ProcessorInfo.Manufacturer = "Intel"
	if slices.Contains(it.Architectures, "arm64") {
		out.ProcessorInfo.Manufacturer = "AWS"
		out.SupportedBootModes = []string{"uefi"}
	}
	out.VCPUInfo.DefaultVCPUs, out.VCPUInfo.DefaultCores = it.VCPUs, it.Cores
	out.VCPUInfo.DefaultThreadsPerCore = it.VCPUs / it.Cores
	out.MemoryInfo.SizeInMiB = it.MemoryMiB
	out.EbsInfo.EbsOptimizedSupport, out.EbsInfo.EncryptionSupport, out.EbsInfo.NvmeSupport = it.EbsOptimize, "supported", "unsupported"
	if it.Hypervisor == "nitro" {
		out.EbsInfo.NvmeSupport = "required"
	}
	n := &out.NetworkInfo
	n.NetworkPerformance, n.MaximumNetworkInterfaces, n.MaximumNetworkCards = it.Network, it.MaxENIs, 1
	n.IPv4AddressesPerInterface, n.IPv6AddressesPerInterface, n.IPv6Supported = it.IPv4PerENI, it.IPv4PerENI, true
	n.EnaSupport = "required"
	if it.Hypervisor == "xen" {
		n.EnaSupport = "unsupported"
	}
	out.PlacementGroupInfo.SupportedStrategies = []string{"partition", "spread"}
	return out
}

type DescribeInstanceCreditSpecificationsInput struct {
	InstanceIDs []string `query:"InstanceId"`
	Filters     []Filter `query:"Filter"`
}

type DescribeInstanceCreditSpecificationsOutput struct {
	Specs []InstanceCreditSpecification `xml:"instanceCreditSpecificationSet>item"`
}

type InstanceCreditSpecification struct {
	InstanceID string `xml:"instanceId"`
	CPUCredits string `xml:"cpuCredits"`
}

// DescribeInstanceCreditSpecifications answers burstable instances with
// their type's default credit option; others are left out, as on AWS.
func (s *Service) DescribeInstanceCreditSpecifications(ctx context.Context, in *DescribeInstanceCreditSpecificationsInput) (*DescribeInstanceCreditSpecificationsOutput, error) {
	out := &DescribeInstanceCreditSpecificationsOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		insts, err := instancesByID(tx, in.InstanceIDs, s.clock.Now())
		if err != nil {
			return err
		}
		for _, i := range insts {
			it, ok := findInstanceType(i.InstanceType)
			if !ok || !it.Burstable {
				continue
			}
			spec := InstanceCreditSpecification{InstanceID: i.ID, CPUCredits: it.Credits}
			ok, err := matchFilters(in.Filters, func(name string) ([]string, bool) {
				if name == "instance-id" {
					return []string{i.ID}, true
				}
				return nil, false
			})
			if err != nil {
				return err
			}
			if ok {
				out.Specs = append(out.Specs, spec)
			}
		}
		return nil
	})
	return out, err
}
