package apigateway_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

func TestResourceTree(t *testing.T) {
	f := start(t)
	api, root := f.restAPI(t, "shop")
	create := func(parent, part string) (*apigateway.CreateResourceOutput, error) {
		return f.gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: aws.String(api), ParentId: aws.String(parent), PathPart: aws.String(part)})
	}
	pets, err := create(root, "pets")
	if err != nil {
		t.Fatal(err)
	}
	byID, err := create(aws.ToString(pets.Id), "{petId}")
	if err != nil {
		t.Fatal(err)
	}
	toys, err := create(aws.ToString(byID.Id), "toys")
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(toys.Path) != "/pets/{petId}/toys" || aws.ToString(toys.ParentId) != aws.ToString(byID.Id) {
		t.Fatalf("CreateResource = %+v", toys)
	}
	greedy, err := create(root, "{proxy+}")
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, parent, part, code, message string
	}{
		{"duplicate", root, "pets", "ConflictException", "Another resource with the same parent already has this name: pets"},
		{"second variable", aws.ToString(pets.Id), "{name}", "BadRequestException",
			"A sibling ({petId}) of this resource already has a variable path part -- only one is allowed"},
		{"variable beside greedy", root, "{id}", "BadRequestException", "A sibling ({proxy+}) of this resource already has a variable path part"},
		{"child of greedy", aws.ToString(greedy.Id), "more", "BadRequestException", "cannot have children"},
		{"bad characters", root, "a b", "BadRequestException", "Resource's path part only allow a-zA-Z0-9._- and curly braces"},
		{"greedy not closed", root, "{proxy+", "BadRequestException", "Resource's path part only allow"},
		{"unknown parent", "nope00", "x", "NotFoundException", "Invalid Resource identifier specified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, tc.code, tc.message, func() error {
				_, err := create(tc.parent, tc.part)
				return err
			})
		})
	}

	res, err := f.gw.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: aws.String(api), Limit: aws.Int32(3)})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range res.Items {
		paths = append(paths, aws.ToString(r.Path))
	}
	if !slices.Equal(paths, []string{"/", "/pets", "/pets/{petId}"}) || res.Position == nil {
		t.Fatalf("first page %v, position %v", paths, res.Position)
	}
	res, err = f.gw.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: aws.String(api), Limit: aws.Int32(3), Position: res.Position})
	if err != nil || len(res.Items) != 2 || res.Position != nil {
		t.Fatalf("second page %+v, %v", res, err)
	}

	f.fails(t, "BadRequestException", "root resource", func() error {
		_, err := f.gw.DeleteResource(ctx, &apigateway.DeleteResourceInput{RestApiId: aws.String(api), ResourceId: aws.String(root)})
		return err
	})
	// A resource goes with its subtree.
	if _, err := f.gw.DeleteResource(ctx, &apigateway.DeleteResourceInput{RestApiId: aws.String(api), ResourceId: pets.Id}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "NotFoundException", "Invalid Resource identifier specified", func() error {
		_, err := f.gw.GetResource(ctx, &apigateway.GetResourceInput{RestApiId: aws.String(api), ResourceId: toys.Id})
		return err
	})
	res, _ = f.gw.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: aws.String(api)})
	if len(res.Items) != 2 {
		t.Fatalf("after deleting /pets: %+v", res.Items)
	}
}

func TestRestApiUpdateListDelete(t *testing.T) {
	f := start(t)
	api, _ := f.restAPI(t, "shop")
	out, err := f.gw.UpdateRestApi(ctx, &apigateway.UpdateRestApiInput{RestApiId: aws.String(api), PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/name"), Value: aws.String("store")},
		{Op: types.OpReplace, Path: aws.String("/description"), Value: aws.String("the pet store")},
		{Op: types.OpAdd, Path: aws.String("/binaryMediaTypes/image~1png")},
		{Op: types.OpReplace, Path: aws.String("/endpointConfiguration/types/EDGE"), Value: aws.String("REGIONAL")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Name) != "store" || aws.ToString(out.Description) != "the pet store" ||
		!slices.Equal(out.BinaryMediaTypes, []string{"image/png"}) ||
		!slices.Equal(out.EndpointConfiguration.Types, []types.EndpointType{types.EndpointTypeRegional}) {
		t.Fatalf("UpdateRestApi = %+v", out)
	}
	for _, tc := range []struct {
		name, code, message string
		ops                 []types.PatchOperation
	}{
		{"empty name", "BadRequestException", "name must not be empty", []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/name"), Value: aws.String("")}}},
		{"remove name", "BadRequestException", "Invalid patch path '/name' specified for op 'remove'", []types.PatchOperation{{Op: types.OpRemove, Path: aws.String("/name")}}},
		{"bad endpoint type", "ValidationException", "Member must satisfy enum value set", []types.PatchOperation{
			{Op: types.OpReplace, Path: aws.String("/endpointConfiguration/types/REGIONAL"), Value: aws.String("GLOBAL")}}},
		{"bad op", "ValidationException", "Member must satisfy enum value set: [add, remove, replace, move, copy, test]",
			[]types.PatchOperation{{Op: "rename", Path: aws.String("/name"), Value: aws.String("x")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, tc.code, tc.message, func() error {
				_, err := f.gw.UpdateRestApi(ctx, &apigateway.UpdateRestApiInput{RestApiId: aws.String(api), PatchOperations: tc.ops})
				return err
			})
		})
	}

	f.restAPI(t, "second")
	f.restAPI(t, "third")
	first, err := f.gw.GetRestApis(ctx, &apigateway.GetRestApisInput{Limit: aws.Int32(2)})
	if err != nil || len(first.Items) != 2 || first.Position == nil {
		t.Fatalf("GetRestApis page 1 = %+v, %v", first, err)
	}
	rest, err := f.gw.GetRestApis(ctx, &apigateway.GetRestApisInput{Limit: aws.Int32(2), Position: first.Position})
	if err != nil || len(rest.Items) != 1 || rest.Position != nil {
		t.Fatalf("GetRestApis page 2 = %+v, %v", rest, err)
	}
	f.fails(t, "BadRequestException", "limit", func() error {
		_, err := f.gw.GetRestApis(ctx, &apigateway.GetRestApisInput{Limit: aws.Int32(501)})
		return err
	})

	if _, err := f.gw.DeleteRestApi(ctx, &apigateway.DeleteRestApiInput{RestApiId: aws.String(api)}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "NotFoundException", "Invalid API identifier specified 000000000000:"+api, func() error {
		_, err := f.gw.GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: aws.String(api)})
		return err
	})
	f.fails(t, "NotFoundException", "Invalid API identifier specified", func() error {
		_, err := f.gw.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: aws.String(api)})
		return err
	})
}

func TestDeploymentsAndStages(t *testing.T) {
	f := start(t)
	api, root := f.restAPI(t, "shop")
	a := aws.String(api)
	f.fails(t, "BadRequestException", "The REST API doesn't contain any methods", func() error {
		_, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: a, StageName: aws.String("prod")})
		return err
	})
	if _, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: a, ResourceId: aws.String(root), HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "BadRequestException", "No integration defined for method", func() error {
		_, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: a})
		return err
	})
	if _, err := f.gw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: a, ResourceId: aws.String(root), HttpMethod: aws.String("GET"),
		Type: types.IntegrationTypeMock}); err != nil {
		t.Fatal(err)
	}
	d1, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: a, Description: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: a, Description: aws.String("v2")})
	if err != nil {
		t.Fatal(err)
	}

	stage, err := f.gw.CreateStage(ctx, &apigateway.CreateStageInput{RestApiId: a, StageName: aws.String("dev"), DeploymentId: d1.Id,
		Variables: map[string]string{"vpcLinkId": "abc123", "host": "orders.internal"}, Tags: map[string]string{"env": "dev"}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(stage.DeploymentId) != aws.ToString(d1.Id) || stage.Variables["host"] != "orders.internal" || stage.Tags["env"] != "dev" ||
		stage.CacheClusterStatus != types.CacheClusterStatusNotAvailable {
		t.Fatalf("CreateStage = %+v", stage)
	}
	for _, tc := range []struct {
		name, code, message string
		in                  apigateway.CreateStageInput
	}{
		{"duplicate", "ConflictException", "Stage already exists", apigateway.CreateStageInput{RestApiId: a, StageName: aws.String("dev"), DeploymentId: d2.Id}},
		{"unknown deployment", "NotFoundException", "Invalid Deployment identifier specified", apigateway.CreateStageInput{RestApiId: a, StageName: aws.String("qa"), DeploymentId: aws.String("nope00")}},
		{"bad name", "BadRequestException", "Stage name only allows", apigateway.CreateStageInput{RestApiId: a, StageName: aws.String("q a"), DeploymentId: d2.Id}},
		{"bad variable", "BadRequestException", "Stage variable values must match", apigateway.CreateStageInput{RestApiId: a, StageName: aws.String("qa"), DeploymentId: d2.Id,
			Variables: map[string]string{"host": "has space"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fails(t, tc.code, tc.message, func() error {
				_, err := f.gw.CreateStage(ctx, &tc.in)
				return err
			})
		})
	}

	updated, err := f.gw.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: a, StageName: aws.String("dev"), PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/variables/vpcLinkId"), Value: aws.String("def456")},
		{Op: types.OpRemove, Path: aws.String("/variables/host")},
		{Op: types.OpReplace, Path: aws.String("/description"), Value: aws.String("development")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(updated.Variables) != 1 || updated.Variables["vpcLinkId"] != "def456" || aws.ToString(updated.Description) != "development" {
		t.Fatalf("UpdateStage = %+v", updated)
	}

	f.fails(t, "BadRequestException", "Active stages pointing to this deployment must be moved or deleted", func() error {
		_, err := f.gw.DeleteDeployment(ctx, &apigateway.DeleteDeploymentInput{RestApiId: a, DeploymentId: d1.Id})
		return err
	})
	f.fails(t, "NotFoundException", "Invalid Deployment identifier specified", func() error {
		_, err := f.gw.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: a, StageName: aws.String("dev"), PatchOperations: []types.PatchOperation{
			{Op: types.OpReplace, Path: aws.String("/deploymentId"), Value: aws.String("nope00")}}})
		return err
	})
	if _, err := f.gw.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: a, StageName: aws.String("dev"), PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/deploymentId"), Value: d2.Id}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.DeleteDeployment(ctx, &apigateway.DeleteDeploymentInput{RestApiId: a, DeploymentId: d1.Id}); err != nil {
		t.Fatal(err)
	}
	deps, err := f.gw.GetDeployments(ctx, &apigateway.GetDeploymentsInput{RestApiId: a})
	if err != nil || len(deps.Items) != 1 || aws.ToString(deps.Items[0].Id) != aws.ToString(d2.Id) {
		t.Fatalf("GetDeployments = %+v, %v", deps, err)
	}

	// CreateDeployment with a stage name repoints an existing stage.
	d3, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: a, StageName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	stages, err := f.gw.GetStages(ctx, &apigateway.GetStagesInput{RestApiId: a})
	if err != nil || len(stages.Item) != 1 || aws.ToString(stages.Item[0].DeploymentId) != aws.ToString(d3.Id) ||
		stages.Item[0].Variables["vpcLinkId"] != "def456" {
		t.Fatalf("GetStages = %+v, %v", stages, err)
	}
	if _, err := f.gw.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: a, StageName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "NotFoundException", "Invalid Stage identifier specified", func() error {
		_, err := f.gw.GetStage(ctx, &apigateway.GetStageInput{RestApiId: a, StageName: aws.String("dev")})
		return err
	})
}

func TestTags(t *testing.T) {
	f := start(t)
	n := f.network(t)
	link := f.link(t, "tagged", n.nlb)
	api, root := f.restAPI(t, "shop")
	if _, err := f.gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root), HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: aws.String(api), ResourceId: aws.String(root), HttpMethod: aws.String("GET"), Type: types.IntegrationTypeMock}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(api), StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	for _, arn := range []string{
		"arn:aws:apigateway:us-east-1::/restapis/" + api,
		"arn:aws:apigateway:us-east-1::/restapis/" + api + "/stages/prod",
		"arn:aws:apigateway:us-east-1::/vpclinks/" + link,
	} {
		t.Run(arn, func(t *testing.T) {
			if _, err := f.gw.TagResource(ctx, &apigateway.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"team": "edge", "cost": "42"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.gw.UntagResource(ctx, &apigateway.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"cost"}}); err != nil {
				t.Fatal(err)
			}
			got, err := f.gw.GetTags(ctx, &apigateway.GetTagsInput{ResourceArn: aws.String(arn)})
			if err != nil || len(got.Tags) != 1 || got.Tags["team"] != "edge" {
				t.Fatalf("GetTags = %+v, %v", got, err)
			}
		})
	}
	if got, err := f.gw.GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: aws.String(api)}); err != nil || got.Tags["team"] != "edge" {
		t.Fatalf("GetRestApi tags = %+v, %v", got, err)
	}
	f.fails(t, "BadRequestException", "aws:", func() error {
		_, err := f.gw.TagResource(ctx, &apigateway.TagResourceInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/restapis/" + api), Tags: map[string]string{"aws:cloudformation:stack-name": "x"}})
		return err
	})
	f.fails(t, "NotFoundException", "Invalid Vpc Link identifier specified", func() error {
		_, err := f.gw.GetTags(ctx, &apigateway.GetTagsInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/vpclinks/nope00")})
		return err
	})
	f.fails(t, "NotFoundException", "Invalid API Key identifier specified", func() error {
		_, err := f.gw.GetTags(ctx, &apigateway.GetTagsInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/apikeys/k1")})
		return err
	})
	f.fails(t, "BadRequestException", "names none of them", func() error {
		_, err := f.gw.GetTags(ctx, &apigateway.GetTagsInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/clientcertificates/c1")})
		return err
	})
}
