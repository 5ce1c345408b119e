package provision_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
)

// wantTags fails the test unless got holds every tag of want, and no
// other tag but those.
func wantTags(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("%s tags %v, want %v", what, got, want)
	}
}

// Every taggable API Gateway resource carries its own Tags, the stack's
// tags and CloudFormation's aws:cloudformation:* ones; an update changes
// its own and keeps the rest.
func TestCreateTagsEveryTaggableResource(t *testing.T) {
	r := newGWRig(t, servertestLinksAtOnce()...)
	r.stackTags = map[string]string{"team": "gw"}
	system := func(logical string, own map[string]string) map[string]string {
		out := map[string]string{"team": "gw", "aws:cloudformation:stack-name": "lifecycle",
			"aws:cloudformation:stack-id": gwStackID, "aws:cloudformation:logical-id": logical}
		maps.Copy(out, own)
		return out
	}
	v2Tags := func(arn string) map[string]string {
		out, err := r.v2.GetTags(r.ctx, &apigatewayv2.GetTagsInput{ResourceArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Tags
	}
	v1Tags := func(arn string) map[string]string {
		out, err := r.gw.GetTags(r.ctx, &apigateway.GetTagsInput{ResourceArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Tags
	}
	const prefix = "arn:aws:apigateway:us-east-1::"

	apiP := map[string]any{"Name": "pets", "ProtocolType": "HTTP", "Tags": map[string]any{"app": "pets"}}
	api := r.create("AWS::ApiGatewayV2::Api", "Api", apiP)
	wantTags(t, "HTTP API", v2Tags(prefix+"/apis/"+api.Ref), system("Api", map[string]string{"app": "pets"}))
	apiP2 := with(apiP, "Tags", map[string]any{"owner": "me"})
	r.update("AWS::ApiGatewayV2::Api", api, apiP, apiP2)
	wantTags(t, "HTTP API after update", v2Tags(prefix+"/apis/"+api.Ref), system("X", map[string]string{"owner": "me"}))

	stageP := map[string]any{"ApiId": api.Ref, "StageName": "prod", "Tags": map[string]any{"tier": "1"}}
	r.create("AWS::ApiGatewayV2::Stage", "Stage", stageP)
	wantTags(t, "HTTP API stage", v2Tags(prefix+"/apis/"+api.Ref+"/stages/prod"), system("Stage", map[string]string{"tier": "1"}))

	_, subnets := r.nlb()
	link := r.create("AWS::ApiGatewayV2::VpcLink", "Link", map[string]any{"Name": "l", "SubnetIds": []any{subnets[0]}})
	wantTags(t, "VPC link V2", v2Tags(prefix+"/vpclinks/"+link.Ref), system("Link", nil))

	restP := map[string]any{"Name": "rest", "Tags": []any{map[string]any{"Key": "app", "Value": "rest"}}}
	rest := r.create("AWS::ApiGateway::RestApi", "Rest", restP)
	wantTags(t, "REST API", v1Tags(prefix+"/restapis/"+rest.Ref), system("Rest", map[string]string{"app": "rest"}))
	r.update("AWS::ApiGateway::RestApi", rest, restP, with(restP, "Tags", nil))
	wantTags(t, "REST API after its tags went", v1Tags(prefix+"/restapis/"+rest.Ref), system("X", nil))

	res := r.create("AWS::ApiGateway::Resource", "Res", map[string]any{"RestApiId": rest.Ref, "ParentId": rest.Attrs["RootResourceId"], "PathPart": "x"})
	r.create("AWS::ApiGateway::Method", "M", map[string]any{"RestApiId": rest.Ref, "ResourceId": res.Ref, "HttpMethod": "GET",
		"Integration": map[string]any{"Type": "MOCK"}})
	r.create("AWS::ApiGateway::Deployment", "Dep", map[string]any{"RestApiId": rest.Ref, "StageName": "live",
		"StageDescription": map[string]any{"Tags": []any{map[string]any{"Key": "stage", "Value": "live"}}}})
	wantTags(t, "stage a deployment made", v1Tags(prefix+"/restapis/"+rest.Ref+"/stages/live"), system("Dep", map[string]string{"stage": "live"}))

	nlb, _ := r.nlb2()
	l1 := r.create("AWS::ApiGateway::VpcLink", "Link1", map[string]any{"Name": "l1", "TargetArns": []any{nlb},
		"Tags": []any{map[string]any{"Key": "app", "Value": "l1"}}})
	wantTags(t, "VPC link V1", v1Tags(prefix+"/vpclinks/"+l1.Ref), system("Link1", map[string]string{"app": "l1"}))

	// Only the stack engine writes CloudFormation's keys.
	_, err := r.v2.TagResource(r.ctx, &apigatewayv2.TagResourceInput{ResourceArn: aws.String(prefix + "/apis/" + api.Ref),
		Tags: map[string]string{"aws:cloudformation:stack-name": "forged"}})
	if err == nil {
		t.Error("an ordinary client wrote an aws:cloudformation: tag on an HTTP API")
	}
	_, err = r.gw.TagResource(r.ctx, &apigateway.TagResourceInput{ResourceArn: aws.String(prefix + "/restapis/" + rest.Ref),
		Tags: map[string]string{"aws:cloudformation:stack-name": "forged"}})
	if err == nil {
		t.Error("an ordinary client wrote an aws:cloudformation: tag on a REST API")
	}
}

// What a template leaves out is filled in as CloudFormation fills it: the
// names, the Id of an HTTP API stage, a policy written as JSON.
func TestCreateNamesAndAttributes(t *testing.T) {
	r := newGWRig(t)
	api := r.create("AWS::ApiGatewayV2::Api", "NamelessApi", map[string]any{"ProtocolType": "HTTP"})
	got, err := r.v2.GetApi(r.ctx, &apigatewayv2.GetApiInput{ApiId: aws.String(api.Ref)})
	if err != nil || !strings.HasPrefix(aws.ToString(got.Name), "lifecycle-NamelessApi") {
		t.Fatalf("nameless HTTP API: %+v %v", got, err)
	}
	if !strings.HasPrefix(api.Attrs["ApiEndpoint"].(string), "http") || api.Attrs["ApiId"] != api.Ref {
		t.Errorf("HTTP API attributes %v", api.Attrs)
	}
	st := r.create("AWS::ApiGatewayV2::Stage", "S", map[string]any{"ApiId": api.Ref, "StageName": "$default"})
	if st.Ref != "$default" || st.Attrs["Id"] != "$default" {
		t.Errorf("HTTP API stage Ref %q, attributes %v", st.Ref, st.Attrs)
	}

	rest := r.create("AWS::ApiGateway::RestApi", "Rest", map[string]any{
		"Policy": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}}}})
	rg, err := r.gw.GetRestApi(r.ctx, &apigateway.GetRestApiInput{RestApiId: aws.String(rest.Ref)})
	if err != nil || !strings.HasPrefix(aws.ToString(rg.Name), "lifecycle-Rest") || rest.Attrs["RootResourceId"] != aws.ToString(rg.RootResourceId) {
		t.Fatalf("REST API %+v %v, attributes %v", rg, err, rest.Attrs)
	}
	res := r.create("AWS::ApiGateway::Resource", "Res", map[string]any{"RestApiId": rest.Ref, "ParentId": rest.Attrs["RootResourceId"], "PathPart": "x"})
	r.create("AWS::ApiGateway::Method", "M", map[string]any{"RestApiId": rest.Ref, "ResourceId": res.Ref, "HttpMethod": "GET",
		"Integration": map[string]any{"Type": "MOCK"}})
	dep := r.create("AWS::ApiGateway::Deployment", "Dep", map[string]any{"RestApiId": rest.Ref})
	stage := r.create("AWS::ApiGateway::Stage", "NamelessStage", map[string]any{"RestApiId": rest.Ref, "DeploymentId": dep.Ref,
		"Variables": map[string]any{"v": "1"}})
	if !strings.HasPrefix(stage.Ref, "lifecycle-NamelessStage") {
		t.Errorf("nameless REST stage is %q", stage.Ref)
	}
	sg, err := r.gw.GetStage(r.ctx, &apigateway.GetStageInput{RestApiId: aws.String(rest.Ref), StageName: aws.String(stage.Ref)})
	if err != nil || sg.Variables["v"] != "1" {
		t.Errorf("nameless REST stage: %+v %v", sg, err)
	}
}

// A method whose integration the service refuses is not left behind half
// made: the creation fails, and the method is gone.
func TestCreateMethodFailureLeavesNothing(t *testing.T) {
	r := newGWRig(t)
	x := r.restAPI()
	p := map[string]any{"RestApiId": x.api.Ref, "ResourceId": x.res.Ref, "HttpMethod": "POST",
		"Integration": map[string]any{"Type": "HTTP", "IntegrationHttpMethod": "POST", "Uri": "not a url"}}
	if _, err := r.sdk.Create(r.ctx, r.target("AWS::ApiGateway::Method", "Post"), p); err == nil {
		t.Fatal("a method with a bad integration URI was created")
	}
	_, err := r.gw.GetMethod(r.ctx, &apigateway.GetMethodInput{RestApiId: aws.String(x.api.Ref), ResourceId: aws.String(x.res.Ref), HttpMethod: aws.String("POST")})
	wantGoneV1(t, "half-made method", err)
}
