package model

import (
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"

	"gatehouse/internal/store"
)

// Scope is one account and region: the partition state lives in.
type Scope struct {
	Account, Region string
}

// Snapshot is an immutable, indexed view of the whole model at one store
// revision. Controllers and the data-plane compiler read it instead of the
// store; nothing may modify it after Load returns.
type Snapshot struct {
	Revision uint64
	Scopes   map[Scope]*Scoped
}

// Scoped is one scope's records, indexed by id (by ARN for ELB records).
type Scoped struct {
	Scope          Scope
	VPCs           map[string]*VPC
	Subnets        map[string]*Subnet
	SecurityGroups map[string]*SecurityGroup
	Interfaces     map[string]*NetworkInterface
	NetworkACLs    map[string]*NetworkACL
	RouteTables    map[string]*RouteTable
	EC2Instances   map[string]*EC2Instance
	// InterfaceByIP finds the interface that owns a private address, keyed
	// "vpcID/ip": two VPCs may well use the same addresses. See InterfaceAt.
	InterfaceByIP map[string]*NetworkInterface
	LoadBalancers map[string]*LoadBalancer
	TargetGroups  map[string]*TargetGroup
	Listeners     map[string]*Listener
	Rules         map[string]*ListenerRule
	// HTTP APIs and their parts; routes, integrations, stages and
	// deployments are keyed "apiID/id".
	HTTPAPIs     map[string]*HTTPAPI
	Routes       map[string]*Route
	Authorizers  map[string]*Authorizer
	Integrations map[string]*Integration
	Stages       map[string]*Stage
	Deployments  map[string]*Deployment
	// Deployed holds the entries of deployments with a Seq; see
	// Scoped.DeployedParts.
	Deployed DeployedEntries
	VpcLinks map[string]*VpcLink
	// REST APIs and their parts; resources, deployments and stages are
	// keyed "apiID/id".
	RestAPIs         map[string]*RestAPI
	RestResources    map[string]*RestResource
	RestDeployments  map[string]*RestDeployment
	RestStages       map[string]*RestStage
	VpcLinksV1       map[string]*VpcLinkV1
	EndpointServices map[string]*EndpointService
	// API keys and usage plans by id; plan keys keyed "planID/keyID".
	APIKeys       map[string]*APIKey
	UsagePlans    map[string]*UsagePlan
	UsagePlanKeys map[string]*UsagePlanKey
	// Custom domain names by name, and their API mappings keyed
	// "domain/id".
	DomainNames map[string]*DomainName
	APIMappings map[string]*APIMapping
	// Cloud Map: namespaces and services by id, services also by ARN (what
	// an HTTP API integration names), and each service's instances in id
	// order, keyed by service id.
	Namespaces           map[string]*Namespace
	CloudMapServices     map[string]*CloudMapService
	CloudMapServiceByARN map[string]*CloudMapService
	CloudMapInstances    map[string][]*Instance
	// Lambda functions by name; their published versions and aliases
	// keyed "function/version" and "function/alias".
	Functions        map[string]*Function
	FunctionVersions map[string]*FunctionVersion
	FunctionAliases  map[string]*FunctionAlias
}

func newScoped(s Scope) *Scoped {
	return &Scoped{
		Scope:          s,
		VPCs:           map[string]*VPC{},
		Subnets:        map[string]*Subnet{},
		SecurityGroups: map[string]*SecurityGroup{},
		Interfaces:     map[string]*NetworkInterface{},
		InterfaceByIP:  map[string]*NetworkInterface{},
		NetworkACLs:    map[string]*NetworkACL{},
		RouteTables:    map[string]*RouteTable{},
		EC2Instances:   map[string]*EC2Instance{},
		LoadBalancers:  map[string]*LoadBalancer{},
		TargetGroups:   map[string]*TargetGroup{},
		Listeners:      map[string]*Listener{},
		Rules:          map[string]*ListenerRule{},

		HTTPAPIs:             map[string]*HTTPAPI{},
		Routes:               map[string]*Route{},
		Authorizers:          map[string]*Authorizer{},
		Integrations:         map[string]*Integration{},
		Stages:               map[string]*Stage{},
		Deployments:          map[string]*Deployment{},
		VpcLinks:             map[string]*VpcLink{},
		RestAPIs:             map[string]*RestAPI{},
		RestResources:        map[string]*RestResource{},
		RestDeployments:      map[string]*RestDeployment{},
		RestStages:           map[string]*RestStage{},
		VpcLinksV1:           map[string]*VpcLinkV1{},
		EndpointServices:     map[string]*EndpointService{},
		APIKeys:              map[string]*APIKey{},
		UsagePlans:           map[string]*UsagePlan{},
		UsagePlanKeys:        map[string]*UsagePlanKey{},
		DomainNames:          map[string]*DomainName{},
		APIMappings:          map[string]*APIMapping{},
		Namespaces:           map[string]*Namespace{},
		CloudMapServices:     map[string]*CloudMapService{},
		CloudMapServiceByARN: map[string]*CloudMapService{},
		CloudMapInstances:    map[string][]*Instance{},
		Functions:            map[string]*Function{},
		FunctionVersions:     map[string]*FunctionVersion{},
		FunctionAliases:      map[string]*FunctionAlias{},
	}
}

// Load reads every record in one read transaction.
func Load(st store.Store) (*Snapshot, error) {
	var snap *Snapshot
	err := st.View(func(tx store.Tx) error {
		var err error
		snap, err = loadTx(tx)
		return err
	})
	return snap, err
}

// Loader loads snapshots for every controller of one store: a revision is
// loaded once however many controllers ask, and a new revision is the last
// snapshot with only the records the store's change feed names read again.
// Unchanged records, and the maps of kinds nothing touched, are shared with
// the previous snapshot, so a commit costs in proportion to what it wrote,
// not to the size of the model.
type Loader struct {
	st   store.Store
	mu   sync.Mutex
	last *Snapshot
}

// NewLoader returns a loader over st.
func NewLoader(st store.Store) *Loader { return &Loader{st: st} }

// Load returns the snapshot at the store's current revision. Snapshots share
// unchanged records, which is safe because nothing may modify a snapshot.
func (l *Loader) Load() (*Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var snap *Snapshot
	err := l.st.View(func(tx store.Tx) error {
		rev := tx.Revision()
		if l.last != nil && l.last.Revision == rev {
			snap = l.last
			return nil
		}
		var err error
		if keys, ok := l.changedTo(rev); ok {
			snap, err = l.last.apply(tx, keys)
		} else {
			snap, err = loadTx(tx)
		}
		if err != nil {
			return err
		}
		snap.Revision = rev
		l.last = snap
		return nil
	})
	return snap, err
}

// changedTo is the keys written between the last snapshot and rev, if the
// feed holds all of those commits.
func (l *Loader) changedTo(rev uint64) ([]string, bool) {
	if l.last == nil || l.last.Revision > rev {
		return nil, false
	}
	keys, upto, ok := Changed(l.st, l.last.Revision, rev)
	return keys, ok && upto == rev
}

// Changed returns the keys the commits after revision after wrote, up to
// revision upto (or as far as the feed goes when upto is 0), and the last
// revision they cover. ok is false when the feed no longer holds the
// commits right after after: the reader must read everything again.
func Changed(st store.Store, after, upto uint64) (keys []string, rev uint64, ok bool) {
	changes, ok := st.Changes(after)
	if !ok {
		return nil, 0, false
	}
	rev = after
	for _, c := range changes {
		if upto != 0 && c.Revision > upto {
			break
		}
		keys = append(keys, c.Keys...)
		rev = c.Revision
	}
	return keys, rev, true
}

// KindOf is the record kind a store key holds ("" for a key outside the
// model's layout).
func KindOf(key string) string {
	_, kind, _, ok := splitKey(key)
	if !ok {
		return ""
	}
	return kind
}

// ScopeOf is the account and region a store key belongs to.
func ScopeOf(key string) Scope {
	scope, _, _, _ := splitKey(key)
	return scope
}

// IDOf is the id part of a store key: the record's Key within its kind.
func IDOf(key string) string {
	_, _, id, _ := splitKey(key)
	return id
}

// splitKey splits /{account}/{region}/{kind}/{id}; ids (ARNs) may hold '/'.
func splitKey(key string) (Scope, string, string, bool) {
	parts := strings.SplitN(key, "/", 5)
	if len(parts) != 5 || parts[0] != "" {
		return Scope{}, "", "", false
	}
	return Scope{Account: parts[1], Region: parts[2]}, parts[3], parts[4], true
}

func loadTx(tx store.Tx) (*Snapshot, error) {
	e := &edit{snap: &Snapshot{Scopes: map[Scope]*Scoped{}, Revision: tx.Revision()}, fresh: true}
	err := tx.List("/", func(key string, val []byte) error {
		return e.set(key, val, true)
	})
	if err != nil {
		return nil, err
	}
	return e.snap, nil
}

// apply returns a copy of s with the records at keys read again from tx:
// only the maps of the kinds the keys name are copied, and only the
// records at the keys decoded.
func (s *Snapshot) apply(tx store.Tx, keys []string) (*Snapshot, error) {
	e := &edit{snap: &Snapshot{Scopes: maps.Clone(s.Scopes)}}
	seen := make(map[string]bool, len(keys))
	for _, key := range keys {
		if seen[key] {
			continue
		}
		seen[key] = true
		val, ok := tx.Get(key)
		if err := e.set(key, val, ok); err != nil {
			return nil, err
		}
	}
	return e.snap, nil
}

// edit builds one snapshot from the one before it, copying each map the
// first time it changes (fresh: everything is new and may be written).
type edit struct {
	snap   *Snapshot
	fresh  bool
	scopes map[Scope]*scopeEdit
}

type scopeEdit struct {
	sc *Scoped
	// own names the maps (by kind) and instance lists (by service id)
	// this edit has already copied, and so may write.
	own map[string]bool
}

func (e *edit) scope(s Scope) *scopeEdit {
	if se := e.scopes[s]; se != nil {
		return se
	}
	if e.scopes == nil {
		e.scopes = map[Scope]*scopeEdit{}
	}
	se := &scopeEdit{own: map[string]bool{}}
	if old := e.snap.Scopes[s]; old != nil && !e.fresh {
		cp := *old
		se.sc = &cp
	} else {
		se.sc = newScoped(s)
		se.own["*"] = true // all its maps are new
	}
	e.snap.Scopes[s] = se.sc
	e.scopes[s] = se
	return se
}

// owns reports whether the edit already owns what (and from now on it
// does: the caller copies it when the answer is no).
func (se *scopeEdit) owns(what string) bool {
	if se.own["*"] || se.own[what] {
		return true
	}
	se.own[what] = true
	return false
}

// set puts the record at key (present) or removes it (!present).
func (e *edit) set(key string, val []byte, present bool) error {
	scope, kind, id, ok := splitKey(key)
	if !ok || !indexed[kind] {
		return nil // kinds this snapshot does not index
	}
	se := e.scope(scope)
	sc := se.sc
	switch kind {
	case VPC{}.Kind():
		return put(se, kind, &sc.VPCs, key, id, val, present, nil)
	case Subnet{}.Kind():
		return put(se, kind, &sc.Subnets, key, id, val, present, nil)
	case SecurityGroup{}.Kind():
		return put(se, kind, &sc.SecurityGroups, key, id, val, present, nil)
	case NetworkInterface{}.Kind():
		return put(se, kind, &sc.Interfaces, key, id, val, present, func(old, rec *NetworkInterface) {
			if !se.owns("eni-ip") {
				sc.InterfaceByIP = maps.Clone(sc.InterfaceByIP)
			}
			if old != nil && sc.InterfaceByIP[old.VpcID+"/"+old.PrivateIP] == old {
				delete(sc.InterfaceByIP, old.VpcID+"/"+old.PrivateIP)
			}
			if rec != nil {
				sc.InterfaceByIP[rec.VpcID+"/"+rec.PrivateIP] = rec
			}
		})
	case NetworkACL{}.Kind():
		return put(se, kind, &sc.NetworkACLs, key, id, val, present, nil)
	case RouteTable{}.Kind():
		return put(se, kind, &sc.RouteTables, key, id, val, present, nil)
	case EC2Instance{}.Kind():
		return put(se, kind, &sc.EC2Instances, key, id, val, present, nil)
	case LoadBalancer{}.Kind():
		return put(se, kind, &sc.LoadBalancers, key, id, val, present, nil)
	case TargetGroup{}.Kind():
		return put(se, kind, &sc.TargetGroups, key, id, val, present, nil)
	case Listener{}.Kind():
		return put(se, kind, &sc.Listeners, key, id, val, present, nil)
	case ListenerRule{}.Kind():
		return put(se, kind, &sc.Rules, key, id, val, present, nil)
	case HTTPAPI{}.Kind():
		return put(se, kind, &sc.HTTPAPIs, key, id, val, present, nil)
	case Route{}.Kind():
		return put(se, kind, &sc.Routes, key, id, val, present, nil)
	case Authorizer{}.Kind():
		return put(se, kind, &sc.Authorizers, key, id, val, present, nil)
	case Integration{}.Kind():
		return put(se, kind, &sc.Integrations, key, id, val, present, nil)
	case Stage{}.Kind():
		return put(se, kind, &sc.Stages, key, id, val, present, nil)
	case Deployment{}.Kind():
		return put(se, kind, &sc.Deployments, key, id, val, present, nil)
	case DeployedEntry{}.Kind():
		return se.putDeployed(key, id, val, present)
	case VpcLink{}.Kind():
		return put(se, kind, &sc.VpcLinks, key, id, val, present, nil)
	case RestAPI{}.Kind():
		return put(se, kind, &sc.RestAPIs, key, id, val, present, nil)
	case RestResource{}.Kind():
		return put(se, kind, &sc.RestResources, key, id, val, present, nil)
	case RestDeployment{}.Kind():
		return put(se, kind, &sc.RestDeployments, key, id, val, present, nil)
	case RestStage{}.Kind():
		return put(se, kind, &sc.RestStages, key, id, val, present, nil)
	case VpcLinkV1{}.Kind():
		return put(se, kind, &sc.VpcLinksV1, key, id, val, present, nil)
	case EndpointService{}.Kind():
		return put(se, kind, &sc.EndpointServices, key, id, val, present, nil)
	case APIKey{}.Kind():
		return put(se, kind, &sc.APIKeys, key, id, val, present, nil)
	case UsagePlan{}.Kind():
		return put(se, kind, &sc.UsagePlans, key, id, val, present, nil)
	case UsagePlanKey{}.Kind():
		return put(se, kind, &sc.UsagePlanKeys, key, id, val, present, nil)
	case DomainName{}.Kind():
		return put(se, kind, &sc.DomainNames, key, id, val, present, nil)
	case APIMapping{}.Kind():
		return put(se, kind, &sc.APIMappings, key, id, val, present, nil)
	case Namespace{}.Kind():
		return put(se, kind, &sc.Namespaces, key, id, val, present, nil)
	case CloudMapService{}.Kind():
		return put(se, kind, &sc.CloudMapServices, key, id, val, present, func(old, rec *CloudMapService) {
			if !se.owns("sd-arn") {
				sc.CloudMapServiceByARN = maps.Clone(sc.CloudMapServiceByARN)
			}
			if old != nil && sc.CloudMapServiceByARN[old.ARN] == old {
				delete(sc.CloudMapServiceByARN, old.ARN)
			}
			if rec != nil {
				sc.CloudMapServiceByARN[rec.ARN] = rec
			}
		})
	case Instance{}.Kind():
		return setInstance(se, key, id, val, present)
	case Function{}.Kind():
		return put(se, kind, &sc.Functions, key, id, val, present, nil)
	case FunctionVersion{}.Kind():
		return put(se, kind, &sc.FunctionVersions, key, id, val, present, nil)
	case FunctionAlias{}.Kind():
		return put(se, kind, &sc.FunctionAliases, key, id, val, present, nil)
	}
	return nil
}

// indexed is every kind a snapshot holds.
var indexed = map[string]bool{}

func init() {
	for _, r := range []Record{VPC{}, Subnet{}, SecurityGroup{}, NetworkInterface{}, NetworkACL{}, RouteTable{}, EC2Instance{}, LoadBalancer{}, TargetGroup{},
		Listener{}, ListenerRule{}, HTTPAPI{}, Route{}, Authorizer{}, Integration{}, Stage{}, Deployment{}, DeployedEntry{}, VpcLink{}, RestAPI{},
		RestResource{}, RestDeployment{}, RestStage{}, VpcLinkV1{}, EndpointService{}, APIKey{}, UsagePlan{}, UsagePlanKey{}, DomainName{}, APIMapping{}, Namespace{},
		CloudMapService{}, Instance{}, Function{}, FunctionVersion{}, FunctionAlias{}} {
		indexed[r.Kind()] = true
	}
}

// put sets m[id] to the record decoded from val, or deletes it, copying m
// first unless this edit owns it; index, when set, keeps a second index in
// step (old is the record replaced, rec the new one, either may be nil).
func put[T any](se *scopeEdit, kind string, m *map[string]*T, key, id string, val []byte, present bool, index func(old, rec *T)) error {
	var rec *T
	if present {
		rec = new(T)
		if err := json.Unmarshal(val, rec); err != nil {
			return fmt.Errorf("record %s does not decode: %w", key, err)
		}
	}
	if !se.owns(kind) {
		*m = maps.Clone(*m)
	}
	old := (*m)[id]
	if rec != nil {
		(*m)[id] = rec
	} else {
		delete(*m, id)
	}
	if index != nil {
		index(old, rec)
	}
	return nil
}

// setInstance keeps each service's instances in id order, as their keys
// ("serviceID/instanceID") list them.
func setInstance(se *scopeEdit, key, id string, val []byte, present bool) error {
	sc := se.sc
	svc, instID, _ := strings.Cut(id, "/")
	var rec *Instance
	if present {
		rec = new(Instance)
		if err := json.Unmarshal(val, rec); err != nil {
			return fmt.Errorf("record %s does not decode: %w", key, err)
		}
	}
	if !se.owns("sd-instance") {
		sc.CloudMapInstances = maps.Clone(sc.CloudMapInstances)
	}
	list := sc.CloudMapInstances[svc]
	if !se.owns("sd-instance/" + svc) {
		list = slices.Clone(list)
	}
	i, found := slices.BinarySearchFunc(list, instID, func(in *Instance, id string) int { return strings.Compare(in.ID, id) })
	switch {
	case rec != nil && found:
		list[i] = rec
	case rec != nil:
		list = slices.Insert(list, i, rec)
	case found:
		list = slices.Delete(list, i, i+1)
	}
	if len(list) == 0 {
		delete(sc.CloudMapInstances, svc)
	} else {
		sc.CloudMapInstances[svc] = list
	}
	return nil
}

// InterfaceAt returns the interface of vpcID that owns addr, or nil.
func (sc *Scoped) InterfaceAt(vpcID string, addr netip.Addr) *NetworkInterface {
	return sc.InterfaceByIP[vpcID+"/"+addr.Unmap().String()]
}

// Lookup returns the record stored at key in s, or nil: the record a
// compiler read, to compare with the one a later snapshot holds.
func (s *Snapshot) Lookup(key string) any {
	scope, kind, id, ok := splitKey(key)
	sc := s.Scopes[scope]
	if !ok || sc == nil {
		return nil
	}
	switch kind {
	case DeployedEntry{}.Kind():
		if e := sc.Deployed.Get(id); e != nil {
			return e
		}
		return nil
	case Instance{}.Kind():
		svc, inst, _ := strings.Cut(id, "/")
		for _, in := range sc.CloudMapInstances[svc] {
			if in.ID == inst {
				return in
			}
		}
		return nil
	}
	if m := sc.byKind(kind); m.IsValid() {
		if v := m.MapIndex(reflect.ValueOf(id)); v.IsValid() {
			return v.Interface()
		}
	}
	return nil
}

// byKind is the map of sc that holds kind's records, keyed as the store's
// keys end.
func (sc *Scoped) byKind(kind string) reflect.Value {
	var m any
	switch kind {
	case VPC{}.Kind():
		m = sc.VPCs
	case Subnet{}.Kind():
		m = sc.Subnets
	case SecurityGroup{}.Kind():
		m = sc.SecurityGroups
	case NetworkInterface{}.Kind():
		m = sc.Interfaces
	case NetworkACL{}.Kind():
		m = sc.NetworkACLs
	case RouteTable{}.Kind():
		m = sc.RouteTables
	case EC2Instance{}.Kind():
		m = sc.EC2Instances
	case LoadBalancer{}.Kind():
		m = sc.LoadBalancers
	case TargetGroup{}.Kind():
		m = sc.TargetGroups
	case Listener{}.Kind():
		m = sc.Listeners
	case ListenerRule{}.Kind():
		m = sc.Rules
	case HTTPAPI{}.Kind():
		m = sc.HTTPAPIs
	case Route{}.Kind():
		m = sc.Routes
	case Authorizer{}.Kind():
		m = sc.Authorizers
	case Integration{}.Kind():
		m = sc.Integrations
	case Stage{}.Kind():
		m = sc.Stages
	case Deployment{}.Kind():
		m = sc.Deployments
	case VpcLink{}.Kind():
		m = sc.VpcLinks
	case RestAPI{}.Kind():
		m = sc.RestAPIs
	case RestResource{}.Kind():
		m = sc.RestResources
	case RestStage{}.Kind():
		m = sc.RestStages
	case RestDeployment{}.Kind():
		m = sc.RestDeployments
	case VpcLinkV1{}.Kind():
		m = sc.VpcLinksV1
	case EndpointService{}.Kind():
		m = sc.EndpointServices
	case APIKey{}.Kind():
		m = sc.APIKeys
	case UsagePlan{}.Kind():
		m = sc.UsagePlans
	case UsagePlanKey{}.Kind():
		m = sc.UsagePlanKeys
	case DomainName{}.Kind():
		m = sc.DomainNames
	case APIMapping{}.Kind():
		m = sc.APIMappings
	case Namespace{}.Kind():
		m = sc.Namespaces
	case CloudMapService{}.Kind():
		m = sc.CloudMapServices
	case Function{}.Kind():
		m = sc.Functions
	case FunctionVersion{}.Kind():
		m = sc.FunctionVersions
	case FunctionAlias{}.Kind():
		m = sc.FunctionAliases
	default:
		return reflect.Value{}
	}
	return reflect.ValueOf(m)
}

// SameButTags reports whether two records are equal in everything but
// their tags (theirs and their parts') and the fields tagged served:"-"
// (a VPC's DNS settings and DHCP options, a subnet's launch settings),
// which nothing served depends on.
func SameButTags(a, b any) bool {
	return equalButTags(reflect.ValueOf(a), reflect.ValueOf(b))
}

var tagsType = reflect.TypeFor[Tags]()

func equalButTags(a, b reflect.Value) bool {
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalButTags(a.Elem(), b.Elem())
	case reflect.Struct:
		if a.Type().PkgPath() != tagsType.PkgPath() {
			return reflect.DeepEqual(a.Interface(), b.Interface())
		}
		for i := range a.NumField() {
			if f := a.Type().Field(i); f.Type == tagsType || f.Tag.Get("served") == "-" {
				continue
			}
			if !equalButTags(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equalButTags(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// DeployedParts calls fn with each route and integration deployment d
// holds: its own copies, or for a deployment with a Seq the entries that
// cover it. The entries are the snapshot's own records, shared with the
// next snapshot while they do not change, so a compiler may key what it
// derives from them by their identity.
func (sc *Scoped) DeployedParts(d *Deployment, fn func(r *Route, i *Integration)) {
	if d.Seq == 0 {
		for i := range d.Integrations {
			fn(nil, &d.Integrations[i])
		}
		for i := range d.Routes {
			fn(&d.Routes[i], nil)
		}
		return
	}
	for e := range sc.Deployed.OfAPI(d.APIID) {
		if e.In(d.Seq) {
			fn(e.Route, e.Integration)
		}
	}
}

// DeployedEntries holds deployed entries by key ("apiID/r/routeID/since"),
// each API's apart, so that compiling one API reads its own entries
// alone, and in shards within an API, so that a snapshot after a commit
// that writes one entry copies one shard of that API's entries rather
// than all of them.
type DeployedEntries struct {
	apis map[string]*apiDeployed
}

// apiDeployed is one API's deployed entries.
type apiDeployed struct {
	shards [deployedShards]map[string]*DeployedEntry
}

const deployedShards = 64

// putDeployed is put for a deployed entry: it copies the map of APIs, the
// API's shards and the one shard it writes, each once per edit.
func (se *scopeEdit) putDeployed(key, id string, val []byte, present bool) error {
	d := &se.sc.Deployed
	api, _, _ := strings.Cut(id, "/")
	if !se.owns("deployed") || d.apis == nil {
		d.apis = maps.Clone(d.apis)
		if d.apis == nil {
			d.apis = map[string]*apiDeployed{}
		}
	}
	a := d.apis[api]
	switch {
	case a == nil && !present:
		return nil
	case a == nil:
		a = &apiDeployed{}
		d.apis[api] = a
		se.own["deployed/"+api] = true
	case !se.owns("deployed/" + api):
		cp := *a
		a = &cp
		d.apis[api] = a
	}
	n := shardOf(id)
	shard := fmt.Sprint("deployed/", api, "/", n)
	if a.shards[n] == nil {
		a.shards[n] = map[string]*DeployedEntry{}
		se.own[shard] = true
	}
	err := put(se, shard, &a.shards[n], key, id, val, present, nil)
	if len(a.shards[n]) == 0 {
		a.shards[n] = nil // as a whole read leaves it
		if a.empty() {
			delete(d.apis, api)
		}
	}
	return err
}

func (a *apiDeployed) empty() bool {
	for _, m := range a.shards {
		if len(m) != 0 {
			return false
		}
	}
	return true
}

// shardOf spreads keys over the shards (FNV-1a).
func shardOf(key string) int {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return int(h % deployedShards)
}

// Get returns the entry at key, or nil.
func (d *DeployedEntries) Get(key string) *DeployedEntry {
	api, _, _ := strings.Cut(key, "/")
	a := d.apis[api]
	if a == nil {
		return nil
	}
	return a.shards[shardOf(key)][key]
}

// All yields every entry, in no order.
func (d *DeployedEntries) All() iter.Seq[*DeployedEntry] {
	return func(yield func(*DeployedEntry) bool) {
		for _, a := range d.apis {
			for _, m := range a.shards {
				for _, e := range m {
					if !yield(e) {
						return
					}
				}
			}
		}
	}
}

// OfAPI yields the entries of API id, in no order.
func (d *DeployedEntries) OfAPI(id string) iter.Seq[*DeployedEntry] {
	return func(yield func(*DeployedEntry) bool) {
		a := d.apis[id]
		if a == nil {
			return
		}
		for _, m := range a.shards {
			for _, e := range m {
				if !yield(e) {
					return
				}
			}
		}
	}
}

// Len is the number of entries.
func (d *DeployedEntries) Len() int {
	n := 0
	for _, a := range d.apis {
		for _, m := range a.shards {
			n += len(m)
		}
	}
	return n
}

// Set puts e at its key, in place: for building a snapshot by hand, never
// on a snapshot that has been shared.
func (d *DeployedEntries) Set(e *DeployedEntry) {
	key := e.Key()
	if d.apis == nil {
		d.apis = map[string]*apiDeployed{}
	}
	a := d.apis[e.APIID]
	if a == nil {
		a = &apiDeployed{}
		d.apis[e.APIID] = a
	}
	m := &a.shards[shardOf(key)]
	if *m == nil {
		*m = map[string]*DeployedEntry{}
	}
	(*m)[key] = e
}

// Delete removes the entry at key, in place, as Set.
func (d *DeployedEntries) Delete(key string) {
	api, _, _ := strings.Cut(key, "/")
	if a := d.apis[api]; a != nil {
		delete(a.shards[shardOf(key)], key)
	}
}
