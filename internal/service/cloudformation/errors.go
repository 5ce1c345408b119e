package cloudformation

import (
	"net/http"

	"gatehouse/internal/api"
)

// CloudFormation's errors: almost everything is a ValidationError.

func validation(format string, args ...any) error {
	return api.BadRequest("ValidationError", format, args...)
}

func stackNotFound(name string) error {
	return validation("Stack with id %s does not exist", name)
}

func alreadyExists(name string) error {
	return api.BadRequest("AlreadyExistsException", "Stack [%s] already exists", name)
}

func changeSetNotFound(name string) error {
	return api.Errorf(http.StatusNotFound, "ChangeSetNotFound", "ChangeSet [%s] does not exist", name)
}

func changeSetExists(name string) error {
	return api.BadRequest("AlreadyExistsException", "ChangeSet [%s] already exists", name)
}

func invalidChangeSetStatus(format string, args ...any) error {
	return api.BadRequest("InvalidChangeSetStatus", format, args...)
}

func cannotUpdate(id, status string) error {
	return validation("Stack:%s is in %s state and can not be updated.", id, status)
}

func noUpdates() error {
	return validation("No updates are to be performed.")
}
