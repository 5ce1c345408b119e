package ec2

import (
	"context"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

type ModifyNetworkInterfaceAttributeInput struct {
	NetworkInterfaceID string                 `query:"NetworkInterfaceId,required"`
	Description        *AttributeStringValue  `query:"Description"`
	SourceDestCheck    *AttributeBooleanValue `query:"SourceDestCheck"`
	Groups             []string               `query:"SecurityGroupId"`
	Attachment         *AttachmentChanges     `query:"Attachment"`
}

// AttributeStringValue is EC2's boxed string (<name><value>x</value></name> out,
// Name.Value=x in).
type AttributeStringValue struct {
	Value *string `query:"Value" xml:"value"`
}

// AttachmentChanges changes an interface's attachment.
type AttachmentChanges struct {
	AttachmentID        string `query:"AttachmentId"`
	DeleteOnTermination *bool  `query:"DeleteOnTermination"`
}

type DescribeNetworkInterfaceAttributeInput struct {
	NetworkInterfaceID string `query:"NetworkInterfaceId,required"`
	Attribute          string `query:"Attribute"`
}

// DescribeNetworkInterfaceAttributeOutput carries the one attribute asked
// for; the others stay absent, as on AWS.
type DescribeNetworkInterfaceAttributeOutput struct {
	NetworkInterfaceID string                 `xml:"networkInterfaceId"`
	Description        *AttributeStringValue  `xml:"description,omitempty"`
	SourceDestCheck    *AttributeBooleanValue `xml:"sourceDestCheck,omitempty"`
	Groups             *[]GroupIdentifier     `xml:"groupSet>item,omitempty"`
	Attachment         *ENIAttachment         `xml:"attachment,omitempty"`
}

// ModifyNetworkInterfaceAttribute changes one attribute per call, as EC2
// documents: the description, the source/destination check, the security
// groups (the whole set) or the attachment's DeleteOnTermination. Interfaces
// that a service manages are changed through that service, never here.
func (s *Service) ModifyNetworkInterfaceAttribute(ctx context.Context, in *ModifyNetworkInterfaceAttributeInput) (*Return, error) {
	var names []string
	if in.Description != nil {
		names = append(names, "description")
	}
	if in.SourceDestCheck != nil {
		names = append(names, "sourceDestCheck")
	}
	if len(in.Groups) > 0 {
		names = append(names, "groupSet")
	}
	if in.Attachment != nil {
		names = append(names, "attachment")
	}
	switch {
	case len(names) == 0:
		return nil, invalidParameterCombination("No attributes specified.")
	case len(names) > 1:
		return nil, invalidParameterCombination("Fields for multiple attribute types specified: %s", strings.Join(names, ", "))
	case in.Description != nil && in.Description.Value == nil:
		return nil, missing("Description.Value")
	case in.SourceDestCheck != nil && in.SourceDestCheck.Value == nil:
		return nil, missing("SourceDestCheck.Value")
	case in.Attachment != nil && in.Attachment.AttachmentID == "":
		return nil, missing("Attachment.AttachmentId")
	case in.Description != nil && len(*in.Description.Value) > 255:
		return nil, invalidValue("Value for parameter Description is invalid: it is longer than 255 characters.")
	}
	groupIDs := dedupe(in.Groups)
	for _, id := range groupIDs {
		if err := checkGroupID(id); err != nil {
			return nil, err
		}
	}
	if len(groupIDs) > maxGroupsPerInterface {
		return nil, api.BadRequest("SecurityGroupsPerInterfaceLimitExceeded", "An interface can have at most %d security groups; %d were given.", maxGroupsPerInterface, len(groupIDs))
	}
	err := s.update(ctx, func(tx model.Tx) error {
		e, err := getInterface(tx, in.NetworkInterfaceID)
		if err != nil {
			return err
		}
		if e.RequesterManaged {
			return api.BadRequest("OperationNotPermitted", "You are not allowed to modify the network interface '%s': it is managed by %s.", e.ID, e.RequesterID)
		}
		switch {
		case in.Description != nil:
			e.Description = *in.Description.Value
		case in.SourceDestCheck != nil:
			e.NoSourceDestCheck = !*in.SourceDestCheck.Value
		case in.Attachment != nil:
			if e.Attachment == nil || e.Attachment.ID != in.Attachment.AttachmentID {
				return api.BadRequest("InvalidAttachmentID.NotFound", "The attachment ID '%s' does not exist", in.Attachment.AttachmentID)
			}
			if in.Attachment.DeleteOnTermination != nil {
				e.Attachment.DeleteOnTermination = *in.Attachment.DeleteOnTermination
			}
		default:
			if _, err := groupsForInterface(tx, &model.Subnet{ID: e.SubnetID, VpcID: e.VpcID}, groupIDs); err != nil {
				return err
			}
			e.Groups = groupIDs
		}
		return model.Put(tx, e)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

func (s *Service) DescribeNetworkInterfaceAttribute(ctx context.Context, in *DescribeNetworkInterfaceAttributeInput) (*DescribeNetworkInterfaceAttributeOutput, error) {
	switch in.Attribute {
	case "":
		return nil, missing("Attribute")
	case "description", "sourceDestCheck", "groupSet", "attachment":
	case "associatePublicIpAddress":
		// Interfaces have no public addresses here; the attribute exists
		// and is simply never set.
	default:
		return nil, invalidValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", in.Attribute)
	}
	out := &DescribeNetworkInterfaceAttributeOutput{NetworkInterfaceID: in.NetworkInterfaceID}
	err := s.view(ctx, func(tx model.Tx) error {
		e, err := getInterface(tx, in.NetworkInterfaceID)
		if err != nil {
			return err
		}
		switch in.Attribute {
		case "description":
			out.Description = &AttributeStringValue{Value: &e.Description}
		case "sourceDestCheck":
			out.SourceDestCheck = boolValue(!e.NoSourceDestCheck)
		case "attachment":
			out.Attachment = attachmentShape(ctx, e)
		case "groupSet":
			groups := []GroupIdentifier{}
			for _, id := range e.Groups {
				gi := GroupIdentifier{GroupID: id}
				if g, ok, err := model.Get[model.SecurityGroup](tx, id); err != nil {
					return err
				} else if ok {
					gi.GroupName = g.Name
				}
				groups = append(groups, gi)
			}
			out.Groups = &groups
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func getInterface(tx model.Tx, id string) (*model.NetworkInterface, error) {
	e, ok, err := model.Get[model.NetworkInterface](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, eniNotFound(id)
	}
	return e, nil
}
