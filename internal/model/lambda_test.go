package model

import "testing"

func TestFunctionAllows(t *testing.T) {
	f := &Function{Policy: []PermissionStatement{
		{Sid: "api", Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com",
			SourceArn: "arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/items"},
		{Sid: "alias", Qualifier: "live", Action: "lambda:*", Principal: "elasticloadbalancing.amazonaws.com"},
	}}
	api := func(arn string) FunctionCaller {
		return FunctionCaller{Service: "apigateway.amazonaws.com", SourceArn: arn, SourceAccount: "000000000000"}
	}
	for _, tc := range []struct {
		caller    FunctionCaller
		qualifier string
		sid       string
	}{
		{api("arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/items"), "", "api"},
		{api("arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/items"), "$LATEST", "api"},
		{api("arn:aws:execute-api:us-east-1:000000000000:abc123/prod/POST/items"), "", ""},
		{api("arn:aws:execute-api:us-east-1:000000000000:other/prod/GET/items"), "", ""},
		{api("arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/items"), "live", ""},
		{FunctionCaller{Service: "elasticloadbalancing.amazonaws.com", SourceArn: "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/t/1"}, "live", "alias"},
		{FunctionCaller{Service: "elasticloadbalancing.amazonaws.com"}, "", ""},
	} {
		sid, ok := f.Allows(tc.caller, tc.qualifier)
		if sid != tc.sid || ok != (tc.sid != "") {
			t.Errorf("Allows(%+v, %q) = %q, %v; want %q", tc.caller, tc.qualifier, sid, ok, tc.sid)
		}
	}
}
