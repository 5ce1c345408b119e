package invoke

import "testing"

func TestParseFunction(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want FunctionRef
		ok   bool
	}{
		{"my-function", FunctionRef{Name: "my-function"}, true},
		{"my-function:v1", FunctionRef{Name: "my-function", Qualifier: "v1"}, true},
		{"123456789012:function:f", FunctionRef{Account: "123456789012", Name: "f"}, true},
		{"123456789012:function:f:3", FunctionRef{Account: "123456789012", Name: "f", Qualifier: "3"}, true},
		{"arn:aws:lambda:us-west-2:123456789012:function:f", FunctionRef{Partition: "aws", Region: "us-west-2", Account: "123456789012", Name: "f"}, true},
		{"arn:aws:lambda:us-west-2:123456789012:function:f:prod", FunctionRef{Partition: "aws", Region: "us-west-2", Account: "123456789012", Name: "f", Qualifier: "prod"}, true},
		{"", FunctionRef{}, false},
		{"f:", FunctionRef{}, false},
		{"arn:aws:lambda:us-west-2:123456789012:function:f:a:b", FunctionRef{}, false},
		{"arn:aws:s3:::bucket:x:y", FunctionRef{}, false},
	} {
		got, ok := ParseFunction(tc.in)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("ParseFunction(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFromIntegrationURI(t *testing.T) {
	const fn = "arn:aws:lambda:us-east-1:000000000000:function:hello"
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fn + "/invocations", fn, true},
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fn + ":live/invocations", fn + ":live", true},
		{fn, fn, true},
		{fn + ":3", fn + ":3", true},
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/hello/invocations", "", false},
		{"arn:aws:apigateway:us-east-1:s3:path/bucket/key", "", false},
		{"http://example.com/", "", false},
	} {
		got, ok := FromIntegrationURI(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("FromIntegrationURI(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
