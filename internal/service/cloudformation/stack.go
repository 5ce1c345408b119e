package cloudformation

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"gatehouse/internal/model"
	"gatehouse/internal/stack"
)

// CreateStack records the stack CREATE_IN_PROGRESS and hands it to a
// worker. Everything the template says is checked first: a template that
// cannot deploy is refused here, and nothing is created.
func (s *Service) CreateStack(ctx context.Context, in *CreateStackInput) (*CreateStackOutput, error) {
	sc := scopeOf(ctx)
	if err := checkName("stackName", in.StackName); err != nil {
		return nil, err
	}
	if in.DisableRollback != nil && in.OnFailure != "" {
		return nil, validation("You cannot specify both DisableRollback and OnFailure.")
	}
	switch in.OnFailure {
	case "", "ROLLBACK", "DELETE", "DO_NOTHING":
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]", in.OnFailure)
	}
	if err := checkNotificationARNs(in.NotificationARNs); err != nil {
		return nil, err
	}
	_, info, err := parseTemplate(in.TemplateBody, in.TemplateURL)
	if err != nil {
		return nil, err
	}
	params, err := resolveParams(info, in.Parameters, nil)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now()
	st := &model.Stack{ID: stackARN(sc, in.StackName), Name: in.StackName, Created: now, Description: info.Description,
		StackConfig: model.StackConfig{Template: in.TemplateBody, Parameters: params, Tags: tags(in.Tags), Capabilities: in.Capabilities,
			NotificationARNs: in.NotificationARNs},
		OnFailure: in.OnFailure}
	if in.DisableRollback != nil {
		st.DisableRollback = *in.DisableRollback
	}
	inst, _, err := s.instantiate(ctx, sc, st, st.StackConfig, s.cfg.Provisioner(sc.Account, sc.Region))
	if err != nil {
		return nil, err
	}
	resolved(st.Parameters, inst)
	err = s.update(sc, func(tx model.Tx) error {
		if _, err := findStack(tx, in.StackName); err == nil {
			return alreadyExists(in.StackName)
		}
		st.Status = "CREATE_IN_PROGRESS"
		return putStack(tx, st, stackEvent(st, st.Status, "User Initiated", now))
	})
	if err != nil {
		return nil, err
	}
	s.begin(ctx, sc, st.ID)
	return &CreateStackOutput{StackID: st.ID}, nil
}

// begin starts the stack's worker and, with Config.Wait, waits for it.
func (s *Service) begin(ctx context.Context, sc model.Scope, id string) {
	done := s.eng.start(sc, id)
	if s.cfg.Wait <= 0 {
		return
	}
	t := time.NewTimer(s.cfg.Wait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
}

// maxNotificationARNs is how many topics CloudFormation lets a stack name.
const maxNotificationARNs = 5

func checkNotificationARNs(arns []string) error {
	if len(arns) > maxNotificationARNs {
		return validation("1 validation error detected: Value '[%s]' at 'notificationARNs' failed to satisfy constraint: Member must have length less than or equal to %d",
			strings.Join(arns, ", "), maxNotificationARNs)
	}
	return nil
}

func tags(in []Tag) model.Tags {
	if len(in) == 0 {
		return nil
	}
	out := model.Tags{}
	for _, t := range in {
		out[t.Key] = t.Value
	}
	return out
}

// updatable are the statuses an update may start from.
var updatable = map[string]bool{"CREATE_COMPLETE": true, "UPDATE_COMPLETE": true, "UPDATE_ROLLBACK_COMPLETE": true}

// current is what the stack's resources are, for a plan, with their
// properties as the stack's template writes them.
func current(st *model.Stack) map[string]stack.Current {
	source := map[string]map[string]any{}
	if t, _, err := parseTemplate(st.Template, ""); err == nil {
		for _, r := range t.Resources {
			source[r.Name] = r.Properties
			if source[r.Name] == nil {
				source[r.Name] = map[string]any{}
			}
		}
	}
	out := map[string]stack.Current{}
	for _, r := range st.Resources {
		out[r.LogicalID] = stack.Current{Type: r.Type, Created: created(r.StackResourceState), Props: r.Props, Source: source[r.LogicalID]}
	}
	return out
}

// priorParameters are the values the stack's parameters have, as a plan
// compares them.
func priorParameters(st *model.Stack) map[string]string {
	out := map[string]string{}
	for _, p := range st.Parameters {
		out[p.Key] = p.Value
		if p.ResolvedValue != "" {
			out[p.Key] = p.ResolvedValue
		}
	}
	return out
}

// proposal is a checked update: the new configuration and its plan.
type proposal struct {
	cfg         model.StackConfig
	description string
	plan        []stack.Change
	// same says nothing at all would change.
	same bool
}

// updateRequest is what UpdateStack and CreateChangeSet ask a stack to become.
type updateRequest struct {
	body, url   string
	usePrevious bool
	params      []Parameter
	tags        []Tag
	caps        []string
	// arns, when not nil, replace the stack's topics; empty removes
	// them all.
	arns *[]string
}

// propose checks an update of st to what c asks for. Tags and
// notification topics not given are kept; an empty list of topics
// removes them.
func (s *Service) propose(ctx context.Context, sc model.Scope, st *model.Stack, c updateRequest) (*proposal, error) {
	body := c.body
	if c.usePrevious {
		if body != "" || c.url != "" {
			return nil, validation("You cannot specify both usePreviousTemplate and Template Body/Template URL")
		}
		body = st.Template
	}
	if c.arns != nil {
		if err := checkNotificationARNs(*c.arns); err != nil {
			return nil, err
		}
	}
	_, info, err := parseTemplate(body, c.url)
	if err != nil {
		return nil, err
	}
	values, err := resolveParams(info, c.params, st.Parameters)
	if err != nil {
		return nil, err
	}
	cfg := model.StackConfig{Template: body, Parameters: values, Tags: st.Tags, Capabilities: c.caps, NotificationARNs: st.NotificationARNs}
	if len(c.tags) > 0 {
		cfg.Tags = tags(c.tags)
	}
	if c.arns != nil {
		cfg.NotificationARNs = *c.arns
	}
	inst, _, err := s.instantiate(ctx, sc, st, cfg, s.cfg.Provisioner(sc.Account, sc.Region))
	if err != nil {
		return nil, err
	}
	resolved(cfg.Parameters, inst)
	plan, err := stack.Plan(inst, current(st), priorParameters(st))
	if err != nil {
		return nil, validation("%s", err.Error())
	}
	same := len(plan) == 0 && body == st.Template && slices.Equal(values, st.Parameters) && equalTags(cfg.Tags, st.Tags) &&
		slices.Equal(cfg.NotificationARNs, st.NotificationARNs)
	return &proposal{cfg: cfg, description: info.Description, plan: plan, same: same}, nil
}

func equalTags(a, b model.Tags) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// UpdateStack records the update UPDATE_IN_PROGRESS and hands it to a
// worker.
func (s *Service) UpdateStack(ctx context.Context, in *UpdateStackInput) (*UpdateStackOutput, error) {
	sc := scopeOf(ctx)
	var st *model.Stack
	if err := s.view(sc, func(tx model.Tx) error {
		var err error
		st, err = findStack(tx, in.StackName)
		return err
	}); err != nil {
		return nil, err
	}
	if !updatable[st.Status] {
		return nil, cannotUpdate(st.ID, st.Status)
	}
	p, err := s.propose(ctx, sc, st, updateRequest{body: in.TemplateBody, url: in.TemplateURL, usePrevious: in.UsePreviousTemplate,
		params: in.Parameters, tags: in.Tags, caps: in.Capabilities, arns: in.NotificationARNs})
	if err != nil {
		return nil, err
	}
	if p.same {
		return nil, noUpdates()
	}
	if err := s.startUpdate(sc, st.ID, p, ""); err != nil {
		return nil, err
	}
	s.begin(ctx, sc, st.ID)
	return &UpdateStackOutput{StackID: st.ID}, nil
}

// startUpdate records an update of the stack to p, keeping what it
// replaces for a rollback.
func (s *Service) startUpdate(sc model.Scope, id string, p *proposal, changeSetID string) error {
	return s.update(sc, func(tx model.Tx) error {
		st, err := findStack(tx, id)
		if err != nil {
			return err
		}
		if !updatable[st.Status] {
			return cannotUpdate(st.ID, st.Status)
		}
		// The stack's change sets were planned against what it was.
		if err := obsolete(tx, st.ID); err != nil {
			return err
		}
		st.Previous = &model.StackGeneration{StackConfig: st.StackConfig, Description: st.Description, Outputs: st.Outputs, Imports: st.Imports}
		st.StackConfig, st.Description = p.cfg, p.description
		st.Updated = s.cfg.Clock.Now()
		st.ChangeSetID = changeSetID
		st.Status, st.StatusReason = "UPDATE_IN_PROGRESS", ""
		return putStack(tx, st, stackEvent(st, st.Status, "User Initiated", st.Updated))
	})
}

// DeleteStack records the delete DELETE_IN_PROGRESS and hands it to a
// worker; a stack with an operation under way is deleted once it ends.
// A stack that does not exist is no error, as on AWS.
func (s *Service) DeleteStack(ctx context.Context, in *DeleteStackInput) (*Empty, error) {
	sc := scopeOf(ctx)
	var id string
	err := s.update(sc, func(tx model.Tx) error {
		st, err := findStack(tx, in.StackName)
		if err != nil {
			return nil
		}
		now := s.cfg.Clock.Now()
		switch {
		case st.Status == "DELETE_COMPLETE" || st.Status == "DELETE_IN_PROGRESS":
			return nil
		case len(in.RetainResources) > 0 && st.Status != "DELETE_FAILED":
			return validation("Invalid operation on stack %s: RetainResources can only be specified when the stack is in DELETE_FAILED state", st.ID)
		case st.Status == "REVIEW_IN_PROGRESS":
			// Nothing was created: the stack goes at once.
			if err := deleteChangeSets(tx, st.ID, ""); err != nil {
				return err
			}
			st.Status, st.Deleted = "DELETE_COMPLETE", now
			return putStack(tx, st, stackEvent(st, "DELETE_COMPLETE", "", now))
		case inProgress(st.Status):
			st.DeleteRequested = true
		default:
			for _, r := range st.Resources {
				if slices.Contains(in.RetainResources, r.LogicalID) {
					r.DeletionPolicy = "Retain"
				}
			}
			st.Status, st.StatusReason = "DELETE_IN_PROGRESS", ""
			if err := putStack(tx, st, stackEvent(st, st.Status, "User Initiated", now)); err != nil {
				return err
			}
		}
		id = st.ID
		if err := deleteChangeSets(tx, st.ID, ""); err != nil {
			return err
		}
		return putStack(tx, st)
	})
	if err != nil || id == "" {
		return &Empty{}, err
	}
	s.begin(ctx, sc, id)
	return &Empty{}, nil
}

// DescribeStacks describes one stack (by name, or by id even once
// deleted) or every stack not deleted, newest first.
func (s *Service) DescribeStacks(ctx context.Context, in *DescribeStacksInput) (*DescribeStacksOutput, error) {
	out := &DescribeStacksOutput{Stacks: []Stack{}}
	err := s.view(scopeOf(ctx), func(tx model.Tx) error {
		if in.StackName != "" {
			st, err := findStack(tx, in.StackName)
			if err != nil {
				return err
			}
			out.Stacks = append(out.Stacks, describe(st))
			return nil
		}
		stacks, err := liveStacks(tx)
		newestFirst(stacks)
		for _, st := range stacks {
			out.Stacks = append(out.Stacks, describe(st))
		}
		return err
	})
	return out, err
}

func newestFirst(stacks []*model.Stack) {
	sort.SliceStable(stacks, func(i, j int) bool { return stacks[i].Created.After(stacks[j].Created) })
}

func describe(st *model.Stack) Stack {
	out := Stack{StackID: st.ID, StackName: st.Name, ChangeSetID: st.ChangeSetID, Description: st.Description,
		Parameters: parameters(st.Parameters), CreationTime: timestamp(st.Created), LastUpdatedTime: timestamp(st.Updated),
		DeletionTime: timestamp(st.Deleted), StackStatus: st.Status, StackStatusReason: st.StatusReason,
		DisableRollback: st.DisableRollback, NotificationARNs: st.NotificationARNs, Capabilities: st.Capabilities, Tags: tagList(st.Tags),
		DriftStatus: "NOT_CHECKED"}
	for _, o := range st.Outputs {
		out.Outputs = append(out.Outputs, Output{OutputKey: o.Key, OutputValue: o.Value, Description: o.Description, ExportName: o.ExportName})
	}
	return out
}

func parameters(ps []model.StackParameter) []Parameter {
	var out []Parameter
	for _, p := range ps {
		v, r := p.Value, p.ResolvedValue
		if p.NoEcho {
			v = "****"
			if r != "" {
				r = "****"
			}
		}
		out = append(out, Parameter{ParameterKey: p.Key, ParameterValue: v, ResolvedValue: r})
	}
	return out
}

// resolved copies the values SSM parameter types resolved to.
func resolved(ps []model.StackParameter, inst *stack.Instance) {
	for i := range ps {
		for _, v := range inst.Parameters {
			if v.Name == ps[i].Key {
				ps[i].ResolvedValue = v.ResolvedValue
			}
		}
	}
}

func tagList(t model.Tags) []Tag {
	var out []Tag
	for _, k := range t.Sorted() {
		out = append(out, Tag{Key: k, Value: t[k]})
	}
	return out
}

// ListStacks lists every stack, deleted ones too, optionally only those
// in the statuses given.
func (s *Service) ListStacks(ctx context.Context, in *ListStacksInput) (*ListStacksOutput, error) {
	out := &ListStacksOutput{StackSummaries: []StackSummary{}}
	err := s.view(scopeOf(ctx), func(tx model.Tx) error {
		stacks, err := model.List[model.Stack](tx)
		newestFirst(stacks)
		for _, st := range stacks {
			if len(in.StackStatusFilter) > 0 && !slices.Contains(in.StackStatusFilter, st.Status) {
				continue
			}
			out.StackSummaries = append(out.StackSummaries, StackSummary{StackID: st.ID, StackName: st.Name,
				TemplateDescription: st.Description, CreationTime: timestamp(st.Created), LastUpdatedTime: timestamp(st.Updated),
				DeletionTime: timestamp(st.Deleted), StackStatus: st.Status, StackStatusReason: st.StatusReason, DriftStatus: "NOT_CHECKED"})
		}
		return err
	})
	return out, err
}

// DescribeStackEvents lists a stack's events, newest first.
func (s *Service) DescribeStackEvents(ctx context.Context, in *DescribeStackEventsInput) (*DescribeStackEventsOutput, error) {
	out := &DescribeStackEventsOutput{StackEvents: []StackEvent{}}
	err := s.view(scopeOf(ctx), func(tx model.Tx) error {
		st, err := findStack(tx, in.StackName)
		if err != nil {
			return err
		}
		events, err := model.ListPrefix[model.StackEvent](tx, st.ID+"/")
		for i := len(events) - 1; i >= 0; i-- {
			e := events[i]
			out.StackEvents = append(out.StackEvents, StackEvent{StackID: e.StackID, EventID: e.ID, StackName: e.StackName,
				LogicalResourceID: e.LogicalID, PhysicalResourceID: e.PhysicalID, ResourceType: e.Type,
				Timestamp: timestamp(e.Time), ResourceStatus: e.Status, ResourceStatusReason: e.Reason,
				ResourceProperties: e.Properties})
		}
		return err
	})
	return out, err
}

// DescribeStackResource describes one resource of a stack.
func (s *Service) DescribeStackResource(ctx context.Context, in *DescribeStackResourceInput) (*DescribeStackResourceOutput, error) {
	out := &DescribeStackResourceOutput{}
	err := s.view(scopeOf(ctx), func(tx model.Tx) error {
		st, err := findStack(tx, in.StackName)
		if err != nil {
			return err
		}
		r := st.Resource(in.LogicalResourceID)
		if r == nil {
			return validation("Resource %s does not exist for stack %s", in.LogicalResourceID, in.StackName)
		}
		out.StackResourceDetail = StackResourceDetail{StackName: st.Name, StackID: st.ID, LogicalResourceID: r.LogicalID,
			PhysicalResourceID: r.PhysicalID, ResourceType: r.Type, LastUpdatedTimestamp: timestamp(r.Updated),
			ResourceStatus: r.Status, ResourceStatusReason: r.Reason, DriftStatus: "NOT_CHECKED"}
		return nil
	})
	return out, err
}

// DescribeStackResources describes a stack's resources, found by the
// stack or by one resource's physical id.
func (s *Service) DescribeStackResources(ctx context.Context, in *DescribeStackResourcesInput) (*DescribeStackResourcesOutput, error) {
	out := &DescribeStackResourcesOutput{StackResources: []StackResource{}}
	err := s.view(scopeOf(ctx), func(tx model.Tx) error {
		var st *model.Stack
		switch {
		case in.StackName != "":
			var err error
			if st, err = findStack(tx, in.StackName); err != nil {
				return err
			}
		case in.PhysicalResourceID != "":
			stacks, err := liveStacks(tx)
			if err != nil {
				return err
			}
			for _, c := range stacks {
				for _, r := range c.Resources {
					if r.PhysicalID == in.PhysicalResourceID {
						st = c
					}
				}
			}
			if st == nil {
				return validation("Stack for %s does not exist", in.PhysicalResourceID)
			}
		default:
			return validation("Either StackName or PhysicalResourceId must be specified.")
		}
		for _, r := range st.Resources {
			if in.LogicalResourceID != "" && r.LogicalID != in.LogicalResourceID {
				continue
			}
			out.StackResources = append(out.StackResources, StackResource{StackName: st.Name, StackID: st.ID,
				LogicalResourceID: r.LogicalID, PhysicalResourceID: r.PhysicalID, ResourceType: r.Type,
				Timestamp: timestamp(r.Updated), ResourceStatus: r.Status, ResourceStatusReason: r.Reason, DriftStatus: "NOT_CHECKED"})
		}
		return nil
	})
	return out, err
}

// ListStackResources summarises a stack's resources.
func (s *Service) ListStackResources(ctx context.Context, in *ListStackResourcesInput) (*ListStackResourcesOutput, error) {
	out := &ListStackResourcesOutput{StackResourceSummaries: []StackResourceSummary{}}
	err := s.view(scopeOf(ctx), func(tx model.Tx) error {
		st, err := findStack(tx, in.StackName)
		if err != nil {
			return err
		}
		for _, r := range st.Resources {
			out.StackResourceSummaries = append(out.StackResourceSummaries, StackResourceSummary{LogicalResourceID: r.LogicalID,
				PhysicalResourceID: r.PhysicalID, ResourceType: r.Type, LastUpdatedTimestamp: timestamp(r.Updated),
				ResourceStatus: r.Status, ResourceStatusReason: r.Reason, DriftStatus: "NOT_CHECKED"})
		}
		return nil
	})
	return out, err
}

// GetTemplate returns a stack's template, or a change set's.
func (s *Service) GetTemplate(ctx context.Context, in *GetTemplateInput) (*GetTemplateOutput, error) {
	out := &GetTemplateOutput{StagesAvailable: []string{"Original", "Processed"}}
	err := s.view(scopeOf(ctx), func(tx model.Tx) error {
		if in.ChangeSetName != "" {
			cs, err := findChangeSet(tx, in.ChangeSetName, in.StackName)
			if err != nil {
				return err
			}
			out.TemplateBody = cs.Template
			return nil
		}
		if in.StackName == "" {
			return validation("Either StackName or ChangeSetName must be specified.")
		}
		st, err := findStack(tx, in.StackName)
		if err != nil {
			return err
		}
		out.TemplateBody = st.Template
		return nil
	})
	return out, err
}

// GetTemplateSummary describes a template given or a stack's.
func (s *Service) GetTemplateSummary(ctx context.Context, in *GetTemplateSummaryInput) (*GetTemplateSummaryOutput, error) {
	body := in.TemplateBody
	if in.StackName != "" {
		if err := s.view(scopeOf(ctx), func(tx model.Tx) error {
			st, err := findStack(tx, in.StackName)
			if err == nil {
				body = st.Template
			}
			return err
		}); err != nil {
			return nil, err
		}
	}
	t, info, err := parseTemplate(body, in.TemplateURL)
	if err != nil {
		return nil, err
	}
	out := &GetTemplateSummaryOutput{Parameters: []ParameterDeclaration{}, Description: info.Description, Version: "2010-09-09", ResourceTypes: []string{}}
	for _, p := range info.Params {
		out.Parameters = append(out.Parameters, ParameterDeclaration{ParameterKey: p.Name, DefaultValue: p.Default,
			ParameterType: p.Type, NoEcho: p.NoEcho, Description: p.Description})
	}
	for _, r := range t.Resources {
		if !slices.Contains(out.ResourceTypes, r.Type) {
			out.ResourceTypes = append(out.ResourceTypes, r.Type)
		}
	}
	return out, nil
}

// ValidateTemplate checks a template as CreateStack does before it creates
// anything (its structure, functions, references, properties and cycles;
// not what depends on parameter values) and lists its parameters. No type
// gatehouse deploys needs a capability, and a Transform is refused, so
// Capabilities and DeclaredTransforms are always empty.
func (s *Service) ValidateTemplate(ctx context.Context, in *ValidateTemplateInput) (*ValidateTemplateOutput, error) {
	t, info, err := parseTemplate(in.TemplateBody, in.TemplateURL)
	if err != nil {
		return nil, err
	}
	if _, err := stack.Check(t); err != nil {
		return nil, validation("%s", stack.Message(err))
	}
	out := &ValidateTemplateOutput{Parameters: []TemplateParameter{}, Description: info.Description, DeclaredTransforms: []string{}}
	for _, p := range info.Params {
		out.Parameters = append(out.Parameters, TemplateParameter{ParameterKey: p.Name, DefaultValue: p.Default,
			NoEcho: p.NoEcho, Description: p.Description})
	}
	return out, nil
}

// ContinueUpdateRollback takes a rollback that failed up again; the
// resources to skip are counted as rolled back as they are.
func (s *Service) ContinueUpdateRollback(ctx context.Context, in *ContinueUpdateRollbackInput) (*Empty, error) {
	sc := scopeOf(ctx)
	var id string
	err := s.update(sc, func(tx model.Tx) error {
		st, err := findStack(tx, in.StackName)
		if err != nil {
			return err
		}
		if st.Status != "UPDATE_ROLLBACK_FAILED" {
			return validation("Stack %s is in %s state and can not continue update rollback.", st.ID, st.Status)
		}
		now := s.cfg.Clock.Now()
		var events []model.StackEvent
		for _, name := range in.ResourcesToSkip {
			r := st.Resource(name)
			if r == nil || r.Action != "Modify" {
				return validation("Nested stacks and resources that are not in UPDATE_FAILED state cannot be skipped: %s", name)
			}
			r.Action, r.Prior = "", nil
			r.Status, r.Reason, r.Updated = "UPDATE_COMPLETE", "", now
			events = append(events, model.StackEvent{LogicalID: r.LogicalID, PhysicalID: r.PhysicalID, Type: r.Type,
				Status: "UPDATE_COMPLETE", Reason: "Resource skipped during UpdateRollback", Time: now})
		}
		st.Status, st.StatusReason = "UPDATE_ROLLBACK_IN_PROGRESS", ""
		id = st.ID
		return putStack(tx, st, append(events, stackEvent(st, st.Status, "User Initiated", now))...)
	})
	if err != nil {
		return nil, err
	}
	s.begin(ctx, sc, id)
	return &Empty{}, nil
}

type CancelUpdateStackInput struct {
	StackName string `query:"StackName,required"`
}

// CancelUpdateStack stops an update under way before its next step and
// rolls it back.
func (s *Service) CancelUpdateStack(ctx context.Context, in *CancelUpdateStackInput) (*Empty, error) {
	err := s.update(scopeOf(ctx), func(tx model.Tx) error {
		st, err := findStack(tx, in.StackName)
		if err != nil {
			return err
		}
		if st.Status != "UPDATE_IN_PROGRESS" {
			return validation("CancelUpdateStack cannot be called from current stack status")
		}
		st.CancelRequested = true
		return putStack(tx, st)
	})
	return &Empty{}, err
}
