package gatehouse_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"gatehouse/internal/servertest"
)

const keyedStack = `
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: keyed
  Pets:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: pets
  GetPets:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Pets
      HttpMethod: GET
      AuthorizationType: NONE
      ApiKeyRequired: true
      Integration:
        Type: MOCK
        RequestTemplates:
          application/json: '{"statusCode": 200}'
        IntegrationResponses:
          - StatusCode: "200"
      MethodResponses:
        - StatusCode: "200"
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: GetPets
    Properties:
      RestApiId: !Ref Api
      StageName: prod
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties:
      Enabled: true
      Value: stack-key-0123456789abcdef
      Tags:
        - Key: team
          Value: pets
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: Deployment
    Properties:
      UsagePlanName: gold
      ApiStages:
        - ApiId: !Ref Api
          Stage: prod
      Quota:
        Limit: 2
        Period: DAY
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties:
      KeyId: !Ref Key
      KeyType: API_KEY
      UsagePlanId: !Ref Plan
Outputs:
  ApiId:
    Value: !Ref Api
  KeyId:
    Value: !GetAtt Key.APIKeyId
  PlanId:
    Value: !Ref Plan
`

// A stack makes an API key, a usage plan and the key's place on it; the
// key opens the method within the plan's quota; an update changes the
// plan in place; deleting the stack deletes all three.
func TestStackAPIKeysAndUsagePlans(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.CloudFormation()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("keyed"), TemplateBody: aws.String(keyedStack)})
	restMust(t, err)
	waitStack(t, c, "keyed", cfntypes.StackStatusCreateComplete)
	out := map[string]string{}
	for _, o := range stackStatus(t, c, "keyed").Outputs {
		out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	k := &keyedAPI{srv: srv, gw: srv.APIGateway(), id: out["ApiId"]}
	restMust(t, srv.Sync(ctx))
	const key = "stack-key-0123456789abcdef"
	k.expect(t, srv, "no key", "prod", "/pets", "", 403, forbidden)
	k.expect(t, srv, "the stack's key", "prod", "/pets", key, 200, "")
	k.expect(t, srv, "the stack's key again", "prod", "/pets", key, 200, "")
	k.expect(t, srv, "past the quota", "prod", "/pets", key, 429, overQuota)

	got, err := k.gw.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: aws.String(out["KeyId"])})
	restMust(t, err)
	if got.Tags["team"] != "pets" || got.Tags["aws:cloudformation:logical-id"] != "Key" {
		t.Fatalf("key tags %v", got.Tags)
	}

	updated := strings.Replace(keyedStack, "        Limit: 2\n", "        Limit: 3\n", 1)
	updated = strings.Replace(updated, "      UsagePlanName: gold\n", "      UsagePlanName: platinum\n", 1)
	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("keyed"), TemplateBody: aws.String(updated)})
	restMust(t, err)
	waitStack(t, c, "keyed", cfntypes.StackStatusUpdateComplete)
	plan, err := k.gw.GetUsagePlan(ctx, &apigateway.GetUsagePlanInput{UsagePlanId: aws.String(out["PlanId"])})
	restMust(t, err)
	if aws.ToString(plan.Name) != "platinum" || plan.Quota.Limit != 3 {
		t.Fatalf("plan after the update: %+v", plan)
	}
	restMust(t, srv.Sync(ctx))
	k.expect(t, srv, "a quota raised in place", "prod", "/pets", key, 200, "")

	_, err = c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("keyed")})
	restMust(t, err)
	w := cfn.NewStackDeleteCompleteWaiter(c, func(o *cfn.StackDeleteCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 10*time.Millisecond
	})
	restMust(t, w.Wait(ctx, &cfn.DescribeStacksInput{StackName: aws.String("keyed")}, 30*time.Second))
	keys, err := k.gw.GetApiKeys(ctx, &apigateway.GetApiKeysInput{})
	restMust(t, err)
	plans, err := k.gw.GetUsagePlans(ctx, &apigateway.GetUsagePlansInput{})
	restMust(t, err)
	if len(keys.Items) != 0 || len(plans.Items) != 0 {
		t.Fatalf("after the stack's deletion: %d keys, %d plans", len(keys.Items), len(plans.Items))
	}
}
