package stack

// unsupportedServiceDiscovery lists the Cloud Map properties
// CloudFormation documents that gatehouse refuses, by type, with the
// reason.
var unsupportedServiceDiscovery = map[string]map[string]string{
	"AWS::ServiceDiscovery::Service": {
		"ServiceAttributes": notYet,
	},
}
