package provision_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// fakeLambda answers the Lambda calls the provisioner makes, in Lambda's
// REST-JSON shapes, and records them, so that what CloudFormation's
// handlers do (wait for Active, wait for each update, tag, publish) is
// checked call by call. A new function is Pending for its first two
// reads, an update InProgress for its first read, as Lambda's are for a
// moment.
type fakeLambda struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	calls     []string
	functions map[string]*fakeFunction
}

type fakeFunction struct {
	config      map[string]any
	zip         []byte
	tags        map[string]string
	concurrency *int
	policy      map[string]map[string]any
	versions    []map[string]any
	aliases     map[string]map[string]any
	pendingFor  int // reads still to answer Pending
	updatingFor int // reads still to answer InProgress
}

const fakeAccount = "000000000000"

func newFakeLambda(t *testing.T) *fakeLambda {
	f := &fakeLambda{t: t, functions: map[string]*fakeFunction{}}
	mux := http.NewServeMux()
	handle := func(pattern, op string, h func(w http.ResponseWriter, r *http.Request, body map[string]any)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			var body map[string]any
			if r.ContentLength > 0 {
				if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
					f.fail(w, 400, "InvalidRequestContentException", err.Error())
					return
				}
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls = append(f.calls, op)
			h(w, r, body)
		})
	}
	handle("POST /2015-03-31/functions", "CreateFunction", f.create)
	handle("GET /2015-03-31/functions/{name}", "GetFunction", f.get)
	handle("GET /2015-03-31/functions/{name}/configuration", "GetFunctionConfiguration", f.getConfiguration)
	handle("DELETE /2015-03-31/functions/{name}", "DeleteFunction", f.delete)
	handle("PUT /2015-03-31/functions/{name}/configuration", "UpdateFunctionConfiguration", f.updateConfiguration)
	handle("PUT /2015-03-31/functions/{name}/code", "UpdateFunctionCode", f.updateCode)
	handle("PUT /2017-10-31/functions/{name}/concurrency", "PutFunctionConcurrency", f.putConcurrency)
	handle("DELETE /2017-10-31/functions/{name}/concurrency", "DeleteFunctionConcurrency", f.deleteConcurrency)
	handle("POST /2015-03-31/functions/{name}/policy", "AddPermission", f.addPermission)
	handle("DELETE /2015-03-31/functions/{name}/policy/{sid}", "RemovePermission", f.removePermission)
	handle("POST /2015-03-31/functions/{name}/versions", "PublishVersion", f.publish)
	handle("POST /2015-03-31/functions/{name}/aliases", "CreateAlias", f.putAlias)
	handle("PUT /2015-03-31/functions/{name}/aliases/{alias}", "UpdateAlias", f.putAlias)
	handle("DELETE /2015-03-31/functions/{name}/aliases/{alias}", "DeleteAlias", f.deleteAlias)
	handle("POST /2017-03-31/tags/{arn...}", "TagResource", f.tag)
	handle("DELETE /2017-03-31/tags/{arn...}", "UntagResource", f.untag)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// client is a Lambda client of the fake.
func (f *fakeLambda) client() *lambda.Client {
	return lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.srv.URL),
		Credentials: aws.AnonymousCredentials{}})
}

// took lists the calls made since the last look, and forgets them.
func (f *fakeLambda) took() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := strings.Join(f.calls, " ")
	f.calls = nil
	return out
}

func (f *fakeLambda) fn(name string) *fakeFunction {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.functions[name]
}

func (f *fakeLambda) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Amzn-Errortype", code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}

func (f *fakeLambda) reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// lookup finds the function a path names by name or ARN.
func (f *fakeLambda) lookup(w http.ResponseWriter, r *http.Request) *fakeFunction {
	name := r.PathValue("name")
	if i := strings.LastIndex(name, ":function:"); i >= 0 {
		name = name[i+len(":function:"):]
	}
	fn := f.functions[name]
	if fn == nil {
		f.fail(w, 404, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:"+fakeAccount+":function:"+name)
	}
	return fn
}

func (f *fakeLambda) create(w http.ResponseWriter, _ *http.Request, b map[string]any) {
	name, _ := b["FunctionName"].(string)
	if f.functions[name] != nil {
		f.fail(w, 409, "ResourceConflictException", "Function already exist: "+name)
		return
	}
	code, _ := b["Code"].(map[string]any)
	var zip []byte
	if s, ok := code["ZipFile"].(string); ok {
		json.Unmarshal([]byte(strconv.Quote(s)), &zip)
	}
	cfg := map[string]any{"FunctionName": name, "FunctionArn": "arn:aws:lambda:us-east-1:" + fakeAccount + ":function:" + name,
		"Version": "$LATEST", "Timeout": 3.0, "MemorySize": 128.0, "Description": ""}
	for k, v := range b {
		if k != "Code" && k != "Tags" && k != "FunctionName" {
			cfg[k] = v
		}
	}
	tags := map[string]string{}
	for k, v := range b["Tags"].(map[string]any) {
		tags[k] = v.(string)
	}
	fn := &fakeFunction{config: cfg, zip: zip, tags: tags, pendingFor: 2, policy: map[string]map[string]any{}, aliases: map[string]map[string]any{}}
	f.functions[name] = fn
	out := map[string]any{"State": "Pending", "LastUpdateStatus": "InProgress"}
	for k, v := range cfg {
		out[k] = v
	}
	f.reply(w, 201, out)
}

// state is the configuration with the State and LastUpdateStatus a read
// sees now.
func (fn *fakeFunction) state() map[string]any {
	out := map[string]any{}
	for k, v := range fn.config {
		out[k] = v
	}
	out["State"], out["LastUpdateStatus"] = "Active", "Successful"
	if fn.pendingFor > 0 {
		out["State"], out["LastUpdateStatus"] = "Pending", "InProgress"
		fn.pendingFor--
	} else if fn.updatingFor > 0 {
		out["LastUpdateStatus"] = "InProgress"
		fn.updatingFor--
	}
	return out
}

func (f *fakeLambda) get(w http.ResponseWriter, r *http.Request, _ map[string]any) {
	if fn := f.lookup(w, r); fn != nil {
		out := map[string]any{"Configuration": fn.state(), "Code": map[string]any{"RepositoryType": "S3", "Location": "http://code"}, "Tags": fn.tags}
		if fn.concurrency != nil {
			out["Concurrency"] = map[string]any{"ReservedConcurrentExecutions": *fn.concurrency}
		}
		f.reply(w, 200, out)
	}
}

func (f *fakeLambda) getConfiguration(w http.ResponseWriter, r *http.Request, _ map[string]any) {
	fn := f.lookup(w, r)
	if fn == nil {
		return
	}
	if q := r.URL.Query().Get("Qualifier"); q != "" && q != "$LATEST" {
		for _, v := range fn.versions {
			if v["Version"] == q {
				f.reply(w, 200, v)
				return
			}
		}
		f.fail(w, 404, "ResourceNotFoundException", "Function not found: "+q)
		return
	}
	f.reply(w, 200, fn.state())
}

func (f *fakeLambda) delete(w http.ResponseWriter, r *http.Request, _ map[string]any) {
	fn := f.lookup(w, r)
	if fn == nil {
		return
	}
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		for i, v := range fn.versions {
			if v["Version"] == q {
				fn.versions = append(fn.versions[:i], fn.versions[i+1:]...)
				w.WriteHeader(204)
				return
			}
		}
		f.fail(w, 404, "ResourceNotFoundException", "Function not found: "+q)
		return
	}
	delete(f.functions, fn.config["FunctionName"].(string))
	w.WriteHeader(204)
}

// busy refuses a change while another is in progress, as Lambda does.
func (f *fakeLambda) busy(w http.ResponseWriter, fn *fakeFunction) bool {
	if fn.pendingFor > 0 || fn.updatingFor > 0 {
		f.fail(w, 409, "ResourceConflictException", "The operation cannot be performed at this time. An update is in progress for resource: "+fn.config["FunctionArn"].(string))
		return true
	}
	return false
}

func (f *fakeLambda) updateConfiguration(w http.ResponseWriter, r *http.Request, b map[string]any) {
	fn := f.lookup(w, r)
	if fn == nil || f.busy(w, fn) {
		return
	}
	for k, v := range b {
		fn.config[k] = v
	}
	fn.updatingFor = 1
	f.reply(w, 200, fn.config)
}

func (f *fakeLambda) updateCode(w http.ResponseWriter, r *http.Request, b map[string]any) {
	fn := f.lookup(w, r)
	if fn == nil || f.busy(w, fn) {
		return
	}
	json.Unmarshal([]byte(strconv.Quote(b["ZipFile"].(string))), &fn.zip)
	fn.config["Architectures"] = b["Architectures"]
	fn.updatingFor = 1
	f.reply(w, 200, fn.config)
}

func (f *fakeLambda) putConcurrency(w http.ResponseWriter, r *http.Request, b map[string]any) {
	if fn := f.lookup(w, r); fn != nil {
		n := int(b["ReservedConcurrentExecutions"].(float64))
		fn.concurrency = &n
		f.reply(w, 200, b)
	}
}

func (f *fakeLambda) deleteConcurrency(w http.ResponseWriter, r *http.Request, _ map[string]any) {
	if fn := f.lookup(w, r); fn != nil {
		fn.concurrency = nil
		w.WriteHeader(204)
	}
}

func (f *fakeLambda) addPermission(w http.ResponseWriter, r *http.Request, b map[string]any) {
	fn := f.lookup(w, r)
	if fn == nil {
		return
	}
	sid := b["StatementId"].(string)
	if fn.policy[sid] != nil {
		f.fail(w, 409, "ResourceConflictException", "The statement id ("+sid+") provided already exists. Please provide a new statement id, or remove the existing statement.")
		return
	}
	fn.policy[sid] = b
	st, _ := json.Marshal(map[string]any{"Sid": sid, "Effect": "Allow", "Principal": map[string]any{"Service": b["Principal"]},
		"Action": b["Action"], "Resource": fn.config["FunctionArn"]})
	f.reply(w, 201, map[string]any{"Statement": string(st)})
}

func (f *fakeLambda) removePermission(w http.ResponseWriter, r *http.Request, _ map[string]any) {
	fn := f.lookup(w, r)
	if fn == nil {
		return
	}
	sid := r.PathValue("sid")
	if fn.policy[sid] == nil {
		f.fail(w, 404, "ResourceNotFoundException", "The resource you requested does not exist.")
		return
	}
	delete(fn.policy, sid)
	w.WriteHeader(204)
}

func (f *fakeLambda) publish(w http.ResponseWriter, r *http.Request, b map[string]any) {
	fn := f.lookup(w, r)
	if fn == nil || f.busy(w, fn) {
		return
	}
	v := map[string]any{}
	for k, x := range fn.config {
		v[k] = x
	}
	n := strconv.Itoa(len(fn.versions) + 1)
	v["Version"], v["FunctionArn"], v["State"] = n, fn.config["FunctionArn"].(string)+":"+n, "Active"
	if d, ok := b["Description"]; ok {
		v["Description"] = d
	}
	fn.versions = append(fn.versions, v)
	f.reply(w, 201, v)
}

func (f *fakeLambda) putAlias(w http.ResponseWriter, r *http.Request, b map[string]any) {
	fn := f.lookup(w, r)
	if fn == nil {
		return
	}
	name := r.PathValue("alias")
	if name == "" {
		name = b["Name"].(string)
	}
	a := fn.aliases[name]
	if a == nil {
		a = map[string]any{"Name": name, "AliasArn": fn.config["FunctionArn"].(string) + ":" + name}
		fn.aliases[name] = a
	}
	for k, v := range b {
		a[k] = v
	}
	f.reply(w, 200, a)
}

func (f *fakeLambda) deleteAlias(w http.ResponseWriter, r *http.Request, _ map[string]any) {
	if fn := f.lookup(w, r); fn != nil {
		if fn.aliases[r.PathValue("alias")] == nil {
			f.fail(w, 404, "ResourceNotFoundException", "Alias not found")
			return
		}
		delete(fn.aliases, r.PathValue("alias"))
		w.WriteHeader(204)
	}
}

func (f *fakeLambda) byARN(w http.ResponseWriter, r *http.Request) *fakeFunction {
	arn := r.PathValue("arn")
	for _, fn := range f.functions {
		if fn.config["FunctionArn"] == arn {
			return fn
		}
	}
	f.fail(w, 404, "ResourceNotFoundException", fmt.Sprintf("Function not found: %s", arn))
	return nil
}

func (f *fakeLambda) tag(w http.ResponseWriter, r *http.Request, b map[string]any) {
	if fn := f.byARN(w, r); fn != nil {
		for k, v := range b["Tags"].(map[string]any) {
			fn.tags[k] = v.(string)
		}
		w.WriteHeader(204)
	}
}

func (f *fakeLambda) untag(w http.ResponseWriter, r *http.Request, _ map[string]any) {
	if fn := f.byARN(w, r); fn != nil {
		for _, k := range r.URL.Query()["tagKeys"] {
			delete(fn.tags, k)
		}
		w.WriteHeader(204)
	}
}
