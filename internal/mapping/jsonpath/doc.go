// Package jsonpath is the one JSONPath of API Gateway's mapping languages:
// $input.path and $input.json in mapping templates, body sources of REST
// parameter mappings (method.request.body.PATH,
// integration.response.body.PATH) and HTTP API body variables
// ($request.body.PATH, $response.body.PATH). A path is parsed once, when
// the mapping is stored or compiled, and evaluated on each request against
// a document Decode made.
//
// Decode keeps an object's members in document order, as the Java maps
// behind API Gateway do, and keeps small objects without a hash map, since
// most bodies a mapping reads are small.
package jsonpath
