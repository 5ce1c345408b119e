package gatehouse

import (
	"context"
	"fmt"

	"gatehouse/internal/api"
	"gatehouse/internal/service/ssm"
)

// DefaultCDKQualifier is the qualifier `cdk bootstrap` uses unless told
// otherwise, and so the one CDK's synthesized templates name.
const DefaultCDKQualifier = "hnb659fds"

// CDKBootstrapVersion is the version of the bootstrap resources gatehouse
// reports: the one the current `cdk bootstrap` template writes. Templates
// synthesized by aws-cdk-lib v2 check only that it is 6 or more (their
// CheckBootstrapVersion rule).
const CDKBootstrapVersion = "33"

// seedCDKBootstrap writes the SSM parameter a CDK template reads to check
// its environment is bootstrapped, /cdk-bootstrap/QUALIFIER/version, in the
// default account and region, unless it is there already: a value a user
// put is left alone. gatehouse needs none of the bootstrap stack's
// resources (no assets bucket, no roles), so the parameter is all of it.
func (s *Server) seedCDKBootstrap(qualifier string) error {
	ctx := api.WithMeta(context.Background(), api.Meta{RequestID: api.NewRequestID(), Account: s.cfg.Account, Region: s.cfg.Region})
	name := "/cdk-bootstrap/" + qualifier + "/version"
	_, err := ssm.New(s.store, s.cfg.Clock).PutParameter(ctx, &ssm.PutParameterInput{
		Name: &name, Value: ptr(CDKBootstrapVersion), Type: "String",
		Description: ptr("The version of the CDK bootstrap resources, which gatehouse needs none of"),
	})
	if e := api.AsError(err); e != nil && e.Code != "ParameterAlreadyExists" {
		return fmt.Errorf("seeding the CDK bootstrap parameter %s: %s: %s", name, e.Code, e.Message)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
