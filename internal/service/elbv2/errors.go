package elbv2

import (
	"net/http"

	"gatehouse/internal/api"
)

// ELBv2's error codes. Most are 400; the not-found family and duplicates
// carry their own codes.

func validation(format string, args ...any) error {
	return api.BadRequest("ValidationError", format, args...)
}

func invalidConfig(format string, args ...any) error {
	return api.BadRequest("InvalidConfigurationRequest", format, args...)
}

func lbNotFound() error {
	return api.BadRequest("LoadBalancerNotFound", "One or more load balancers not found")
}

func tgNotFound() error {
	return api.BadRequest("TargetGroupNotFound", "One or more target groups not found")
}

func listenerNotFound() error {
	return api.BadRequest("ListenerNotFound", "One or more listeners not found")
}

func ruleNotFound() error {
	return api.BadRequest("RuleNotFound", "One or more rules not found")
}

func subnetNotFound(id string) error {
	return api.BadRequest("SubnetNotFound", "The subnet ID '%s' is not valid", id)
}

func invalidSecurityGroup(id string) error {
	return api.BadRequest("InvalidSecurityGroup", "The security group '%s' does not exist", id)
}

func resourceInUse(format string, args ...any) error {
	return api.BadRequest("ResourceInUse", format, args...)
}

func notPermitted(format string, args ...any) error {
	return api.Errorf(http.StatusBadRequest, "OperationNotPermitted", format, args...)
}

func incompatibleProtocols(tgProtocol, lbType string) error {
	return api.BadRequest("IncompatibleProtocols", "The target group protocol '%s' is not compatible with a load balancer of type '%s'", tgProtocol, lbType)
}

func associationLimit(tgARN string) error {
	return api.BadRequest("TargetGroupAssociationLimit", "The following target groups cannot be associated with more than one load balancer: %s", tgARN)
}

func sslPolicyNotFound(name string) error {
	return api.BadRequest("SSLPolicyNotFound", "SSL policy '%s' not found", name)
}

func tooManyCertificates() error {
	return api.BadRequest("TooManyCertificates", "You've reached the limit on the number of certificates per load balancer")
}
