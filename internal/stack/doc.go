// Package stack deploys CloudFormation templates onto gatehouse.
//
// A deployment runs in four steps: Parse reads the template (YAML with the
// short-form tags, or JSON) keeping the line of every resource; Check finds
// every unsupported type and bad reference; Order sorts the resources so
// that each comes after what it refers to; Deploy resolves each resource's
// properties and hands them to a Provisioner. The first three create
// nothing, so a template with a mistake leaves no half-built stack behind.
//
// The package must not reach into the model or the store: the Provisioner
// given to Deploy (provision.SDK) creates every resource through the same
// AWS API operations any other client would call.
package stack
