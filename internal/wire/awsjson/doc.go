// Package awsjson is the awsJson 1.1 protocol family as AWS Cloud Map
// (servicediscovery) speaks it: every request is a POST that names its
// operation in the X-Amz-Target header
// ("Route53AutoNaming_v20170314.GetNamespace") and carries the whole input as
// one JSON object; the answer is 200 and the whole output as one JSON object,
// or an error status and {"__type": CODE, "Message": ...}.
//
// It owns target dispatch, the decoding of inputs and encoding of outputs, and
// the one error encoder. It must not import any service, the model or the
// store, and it checks nothing a service would (required members, enums,
// lengths). The protocol has no HTTP bindings, so inputs and outputs are plain
// structs whose json tags carry AWS's PascalCase member names ("Id",
// "CreatorRequestId"); timestamps travel as epoch seconds, which is the
// shapes' business, not this package's.
package awsjson
