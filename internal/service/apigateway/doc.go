// Package apigateway is the management half of Amazon API Gateway's REST
// APIs (the apigateway v1 API): REST APIs and their resource trees, methods,
// integrations (MOCK, HTTP, HTTP_PROXY, public or private through a VPC
// link), method and integration responses, deployments, stages, VPC links
// (the legacy, NLB-only kind) and tags. See README.md for the operations and
// where they differ from AWS.
//
// It writes the records the REST data plane serves (model.RestAPI,
// RestResource, RestDeployment, RestStage, VpcLinkV1) and keeps their
// invariants: a stage serves the resource tree frozen in its deployment, a
// private integration names a link that exists, and a VPC link is created
// PENDING. What happens to a link afterwards (AVAILABLE with its endpoint
// service, FAILED, gone after DELETING) belongs to the privatelink
// controller; this package only starts those transitions.
//
// Each operation validates its input, then makes its change in one store
// transaction: a failed call writes nothing. The package never sees HTTP; it
// returns api.Error values with API Gateway's codes.
package apigateway
