package stack

// unsupportedCDK lists the AWS::CDK::Metadata properties gatehouse
// refuses: none, as the resource creates nothing and its Analytics are
// only recorded.
var unsupportedCDK = map[string]map[string]string{}
