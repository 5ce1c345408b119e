// Package ssm is the Parameter Store of AWS Systems Manager: parameters of
// type String, StringList and SecureString, written with PutParameter and
// read by name, by several names, by path and by description, and their
// tags. See README.md for the operations and where they differ from AWS.
//
// CloudFormation reads parameters too, to resolve template parameters of
// type AWS::SSM::Parameter::Value<…>: it does so through
// model.SSMParameterValue, never through this package.
//
// Each operation validates its input, then makes its change in one store
// transaction. The package never sees HTTP; it returns api.Error values with
// Systems Manager's codes.
package ssm
