package model

// RestAuthorizer is a REST API's Lambda authorizer: a function that, given
// the caller's token (TOKEN) or parts of the request (REQUEST), answers
// with a principal and a policy. Methods name it by id with
// authorizationType CUSTOM. Key "apiID/id".
type RestAuthorizer struct {
	APIID string
	ID    string
	Name  string
	Type  string // TOKEN | REQUEST
	// URI is the function's API Gateway invocation URI
	// (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations).
	URI         string
	Credentials string `json:",omitempty"`
	// IdentitySource is AWS's comma-separated list of the request values
	// the authorizer reads ("method.request.header.Authorization"); they
	// are also the key of its cached answers.
	IdentitySource string `json:",omitempty"`
	// IdentityValidationExpression is a TOKEN authorizer's regular
	// expression a token must match before the function is called.
	IdentityValidationExpression string `json:",omitempty"`
	// ResultTTL is how long, in seconds, an answer is cached; 0 caches
	// nothing.
	ResultTTL int
	AuthType  string `json:",omitempty"`
}

func (RestAuthorizer) Kind() string  { return "apigw-authorizer" }
func (a RestAuthorizer) Key() string { return a.APIID + "/" + a.ID }
