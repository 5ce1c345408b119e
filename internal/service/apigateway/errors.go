package apigateway

import (
	"context"
	"net/http"
	"strings"

	"gatehouse/internal/api"
)

// API Gateway's error codes. The not-found texts are AWS's own ("Invalid
// ... identifier specified"); other messages are AWS's where README.md says
// so, and gatehouse's where AWS's wording is not known.

const (
	codeBadRequest = "BadRequestException"
	codeNotFound   = "NotFoundException"
	codeConflict   = "ConflictException"
	// codeValidation is what AWS's front end answers for a member outside
	// its enum, before the service sees the call.
	codeValidation = "ValidationException"
)

func badRequest(format string, args ...any) error {
	return api.BadRequest(codeBadRequest, format, args...)
}

func notFound(format string, args ...any) error {
	return api.Errorf(http.StatusNotFound, codeNotFound, format, args...)
}

// limitExceeded is AWS's answer past one of its quotas.
func limitExceeded(format string, args ...any) error {
	return api.Errorf(http.StatusTooManyRequests, "LimitExceededException", format, args...)
}

func conflict(format string, args ...any) error {
	return api.Errorf(http.StatusConflict, codeConflict, format, args...)
}

// apiNotFound carries the account, as AWS's message does
// ("Invalid API identifier specified 123456789012:a1b2c3d4e5").
func apiNotFound(ctx context.Context, id string) error {
	return notFound("Invalid API identifier specified %s:%s", api.MetaFrom(ctx).Account, id)
}

func resourceNotFound() error    { return notFound("Invalid Resource identifier specified") }
func methodNotFound() error      { return notFound("Invalid Method identifier specified") }
func integrationNotFound() error { return notFound("Invalid Integration identifier specified") }
func responseNotFound() error    { return notFound("Invalid Response status code specified") }
func deploymentNotFound() error  { return notFound("Invalid Deployment identifier specified") }
func stageNotFound() error       { return notFound("Invalid Stage identifier specified") }
func vpcLinkNotFound() error     { return notFound("Invalid Vpc Link identifier specified") }

// enumError is the Coral-style validation failure AWS gives a member whose
// value is outside its enum. member is "input.field", as AWS names it
// ("putIntegrationInput.type").
func enumError(member, value string, allowed []string) error {
	return api.BadRequest(codeValidation,
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
		value, member, strings.Join(allowed, ", "))
}

// checkEnum accepts an empty value (the caller applies the default) or one
// of allowed.
func checkEnum(member, value string, allowed []string) error {
	if value == "" {
		return nil
	}
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return enumError(member, value, allowed)
}

// mappingError is AWS's answer to a bad parameter mapping: the detail
// names the expression and says what is wrong with it.
func mappingError(detail string) error {
	return badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [%s]", detail)
}
