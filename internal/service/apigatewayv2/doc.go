// Package apigatewayv2 is the management half of Amazon API Gateway's HTTP
// APIs: APIs, routes, JWT authorizers, integrations (public and private,
// through VPC links), stages, deployments, VPC links V2 and tags. See README.md for the
// operations and where they differ from AWS.
//
// It writes the records the data plane serves (model.HTTPAPI, Route,
// Integration, Stage, Deployment, VpcLink) and keeps their invariants: a
// stage serves the routes and integrations frozen in its deployment, and an
// autoDeploy stage gets a new deployment in the very transaction that
// changes a route or an integration, so no reader ever sees the change
// without its deployment. VPC links are created PENDING with their
// interfaces placed; what happens to them afterwards (AVAILABLE, INACTIVE,
// deletion) belongs to the vpclink controller.
//
// Each operation validates its input, then makes its change in one store
// transaction. The package never sees HTTP; it returns api.Error values with
// API Gateway's codes.
package apigatewayv2
