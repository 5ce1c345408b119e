package stack

// unsupportedELBv2 lists the Elastic Load Balancing properties
// CloudFormation documents that gatehouse refuses, by type, with the
// reason.
var unsupportedELBv2 = map[string]map[string]string{
	"AWS::ElasticLoadBalancingV2::LoadBalancer": {
		"EnableCapacityReservationProvisionStabilize": "load balancer capacity reservations are not modeled",
		"Ipv4IpamPoolId":              noIPAM,
		"MinimumLoadBalancerCapacity": "load balancer capacity reservations are not modeled",
	},
}
