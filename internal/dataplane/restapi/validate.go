package restapi

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"

	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/model"
	"gatehouse/internal/schema"
)

// validation is what a method's request validator checks, compiled: the
// required parameters in AWS's order, and the model of each content type.
// A method without a validator, or whose validator checks nothing it
// declares, has none and pays nothing.
type validation struct {
	params []required
	// bodies maps a content type to its compiled model; a nil entry is a
	// model that did not compile. Nil when bodies are not validated.
	bodies map[string]*schema.Schema
}

// required is a required request parameter: where it is looked for and
// its name.
type required struct {
	where, name string // header | querystring | path
}

// models compiles a deployment's models on first use, each once per
// stage.
type models struct {
	apiID    string
	src      map[string]string
	compiled map[string]*schema.Schema
}

func newModels(apiID string, dep *model.RestDeployment) *models {
	src := make(map[string]string, len(dep.Models))
	for _, m := range dep.Models {
		src[m.Name] = m.Schema
	}
	return &models{apiID: apiID, src: src, compiled: map[string]*schema.Schema{}}
}

func (ms *models) get(name string) *schema.Schema {
	if s, ok := ms.compiled[name]; ok {
		return s
	}
	s, _ := schema.Compile(ms.apiID, name, ms.src)
	ms.compiled[name] = s
	return s
}

// compileValidation builds the checks of meth under the validator its
// deployment knows by id, nil when there is nothing to check.
func compileValidation(meth *model.RestMethod, validators map[string]model.RestRequestValidator, ms *models) *validation {
	rv, ok := validators[meth.RequestValidatorID]
	if !ok {
		return nil
	}
	v := &validation{}
	if rv.ValidateRequestParameters {
		keys := make([]string, 0, len(meth.RequestParameters))
		for k, req := range meth.RequestParameters {
			if req {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			rest, _ := strings.CutPrefix(k, "method.request.")
			where, name, _ := strings.Cut(rest, ".")
			where = strings.TrimPrefix(where, "multivalue")
			v.params = append(v.params, required{where: where, name: name})
		}
	}
	if rv.ValidateRequestBody && len(meth.RequestModels) > 0 {
		v.bodies = make(map[string]*schema.Schema, len(meth.RequestModels))
		for ct, name := range meth.RequestModels {
			v.bodies[ct] = ms.get(name)
		}
	}
	if len(v.params) == 0 && v.bodies == nil {
		return nil
	}
	return v
}

// holdsBody reports whether the validation reads the body, and holds it
// within the server's bound for the rest of the request.
func (v *validation) holdsBody() bool { return v != nil && v.bodies != nil }

// check validates q's request, parameters first as AWS does. A body it
// reads (within the payload limit, the server's bound on what it holds,
// and the grace a client has to deliver it) is put back for the
// integration; held is what the caller gives back to the guard when the
// request is done.
func (v *validation) check(w http.ResponseWriter, q *request) (held int64, a *fault) {
	r := q.r
	if len(v.params) > 0 {
		var missing []string
		var query map[string][]string
		for _, p := range v.params {
			var ok bool
			switch p.where {
			case "header":
				_, ok = r.Header[http.CanonicalHeaderKey(p.name)]
			case "querystring":
				if query == nil {
					query = r.URL.Query()
				}
				_, ok = query[p.name]
			case "path":
				ok = q.params[p.name] != ""
			default:
				ok = true
			}
			if !ok {
				missing = append(missing, p.name)
			}
		}
		if len(missing) > 0 {
			msg := "Missing required request parameters: [" + strings.Join(missing, ", ") + "]"
			return 0, &fault{kind: badRequestParameters, status: http.StatusBadRequest, message: msg, errorType: "BadRequestException", detail: msg}
		}
	}
	if v.bodies == nil {
		return 0, nil
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		if !q.method.IAM { // an AWS_IAM method's body is held already
			held = upstream.BodySize(r, MaxPayload)
			if !q.env.Guard.Hold(held) {
				return 0, &tooMany
			}
		}
		upstream.BoundBodyRead(w, r)
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
		r.Body.Close()
		switch {
		case len(body) > MaxPayload:
			return held, &tooLarge
		case err != nil:
			return held, &fault{kind: default4xx, status: http.StatusBadRequest, message: "Bad Request", errorType: "BadRequestException"}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	ct := "application/json"
	if h := r.Header.Get("Content-Type"); h != "" {
		if mt, _, err := mime.ParseMediaType(h); err == nil {
			ct = mt
		} else {
			ct = strings.ToLower(h)
		}
	}
	s, ok := v.bodies[ct]
	if !ok {
		if s, ok = v.bodies["$default"]; !ok {
			return held, nil
		}
	}
	if s == nil {
		// A model the deployment could not compile validates nothing: the
		// API is misconfigured.
		return held, &configurationError
	}
	if err := s.Validate(body); err != nil {
		return held, &fault{kind: badRequestBody, status: http.StatusBadRequest, message: "Invalid request body", errorType: "BadRequestException", detail: err.Error()}
	}
	return held, nil
}
