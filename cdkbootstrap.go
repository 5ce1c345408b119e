package gatehouse

import "gatehouse/internal/service/ssm"

// DefaultCDKQualifier is the qualifier `cdk bootstrap` uses unless told
// otherwise, and so the one CDK's synthesized templates name.
const DefaultCDKQualifier = "hnb659fds"

// CDKBootstrapVersion is the version of the bootstrap resources gatehouse
// reports: the one the current `cdk bootstrap` template writes. Templates
// synthesized by aws-cdk-lib v2 check only that it is 6 or more (their
// CheckBootstrapVersion rule).
const CDKBootstrapVersion = "33"

// cdkBootstrap is the SSM parameter a CDK template reads to check its
// environment is bootstrapped, /cdk-bootstrap/QUALIFIER/version. The
// Parameter Store has it in every account and region, since a template is
// deployed to whatever region its requests are signed for; a value a user
// put is left alone. gatehouse needs none of the bootstrap stack's
// resources (no assets bucket, no roles), so the parameter is all of it.
func cdkBootstrap(qualifier string) ssm.Default {
	return ssm.Default{Name: "/cdk-bootstrap/" + qualifier + "/version", Value: CDKBootstrapVersion,
		Description: "The version of the CDK bootstrap resources, which gatehouse needs none of"}
}

func ptr[T any](v T) *T { return &v }
