package model_test

import (
	"testing"

	"gatehouse/internal/model"
)

func TestAccessLogDestination(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:logs:us-east-1:123456789012:log-group:access":                            "access",
		"arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/api-1:*":           "/aws/vendedlogs/api-1",
		"arn:aws-cn:logs:cn-north-1:123456789012:log-group:a.b_c-d#e":                     "a.b_c-d#e",
		"arn:aws:firehose:us-east-1:123456789012:deliverystream/amazon-apigateway-access": "amazon-apigateway-access",
	} {
		if got, ok := model.AccessLogDestination(arn); !ok || got != want {
			t.Errorf("%s: %q %v, want %q", arn, got, ok, want)
		}
	}
	for _, arn := range []string{
		"",
		"access",
		"arn:aws:logs:us-east-1:123456789012:log-group:",
		"arn:aws:logs:us-east-1:123456789012:log-group:a b",
		"arn:aws:logs:us-east-1:123456789012:log-group:access:log-stream:x",
		"arn:aws:logs:us-east-1:12345:log-group:access",
		"arn:aws:logs::123456789012:log-group:access",
		"arn:aws:s3:::bucket",
		"arn:aws:firehose:us-east-1:123456789012:deliverystream/access",
		"arn:aws:firehose:us-east-1:123456789012:deliverystream/amazon-apigateway-" + string(make([]byte, 50)),
	} {
		if got, ok := model.AccessLogDestination(arn); ok {
			t.Errorf("%q is not a destination, got %q", arn, got)
		}
	}
}

func TestCutContextVariable(t *testing.T) {
	for _, tc := range []struct {
		in, before, name, after string
		found                   bool
	}{
		{"$context.requestId", "", "requestId", "", true},
		{`{"ip":"$context.identity.sourceIp"}`, `{"ip":"`, "identity.sourceIp", `"}`, true},
		{"at $context.status.", "at ", "status", ".", true},
		{"$context.a..b", "", "a", "..b", true},
		{"$context.requestId-$context.stage", "", "requestId", "-$context.stage", true},
		{"$5 $context. then $context.stage", "$5 $context. then ", "stage", "", true},
		{"no variables", "no variables", "", "", false},
		{"$context.", "$context.", "", "", false},
	} {
		before, name, after, found := model.CutContextVariable(tc.in)
		if before != tc.before || name != tc.name || after != tc.after || found != tc.found {
			t.Errorf("%q: %q %q %q %v, want %q %q %q %v", tc.in, before, name, after, found, tc.before, tc.name, tc.after, tc.found)
		}
	}
}

func TestHasRequestID(t *testing.T) {
	for format, want := range map[string]bool{
		"$context.requestId":                       true,
		`{"id":"$context.extendedRequestId"}`:      true,
		"$context.status $context.requestId.":      true,
		"$context.requestIdentity $context.status": false,
		"$context.identity.requestId":              false,
		"requestId":                                false,
		"$context.requestid":                       false,
		"$context.status":                          false,
		"":                                         false,
	} {
		if got := (model.AccessLogSettings{Format: format}).HasRequestID(); got != want {
			t.Errorf("%q: %v, want %v", format, got, want)
		}
	}
}
