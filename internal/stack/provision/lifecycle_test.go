package provision_test

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"gatehouse/internal/servertest"
	"gatehouse/internal/stack"
	"gatehouse/internal/stack/provision"
)

// rig drives the provisioner as the stack engine does, one resource at a
// time, so each type's create, update and delete can be checked against
// what the services then describe.
type rig struct {
	t     *testing.T
	srv   *servertest.Server
	sdk   *provision.SDK
	ctx   context.Context
	tags  map[string]string
	made  map[string]stack.Created
	props map[string]map[string]any
	types map[string]string
	order []string // creation order
}

const stackID = "arn:aws:cloudformation:us-east-1:000000000000:stack/net/0b1e0c60-0000-4000-8000-000000000001"

func newRig(t *testing.T, opts ...servertest.Option) *rig {
	srv := servertest.Start(t, opts...)
	sdk := provision.NewSDK(srv.EngineConfig("us-east-1"))
	sdk.PollEvery = 2 * time.Millisecond
	sdk.DependencyWait = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &rig{t: t, srv: srv, sdk: sdk, ctx: ctx, tags: map[string]string{"team": "net"},
		made: map[string]stack.Created{}, props: map[string]map[string]any{}, types: map[string]string{}}
}

func (r *rig) target(name string) stack.Target {
	tags := map[string]string{}
	for k, v := range r.tags {
		tags[k] = v
	}
	tags["aws:cloudformation:stack-name"] = "net"
	tags["aws:cloudformation:stack-id"] = stackID
	tags["aws:cloudformation:logical-id"] = name
	return stack.Target{StackName: "net", StackID: stackID, LogicalID: name, Type: r.types[name], Tags: tags}
}

func (r *rig) instance(tmpl string) *stack.Instance {
	r.t.Helper()
	tp, err := stack.Parse("test.yaml", []byte(tmpl))
	if err != nil {
		r.t.Fatal(err)
	}
	inst, err := stack.Instantiate(tp, stack.Inputs{StackName: "net", StackID: stackID, Region: "us-east-1",
		AccountID: "000000000000", Zones: []string{"us-east-1a", "us-east-1b"}})
	if err != nil {
		r.t.Fatal(err)
	}
	return inst
}

// apply creates the resources of tmpl not made yet, and updates in place
// those whose properties changed.
func (r *rig) apply(tmpl string) {
	r.t.Helper()
	inst := r.instance(tmpl)
	for _, res := range inst.Resources {
		p, err := inst.Properties(res, r.made)
		if err != nil {
			r.t.Fatal(err)
		}
		r.types[res.Name] = res.Type
		cur, ok := r.made[res.Name]
		switch {
		case !ok:
			c, err := r.sdk.Create(r.ctx, r.target(res.Name), p)
			if err != nil {
				r.t.Fatalf("create %s: %v", res.Name, err)
			}
			r.gives(res, c)
			r.made[res.Name] = c
			r.order = append(r.order, res.Name)
		case !reflect.DeepEqual(p, r.props[res.Name]):
			c, err := r.sdk.Update(r.ctx, r.target(res.Name), cur, r.props[res.Name], p)
			if err != nil {
				r.t.Fatalf("update %s: %v", res.Name, err)
			}
			r.gives(res, c)
			r.made[res.Name] = c
		}
		r.props[res.Name] = p
	}
}

// gives holds what a creator or updater answered to the attributes
// stack.Given says its type gives, which the stack package's checks trust:
// an attribute listed but not answered would fail a stack mid-deploy.
func (r *rig) gives(res *stack.Resource, c stack.Created) {
	r.t.Helper()
	givesWhatGivenSays(r.t, res.Name, res.Type, c)
}

func givesWhatGivenSays(t testing.TB, name, typ string, c stack.Created) {
	t.Helper()
	got := slices.Sorted(maps.Keys(c.Attrs))
	if want := slices.Sorted(slices.Values(stack.Given[typ])); !slices.Equal(got, want) {
		t.Errorf("%s (%s) gives attributes %v, stack.Given says %v", name, typ, got, want)
	}
}

// update changes tmpl's resources in place and returns the error.
func (r *rig) tryUpdate(tmpl string) error {
	r.t.Helper()
	inst := r.instance(tmpl)
	for _, res := range inst.Resources {
		p, err := inst.Properties(res, r.made)
		if err != nil {
			r.t.Fatal(err)
		}
		if reflect.DeepEqual(p, r.props[res.Name]) {
			continue
		}
		c, err := r.sdk.Update(r.ctx, r.target(res.Name), r.made[res.Name], r.props[res.Name], p)
		if err != nil {
			return err
		}
		r.made[res.Name] = c
		r.props[res.Name] = p
	}
	return nil
}

// destroy deletes everything made, newest first, twice: the second round
// finds each resource gone, which is not an error.
func (r *rig) destroy() {
	r.t.Helper()
	for round := range 2 {
		for _, name := range slices.Backward(r.order) {
			if err := r.sdk.Delete(r.ctx, r.target(name), r.made[name], r.props[name]); err != nil {
				r.t.Fatalf("delete %s (round %d): %v", name, round+1, err)
			}
		}
	}
}

func (r *rig) ref(name string) string { return r.made[name].Ref }
