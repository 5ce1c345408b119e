package cloudformation

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/model"
	"gatehouse/internal/stack"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
)

// fake is a provisioner that keeps resources in a map, fails the calls a
// test names, and can hold a creation until the test lets it go.
type fake struct {
	mu   sync.Mutex
	seq  int
	live map[string]fakeRes // by physical id
	// fail makes the named call fail: "create Group", "update Vpc".
	fail map[string]string
	// hold, when set, makes creating the named resource wait for release
	// (or the context), after saying so on held.
	hold string
	// finish makes a held creation complete even when its context ends,
	// as a call the service had already carried out does.
	finish bool
	// holdDelete does the same for deleting the named resource.
	holdDelete string
	held       chan struct{}
	release    chan struct{}
	log        []string
	// deleted are the physical ids deleted, in order.
	deleted []string
}

type fakeRes struct {
	logical string
	props   map[string]any
}

func newFake() *fake {
	return &fake{live: map[string]fakeRes{}, fail: map[string]string{}}
}

func (f *fake) Create(ctx context.Context, t stack.Target, props map[string]any) (stack.Created, error) {
	if t.LogicalID == f.hold {
		f.held <- struct{}{}
		select {
		case <-f.release:
		case <-ctx.Done():
			if !f.finish {
				return stack.Created{}, ctx.Err()
			}
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, "create "+t.LogicalID)
	if msg, ok := f.fail["create "+t.LogicalID]; ok {
		return stack.Created{}, fmt.Errorf("%s", msg)
	}
	if t.Tags["aws:cloudformation:logical-id"] != t.LogicalID || !strings.HasPrefix(t.Tags["aws:cloudformation:stack-id"], "arn:aws:cloudformation:") {
		return stack.Created{}, fmt.Errorf("tags %v", t.Tags)
	}
	f.seq++
	id := fmt.Sprintf("%s-%d", strings.ToLower(t.LogicalID), f.seq)
	f.live[id] = fakeRes{t.LogicalID, props}
	c := stack.Created{Ref: id, Attrs: map[string]any{}}
	for _, a := range stack.Specs[t.Type].Attributes {
		c.Attrs[a] = id + "." + a
		if v, ok := props[a].(string); ok {
			c.Attrs[a] = v
		}
	}
	return c, nil
}

func (f *fake) Update(ctx context.Context, t stack.Target, cur stack.Created, old, new map[string]any) (stack.Created, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, "update "+t.LogicalID)
	if msg, ok := f.fail["update "+t.LogicalID]; ok {
		return stack.Created{}, fmt.Errorf("%s", msg)
	}
	if _, ok := f.live[cur.Ref]; !ok {
		return stack.Created{}, fmt.Errorf("update of %s, which does not exist", cur.Ref)
	}
	f.live[cur.Ref] = fakeRes{t.LogicalID, new}
	return cur, nil
}

func (f *fake) Delete(ctx context.Context, t stack.Target, cur stack.Created, props map[string]any) error {
	if t.LogicalID == f.holdDelete {
		f.held <- struct{}{}
		select {
		case <-f.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, "delete "+t.LogicalID)
	if msg, ok := f.fail["delete "+t.LogicalID]; ok {
		return fmt.Errorf("%s", msg)
	}
	delete(f.live, cur.Ref)
	f.deleted = append(f.deleted, cur.Ref)
	return nil
}

func (f *fake) Region() string                              { return "us-east-1" }
func (f *fake) AccountID() string                           { return "000000000000" }
func (f *fake) Zones(ctx context.Context) ([]string, error) { return []string{"us-east-1a"}, nil }

// logical lists the live resources' logical ids.
func (f *fake) logical() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.live {
		out = append(out, r.logical)
	}
	sort.Strings(out)
	return out
}

func (f *fake) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

type harness struct {
	t   *testing.T
	st  store.Store
	svc *Service
	p   *fake
	ctx context.Context
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, st: mem.New(), p: newFake(),
		ctx: api.WithMeta(context.Background(), api.Meta{Account: "000000000000", Region: "us-east-1"})}
	h.start()
	return h
}

// start makes the service on the harness's store, as a (re)start does.
func (h *harness) start() {
	h.svc = New(Config{Store: h.st, Clock: clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		Provisioner: func(account, region string) stack.Provisioner { return h.p }, Wait: 10 * time.Second})
	h.t.Cleanup(h.svc.Stop)
}

func (h *harness) stack(name string) *model.Stack {
	h.t.Helper()
	var st *model.Stack
	err := h.svc.view(scopeOf(h.ctx), func(tx model.Tx) error {
		var err error
		st, err = findStack(tx, name)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

func (h *harness) status(name string) string { return h.stack(name).Status }

func (h *harness) create(name, body string, opt ...func(*CreateStackInput)) {
	h.t.Helper()
	in := &CreateStackInput{StackName: name, TemplateBody: body}
	for _, o := range opt {
		o(in)
	}
	if _, err := h.svc.CreateStack(h.ctx, in); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) events(name string) []string {
	h.t.Helper()
	out, err := h.svc.DescribeStackEvents(h.ctx, &DescribeStackEventsInput{StackName: name})
	if err != nil {
		h.t.Fatal(err)
	}
	var lines []string
	for i := len(out.StackEvents) - 1; i >= 0; i-- {
		e := out.StackEvents[i]
		line := e.LogicalResourceID + " " + e.ResourceStatus
		if e.ResourceStatusReason != "" {
			line += " " + e.ResourceStatusReason
		}
		lines = append(lines, line)
	}
	return lines
}

const threeTier = `
Parameters:
  SubnetCidr:
    Type: String
    Default: 10.0.1.0/24
  Env:
    Type: String
    Default: one
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
      Tags:
        - Key: env
          Value: !Ref Env
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Ref SubnetCidr
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: g
      VpcId: !GetAtt Subnet.VpcId
Outputs:
  Subnet:
    Value: !Ref Subnet
`

func TestCreateFailureRollsBackInReverse(t *testing.T) {
	h := newHarness(t)
	h.p.fail["create Group"] = "InvalidGroup.Duplicate: no"
	h.create("s", threeTier)
	if got := h.status("s"); got != "ROLLBACK_COMPLETE" {
		t.Fatalf("status %s", got)
	}
	if live := h.p.logical(); len(live) != 0 {
		t.Fatalf("left behind: %v", live)
	}
	want := []string{"create Vpc", "create Subnet", "create Group", "delete Subnet", "delete Vpc"}
	if got := h.p.calls(); !reflect.DeepEqual(got, want) {
		t.Fatalf("calls %v", got)
	}
	ev := strings.Join(h.events("s"), "\n")
	for _, line := range []string{
		"Group CREATE_FAILED InvalidGroup.Duplicate: no",
		"s ROLLBACK_IN_PROGRESS The following resource(s) failed to create: [Group]. Rollback requested by user.",
		"Vpc DELETE_COMPLETE",
		"s ROLLBACK_COMPLETE",
	} {
		if !strings.Contains(ev, line) {
			t.Errorf("no event %q in\n%s", line, ev)
		}
	}
	// The record stays until DeleteStack, which then removes it.
	if _, err := h.svc.UpdateStack(h.ctx, &UpdateStackInput{StackName: "s", TemplateBody: threeTier}); err == nil ||
		!strings.Contains(err.Error(), "is in ROLLBACK_COMPLETE state and can not be updated.") {
		t.Fatalf("update of a rolled back stack: %v", err)
	}
	if _, err := h.svc.DeleteStack(h.ctx, &DeleteStackInput{StackName: "s"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.DescribeStacks(h.ctx, &DescribeStacksInput{StackName: "s"}); err == nil {
		t.Fatal("a deleted stack is still found by name")
	}
}

func TestCreateFailureOptions(t *testing.T) {
	h := newHarness(t)
	h.p.fail["create Group"] = "no"
	h.create("keep", threeTier, func(in *CreateStackInput) { in.OnFailure = "DO_NOTHING" })
	if got := h.status("keep"); got != "CREATE_FAILED" {
		t.Fatalf("DO_NOTHING: %s", got)
	}
	if live := h.p.logical(); !reflect.DeepEqual(live, []string{"Subnet", "Vpc"}) {
		t.Fatalf("DO_NOTHING left %v", live)
	}
	h.create("gone", threeTier, func(in *CreateStackInput) { in.OnFailure = "DELETE" })
	st := h.stack(h.svc.mustList(t)["gone"])
	if st.Status != "DELETE_COMPLETE" {
		t.Fatalf("OnFailure DELETE: %s", st.Status)
	}
	// RetainExceptOnCreate lets a failed create delete what it made.
	h.create("except", strings.Replace(threeTier, "  Vpc:\n    Type: AWS::EC2::VPC\n", "  Vpc:\n    Type: AWS::EC2::VPC\n    DeletionPolicy: RetainExceptOnCreate\n", 1))
	if got := h.status("except"); got != "ROLLBACK_COMPLETE" || strings.Contains(strings.Join(h.events("except"), "\n"), "DELETE_SKIPPED") {
		t.Fatalf("RetainExceptOnCreate: %s %v", got, h.events("except"))
	}
	retained := strings.Replace(threeTier, "  Vpc:\n    Type: AWS::EC2::VPC\n", "  Vpc:\n    Type: AWS::EC2::VPC\n    DeletionPolicy: Retain\n", 1)
	h.create("retain", retained)
	if got := h.status("retain"); got != "ROLLBACK_COMPLETE" {
		t.Fatalf("retain: %s", got)
	}
	if !strings.Contains(strings.Join(h.events("retain"), "\n"), "Vpc DELETE_SKIPPED") {
		t.Fatalf("no DELETE_SKIPPED: %v", h.events("retain"))
	}
}

// mustList maps stack names to ids, deleted stacks included.
func (s *Service) mustList(t *testing.T) map[string]string {
	out, err := s.ListStacks(api.WithMeta(context.Background(), api.Meta{Account: "000000000000", Region: "us-east-1"}), &ListStacksInput{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, s := range out.StackSummaries {
		m[s.StackName] = s.StackID
	}
	return m
}

func withCreateOnly(t *testing.T) {
	if stack.Specs["AWS::EC2::Subnet"] == nil {
		stack.Specs["AWS::EC2::Subnet"] = &stack.TypeSpec{Attributes: stack.Types["AWS::EC2::Subnet"],
			Properties: map[string]stack.PropSpec{"VpcId": {CreateOnly: true}, "CidrBlock": {CreateOnly: true}}}
		t.Cleanup(func() { delete(stack.Specs, "AWS::EC2::Subnet") })
	}
}

func TestUpdateInPlaceAndReplace(t *testing.T) {
	withCreateOnly(t)
	h := newHarness(t)
	h.create("s", threeTier)
	before := h.stack("s")
	vpc, subnet, group := before.Resource("Vpc").PhysicalID, before.Resource("Subnet").PhysicalID, before.Resource("Group").PhysicalID

	if _, err := h.svc.UpdateStack(h.ctx, &UpdateStackInput{StackName: "s", TemplateBody: threeTier}); err == nil || err.Error() != "ValidationError: No updates are to be performed." {
		t.Fatalf("unchanged update: %v", err)
	}

	// A change set shows the plan: the subnet replaced, the group that
	// reads its attribute changed as it goes, the VPC updated in place.
	params := []Parameter{{ParameterKey: "SubnetCidr", ParameterValue: "10.0.2.0/24"}, {ParameterKey: "Env", ParameterValue: "two"}}
	cs, err := h.svc.CreateChangeSet(h.ctx, &CreateChangeSetInput{StackName: "s", ChangeSetName: "cs", UsePreviousTemplate: true, Parameters: params})
	if err != nil {
		t.Fatal(err)
	}
	d, err := h.svc.DescribeChangeSet(h.ctx, &DescribeChangeSetInput{ChangeSetName: cs.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range d.Changes {
		rc := c.ResourceChange
		got[rc.LogicalResourceID] = rc.Action + " " + rc.Replacement
		for _, det := range rc.Details {
			got[rc.LogicalResourceID] += " " + det.Target.Name + ":" + det.Evaluation + ":" + det.Target.RequiresRecreation
		}
	}
	want := map[string]string{
		"Vpc":    "Modify False Tags:Static:Never",
		"Subnet": "Modify True CidrBlock:Static:Always",
		"Group":  "Modify Conditional VpcId:Dynamic:Always",
	}
	if !reflect.DeepEqual(got, want) || d.Status != "CREATE_COMPLETE" || d.ExecutionStatus != "AVAILABLE" {
		t.Fatalf("changes %v (%s %s)", got, d.Status, d.ExecutionStatus)
	}
	if _, err := h.svc.ExecuteChangeSet(h.ctx, &ExecuteChangeSetInput{ChangeSetName: "cs", StackName: "s"}); err != nil {
		t.Fatal(err)
	}
	after := h.stack("s")
	if after.Status != "UPDATE_COMPLETE" {
		t.Fatalf("status %s %s", after.Status, strings.Join(h.events("s"), "\n"))
	}
	if after.Resource("Vpc").PhysicalID != vpc || after.Resource("Subnet").PhysicalID == subnet {
		t.Fatalf("vpc %s→%s subnet %s→%s", vpc, after.Resource("Vpc").PhysicalID, subnet, after.Resource("Subnet").PhysicalID)
	}
	// The group's VpcId turned out the same: it stays.
	if after.Resource("Group").PhysicalID != group {
		t.Fatalf("group replaced: %s→%s", group, after.Resource("Group").PhysicalID)
	}
	if _, ok := h.p.live[subnet]; ok {
		t.Fatal("the replaced subnet is still there")
	}
	if after.Outputs[0].Value != after.Resource("Subnet").PhysicalID {
		t.Fatalf("output %v", after.Outputs)
	}
	d, _ = h.svc.DescribeChangeSet(h.ctx, &DescribeChangeSetInput{ChangeSetName: cs.ID})
	if d.ExecutionStatus != "EXECUTE_COMPLETE" {
		t.Fatalf("change set %s after execution", d.ExecutionStatus)
	}
	// The executed change set's name is free again, as the CLI's deploy
	// needs when it runs twice within a second; its ARN still finds it.
	again, err := h.svc.CreateChangeSet(h.ctx, &CreateChangeSetInput{StackName: "s", ChangeSetName: "cs", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "SubnetCidr", UsePreviousValue: true}, {ParameterKey: "Env", UsePreviousValue: true}}})
	if err != nil {
		t.Fatalf("a change set named as an executed one: %v", err)
	}
	if d, err := h.svc.DescribeChangeSet(h.ctx, &DescribeChangeSetInput{ChangeSetName: "cs", StackName: "s"}); err != nil || d.ChangeSetID != again.ID {
		t.Fatalf("the name finds %+v, %v; want the new change set %s", d, err, again.ID)
	}
	if _, err := h.svc.CreateChangeSet(h.ctx, &CreateChangeSetInput{StackName: "s", ChangeSetName: "cs", UsePreviousTemplate: true}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("a second change set named as a live one: %v", err)
	}
	if _, err := h.svc.DeleteChangeSet(h.ctx, &DeleteChangeSetInput{ChangeSetName: again.ID}); err != nil {
		t.Fatal(err)
	}
	ev := strings.Join(h.events("s"), "\n")
	if !strings.Contains(ev, "s UPDATE_COMPLETE_CLEANUP_IN_PROGRESS\nSubnet DELETE_IN_PROGRESS\nSubnet DELETE_COMPLETE\ns UPDATE_COMPLETE") {
		t.Fatalf("events:\n%s", ev)
	}

	// A change set that changes nothing fails with AWS's reason.
	cs2, err := h.svc.CreateChangeSet(h.ctx, &CreateChangeSetInput{StackName: "s", ChangeSetName: "same", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "SubnetCidr", UsePreviousValue: true}, {ParameterKey: "Env", UsePreviousValue: true}}})
	if err != nil {
		t.Fatal(err)
	}
	d, _ = h.svc.DescribeChangeSet(h.ctx, &DescribeChangeSetInput{ChangeSetName: cs2.ID})
	if d.Status != "FAILED" || d.StatusReason != noChanges || d.ExecutionStatus != "UNAVAILABLE" {
		t.Fatalf("empty change set: %s %q %s", d.Status, d.StatusReason, d.ExecutionStatus)
	}
}

func TestUpdateFailureRollsBack(t *testing.T) {
	withCreateOnly(t)
	h := newHarness(t)
	h.create("s", threeTier)
	before := h.stack("s")
	added := strings.Replace(threeTier, "Outputs:", `  Extra:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: extra
      VpcId: !Ref Vpc
  Broken:
    Type: AWS::EC2::SecurityGroup
    DependsOn: Extra
    Properties:
      GroupDescription: broken
      VpcId: !Ref Vpc
Outputs:`, 1)
	h.p.fail["create Broken"] = "no room"
	_, err := h.svc.UpdateStack(h.ctx, &UpdateStackInput{StackName: "s", TemplateBody: added,
		Parameters: []Parameter{{ParameterKey: "SubnetCidr", ParameterValue: "10.0.3.0/24"}, {ParameterKey: "Env", ParameterValue: "two"}}})
	if err != nil {
		t.Fatal(err)
	}
	after := h.stack("s")
	if after.Status != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("status %s\n%s", after.Status, strings.Join(h.events("s"), "\n"))
	}
	if after.Template != threeTier || !reflect.DeepEqual(after.Parameters, before.Parameters) || !reflect.DeepEqual(after.Outputs, before.Outputs) {
		t.Fatalf("the previous template, parameters and outputs are not back: %v %v", after.Parameters, after.Outputs)
	}
	if live := h.p.logical(); !reflect.DeepEqual(live, []string{"Group", "Subnet", "Vpc"}) {
		t.Fatalf("live after rollback: %v", live)
	}
	for _, name := range []string{"Vpc", "Subnet", "Group"} {
		if a, b := after.Resource(name), before.Resource(name); a.PhysicalID != b.PhysicalID || !stack.Same(a.Props, b.Props) || a.Status != "UPDATE_COMPLETE" && a.Status != "CREATE_COMPLETE" {
			t.Errorf("%s: %+v, was %+v", name, a, b)
		}
	}
	if tags := fmt.Sprint(h.p.live[before.Resource("Vpc").PhysicalID].props["Tags"]); tags != "[map[Key:env Value:one]]" {
		t.Errorf("the VPC's update was not undone: %v", h.p.live[before.Resource("Vpc").PhysicalID].props)
	}
	ev := strings.Join(h.events("s"), "\n")
	for _, line := range []string{
		"s UPDATE_ROLLBACK_IN_PROGRESS The following resource(s) failed to create: [Broken].",
		"s UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
		"Extra DELETE_COMPLETE",
		"s UPDATE_ROLLBACK_COMPLETE",
	} {
		if !strings.Contains(ev, line) {
			t.Errorf("no event %q in\n%s", line, ev)
		}
	}
	if len(after.Resources) != 3 {
		t.Fatalf("%d resources", len(after.Resources))
	}
}

// TestCustomNamedReplacementFails: a change that replaces a resource its
// template names fails as AWS's does, and the update rolls back.
func TestCustomNamedReplacementFails(t *testing.T) {
	if stack.Specs["AWS::EC2::SecurityGroup"] == nil {
		stack.Specs["AWS::EC2::SecurityGroup"] = &stack.TypeSpec{Attributes: stack.Types["AWS::EC2::SecurityGroup"],
			Properties: map[string]stack.PropSpec{"GroupDescription": {CreateOnly: true}, "GroupName": {CreateOnly: true}, "VpcId": {CreateOnly: true}}}
		t.Cleanup(func() { delete(stack.Specs, "AWS::EC2::SecurityGroup") })
	}
	h := newHarness(t)
	named := strings.Replace(threeTier, "GroupDescription: g", "GroupDescription: g\n      GroupName: web", 1)
	h.create("s", named)
	if _, err := h.svc.UpdateStack(h.ctx, &UpdateStackInput{StackName: "s", TemplateBody: strings.Replace(named, "GroupDescription: g", "GroupDescription: h", 1)}); err != nil {
		t.Fatal(err)
	}
	if got := h.status("s"); got != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("status %s", got)
	}
	ev := strings.Join(h.events("s"), "\n")
	if !strings.Contains(ev, "Group UPDATE_FAILED CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename web and update the stack again.") {
		t.Fatalf("events:\n%s", ev)
	}
}

func TestDeleteStack(t *testing.T) {
	h := newHarness(t)
	retained := strings.Replace(threeTier, "  Vpc:\n    Type: AWS::EC2::VPC\n", "  Vpc:\n    Type: AWS::EC2::VPC\n    DeletionPolicy: RetainExceptOnCreate\n", 1)
	h.create("s", retained)
	id := h.stack("s").ID
	if _, err := h.svc.DeleteStack(h.ctx, &DeleteStackInput{StackName: "s"}); err != nil {
		t.Fatal(err)
	}
	st := h.stack(id)
	if st.Status != "DELETE_COMPLETE" || st.Deleted.IsZero() {
		t.Fatalf("status %s", st.Status)
	}
	if live := h.p.logical(); !reflect.DeepEqual(live, []string{"Vpc"}) {
		t.Fatalf("after delete: %v", live)
	}
	// Deleting again, or a stack that never was, is no error.
	for _, name := range []string{"s", id, "never"} {
		if _, err := h.svc.DeleteStack(h.ctx, &DeleteStackInput{StackName: name}); err != nil {
			t.Fatal(err)
		}
	}
	list, _ := h.svc.ListStacks(h.ctx, &ListStacksInput{StackStatusFilter: []string{"DELETE_COMPLETE"}})
	if len(list.StackSummaries) != 1 {
		t.Fatalf("ListStacks DELETE_COMPLETE: %v", list)
	}
}

// TestResumeAfterStop stops the service while a resource is being
// created; the next start rolls the create back, saying why.
func TestResumeAfterStop(t *testing.T) {
	h := newHarness(t)
	h.svc.cfg.Wait = 0
	h.p.hold, h.p.held, h.p.release = "Group", make(chan struct{}, 1), make(chan struct{})
	h.create("s", threeTier)
	<-h.p.held
	h.svc.Stop()
	st := h.stack("s")
	if st.Status != "CREATE_IN_PROGRESS" || st.Resource("Group").Status != "CREATE_IN_PROGRESS" {
		t.Fatalf("after stop: %s, group %s", st.Status, st.Resource("Group").Status)
	}
	h.p.hold = ""
	h.start()
	if err := h.svc.Resume(); err != nil {
		t.Fatal(err)
	}
	h.svc.eng.wait(st.ID)
	st = h.stack(st.ID)
	if st.Status != "ROLLBACK_COMPLETE" {
		t.Fatalf("after resume: %s\n%s", st.Status, strings.Join(h.events("s"), "\n"))
	}
	if live := h.p.logical(); len(live) != 0 {
		t.Fatalf("left behind: %v", live)
	}
	if !strings.Contains(strings.Join(h.events(st.ID), "\n"), "s ROLLBACK_IN_PROGRESS The operation was interrupted by a restart of gatehouse. Rollback requested by user.") {
		t.Fatalf("events:\n%s", strings.Join(h.events(st.ID), "\n"))
	}
}

// TestResumeInterruptedUpdate stops the service while an update creates
// a resource; the next start rolls the update back.
func TestResumeInterruptedUpdate(t *testing.T) {
	h := newHarness(t)
	h.create("s", threeTier)
	before := h.stack("s")
	h.svc.cfg.Wait = 0
	h.p.hold, h.p.held, h.p.release = "Extra", make(chan struct{}, 1), make(chan struct{})
	added := strings.Replace(threeTier, "Outputs:", "  Extra:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: extra\n      VpcId: !Ref Vpc\nOutputs:", 1)
	if _, err := h.svc.UpdateStack(h.ctx, &UpdateStackInput{StackName: "s", TemplateBody: added,
		Parameters: []Parameter{{ParameterKey: "Env", ParameterValue: "two"}}}); err != nil {
		t.Fatal(err)
	}
	<-h.p.held
	h.svc.Stop()
	if got := h.status("s"); got != "UPDATE_IN_PROGRESS" {
		t.Fatalf("after stop: %s", got)
	}
	h.p.hold = ""
	h.start()
	if err := h.svc.Resume(); err != nil {
		t.Fatal(err)
	}
	h.svc.eng.wait(before.ID)
	after := h.stack("s")
	if after.Status != "UPDATE_ROLLBACK_COMPLETE" || after.Template != threeTier || len(after.Resources) != 3 {
		t.Fatalf("after resume: %s, %d resources\n%s", after.Status, len(after.Resources), strings.Join(h.events("s"), "\n"))
	}
	if tags := fmt.Sprint(h.p.live[before.Resource("Vpc").PhysicalID].props["Tags"]); tags != "[map[Key:env Value:one]]" {
		t.Fatalf("the VPC's update was not undone: %s", tags)
	}
	if live := h.p.logical(); !reflect.DeepEqual(live, []string{"Group", "Subnet", "Vpc"}) {
		t.Fatalf("live after rollback: %v", live)
	}
}

// TestUpdateReplacePolicyRetain keeps the resource a replacement
// replaces.
func TestUpdateReplacePolicyRetain(t *testing.T) {
	h := newHarness(t)
	body := strings.Replace(threeTier, "  Subnet:\n    Type: AWS::EC2::Subnet\n", "  Subnet:\n    Type: AWS::EC2::Subnet\n    UpdateReplacePolicy: Retain\n", 1)
	h.create("s", body)
	old := h.stack("s").Resource("Subnet").PhysicalID
	if _, err := h.svc.UpdateStack(h.ctx, &UpdateStackInput{StackName: "s", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "SubnetCidr", ParameterValue: "10.0.5.0/24"}}}); err != nil {
		t.Fatal(err)
	}
	st := h.stack("s")
	if st.Status != "UPDATE_COMPLETE" || st.Resource("Subnet").PhysicalID == old {
		t.Fatalf("%s, subnet %s", st.Status, st.Resource("Subnet").PhysicalID)
	}
	if _, ok := h.p.live[old]; !ok {
		t.Fatal("the replaced subnet was deleted")
	}
	if !strings.Contains(strings.Join(h.events("s"), "\n"), "Subnet DELETE_SKIPPED") {
		t.Fatalf("events:\n%s", strings.Join(h.events("s"), "\n"))
	}
}

// TestResumeInterruptedDelete stops the service in the middle of a
// delete; the next start carries the delete on where it was.
func TestResumeInterruptedDelete(t *testing.T) {
	h := newHarness(t)
	h.create("s", threeTier)
	id := h.stack("s").ID
	h.svc.cfg.Wait = 0
	h.p.holdDelete, h.p.held, h.p.release = "Subnet", make(chan struct{}, 1), make(chan struct{})
	if _, err := h.svc.DeleteStack(h.ctx, &DeleteStackInput{StackName: "s"}); err != nil {
		t.Fatal(err)
	}
	<-h.p.held
	h.svc.Stop()
	if st := h.stack(id); st.Status != "DELETE_IN_PROGRESS" || st.Resource("Group").Status != "DELETE_COMPLETE" || st.Resource("Subnet").Status != "DELETE_IN_PROGRESS" {
		t.Fatalf("after stop: %s, group %s, subnet %s", st.Status, st.Resource("Group").Status, st.Resource("Subnet").Status)
	}
	h.p.holdDelete = ""
	h.start()
	if err := h.svc.Resume(); err != nil {
		t.Fatal(err)
	}
	h.svc.eng.wait(id)
	if st := h.stack(id); st.Status != "DELETE_COMPLETE" {
		t.Fatalf("after resume: %s", st.Status)
	}
	if live := h.p.logical(); len(live) != 0 {
		t.Fatalf("left behind: %v", live)
	}
	// The group was deleted once, before the stop.
	if n := strings.Count(strings.Join(h.p.calls(), ","), "delete Group"); n != 1 {
		t.Fatalf("group deleted %d times: %v", n, h.p.calls())
	}
}

// TestContinueUpdateRollback: a rollback that cannot put a resource back
// fails; ContinueUpdateRollback tries again, or skips it.
func TestContinueUpdateRollback(t *testing.T) {
	h := newHarness(t)
	h.create("s", threeTier)
	h.p.fail["create Broken"] = "no"
	h.p.fail["update Vpc"] = "stuck"
	broken := strings.Replace(threeTier, "Outputs:", "  Broken:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: b\n      VpcId: !Ref Vpc\nOutputs:", 1)
	// The VPC's update fails, and so does putting it back.
	if _, err := h.svc.UpdateStack(h.ctx, &UpdateStackInput{StackName: "s", TemplateBody: broken,
		Parameters: []Parameter{{ParameterKey: "Env", ParameterValue: "two"}}}); err != nil {
		t.Fatal(err)
	}
	if got := h.status("s"); got != "UPDATE_ROLLBACK_FAILED" {
		t.Fatalf("status %s\n%s", got, strings.Join(h.events("s"), "\n"))
	}
	if _, err := h.svc.ContinueUpdateRollback(h.ctx, &ContinueUpdateRollbackInput{StackName: "s"}); err != nil {
		t.Fatal(err)
	}
	if got := h.status("s"); got != "UPDATE_ROLLBACK_FAILED" {
		t.Fatalf("status after a second try %s", got)
	}
	if _, err := h.svc.ContinueUpdateRollback(h.ctx, &ContinueUpdateRollbackInput{StackName: "s", ResourcesToSkip: []string{"Vpc"}}); err != nil {
		t.Fatal(err)
	}
	if got := h.status("s"); got != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("status after skipping %s\n%s", got, strings.Join(h.events("s"), "\n"))
	}
	if _, err := h.svc.ContinueUpdateRollback(h.ctx, &ContinueUpdateRollbackInput{StackName: "s"}); err == nil {
		t.Fatal("ContinueUpdateRollback of a stack not UPDATE_ROLLBACK_FAILED")
	}
}

// TestCancelUpdateStack: an update cancelled while it waits on a resource
// stops before its next step and rolls back.
func TestCancelUpdateStack(t *testing.T) {
	h := newHarness(t)
	h.create("s", threeTier)
	h.svc.cfg.Wait = 0
	h.p.hold, h.p.held, h.p.release = "Extra", make(chan struct{}, 1), make(chan struct{})
	added := strings.Replace(threeTier, "Outputs:", "  Extra:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: extra\n      VpcId: !Ref Vpc\n  Later:\n    Type: AWS::EC2::SecurityGroup\n    DependsOn: Extra\n    Properties:\n      GroupDescription: later\n      VpcId: !Ref Vpc\nOutputs:", 1)
	if _, err := h.svc.UpdateStack(h.ctx, &UpdateStackInput{StackName: "s", TemplateBody: added}); err != nil {
		t.Fatal(err)
	}
	<-h.p.held
	if _, err := h.svc.CancelUpdateStack(h.ctx, &CancelUpdateStackInput{StackName: "s"}); err != nil {
		t.Fatal(err)
	}
	h.p.release <- struct{}{}
	h.svc.eng.wait(h.stack("s").ID)
	st := h.stack("s")
	if st.Status != "UPDATE_ROLLBACK_COMPLETE" || len(st.Resources) != 3 {
		t.Fatalf("%s, %d resources\n%s", st.Status, len(st.Resources), strings.Join(h.events("s"), "\n"))
	}
	if strings.Contains(strings.Join(h.p.calls(), ","), "create Later") {
		t.Fatalf("the update went on after the cancel: %v", h.p.calls())
	}
	if _, err := h.svc.CancelUpdateStack(h.ctx, &CancelUpdateStackInput{StackName: "s"}); err == nil {
		t.Fatal("cancelling with no update under way")
	}
}

// TestChangeSetObsoleteAfterUpdate: an update made directly leaves the
// stack's change sets OBSOLETE, and they cannot be executed.
func TestChangeSetObsoleteAfterUpdate(t *testing.T) {
	h := newHarness(t)
	h.create("s", threeTier)
	cs, err := h.svc.CreateChangeSet(h.ctx, &CreateChangeSetInput{StackName: "s", ChangeSetName: "later", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "Env", ParameterValue: "two"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.UpdateStack(h.ctx, &UpdateStackInput{StackName: "s", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "Env", ParameterValue: "three"}}}); err != nil {
		t.Fatal(err)
	}
	d, _ := h.svc.DescribeChangeSet(h.ctx, &DescribeChangeSetInput{ChangeSetName: cs.ID})
	if d.ExecutionStatus != "OBSOLETE" {
		t.Fatalf("execution status %s", d.ExecutionStatus)
	}
	if _, err := h.svc.ExecuteChangeSet(h.ctx, &ExecuteChangeSetInput{ChangeSetName: cs.ID}); err == nil || !strings.Contains(err.Error(), "InvalidChangeSetStatus") {
		t.Fatalf("executing an obsolete change set: %v", err)
	}
}

// TestSSMParameterResolvedValue: a parameter of an SSM type resolves
// from Parameter Store, and DescribeStacks shows both the name given and
// the value it resolved to.
func TestSSMParameterResolvedValue(t *testing.T) {
	h := newHarness(t)
	if err := model.Update(h.st, "000000000000", "us-east-1", func(tx model.Tx) error {
		return model.Put(tx, model.Parameter{Name: "/net/cidr", Type: "String", Value: "10.0.9.0/24"})
	}); err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(threeTier, "  SubnetCidr:\n    Type: String\n    Default: 10.0.1.0/24",
		"  SubnetCidr:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /net/cidr", 1)
	h.create("s", body)
	st := h.stack("s")
	if st.Status != "CREATE_COMPLETE" || h.p.live[st.Resource("Subnet").PhysicalID].props["CidrBlock"] != "10.0.9.0/24" {
		t.Fatalf("%s %v", st.Status, h.p.live[st.Resource("Subnet").PhysicalID].props)
	}
	out, err := h.svc.DescribeStacks(h.ctx, &DescribeStacksInput{StackName: "s"})
	if err != nil {
		t.Fatal(err)
	}
	var got Parameter
	for _, p := range out.Stacks[0].Parameters {
		if p.ParameterKey == "SubnetCidr" {
			got = p
		}
	}
	if got.ParameterValue != "/net/cidr" || got.ResolvedValue != "10.0.9.0/24" {
		t.Fatalf("parameter %+v", got)
	}
}

// TestStopRecordsWhatWasMade: a creation that completes as the service
// stops is recorded with its physical id, and the next start's rollback
// deletes it.
func TestStopRecordsWhatWasMade(t *testing.T) {
	h := newHarness(t)
	h.svc.cfg.Wait = 0
	h.p.hold, h.p.finish, h.p.held, h.p.release = "Subnet", true, make(chan struct{}, 1), make(chan struct{})
	h.create("s", threeTier)
	<-h.p.held
	h.svc.Stop()
	st := h.stack("s")
	if g := st.Resource("Subnet"); st.Status != "CREATE_IN_PROGRESS" || g.Status != "CREATE_COMPLETE" || g.PhysicalID == "" || st.Resource("Group") != nil {
		t.Fatalf("after stop: %s, subnet %s %q, %d resources", st.Status, g.Status, g.PhysicalID, len(st.Resources))
	}
	h.p.hold = ""
	h.start()
	if err := h.svc.Resume(); err != nil {
		t.Fatal(err)
	}
	h.svc.eng.wait(st.ID)
	if live := h.p.logical(); h.status(st.ID) != "ROLLBACK_COMPLETE" || len(live) != 0 {
		t.Fatalf("after resume: %s, left %v", h.status(st.ID), live)
	}
}

// TestImportedExportCannotChange: an update that would change the value
// of an export another stack imports rolls back, and the stack exporting
// it cannot be deleted.
func TestImportedExportCannotChange(t *testing.T) {
	h := newHarness(t)
	producer := "Parameters:\n  Cidr:\n    Type: String\n    Default: 10.0.0.0/16\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Ref Cidr\nOutputs:\n  VpcId:\n    Value: !Ref Vpc\n    Export:\n      Name: the-vpc\n"
	h.create("producer", producer)
	h.create("consumer", "Resources:\n  Group:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: g\n      VpcId: !ImportValue the-vpc\n")
	if got := h.status("consumer"); got != "CREATE_COMPLETE" {
		t.Fatalf("consumer %s\n%s", got, strings.Join(h.events("consumer"), "\n"))
	}
	vpc := h.stack("producer").Resource("Vpc").PhysicalID
	if _, err := h.svc.UpdateStack(h.ctx, &UpdateStackInput{StackName: "producer", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "Cidr", ParameterValue: "10.1.0.0/16"}}}); err != nil {
		t.Fatal(err)
	}
	st := h.stack("producer")
	if st.Status != "UPDATE_ROLLBACK_COMPLETE" || st.Resource("Vpc").PhysicalID != vpc || st.Outputs[0].Value != vpc {
		t.Fatalf("%s, vpc %s\n%s", st.Status, st.Resource("Vpc").PhysicalID, strings.Join(h.events("producer"), "\n"))
	}
	if !strings.Contains(strings.Join(h.events("producer"), "\n"), "producer UPDATE_ROLLBACK_IN_PROGRESS Cannot update export the-vpc as it is in use by consumer") {
		t.Fatalf("events:\n%s", strings.Join(h.events("producer"), "\n"))
	}
	if live := h.p.logical(); !reflect.DeepEqual(live, []string{"Group", "Vpc"}) {
		t.Fatalf("live %v", live)
	}
}

// TestInterruptedReplacementFoundByTags: the server stops while the
// service makes a replacement, before the stack records it. The next
// start rolls the update back and finds the half-made replacement by its
// aws:cloudformation tags, keeping the resource it was to replace.
func TestInterruptedReplacementFoundByTags(t *testing.T) {
	h := newHarness(t)
	h.create("s", threeTier)
	before := h.stack("s")
	old := before.Resource("Subnet").PhysicalID
	h.svc.cfg.Wait = 0
	h.p.hold, h.p.held, h.p.release = "Subnet", make(chan struct{}, 1), make(chan struct{})
	if _, err := h.svc.UpdateStack(h.ctx, &UpdateStackInput{StackName: "s", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "SubnetCidr", ParameterValue: "10.0.8.0/24"}}}); err != nil {
		t.Fatal(err)
	}
	<-h.p.held
	// The service made the subnet; the answer never reached the stack. The
	// subnet it replaces carries the same tags, and must stay.
	tags := model.Tags{"aws:cloudformation:stack-id": before.ID, "aws:cloudformation:logical-id": "Subnet"}
	if err := model.Update(h.st, "000000000000", "us-east-1", func(tx model.Tx) error {
		if err := model.Put(tx, model.Subnet{ID: old, CidrBlock: "10.0.1.0/24", Tags: tags}); err != nil {
			return err
		}
		return model.Put(tx, model.Subnet{ID: "subnet-halfmade", CidrBlock: "10.0.8.0/24", Tags: tags})
	}); err != nil {
		t.Fatal(err)
	}
	h.svc.Stop()
	h.p.hold = ""
	h.start()
	if err := h.svc.Resume(); err != nil {
		t.Fatal(err)
	}
	h.svc.eng.wait(before.ID)
	st := h.stack("s")
	if st.Status != "UPDATE_ROLLBACK_COMPLETE" || st.Resource("Subnet").PhysicalID != old {
		t.Fatalf("%s, subnet %s\n%s", st.Status, st.Resource("Subnet").PhysicalID, strings.Join(h.events("s"), "\n"))
	}
	if !reflect.DeepEqual(h.p.deleted, []string{"subnet-halfmade"}) {
		t.Fatalf("deleted %v", h.p.deleted)
	}
}

// TestDeleteDuringCreate: DeleteStack while the stack is being created
// is accepted, and the delete runs once the create ends.
func TestDeleteDuringCreate(t *testing.T) {
	h := newHarness(t)
	h.svc.cfg.Wait = 0
	h.p.hold, h.p.held, h.p.release = "Subnet", make(chan struct{}, 1), make(chan struct{})
	h.create("s", threeTier)
	<-h.p.held
	id := h.stack("s").ID
	if _, err := h.svc.DeleteStack(h.ctx, &DeleteStackInput{StackName: "s"}); err != nil {
		t.Fatal(err)
	}
	if got := h.status(id); got != "CREATE_IN_PROGRESS" {
		t.Fatalf("status while the create runs: %s", got)
	}
	h.p.release <- struct{}{}
	h.svc.eng.wait(id)
	if got := h.status(id); got != "DELETE_COMPLETE" {
		t.Fatalf("status %s\n%s", got, strings.Join(h.events(id), "\n"))
	}
	if live := h.p.logical(); len(live) != 0 {
		t.Fatalf("left %v", live)
	}
	ev := strings.Join(h.events(id), "\n")
	if !strings.Contains(ev, "s CREATE_COMPLETE\ns DELETE_IN_PROGRESS User Initiated") {
		t.Fatalf("events:\n%s", ev)
	}
}

// TestInterruptedParameterFoundByTags: the server stops while Parameter
// Store makes a parameter whose name the template leaves to
// CloudFormation, before the stack records it. The next start rolls the
// create back and finds the parameter by the aws:cloudformation tags the
// engine gave it, though nothing recorded its generated name.
func TestInterruptedParameterFoundByTags(t *testing.T) {
	h := newHarness(t)
	h.svc.cfg.Wait = 0
	h.p.hold, h.p.held, h.p.release = "Param", make(chan struct{}, 1), make(chan struct{})
	h.create("s", strings.Replace(threeTier, "Outputs:\n",
		"  Param:\n    Type: AWS::SSM::Parameter\n    DependsOn: Group\n    Properties:\n      Type: String\n      Value: v\nOutputs:\n", 1))
	<-h.p.held
	id := h.stack("s").ID
	// Parameter Store made it with the stack's tags; the answer never
	// reached the stack. Another stack's parameter of the same logical id
	// stays.
	if err := model.Update(h.st, "000000000000", "us-east-1", func(tx model.Tx) error {
		if err := model.Put(tx, model.Parameter{Name: "CFN-Param-Z1x2C3v4B5n6", Type: "String", Value: "v",
			Tags: model.Tags{"aws:cloudformation:stack-id": id, "aws:cloudformation:logical-id": "Param"}}); err != nil {
			return err
		}
		return model.Put(tx, model.Parameter{Name: "CFN-Param-other", Type: "String", Value: "v",
			Tags: model.Tags{"aws:cloudformation:stack-id": id + "x", "aws:cloudformation:logical-id": "Param"}})
	}); err != nil {
		t.Fatal(err)
	}
	h.svc.Stop()
	h.p.hold = ""
	h.start()
	if err := h.svc.Resume(); err != nil {
		t.Fatal(err)
	}
	h.svc.eng.wait(id)
	if st := h.stack(id); st.Status != "ROLLBACK_COMPLETE" {
		t.Fatalf("%s\n%s", st.Status, strings.Join(h.events(id), "\n"))
	}
	if !slices.Contains(h.p.deleted, "CFN-Param-Z1x2C3v4B5n6") || slices.Contains(h.p.deleted, "CFN-Param-other") {
		t.Fatalf("deleted %v\n%s", h.p.deleted, strings.Join(h.events(id), "\n"))
	}
}
