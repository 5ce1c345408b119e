package ssm

import (
	"fmt"
	"strings"

	"gatehouse/internal/api"
)

// Systems Manager's error codes. Every one is a 400. The codes are AWS's;
// where AWS's wording is known (ParameterAlreadyExists, the name rules,
// the constraint texts of its front end) it is used, the others are
// gatehouse's own (README.md says which).

func validation(format string, args ...any) error {
	return api.BadRequest("ValidationException", format, args...)
}

// constraint is the text AWS's front end gives a member that breaks its
// model's constraints: "1 validation error detected: Value 'x' at 'name'
// failed to satisfy constraint: Member must ...".
func constraint(value any, member, rule string) error {
	v := "null"
	switch x := value.(type) {
	case string:
		v = "'" + x + "'"
	case []string:
		v = "'[" + strings.Join(x, ", ") + "]'"
	case nil:
	default:
		v = "'" + fmt.Sprint(x) + "'"
	}
	return validation("1 validation error detected: Value %s at '%s' failed to satisfy constraint: Member must %s", v, member, rule)
}

// notFound is what AWS answers for a parameter that does not exist: the
// code alone, with an empty message.
func notFound() error {
	return api.BadRequest("ParameterNotFound", "")
}

func alreadyExists() error {
	return api.BadRequest("ParameterAlreadyExists",
		"The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
}

func versionNotFound(name, version string) error {
	return api.BadRequest("ParameterVersionNotFound",
		"Systems Manager could not find version %s of %s. Verify the version and try again.", version, name)
}

func badName() error {
	return validation(`Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). ` +
		`If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be ` +
		`formed as a mix of letters, numbers and the following 3 symbols .-_`)
}

func tooDeep() error {
	return api.BadRequest("HierarchyLevelLimitExceededException",
		"A hierarchy can have a maximum of %d levels.", maxDepth)
}

func invalidPattern(p string, err error) error {
	return api.BadRequest("InvalidAllowedPatternException", "The allowed pattern %s is not a valid regular expression: %v", p, err)
}

func patternMismatch(p string) error {
	return api.BadRequest("ParameterPatternMismatchException",
		"Parameter value, cannot be validated against allowedPattern: %s", p)
}

func invalidFilterKey(key string, valid []string) error {
	return api.BadRequest("InvalidFilterKey", "The following filter key is not valid: %s. Valid filter keys include: [%s].",
		key, strings.Join(valid, ", "))
}

func invalidFilterOption(option string, valid []string) error {
	return api.BadRequest("InvalidFilterOption", "The following filter option is not valid: %s. Valid options include: [%s].",
		option, strings.Join(valid, ", "))
}

func invalidFilterValue(format string, args ...any) error {
	return api.BadRequest("InvalidFilterValue", format, args...)
}

func invalidNextToken() error {
	return api.BadRequest("InvalidNextToken", "The specified token is not valid.")
}

func invalidResourceType(t string) error {
	return api.BadRequest("InvalidResourceType", "The resource type %s is not valid: gatehouse tags parameters (Parameter) only.", t)
}

func invalidResourceID() error {
	return api.BadRequest("InvalidResourceId", "The resource ID is not valid. Verify that you entered the correct ID and try again.")
}

func tooManyTags() error {
	return api.BadRequest("TooManyTagsError", "The Targets parameter includes too many tags. Remove one or more tags and try the command again.")
}
