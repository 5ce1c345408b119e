package upstream

import (
	"net/http"
	"net/netip"
	"strings"

	"gatehouse/internal/model"
	"gatehouse/internal/wildcard"
)

// cond is one compiled rule condition.
type cond struct {
	field   string
	header  string // http-header: canonical name
	values  []string
	query   []model.KeyValue
	sources []netip.Prefix
}

func compileCond(c model.Condition) cond {
	out := cond{field: c.Field, values: c.Values, query: c.Query}
	switch c.Field {
	case "http-header":
		out.header = http.CanonicalHeaderKey(c.HeaderName)
	case "host-header":
		out.values = lower(c.Values)
	case "source-ip":
		for _, v := range c.Values {
			if p, err := netip.ParsePrefix(v); err == nil {
				out.sources = append(out.sources, p.Masked())
			}
		}
	}
	return out
}

func lower(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.ToLower(v)
	}
	return out
}

// match reports whether the request meets the condition, with ALB's
// semantics: path patterns are case-sensitive, host names, header values and
// query strings are not; * and ? are wildcards; any one value may match.
func (c *cond) match(r *http.Request, client netip.Addr) bool {
	switch c.field {
	case "path-pattern":
		return anyWildcard(c.values, r.URL.Path, false)
	case "host-header":
		host := r.Host
		if h, _, ok := strings.Cut(host, ":"); ok {
			host = h
		}
		return anyWildcard(c.values, host, true)
	case "http-request-method":
		for _, v := range c.values {
			if v == r.Method {
				return true
			}
		}
		return false
	case "http-header":
		for _, hv := range r.Header[c.header] {
			if anyWildcard(c.values, hv, true) {
				return true
			}
		}
		return false
	case "query-string":
		q := r.URL.Query()
		for _, kv := range c.query {
			for k, vs := range q {
				if kv.Key != "" && !wildcard.Match(kv.Key, k, true) {
					continue
				}
				for _, v := range vs {
					if wildcard.Match(kv.Value, v, true) {
						return true
					}
				}
			}
		}
		return false
	case "source-ip":
		for _, p := range c.sources {
			if p.Contains(client) {
				return true
			}
		}
		return false
	}
	return false
}

func anyWildcard(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if wildcard.Match(p, s, fold) {
			return true
		}
	}
	return false
}
