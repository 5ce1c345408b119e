// Package restapi is the REST API pipeline: resource-tree matching with AWS's
// precedence, throttling by the stage's method settings, parameter mappings
// in restparam's grammar (params.go), payload conversions by binaryMediaTypes
// and contentHandling (binary.go), mapping templates (parsed at compile time,
// chosen by content type under passthrough's rule), MOCK, HTTP and
// HTTP_PROXY integrations over the internet or a VPC link (v1 through the
// NLB's endpoint service, or V2 with an integration target), AWS_PROXY and
// AWS integrations with Lambda functions (lambda.go: the proxy event, the
// invocation with the method as its source, a function's errors selected by
// their errorMessage), and integration responses chosen by selection
// pattern. serve.go reads top to bottom; it works on compiled, immutable
// values only.
package restapi
