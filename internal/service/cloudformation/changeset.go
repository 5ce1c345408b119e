package cloudformation

import (
	"context"
	"strings"

	"gatehouse/internal/model"
	"gatehouse/internal/stack"
)

// A change set is an update planned with stack.Plan, the function the
// update itself runs, so what it lists is what executing it does. The plan
// is made when the change set is created: it is CREATE_COMPLETE (or
// FAILED) as soon as CreateChangeSet answers.

const noChanges = "The submitted information didn't contain changes. Submit different information to create a change set."

// CreateChangeSet plans a stack's creation (CREATE: the stack appears in
// REVIEW_IN_PROGRESS) or an update.
func (s *Service) CreateChangeSet(ctx context.Context, in *CreateChangeSetInput) (*CreateChangeSetOutput, error) {
	sc := scopeOf(ctx)
	if err := checkName("changeSetName", in.ChangeSetName); err != nil {
		return nil, err
	}
	if err := checkName("stackName", in.StackName); err != nil {
		return nil, err
	}
	typ := in.ChangeSetType
	switch typ {
	case "":
		typ = "UPDATE"
	case "CREATE", "UPDATE":
	case "IMPORT":
		return nil, validation("ChangeSetType IMPORT is not supported by gatehouse.")
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'changeSetType' failed to satisfy constraint: Member must satisfy enum value set: [UPDATE, IMPORT, CREATE]", typ)
	}
	var st *model.Stack
	if err := s.view(sc, func(tx model.Tx) error {
		st, _ = findStack(tx, in.StackName)
		return nil
	}); err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now()
	cs := &model.ChangeSet{ID: changeSetARN(sc, in.ChangeSetName), Name: in.ChangeSetName, Type: typ,
		Description: in.Description, Created: now, Status: "CREATE_COMPLETE", ExecutionStatus: "AVAILABLE"}
	newStack := false
	switch {
	case typ == "CREATE" && st != nil && st.Status != "REVIEW_IN_PROGRESS":
		return nil, validation("Stack [%s] already exists and cannot be created again with the changeSet [%s].", in.StackName, in.ChangeSetName)
	case typ == "CREATE" && st == nil:
		newStack = true
		st = &model.Stack{ID: stackARN(sc, in.StackName), Name: in.StackName, Created: now, Status: "REVIEW_IN_PROGRESS"}
	case typ == "UPDATE" && st == nil:
		return nil, stackNotFound(in.StackName)
	case typ == "UPDATE" && !updatable[st.Status]:
		return nil, cannotUpdate(st.ID, st.Status)
	}
	cs.StackID, cs.StackName = st.ID, st.Name
	if typ == "CREATE" {
		_, info, err := parseTemplate(in.TemplateBody, in.TemplateURL)
		if err != nil {
			return nil, err
		}
		params, err := resolveParams(info, in.Parameters, nil)
		if err != nil {
			return nil, err
		}
		var arns []string
		if in.NotificationARNs != nil {
			arns = *in.NotificationARNs
		}
		if err := checkNotificationARNs(arns); err != nil {
			return nil, err
		}
		cs.StackConfig = model.StackConfig{Template: in.TemplateBody, Parameters: params, Tags: tags(in.Tags), Capabilities: in.Capabilities,
			NotificationARNs: arns}
		inst, _, err := s.instantiate(ctx, sc, st, cs.StackConfig, s.cfg.Provisioner(sc.Account, sc.Region))
		if err != nil {
			cs.Status, cs.StatusReason, cs.ExecutionStatus = "FAILED", err.Error(), "UNAVAILABLE"
		} else {
			for _, r := range inst.Resources {
				cs.Changes = append(cs.Changes, model.ResourceChange{Action: "Add", LogicalID: r.Name, Type: r.Type})
			}
		}
	} else {
		p, err := s.propose(ctx, sc, st, updateRequest{body: in.TemplateBody, url: in.TemplateURL, usePrevious: in.UsePreviousTemplate,
			params: in.Parameters, tags: in.Tags, caps: in.Capabilities, arns: in.NotificationARNs})
		if err != nil {
			return nil, err
		}
		cs.StackConfig = p.cfg
		cs.Changes = changes(st, p.plan)
		if p.same {
			cs.Status, cs.StatusReason, cs.ExecutionStatus = "FAILED", noChanges, "UNAVAILABLE"
		}
	}
	err := s.update(sc, func(tx model.Tx) error {
		cur, err := findStack(tx, in.StackName)
		switch {
		case newStack && err == nil:
			// Another call made it meanwhile: plan against that one.
			if cur.Status != "REVIEW_IN_PROGRESS" {
				return validation("Stack [%s] already exists and cannot be created again with the changeSet [%s].", in.StackName, in.ChangeSetName)
			}
			cs.StackID = cur.ID
		case newStack:
			if err := putStack(tx, st, stackEvent(st, "REVIEW_IN_PROGRESS", "User Initiated", now)); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		if old, err := findChangeSet(tx, in.ChangeSetName, cs.StackID); err == nil && !executed(old) {
			return changeSetExists(in.ChangeSetName)
		}
		return model.Put(tx, cs)
	})
	if err != nil {
		return nil, err
	}
	return &CreateChangeSetOutput{ID: cs.ID, StackID: cs.StackID}, nil
}

// changes renders a plan as the change set's entries.
func changes(st *model.Stack, plan []stack.Change) []model.ResourceChange {
	var out []model.ResourceChange
	for _, c := range plan {
		rc := model.ResourceChange{Action: c.Action, LogicalID: c.LogicalID, Type: c.Type}
		if r := st.Resource(c.LogicalID); r != nil {
			rc.PhysicalID = r.PhysicalID
		}
		if c.Action == "Modify" {
			rc.Replacement, rc.Scope = c.Replacement, c.Scope()
			for _, d := range c.Details {
				cd := model.ChangeDetail{Name: d.Property, RequiresRecreation: d.Recreation, Evaluation: "Static",
					ChangeSource: d.Source, CausingEntity: d.Causing}
				if d.Dynamic {
					cd.Evaluation = "Dynamic"
				}
				if d.Property == "*" {
					cd.Name = ""
				}
				rc.Details = append(rc.Details, cd)
			}
		}
		out = append(out, rc)
	}
	return out
}

// findChangeSet finds a change set by id, or by name within a stack
// named by name or id.
func findChangeSet(tx model.Tx, name, stackName string) (*model.ChangeSet, error) {
	if strings.HasPrefix(name, "arn:") {
		cs, ok, err := model.Get[model.ChangeSet](tx, name)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, changeSetNotFound(name)
		}
		return cs, nil
	}
	if stackName == "" {
		return nil, validation("StackName must be specified if ChangeSetName is not specified as an ARN.")
	}
	st, err := findStack(tx, stackName)
	if err != nil {
		return nil, changeSetNotFound(name)
	}
	// A name is the stack's live change set's; an executed one, which AWS
	// takes off the stack, gives way to a new one of the same name (the
	// CLI's deploy names its change sets by the second).
	var found *model.ChangeSet
	err = model.Scan(tx, "", func(cs *model.ChangeSet) bool {
		if cs.StackID == st.ID && cs.Name == name {
			found = cs
			return executed(cs)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, changeSetNotFound(name)
	}
	return found, nil
}

// deleteChangeSets deletes a stack's change sets but keep.
func deleteChangeSets(tx model.Tx, stackID, keep string) error {
	all, err := model.List[model.ChangeSet](tx)
	if err != nil {
		return err
	}
	for _, cs := range all {
		if cs.StackID == stackID && cs.ID != keep {
			if err := model.Delete(tx, cs); err != nil {
				return err
			}
		}
	}
	return nil
}

// obsolete marks the stack's executable change sets OBSOLETE: an update
// not made through one of them changed what they were planned against.
func obsolete(tx model.Tx, stackID string) error {
	all, err := model.List[model.ChangeSet](tx)
	if err != nil {
		return err
	}
	for _, cs := range all {
		if cs.StackID == stackID && cs.ExecutionStatus == "AVAILABLE" {
			cs.ExecutionStatus = "OBSOLETE"
			if err := model.Put(tx, cs); err != nil {
				return err
			}
		}
	}
	return nil
}

// DescribeChangeSet describes a change set and its changes.
func (s *Service) DescribeChangeSet(ctx context.Context, in *DescribeChangeSetInput) (*DescribeChangeSetOutput, error) {
	var out *DescribeChangeSetOutput
	err := s.view(scopeOf(ctx), func(tx model.Tx) error {
		cs, err := findChangeSet(tx, in.ChangeSetName, in.StackName)
		if err != nil {
			return err
		}
		out = &DescribeChangeSetOutput{ChangeSetName: cs.Name, ChangeSetID: cs.ID, StackID: cs.StackID, StackName: cs.StackName,
			Description: cs.Description, Parameters: parameters(cs.Parameters), CreationTime: timestamp(cs.Created),
			ExecutionStatus: cs.ExecutionStatus, Status: cs.Status, StatusReason: cs.StatusReason,
			NotificationARNs: cs.NotificationARNs, Capabilities: cs.Capabilities, Tags: tagList(cs.Tags), Changes: []Change{}}
		for _, c := range cs.Changes {
			rc := ResourceChange{Action: c.Action, LogicalResourceID: c.LogicalID, PhysicalResourceID: c.PhysicalID,
				ResourceType: c.Type, Replacement: c.Replacement, Scope: c.Scope, Details: []ChangeDetail{}}
			if rc.Scope == nil {
				rc.Scope = []string{}
			}
			for _, d := range c.Details {
				rc.Details = append(rc.Details, ChangeDetail{Target: ChangeTarget{Attribute: "Properties", Name: d.Name,
					RequiresRecreation: d.RequiresRecreation}, Evaluation: d.Evaluation, ChangeSource: d.ChangeSource,
					CausingEntity: d.CausingEntity})
			}
			out.Changes = append(out.Changes, Change{Type: "Resource", ResourceChange: rc})
		}
		return nil
	})
	return out, err
}

// ExecuteChangeSet starts the creation or update a change set planned.
func (s *Service) ExecuteChangeSet(ctx context.Context, in *ExecuteChangeSetInput) (*Empty, error) {
	sc := scopeOf(ctx)
	var stackID string
	err := s.update(sc, func(tx model.Tx) error {
		cs, err := findChangeSet(tx, in.ChangeSetName, in.StackName)
		if err != nil {
			return err
		}
		if cs.Status != "CREATE_COMPLETE" || cs.ExecutionStatus != "AVAILABLE" {
			return invalidChangeSetStatus("ChangeSet [%s] cannot be executed in its current execution status of [%s]", cs.ID, cs.ExecutionStatus)
		}
		st, err := findStack(tx, cs.StackID)
		if err != nil {
			return err
		}
		now := s.cfg.Clock.Now()
		switch cs.Type {
		case "CREATE":
			if st.Status != "REVIEW_IN_PROGRESS" {
				return invalidChangeSetStatus("ChangeSet [%s] cannot be executed in its current execution status of [%s]", cs.ID, "OBSOLETE")
			}
			st.StackConfig, st.Description = cs.StackConfig, templateDescription(cs.Template)
			if in.DisableRollback != nil {
				st.DisableRollback = *in.DisableRollback
			}
			st.Status, st.ChangeSetID = "CREATE_IN_PROGRESS", cs.ID
			if err := putStack(tx, st, stackEvent(st, st.Status, "User Initiated", now)); err != nil {
				return err
			}
		default:
			if !updatable[st.Status] {
				return cannotUpdate(st.ID, st.Status)
			}
			st.Previous = &model.StackGeneration{StackConfig: st.StackConfig, Description: st.Description, Outputs: st.Outputs, Imports: st.Imports}
			st.StackConfig, st.Description = cs.StackConfig, templateDescription(cs.Template)
			st.Updated, st.ChangeSetID = now, cs.ID
			st.Status, st.StatusReason = "UPDATE_IN_PROGRESS", ""
			if err := putStack(tx, st, stackEvent(st, st.Status, "User Initiated", now)); err != nil {
				return err
			}
		}
		cs.ExecutionStatus = "EXECUTE_IN_PROGRESS"
		stackID = st.ID
		if err := deleteChangeSets(tx, st.ID, cs.ID); err != nil {
			return err
		}
		return model.Put(tx, cs)
	})
	if err != nil {
		return nil, err
	}
	s.begin(ctx, sc, stackID)
	return &Empty{}, nil
}

// finishChangeSet records how the execution of the stack's change set
// ended, once its operation is over.
func finishChangeSet(tx model.Tx, st *model.Stack) error {
	if st.ChangeSetID == "" || inProgress(st.Status) {
		return nil
	}
	cs, ok, err := model.Get[model.ChangeSet](tx, st.ChangeSetID)
	if err != nil || !ok || cs.ExecutionStatus != "EXECUTE_IN_PROGRESS" {
		return err
	}
	cs.ExecutionStatus = "EXECUTE_COMPLETE"
	if st.Status != "CREATE_COMPLETE" && st.Status != "UPDATE_COMPLETE" {
		cs.ExecutionStatus = "EXECUTE_FAILED"
	}
	return model.Put(tx, cs)
}

// DeleteChangeSet deletes a change set not being executed.
func (s *Service) DeleteChangeSet(ctx context.Context, in *DeleteChangeSetInput) (*Empty, error) {
	err := s.update(scopeOf(ctx), func(tx model.Tx) error {
		cs, err := findChangeSet(tx, in.ChangeSetName, in.StackName)
		if err != nil {
			return err
		}
		if cs.ExecutionStatus == "EXECUTE_IN_PROGRESS" {
			return invalidChangeSetStatus("Cannot delete ChangeSet in status %s", cs.ExecutionStatus)
		}
		return model.Delete(tx, cs)
	})
	return &Empty{}, err
}

// ListChangeSets lists a stack's change sets.
func (s *Service) ListChangeSets(ctx context.Context, in *ListChangeSetsInput) (*ListChangeSetsOutput, error) {
	out := &ListChangeSetsOutput{Summaries: []ChangeSetSummary{}}
	err := s.view(scopeOf(ctx), func(tx model.Tx) error {
		st, err := findStack(tx, in.StackName)
		if err != nil {
			return err
		}
		all, err := model.List[model.ChangeSet](tx)
		for _, cs := range all {
			if cs.StackID == st.ID {
				out.Summaries = append(out.Summaries, ChangeSetSummary{StackID: cs.StackID, StackName: cs.StackName,
					ChangeSetID: cs.ID, ChangeSetName: cs.Name, ExecutionStatus: cs.ExecutionStatus, Status: cs.Status,
					StatusReason: cs.StatusReason, CreationTime: timestamp(cs.Created), Description: cs.Description})
			}
		}
		return err
	})
	return out, err
}

// templateDescription is a stored template's Description.
func templateDescription(body string) string {
	t, err := stack.Parse("template", []byte(body))
	if err != nil {
		return ""
	}
	return t.Description
}

// executed says whether a change set has run, successfully or not.
func executed(cs *model.ChangeSet) bool {
	return cs.ExecutionStatus == "EXECUTE_COMPLETE" || cs.ExecutionStatus == "EXECUTE_FAILED"
}
