package restapi

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"gatehouse/internal/mapping/jsonpath"
	"gatehouse/internal/mapping/restparam"
)

// decoded is a body decoded as JSON, or why it is not.
type decoded struct {
	doc any
	err error
}

// bodyJSON decodes body once for JSONPath sources, keeping the result in
// *d. Like AWS, it decodes only what looks like JSON (an object, array or
// string); other bodies have no fields, and a body that starts as JSON but
// is not is an error.
func bodyJSON(body []byte, d **decoded) (any, error) {
	if *d != nil {
		return (*d).doc, (*d).err
	}
	*d = &decoded{}
	b := bytes.TrimSpace(body)
	if len(b) == 0 || !strings.ContainsRune(`{["`, rune(b[0])) {
		return nil, nil
	}
	(*d).doc, (*d).err = jsonpath.Decode(b)
	return (*d).doc, (*d).err
}

// value is a single-valued source's value, false when the request has
// none (a mapping without a value sets nothing). A parameter given more
// than once gives its last value, as AWS does; a multi-valued source gives
// its values joined by commas. It fails only on a body that is not JSON.
func (q *request) value(s restparam.Source) (string, bool, error) {
	switch s.Kind {
	case restparam.Static:
		return s.Name, s.Name != "", nil
	case restparam.StageVariable:
		v, ok := q.stage.Vars[s.Name]
		return v, ok && v != "", nil
	case restparam.Context:
		v := q.contextValue(s.Name)
		return v, v != "", nil
	case restparam.RequestPath:
		v, ok := q.params[s.Name]
		return v, ok && v != "", nil
	case restparam.RequestQuery:
		return last(q.queryValues()[s.Name])
	case restparam.RequestHeader:
		return last(q.r.Header.Values(s.Name))
	case restparam.RequestMultiQuery:
		return joined(q.queryValues()[s.Name])
	case restparam.RequestMultiHeader:
		return joined(q.r.Header.Values(s.Name))
	case restparam.RequestBody:
		b := bytes.TrimSpace(q.body)
		if len(b) == 0 {
			// AWS maps an empty body as an empty JSON object.
			return "{}", true, nil
		}
		return string(b), true, nil
	case restparam.RequestBodyPath:
		doc, err := bodyJSON(q.body, &q.json)
		if err != nil {
			return "", false, err
		}
		return selected(s.Path, doc)
	}
	return "", false, nil
}

// values is a source's values for a querystring target: each value of a
// multi-valued query string parameter, else the one value (a multi-valued
// header's joined by commas).
func (q *request) values(s restparam.Source) ([]string, error) {
	if s.Kind == restparam.RequestMultiQuery {
		return q.queryValues()[s.Name], nil
	}
	v, ok, err := q.value(s)
	if !ok || err != nil {
		return nil, err
	}
	return []string{v}, nil
}

func (q *request) queryValues() url.Values {
	if q.query == nil {
		q.query = q.r.URL.Query()
	}
	return q.query
}

// contextValue is a context variable a mapping reads, from the same
// $context templates see ("identity.sourceIp" is a member of a member);
// empty when there is none.
func (q *request) contextValue(name string) string {
	var v any = q.context()
	for part := range strings.SplitSeq(name, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[part]
	}
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

func last(vs []string) (string, bool, error) {
	if len(vs) == 0 || vs[len(vs)-1] == "" {
		return "", false, nil
	}
	return vs[len(vs)-1], true, nil
}

func joined(vs []string) (string, bool, error) {
	if len(vs) == 0 {
		return "", false, nil
	}
	return strings.Join(vs, ","), true, nil
}

func selected(p *jsonpath.Path, doc any) (string, bool, error) {
	v, ok := p.Select(doc)
	if !ok {
		return "", false, nil
	}
	s, ok := jsonpath.Text(v)
	return s, ok, nil
}

// mapParams applies an integration's requestParameters to the backend
// request: headers replace the method request's (a multi-valued source
// joined by commas), query string values are added to query (each value of
// a multi-valued source its own parameter, beside a proxy's own), path
// values go to pathVals for the URI's placeholders. It returns query and
// pathVals, made when they were nil and needed, and fails only on a body
// that is not JSON.
func mapParams(q *request, params []restparam.Mapping, out *http.Request, query url.Values, pathVals map[string]string) (url.Values, map[string]string, error) {
	for _, m := range params {
		switch m.Target.In {
		case restparam.Header:
			v, ok, err := q.value(m.Source)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				out.Header.Set(m.Target.Name, v)
			}
		case restparam.QueryString:
			vs, err := q.values(m.Source)
			if err != nil {
				return nil, nil, err
			}
			for _, v := range vs {
				if query == nil {
					query = url.Values{}
				}
				query.Add(m.Target.Name, v)
			}
		case restparam.PathParam:
			v, ok, err := q.value(m.Source)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				if pathVals == nil {
					pathVals = map[string]string{}
				}
				pathVals[m.Target.Name] = v
			}
		}
	}
	return query, pathVals, nil
}

// answer is what a response mapping reads: the backend's headers and
// body (and the method request, for context and stage variables).
type answer struct {
	header http.Header
	body   []byte
	json   *decoded
}

// value is a response source's value, as request.value gives a request
// source's; it fails only on a body that is not JSON.
func (a *answer) value(q *request, s restparam.Source) (string, bool, error) {
	switch s.Kind {
	case restparam.ResponseHeader:
		return last(a.header.Values(s.Name))
	case restparam.ResponseMultiHeader:
		return joined(a.header.Values(s.Name))
	case restparam.ResponseBody:
		return string(a.body), len(a.body) > 0, nil
	case restparam.ResponseBodyPath:
		doc, err := bodyJSON(a.body, &a.json)
		if err != nil {
			return "", false, err
		}
		return selected(s.Path, doc)
	}
	return q.value(s)
}
