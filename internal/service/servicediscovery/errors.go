package servicediscovery

import (
	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// Cloud Map's error codes. Every one is a 400. The codes are AWS's; where
// AWS's exact wording is known (the ResourceInUse texts, "Namespace not
// found") it is used, the other messages are gatehouse's own.

func invalidInput(format string, args ...any) error {
	return api.BadRequest("InvalidInput", format, args...)
}

func namespaceNotFound() error {
	return api.BadRequest("NamespaceNotFound", "Namespace not found")
}

func serviceNotFound() error {
	return api.BadRequest("ServiceNotFound", "Service not found")
}

func instanceNotFound(id string) error {
	return api.BadRequest("InstanceNotFound", "Instance %s not found", id)
}

func operationNotFound(id string) error {
	return api.BadRequest("OperationNotFound", "Operation %s not found", id)
}

func resourceNotFound(arn string) error {
	return api.BadRequest("ResourceNotFoundException", "Resource %s not found", arn)
}

func customHealthNotFound(serviceID string) error {
	return api.BadRequest("CustomHealthNotFound", "Service %s has no custom health check configuration (HealthCheckCustomConfig)", serviceID)
}

// The conflict errors carry, in their message, the members AWS's error
// shapes would carry (NamespaceId, ServiceId, CreatorRequestId,
// DuplicateOperationId): api.Error has a code and a message only.

func namespaceExists(ns *model.Namespace) error {
	return api.BadRequest("NamespaceAlreadyExists", "Namespace %s already exists: NamespaceId %s, CreatorRequestId %s", ns.Name, ns.ID, ns.CreatorRequestID)
}

func serviceExists(svc *model.CloudMapService) error {
	return api.BadRequest("ServiceAlreadyExists", "Service %s already exists: ServiceId %s, ServiceArn %s, CreatorRequestId %s", svc.Name, svc.ID, svc.ARN, svc.CreatorRequestID)
}

func duplicateRequest(opID string) error {
	return api.BadRequest("DuplicateRequest", "A request with this CreatorRequestId is already in progress or done: DuplicateOperationId %s", opID)
}

func resourceInUse(format string, args ...any) error {
	return api.BadRequest("ResourceInUse", format, args...)
}

func tooManyTags(arn string) error {
	return api.BadRequest("TooManyTagsException", "Resource %s would have more than %d tags", arn, maxTags)
}
