package lambdaproxy

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func TestParseV1(t *testing.T) {
	r, err := ParseV1([]byte(`{"statusCode": 201, "headers": {"content-type": "text/plain", "x-a": "1"},
		"multiValueHeaders": {"X-A": ["2", "3"]}, "body": "aGk=", "isBase64Encoded": true}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 201 || string(r.Body) != "hi" || !r.Base64 || r.Header.Get("Content-Type") != "text/plain" ||
		!reflect.DeepEqual(r.Header["X-A"], []string{"2", "3"}) {
		t.Errorf("got %+v", r)
	}
	for _, bad := range []string{`{"body": "x"}`, `{"statusCode": "x"}`, `{"statusCode": 200, "body": {"a": 1}}`,
		`not json`, `"text"`, `{"statusCode": 200, "body": "!!", "isBase64Encoded": true}`, `{"statusCode": 99}`, `{"statusCode":200} {}`, `{"statusCode":200}}`} {
		if _, err := ParseV1([]byte(bad)); err != ErrMalformed {
			t.Errorf("ParseV1(%s) = %v, want ErrMalformed", bad, err)
		}
	}
	if r, err := ParseV1([]byte(`{"statusCode": "404"}`)); err != nil || r.Status != 404 {
		t.Errorf("string status: %+v, %v", r, err)
	}
	// A boolean header value passes as its text; null sets nothing.
	if r, err := ParseV1([]byte(`{"statusCode": 200, "headers": {"x-flag": true, "x-off": false, "x-none": null}}`)); err != nil ||
		r.Header.Get("X-Flag") != "true" || r.Header.Get("X-Off") != "false" || r.Header["X-None"] != nil {
		t.Errorf("boolean headers: %+v, %v", r, err)
	}
}

func TestParseV2InfersAnAnswer(t *testing.T) {
	for _, tc := range []struct{ in, body string }{
		{`{"hello": "world"}`, `{"hello": "world"}`},
		{` "text" `, `"text"`},
		{`[1,2]`, `[1,2]`},
		{`{"statusCode": "x"}`, ""},
	} {
		r, err := ParseV2([]byte(tc.in))
		if tc.body == "" {
			if err == nil {
				t.Errorf("ParseV2(%s) = %+v, want an error", tc.in, r)
			}
			continue
		}
		if err != nil || r.Status != http.StatusOK || string(r.Body) != tc.body || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("ParseV2(%s) = %+v, %v", tc.in, r, err)
		}
	}
	r, err := ParseV2([]byte(`{"statusCode": 302, "cookies": ["a=1", "b=2"], "headers": {"location": "/x"}}`))
	if err != nil || r.Status != 302 || len(r.Header["Set-Cookie"]) != 2 || r.Header.Get("Location") != "/x" {
		t.Errorf("got %+v, %v", r, err)
	}
	if _, err := ParseV2([]byte(`not json`)); err != ErrMalformed {
		t.Errorf("not json: %v", err)
	}
}

func TestParseALBReadsTheGroupsHeaderMap(t *testing.T) {
	const doc = `{"statusCode": 200, "statusDescription": "200 OK", "isBase64Encoded": false,
		"headers": {"Content-Type": "text/plain"}, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "hi"}`
	single, err := ParseALB([]byte(doc), false)
	if err != nil {
		t.Fatal(err)
	}
	if single.StatusDescription != "200 OK" || single.Header.Get("Content-Type") != "text/plain" || single.Header["Set-Cookie"] != nil {
		t.Errorf("single-value answer = %+v", single)
	}
	multi, err := ParseALB([]byte(doc), true)
	if err != nil {
		t.Fatal(err)
	}
	if multi.Header.Get("Content-Type") != "" || !reflect.DeepEqual(multi.Header["Set-Cookie"], []string{"a=1", "b=2"}) || string(multi.Body) != "hi" {
		t.Errorf("multi-value answer = %+v", multi)
	}
	if _, err := ParseALB([]byte(`{"body": "x"}`), false); err != ErrMalformed {
		t.Errorf("no statusCode: %v", err)
	}
}

// A REST proxy answer is refused for any member beyond the five REST
// knows, names matched exactly; a missing statusCode is 200 and a boolean
// header its text. HTTP APIs' format 1.0 reads the same documents the
// other way round.
func TestParseREST(t *testing.T) {
	r, err := ParseREST([]byte(`{"statusCode": 201, "headers": {"content-type": "text/plain", "x-a": "1", "x-on": true, "x-none": null},
		"multiValueHeaders": {"X-A": ["2", "3"]}, "body": "aGk=", "isBase64Encoded": true}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 201 || string(r.Body) != "hi" || !r.Base64 || r.Header.Get("Content-Type") != "text/plain" || r.Header.Get("X-On") != "true" ||
		r.Header["X-None"] != nil || !reflect.DeepEqual(r.Header["X-A"], []string{"2", "3"}) {
		t.Errorf("got %+v", r)
	}
	for _, in := range []string{`{"headers": {"x-a": "1"}}`, `{"statusCode": null, "body": "x"}`, `{}`} {
		if r, err := ParseREST([]byte(in)); err != nil || r.Status != http.StatusOK {
			t.Errorf("ParseREST(%s) = %+v, %v, want a 200", in, r, err)
		}
	}
	for _, bad := range []string{`{"statusCode": 200, "wrongValue": "value"}`, `{"StatusCode": 200}`, `{"statusCode": 200, "cookies": ["a=1"]}`,
		`{"statusCode": 200, "statusDescription": "200 OK"}`, `{"statusCode": "x"}`, `{"statusCode": 200, "body": {"a": 1}}`,
		`{"statusCode": 200, "headers": {"x-n": 1}}`, `{"statusCode": 200, "multiValueHeaders": {"x": "1"}}`,
		`not json`, `"text"`, `null`, `[]`, `{"statusCode": 200, "body": "!!", "isBase64Encoded": true}`, `{"statusCode": 99}`,
		`{"statusCode":200} {}`, `{"statusCode":200`} {
		if _, err := ParseREST([]byte(bad)); err != ErrMalformed {
			t.Errorf("ParseREST(%s) = %v, want ErrMalformed", bad, err)
		}
	}
	// Format 1.0 ignores the member REST refuses, and needs statusCode.
	if r, err := ParseV1([]byte(`{"statusCode": 200, "wrongValue": "value"}`)); err != nil || r.Status != 200 {
		t.Errorf("ParseV1 with an unknown member: %+v, %v", r, err)
	}
	if _, err := ParseV1([]byte(`{"headers": {"x-a": "1"}}`)); err != ErrMalformed {
		t.Errorf("ParseV1 without statusCode: %v", err)
	}
}

// FuzzParseREST feeds arbitrary function output to the REST reader:
// nothing panics, and what it accepts is an object whose members are all
// ones a REST answer may have.
func FuzzParseREST(f *testing.F) {
	for _, seed := range []string{`{"statusCode": 200, "headers": {"a": true, "b": "x\"y"}, "body": "{\"k\": [1]}"}`,
		`{"body": "a", "x": 1}`, `{"headers": {"statusCode": "1", "q": null}}`, `{"statusCode":"2\u00300"}`, `{"b\"ody": 1}`, `[{"x": 1}]`, `{`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		if _, err := ParseREST(payload); err != nil {
			return
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(payload, &members); err != nil {
			t.Fatalf("accepted %q, which is not an object: %v", payload, err)
		}
		for k := range members {
			switch k {
			case "statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded":
			default:
				t.Fatalf("accepted %q with member %q", payload, k)
			}
		}
	})
}
