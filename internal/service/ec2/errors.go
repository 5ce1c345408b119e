package ec2

import "gatehouse/internal/api"

// EC2's error codes, as its API reference lists them.

func missing(param string) error {
	return api.BadRequest("MissingParameter", "The request must contain the parameter %s", param)
}

func invalidValue(format string, args ...any) error {
	return api.BadRequest("InvalidParameterValue", format, args...)
}

func invalidCIDR(param, value string) error {
	return invalidValue("Value (%s) for parameter %s is invalid. This is not a valid CIDR block.", value, param)
}

func vpcNotFound(id string) error {
	return api.BadRequest("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
}

func subnetNotFound(id string) error {
	return api.BadRequest("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
}

func groupNotFound(id string) error {
	return api.BadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
}

func eniNotFound(id string) error {
	return api.BadRequest("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", id)
}

func dependency(format string, args ...any) error {
	return api.BadRequest("DependencyViolation", format, args...)
}

func invalidFilter(name string) error {
	return invalidValue("The filter '%s' is invalid", name)
}
