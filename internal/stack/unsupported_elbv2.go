package stack

// Reasons for refusing Elastic Load Balancing members the service does not
// model; each would otherwise be sent and silently ignored.
const (
	noAuthActions = "authentication actions are not modeled"
	noRegex       = "regular-expression conditions are not modeled"
)

// unsupportedELBv2 lists the Elastic Load Balancing properties
// CloudFormation documents that gatehouse refuses, by type, with the
// reason.
var unsupportedELBv2 = map[string]map[string]string{
	"AWS::ElasticLoadBalancingV2::LoadBalancer": {
		"EnableCapacityReservationProvisionStabilize": "load balancer capacity reservations are not modeled",
		"EnablePrefixForIpv6SourceNat":                noIPv6,
		"Ipv4IpamPoolId":                              noIPAM,
		"MinimumLoadBalancerCapacity":                 "load balancer capacity reservations are not modeled",
		"SubnetMappings/AllocationId":                 "Elastic IP addresses are not modeled",
		"SubnetMappings/IPv6Address":                  noIPv6,
		"SubnetMappings/SourceNatIpv6Prefix":          noIPv6,
	},
	"AWS::ElasticLoadBalancingV2::TargetGroup": {
		"Matcher/GrpcCode":     "gRPC health checks are not modeled",
		"TargetControlPort":    notYet,
		"Targets/QuicServerId": "QUIC is not modeled",
	},
	"AWS::ElasticLoadBalancingV2::Listener": {
		"AlpnPolicy": "listeners terminate no TLS, so there is no ALPN to negotiate",
		"DefaultActions/AuthenticateCognitoConfig": noAuthActions,
		"DefaultActions/AuthenticateOidcConfig":    noAuthActions,
		"DefaultActions/JwtValidationConfig":       noAuthActions,
		"MutualAuthentication":                     "mutual TLS is not modeled",
	},
	"AWS::ElasticLoadBalancingV2::ListenerRule": {
		"Actions/AuthenticateCognitoConfig":        noAuthActions,
		"Actions/AuthenticateOidcConfig":           noAuthActions,
		"Actions/JwtValidationConfig":              noAuthActions,
		"Conditions/RegexValues":                   noRegex,
		"Conditions/HostHeaderConfig/RegexValues":  noRegex,
		"Conditions/HttpHeaderConfig/RegexValues":  noRegex,
		"Conditions/PathPatternConfig/RegexValues": noRegex,
		"Transforms": "rule transforms (host header and URL rewrites) are not modeled",
	},
}
