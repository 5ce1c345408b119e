package ec2

import (
	"context"
	"encoding/base64"
	"strconv"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// The state operations store the state an instance settles in at once, and
// show the passing state before it for transition (shownState): the data
// plane and health checks act on the settled state, so a stopped instance
// stops taking traffic the moment StopInstances answers.

func (s *Service) StopInstances(ctx context.Context, in *InstanceIDsInput) (*InstanceStateChangeOutput, error) {
	return s.changeState(ctx, in.InstanceIDs, func(tx model.Tx, i *model.EC2Instance, shown string) (string, error) {
		switch shown {
		case "stopped", "stopping":
			return "", nil
		case "shutting-down", "terminated":
			return "", incorrectState("The instance '%s' is not in a state from which it can be stopped.", i.ID)
		}
		if i.DisableAPIStop {
			return "", api.BadRequest("OperationNotPermitted", "The instance '%s' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.", i.ID)
		}
		return "stopped", nil
	})
}

func (s *Service) StartInstances(ctx context.Context, in *InstanceIDsInput) (*InstanceStateChangeOutput, error) {
	return s.changeState(ctx, in.InstanceIDs, func(tx model.Tx, i *model.EC2Instance, shown string) (string, error) {
		switch shown {
		case "running", "pending":
			return "", nil
		case "stopped":
			return "running", nil
		}
		return "", incorrectState("The instance '%s' is not in a state from which it can be started.", i.ID)
	})
}

func (s *Service) TerminateInstances(ctx context.Context, in *InstanceIDsInput) (*InstanceStateChangeOutput, error) {
	return s.changeState(ctx, in.InstanceIDs, func(tx model.Tx, i *model.EC2Instance, shown string) (string, error) {
		if i.State == "terminated" {
			// Targets left registered by a store from before termination
			// deregistered them go now.
			return "", model.DeregisterInstance(tx, i.ID, s.clock.Now())
		}
		if i.DisableAPITermination {
			return "", api.BadRequest("OperationNotPermitted", "The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", i.ID)
		}
		if err := releaseInterfaces(tx, i); err != nil {
			return "", err
		}
		return "terminated", model.DeregisterInstance(tx, i.ID, s.clock.Now())
	})
}

func incorrectState(format string, args ...any) error {
	return api.BadRequest("IncorrectInstanceState", format, args...)
}

// releaseInterfaces lets a terminating instance's interfaces go: those
// marked DeleteOnTermination are deleted (freeing their addresses), the
// others detached.
func releaseInterfaces(tx model.Tx, i *model.EC2Instance) error {
	enis, err := model.List[model.NetworkInterface](tx)
	if err != nil {
		return err
	}
	for _, e := range enis {
		if e.Attachment == nil || e.Attachment.InstanceID != i.ID {
			continue
		}
		if e.Attachment.DeleteOnTermination {
			if err := model.Delete(tx, e); err != nil {
				return err
			}
			continue
		}
		e.Attachment, e.Status = nil, "available"
		if err := model.Put(tx, e); err != nil {
			return err
		}
	}
	return nil
}

// changeState applies next to every instance named, in one transaction:
// next returns the state to settle in, or "" to leave the instance as it
// is. Each answer carries the state shown before and after.
func (s *Service) changeState(ctx context.Context, ids []string,
	next func(tx model.Tx, i *model.EC2Instance, shown string) (string, error)) (*InstanceStateChangeOutput, error) {
	if len(ids) == 0 {
		return nil, missing("InstanceId")
	}
	now := s.clock.Now().UTC()
	out := &InstanceStateChangeOutput{}
	err := s.update(ctx, func(tx model.Tx) error {
		insts, err := instancesByID(tx, ids, now)
		if err != nil {
			return err
		}
		for _, i := range insts {
			before := shownState(i, now)
			to, err := next(tx, i, before)
			if err != nil {
				return err
			}
			if to != "" {
				i.State, i.StateSince = to, now
				if err := model.Put(tx, i); err != nil {
					return err
				}
			}
			out.Changes = append(out.Changes, InstanceStateChange{InstanceID: i.ID,
				CurrentState: stateOf(shownState(i, now)), PreviousState: stateOf(before)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type DescribeInstanceStatusInput struct {
	InstanceIDs         []string `query:"InstanceId"`
	Filters             []Filter `query:"Filter"`
	IncludeAllInstances bool     `query:"IncludeAllInstances"`
}

type DescribeInstanceStatusOutput struct {
	Statuses []InstanceStatus `xml:"instanceStatusSet>item"`
}

type InstanceStatus struct {
	InstanceID         string        `xml:"instanceId"`
	AvailabilityZone   string        `xml:"availabilityZone"`
	AvailabilityZoneID string        `xml:"availabilityZoneId"`
	State              InstanceState `xml:"instanceState"`
	SystemStatus       StatusSummary `xml:"systemStatus"`
	InstanceStatus     StatusSummary `xml:"instanceStatus"`
	AttachedEbsStatus  StatusSummary `xml:"attachedEbsStatus"`
}

type StatusSummary struct {
	Status  string          `xml:"status"`
	Details []StatusDetails `xml:"details>item"`
}

type StatusDetails struct {
	Name   string `xml:"name"`
	Status string `xml:"status"`
}

// DescribeInstanceStatus answers running instances only unless
// IncludeAllInstances is set. A running instance's checks pass at once (no
// machine boots, so there is nothing to initialise); other states have
// none to report.
func (s *Service) DescribeInstanceStatus(ctx context.Context, in *DescribeInstanceStatusInput) (*DescribeInstanceStatusOutput, error) {
	now := s.clock.Now()
	if err := checkFilters(in.Filters, statusFields(InstanceStatus{})); err != nil {
		return nil, err
	}
	out := &DescribeInstanceStatusOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		insts, err := instancesByID(tx, in.InstanceIDs, now)
		if err != nil {
			return err
		}
		for _, i := range insts {
			st := instanceStatus(ctx, i, now)
			if st.State.Name != "running" && !in.IncludeAllInstances {
				continue
			}
			if ok, err := matchFilters(in.Filters, statusFields(st)); err != nil {
				return err
			} else if ok {
				out.Statuses = append(out.Statuses, st)
			}
		}
		return nil
	})
	return out, err
}

func instanceStatus(ctx context.Context, i *model.EC2Instance, now time.Time) InstanceStatus {
	st := InstanceStatus{InstanceID: i.ID, AvailabilityZone: i.AvailabilityZone,
		AvailabilityZoneID: zoneID(ctx, i.AvailabilityZone), State: stateOf(shownState(i, now))}
	summary := func(check string) StatusSummary {
		if st.State.Name != "running" {
			return StatusSummary{Status: "not-applicable"}
		}
		return StatusSummary{Status: "ok", Details: []StatusDetails{{Name: check, Status: "passed"}}}
	}
	st.SystemStatus, st.InstanceStatus, st.AttachedEbsStatus = summary("reachability"), summary("reachability"), summary("reachability")
	return st
}

func statusFields(st InstanceStatus) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "availability-zone":
			return []string{st.AvailabilityZone}, true
		case "instance-state-name":
			return []string{st.State.Name}, true
		case "instance-state-code":
			return []string{strconv.Itoa(st.State.Code)}, true
		case "instance-status.status":
			return []string{st.InstanceStatus.Status}, true
		case "system-status.status":
			return []string{st.SystemStatus.Status}, true
		case "instance-status.reachability", "system-status.reachability":
			if st.State.Name == "running" {
				return []string{"passed"}, true
			}
			return nil, true
		}
		return nil, false
	}
}

type DescribeInstanceAttributeInput struct {
	InstanceID string `query:"InstanceId,required"`
	Attribute  string `query:"Attribute,required"`
}

// DescribeInstanceAttributeOutput carries the one attribute asked for.
type DescribeInstanceAttributeOutput struct {
	InstanceID            string                 `xml:"instanceId"`
	DisableAPITermination *AttributeBooleanValue `xml:"disableApiTermination,omitempty"`
	DisableAPIStop        *AttributeBooleanValue `xml:"disableApiStop,omitempty"`
	ShutdownBehavior      *AttributeStringValue  `xml:"instanceInitiatedShutdownBehavior,omitempty"`
	InstanceType          *AttributeStringValue  `xml:"instanceType,omitempty"`
	UserData              *AttributeStringValue  `xml:"userData,omitempty"`
	SourceDestCheck       *AttributeBooleanValue `xml:"sourceDestCheck,omitempty"`
	EbsOptimized          *AttributeBooleanValue `xml:"ebsOptimized,omitempty"`
	EnaSupport            *AttributeBooleanValue `xml:"enaSupport,omitempty"`
	RootDeviceName        *AttributeStringValue  `xml:"rootDeviceName,omitempty"`
	Groups                *[]GroupIdentifier     `xml:"groupSet>item,omitempty"`
}

func stringValue(s string) *AttributeStringValue { return &AttributeStringValue{Value: &s} }

func (s *Service) DescribeInstanceAttribute(ctx context.Context, in *DescribeInstanceAttributeInput) (*DescribeInstanceAttributeOutput, error) {
	out := &DescribeInstanceAttributeOutput{InstanceID: in.InstanceID}
	err := s.view(ctx, func(tx model.Tx) error {
		insts, err := instancesByID(tx, []string{in.InstanceID}, s.clock.Now())
		if err != nil {
			return err
		}
		i := insts[0]
		switch in.Attribute {
		case "disableApiTermination":
			out.DisableAPITermination = boolValue(i.DisableAPITermination)
		case "disableApiStop":
			out.DisableAPIStop = boolValue(i.DisableAPIStop)
		case "instanceInitiatedShutdownBehavior":
			b := i.ShutdownBehavior
			if b == "" {
				b = "stop"
			}
			out.ShutdownBehavior = stringValue(b)
		case "instanceType":
			out.InstanceType = stringValue(i.InstanceType)
		case "userData":
			// Without user data EC2 sends an empty <userData/>, no value,
			// which clients read as absent; an empty value would read as
			// user data of zero length.
			out.UserData = &AttributeStringValue{}
			if i.UserData != "" {
				out.UserData = stringValue(i.UserData)
			}
		case "sourceDestCheck":
			look, err := newInstanceLook(tx)
			if err != nil {
				return err
			}
			sdc := true
			if e := look.enis[i.PrimaryInterface]; e != nil {
				sdc = !e.NoSourceDestCheck
			}
			out.SourceDestCheck = boolValue(sdc)
		case "ebsOptimized":
			out.EbsOptimized = boolValue(false)
		case "enaSupport":
			out.EnaSupport = boolValue(true)
		case "rootDeviceName":
			name := "/dev/xvda"
			if img, err := findImage(i.ImageID); err == nil {
				name = img.RootDeviceName
			}
			out.RootDeviceName = stringValue(name)
		case "groupSet":
			look, err := newInstanceLook(tx)
			if err != nil {
				return err
			}
			gs := []GroupIdentifier{}
			for _, id := range look.groupsOf(i) {
				gs = append(gs, groupIdentifier(look.groups, id))
			}
			out.Groups = &gs
		case "kernel", "ramdisk", "productCodes", "blockDeviceMapping", "sriovNetSupport", "enclaveOptions":
			// Known attributes with nothing to report for a modelled
			// instance.
		default:
			return invalidValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", in.Attribute)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type ModifyInstanceAttributeInput struct {
	InstanceID            string                 `query:"InstanceId,required"`
	Attribute             string                 `query:"Attribute"`
	Value                 string                 `query:"Value"`
	DisableAPITermination *AttributeBooleanValue `query:"DisableApiTermination"`
	DisableAPIStop        *AttributeBooleanValue `query:"DisableApiStop"`
	ShutdownBehavior      *AttributeStringValue  `query:"InstanceInitiatedShutdownBehavior"`
	InstanceType          *AttributeStringValue  `query:"InstanceType"`
	UserData              *AttributeStringValue  `query:"UserData"`
	SourceDestCheck       *AttributeBooleanValue `query:"SourceDestCheck"`
	Groups                []string               `query:"GroupId"`
}

// ModifyInstanceAttribute changes one attribute per call, as EC2 insists:
// the protection flags and shutdown behaviour at any time, the instance
// type and user data only while the instance is stopped, the groups and
// source/destination check on its primary interface.
func (s *Service) ModifyInstanceAttribute(ctx context.Context, in *ModifyInstanceAttributeInput) (*Return, error) {
	ch, err := oneInstanceChange(in)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	err = s.update(ctx, func(tx model.Tx) error {
		insts, err := instancesByID(tx, []string{in.InstanceID}, now)
		if err != nil {
			return err
		}
		i := insts[0]
		if i.State == "terminated" {
			return incorrectState("The instance '%s' is not in a state from which its attributes can be modified.", i.ID)
		}
		switch ch.attr {
		case "disableApiTermination":
			i.DisableAPITermination = ch.b
		case "disableApiStop":
			i.DisableAPIStop = ch.b
		case "instanceInitiatedShutdownBehavior":
			if ch.s != "stop" && ch.s != "terminate" {
				return invalidValue("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid.", ch.s)
			}
			i.ShutdownBehavior = ch.s
		case "instanceType", "userData":
			if shownState(i, now) != "stopped" {
				return incorrectState("The instance '%s' is not in the 'stopped' state.", i.ID)
			}
			if ch.attr == "userData" {
				i.UserData = base64.StdEncoding.EncodeToString([]byte(ch.s))
				break
			}
			if _, ok := findInstanceType(ch.s); !ok {
				return invalidValue("Invalid value '%s' for InstanceType.", ch.s)
			}
			i.InstanceType = ch.s
		case "sourceDestCheck", "groupSet":
			return modifyPrimaryInterface(tx, i, ch)
		}
		return model.Put(tx, i)
	})
	if err != nil {
		return nil, err
	}
	return &Return{Return: true}, nil
}

// instanceChange is the one attribute a ModifyInstanceAttribute call sets.
type instanceChange struct {
	attr   string
	b      bool
	s      string
	groups []string
}

func oneInstanceChange(in *ModifyInstanceAttributeInput) (instanceChange, error) {
	var chs []instanceChange
	addBool := func(attr string, v *AttributeBooleanValue) {
		if v != nil && v.Value != nil {
			chs = append(chs, instanceChange{attr: attr, b: *v.Value})
		}
	}
	addString := func(attr string, v *AttributeStringValue) {
		if v != nil && v.Value != nil {
			chs = append(chs, instanceChange{attr: attr, s: *v.Value})
		}
	}
	addBool("disableApiTermination", in.DisableAPITermination)
	addBool("disableApiStop", in.DisableAPIStop)
	addBool("sourceDestCheck", in.SourceDestCheck)
	addString("instanceInitiatedShutdownBehavior", in.ShutdownBehavior)
	addString("instanceType", in.InstanceType)
	if in.UserData != nil && in.UserData.Value != nil {
		// The SDKs send user data base64-encoded once more (a blob); the
		// value stored is what the instance would see, encoded once.
		raw, err := base64.StdEncoding.DecodeString(*in.UserData.Value)
		if err != nil {
			return instanceChange{}, invalidParameter("Invalid BASE64 encoding of user data.")
		}
		chs = append(chs, instanceChange{attr: "userData", s: string(raw)})
	}
	if len(in.Groups) > 0 {
		chs = append(chs, instanceChange{attr: "groupSet", groups: dedupe(in.Groups)})
	}
	if in.Attribute != "" {
		ch := instanceChange{attr: in.Attribute, s: in.Value}
		switch in.Attribute {
		case "disableApiTermination", "disableApiStop", "sourceDestCheck":
			ch.b = in.Value == "true"
		case "instanceInitiatedShutdownBehavior", "instanceType", "userData":
		default:
			return ch, invalidValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", in.Attribute)
		}
		chs = append(chs, ch)
	}
	switch len(chs) {
	case 0:
		return instanceChange{}, invalidParameterCombination("No attributes specified.")
	case 1:
		return chs[0], nil
	}
	return instanceChange{}, invalidParameterCombination("Fields for multiple attribute types specified: %s, %s", chs[0].attr, chs[1].attr)
}

func modifyPrimaryInterface(tx model.Tx, i *model.EC2Instance, ch instanceChange) error {
	e, ok, err := model.Get[model.NetworkInterface](tx, i.PrimaryInterface)
	if err != nil {
		return err
	}
	if !ok {
		return eniNotFound(i.PrimaryInterface)
	}
	if ch.attr == "sourceDestCheck" {
		e.NoSourceDestCheck = !ch.b
		return model.Put(tx, e)
	}
	sn, ok, err := model.Get[model.Subnet](tx, e.SubnetID)
	if err != nil {
		return err
	}
	if !ok {
		return subnetNotFound(e.SubnetID)
	}
	if len(ch.groups) > maxGroupsPerInterface {
		return api.BadRequest("SecurityGroupsPerInterfaceLimitExceeded", "An interface can have at most %d security groups; %d were given.", maxGroupsPerInterface, len(ch.groups))
	}
	if _, err := groupsForInterface(tx, sn, ch.groups); err != nil {
		return err
	}
	e.Groups = ch.groups
	return model.Put(tx, e)
}

type GetInstanceUefiDataInput struct {
	InstanceID string `query:"InstanceId,required"`
}

type GetInstanceUefiDataOutput struct {
	InstanceID string `xml:"instanceId"`
	UefiData   string `xml:"uefiData"`
}

// GetInstanceUefiData answers an instance's UEFI variable store: empty, as
// nothing boots.
func (s *Service) GetInstanceUefiData(ctx context.Context, in *GetInstanceUefiDataInput) (*GetInstanceUefiDataOutput, error) {
	err := s.view(ctx, func(tx model.Tx) error {
		_, err := instancesByID(tx, []string{in.InstanceID}, s.clock.Now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetInstanceUefiDataOutput{InstanceID: in.InstanceID}, nil
}
