package lambda

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
	"gatehouse/internal/store/mem"
)

// FuzzRuntimeAPI sends the Runtime API whatever a function process might:
// any method, path, error type header and body, while an invocation is
// running. Nothing panics, every answer is one the API documents, and the
// invocation ends at most once, with a JSON error document when it failed.
func FuzzRuntimeAPI(f *testing.F) {
	f.Add("POST", "/2018-06-01/runtime/invocation/ID/response", "", []byte(`{"ok":true}`))
	f.Add("POST", "/2018-06-01/runtime/invocation/ID/error", "MyError", []byte(`{"errorMessage":"x","errorType":"MyError"}`))
	f.Add("POST", "/2018-06-01/runtime/invocation/ID/error", "Bad", []byte("\x00garbage"))
	f.Add("POST", "/2018-06-01/runtime/invocation/other/response", "", []byte(`{}`))
	f.Add("POST", "/2018-06-01/runtime/init/error", "Runtime.X", []byte(`{}`))
	f.Add("GET", "/2018-06-01/runtime/invocation/next", "", []byte(nil))
	f.Add("PUT", "/2018-06-01/runtime/invocation/ID/response", "", []byte(`{}`))
	f.Add("POST", "/2018-06-01/runtime/invocation/ID/error", "", []byte(`{"errorMessage":null}`))
	st := mem.New()
	defer st.Close()
	e := New(Config{Store: st})
	f.Fuzz(func(t *testing.T, method, path, errType string, body []byte) {
		fs := &fnState{e: e, scope: model.Scope{Account: "1", Region: "r"}, name: "fn", idle: map[string][]*sandbox{}}
		b := newSandbox(fs, "$LATEST", "g")
		inv := &invocation{id: "ID", cfg: &model.FunctionConfig{}, version: "$LATEST", fn: fs, done: make(chan invoke.Result, 2)}
		fs.inflight.Add(1)
		b.cur, b.taken, b.inited = inv, true, true
		req, err := http.NewRequest(method, "http://127.0.0.1"+path, bytes.NewReader(body))
		if err != nil {
			return
		}
		if errType != "" {
			req.Header.Set("Lambda-Runtime-Function-Error-Type", errType)
		}
		rec := httptest.NewRecorder()
		b.runtimeAPI().ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusAccepted, http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound,
			http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge, http.StatusMovedPermanently, http.StatusTemporaryRedirect:
		default:
			t.Fatalf("%s %s answered %d %s", method, path, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed &&
			!strings.HasPrefix(rec.Body.String(), `{"errorType":`) {
			t.Fatalf("an error answer that is not an error document: %s", rec.Body)
		}
		select {
		case res := <-inv.done:
			if res.FunctionError != "" && !bytes.HasPrefix(bytes.TrimSpace(res.Payload), []byte("{")) {
				t.Fatalf("a failed invocation's payload is not a document: %q", res.Payload)
			}
			if len(inv.done) != 0 {
				t.Fatal("the invocation ended twice")
			}
			if n := fs.inflight.Load(); n != 0 {
				t.Fatalf("%d invocations still counted", n)
			}
		default:
			if rec.Code == http.StatusAccepted {
				t.Fatalf("%s %s accepted without ending the invocation", method, path)
			}
		}
	})
}
