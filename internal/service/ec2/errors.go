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

func subnetRange(cidr string) error {
	return api.BadRequest("InvalidSubnet.Range", "The CIDR '%s' is invalid.", cidr)
}

func subnetConflict(cidr string) error {
	return api.BadRequest("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidr)
}

func invalidParameter(format string, args ...any) error {
	return api.BadRequest("InvalidParameter", format, args...)
}

func addressInUse() error {
	return api.BadRequest("InvalidIPAddress.InUse", "The specified address is already in use.")
}

func subnetFull() error {
	return api.BadRequest("InsufficientFreeAddressesInSubnet", "The specified subnet does not have enough free addresses to satisfy the request.")
}

func invalidID(id string) error {
	return api.BadRequest("InvalidID", "The ID '%s' is not valid", id)
}

func invalidParameterCombination(format string, args ...any) error {
	return api.BadRequest("InvalidParameterCombination", format, args...)
}
