package model

import (
	"bytes"
	"encoding/json"
	"net/netip"
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
	Integrations map[string]*Integration
	Stages       map[string]*Stage
	Deployments  map[string]*Deployment
	VpcLinks     map[string]*VpcLink
	// REST APIs and their parts; resources, deployments and stages are
	// keyed "apiID/id".
	RestAPIs         map[string]*RestAPI
	RestResources    map[string]*RestResource
	RestDeployments  map[string]*RestDeployment
	RestStages       map[string]*RestStage
	VpcLinksV1       map[string]*VpcLinkV1
	EndpointServices map[string]*EndpointService
	// Cloud Map: namespaces and services by id, services also by ARN (what
	// an HTTP API integration names), and each service's instances in id
	// order, keyed by service id.
	Namespaces           map[string]*Namespace
	CloudMapServices     map[string]*CloudMapService
	CloudMapServiceByARN map[string]*CloudMapService
	CloudMapInstances    map[string][]*Instance
}

func newScoped(s Scope) *Scoped {
	return &Scoped{
		Scope:          s,
		VPCs:           map[string]*VPC{},
		Subnets:        map[string]*Subnet{},
		SecurityGroups: map[string]*SecurityGroup{},
		Interfaces:     map[string]*NetworkInterface{},
		InterfaceByIP:  map[string]*NetworkInterface{},
		LoadBalancers:  map[string]*LoadBalancer{},
		TargetGroups:   map[string]*TargetGroup{},
		Listeners:      map[string]*Listener{},
		Rules:          map[string]*ListenerRule{},

		HTTPAPIs:             map[string]*HTTPAPI{},
		Routes:               map[string]*Route{},
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
		Namespaces:           map[string]*Namespace{},
		CloudMapServices:     map[string]*CloudMapService{},
		CloudMapServiceByARN: map[string]*CloudMapService{},
		CloudMapInstances:    map[string][]*Instance{},
	}
}

// Load reads every record in one read transaction.
func Load(st store.Store) (*Snapshot, error) {
	var snap *Snapshot
	err := st.View(func(tx store.Tx) error {
		var err error
		snap, err = loadTx(tx, nil)
		return err
	})
	return snap, err
}

// Loader loads snapshots for every controller of one store: a revision is
// loaded once however many controllers ask, and a record whose stored bytes
// did not change since the last load is reused rather than decoded again.
// Without it each commit costs every controller a decode of the whole model,
// and a burst of writes costs time quadratic in the model's size.
type Loader struct {
	st    store.Store
	mu    sync.Mutex
	last  *Snapshot
	cache map[string]cached
}

type cached struct {
	raw []byte
	rec any
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
		if l.last != nil && l.last.Revision == tx.Revision() {
			snap = l.last
			return nil
		}
		dc := &decodeCache{prev: l.cache, next: make(map[string]cached, len(l.cache))}
		s, err := loadTx(tx, dc)
		if err != nil {
			return err
		}
		l.last, l.cache, snap = s, dc.next, s
		return nil
	})
	return snap, err
}

// decodeCache carries decoded records from one load to the next.
type decodeCache struct {
	prev, next map[string]cached
}

func loadTx(tx store.Tx, dc *decodeCache) (*Snapshot, error) {
	snap := &Snapshot{Scopes: map[Scope]*Scoped{}, Revision: tx.Revision()}
	err := tx.List("/", func(key string, val []byte) error {
		// /{account}/{region}/{kind}/{id}; ids (ARNs) may hold '/'.
		parts := strings.SplitN(key, "/", 5)
		if len(parts) != 5 {
			return nil
		}
		scope := Scope{Account: parts[1], Region: parts[2]}
		sc := snap.Scopes[scope]
		if sc == nil {
			sc = newScoped(scope)
			snap.Scopes[scope] = sc
		}
		return sc.add(dc, key, parts[3], val)
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

func (sc *Scoped) add(dc *decodeCache, key, kind string, val []byte) error {
	switch kind {
	case VPC{}.Kind():
		return into(dc, key, val, sc.VPCs, func(r *VPC) string { return r.ID })
	case Subnet{}.Kind():
		return into(dc, key, val, sc.Subnets, func(r *Subnet) string { return r.ID })
	case SecurityGroup{}.Kind():
		return into(dc, key, val, sc.SecurityGroups, func(r *SecurityGroup) string { return r.ID })
	case NetworkInterface{}.Kind():
		return into(dc, key, val, sc.Interfaces, func(r *NetworkInterface) string {
			sc.InterfaceByIP[r.VpcID+"/"+r.PrivateIP] = r
			return r.ID
		})
	case LoadBalancer{}.Kind():
		return into(dc, key, val, sc.LoadBalancers, func(r *LoadBalancer) string { return r.ARN })
	case TargetGroup{}.Kind():
		return into(dc, key, val, sc.TargetGroups, func(r *TargetGroup) string { return r.ARN })
	case Listener{}.Kind():
		return into(dc, key, val, sc.Listeners, func(r *Listener) string { return r.ARN })
	case HTTPAPI{}.Kind():
		return into(dc, key, val, sc.HTTPAPIs, func(r *HTTPAPI) string { return r.Key() })
	case Route{}.Kind():
		return into(dc, key, val, sc.Routes, func(r *Route) string { return r.Key() })
	case Integration{}.Kind():
		return into(dc, key, val, sc.Integrations, func(r *Integration) string { return r.Key() })
	case Stage{}.Kind():
		return into(dc, key, val, sc.Stages, func(r *Stage) string { return r.Key() })
	case Deployment{}.Kind():
		return into(dc, key, val, sc.Deployments, func(r *Deployment) string { return r.Key() })
	case VpcLink{}.Kind():
		return into(dc, key, val, sc.VpcLinks, func(r *VpcLink) string { return r.Key() })
	case RestAPI{}.Kind():
		return into(dc, key, val, sc.RestAPIs, func(r *RestAPI) string { return r.Key() })
	case RestResource{}.Kind():
		return into(dc, key, val, sc.RestResources, func(r *RestResource) string { return r.Key() })
	case RestDeployment{}.Kind():
		return into(dc, key, val, sc.RestDeployments, func(r *RestDeployment) string { return r.Key() })
	case RestStage{}.Kind():
		return into(dc, key, val, sc.RestStages, func(r *RestStage) string { return r.Key() })
	case VpcLinkV1{}.Kind():
		return into(dc, key, val, sc.VpcLinksV1, func(r *VpcLinkV1) string { return r.Key() })
	case EndpointService{}.Kind():
		return into(dc, key, val, sc.EndpointServices, func(r *EndpointService) string { return r.Key() })
	case ListenerRule{}.Kind():
		return into(dc, key, val, sc.Rules, func(r *ListenerRule) string { return r.ARN })
	case Namespace{}.Kind():
		return into(dc, key, val, sc.Namespaces, func(r *Namespace) string { return r.ID })
	case CloudMapService{}.Kind():
		return into(dc, key, val, sc.CloudMapServices, func(r *CloudMapService) string {
			sc.CloudMapServiceByARN[r.ARN] = r
			return r.ID
		})
	case Instance{}.Kind():
		// Keys list a service's instances in id order, so appending keeps it.
		rec, err := decode[Instance](dc, key, val)
		if err != nil {
			return err
		}
		sc.CloudMapInstances[rec.ServiceID] = append(sc.CloudMapInstances[rec.ServiceID], rec)
		return nil
	}
	return nil // kinds this snapshot does not index yet
}

func into[T any](dc *decodeCache, key string, val []byte, m map[string]*T, id func(*T) string) error {
	rec, err := decode[T](dc, key, val)
	if err != nil {
		return err
	}
	m[id(rec)] = rec
	return nil
}

// decode returns the record stored at key, reusing the previous load's
// record when the bytes are the same.
func decode[T any](dc *decodeCache, key string, val []byte) (*T, error) {
	if dc != nil {
		if c, ok := dc.prev[key]; ok && bytes.Equal(c.raw, val) {
			if rec, ok := c.rec.(*T); ok {
				dc.next[key] = c
				return rec, nil
			}
		}
	}
	rec := new(T)
	if err := json.Unmarshal(val, rec); err != nil {
		return nil, err
	}
	if dc != nil {
		// Store values are only valid inside their transaction: keep a copy.
		dc.next[key] = cached{raw: append([]byte(nil), val...), rec: rec}
	}
	return rec, nil
}

// InterfaceAt returns the interface of vpcID that owns addr, or nil.
func (sc *Scoped) InterfaceAt(vpcID string, addr netip.Addr) *NetworkInterface {
	return sc.InterfaceByIP[vpcID+"/"+addr.Unmap().String()]
}
