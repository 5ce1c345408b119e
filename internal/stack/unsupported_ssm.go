package stack

// unsupportedSSM lists the AWS::SSM::Parameter properties gatehouse
// refuses, and why.
var unsupportedSSM = map[string]map[string]string{
	"AWS::SSM::Parameter": {
		"Policies": "gatehouse's Parameter Store applies no parameter policies (expiration, notifications)",
	},
}
