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
	credentials      bool
	// the header values every answer shares, made once: answers only
	// read them.
	trueVal, exposeVal, maxAgeVal, methodsVal, headersVal []string
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
		credentials: c.AllowCredentials,
		trueVal:     []string{"true"},
		exposeVal:   value(joinList(c.ExposeHeaders)),
	}
	out.methodsVal, out.headersVal = value(out.methods), value(out.headers)
	if c.MaxAge != nil {
		out.maxAgeVal = value(strconv.Itoa(*c.MaxAge))
	}
	return out
}

// value is a one-value header, nil for "".
func value(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
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
		h["Access-Control-Allow-Credentials"] = c.trueVal
	}
	if !preflight {
		if c.exposeVal != nil {
			h["Access-Control-Expose-Headers"] = c.exposeVal
		}
		return
	}
	if m := c.wild(c.methodsVal, r.Header.Get("Access-Control-Request-Method")); m != nil {
		h["Access-Control-Allow-Methods"] = m
	}
	if hs := c.wild(c.headersVal, r.Header.Get("Access-Control-Request-Headers")); hs != nil {
		h["Access-Control-Allow-Headers"] = hs
	}
	if c.maxAgeVal != nil {
		h["Access-Control-Max-Age"] = c.maxAgeVal
	}
}

// wild is the configured value, or what the preflight asked for where
// the configuration allows any and credentials too.
func (c *CORS) wild(configured []string, asked string) []string {
	if configured != nil && configured[0] == "*" && c.credentials && asked != "" {
		return []string{asked}
	}
	return configured
}

// corsHeader reports whether a (canonical) header name is one the
// gateway sets itself when the API has a CORS configuration: the
// backend's own are dropped.
func corsHeader(k string) bool {
	return strings.HasPrefix(k, "Access-Control-")
}
