// Command mgmt times one sequence of management calls against an endpoint:
// a VPC, two subnets, two security groups with a rule, an HTTP API with N
// integrations and N routes, then describes and lists. Run it against
// gatehouse and against moto_server with the same arguments and compare the
// operations per second it prints.
//
//	go run ./bench/mgmt -endpoint http://127.0.0.1:4566 -routes 200
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4566", "server URL")
	routes := flag.Int("routes", 200, "routes and integrations to create")
	flag.Parse()
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: endpoint, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", "")}
	e, gw := ec2.NewFromConfig(cfg), apigatewayv2.NewFromConfig(cfg)

	ops := 0
	count := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
		ops++
	}
	start := time.Now()
	vpc, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	count(err)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		_, err := e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, AvailabilityZone: aws.String(az), CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i+1))})
		count(err)
	}
	a, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("a"), Description: aws.String("a"), VpcId: vpc.Vpc.VpcId})
	count(err)
	b, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("b"), Description: aws.String("b"), VpcId: vpc.Vpc.VpcId})
	count(err)
	_, err = e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: b.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: a.GroupId}}}}})
	count(err)
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("bench"), ProtocolType: "HTTP"})
	count(err)
	for i := 0; i < *routes; i++ {
		in, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: "HTTP_PROXY",
			IntegrationUri: aws.String(fmt.Sprintf("http://127.0.0.1:19001/r%d", i)), IntegrationMethod: aws.String("GET"), PayloadFormatVersion: aws.String("1.0")})
		count(err)
		_, err = gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String(fmt.Sprintf("GET /r%d/{id}", i)),
			Target: aws.String("integrations/" + aws.ToString(in.IntegrationId))})
		count(err)
	}
	for i := 0; i < 20; i++ {
		_, err = e.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		count(err)
		_, err = e.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
		count(err)
		_, err = gw.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: api.ApiId})
		count(err)
	}
	took := time.Since(start)
	fmt.Printf("%s: %d operations in %v = %.0f ops/s\n", *endpoint, ops, took.Round(time.Millisecond), float64(ops)/took.Seconds())
}
