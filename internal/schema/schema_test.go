package schema

import (
	"errors"
	"strings"
	"testing"
)

func TestCompileAndValidate(t *testing.T) {
	models := map[string]string{
		"Pet": `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","required":["name"],
			"properties":{"name":{"type":"string"},"owner":{"$ref":"https://apigateway.amazonaws.com/restapis/a1/models/Owner"}}}`,
		"Owner": `{"type":"object","required":["id"],"properties":{"id":{"type":"integer","minimum":1}}}`,
	}
	s, err := Compile("a1", "Pet", models)
	if err != nil {
		t.Fatal(err)
	}
	for body, ok := range map[string]bool{
		`{"name":"rex"}`:                  true,
		`{"name":"rex","owner":{"id":3}}`: true,
		`{"name":"rex","owner":{"id":0}}`: false,
		`{"name":"rex","owner":{}}`:       false,
		`{"name":7}`:                      false,
		`{}`:                              false,
		``:                                false, // an empty body is an empty object
		`not json`:                        false,
		`[1]`:                             false,
	} {
		err := s.Validate([]byte(body))
		if (err == nil) != ok {
			t.Errorf("%q: got %v, want ok=%v", body, err, ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "[") {
			t.Errorf("%q: %q is not a bracketed list", body, err)
		}
	}
}

func TestCompileRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		schema, detail string
	}{
		"not json":      {`{`, "Invalid model schema specified"},
		"bad keyword":   {`{"type":"thing"}`, "Invalid model schema specified"},
		"bad required":  {`{"required":[]}`, "Invalid model schema specified"},
		"relative ref":  {`{"$ref":"Other"}`, "Model reference must be in canonical form"},
		"file ref":      {`{"$ref":"file:///etc/passwd"}`, "Model reference must be in canonical form"},
		"other API ref": {`{"$ref":"https://apigateway.amazonaws.com/restapis/zz/models/Other"}`, "Model reference must be in canonical form"},
		"missing model": {`{"$ref":"https://apigateway.amazonaws.com/restapis/a1/models/Nope"}`, "Invalid model name specified: Nope"},
	} {
		_, err := Compile("a1", "M", map[string]string{"M": tc.schema})
		var e *Error
		if !errors.As(err, &e) || e.Detail != tc.detail {
			t.Errorf("%s: got %v, want %q", name, err, tc.detail)
		}
	}
}

func TestLocalRefsAndCycles(t *testing.T) {
	models := map[string]string{
		"Node": `{"type":"object","definitions":{"id":{"type":"string"}},
			"properties":{"id":{"$ref":"#/definitions/id"},"next":{"$ref":"https://apigateway.amazonaws.com/restapis/a1/models/Node"}}}`,
	}
	s, err := Compile("a1", "Node", models)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate([]byte(`{"id":"a","next":{"id":"b","next":{"id":3}}}`)); err == nil {
		t.Fatal("a nested bad id passed")
	}
	if err := s.Validate([]byte(`{"id":"a","next":{"id":"b"}}`)); err != nil {
		t.Fatal(err)
	}
}

// One compiled schema serves concurrent requests.
func TestValidateConcurrently(t *testing.T) {
	s, err := Compile("a1", "M", map[string]string{"M": `{"type":"object","required":["a"],"properties":{"a":{"type":"string","pattern":"^x"}}}`})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for i := 0; i < 8; i++ {
		go func(i int) {
			var err error
			for j := 0; j < 50 && err == nil; j++ {
				if i%2 == 0 {
					err = s.Validate([]byte(`{"a":"xyz"}`))
				} else if s.Validate([]byte(`{"a":"yz"}`)) == nil {
					err = errors.New("a bad body passed")
				}
			}
			done <- err
		}(i)
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
