package apigatewayv2

import (
	"context"
	"net/http"
	"strings"

	"gatehouse/internal/api"
)

// API Gateway's three error codes for these operations. AWS's own wording
// is used where it is known (see README.md); the not-found texts follow the
// "Invalid X identifier specified" pattern AWS uses for APIs, and the rest
// are gatehouse's own.

func badRequest(format string, args ...any) error {
	return api.BadRequest("BadRequestException", format, args...)
}

func conflict(format string, args ...any) error {
	return api.Errorf(http.StatusConflict, "ConflictException", format, args...)
}

func notFound(format string, args ...any) error {
	return api.Errorf(http.StatusNotFound, "NotFoundException", format, args...)
}

// apiNotFound carries the account, as AWS's message does
// ("Invalid API identifier specified 123456789012:a1b2c3d4e5").
func apiNotFound(ctx context.Context, id string) error {
	return notFound("Invalid API identifier specified %s:%s", api.MetaFrom(ctx).Account, id)
}

func routeNotFound(id string) error {
	return notFound("Invalid Route identifier specified %s", id)
}

func integrationNotFound(id string) error {
	return notFound("Invalid Integration identifier specified %s", id)
}

func stageNotFound(name string) error {
	return notFound("Invalid stage identifier specified %s", name)
}

func deploymentNotFound(id string) error {
	return notFound("Invalid Deployment identifier specified %s", id)
}

func authorizerNotFound(id string) error {
	return notFound("Invalid Authorizer identifier specified %s", id)
}

func vpcLinkNotFound(id string) error {
	return notFound("Invalid VpcLink identifier specified %s", id)
}

// listOf renders ids as AWS's messages list them: "[a, b]".
func listOf(ids []string) string {
	return "[" + strings.Join(ids, ", ") + "]"
}
