package lambdaproxy

import (
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
		`not json`, `"text"`, `{"statusCode": 200, "body": "!!", "isBase64Encoded": true}`, `{"statusCode": 99}`, `{"statusCode":200} {}`} {
		if _, err := ParseV1([]byte(bad)); err != ErrMalformed {
			t.Errorf("ParseV1(%s) = %v, want ErrMalformed", bad, err)
		}
	}
	if r, err := ParseV1([]byte(`{"statusCode": "404"}`)); err != nil || r.Status != 404 {
		t.Errorf("string status: %+v, %v", r, err)
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
