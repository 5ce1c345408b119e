package gatehouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"gatehouse/internal/api"
	"gatehouse/internal/servertest"
)

// TestCallerHeaderCannotForgeCloudFormationTags sends the header the stack
// engine marks its calls with from plain SDK clients, with the value the
// engine once sent and with a guessed key: every service refuses the
// aws:cloudformation: tags AWS keeps for CloudFormation, as AWS does, and
// makes nothing; a stack on the same server still tags what it makes.
func TestCallerHeaderCannotForgeCloudFormationTags(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second))
	ctx := context.Background()
	vpc, err := srv.EC2().CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.7.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := aws.ToString(vpc.Vpc.VpcId)
	reserved := "aws:cloudformation:stack-name"

	for _, claim := range []string{"cloudformation", "CloudFormation", "0123456789ABCDEFGHIJKLMNOP"} {
		cfg := srv.AWSConfig()
		cfg.APIOptions = append(cfg.APIOptions, smithyhttp.SetHeaderValue(api.CallerHeader, claim))
		e, v2, v1, params := ec2.NewFromConfig(cfg), apigatewayv2.NewFromConfig(cfg), apigateway.NewFromConfig(cfg), ssm.NewFromConfig(cfg)

		_, err := e.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpcID},
			Tags: []ec2types.Tag{{Key: aws.String(reserved), Value: aws.String("forged")}}})
		if code, msg := apiError(err); code != "InvalidParameterValue" || msg != "Tag keys starting with 'aws:' are reserved for internal use" {
			t.Errorf("%s: EC2 CreateTags = %v", claim, err)
		}
		_, err = e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.8.0.0/16"), TagSpecifications: []ec2types.TagSpecification{
			{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{{Key: aws.String(reserved), Value: aws.String("forged")}}}}})
		if code, _ := apiError(err); code != "InvalidParameterValue" {
			t.Errorf("%s: EC2 CreateVpc with the tag = %v", claim, err)
		}
		_, err = v2.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("forged"), ProtocolType: gwtypes.ProtocolTypeHttp,
			Tags: map[string]string{reserved: "forged"}})
		if code, _ := apiError(err); code != "BadRequestException" {
			t.Errorf("%s: CreateApi with the tag = %v", claim, err)
		}
		_, err = v1.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("forged"), Tags: map[string]string{reserved: "forged"}})
		if code, _ := apiError(err); code != "BadRequestException" {
			t.Errorf("%s: CreateRestApi with the tag = %v", claim, err)
		}
		_, err = params.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/forged"), Value: aws.String("x"),
			Type: ssmtypes.ParameterTypeString, Tags: []ssmtypes.Tag{{Key: aws.String(reserved), Value: aws.String("forged")}}})
		if code, _ := apiError(err); code != "ValidationException" {
			t.Errorf("%s: PutParameter with the tag = %v", claim, err)
		}
	}

	// Nothing was made or tagged.
	vpcs, err := srv.EC2().DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(vpcs.Vpcs) != 1 || len(vpcs.Vpcs[0].Tags) != 0 {
		t.Fatalf("after the forged calls: %d VPCs, the first with %d tags", len(vpcs.Vpcs), len(vpcs.Vpcs[0].Tags))
	}
	apis, err := srv.APIGatewayV2().GetApis(ctx, &apigatewayv2.GetApisInput{})
	if err != nil {
		t.Fatal(err)
	}
	rests, err := srv.APIGateway().GetRestApis(ctx, &apigateway.GetRestApisInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(apis.Items) != 0 || len(rests.Items) != 0 {
		t.Fatalf("APIs made by the forged calls: %d HTTP, %d REST", len(apis.Items), len(rests.Items))
	}
	if _, err := srv.SSM().GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/forged")}); err == nil {
		t.Fatal("a forged call made a parameter")
	}

	// The stack engine, holding the key, still marks what it makes.
	if _, err := srv.CloudFormation().CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("net"),
		TemplateBody: aws.String(networkTemplate)}); err != nil {
		t.Fatal(err)
	}
	made, err := srv.EC2().DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + reserved), Values: []string{"net"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(made.Vpcs) != 1 {
		t.Fatalf("%d VPCs carry the stack's %s tag, want 1", len(made.Vpcs), reserved)
	}
}
