package sigv4

import "net/http"

// Kind says why a signature was refused, independent of how a protocol
// family spells it.
type Kind uint8

const (
	// Missing: the request carries no signature at all.
	Missing Kind = iota + 1
	// Incomplete: a signature is there but malformed or missing parts.
	Incomplete
	// UnknownKey: the access key id is not known.
	UnknownKey
	// Mismatch: the signature is not the one the secret gives.
	Mismatch
	// Expired: X-Amz-Date is outside the skew window, or a presigned URL
	// has expired.
	Expired
)

// Error is a refused signature with AWS's wording. Code is the code
// Query-protocol services (awsQuery: IAM, STS, Elastic Load Balancing) use;
// JSONCode the one awsJson and REST-JSON services and API Gateway's invoke
// URLs use. Status is 403, what Query and REST services and invoke URLs
// answer; awsJson services answer the same code and message with 400.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// JSONCode is the error's code as awsJson and REST-JSON services spell it
// (the x-amzn-ErrorType of API Gateway's answers).
func (e *Error) JSONCode() string { return jsonCodes[e.Kind] }

var queryCodes = map[Kind]string{
	Missing:    "MissingAuthenticationToken",
	Incomplete: "IncompleteSignature",
	UnknownKey: "InvalidClientTokenId",
	Mismatch:   "SignatureDoesNotMatch",
	Expired:    "SignatureDoesNotMatch",
}

var jsonCodes = map[Kind]string{
	Missing:    "MissingAuthenticationTokenException",
	Incomplete: "IncompleteSignatureException",
	UnknownKey: "UnrecognizedClientException",
	Mismatch:   "InvalidSignatureException",
	Expired:    "InvalidSignatureException",
}

func newError(k Kind, msg string) *Error {
	return &Error{Kind: k, Code: queryCodes[k], Message: msg, Status: http.StatusForbidden}
}
