package model

import (
	"encoding/json"
	"strings"

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
	// InterfaceByIP finds the interface that owns a private address.
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
	snap := &Snapshot{Scopes: map[Scope]*Scoped{}}
	err := st.View(func(tx store.Tx) error {
		snap.Revision = tx.Revision()
		return tx.List("/", func(key string, val []byte) error {
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
			return sc.add(parts[3], val)
		})
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

func (sc *Scoped) add(kind string, val []byte) error {
	switch kind {
	case VPC{}.Kind():
		return into(val, sc.VPCs, func(r *VPC) string { return r.ID })
	case Subnet{}.Kind():
		return into(val, sc.Subnets, func(r *Subnet) string { return r.ID })
	case SecurityGroup{}.Kind():
		return into(val, sc.SecurityGroups, func(r *SecurityGroup) string { return r.ID })
	case NetworkInterface{}.Kind():
		return into(val, sc.Interfaces, func(r *NetworkInterface) string {
			sc.InterfaceByIP[r.PrivateIP] = r
			return r.ID
		})
	case LoadBalancer{}.Kind():
		return into(val, sc.LoadBalancers, func(r *LoadBalancer) string { return r.ARN })
	case TargetGroup{}.Kind():
		return into(val, sc.TargetGroups, func(r *TargetGroup) string { return r.ARN })
	case Listener{}.Kind():
		return into(val, sc.Listeners, func(r *Listener) string { return r.ARN })
	case HTTPAPI{}.Kind():
		return into(val, sc.HTTPAPIs, func(r *HTTPAPI) string { return r.Key() })
	case Route{}.Kind():
		return into(val, sc.Routes, func(r *Route) string { return r.Key() })
	case Integration{}.Kind():
		return into(val, sc.Integrations, func(r *Integration) string { return r.Key() })
	case Stage{}.Kind():
		return into(val, sc.Stages, func(r *Stage) string { return r.Key() })
	case Deployment{}.Kind():
		return into(val, sc.Deployments, func(r *Deployment) string { return r.Key() })
	case VpcLink{}.Kind():
		return into(val, sc.VpcLinks, func(r *VpcLink) string { return r.Key() })
	case RestAPI{}.Kind():
		return into(val, sc.RestAPIs, func(r *RestAPI) string { return r.Key() })
	case RestResource{}.Kind():
		return into(val, sc.RestResources, func(r *RestResource) string { return r.Key() })
	case RestDeployment{}.Kind():
		return into(val, sc.RestDeployments, func(r *RestDeployment) string { return r.Key() })
	case RestStage{}.Kind():
		return into(val, sc.RestStages, func(r *RestStage) string { return r.Key() })
	case VpcLinkV1{}.Kind():
		return into(val, sc.VpcLinksV1, func(r *VpcLinkV1) string { return r.Key() })
	case EndpointService{}.Kind():
		return into(val, sc.EndpointServices, func(r *EndpointService) string { return r.Key() })
	case ListenerRule{}.Kind():
		return into(val, sc.Rules, func(r *ListenerRule) string { return r.ARN })
	case Namespace{}.Kind():
		return into(val, sc.Namespaces, func(r *Namespace) string { return r.ID })
	case CloudMapService{}.Kind():
		return into(val, sc.CloudMapServices, func(r *CloudMapService) string {
			sc.CloudMapServiceByARN[r.ARN] = r
			return r.ID
		})
	case Instance{}.Kind():
		// Keys list a service's instances in id order, so appending keeps it.
		rec := new(Instance)
		if err := json.Unmarshal(val, rec); err != nil {
			return err
		}
		sc.CloudMapInstances[rec.ServiceID] = append(sc.CloudMapInstances[rec.ServiceID], rec)
		return nil
	}
	return nil // kinds this snapshot does not index yet
}

func into[T any](val []byte, m map[string]*T, id func(*T) string) error {
	rec := new(T)
	if err := json.Unmarshal(val, rec); err != nil {
		return err
	}
	m[id(rec)] = rec
	return nil
}
