// Package stack deploys CloudFormation templates onto gatehouse.
//
// A deployment runs in steps that create nothing until the last: Parse
// reads the template (YAML with the short-form tags, or JSON) keeping the
// line of every entry; Check finds every unsupported type, bad reference
// and malformed function; Instantiate resolves and checks the parameters,
// evaluates the conditions and rules, and orders the resources that exist
// under them so that each comes after what it refers to; then each
// resource's properties are resolved against what was made before it and
// handed to a Provisioner. A mistake is a *ValidationError carrying
// CloudFormation's text, found before anything is created.
//
// The stack API (service/cloudformation) runs stack operations with it, and
// `gatehouse up` checks templates with it before sending them to that API.
// The package must not reach into the model or the store: the Provisioner
// it is given (provision.SDK) creates every resource through the same AWS
// API operations any other client would call.
package stack
