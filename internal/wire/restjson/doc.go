// Package restjson is the REST-JSON protocol family as API Gateway's two
// management APIs, apigateway (v1) and apigatewayv2, speak it: an operation is
// named by its HTTP method and path, its input is bound from path labels, the
// query string, headers and a JSON body, and an error travels as a status, an
// x-amzn-ErrorType header and a {"message": ...} body.
//
// It owns the route tree compiled from an api.Table, the binding of a request
// into an operation's input struct, the encoding of its output, and the one
// error encoder. It must not import any service, the model or the store: it
// is handed a table and calls it, and it never validates what a service would
// (required members, enums, lengths).
//
// An input struct declares where each field comes from with a tag:
//
//	path:"vpcLinkId"        the {vpcLinkId} or {vpcLinkId+} label of the op's Path
//	querystring:"limit"     a query parameter; a slice takes every value, and
//	                        querystring:"*" on a map[string]string takes them all
//	header:"X-Foo"          a request header; a slice splits it at commas
//	payload:""              the raw body, for a []byte or string field
//	json:"name"             a member of the JSON body
//
// An output may instead be a document of its own (Payload), and may set
// its status and headers per call (Response), as Lambda's Invoke answers
// 200, 202 or 204 with X-Amz-Function-Error; an error whose Shape is set
// is written as that structure rather than {"message": ...}.
//
// Fields bound from the path, query, headers or payload must also say
// json:"-", so that a body can neither fill nor overwrite them. Outputs are
// encoded from their json tags (omitempty as the shape says); an output struct
// without fields writes no body. Bindings are checked once, when NewHandler
// compiles the table, so a malformed table fails at start-up, never per
// request.
package restjson
