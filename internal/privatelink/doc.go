// Package privatelink owns the life of a REST API VPC link (the legacy, V1
// kind) after CreateVpcLink has answered, and the VPC endpoint service that
// such a link is on AWS: PrivateLink in front of one network load balancer,
// with API Gateway as its only consumer.
//
// The Controller follows the store and moves each link along once the
// configured delay has passed since its last change:
//
//	PENDING  -> AVAILABLE  its endpoint service made for the NLB
//	PENDING  -> FAILED     the target is no NLB, is missing or not active,
//	                       or already has an endpoint service
//	DELETING -> (gone)     its endpoint service goes with it
//
// Every transition is one store transaction that re-reads the link and
// re-checks that it is due, so a stale timer can never undo a newer change.
// Time comes from an injected clock. The package writes VPC links V1 and
// endpoint services only: it never serves requests and must not import
// service, wire or data-plane packages. The apigateway service creates the
// links and marks them DELETING; EC2's DescribeVpcEndpointServiceConfigurations
// shows the endpoint services.
package privatelink
