package httpapi

import (
	"net/http"

	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/dataplane/jwtauth"
)

// authorize runs a JWT route's authorizer on r. It returns the token's
// claims, or nil once it has answered the request: 401 or 403 with
// AWS's body and www-authenticate challenge, or a 500 when the route
// names an authorizer the API no longer has (deleted after the stage's
// deployment was made).
func authorize(w http.ResponseWriter, r *http.Request, env *Env, api *API, route *RouteJWT, lg *accesslog.Entry) *jwtauth.Claims {
	a := api.Authorizers[route.AuthorizerID]
	if a == nil {
		lg.Denied(http.StatusInternalServerError, "authorizer "+route.AuthorizerID+" does not exist")
		reply(w, http.StatusInternalServerError, "Internal Server Error")
		return nil
	}
	claims, d := a.Check(r, route.Scopes, env.Issuers)
	if d != nil {
		lg.Denied(d.Status, d.Reason)
		if d.Challenge != "" {
			w.Header()["Www-Authenticate"] = []string{d.Challenge}
		}
		reply(w, d.Status, d.Message())
		return nil
	}
	lg.Authorized(claims)
	return claims
}
