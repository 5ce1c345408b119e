package httpapi

import (
	"net/http"
	"sort"
	"strings"

	"gatehouse/internal/dataplane/jwtauth"
)

// paramOp is one compiled requestParameters entry:
// "overwrite:header.X" = "$request.querystring.y", say.
type paramOp struct {
	action string // append | overwrite | remove
	target string // header | querystring | path
	name   string
	value  []part
}

// part of a value: a literal, or a variable such as request.header.x.
type part struct {
	lit    string
	source string // request.header | request.querystring | request.path | request.pathparam | context | stageVariables
	name   string
}

// compileParams parses the mapping once; entries that do not parse were
// rejected by the management API and are skipped here.
func compileParams(m map[string]string) []paramOp {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a stable order: removes and overwrites do not race
	var out []paramOp
	for _, k := range keys {
		action, rest, ok := strings.Cut(k, ":")
		if !ok {
			continue
		}
		target, name, _ := strings.Cut(rest, ".")
		out = append(out, paramOp{action: action, target: target, name: name, value: parseValue(m[k])})
	}
	return out
}

// parseValue splits "$request.header.x", "${request.path.id}-suffix" or a
// literal into parts.
func parseValue(v string) []part {
	var parts []part
	for v != "" {
		i := strings.IndexByte(v, '$')
		if i < 0 {
			parts = append(parts, part{lit: v})
			break
		}
		if i > 0 {
			parts = append(parts, part{lit: v[:i]})
		}
		v = v[i+1:]
		var expr string
		if strings.HasPrefix(v, "{") {
			end := strings.IndexByte(v, '}')
			if end < 0 {
				parts = append(parts, part{lit: "$" + v})
				break
			}
			expr, v = v[1:end], v[end+1:]
		} else {
			end := 0
			for end < len(v) && (isIdent(v[end]) || v[end] == '.') {
				end++
			}
			expr, v = v[:end], v[end:]
		}
		parts = append(parts, variable(expr))
	}
	return parts
}

func isIdent(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func variable(expr string) part {
	switch {
	case strings.HasPrefix(expr, "request.header."):
		return part{source: "request.header", name: expr[len("request.header."):]}
	case strings.HasPrefix(expr, "request.querystring."):
		return part{source: "request.querystring", name: expr[len("request.querystring."):]}
	case expr == "request.path":
		return part{source: "request.path"}
	case strings.HasPrefix(expr, "request.path."):
		return part{source: "request.pathparam", name: expr[len("request.path."):]}
	case strings.HasPrefix(expr, "context."):
		return part{source: "context", name: expr[len("context."):]}
	case strings.HasPrefix(expr, "stageVariables."):
		return part{source: "stageVariables", name: expr[len("stageVariables."):]}
	}
	return part{lit: "$" + expr}
}

// reqContext is what mapping values can refer to.
type reqContext struct {
	in        *http.Request
	path      string // the request path without the stage
	match     *Match
	stage     *Stage
	apiID     string
	requestID string
	// claims are a JWT route's token claims, nil elsewhere.
	claims *jwtauth.Claims
}

func (c *reqContext) eval(parts []part) string {
	if len(parts) == 1 && parts[0].source == "" {
		return parts[0].lit
	}
	var b strings.Builder
	for _, p := range parts {
		switch p.source {
		case "":
			b.WriteString(p.lit)
		case "request.header":
			b.WriteString(strings.Join(c.in.Header.Values(p.name), ","))
		case "request.querystring":
			b.WriteString(strings.Join(c.in.URL.Query()[p.name], ","))
		case "request.path":
			b.WriteString(c.path)
		case "request.pathparam":
			v, _ := c.match.Param(p.name)
			b.WriteString(v)
		case "stageVariables":
			b.WriteString(c.stage.Vars[p.name])
		case "context":
			b.WriteString(c.contextVar(p.name))
		}
	}
	return b.String()
}

func (c *reqContext) contextVar(name string) string {
	switch name {
	case "requestId":
		return c.requestID
	case "apiId":
		return c.apiID
	case "stage":
		return c.stage.Name
	case "httpMethod":
		return c.in.Method
	case "path":
		return c.in.URL.Path
	case "domainName":
		return c.in.Host
	case "routeKey":
		if c.match.Route != nil {
			return c.match.Route.Key
		}
	}
	if claim, ok := strings.CutPrefix(name, "authorizer.claims."); ok {
		v, _ := c.claims.Claim(claim)
		return v
	}
	return ""
}

// apply maps the outgoing request: headers, query string and path.
func apply(ops []paramOp, c *reqContext, out *http.Request) {
	if len(ops) == 0 {
		return
	}
	q := out.URL.Query()
	qChanged := false
	for _, op := range ops {
		switch op.target {
		case "header":
			switch op.action {
			case "remove":
				out.Header.Del(op.name)
			case "append":
				out.Header.Add(op.name, c.eval(op.value))
			default:
				v := c.eval(op.value)
				out.Header.Set(op.name, v)
				if strings.EqualFold(op.name, "host") {
					out.Host = v
				}
			}
		case "querystring":
			qChanged = true
			switch op.action {
			case "remove":
				q.Del(op.name)
			case "append":
				q.Add(op.name, c.eval(op.value))
			default:
				q.Set(op.name, c.eval(op.value))
			}
		case "path":
			out.URL.Path = c.eval(op.value)
			out.URL.RawPath = ""
		}
	}
	if qChanged {
		out.URL.RawQuery = q.Encode()
	}
}
