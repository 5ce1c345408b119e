package dataplane_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/dataplane"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
)

// A compile follows the size of the change: records nothing serves, and
// tags, recompile nothing, a change to one API recompiles that API and shares
// every other compiled API, and a network change recompiles the APIs with
// a private integration.
func TestCompileFollowsTheChange(t *testing.T) {
	st := mem.New()
	loader := model.NewLoader(st)
	put := func(recs ...model.Record) {
		t.Helper()
		_, err := st.Update(func(tx store.Tx) error {
			mt := model.Tx{Tx: tx, Account: "1", Region: "r"}
			for _, r := range recs {
				if err := model.Put(mt, r); err != nil {
					return err
				}
			}
			return nil
		})
		must(t, err)
	}
	deployed := func(api string) []model.Record {
		integ := model.Integration{APIID: api, ID: "i1", Type: "HTTP_PROXY", URI: "http://127.0.0.1:9/", Method: "ANY"}
		return []model.Record{&model.HTTPAPI{ID: api, Name: api, ProtocolType: "HTTP"},
			&model.Deployment{APIID: api, ID: "d1", Integrations: []model.Integration{integ},
				Routes: []model.Route{{APIID: api, ID: "r1", RouteKey: "GET /a", Target: "integrations/i1"}}},
			&model.Stage{APIID: api, Name: "$default", DeploymentID: "d1"}}
	}
	put(deployed("a1")...)
	put(deployed("a2")...)
	private := deployed("p1")
	private[1].(*model.Deployment).Integrations[0].ConnectionType = "VPC_LINK"
	put(private...)
	put(&model.RestAPI{ID: "rest1", Name: "rest1"}, &model.RestDeployment{APIID: "rest1", ID: "d1"},
		&model.RestStage{APIID: "rest1", Name: "prod", DeploymentID: "d1"})

	plane := dataplane.New(dataplane.Config{Load: loader.Load, Watch: st.Watch, Revision: st.Revision,
		Changed: func(after, upto uint64) ([]string, uint64, bool) { return model.Changed(st, after, upto) },
		Clock:   clocktest.New(time.Unix(0, 0)), Log: slog.New(slog.DiscardHandler)})
	plane.Start()
	defer plane.Stop()
	sync := func() *dataplane.Snapshot {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		must(t, plane.Sync(ctx))
		s := plane.Snapshot()
		if s.Revision != st.Revision() {
			t.Fatalf("snapshot at %d, store at %d", s.Revision, st.Revision())
		}
		return s
	}
	before := sync()
	if len(before.HTTPAPIs) != 3 || len(before.RestAPIs) != 1 {
		t.Fatalf("compiled %d HTTP and %d REST APIs", len(before.HTTPAPIs), len(before.RestAPIs))
	}

	// A route added without a deployment, a Cloud Map operation: nothing
	// served changes, nothing is compiled.
	put(&model.Route{APIID: "a1", ID: "r2", RouteKey: "GET /b"}, &model.Operation{ID: "op1"},
		&model.RestResource{APIID: "rest1", ID: "res2", Path: "/b"})
	after := sync()
	for id, api := range before.HTTPAPIs {
		if after.HTTPAPIs[id] != api {
			t.Errorf("HTTP API %s recompiled for an undeployed route", id)
		}
	}
	if after.RestAPIs["rest1"] != before.RestAPIs["rest1"] {
		t.Error("REST API recompiled for an undeployed resource")
	}

	// A new stage of a1: a1 alone is recompiled.
	put(&model.Stage{APIID: "a1", Name: "beta", DeploymentID: "d1"})
	before, after = after, sync()
	if after.HTTPAPIs["a1"] == before.HTTPAPIs["a1"] || after.HTTPAPIs["a1"].Stages["beta"] == nil {
		t.Error("a1 was not recompiled with its new stage")
	}
	if after.HTTPAPIs["a2"] != before.HTTPAPIs["a2"] || after.RestAPIs["rest1"] != before.RestAPIs["rest1"] {
		t.Error("an API that did not change was recompiled")
	}

	// A REST stage: the REST API alone.
	put(&model.RestStage{APIID: "rest1", Name: "test", DeploymentID: "d1"})
	before, after = after, sync()
	if after.RestAPIs["rest1"] == before.RestAPIs["rest1"] || after.RestAPIs["rest1"].Stages["test"] == nil {
		t.Error("rest1 was not recompiled with its new stage")
	}
	if after.HTTPAPIs["a1"] != before.HTTPAPIs["a1"] {
		t.Error("an HTTP API was recompiled for a REST stage")
	}

	// A deleted API goes.
	_, err := st.Update(func(tx store.Tx) error { return tx.Delete("/1/r/" + model.HTTPAPI{}.Kind() + "/a2") })
	must(t, err)
	before, after = after, sync()
	if after.HTTPAPIs["a2"] != nil || after.HTTPAPIs["a1"] != before.HTTPAPIs["a1"] {
		t.Error("deleting a2 did not remove a2 alone")
	}

	// The network: every API with a private integration, and only those.
	put(&model.SecurityGroup{ID: "sg-1", VpcID: "vpc-1"})
	before, after = after, sync()
	if after.HTTPAPIs["p1"] == before.HTTPAPIs["p1"] {
		t.Error("a security group change did not recompile the private API")
	}
	if after.HTTPAPIs["a1"] != before.HTTPAPIs["a1"] || after.RestAPIs["rest1"] != before.RestAPIs["rest1"] {
		t.Error("a security group change recompiled an API without a private integration")
	}
	// A network change and a change to a public API in one burst: that
	// API is recompiled too.
	put(&model.SecurityGroup{ID: "sg-2", VpcID: "vpc-1"}, &model.Stage{APIID: "a1", Name: "gamma", DeploymentID: "d1"})
	before, after = after, sync()
	if after.HTTPAPIs["a1"] == before.HTTPAPIs["a1"] || after.HTTPAPIs["a1"].Stages["gamma"] == nil {
		t.Error("a1's new stage was lost beside a network change")
	}

	// Tagging a group changes nothing served: nothing is recompiled.
	put(&model.SecurityGroup{ID: "sg-1", VpcID: "vpc-1", Tags: model.Tags{"team": "web"}})
	before, after = after, sync()
	if after.HTTPAPIs["p1"] != before.HTTPAPIs["p1"] {
		t.Error("tagging a security group recompiled the APIs")
	}
	put(&model.SecurityGroup{ID: "sg-1", VpcID: "vpc-1", Description: "now", Tags: model.Tags{"team": "web"}})
	before, after = after, sync()
	if after.HTTPAPIs["p1"] == before.HTTPAPIs["p1"] {
		t.Error("a change beside the tags was taken for a tag change")
	}
}
