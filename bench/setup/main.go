// Command setup builds, through gatehouse's management APIs, the two private
// paths the data-plane benchmark measures, both ending at the shared bench
// backend on 127.0.0.1:19001, and prints their invoke URLs:
//
//	http  route ANY /{proxy+} -> VPC link V2 -> internal ALB -> target
//	rest  resource /{proxy+} ANY -> VPC link v1 -> internal NLB -> target
//
// Usage: go run ./bench/setup -endpoint http://127.0.0.1:4566
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4566", "gatehouse URL")
	backend := flag.Int("backend-port", 19001, "port of the benchmark backend on loopback")
	flag.Parse()
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: endpoint,
		Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", "")}
	e, lb := ec2.NewFromConfig(cfg), elb.NewFromConfig(cfg)
	v2, v1 := apigatewayv2.NewFromConfig(cfg), apigateway.NewFromConfig(cfg)

	vpc := must(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})).Vpc.VpcId
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s := must(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc, AvailabilityZone: aws.String(az), CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i+1))}))
		subnets = append(subnets, aws.ToString(s.Subnet.SubnetId))
	}
	group := func(name string) *string {
		return must(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: vpc})).GroupId
	}
	linkSG, albSG := group("link"), group("alb")
	must(e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: albSG, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: linkSG}}}}}))

	// The backends' interfaces: an address no interface owns answers
	// nothing. Their group admits the VPC.
	appSG := group("app")
	must(e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: appSG, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}}}))
	for _, ip := range []string{"10.0.1.10", "10.0.1.11"} {
		must(e.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnets[0]), PrivateIpAddress: aws.String(ip),
			Groups: []string{aws.ToString(appSG)}}))
	}

	// HTTP API -> link V2 -> ALB -> 10.0.1.10:backend (loopback by the address rule).
	tg := must(lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("bench-http"), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(int32(*backend)), VpcId: vpc, TargetType: elbtypes.TargetTypeEnumIp})).TargetGroups[0].TargetGroupArn
	must(lb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg, Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.1.10")}}}))
	alb := must(lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("bench-alb"), Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
		Subnets: subnets, SecurityGroups: []string{aws.ToString(albSG)}})).LoadBalancers[0].LoadBalancerArn
	listener := must(lb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: alb, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg}}})).Listeners[0].ListenerArn
	link := must(v2.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("bench"), SubnetIds: subnets, SecurityGroupIds: []string{aws.ToString(linkSG)}})).VpcLinkId
	waitFor("VPC link V2", func() string {
		return string(must(v2.GetVpcLink(ctx, &apigatewayv2.GetVpcLinkInput{VpcLinkId: link})).VpcLinkStatus)
	})
	api := must(v2.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("bench"), ProtocolType: "HTTP"})).ApiId
	integ := must(v2.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api, IntegrationType: "HTTP_PROXY", ConnectionType: "VPC_LINK",
		ConnectionId: link, IntegrationUri: listener, IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0")})).IntegrationId
	must(v2.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api, RouteKey: aws.String("ANY /{proxy+}"), Target: aws.String("integrations/" + aws.ToString(integ))}))
	must(v2.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}))

	// REST API -> link v1 -> NLB -> 10.0.1.11:backend.
	tcp := must(lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("bench-rest"), Protocol: elbtypes.ProtocolEnumTcp,
		Port: aws.Int32(int32(*backend)), VpcId: vpc, TargetType: elbtypes.TargetTypeEnumIp})).TargetGroups[0].TargetGroupArn
	must(lb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tcp, Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.1.11")}}}))
	nlbOut := must(lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("bench-nlb"), Type: elbtypes.LoadBalancerTypeEnumNetwork,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: subnets})).LoadBalancers[0]
	must(lb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: nlbOut.LoadBalancerArn, Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(8080),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tcp}}}))
	v1link := must(v1.CreateVpcLink(ctx, &apigateway.CreateVpcLinkInput{Name: aws.String("bench"), TargetArns: []string{aws.ToString(nlbOut.LoadBalancerArn)}})).Id
	waitFor("VPC link v1", func() string {
		return string(must(v1.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: v1link})).Status)
	})
	rest := must(v1.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("bench")}))
	res := must(v1.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: rest.Id, ParentId: rest.RootResourceId, PathPart: aws.String("{proxy+}")}))
	must(v1.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: rest.Id, ResourceId: res.Id, HttpMethod: aws.String("ANY"), AuthorizationType: aws.String("NONE"),
		RequestParameters: map[string]bool{"method.request.path.proxy": true}}))
	must(v1.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: rest.Id, ResourceId: res.Id, HttpMethod: aws.String("ANY"), Type: "HTTP_PROXY",
		IntegrationHttpMethod: aws.String("ANY"), ConnectionType: "VPC_LINK", ConnectionId: v1link,
		Uri:               aws.String("http://" + aws.ToString(nlbOut.DNSName) + ":8080/{proxy}"),
		RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}}))
	must(v1.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: rest.Id, StageName: aws.String("prod")}))

	base := strings.TrimRight(*endpoint, "/")
	fmt.Printf("http=%s/_aws/execute-api/%s/a/b\n", base, aws.ToString(api))
	fmt.Printf("rest=%s/restapis/%s/prod/_user_request_/a/b\n", base, aws.ToString(rest.Id))
}

func waitFor(what string, status func() string) {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		switch s := status(); s {
		case "AVAILABLE":
			return
		case "FAILED":
			log.Fatalf("%s failed", what)
		}
	}
	log.Fatalf("%s not available after a minute", what)
}

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
