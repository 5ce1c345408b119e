package dataplane

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"gatehouse/internal/dataplane/httpapi"
	"gatehouse/internal/model"
)

// Domain is a custom domain name as requests see it: its API mappings,
// longest path first, so that the first that matches is the one AWS
// picks.
type Domain struct {
	Name     string
	Mappings []Mapping
}

// Mapping sends the requests under Prefix to an API's stage.
type Mapping struct {
	// Prefix is the mapping key as a path ("/orders/v1"), "" for the
	// mapping of the whole domain.
	Prefix string
	APIID  string
	// Stage is empty for a REST API base path mapping made without one:
	// the first segment after the prefix names the stage.
	Stage string
}

// compileDomains indexes every scope's custom domains by name. Domain
// names share one namespace on AWS; should two accounts here record the
// same name, the first scope in order serves it.
func compileDomains(ms *model.Snapshot) (map[string]*Domain, bool) {
	out := map[string]*Domain{}
	wild := false
	scopes := make([]model.Scope, 0, len(ms.Scopes))
	for s := range ms.Scopes {
		scopes = append(scopes, s)
	}
	slices.SortFunc(scopes, func(a, b model.Scope) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region))
	})
	for _, scope := range scopes {
		sc := ms.Scopes[scope]
		for name := range sc.DomainNames {
			if out[name] == nil {
				out[name] = &Domain{Name: name}
				wild = wild || strings.HasPrefix(name, "*.")
			}
		}
		for _, m := range sc.APIMappings {
			d := out[m.Domain]
			if d == nil || sc.DomainNames[m.Domain] == nil {
				continue
			}
			prefix := ""
			if m.Path != "" {
				prefix = "/" + m.Path
			}
			d.Mappings = append(d.Mappings, Mapping{Prefix: prefix, APIID: m.APIID, Stage: m.Stage})
		}
	}
	for _, d := range out {
		slices.SortFunc(d.Mappings, func(a, b Mapping) int {
			return cmp.Or(cmp.Compare(len(b.Prefix), len(a.Prefix)), strings.Compare(a.Prefix, b.Prefix))
		})
	}
	return out, wild
}

// Domain returns the custom domain a Host header names, or nil: the name
// itself, or a wildcard domain over it.
func (s *Snapshot) Domain(host string) *Domain {
	if len(s.Domains) == 0 {
		return nil
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	host = strings.TrimSuffix(host, ".")
	// ToLower returns host itself, unallocated, when it has no upper case.
	host = strings.ToLower(host)
	if d := s.Domains[host]; d != nil {
		return d
	}
	if s.wildcards {
		if _, parent, ok := strings.Cut(host, "."); ok {
			return s.Domains["*."+parent]
		}
	}
	return nil
}

// match finds the mapping of path, longest prefix first, and the path
// left once its prefix is stripped.
func (d *Domain) match(path string) (*Mapping, string) {
	for i := range d.Mappings {
		m := &d.Mappings[i]
		if m.Prefix == "" {
			return m, path
		}
		if rest, ok := strings.CutPrefix(path, m.Prefix); ok && (rest == "" || rest[0] == '/') {
			if rest == "" {
				rest = "/"
			}
			return m, rest
		}
	}
	return nil, ""
}

// serveDomain serves a request to a custom domain: the mapping with the
// longest matching key picks the API and stage, and the key is stripped
// from the path, as AWS does. A path no mapping covers, or a mapping whose
// API or stage is gone, is answered 403 Forbidden.
func (p *Plane) serveDomain(w http.ResponseWriter, r *http.Request, snap *Snapshot, d *Domain) {
	m, path := d.match(r.URL.Path)
	if m == nil {
		forbidden(w)
		return
	}
	if api := snap.HTTPAPIs[m.APIID]; api != nil {
		st := api.Stages[m.Stage]
		if st == nil {
			forbidden(w)
			return
		}
		httpapi.ServeMapped(w, r, &p.env, api, st, path, m.Prefix)
		return
	}
	if rest := snap.RestAPIs[m.APIID]; rest != nil {
		p.serveRest(w, r, rest, m.Stage, m.Stage != "", path)
		return
	}
	forbidden(w)
}

func forbidden(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", "ForbiddenException")
	w.WriteHeader(http.StatusForbidden)
	w.Write([]byte(`{"message":"Forbidden"}`))
}
