package gatehouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// lambdaTargetTemplate registers an inline function in a lambda target
// group as AWS's templates do: the group depends on the permission, which
// names the group by a pattern of its ARN, since the group's ARN is not
// known before the group is made.
const lambdaTargetTemplate = `
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: pets-cfn
      Runtime: python3.11
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/pets
      Code:
        ZipFile: |
          def handler(event, context):
              return {"statusCode": 200, "body": "ok"}
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Fn.Arn
      Action: lambda:InvokeFunction
      Principal: elasticloadbalancing.amazonaws.com
      SourceArn: !Sub arn:aws:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:targetgroup/pets-cfn/*
  Group:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    DependsOn: Invoke
    Properties:
      Name: pets-cfn
      TargetType: lambda
      Targets: [{Id: !GetAtt Fn.Arn}]
      TargetGroupAttributes: [{Key: lambda.multi_value_headers.enabled, Value: "true"}]
Outputs:
  Group:
    Value: !Ref Group
`

func TestStackLambdaTargetGroup(t *testing.T) {
	lambdatest.RequirePython(t, "3")
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.FunctionDelay(-1), servertest.StackWait(30*time.Second))
	c := srv.CloudFormation()
	ctx := context.Background()
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("fn"), TemplateBody: aws.String(lambdaTargetTemplate)}); err != nil {
		t.Fatal(err)
	}
	waitStack(t, c, "fn", cfntypes.StackStatusCreateComplete)
	var tg string
	for _, o := range stackStatus(t, c, "fn").Outputs {
		tg = aws.ToString(o.OutputValue)
	}
	lb := srv.ELBv2()
	h, err := lb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: &tg})
	if err != nil || len(h.TargetHealthDescriptions) != 1 ||
		aws.ToString(h.TargetHealthDescriptions[0].Target.Id) != "arn:aws:lambda:us-east-1:000000000000:function:pets-cfn" {
		t.Fatalf("the group's targets: %+v, %v", h, err)
	}
	a, err := lb.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: &tg})
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range a.Attributes {
		if aws.ToString(kv.Key) == "lambda.multi_value_headers.enabled" && aws.ToString(kv.Value) != "true" {
			t.Fatalf("multi-value headers: %s", aws.ToString(kv.Value))
		}
	}
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("fn")}); err != nil {
		t.Fatal(err)
	}
	if _, err := lb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{"pets-cfn"}}); err == nil {
		t.Fatal("the group outlived its stack")
	}
}
