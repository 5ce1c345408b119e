// Package provision creates a template's resources through gatehouse's AWS
// APIs with the Go SDK's clients, as CloudFormation would: it is the
// Provisioner that stack.Deploy hands each resolved resource to. It lives
// apart from package stack so that parsing and checking templates (and
// fuzzing them) does not pull in the SDK.
package provision
