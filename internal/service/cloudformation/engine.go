package cloudformation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"gatehouse/internal/model"
	"gatehouse/internal/stack"
	"gatehouse/internal/store"
)

// engine runs stack operations: one worker per stack with an operation
// under way, each a loop that reads the stack's status and does the next
// step of it. A step is written before it is taken (a resource
// CREATE_IN_PROGRESS) and after (CREATE_COMPLETE with its physical id),
// each write with its event, so the status alone says where to carry on.
type engine struct {
	s      *Service
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	workers map[string]*worker // by stack id
	stopped bool
}

type worker struct {
	// again asks the worker to look at its stack once more before it
	// ends: a call changed the stack while the worker was finishing.
	again bool
	done  chan struct{}
}

func newEngine(s *Service) *engine {
	ctx, cancel := context.WithCancel(context.Background())
	return &engine{s: s, ctx: ctx, cancel: cancel, workers: map[string]*worker{}}
}

// start makes sure a worker drives the stack; the channel closes when no
// worker does any more.
func (e *engine) start(sc model.Scope, id string) <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		done := make(chan struct{})
		close(done)
		return done
	}
	if w := e.workers[id]; w != nil {
		w.again = true
		return w.done
	}
	w := &worker{done: make(chan struct{})}
	e.workers[id] = w
	e.wg.Add(1)
	go e.run(sc, id, w)
	return w.done
}

func (e *engine) run(sc model.Scope, id string, w *worker) {
	defer e.wg.Done()
	for {
		e.drive(sc, id)
		e.mu.Lock()
		if w.again && e.ctx.Err() == nil {
			w.again = false
			e.mu.Unlock()
			continue
		}
		delete(e.workers, id)
		close(w.done)
		e.mu.Unlock()
		return
	}
}

// stop cancels the workers' calls and waits for them to end. Nothing is
// recorded as failed: the next resume carries on.
func (e *engine) stop() {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	e.cancel()
	e.wg.Wait()
}

// resume starts a worker for every stack with an operation under way. An
// interrupted create or update cannot know what its last call did, so it
// rolls back; deletes, rollbacks and cleanups carry on where they were.
func (e *engine) resume() error {
	type found struct {
		sc model.Scope
		st *model.Stack
	}
	var todo []found
	err := e.s.cfg.Store.View(func(tx store.Tx) error {
		return tx.List("/", func(key string, val []byte) error {
			if model.KindOf(key) != (model.Stack{}).Kind() {
				return nil
			}
			st := new(model.Stack)
			if err := json.Unmarshal(val, st); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			if inProgress(st.Status) && st.Status != "REVIEW_IN_PROGRESS" || st.DeleteRequested {
				todo = append(todo, found{model.ScopeOf(key), st})
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	const why = "The operation was interrupted by a restart of gatehouse."
	for _, f := range todo {
		_, err := e.commit(f.sc, f.st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
			switch st.Status {
			case "CREATE_IN_PROGRESS":
				return e.createFailed(st, why), nil
			case "UPDATE_IN_PROGRESS":
				return e.setStatus(st, "UPDATE_ROLLBACK_IN_PROGRESS", why), nil
			}
			return nil, nil
		})
		if err != nil {
			return err
		}
		e.s.cfg.Log.Info("resuming stack operation", "stack", f.st.ID, "status", f.st.Status)
		e.start(f.sc, f.st.ID)
	}
	return nil
}

// drive takes steps until the stack's operation is over.
func (e *engine) drive(sc model.Scope, id string) {
	p := e.s.cfg.Provisioner(sc.Account, sc.Region)
	for e.ctx.Err() == nil {
		var st *model.Stack
		err := e.s.view(sc, func(tx model.Tx) error {
			var err error
			st, err = findStack(tx, id)
			return err
		})
		if err != nil {
			e.s.cfg.Log.Error("reading a stack", "stack", id, "err", err)
			return
		}
		var more bool
		switch st.Status {
		case "CREATE_IN_PROGRESS":
			more = e.create(sc, st, p)
		case "ROLLBACK_IN_PROGRESS":
			more = e.rollback(sc, st, p)
		case "DELETE_IN_PROGRESS":
			more = e.delete(sc, st, p)
		case "UPDATE_IN_PROGRESS":
			more = e.update(sc, st, p)
		case "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS":
			more = e.cleanup(sc, st, p)
		case "UPDATE_ROLLBACK_IN_PROGRESS":
			more = e.rollbackUpdate(sc, st, p)
		case "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS":
			more = e.rollbackCleanup(sc, st, p)
		default:
			if st.DeleteRequested && st.Status != "DELETE_COMPLETE" {
				_, err := e.commit(sc, id, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
					st.DeleteRequested = false
					return e.setStatus(st, "DELETE_IN_PROGRESS", "User Initiated"), nil
				})
				more = err == nil
			}
		}
		if !more {
			return
		}
	}
}

// commit changes the stack in one write with the events fn returns.
func (e *engine) commit(sc model.Scope, id string, fn func(model.Tx, *model.Stack) ([]model.StackEvent, error)) (*model.Stack, error) {
	var out *model.Stack
	err := e.s.update(sc, func(tx model.Tx) error {
		st, err := findStack(tx, id)
		if err != nil {
			return err
		}
		events, err := fn(tx, st)
		if err != nil {
			return err
		}
		if err := finishChangeSet(tx, st); err != nil {
			return err
		}
		out = st
		return putStack(tx, st, events...)
	})
	if err != nil {
		e.s.cfg.Log.Error("writing a stack", "stack", id, "err", err)
	}
	return out, err
}

// setStatus moves the stack to status and returns the event saying so.
func (e *engine) setStatus(st *model.Stack, status, reason string) []model.StackEvent {
	now := e.s.cfg.Clock.Now()
	st.Status, st.StatusReason = status, reason
	e.s.cfg.Log.Info("stack status", "stack", st.Name, "stack_id", st.ID, "status", status, "reason", reason)
	if status == "DELETE_COMPLETE" {
		st.Deleted = now
	}
	return []model.StackEvent{stackEvent(st, status, reason, now)}
}

// createFailed is where a create that failed for reason goes: rolled
// back, left as it is, or deleted, as the stack asked.
func (e *engine) createFailed(st *model.Stack, reason string) []model.StackEvent {
	switch {
	case st.DisableRollback || st.OnFailure == "DO_NOTHING":
		return e.setStatus(st, "CREATE_FAILED", reason)
	case st.OnFailure == "DELETE":
		return e.setStatus(st, "DELETE_IN_PROGRESS", reason)
	}
	return e.setStatus(st, "ROLLBACK_IN_PROGRESS", reason+" Rollback requested by user.")
}

// setResource changes one resource of the stack and records its event.
func (e *engine) setResource(sc model.Scope, id, logicalID string, fn func(tx model.Tx, st *model.Stack, r *model.StackResource) (model.StackEvent, error)) (*model.Stack, error) {
	return e.commit(sc, id, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
		r := st.Resource(logicalID)
		if r == nil {
			return nil, fmt.Errorf("stack %s has no resource %s", st.Name, logicalID)
		}
		ev, err := fn(tx, st, r)
		if err != nil || ev.Status == "" {
			return nil, err
		}
		return []model.StackEvent{ev}, nil
	})
}

// mark sets a resource's status and returns its event.
func (e *engine) mark(r *model.StackResource, status, reason string) model.StackEvent {
	now := e.s.cfg.Clock.Now()
	r.Status, r.Reason, r.Updated = status, reason, now
	return e.event(r, r.PhysicalID, status, reason)
}

func (e *engine) event(r *model.StackResource, physical, status, reason string) model.StackEvent {
	ev := model.StackEvent{LogicalID: r.LogicalID, PhysicalID: physical, Type: r.Type, Status: status, Reason: reason,
		Time: e.s.cfg.Clock.Now()}
	if strings.HasSuffix(status, "_IN_PROGRESS") && r.Props != nil {
		if b, err := json.Marshal(r.Props); err == nil {
			ev.Properties = string(b)
		}
	}
	return ev
}

// target names a resource to the provisioner, with the tags it carries.
func target(st *model.Stack, logicalID, typ string) stack.Target {
	tags := map[string]string{}
	for k, v := range st.Tags {
		tags[k] = v
	}
	tags["aws:cloudformation:stack-name"] = st.Name
	tags["aws:cloudformation:stack-id"] = st.ID
	tags["aws:cloudformation:logical-id"] = logicalID
	return stack.Target{StackName: st.Name, StackID: st.ID, LogicalID: logicalID, Type: typ, Tags: tags}
}

func created(s model.StackResourceState) stack.Created {
	return stack.Created{Ref: s.PhysicalID, Attrs: s.Attrs, Props: s.Props}
}

// made is what the stack's complete resources give Ref and Fn::GetAtt.
func made(st *model.Stack) map[string]stack.Created {
	out := map[string]stack.Created{}
	for _, r := range st.Resources {
		if r.PhysicalID != "" && (strings.HasSuffix(r.Status, "_COMPLETE") && r.Status != "DELETE_COMPLETE") {
			out[r.LogicalID] = created(r.StackResourceState)
		}
	}
	return out
}

// stopping reports whether the engine is stopping: a call that failed then
// failed because of it, and is not the resource's failure. A call that
// succeeded is still recorded, so that nothing made is forgotten.
func (e *engine) stopping() bool { return e.ctx.Err() != nil }

// failure renders a provisioner's error as a resource's status reason.
func failure(err error) string {
	var he interface{ HandlerMessage() string }
	if errors.As(err, &he) {
		return he.HandlerMessage()
	}
	return handlerMessage(err)
}

// create makes the stack's resources in order, then its outputs.
func (e *engine) create(sc model.Scope, st *model.Stack, p stack.Provisioner) bool {
	inst, imports, err := e.s.instantiate(e.ctx, sc, st, st.StackConfig, p)
	if err != nil {
		if e.stopping() {
			return false
		}
		_, err = e.commit(sc, st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
			return e.createFailed(st, err.Error()), nil
		})
		return err == nil
	}
	have := made(st)
	for _, r := range inst.Resources {
		if _, ok := have[r.Name]; ok {
			continue
		}
		if e.stopping() {
			return false
		}
		props, perr := inst.Properties(r, have)
		rec := &model.StackResource{LogicalID: r.Name, Type: r.Type, DeletionPolicy: r.DeletionPolicy,
			UpdateReplacePolicy: r.UpdateReplacePolicy, StackResourceState: model.StackResourceState{Props: props}}
		_, err := e.commit(sc, st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
			st.Resources = append(st.Resources, rec)
			if perr != nil {
				return []model.StackEvent{e.mark(rec, "CREATE_FAILED", perr.Error())}, nil
			}
			return []model.StackEvent{e.mark(rec, "CREATE_IN_PROGRESS", "")}, nil
		})
		if err != nil {
			return false
		}
		if perr != nil {
			return e.failCreate(sc, st.ID, r.Name)
		}
		c, cerr := p.Create(e.ctx, target(st, r.Name, r.Type), props)
		if cerr != nil && e.stopping() {
			return false
		}
		_, err = e.setResource(sc, st.ID, r.Name, func(tx model.Tx, st *model.Stack, rec *model.StackResource) (model.StackEvent, error) {
			if cerr != nil {
				return e.mark(rec, "CREATE_FAILED", failure(cerr)), nil
			}
			rec.PhysicalID, rec.Attrs = c.Ref, c.Attrs
			return e.mark(rec, "CREATE_COMPLETE", ""), nil
		})
		if err != nil {
			return false
		}
		if cerr != nil {
			return e.failCreate(sc, st.ID, r.Name)
		}
		c.Props = props
		have[r.Name] = c
	}
	outs, oerr := outputs(inst, have)
	_, err = e.commit(sc, st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
		if oerr != nil {
			return e.createFailed(st, oerr.Error()), nil
		}
		conflict, err := exportConflict(tx, st, nil, outs)
		if err != nil || conflict != "" {
			return e.createFailed(st, conflict), err
		}
		st.Outputs, st.Imports = outs, *imports
		return e.setStatus(st, "CREATE_COMPLETE", ""), nil
	})
	return err == nil
}

func (e *engine) failCreate(sc model.Scope, id, logicalID string) bool {
	_, err := e.commit(sc, id, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
		return e.createFailed(st, "The following resource(s) failed to create: ["+logicalID+"]."), nil
	})
	return err == nil
}

// outputs resolves the template's outputs with their export names.
func outputs(inst *stack.Instance, made map[string]stack.Created) ([]model.StackOutput, error) {
	outs, err := inst.Outputs(made)
	if err != nil {
		return nil, err
	}
	var out []model.StackOutput
	for _, o := range outs {
		out = append(out, model.StackOutput{Key: o.Name, Value: o.Value, Description: o.Description, ExportName: o.ExportName})
	}
	return out, nil
}

// rollback deletes what a failed create made.
func (e *engine) rollback(sc model.Scope, st *model.Stack, p stack.Provisioner) bool {
	failed, ok := e.deleteAll(sc, st, p, true)
	if !ok {
		return false
	}
	_, err := e.commit(sc, st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
		if len(failed) > 0 {
			return e.setStatus(st, "ROLLBACK_FAILED", failedToDelete(failed)), nil
		}
		if st.OnFailure == "DELETE" {
			return e.setStatus(st, "DELETE_IN_PROGRESS", ""), nil
		}
		return e.setStatus(st, "ROLLBACK_COMPLETE", ""), nil
	})
	return err == nil
}

// delete deletes the stack's resources, unless another stack imports one
// of its exports.
func (e *engine) delete(sc model.Scope, st *model.Stack, p stack.Provisioner) bool {
	var inUse string
	err := e.s.view(sc, func(tx model.Tx) error {
		var err error
		inUse, err = exportConflict(tx, st, st.Outputs, nil)
		return err
	})
	if err != nil {
		return false
	}
	if inUse != "" {
		e.commit(sc, st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
			return e.setStatus(st, "DELETE_FAILED", inUse), nil
		})
		return false
	}
	failed, ok := e.deleteAll(sc, st, p, false)
	if !ok {
		return false
	}
	e.commit(sc, st.ID, func(tx model.Tx, st *model.Stack) ([]model.StackEvent, error) {
		if len(failed) > 0 {
			return e.setStatus(st, "DELETE_FAILED", failedToDelete(failed)), nil
		}
		return e.setStatus(st, "DELETE_COMPLETE", ""), nil
	})
	return false
}

// retained reports whether a resource's DeletionPolicy keeps it when the
// stack lets it go; made says the operation doing so made it, which
// RetainExceptOnCreate does not keep.
func retained(r *model.StackResource, made bool) bool {
	return r.DeletionPolicy == "Retain" || r.DeletionPolicy == "RetainExceptOnCreate" && !made
}

// deleteAll deletes every resource of the stack, last made first, but
// those its DeletionPolicy keeps; creating says a failed create is rolled
// back. A resource that fails to delete does not stop the others, as in
// AWS: what it depends on, directly or not, is still needed and is left as
// it is; everything else goes. It returns the logical ids of the resources
// that failed to delete, and false if it was stopped or could not write.
// Nothing about the failures is kept between calls: a resumed delete tries
// a failed resource again before what it needs, since it was made after.
func (e *engine) deleteAll(sc model.Scope, st *model.Stack, p stack.Provisioner, creating bool) ([]string, bool) {
	deps := stackDependencies(st)
	needed := map[string]bool{}
	var need func(string)
	need = func(name string) {
		for _, d := range deps(name) {
			if !needed[d] {
				needed[d] = true
				need(d)
			}
		}
	}
	var failed []string
	for i := len(st.Resources) - 1; i >= 0; i-- {
		r := st.Resources[i]
		switch {
		case r.Status == "DELETE_COMPLETE" || r.Status == "DELETE_SKIPPED":
			continue
		case needed[r.LogicalID]:
			continue
		}
		if retained(r, creating) && r.PhysicalID != "" {
			if _, err := e.setResource(sc, st.ID, r.LogicalID, func(tx model.Tx, st *model.Stack, r *model.StackResource) (model.StackEvent, error) {
				return e.mark(r, "DELETE_SKIPPED", ""), nil
			}); err != nil {
				return nil, false
			}
			continue
		}
		bad, ok := e.deleteOne(sc, st, p, r, r.StackResourceState, "")
		if !ok {
			return nil, false
		}
		if bad != "" {
			failed = append(failed, bad)
			need(bad)
		}
	}
	return failed, true
}

// stackDependencies answers each resource's direct dependencies in the
// stack's template. A template that cannot be read (never so for one a
// stack was made with) makes every resource depend on all made before it,
// so that a failure keeps everything under it, as a stop would.
func stackDependencies(st *model.Stack) func(string) []string {
	if t, _, err := parseTemplate(st.Template, ""); err == nil {
		if deps, err := stack.Dependencies(t); err == nil {
			return func(name string) []string { return deps[name] }
		}
	}
	return func(name string) []string {
		var out []string
		for _, r := range st.Resources {
			if r.LogicalID == name {
				break
			}
			out = append(out, r.LogicalID)
		}
		return out
	}
}

// failedToDelete is the stack's status reason when resources failed to
// delete.
func failedToDelete(failed []string) string {
	return "The following resource(s) failed to delete: [" + strings.Join(failed, ", ") + "]."
}

// deleteOne deletes one made resource (state) of r and records it: r's
// status follows unless the state is one r replaced or gave up. A state
// with no physical id is one whose creation was cut short: it is found by
// its tags, skipping keep.
func (e *engine) deleteOne(sc model.Scope, st *model.Stack, p stack.Provisioner, r *model.StackResource, state model.StackResourceState, keep string) (string, bool) {
	own := state.PhysicalID == r.PhysicalID
	ids := []string{state.PhysicalID}
	if state.PhysicalID == "" {
		ids = e.orphans(sc, st.ID, r.LogicalID, r.Type, keep)
	}
	mark := func(status, reason, physical string) bool {
		_, err := e.setResource(sc, st.ID, r.LogicalID, func(tx model.Tx, st *model.Stack, r *model.StackResource) (model.StackEvent, error) {
			if own {
				ev := e.mark(r, status, reason)
				ev.PhysicalID = physical
				return ev, nil
			}
			return e.event(r, physical, status, reason), nil
		})
		return err == nil
	}
	for _, id := range ids {
		if !mark("DELETE_IN_PROGRESS", "", id) {
			return "", false
		}
		c := stack.Created{Ref: id}
		if id == state.PhysicalID {
			c = created(state)
		}
		err := p.Delete(e.ctx, target(st, r.LogicalID, r.Type), c, state.Props)
		if err != nil && e.stopping() {
			return "", false
		}
		if err != nil {
			return r.LogicalID, mark("DELETE_FAILED", failure(err), id)
		}
	}
	last := state.PhysicalID
	if len(ids) > 0 {
		last = ids[len(ids)-1]
	}
	return "", mark("DELETE_COMPLETE", "", last)
}

// wait waits until no worker drives the stack.
func (e *engine) wait(id string) {
	e.mu.Lock()
	w := e.workers[id]
	e.mu.Unlock()
	if w != nil {
		<-w.done
	}
}
