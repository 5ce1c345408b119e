package apigateway_test

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/smithy-go/middleware"
)

// privateProxy is the PutIntegration of the seed architecture, for tests to
// vary.
func privateProxy(api, resource, link, uri string) *apigateway.PutIntegrationInput {
	return &apigateway.PutIntegrationInput{RestApiId: aws.String(api), ResourceId: aws.String(resource),
		HttpMethod: aws.String("ANY"), Type: types.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("ANY"),
		Uri: aws.String(uri), ConnectionType: types.ConnectionTypeVpcLink, ConnectionId: aws.String(link),
		RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}}
}

func TestPutIntegrationValidation(t *testing.T) {
	f := start(t)
	n := f.network(t)
	link := f.availableLink(t, n.nlb)
	v2 := f.v2Link(t, n.vpc, n.subnetA, n.subnetB)
	api, root := f.restAPI(t, "shop")
	proxy := f.proxyMethod(t, api, root)
	uri := "http://" + n.nlbDNS + "/{proxy}"

	// A good integration first: every failure below must leave it alone.
	if _, err := f.gw.PutIntegration(ctx, privateProxy(api, proxy, link, uri)); err != nil {
		t.Fatal(err)
	}
	before := f.integration(t, api, proxy)

	edit := func(change func(*apigateway.PutIntegrationInput)) *apigateway.PutIntegrationInput {
		in := privateProxy(api, proxy, link, uri)
		change(in)
		return in
	}
	for _, tc := range []struct {
		name, code, message string
		in                  *apigateway.PutIntegrationInput
	}{
		{"VPC_LINK without uri", "BadRequestException", "Invalid integration URI specified",
			edit(func(in *apigateway.PutIntegrationInput) { in.Uri = nil })},
		{"uri not http", "BadRequestException", "Invalid HTTP endpoint specified for URI",
			edit(func(in *apigateway.PutIntegrationInput) { in.Uri = aws.String(n.nlbDNS + "/{proxy}") })},
		{"no backend method", "BadRequestException", "Enumeration value for HttpMethod must be non-empty",
			edit(func(in *apigateway.PutIntegrationInput) { in.IntegrationHttpMethod = nil })},
		{"timeout too short", "BadRequestException", "Timeout should be between 50 ms and 29000 ms",
			edit(func(in *apigateway.PutIntegrationInput) { in.TimeoutInMillis = aws.Int32(49) })},
		{"timeout too long", "BadRequestException", "Timeout should be between 50 ms and 29000 ms",
			edit(func(in *apigateway.PutIntegrationInput) { in.TimeoutInMillis = aws.Int32(29001) })},
		{"V2 link without integrationTarget", "BadRequestException", "IntegrationTarget is required for VpcLinkV2",
			edit(func(in *apigateway.PutIntegrationInput) { in.ConnectionId = aws.String(v2) })},
		{"V2 link with an instance ARN", "BadRequestException", "IntegrationTarget must be the ARN of an Application Load Balancer or a Network Load Balancer",
			edit(func(in *apigateway.PutIntegrationInput) {
				in.ConnectionId, in.IntegrationTarget = aws.String(v2), aws.String("arn:aws:ec2:us-east-1:000000000000:instance/i-1")
			})},
		{"V1 link with integrationTarget", "BadRequestException", "integrationTarget applies to VPC links V2 only",
			edit(func(in *apigateway.PutIntegrationInput) { in.IntegrationTarget = aws.String(n.nlb) })},
		{"unknown link", "NotFoundException", "Invalid Vpc Link identifier specified",
			edit(func(in *apigateway.PutIntegrationInput) { in.ConnectionId = aws.String("nope00") })},
		{"VPC_LINK without a link", "BadRequestException", "connectionId must name a VPC link",
			edit(func(in *apigateway.PutIntegrationInput) { in.ConnectionId = nil })},
		{"link on a public integration", "BadRequestException", "apply only to connectionType VPC_LINK",
			edit(func(in *apigateway.PutIntegrationInput) { in.ConnectionType = types.ConnectionTypeInternet })},
		{"undeclared method parameter", "BadRequestException",
			"Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.request.header.host]",
			edit(func(in *apigateway.PutIntegrationInput) {
				in.RequestParameters = map[string]string{"integration.request.header.x-original-host": "method.request.header.host"}
			})},
		{"Lambda over a VPC link", "BadRequestException", "Integrations of type AWS_PROXY cannot use connectionType VPC_LINK",
			edit(func(in *apigateway.PutIntegrationInput) { in.Type = types.IntegrationTypeAwsProxy })},
		{"unknown type", "ValidationException", "Member must satisfy enum value set: [HTTP, AWS, MOCK, HTTP_PROXY, AWS_PROXY]",
			edit(func(in *apigateway.PutIntegrationInput) { in.Type = "GRPC" })},
		{"unknown method", "NotFoundException", "Invalid Method identifier specified",
			edit(func(in *apigateway.PutIntegrationInput) { in.HttpMethod = aws.String("GET") })},
		{"unknown resource", "NotFoundException", "Invalid Resource identifier specified",
			edit(func(in *apigateway.PutIntegrationInput) { in.ResourceId = aws.String("nope00") })},
		{"unknown API", "NotFoundException", "Invalid API identifier specified 000000000000:nope000000",
			edit(func(in *apigateway.PutIntegrationInput) { in.RestApiId = aws.String("nope000000") })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, tc.code, tc.message, func() error {
				_, err := f.gw.PutIntegration(ctx, tc.in)
				return err
			})
		})
	}
	if after := f.integration(t, api, proxy); !reflect.DeepEqual(after, before) {
		t.Fatalf("failed calls changed the integration:\n%+v\n%+v", before, after)
	}

	// The link through a stage variable, resolved per stage at request time.
	staged, err := f.gw.PutIntegration(ctx, edit(func(in *apigateway.PutIntegrationInput) {
		in.ConnectionId = aws.String("${stageVariables.vpcLinkId}")
	}))
	if err != nil || aws.ToString(staged.ConnectionId) != "${stageVariables.vpcLinkId}" {
		t.Fatalf("PutIntegration with a stage variable = %+v, %v", staged, err)
	}
	if _, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(api),
		StageName: aws.String("prod"), Variables: map[string]string{"vpcLinkId": link}}); err != nil {
		t.Fatal(err)
	}
	stage, err := f.gw.GetStage(ctx, &apigateway.GetStageInput{RestApiId: aws.String(api), StageName: aws.String("prod")})
	if err != nil || stage.Variables["vpcLinkId"] != link {
		t.Fatalf("GetStage = %+v, %v", stage, err)
	}
	// A link named only through a stage variable does not pin it.
	if _, err := f.gw.DeleteVpcLink(ctx, &apigateway.DeleteVpcLinkInput{VpcLinkId: aws.String(link)}); err != nil {
		t.Fatalf("DeleteVpcLink of a link named by a stage variable: %v", err)
	}

	// A V2 link reaches an ALB directly, named by integrationTarget.
	direct, err := f.gw.PutIntegration(ctx, edit(func(in *apigateway.PutIntegrationInput) {
		in.ConnectionId, in.IntegrationTarget = aws.String(v2), aws.String(n.alb)
	}))
	if err != nil || aws.ToString(direct.IntegrationTarget) != n.alb || aws.ToString(direct.ConnectionId) != v2 {
		t.Fatalf("PutIntegration with a V2 link = %+v, %v", direct, err)
	}
}

func (f *fixture) integration(t *testing.T, api, resource string) *apigateway.GetIntegrationOutput {
	t.Helper()
	out, err := f.gw.GetIntegration(ctx, &apigateway.GetIntegrationInput{RestApiId: aws.String(api), ResourceId: aws.String(resource), HttpMethod: aws.String("ANY")})
	if err != nil {
		t.Fatal(err)
	}
	// The metadata carries each call's request id.
	out.ResultMetadata = middleware.Metadata{}
	return out
}

func TestUpdateIntegration(t *testing.T) {
	f := start(t)
	n := f.network(t)
	link := f.availableLink(t, n.nlb)
	api, root := f.restAPI(t, "shop")
	proxy := f.proxyMethod(t, api, root)
	if _, err := f.gw.PutIntegration(ctx, privateProxy(api, proxy, link, "http://"+n.nlbDNS+"/{proxy}")); err != nil {
		t.Fatal(err)
	}
	update := func(ops ...types.PatchOperation) (*apigateway.UpdateIntegrationOutput, error) {
		return f.gw.UpdateIntegration(ctx, &apigateway.UpdateIntegrationInput{RestApiId: aws.String(api), ResourceId: aws.String(proxy),
			HttpMethod: aws.String("ANY"), PatchOperations: ops})
	}
	op := func(o types.Op, path, value string) types.PatchOperation {
		p := types.PatchOperation{Op: o, Path: aws.String(path)}
		if value != "" {
			p.Value = aws.String(value)
		}
		return p
	}
	out, err := update(
		op(types.OpReplace, "/timeoutInMillis", "5000"),
		op(types.OpReplace, "/connectionId", "${stageVariables.vpcLinkId}"),
		op(types.OpAdd, "/requestParameters/integration.request.header.x-api", "'shop'"),
		op(types.OpAdd, "/requestTemplates/application~1json", "{}"),
		op(types.OpReplace, "/tlsConfig/insecureSkipVerification", "true"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if out.TimeoutInMillis != 5000 || aws.ToString(out.ConnectionId) != "${stageVariables.vpcLinkId}" ||
		out.RequestParameters["integration.request.header.x-api"] != "'shop'" || out.RequestTemplates["application/json"] != "{}" ||
		out.TlsConfig == nil || !out.TlsConfig.InsecureSkipVerification {
		t.Fatalf("UpdateIntegration = %+v", out)
	}

	// A patched integration must still be one PutIntegration would take.
	for _, tc := range []struct {
		name, message string
		ops           []types.PatchOperation
	}{
		{"timeout", "Timeout should be between 50 ms and 29000 ms", []types.PatchOperation{op(types.OpReplace, "/timeoutInMillis", "10")}},
		{"no uri", "Invalid integration URI specified", []types.PatchOperation{op(types.OpReplace, "/uri", "")}},
		{"public with a link", "apply only to connectionType VPC_LINK", []types.PatchOperation{op(types.OpReplace, "/connectionType", "INTERNET")}},
		{"unknown path", "Invalid patch path '/type' specified for op 'replace'", []types.PatchOperation{op(types.OpReplace, "/type", "MOCK")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, "BadRequestException", tc.message, func() error {
				_, err := update(tc.ops...)
				return err
			})
		})
	}

	// Leaving the link takes removing what named it.
	out, err = update(op(types.OpReplace, "/connectionType", "INTERNET"), op(types.OpRemove, "/connectionId", ""),
		op(types.OpRemove, "/requestParameters/integration.request.header.x-api", ""))
	if err != nil {
		t.Fatal(err)
	}
	if out.ConnectionType != types.ConnectionTypeInternet || out.ConnectionId != nil || len(out.RequestParameters) != 1 {
		t.Fatalf("UpdateIntegration to INTERNET = %+v", out)
	}
}

func TestMethodsAndResponses(t *testing.T) {
	f := start(t)
	api, root := f.restAPI(t, "shop")
	pets, err := f.gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: aws.String(api), ParentId: aws.String(root), PathPart: aws.String("pets")})
	if err != nil {
		t.Fatal(err)
	}
	a, r, h := aws.String(api), pets.Id, aws.String("GET")
	if _, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: a, ResourceId: r, HttpMethod: h, AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "ConflictException", "Method already exists for this resource", func() error {
		_, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: a, ResourceId: r, HttpMethod: h, AuthorizationType: aws.String("NONE")})
		return err
	})
	f.fails(t, "BadRequestException", "Invalid HttpMethod specified", func() error {
		_, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: a, ResourceId: r, HttpMethod: aws.String("FETCH"), AuthorizationType: aws.String("NONE")})
		return err
	})
	f.fails(t, "BadRequestException", "requires a valid authorizer", func() error {
		_, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: a, ResourceId: r, HttpMethod: aws.String("POST"), AuthorizationType: aws.String("CUSTOM")})
		return err
	})
	f.fails(t, "NotFoundException", "Invalid Integration identifier specified", func() error {
		_, err := f.gw.GetIntegration(ctx, &apigateway.GetIntegrationInput{RestApiId: a, ResourceId: r, HttpMethod: h})
		return err
	})

	upd, err := f.gw.UpdateMethod(ctx, &apigateway.UpdateMethodInput{RestApiId: a, ResourceId: r, HttpMethod: h, PatchOperations: []types.PatchOperation{
		{Op: types.OpAdd, Path: aws.String("/requestParameters/method.request.header.x-team"), Value: aws.String("true")},
		{Op: types.OpReplace, Path: aws.String("/apiKeyRequired"), Value: aws.String("true")},
		{Op: types.OpReplace, Path: aws.String("/operationName"), Value: aws.String("ListPets")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !upd.RequestParameters["method.request.header.x-team"] || !aws.ToBool(upd.ApiKeyRequired) || aws.ToString(upd.OperationName) != "ListPets" {
		t.Fatalf("UpdateMethod = %+v", upd)
	}
	f.fails(t, "NotFoundException", "Invalid parameter name specified", func() error {
		_, err := f.gw.UpdateMethod(ctx, &apigateway.UpdateMethodInput{RestApiId: a, ResourceId: r, HttpMethod: h, PatchOperations: []types.PatchOperation{
			{Op: types.OpRemove, Path: aws.String("/requestParameters/method.request.header.nope")}}})
		return err
	})

	mock := &apigateway.PutIntegrationInput{RestApiId: a, ResourceId: r, HttpMethod: h, Type: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}
	if _, err := f.gw.PutIntegration(ctx, mock); err != nil {
		t.Fatal(err)
	}
	// An integration response feeds a declared method response, and maps
	// only headers that response declares.
	f.fails(t, "NotFoundException", "Invalid Response status code specified", func() error {
		_, err := f.gw.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h, StatusCode: aws.String("200")})
		return err
	})
	if _, err := f.gw.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h, StatusCode: aws.String("200"),
		ResponseParameters: map[string]bool{"method.response.header.X-Shop": false}}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "BadRequestException", "Invalid mapping expression parameter specified: method.response.header.X-Other", func() error {
		_, err := f.gw.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h, StatusCode: aws.String("200"),
			ResponseParameters: map[string]string{"method.response.header.X-Other": "'x'"}})
		return err
	})
	ir, err := f.gw.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h, StatusCode: aws.String("200"),
		SelectionPattern: aws.String(""), ResponseParameters: map[string]string{"method.response.header.X-Shop": "'pets'"},
		ResponseTemplates: map[string]string{"application/json": `{"pets": []}`}})
	if err != nil || ir.ResponseParameters["method.response.header.X-Shop"] != "'pets'" {
		t.Fatalf("PutIntegrationResponse = %+v, %v", ir, err)
	}
	method, err := f.gw.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: a, ResourceId: r, HttpMethod: h})
	if err != nil {
		t.Fatal(err)
	}
	if method.MethodIntegration == nil || method.MethodIntegration.Type != types.IntegrationTypeMock ||
		method.MethodIntegration.IntegrationResponses["200"].ResponseTemplates["application/json"] != `{"pets": []}` ||
		method.MethodResponses["200"].ResponseParameters == nil {
		t.Fatalf("GetMethod = %+v", method)
	}
	if _, err := f.gw.DeleteIntegrationResponse(ctx, &apigateway.DeleteIntegrationResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h, StatusCode: aws.String("200")}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "NotFoundException", "Invalid Response status code specified", func() error {
		_, err := f.gw.GetIntegrationResponse(ctx, &apigateway.GetIntegrationResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h, StatusCode: aws.String("200")})
		return err
	})
	if _, err := f.gw.DeleteMethodResponse(ctx, &apigateway.DeleteMethodResponseInput{RestApiId: a, ResourceId: r, HttpMethod: h, StatusCode: aws.String("200")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.DeleteMethod(ctx, &apigateway.DeleteMethodInput{RestApiId: a, ResourceId: r, HttpMethod: h}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "NotFoundException", "Invalid Method identifier specified", func() error {
		_, err := f.gw.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: a, ResourceId: r, HttpMethod: h})
		return err
	})
}
