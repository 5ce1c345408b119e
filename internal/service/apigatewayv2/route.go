package apigatewayv2

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

type CreateRouteInput struct {
	APIID               string   `path:"apiId" json:"-"`
	RouteKey            *string  `json:"routeKey"`
	Target              *string  `json:"target"`
	AuthorizationType   *string  `json:"authorizationType"`
	AuthorizerID        *string  `json:"authorizerId"`
	AuthorizationScopes []string `json:"authorizationScopes"`
	APIKeyRequired      *bool    `json:"apiKeyRequired"`
	OperationName       *string  `json:"operationName"`
}

type UpdateRouteInput struct {
	APIID               string   `path:"apiId" json:"-"`
	RouteID             string   `path:"routeId" json:"-"`
	RouteKey            *string  `json:"routeKey"`
	Target              *string  `json:"target"`
	AuthorizationType   *string  `json:"authorizationType"`
	AuthorizerID        *string  `json:"authorizerId"`
	AuthorizationScopes []string `json:"authorizationScopes"`
	APIKeyRequired      *bool    `json:"apiKeyRequired"`
	OperationName       *string  `json:"operationName"`
}

type RouteIDInput struct {
	APIID   string `path:"apiId" json:"-"`
	RouteID string `path:"routeId" json:"-"`
}

type ListInput struct {
	APIID      string `path:"apiId" json:"-"`
	MaxResults string `querystring:"maxResults" json:"-"`
	NextToken  string `querystring:"nextToken" json:"-"`
}

// Route is a route as API Gateway describes it.
type Route struct {
	APIGatewayManaged   bool     `json:"apiGatewayManaged"`
	APIKeyRequired      bool     `json:"apiKeyRequired"`
	AuthorizationScopes []string `json:"authorizationScopes,omitempty"`
	AuthorizationType   string   `json:"authorizationType"`
	AuthorizerID        string   `json:"authorizerId,omitempty"`
	OperationName       string   `json:"operationName,omitempty"`
	RouteID             string   `json:"routeId"`
	RouteKey            string   `json:"routeKey"`
	Target              string   `json:"target,omitempty"`
}

type GetRoutesOutput struct {
	Items     []Route `json:"items"`
	NextToken string  `json:"nextToken,omitempty"`
}

// routeChanges are the members CreateRoute and UpdateRoute share.
type routeChanges struct {
	key, target, authType, authorizer *string
	scopes                            []string
	apiKeyRequired                    *bool
	operationName                     *string
}

func (s *Service) CreateRoute(ctx context.Context, in *CreateRouteInput) (*Route, error) {
	if in.RouteKey == nil {
		return nil, badRequest("routeKey is required.")
	}
	r := &model.Route{APIID: in.APIID, AuthorizationType: "NONE"}
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		id, err := newID(routeIDLen, unused[model.Route](tx, in.APIID+"/"))
		if err != nil {
			return err
		}
		r.ID = id
		err = applyRoute(tx, r, routeChanges{in.RouteKey, in.Target, in.AuthorizationType, in.AuthorizerID,
			in.AuthorizationScopes, in.APIKeyRequired, in.OperationName})
		if err != nil {
			return err
		}
		if err := model.Put(tx, r); err != nil {
			return err
		}
		return s.autoDeploy(tx, in.APIID, &change{routes: []string{r.ID}})
	})
	if err != nil {
		return nil, err
	}
	return routeShape(r), nil
}

// applyRoute validates c against the API's other routes and integrations
// and applies what it sets to r.
func applyRoute(tx model.Tx, r *model.Route, c routeChanges) error {
	if c.key != nil {
		if err := checkRouteKey(tx, r, *c.key); err != nil {
			return err
		}
		if r.RouteKey != "" {
			if err := model.Delete(tx, &model.RouteKeyEntry{APIID: r.APIID, RouteKey: r.RouteKey}); err != nil {
				return err
			}
		}
		r.RouteKey = *c.key
		if err := model.Put(tx, &model.RouteKeyEntry{APIID: r.APIID, RouteKey: r.RouteKey, RouteID: r.ID}); err != nil {
			return err
		}
	}
	if c.target != nil {
		if err := checkTarget(tx, r.APIID, *c.target); err != nil {
			return err
		}
		r.Target = *c.target
	}
	if err := applyAuthorization(tx, r, c); err != nil {
		return err
	}
	if deref(c.apiKeyRequired) {
		return badRequest("API keys are not supported for HTTP APIs: apiKeyRequired must be false.")
	}
	if c.operationName != nil {
		r.OperationName = *c.operationName
	}
	return nil
}

// applyAuthorization sets the route's authorizationType, authorizerId and
// authorizationScopes and checks them as they will be stored: JWT needs a
// JWT authorizer of the same API, CUSTOM a Lambda (REQUEST) one; scopes
// belong to JWT routes alone, and a route leaving JWT and CUSTOM drops
// its authorizer and scopes.
func applyAuthorization(tx model.Tx, r *model.Route, c routeChanges) error {
	if c.authType != nil {
		switch t := *c.authType; t {
		case "NONE", "AWS_IAM", "JWT", "CUSTOM":
			r.AuthorizationType = t
		default:
			return badRequest("Invalid authorizationType %q: it must be NONE, AWS_IAM, JWT or CUSTOM.", t)
		}
	}
	if c.authorizer != nil {
		r.AuthorizerID = *c.authorizer
	}
	if c.scopes != nil {
		r.AuthorizationScopes = c.scopes
	}
	switch r.AuthorizationType {
	case "JWT":
	case "CUSTOM":
		if len(c.scopes) > 0 {
			return badRequest("authorizationScopes can only be set on a route whose authorizationType is JWT.")
		}
		r.AuthorizationScopes = nil
		invalid := badRequest("Invalid authorizer ID specified. Setting the authorization type to CUSTOM requires a valid REQUEST authorizer.")
		if r.AuthorizerID == "" {
			return invalid
		}
		a, ok, err := model.Get[model.Authorizer](tx, r.APIID+"/"+r.AuthorizerID)
		if err != nil {
			return err
		}
		if !ok || a.Type != "REQUEST" {
			return invalid
		}
		return nil
	default:
		if deref(c.authorizer) != "" || len(c.scopes) > 0 {
			return badRequest("authorizerId can only be set on a route whose authorizationType is JWT or CUSTOM, and authorizationScopes on a JWT one.")
		}
		r.AuthorizerID, r.AuthorizationScopes = "", nil
		return nil
	}
	invalid := badRequest("Invalid authorizer ID specified. Setting the authorization type to JWT requires a valid JWT authorizer.")
	if r.AuthorizerID == "" {
		return invalid
	}
	a, ok, err := model.Get[model.Authorizer](tx, r.APIID+"/"+r.AuthorizerID)
	if err != nil {
		return err
	}
	if !ok || a.Type != "JWT" {
		return invalid
	}
	for _, sc := range r.AuthorizationScopes {
		if sc == "" || len(sc) > 64 {
			return badRequest("Invalid authorization scope %q: a scope is 1 to 64 characters.", sc)
		}
	}
	return nil
}

// checkRouteKey checks key for r: well formed, not another route's key,
// and naming its path variables as the API's other routes do. It reads the
// route-key index, not the routes: one lookup for the key itself, and at
// each level where key has a variable, the first other route with a
// variable of the same kind there under the same parent. The routes stored
// never clash, so all of those use one name, and the first one tells it.
func checkRouteKey(tx model.Tx, r *model.Route, key string) error {
	rk, err := parseRouteKey(key)
	if err != nil {
		return err
	}
	same, ok, err := model.Get[model.RouteKeyEntry](tx, r.APIID+"/"+model.RouteKeyPath(key))
	if err != nil {
		return err
	}
	if ok && same.RouteID != r.ID {
		return conflict("The API already has a route with key %q.", key)
	}
	parent := r.APIID + "/"
	for i, seg := range rk.segs {
		if seg.param {
			var clash string
			err := model.Scan(tx, parent+"/{", func(e *model.RouteKeyEntry) bool {
				o, err := parseRouteKey(e.RouteKey)
				if e.RouteID == r.ID || err != nil || len(o.segs) <= i || o.segs[i].greedy != seg.greedy {
					return true
				}
				if o.segs[i].text != seg.text {
					clash = e.RouteKey
				}
				return false
			})
			if err != nil {
				return err
			}
			if clash != "" {
				return conflict("The provided route key %q has a conflicting variable on the same hierarchical level as %q", key, clash)
			}
		}
		parent += "/" + seg.written()
	}
	return nil
}

// checkTarget checks that a route's target names one of the API's
// integrations; "" removes the target.
func checkTarget(tx model.Tx, apiID, target string) error {
	if target == "" {
		return nil
	}
	id, ok := strings.CutPrefix(target, "integrations/")
	if !ok || id == "" {
		return badRequest("Invalid target %q: it must be integrations/{integrationId}.", target)
	}
	if _, ok, err := model.Get[model.Integration](tx, apiID+"/"+id); err != nil || !ok {
		if err != nil {
			return err
		}
		return badRequest("Invalid target %q: API %s has no integration %s.", target, apiID, id)
	}
	return nil
}

func (s *Service) GetRoute(ctx context.Context, in *RouteIDInput) (*Route, error) {
	var r *model.Route
	err := s.view(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		r, err = getRoute(tx, in.APIID, in.RouteID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return routeShape(r), nil
}

func (s *Service) GetRoutes(ctx context.Context, in *ListInput) (*GetRoutesOutput, error) {
	var all []*model.Route
	err := s.view(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		all, err = routesOf(tx, in.APIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(r *model.Route) string { return r.ID }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &GetRoutesOutput{Items: []Route{}, NextToken: next}
	for _, r := range items {
		out.Items = append(out.Items, *routeShape(r))
	}
	return out, nil
}

func (s *Service) UpdateRoute(ctx context.Context, in *UpdateRouteInput) (*Route, error) {
	var r *model.Route
	err := s.update(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		if r, err = getRoute(tx, in.APIID, in.RouteID); err != nil {
			return err
		}
		if r.Managed && in.RouteKey != nil && *in.RouteKey != r.RouteKey {
			// Quick create's route is re-keyed through UpdateApi.
			return badRequest("Cannot update the route key of Route %s because it is managed by API Gateway.", r.ID)
		}
		err = applyRoute(tx, r, routeChanges{in.RouteKey, in.Target, in.AuthorizationType, in.AuthorizerID,
			in.AuthorizationScopes, in.APIKeyRequired, in.OperationName})
		if err != nil {
			return err
		}
		if err := model.Put(tx, r); err != nil {
			return err
		}
		return s.autoDeploy(tx, in.APIID, &change{routes: []string{r.ID}})
	})
	if err != nil {
		return nil, err
	}
	return routeShape(r), nil
}

func (s *Service) DeleteRoute(ctx context.Context, in *RouteIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		r, err := getRoute(tx, in.APIID, in.RouteID)
		if err != nil {
			return err
		}
		if r.Managed {
			return badRequest("Cannot delete Route %s because it is managed by API Gateway.", r.ID)
		}
		if err := model.Delete(tx, r); err != nil {
			return err
		}
		if err := model.Delete(tx, &model.RouteKeyEntry{APIID: r.APIID, RouteKey: r.RouteKey}); err != nil {
			return err
		}
		return s.autoDeploy(tx, in.APIID, &change{routes: []string{r.ID}})
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func getRoute(tx model.Tx, apiID, id string) (*model.Route, error) {
	r, ok, err := model.Get[model.Route](tx, apiID+"/"+id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, routeNotFound(id)
	}
	return r, nil
}

// routesOf lists an API's routes in id order.
func routesOf(tx model.Tx, apiID string) ([]*model.Route, error) {
	return ofAPI[model.Route](tx, apiID)
}

// ofAPI lists the records of one kind that belong to an API, in key order,
// which within one API is id order. Their keys start with the API's id, so
// only the API's own records are read.
func ofAPI[T any, P interface {
	*T
	model.Record
}](tx model.Tx, apiID string) ([]*T, error) {
	return model.ListPrefix[T, P](tx, apiID+"/")
}

func routeShape(r *model.Route) *Route {
	return &Route{
		APIGatewayManaged:   r.Managed,
		APIKeyRequired:      r.APIKeyRequired,
		AuthorizationScopes: r.AuthorizationScopes,
		AuthorizationType:   r.AuthorizationType,
		AuthorizerID:        r.AuthorizerID,
		OperationName:       r.OperationName,
		RouteID:             r.ID,
		RouteKey:            r.RouteKey,
		Target:              r.Target,
	}
}

// routeMethod is the method part of a route key; $default takes them all.
func routeMethod(key string) string {
	if m, _, ok := strings.Cut(key, " "); ok && slices.Contains(httpMethods, m) {
		return m
	}
	return "ANY"
}

// IndexRouteKeys adds the route-key index entries that routes written
// before the index existed lack. The server calls it once at start; it
// writes only when some are missing, and only once the walk over the
// store is done: a bolt cursor may skip keys written under it.
func (s *Service) IndexRouteKeys() error {
	type entry struct {
		mt model.Tx
		e  *model.RouteKeyEntry
	}
	missing := func(tx store.Tx) ([]entry, error) {
		var out []entry
		err := tx.List("/", func(key string, val []byte) error {
			if model.KindOf(key) != (model.Route{}).Kind() {
				return nil
			}
			var r model.Route
			if err := json.Unmarshal(val, &r); err != nil {
				return fmt.Errorf("record %s does not decode: %w", key, err)
			}
			scope := model.ScopeOf(key)
			mt := model.Tx{Tx: tx, Account: scope.Account, Region: scope.Region}
			e := &model.RouteKeyEntry{APIID: r.APIID, RouteKey: r.RouteKey, RouteID: r.ID}
			if _, ok, err := model.Get[model.RouteKeyEntry](mt, e.Key()); err != nil || ok {
				return err
			}
			out = append(out, entry{mt, e})
			return nil
		})
		return out, err
	}
	var found []entry
	if err := s.store.View(func(tx store.Tx) (err error) { found, err = missing(tx); return err }); err != nil || len(found) == 0 {
		return err
	}
	_, err := s.store.Update(func(tx store.Tx) error {
		todo, err := missing(tx)
		if err != nil {
			return err
		}
		for _, t := range todo {
			if err := model.Put(t.mt, t.e); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}
