package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/model"
)

// CORS is an API's compiled corsConfiguration: the header values it
// sends, joined once.
type CORS struct {
	anyOrigin bool
	origins   []string
	// methods and headers are the Access-Control-Allow-* values of a
	// preflight; "*" when the configuration allows any.
	methods, headers string
	expose           string
	maxAge           string
	credentials      bool
}

// compileCORS is c compiled, nil for none.
func compileCORS(c *model.CORS) *CORS {
	if c == nil {
		return nil
	}
	out := &CORS{
		anyOrigin:   slices.Contains(c.AllowOrigins, "*"),
		origins:     c.AllowOrigins,
		methods:     joinList(c.AllowMethods),
		headers:     joinList(c.AllowHeaders),
		expose:      joinList(c.ExposeHeaders),
		credentials: c.AllowCredentials,
	}
	if c.MaxAge != nil {
		out.maxAge = strconv.Itoa(*c.MaxAge)
	}
	return out
}

// joinList is a list as one header value; "*" alone when it holds "*".
func joinList(l []string) string {
	if slices.Contains(l, "*") {
		return "*"
	}
	return strings.Join(l, ",")
}

// Preflight reports whether r is a CORS preflight: an OPTIONS request
// with an Origin and an Access-Control-Request-Method.
func Preflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// allowOrigin is the Access-Control-Allow-Origin an answer to origin
// carries, "" when the configuration does not allow it.
func (c *CORS) allowOrigin(origin string) string {
	switch {
	case origin == "":
		return ""
	case slices.Contains(c.origins, origin):
		return origin
	case c.anyOrigin:
		return "*"
	}
	return ""
}

// answerPreflight is the gateway's own answer to a preflight that no
// route takes: 204, with the CORS headers when the origin is allowed and
// none when it is not, so that the browser refuses the request.
func (c *CORS) answerPreflight(w http.ResponseWriter, r *http.Request) {
	c.decorate(w.Header(), r, true)
	w.WriteHeader(http.StatusNoContent)
}

// decorate sets the CORS headers of an answer to r from an allowed
// origin: the origin, credentials and exposed headers on every answer,
// and on a preflight the methods, headers and max age as well. Where
// the configuration allows any method or header and credentials are
// allowed, the preflight names what it was asked for, since browsers
// read "*" literally on a request with credentials.
func (c *CORS) decorate(h http.Header, r *http.Request, preflight bool) {
	origin := c.allowOrigin(r.Header.Get("Origin"))
	if origin == "" {
		return
	}
	h["Access-Control-Allow-Origin"] = []string{origin}
	if c.credentials {
		h["Access-Control-Allow-Credentials"] = []string{"true"}
	}
	if !preflight {
		if c.expose != "" {
			h["Access-Control-Expose-Headers"] = []string{c.expose}
		}
		return
	}
	if m := c.wild(c.methods, r.Header.Get("Access-Control-Request-Method")); m != "" {
		h["Access-Control-Allow-Methods"] = []string{m}
	}
	if hs := c.wild(c.headers, r.Header.Get("Access-Control-Request-Headers")); hs != "" {
		h["Access-Control-Allow-Headers"] = []string{hs}
	}
	if c.maxAge != "" {
		h["Access-Control-Max-Age"] = []string{c.maxAge}
	}
}

func (c *CORS) wild(configured, asked string) string {
	if configured == "*" && c.credentials && asked != "" {
		return asked
	}
	return configured
}

// corsHeader reports whether a (canonical) header name is one the
// gateway sets itself when the API has a CORS configuration: the
// backend's own are dropped.
func corsHeader(k string) bool {
	return strings.HasPrefix(k, "Access-Control-")
}
