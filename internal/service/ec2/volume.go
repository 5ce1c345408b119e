package ec2

import (
	"context"
	"strconv"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// An instance's root volume is kept inside its record (model.EC2Volume):
// DescribeInstances lists it in blockDeviceMapping and DescribeVolumes
// describes it, which is what Terraform's aws_instance reads back as
// root_block_device. Other volumes are not modelled.

// BlockDeviceMappingInput is one BlockDeviceMapping.N of RunInstances.
type BlockDeviceMappingInput struct {
	DeviceName string          `query:"DeviceName"`
	Ebs        *EbsBlockDevice `query:"Ebs"`
	NoDevice   *string         `query:"NoDevice"`
}

type EbsBlockDevice struct {
	VolumeSize          *int   `query:"VolumeSize"`
	VolumeType          string `query:"VolumeType"`
	Iops                *int   `query:"Iops"`
	Throughput          *int   `query:"Throughput"`
	Encrypted           *bool  `query:"Encrypted"`
	DeleteOnTermination *bool  `query:"DeleteOnTermination"`
}

// rootVolume builds a new instance's root volume from the AMI's defaults
// (8 GiB gp3, 3000 IOPS, 125 MiB/s) and the mapping for the AMI's root
// device, if the call has one.
func rootVolume(img *image, mappings []BlockDeviceMappingInput, tags model.Tags) (*model.EC2Volume, error) {
	v := &model.EC2Volume{ID: api.NewID("vol"), Device: img.RootDeviceName, SizeGiB: 8, Type: "gp3",
		DeleteOnTermination: true, Snapshot: img.Snapshot, Tags: tags}
	for _, m := range mappings {
		if m.DeviceName != img.RootDeviceName || m.Ebs == nil {
			continue
		}
		e := m.Ebs
		if e.VolumeType != "" {
			switch e.VolumeType {
			case "gp2", "gp3", "io1", "io2", "st1", "sc1", "standard":
				v.Type = e.VolumeType
			default:
				return nil, invalidValue("Value (%s) for parameter volumeType is invalid. Valid values are: standard, io1, io2, gp2, sc1, st1, gp3.", e.VolumeType)
			}
		}
		if e.VolumeSize != nil {
			if *e.VolumeSize < 8 {
				return nil, invalidParameterCombination("Volume of size %dGB is smaller than snapshot '%s', expect size >= 8GB", *e.VolumeSize, img.Snapshot)
			}
			v.SizeGiB = *e.VolumeSize
		}
		if e.Encrypted != nil {
			v.Encrypted = *e.Encrypted
		}
		if e.DeleteOnTermination != nil {
			v.DeleteOnTermination = *e.DeleteOnTermination
		}
		if e.Iops != nil {
			v.Iops = *e.Iops
		}
		if e.Throughput != nil {
			v.Throughput = *e.Throughput
		}
	}
	switch v.Type {
	case "gp3":
		if v.Iops == 0 {
			v.Iops = 3000
		}
		if v.Throughput == 0 {
			v.Throughput = 125
		}
	case "gp2":
		// gp2 earns 3 IOPS a GiB, at least 100 and at most 16000.
		v.Iops, v.Throughput = min(max(3*v.SizeGiB, 100), 16000), 0
	case "io1", "io2":
		if v.Iops == 0 {
			return nil, missing("iops")
		}
		v.Throughput = 0
	default:
		v.Iops, v.Throughput = 0, 0
	}
	return v, nil
}

// InstanceBlockDevice is a volume as DescribeInstances lists it.
type InstanceBlockDevice struct {
	DeviceName string `xml:"deviceName"`
	Ebs        struct {
		VolumeID            string `xml:"volumeId"`
		Status              string `xml:"status"`
		AttachTime          string `xml:"attachTime"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
	} `xml:"ebs"`
}

func blockDevices(i *model.EC2Instance) []InstanceBlockDevice {
	v := i.RootVolume
	if v == nil || i.State == "terminated" {
		return nil
	}
	var bd InstanceBlockDevice
	bd.DeviceName = v.Device
	bd.Ebs.VolumeID, bd.Ebs.Status, bd.Ebs.AttachTime, bd.Ebs.DeleteOnTermination = v.ID, "attached", i.LaunchTime, v.DeleteOnTermination
	return []InstanceBlockDevice{bd}
}

type DescribeVolumesInput struct {
	VolumeIDs []string `query:"VolumeId"`
	Filters   []Filter `query:"Filter"`
}

type DescribeVolumesOutput struct {
	Volumes []Volume `xml:"volumeSet>item"`
}

// Volume is an EBS volume as EC2 describes it.
type Volume struct {
	VolumeID           string             `xml:"volumeId"`
	Size               int                `xml:"size"`
	SnapshotID         string             `xml:"snapshotId"`
	AvailabilityZone   string             `xml:"availabilityZone"`
	AvailabilityZoneID string             `xml:"availabilityZoneId"`
	Status             string             `xml:"status"`
	CreateTime         string             `xml:"createTime"`
	Attachments        []VolumeAttachment `xml:"attachmentSet>item"`
	VolumeType         string             `xml:"volumeType"`
	Iops               int                `xml:"iops,omitempty"`
	Throughput         int                `xml:"throughput,omitempty"`
	Encrypted          bool               `xml:"encrypted"`
	MultiAttachEnabled bool               `xml:"multiAttachEnabled"`
	Tags               []Tag              `xml:"tagSet>item,omitempty"`
}

type VolumeAttachment struct {
	VolumeID            string `xml:"volumeId"`
	InstanceID          string `xml:"instanceId"`
	Device              string `xml:"device"`
	Status              string `xml:"status"`
	AttachTime          string `xml:"attachTime"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
}

// DescribeVolumes describes the root volumes of instances that are not
// terminated.
func (s *Service) DescribeVolumes(ctx context.Context, in *DescribeVolumesInput) (*DescribeVolumesOutput, error) {
	if err := checkFilters(in.Filters, volumeFields(Volume{})); err != nil {
		return nil, err
	}
	out := &DescribeVolumesOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		insts, err := model.List[model.EC2Instance](tx)
		if err != nil {
			return err
		}
		byID := map[string]Volume{}
		var order []string
		for _, i := range insts {
			if i.RootVolume == nil || i.State == "terminated" {
				continue
			}
			v := volumeShape(ctx, i)
			byID[v.VolumeID] = v
			order = append(order, v.VolumeID)
		}
		if len(in.VolumeIDs) > 0 {
			order = nil
			var unknown []string
			for _, id := range dedupe(in.VolumeIDs) {
				if !strings.HasPrefix(id, "vol-") {
					return api.BadRequest("InvalidVolumeID.Malformed", "Invalid id: \"%s\" (expecting \"vol-...\")", id)
				}
				if _, ok := byID[id]; !ok {
					unknown = append(unknown, id)
					continue
				}
				order = append(order, id)
			}
			if len(unknown) > 0 {
				return api.BadRequest("InvalidVolume.NotFound", "The volume '%s' does not exist.", strings.Join(unknown, ", "))
			}
		}
		for _, id := range order {
			if ok, err := matchFilters(in.Filters, volumeFields(byID[id])); err != nil {
				return err
			} else if ok {
				out.Volumes = append(out.Volumes, byID[id])
			}
		}
		return nil
	})
	return out, err
}

func volumeShape(ctx context.Context, i *model.EC2Instance) Volume {
	v := i.RootVolume
	return Volume{
		VolumeID: v.ID, Size: v.SizeGiB, SnapshotID: v.Snapshot, AvailabilityZone: i.AvailabilityZone,
		AvailabilityZoneID: zoneID(ctx, i.AvailabilityZone), Status: "in-use", CreateTime: i.LaunchTime,
		Attachments: []VolumeAttachment{{VolumeID: v.ID, InstanceID: i.ID, Device: v.Device, Status: "attached",
			AttachTime: i.LaunchTime, DeleteOnTermination: v.DeleteOnTermination}},
		VolumeType: v.Type, Iops: v.Iops, Throughput: v.Throughput, Encrypted: v.Encrypted, Tags: tagSet(v.Tags),
	}
}

func volumeFields(v Volume) fields {
	return func(name string) ([]string, bool) {
		var a VolumeAttachment
		if len(v.Attachments) > 0 {
			a = v.Attachments[0]
		}
		switch name {
		case "volume-id":
			return []string{v.VolumeID}, true
		case "attachment.instance-id":
			return []string{a.InstanceID}, true
		case "attachment.device":
			return []string{a.Device}, true
		case "attachment.status":
			return []string{a.Status}, true
		case "attachment.delete-on-termination":
			return []string{strconv.FormatBool(a.DeleteOnTermination)}, true
		case "availability-zone":
			return []string{v.AvailabilityZone}, true
		case "status":
			return []string{v.Status}, true
		case "size":
			return []string{strconv.Itoa(v.Size)}, true
		case "volume-type":
			return []string{v.VolumeType}, true
		case "encrypted":
			return []string{strconv.FormatBool(v.Encrypted)}, true
		case "snapshot-id":
			return []string{v.SnapshotID}, true
		}
		var tags model.Tags
		if len(v.Tags) > 0 {
			tags = model.Tags{}
			for _, t := range v.Tags {
				tags[t.Key] = t.Value
			}
		}
		return tagFields(tags, name)
	}
}
