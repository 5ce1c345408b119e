package restapi

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/dataplane/accesslog"
	"gatehouse/internal/dataplane/private"
	"gatehouse/internal/dataplane/throttle"
	"gatehouse/internal/dataplane/upstream"
	"gatehouse/internal/mapping/restparam"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
	"gatehouse/internal/usage"
)

// API is a compiled REST API.
type API struct {
	ID     string
	Stages map[string]*Stage
}

// Stage is a compiled stage: its deployment's resource tree, with stage
// variables already substituted where AWS resolves them (connection ids).
type Stage struct {
	Name string
	Vars map[string]string
	// account is the API's account, $context.accountId.
	account string
	// AccessLog is the stage's access log format, nil without access
	// logging.
	AccessLog *accesslog.Format
	root      *resource
	// keys admit requests to methods that require an API key; nil when
	// no method of the stage does.
	keys *keyring
	// responses are the deployment's customized gateway responses, nil
	// when it has none.
	responses *gatewayResponses
}

type resource struct {
	path    string
	static  map[string]*resource
	param   *resource
	pname   string
	greedy  *resource
	gname   string
	methods map[string]*Method
}

// Method is a compiled method with its integration.
type Method struct {
	HTTPMethod  string
	Resource    string
	resourceID  string
	Integration *Integration
	// IAM says the method's authorizationType is AWS_IAM: a caller must
	// sign with SigV4. APIKeyRequired says it requires an API key.
	IAM, APIKeyRequired bool
	// limit is what the method's requests draw from; nil when nothing
	// throttles them.
	limit *limit
	// validate is what the method's request validator checks; nil when
	// it has none.
	validate *validation
	// authorizer is a CUSTOM method's Lambda authorizer, nil for others.
	authorizer *authorizer
	// authARN is the method ARN of a request for the method's own path
	// by its own verb, for a CUSTOM method whose path has no parameters
	// and whose verb is not ANY; "" otherwise.
	authARN string
}

// limit is a throttle: a token bucket, or a closed door when a limit of 0
// refuses every request.
type limit struct {
	bucket *throttle.Bucket
	closed bool
	// verbs are an ANY method's verbs with settings of their own, which
	// stand in for the method's limit on requests of that verb.
	verbs map[string]*limit
}

// allow takes a token for a request of verb at now, without a lock or an
// allocation.
func (l *limit) allow(verb string, now time.Time) bool {
	if v, ok := l.verbs[verb]; ok {
		l = v
	}
	return !l.closed && l.bucket.Allow(now)
}

// Integration is a compiled REST integration.
type Integration struct {
	Type       string // MOCK | HTTP | HTTP_PROXY | AWS | AWS_PROXY
	HTTPMethod string
	URI        *url.URL
	Timeout    time.Duration
	// Params are the requestParameters, parsed by the grammar the service
	// checked them with, in key order.
	Params    []restparam.Mapping
	Responses []*response // by selection pattern; Default last
	Default   *response
	// requestTemplates map the method request's body by its content
	// type, under passthrough's rule (WHEN_NO_MATCH, WHEN_NO_TEMPLATES or
	// NEVER); nil for proxies and integrations without templates.
	requestTemplates *templates
	passthrough      string
	// wholeBody says the method request's body is read whole before the
	// integration is called: a mapping or a template reads it, or the
	// integration is HTTP, whose payload is converted or read as text.
	wholeBody bool
	// binary is the API's binaryMediaTypes as deployed, contentHandling
	// the integration's conversion of the request payload ("" for none);
	// both unset for proxies, whose payloads pass through.
	binary          mediaTypes
	contentHandling string

	Private bool
	// Path is a private integration's way to its targets (a v1 or V2
	// link), nil for others and for broken ones.
	Path   *private.Path
	Broken string
	// lambda is an AWS or AWS_PROXY integration's function, nil for
	// others and for broken ones.
	lambda *lambdaTarget
}

type response struct {
	status    int
	pattern   *regexp.Regexp
	headers   []restparam.Mapping
	templates *templates // by the types the method request accepts
	// contentHandling converts the backend's payload for the method
	// response ("" for none).
	contentHandling string
}

// Compile builds the REST APIs of one scope. Throttled stages and methods
// take their buckets from buckets, and usage plans' keys their quota
// counters from quotas, so a recompile neither refills nor resets them.
func Compile(sc *model.Scoped, balancers map[string]*upstream.Balancer, buckets *throttle.Registry, quotas *usage.Quotas) map[string]*API {
	out := map[string]*API{}
	for _, a := range sc.RestAPIs {
		out[a.ID] = CompileAPI(sc, a, balancers, buckets, quotas)
	}
	return out
}

// CompileAPI builds one REST API of sc, so that a change to one API
// recompiles that API alone.
func CompileAPI(sc *model.Scoped, a *model.RestAPI, balancers map[string]*upstream.Balancer, buckets *throttle.Registry, quotas *usage.Quotas) *API {
	rules := network.RulesOf(sc)
	api := &API{ID: a.ID, Stages: map[string]*Stage{}}
	for _, st := range sc.RestStages {
		if st.APIID != a.ID {
			continue
		}
		stage := &Stage{Name: st.Name, Vars: st.Variables, account: sc.Scope.Account, AccessLog: accesslog.Compile(st.AccessLog), root: &resource{path: "/"}}
		if dep := sc.RestDeployments[a.ID+"/"+st.DeploymentID]; dep != nil {
			binary := compileMediaTypes(dep.BinaryMediaTypes)
			stage.responses = compileGatewayResponses(dep)
			validators := make(map[string]model.RestRequestValidator, len(dep.Validators))
			for _, v := range dep.Validators {
				validators[v.ID] = v
			}
			ms := newModels(a.ID, dep)
			authorizers := compileAuthorizers(sc, a.ID, st, dep)
			resources := append([]model.RestResource(nil), dep.Resources...)
			sort.Slice(resources, func(i, j int) bool { return resources[i].Path < resources[j].Path })
			for i := range resources {
				r := &resources[i]
				node := stage.root.insert(r.Path)
				for m, meth := range r.Methods {
					if node.methods == nil {
						node.methods = map[string]*Method{}
					}
					node.methods[m] = &Method{HTTPMethod: m, Resource: r.Path, resourceID: r.ID,
						Integration: compileIntegration(sc, meth.Integration, st, balancers, rules, binary),
						IAM:         meth.AuthorizationType == "AWS_IAM", APIKeyRequired: meth.APIKeyRequired,
						validate: compileValidation(meth, validators, ms), authorizer: authorizerOf(meth, authorizers)}
					lambdaSource(sc, a.ID, st, node.methods[m])
					authorizedARN(node.methods[m])
				}
			}
		}
		compileThrottle(stage, st, buckets)
		compileKeys(sc, a, stage, buckets, quotas)
		api.Stages[st.Name] = stage
	}
	return api
}

// compileThrottle gives each method of a stage its limit: the stage's
// "*/*" settings apply to each method on its own (AWS applies a stage's
// limits per method), and a method's own settings replace either limit
// they set (a negative one is unset). Settings cannot name ANY, so an ANY
// method's requests draw on the settings of their own verb where there
// are some. Settings for methods the deployment lacks are ignored.
func compileThrottle(stage *Stage, st *model.RestStage, buckets *throttle.Registry) {
	if len(st.MethodSettings) == 0 {
		return
	}
	name := "restapis/" + st.APIID + "/" + st.Name
	all, ok := st.MethodSettings[model.AllMethods]
	if !ok {
		all = model.RestMethodSetting{ThrottlingRateLimit: -1, ThrottlingBurstLimit: -1}
	}
	// limitOf is the limit for requests of verb on m: its own settings
	// over the stage's, in a bucket of its own.
	limitOf := func(m *Method, verb string) (*limit, bool) {
		key := model.MethodSettingKey(m.Resource, verb)
		rate, burst := all.ThrottlingRateLimit, all.ThrottlingBurstLimit
		ms, own := st.MethodSettings[key]
		if own {
			if ms.ThrottlingRateLimit >= 0 {
				rate = ms.ThrottlingRateLimit
			}
			if ms.ThrottlingBurstLimit >= 0 {
				burst = ms.ThrottlingBurstLimit
			}
		}
		return newLimit(buckets, name+" "+key, rate, burst), own
	}
	for _, m := range stage.Methods() {
		if m.HTTPMethod != "ANY" {
			m.limit, _ = limitOf(m, m.HTTPMethod)
			continue
		}
		m.limit, _ = limitOf(m, "ANY")
		verbs := map[string]*limit{}
		for _, verb := range []string{"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD"} {
			if l, own := limitOf(m, verb); own && l != nil {
				verbs[verb] = l
			}
		}
		if len(verbs) > 0 {
			if m.limit == nil {
				m.limit = &limit{}
			}
			m.limit.verbs = verbs
		}
	}
}

// newLimit is the limit of rate and burst: nil when either is unset
// (negative), closed when either is 0.
func newLimit(buckets *throttle.Registry, name string, rate float64, burst int) *limit {
	switch {
	case rate < 0 || burst < 0:
		return nil
	case rate == 0 || burst == 0:
		return &limit{closed: true}
	}
	return &limit{bucket: buckets.Bucket(name, rate, burst)}
}

func (r *resource) insert(path string) *resource {
	n := r
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if seg == "" {
			continue
		}
		switch {
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "+}"):
			if n.greedy == nil {
				n.greedy = &resource{}
			}
			n.gname = seg[1 : len(seg)-2]
			n = n.greedy
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}"):
			if n.param == nil {
				n.param = &resource{}
			}
			n.pname = seg[1 : len(seg)-1]
			n = n.param
		default:
			if n.static == nil {
				n.static = map[string]*resource{}
			}
			if n.static[seg] == nil {
				n.static[seg] = &resource{}
			}
			n = n.static[seg]
		}
	}
	n.path = path
	return n
}

func compileIntegration(sc *model.Scoped, in *model.RestIntegration, st *model.RestStage, balancers map[string]*upstream.Balancer, rules network.Rules, binary mediaTypes) *Integration {
	if in == nil {
		return &Integration{Broken: "no integration"}
	}
	timeout := time.Duration(in.TimeoutMillis) * time.Millisecond
	if timeout <= 0 || timeout > 29*time.Second {
		timeout = 29 * time.Second
	}
	out := &Integration{Type: in.Type, HTTPMethod: in.HTTPMethod, Timeout: timeout,
		Params: restparam.Request(in.RequestParameters)}
	for code, ir := range in.IntegrationResponses {
		r := &response{headers: restparam.Response(ir.ResponseParameters), contentHandling: ir.ContentHandling}
		r.status, _ = strconv.Atoi(code)
		r.templates = compileTemplates(ir.ResponseTemplates)
		if ir.SelectionPattern == "" {
			out.Default = r
			continue
		}
		re, err := regexp.Compile("^(?:" + ir.SelectionPattern + ")$")
		if err != nil {
			continue
		}
		r.pattern = re
		out.Responses = append(out.Responses, r)
	}
	if in.Type != "HTTP_PROXY" && in.Type != "AWS_PROXY" {
		// Templates parse here, once, and payloads are converted; a proxy
		// passes the request as it is.
		out.requestTemplates = compileTemplates(in.RequestTemplates)
		out.passthrough = in.PassthroughBehavior
		out.binary, out.contentHandling = binary, in.ContentHandling
	}
	// A function's payload is the whole body, or the event holding it.
	out.wholeBody = in.Type == "HTTP" || in.Type == "AWS" || in.Type == "AWS_PROXY" || out.requestTemplates != nil
	for _, m := range out.Params {
		out.wholeBody = out.wholeBody || m.Source.Body()
	}
	if in.Type == "MOCK" {
		return out
	}
	if in.Type == "AWS" || in.Type == "AWS_PROXY" {
		compileLambda(sc, in, st, binary, out)
		return out
	}
	// Each stage compiles its own copy, so its variables can be settled
	// here once rather than on every request.
	u, err := url.Parse(stageVariableUse.ReplaceAllStringFunc(in.URI, func(ref string) string {
		return st.Variables[ref[len("${stageVariables."):len(ref)-1]]
	}))
	if err != nil || u.Host == "" {
		out.Broken = "integration URI is not a URL"
		return out
	}
	out.URI = u
	if in.ConnectionType != "VPC_LINK" {
		return out
	}
	out.Private = true
	linkID := in.ConnectionID
	if name, ok := strings.CutPrefix(linkID, "${stageVariables."); ok {
		linkID = st.Variables[strings.TrimSuffix(name, "}")]
	}
	port := uriPort(u)
	if v1 := sc.VpcLinksV1[linkID]; v1 != nil {
		if len(v1.TargetARNs) == 0 || balancers[v1.TargetARNs[0]] == nil {
			out.Broken = "the VPC link's NLB does not exist"
			return out
		}
		out.Path = private.V1(sc, v1, balancers[v1.TargetARNs[0]], port, rules)
		return out
	}
	v2 := sc.VpcLinks[linkID]
	if v2 == nil {
		out.Broken = "VPC link " + linkID + " does not exist"
		return out
	}
	b := balancers[in.IntegrationTarget]
	if b == nil {
		out.Broken = "integration target " + in.IntegrationTarget + " does not exist"
		return out
	}
	out.Path = private.V2(sc, v2, b, port, rules)
	return out
}

func uriPort(u *url.URL) int {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return p
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// stageVariableUse is a stage variable inside an integration URI, which AWS
// allows anywhere in it, the host included.
var stageVariableUse = regexp.MustCompile(`\$\{stageVariables\.[A-Za-z0-9_]+\}`)

var statusCodeField = regexp.MustCompile(`"statusCode"\s*:\s*"?(\d{3})`)
