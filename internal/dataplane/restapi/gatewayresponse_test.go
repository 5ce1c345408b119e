package restapi

import (
	"testing"

	"gatehouse/internal/model"
)

// TestResponseKinds holds the kind constants to the model's table of
// types, which they index.
func TestResponseKinds(t *testing.T) {
	if len(model.GatewayResponseTypes) != int(nKinds) {
		t.Fatalf("%d types, %d kinds", len(model.GatewayResponseTypes), nKinds)
	}
	for k, name := range map[responseKind]string{
		default4xx: "DEFAULT_4XX", default5xx: "DEFAULT_5XX", accessDenied: "ACCESS_DENIED",
		apiConfigurationError: "API_CONFIGURATION_ERROR", authorizerConfigurationError: "AUTHORIZER_CONFIGURATION_ERROR",
		authorizerFailure: "AUTHORIZER_FAILURE", badRequestParameters: "BAD_REQUEST_PARAMETERS", badRequestBody: "BAD_REQUEST_BODY",
		expiredToken: "EXPIRED_TOKEN", integrationFailure: "INTEGRATION_FAILURE", integrationTimeout: "INTEGRATION_TIMEOUT",
		invalidAPIKey: "INVALID_API_KEY", invalidSignature: "INVALID_SIGNATURE", missingAuthenticationToken: "MISSING_AUTHENTICATION_TOKEN",
		quotaExceeded: "QUOTA_EXCEEDED", requestTooLarge: "REQUEST_TOO_LARGE", resourceNotFound: "RESOURCE_NOT_FOUND",
		throttled: "THROTTLED", unauthorized: "UNAUTHORIZED", unsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE", wafFiltered: "WAF_FILTERED",
	} {
		if got := model.GatewayResponseTypes[k].Name; got != name {
			t.Errorf("kind %d is %s, want %s", k, got, name)
		}
	}
}
