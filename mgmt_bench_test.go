package gatehouse_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

// BenchmarkCreateRoute measures one CreateRoute on an HTTP API that already
// has 1, 100 or 3,000 routes, deployed to a stage, until the write is in
// effect everywhere (the call, then Sync). The cost of a write must not grow
// with the API: a route added to an API without autoDeploy changes nothing
// that is served, so nothing should be recompiled or re-read for it.
//
// Run with a fixed count, as every iteration adds a route:
//
//	go test -run '^$' -bench CreateRoute -benchtime 300x .
func BenchmarkCreateRoute(b *testing.B) {
	for _, backend := range []string{"mem", "bolt"} {
		for _, n := range []int{1, 100, 3000} {
			b.Run(fmt.Sprintf("store=%s/routes=%d", backend, n), func(b *testing.B) {
				var opts []servertest.Option
				if backend == "bolt" {
					opts = append(opts, servertest.DataDir(b.TempDir()))
				}
				srv := servertest.Start(b, opts...)
				gw := srv.APIGatewayV2()
				ctx := context.Background()
				apiID := benchAPI(b, gw, n)
				if err := srv.Sync(ctx); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					_, err := gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: aws.String(apiID),
						RouteKey: aws.String(fmt.Sprintf("GET /bench/%d", i))})
					if err != nil {
						b.Fatal(err)
					}
					if err := srv.Sync(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkWriteBesideBigAPI measures writes that are not to the big API,
// in effect (the call, then Sync), beside an HTTP API with 1, 100 or 3,000
// deployed routes: tagging a security group changes nothing served and
// must cost the same whatever the API's size; a rule added to a security
// group (and the one added before it revoked: two writes an iteration) may
// change any private path, so the data plane recompiles every API, and
// that cost does grow with what is deployed.
func BenchmarkWriteBesideBigAPI(b *testing.B) {
	for _, n := range []int{1, 100, 3000} {
		for _, op := range []string{"CreateTags", "AuthorizeAndRevoke"} {
			b.Run(fmt.Sprintf("op=%s/routes=%d", op, n), func(b *testing.B) {
				srv := servertest.Start(b)
				e := srv.EC2()
				ctx := context.Background()
				benchAPI(b, srv.APIGatewayV2(), n)
				vpc, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
				if err != nil {
					b.Fatal(err)
				}
				sg, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("g"), Description: aws.String("g"), VpcId: vpc.Vpc.VpcId})
				if err != nil {
					b.Fatal(err)
				}
				var last string
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if op == "CreateTags" {
						_, err = e.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*sg.GroupId},
							Tags: []ec2types.Tag{{Key: aws.String("n"), Value: aws.String(fmt.Sprint(i))}}})
					} else {
						// A group holds 60 rules: each added one is revoked
						// in the next iteration, a write of the same kind.
						var out *ec2.AuthorizeSecurityGroupIngressOutput
						out, err = e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId,
							IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(int32(1 + i%60000)),
								ToPort: aws.Int32(int32(1 + i%60000)), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.9.0.0/16")}}}}})
						if err == nil && last != "" {
							_, err = e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg.GroupId, SecurityGroupRuleIds: []string{last}})
						}
						if err == nil {
							last = *out.SecurityGroupRules[0].SecurityGroupRuleId
						}
					}
					if err != nil {
						b.Fatal(err)
					}
					if err := srv.Sync(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// benchAPI makes an HTTP API with n routes on one integration, deployed to
// its $default stage, and returns its id.
func benchAPI(b testing.TB, gw *apigatewayv2.Client, n int) string {
	ctx := context.Background()
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("big"), ProtocolType: v2types.ProtocolTypeHttp})
	if err != nil {
		b.Fatal(err)
	}
	integ, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId,
		IntegrationType: v2types.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("ANY"),
		IntegrationUri: aws.String("http://127.0.0.1:9/"), PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		_, err := gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId,
			RouteKey: aws.String(fmt.Sprintf("GET /r/%d", i)), Target: aws.String("integrations/" + *integ.IntegrationId)})
		if err != nil {
			b.Fatal(err)
		}
	}
	dep, err := gw.CreateDeployment(ctx, &apigatewayv2.CreateDeploymentInput{ApiId: api.ApiId})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"),
		DeploymentId: dep.DeploymentId}); err != nil {
		b.Fatal(err)
	}
	return *api.ApiId
}
