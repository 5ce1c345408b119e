package cloudformation

import (
	"slices"

	"gatehouse/internal/model"
	"gatehouse/internal/stack"
)

// An update walks the new template in order: a resource it adds is
// created (Action Add); one whose properties changed is updated in place
// (Modify) or, when a create-only property changed, replaced: the new one
// is made first and the old kept as Prior until the cleanup deletes it
// (Replace). Resources the template no longer has are deleted in the
// cleanup too. A failure rolls back: Modify restores the prior
// properties, Replace keeps the old resource and gives up the new one,
// Add deletes what was added.

// nameProps are the properties that name a resource where a name must be
// unique: a resource named by its template cannot be replaced under the
// same name.
var nameProps = map[string]string{
	"AWS::ElasticLoadBalancingV2::LoadBalancer":  "Name",
	"AWS::ElasticLoadBalancingV2::TargetGroup":   "Name",
	"AWS::EC2::SecurityGroup":                    "GroupName",
	"AWS::ServiceDiscovery::Service":             "Name",
	"AWS::ServiceDiscovery::PrivateDnsNamespace": "Name",
	"AWS::ServiceDiscovery::HttpNamespace":       "Name",
}

func (e *engine) update(sc model.Scope, st *model.Stack, p stack.Provisioner) bool {
	fail := func(reason string) bool {
		_, err := e.commit(sc, st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
			st.CancelRequested = false
			return e.setStatus(st, "UPDATE_ROLLBACK_IN_PROGRESS", reason), nil
		})
		return err == nil
	}
	inst, imports, err := e.s.instantiate(e.ctx, sc, st, st.StackConfig, p)
	if err != nil {
		if e.stopping() {
			return false
		}
		return fail(err.Error())
	}
	have := map[string]stack.Created{}
	for _, r := range inst.Resources {
		if e.stopping() {
			return false
		}
		if st = e.reload(sc, st); st.CancelRequested {
			return fail("User Initiated")
		}
		rec := st.Resource(r.Name)
		if rec != nil && rec.Action != "" {
			// Done already, before the worker had to look again.
			have[r.Name] = created(rec.StackResourceState)
			continue
		}
		props, perr := inst.Properties(r, have)
		if perr != nil {
			return fail(perr.Error())
		}
		if rec == nil {
			ok, failed := e.add(sc, st, p, r, props)
			if !ok {
				return false
			}
			if failed {
				return fail("The following resource(s) failed to create: [" + r.Name + "].")
			}
			st = e.reload(sc, st)
			have[r.Name] = created(st.Resource(r.Name).StackResourceState)
			continue
		}
		changed, replace := stack.Diff(r.Type, rec.Props, props)
		if len(changed) == 0 {
			have[r.Name] = created(rec.StackResourceState)
			if rec.DeletionPolicy != r.DeletionPolicy || rec.UpdateReplacePolicy != r.UpdateReplacePolicy {
				e.setResource(sc, st.ID, r.Name, func(tx model.Tx, st *model.Stack, rec *model.StackResource) (model.StackEvent, error) {
					rec.DeletionPolicy, rec.UpdateReplacePolicy = r.DeletionPolicy, r.UpdateReplacePolicy
					return model.StackEvent{}, nil
				})
			}
			continue
		}
		if replace {
			if prop, ok := nameProps[r.Type]; ok && props[prop] != nil && stack.Same(rec.Props[prop], props[prop]) {
				name, _ := stack.String(props[prop])
				reason := "CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename " + name + " and update the stack again."
				e.setResource(sc, st.ID, r.Name, func(tx model.Tx, st *model.Stack, rec *model.StackResource) (model.StackEvent, error) {
					return e.mark(rec, "UPDATE_FAILED", reason), nil
				})
				return fail("The following resource(s) failed to update: [" + r.Name + "].")
			}
		}
		ok, failed := e.modify(sc, st, p, r, rec, props, replace)
		if !ok {
			return false
		}
		if failed {
			verb := "update"
			if replace {
				verb = "create"
			}
			return fail("The following resource(s) failed to " + verb + ": [" + r.Name + "].")
		}
		st = e.reload(sc, st)
		have[r.Name] = created(st.Resource(r.Name).StackResourceState)
	}
	outs, oerr := outputs(inst, have)
	if oerr != nil {
		return fail(oerr.Error())
	}
	return e.finishUpdate(sc, st.ID, inst, outs, *imports)
}

// finishUpdate publishes the updated stack's outputs, unless an export
// clashes, puts its resources in the template's order and hands what the
// update replaced or dropped to the cleanup.
func (e *engine) finishUpdate(sc model.Scope, id string, inst *stack.Instance, outs []model.StackOutput, imports []string) bool {
	order := map[string]int{}
	for i, r := range inst.Resources {
		order[r.Name] = i
	}
	_, err := e.commit(sc, id, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
		var old []model.StackOutput
		if st.Previous != nil {
			old = st.Previous.Outputs
		}
		conflict, err := exportConflict(tx, st, old, outs)
		if err != nil || conflict != "" {
			return e.setStatus(st, "UPDATE_ROLLBACK_IN_PROGRESS", conflict), err
		}
		// The template's order from now on; what it dropped goes last, in
		// the order it had, to be deleted in the cleanup.
		var kept, removed []*model.StackResource
		for _, r := range st.Resources {
			if _, ok := order[r.LogicalID]; ok {
				kept = append(kept, r)
			} else {
				r.Action = "Remove"
				removed = append(removed, r)
			}
		}
		slices.SortStableFunc(kept, func(a, b *model.StackResource) int { return order[a.LogicalID] - order[b.LogicalID] })
		st.Resources = append(kept, removed...)
		st.Outputs, st.Imports = outs, imports
		st.CancelRequested = false // too late: every step is done
		return e.setStatus(st, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", ""), nil
	})
	return err == nil
}

// reload reads the stack again after steps wrote it.
func (e *engine) reload(sc model.Scope, st *model.Stack) *model.Stack {
	var out *model.Stack
	if e.s.view(sc, func(tx model.Tx) error {
		var err error
		out, err = findStack(tx, st.ID)
		return err
	}) != nil {
		return st
	}
	return out
}

// add creates a resource the update adds. It reports whether it could
// write, and whether the creation failed.
func (e *engine) add(sc model.Scope, st *model.Stack, p stack.Provisioner, r *stack.Resource, props map[string]any) (bool, bool) {
	rec := &model.StackResource{LogicalID: r.Name, Type: r.Type, DeletionPolicy: r.DeletionPolicy,
		UpdateReplacePolicy: r.UpdateReplacePolicy, Action: "Add", StackResourceState: model.StackResourceState{Props: props}}
	if _, err := e.commit(sc, st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
		st.Resources = append(st.Resources, rec)
		return []model.StackEvent{e.mark(rec, "CREATE_IN_PROGRESS", "")}, nil
	}); err != nil {
		return false, false
	}
	c, cerr := p.Create(e.ctx, target(st, r.Name, r.Type), props)
	if cerr != nil && e.stopping() {
		return false, false
	}
	_, err := e.setResource(sc, st.ID, r.Name, func(tx model.Tx, st *model.Stack, rec *model.StackResource) (model.StackEvent, error) {
		if cerr != nil {
			return e.mark(rec, "CREATE_FAILED", failure(cerr)), nil
		}
		rec.PhysicalID, rec.Attrs = c.Ref, c.Attrs
		return e.mark(rec, "CREATE_COMPLETE", ""), nil
	})
	return err == nil, cerr != nil
}

// modify updates a resource in place, or replaces it.
func (e *engine) modify(sc model.Scope, st *model.Stack, p stack.Provisioner, r *stack.Resource, rec *model.StackResource, props map[string]any, replace bool) (bool, bool) {
	prior := rec.StackResourceState
	action, reason := "Modify", ""
	if replace {
		action = "Replace"
		reason = "Requested update requires the creation of a new physical resource; hence creating one."
	}
	if _, err := e.setResource(sc, st.ID, r.Name, func(tx model.Tx, st *model.Stack, rec *model.StackResource) (model.StackEvent, error) {
		rec.Action, rec.Prior = action, &prior
		rec.DeletionPolicy, rec.UpdateReplacePolicy = r.DeletionPolicy, r.UpdateReplacePolicy
		rec.Props = props
		if replace {
			rec.PhysicalID, rec.Attrs = "", nil
		}
		ev := e.mark(rec, "UPDATE_IN_PROGRESS", reason)
		ev.PhysicalID = prior.PhysicalID
		return ev, nil
	}); err != nil {
		return false, false
	}
	t := target(st, r.Name, r.Type)
	var c stack.Created
	var cerr error
	if replace {
		c, cerr = p.Create(e.ctx, t, props)
	} else {
		c, cerr = p.Update(e.ctx, t, created(prior), prior.Props, props)
	}
	if cerr != nil && e.stopping() {
		return false, false
	}
	_, err := e.setResource(sc, st.ID, r.Name, func(tx model.Tx, st *model.Stack, rec *model.StackResource) (model.StackEvent, error) {
		if cerr != nil {
			if !replace {
				rec.PhysicalID = prior.PhysicalID
			}
			return e.mark(rec, "UPDATE_FAILED", failure(cerr)), nil
		}
		rec.PhysicalID, rec.Attrs = c.Ref, c.Attrs
		if rec.PhysicalID == "" {
			rec.PhysicalID = prior.PhysicalID
		}
		return e.mark(rec, "UPDATE_COMPLETE", ""), nil
	})
	return err == nil, cerr != nil
}

// cleanup deletes what a successful update replaced or dropped. A failure
// here is recorded and passed over, as AWS does: the update stands.
func (e *engine) cleanup(sc model.Scope, st *model.Stack, p stack.Provisioner) bool {
	for i := len(st.Resources) - 1; i >= 0; i-- {
		r := st.Resources[i]
		switch {
		case r.Action == "Replace" && r.Prior != nil:
			if r.UpdateReplacePolicy == "Retain" {
				if _, err := e.setResource(sc, st.ID, r.LogicalID, func(tx model.Tx, st *model.Stack, r *model.StackResource) (model.StackEvent, error) {
					return e.event(r, r.Prior.PhysicalID, "DELETE_SKIPPED", ""), nil
				}); err != nil {
					return false
				}
			} else if _, ok := e.deleteOne(sc, st, p, r, *r.Prior, ""); !ok {
				return false
			}
			if _, err := e.setResource(sc, st.ID, r.LogicalID, func(tx model.Tx, st *model.Stack, r *model.StackResource) (model.StackEvent, error) {
				r.Action, r.Prior = "", nil
				return model.StackEvent{}, nil
			}); err != nil {
				return false
			}
		case r.Action == "Remove":
			if retained(r, false) {
				if _, err := e.setResource(sc, st.ID, r.LogicalID, func(tx model.Tx, st *model.Stack, r *model.StackResource) (model.StackEvent, error) {
					return e.mark(r, "DELETE_SKIPPED", ""), nil
				}); err != nil {
					return false
				}
			} else if _, ok := e.deleteOne(sc, st, p, r, r.StackResourceState, ""); !ok {
				return false
			}
			if !e.drop(sc, st.ID, r.LogicalID) {
				return false
			}
		}
	}
	_, err := e.commit(sc, st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
		for _, r := range st.Resources {
			r.Action, r.Prior, r.Discard = "", nil, nil
		}
		st.Previous = nil
		return e.setStatus(st, "UPDATE_COMPLETE", ""), nil
	})
	return err == nil
}

// drop removes a resource's record once it is deleted or left behind.
func (e *engine) drop(sc model.Scope, id, logicalID string) bool {
	_, err := e.commit(sc, id, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
		st.Resources = slices.DeleteFunc(st.Resources, func(r *model.StackResource) bool { return r.LogicalID == logicalID })
		return nil, nil
	})
	return err == nil
}

// rollbackUpdate puts back what a failed update changed, last changed
// first: prior properties for an update in place, the old resource for a
// replacement. What it added or made new is deleted in the cleanup after.
func (e *engine) rollbackUpdate(sc model.Scope, st *model.Stack, p stack.Provisioner) bool {
	for i := len(st.Resources) - 1; i >= 0; i-- {
		r := st.Resources[i]
		switch r.Action {
		case "Modify":
			prior := *r.Prior
			if _, err := e.setResource(sc, st.ID, r.LogicalID, func(tx model.Tx, st *model.Stack, r *model.StackResource) (model.StackEvent, error) {
				return e.mark(r, "UPDATE_IN_PROGRESS", ""), nil
			}); err != nil {
				return false
			}
			c, uerr := p.Update(e.ctx, target(st, r.LogicalID, r.Type), created(r.StackResourceState), r.Props, prior.Props)
			if uerr != nil && e.stopping() {
				return false
			}
			_, err := e.setResource(sc, st.ID, r.LogicalID, func(tx model.Tx, st *model.Stack, r *model.StackResource) (model.StackEvent, error) {
				if uerr != nil {
					return e.mark(r, "UPDATE_FAILED", failure(uerr)), nil
				}
				r.StackResourceState = prior
				if c.Ref != "" {
					r.PhysicalID, r.Attrs = c.Ref, c.Attrs
				}
				r.Action, r.Prior = "", nil
				return e.mark(r, "UPDATE_COMPLETE", ""), nil
			})
			if err != nil {
				return false
			}
			if uerr != nil {
				e.commit(sc, st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
					return e.setStatus(st, "UPDATE_ROLLBACK_FAILED", "The following resource(s) failed to update: ["+r.LogicalID+"]."), nil
				})
				return false
			}
		case "Replace":
			if _, err := e.setResource(sc, st.ID, r.LogicalID, func(tx model.Tx, st *model.Stack, r *model.StackResource) (model.StackEvent, error) {
				discard := r.StackResourceState
				r.Discard = &discard
				r.StackResourceState = *r.Prior
				r.Action, r.Prior = "", nil
				return e.mark(r, "UPDATE_COMPLETE", ""), nil
			}); err != nil {
				return false
			}
		}
	}
	_, err := e.commit(sc, st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
		if prev := st.Previous; prev != nil {
			st.StackConfig, st.Description, st.Outputs, st.Imports = prev.StackConfig, prev.Description, prev.Outputs, prev.Imports
		}
		return e.setStatus(st, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", ""), nil
	})
	return err == nil
}

// rollbackCleanup deletes what a rolled back update added or made new.
func (e *engine) rollbackCleanup(sc model.Scope, st *model.Stack, p stack.Provisioner) bool {
	for i := len(st.Resources) - 1; i >= 0; i-- {
		r := st.Resources[i]
		switch {
		case r.Action == "Add":
			if retained(r, true) && r.PhysicalID != "" {
				if _, err := e.setResource(sc, st.ID, r.LogicalID, func(tx model.Tx, st *model.Stack, r *model.StackResource) (model.StackEvent, error) {
					return e.mark(r, "DELETE_SKIPPED", ""), nil
				}); err != nil {
					return false
				}
			} else if _, ok := e.deleteOne(sc, st, p, r, r.StackResourceState, ""); !ok {
				return false
			}
			if !e.drop(sc, st.ID, r.LogicalID) {
				return false
			}
		case r.Discard != nil:
			if _, ok := e.deleteOne(sc, st, p, r, *r.Discard, r.PhysicalID); !ok {
				return false
			}
			if _, err := e.setResource(sc, st.ID, r.LogicalID, func(tx model.Tx, st *model.Stack, r *model.StackResource) (model.StackEvent, error) {
				r.Discard = nil
				return model.StackEvent{}, nil
			}); err != nil {
				return false
			}
		}
	}
	_, err := e.commit(sc, st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
		st.Previous = nil
		return e.setStatus(st, "UPDATE_ROLLBACK_COMPLETE", ""), nil
	})
	return err == nil
}
