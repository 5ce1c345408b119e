package model_test

import (
	"strings"
	"testing"

	"gatehouse/internal/model"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
)

// One store holding a REST API and an HTTP API, each with a stage, an
// edge domain and a regional one, and mappings on both.
func domainFixture(t *testing.T) store.Store {
	t.Helper()
	st := mem.New()
	_, err := st.Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "1", Region: "r"}
		for _, r := range []model.Record{
			&model.RestAPI{ID: "rest"},
			&model.RestStage{APIID: "rest", Name: "prod"},
			&model.HTTPAPI{ID: "http"},
			&model.Stage{APIID: "http", Name: "live"},
			&model.DomainName{Name: "edge.example.com", EndpointType: model.EndpointEdge, SecurityPolicy: model.TLS12},
			&model.DomainName{Name: "api.example.com", EndpointType: model.EndpointRegional, SecurityPolicy: model.TLS12},
			&model.APIMapping{Domain: "api.example.com", ID: "m1", Path: "orders", APIID: "rest", Stage: "prod"},
			&model.APIMapping{Domain: "edge.example.com", ID: "m2", Path: "", APIID: "rest"},
			&model.APIMapping{Domain: "api.example.com", ID: "m3", Path: "v2", APIID: "rest", Stage: "prod"},
		} {
			if err := model.Put(mt, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCheckMapping(t *testing.T) {
	st := domainFixture(t)
	for _, c := range []struct {
		name   string
		domain string
		m      model.APIMapping
		want   model.MappingRule
	}{
		{"rest stage", "api.example.com", model.APIMapping{ID: "n", Path: "v1", APIID: "rest", Stage: "prod"}, model.MappingAllowed},
		{"rest without stage", "edge.example.com", model.APIMapping{ID: "n", Path: "v1", APIID: "rest"}, model.MappingAllowed},
		{"http on regional", "api.example.com", model.APIMapping{ID: "n", Path: "a/b", APIID: "http", Stage: "live"}, model.MappingAllowed},
		{"itself keeps its path", "api.example.com", model.APIMapping{ID: "m1", Path: "orders", APIID: "rest", Stage: "prod"}, model.MappingAllowed},
		{"bad path", "api.example.com", model.APIMapping{ID: "n", Path: "a//b", APIID: "rest", Stage: "prod"}, model.MappingBadPath},
		{"levels on edge", "edge.example.com", model.APIMapping{ID: "n", Path: "a/b", APIID: "rest", Stage: "prod"}, model.MappingLevelsNotAllowed},
		{"http on edge", "edge.example.com", model.APIMapping{ID: "n", Path: "h", APIID: "http", Stage: "live"}, model.MappingHTTPNotAllowed},
		{"http without stage", "api.example.com", model.APIMapping{ID: "n", Path: "h", APIID: "http"}, model.MappingNoStage},
		{"no api", "api.example.com", model.APIMapping{ID: "n", Path: "h", APIID: "nope", Stage: "prod"}, model.MappingNoAPI},
		{"no rest stage", "api.example.com", model.APIMapping{ID: "n", Path: "h", APIID: "rest", Stage: "dev"}, model.MappingNoSuchStage},
		{"no http stage", "api.example.com", model.APIMapping{ID: "n", Path: "h", APIID: "http", Stage: "dev"}, model.MappingNoSuchStage},
		{"path taken", "api.example.com", model.APIMapping{ID: "n", Path: "orders", APIID: "http", Stage: "live"}, model.MappingPathTaken},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := st.View(func(tx store.Tx) error {
				mt := model.Tx{Tx: tx, Account: "1", Region: "r"}
				d, ok, err := model.GetDomain(mt, c.domain)
				if err != nil || !ok {
					t.Fatalf("GetDomain(%q) = %v, %v", c.domain, ok, err)
				}
				m := c.m
				m.Domain = d.Name
				got, err := model.CheckMapping(mt, d, &m)
				if got != c.want {
					t.Errorf("CheckMapping = %v, want %v", got, c.want)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestMappingLookups(t *testing.T) {
	st := domainFixture(t)
	err := st.View(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "1", Region: "r"}
		if d, ok, err := model.GetDomain(mt, "API.Example.COM"); err != nil || !ok || d.Name != "api.example.com" {
			t.Errorf("GetDomain in upper case = %v, %v, %v", d, ok, err)
		}
		if m, ok, err := model.MappingAtPath(mt, "api.example.com", "orders"); err != nil || !ok || m.ID != "m1" {
			t.Errorf("MappingAtPath(orders) = %v, %v, %v", m, ok, err)
		}
		if _, ok, err := model.MappingAtPath(mt, "api.example.com", ""); err != nil || ok {
			t.Errorf("MappingAtPath(\"\") found a mapping the domain lacks (%v)", err)
		}
		for _, c := range []struct {
			stage string
			want  string
		}{{"", "api.example.com edge.example.com"}, {"prod", "api.example.com"}, {"dev", ""}} {
			got, err := model.MappedDomains(mt, "rest", c.stage)
			if err != nil || strings.Join(got, " ") != c.want {
				t.Errorf("MappedDomains(rest, %q) = %q (%v), want %q", c.stage, got, err, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "1", Region: "r"}
		d, _, _ := model.GetDomain(mt, "api.example.com")
		if err := model.DeleteDomain(mt, d); err != nil {
			return err
		}
		left, err := model.DomainMappings(mt, "api.example.com")
		if len(left) != 0 {
			t.Errorf("DeleteDomain left %d mappings", len(left))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
