package lambda_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/model"
	"gatehouse/internal/servertest"
)

// settle does what the engine does once a function is ready: Active, and
// the last update Successful.
func settle(t *testing.T, srv *servertest.Server, name string) {
	t.Helper()
	err := model.Update(srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) error {
		f, _, err := model.Get[model.Function](tx, name)
		if err != nil {
			return err
		}
		f.Config.State, f.Config.StateReason, f.Config.StateReasonCode = "Active", "", ""
		f.Config.LastUpdateStatus, f.Config.LastUpdateStatusReason, f.Config.LastUpdateStatusReasonCode = "Successful", "", ""
		return model.Put(tx, f)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestUpdatesPublishAndConflicts(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.Lambda()
	created := create(t, c, "f", nodeZip(t))

	// Pending: no update yet.
	_, err := c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("f"), Timeout: aws.Int32(30)})
	apiError(t, err, "ResourceConflictException", "The operation cannot be performed at this time. The function is currently in the following state: Pending")
	settle(t, srv, "f")

	_, err = c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("f"), Timeout: aws.Int32(30), RevisionId: aws.String("stale")})
	apiError(t, err, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id.")
	up, err := c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("f"), Timeout: aws.Int32(30),
		RevisionId: created.RevisionId, Environment: &types.Environment{Variables: map[string]string{"AB": "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(up.Timeout) != 30 || up.State != types.StateActive || up.LastUpdateStatus != types.LastUpdateStatusInProgress ||
		aws.ToString(up.LastUpdateStatusReason) != "The function is being created." || up.LastUpdateStatusReasonCode != "Creating" ||
		aws.ToString(up.RevisionId) == aws.ToString(created.RevisionId) || up.Environment.Variables["AB"] != "1" {
		t.Fatalf("UpdateFunctionConfiguration = %+v", up)
	}
	// A second update while the first is in progress.
	_, err = c.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("f"), ZipFile: nodeZip(t)})
	apiError(t, err, "ResourceConflictException", "The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:000000000000:function:f")
	_, err = c.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("f")})
	apiError(t, err, "ResourceConflictException", "An update is in progress")
	settle(t, srv, "f")

	newZip := lambdatest.NodeFunction(t, "export const handler = async () => 'v2';")
	code, err := c.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("f"), ZipFile: newZip})
	if err != nil || aws.ToString(code.CodeSha256) == aws.ToString(created.CodeSha256) || code.LastUpdateStatus != types.LastUpdateStatusInProgress {
		t.Fatalf("UpdateFunctionCode = %+v, %v", code, err)
	}
	settle(t, srv, "f")
	_, err = c.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("f"), ZipFile: []byte("PK nope")})
	apiError(t, err, "InvalidParameterValueException", "Could not unzip uploaded file.")

	_, err = c.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("f"), CodeSha256: created.CodeSha256})
	apiError(t, err, "PreconditionFailedException", "is different from current CodeSHA256 in $LATEST")
	v1, err := c.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("f"), CodeSha256: code.CodeSha256, Description: aws.String("first")})
	if err != nil || aws.ToString(v1.Version) != "1" || aws.ToString(v1.FunctionArn) != "arn:aws:lambda:us-east-1:000000000000:function:f:1" ||
		aws.ToString(v1.Description) != "first" || aws.ToInt32(v1.Timeout) != 30 {
		t.Fatalf("PublishVersion = %+v, %v", v1, err)
	}
	// Nothing changed since: the same version again.
	again, err := c.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("f")})
	if err != nil || aws.ToString(again.Version) != "1" {
		t.Fatalf("PublishVersion again = %+v, %v", again, err)
	}
	if _, err := c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("f"), MemorySize: aws.Int32(512)}); err != nil {
		t.Fatal(err)
	}
	settle(t, srv, "f")
	v2, err := c.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("f")})
	if err != nil || aws.ToString(v2.Version) != "2" || aws.ToInt32(v2.MemorySize) != 512 {
		t.Fatalf("PublishVersion 2 = %+v, %v", v2, err)
	}
	vs, err := c.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("f")})
	if err != nil || len(vs.Versions) != 3 || aws.ToString(vs.Versions[0].Version) != "$LATEST" ||
		aws.ToString(vs.Versions[0].FunctionArn) != "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST" ||
		aws.ToString(vs.Versions[2].Version) != "2" || aws.ToInt32(vs.Versions[1].MemorySize) != 128 {
		t.Fatalf("ListVersionsByFunction = %+v, %v", vs, err)
	}
	old, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("f:1")})
	if err != nil || aws.ToInt32(old.MemorySize) != 128 || aws.ToString(old.Version) != "1" {
		t.Fatalf("version 1 = %+v, %v", old, err)
	}

	// Aliases.
	alias, err := c.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("f"), Name: aws.String("prod"), FunctionVersion: aws.String("1"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.25}}})
	if err != nil || aws.ToString(alias.AliasArn) != "arn:aws:lambda:us-east-1:000000000000:function:f:prod" || alias.RoutingConfig.AdditionalVersionWeights["2"] != 0.25 {
		t.Fatalf("CreateAlias = %+v, %v", alias, err)
	}
	_, err = c.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("f"), Name: aws.String("prod"), FunctionVersion: aws.String("1")})
	apiError(t, err, "ResourceConflictException", "Alias already exists: arn:aws:lambda:us-east-1:000000000000:function:f:prod")
	_, err = c.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("f"), Name: aws.String("next"), FunctionVersion: aws.String("9")})
	apiError(t, err, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f:9")
	_, err = c.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("f"), Name: aws.String("12"), FunctionVersion: aws.String("1")})
	apiError(t, err, "ValidationException", "Value '12' at 'name'")
	byAlias, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("f"), Qualifier: aws.String("prod")})
	if err != nil || aws.ToString(byAlias.Configuration.Version) != "1" || aws.ToString(byAlias.Configuration.FunctionArn) != "arn:aws:lambda:us-east-1:000000000000:function:f:prod" {
		t.Fatalf("GetFunction by alias = %+v, %v", byAlias, err)
	}
	_, err = c.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("f"), Name: aws.String("prod"), RevisionId: aws.String("x")})
	apiError(t, err, "PreconditionFailedException", "Revision Id")
	moved, err := c.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("f"), Name: aws.String("prod"), FunctionVersion: aws.String("2"),
		RoutingConfig: &types.AliasRoutingConfiguration{}, RevisionId: alias.RevisionId})
	if err != nil || aws.ToString(moved.FunctionVersion) != "2" || moved.RoutingConfig != nil {
		t.Fatalf("UpdateAlias = %+v, %v", moved, err)
	}
	_, err = c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("f"), Qualifier: aws.String("2")})
	apiError(t, err, "ResourceConflictException", "Unable to delete version because the following aliases reference it: [prod]")
	if _, err := c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("f"), Qualifier: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String("f")})
	if err != nil || len(list.Aliases) != 1 || aws.ToString(list.Aliases[0].Name) != "prod" {
		t.Fatalf("ListAliases = %+v, %v", list, err)
	}
	if _, err := c.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("f"), Name: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("f"), Name: aws.String("prod")})
	apiError(t, err, "ResourceNotFoundException", "Alias not found: arn:aws:lambda:us-east-1:000000000000:function:f:prod")

	// Deleting the function takes its versions with it.
	if _, err := c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("f")}); err != nil {
		t.Fatal(err)
	}
	var left int
	model.View(srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) error {
		vs, err := model.List[model.FunctionVersion](tx)
		left = len(vs)
		return err
	})
	if left != 0 {
		t.Fatalf("%d versions outlived their function", left)
	}
}

func TestPermissions(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.Lambda()
	create(t, c, "f", nodeZip(t))
	settle(t, srv, "f")
	_, err := c.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("f")})
	apiError(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")

	source := "arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/items"
	add, err := c.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("f"), StatementId: aws.String("apigw"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
		SourceArn: aws.String(source), SourceAccount: aws.String("000000000000")})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Sid":"apigw","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:000000000000:function:f","Condition":{"StringEquals":{"AWS:SourceAccount":"000000000000"},"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/items"}}}`
	if aws.ToString(add.Statement) != want {
		t.Fatalf("Statement =\n%s\nwant\n%s", aws.ToString(add.Statement), want)
	}
	_, err = c.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("f"), StatementId: aws.String("apigw"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com")})
	apiError(t, err, "ResourceConflictException", "The statement id (apigw) provided already exists. Please provide a new statement id, or remove the existing statement.")
	if _, err := c.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("f"), StatementId: aws.String("acct"),
		Action: aws.String("lambda:*"), Principal: aws.String("111122223333")}); err != nil {
		t.Fatal(err)
	}
	pol, err := c.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("f")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(pol.Policy), `{"Version":"2012-10-17","Id":"default","Statement":[`+want+`,{"Sid":"acct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"}`) {
		t.Fatalf("Policy = %s", aws.ToString(pol.Policy))
	}
	got, _ := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("f")})
	if aws.ToString(pol.RevisionId) != aws.ToString(got.Configuration.RevisionId) {
		t.Fatalf("policy revision %s, function revision %s", aws.ToString(pol.RevisionId), aws.ToString(got.Configuration.RevisionId))
	}

	// The record holds what the data plane's check reads.
	var f *model.Function
	model.View(srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) error {
		f, _, err = model.Get[model.Function](tx, "f")
		return err
	})
	if sid, ok := f.Allows(model.FunctionCaller{Service: "apigateway.amazonaws.com", SourceArn: "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/items", SourceAccount: "000000000000"}, ""); !ok || sid != "apigw" {
		t.Fatalf("Allows = %s, %v", sid, ok)
	}

	// A version's policy is its own.
	if _, err := c.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("f")}); err != nil {
		t.Fatal(err)
	}
	v, err := c.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("f"), Qualifier: aws.String("1"), StatementId: aws.String("apigw"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("elasticloadbalancing.amazonaws.com")})
	if err != nil || !strings.Contains(aws.ToString(v.Statement), `"Resource":"arn:aws:lambda:us-east-1:000000000000:function:f:1"`) {
		t.Fatalf("AddPermission on version 1 = %+v, %v", v, err)
	}
	vp, err := c.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("f:1")})
	var doc struct{ Statement []json.RawMessage }
	if err != nil || json.Unmarshal([]byte(aws.ToString(vp.Policy)), &doc) != nil || len(doc.Statement) != 1 {
		t.Fatalf("version policy = %+v, %v", vp, err)
	}
	_, err = c.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("f"), Qualifier: aws.String("7"), StatementId: aws.String("x"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com")})
	apiError(t, err, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f:7")

	_, err = c.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("f"), StatementId: aws.String("nope")})
	apiError(t, err, "ResourceNotFoundException", "Statement nope is not found in resource policy.")
	for _, sid := range []string{"apigw", "acct"} {
		if _, err := c.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("f"), StatementId: aws.String(sid)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("f")})
	apiError(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
}

func TestConcurrencyTagsAndAccount(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.Lambda()
	created := create(t, c, "f", nodeZip(t))
	create(t, c, "g", nodeZip(t))
	arn := aws.ToString(created.FunctionArn)

	got, err := c.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("f")})
	if err != nil || got.ReservedConcurrentExecutions != nil {
		t.Fatalf("GetFunctionConcurrency = %+v, %v", got, err)
	}
	put, err := c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("f"), ReservedConcurrentExecutions: aws.Int32(5)})
	if err != nil || aws.ToInt32(put.ReservedConcurrentExecutions) != 5 {
		t.Fatalf("PutFunctionConcurrency = %+v, %v", put, err)
	}
	_, err = c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("g"), ReservedConcurrentExecutions: aws.Int32(896)})
	apiError(t, err, "InvalidParameterValueException", "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].")
	fn, _ := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("f")})
	if fn.Concurrency == nil || aws.ToInt32(fn.Concurrency.ReservedConcurrentExecutions) != 5 {
		t.Fatalf("GetFunction.Concurrency = %+v", fn.Concurrency)
	}
	acct, err := c.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil || acct.AccountLimit.ConcurrentExecutions != 1000 || aws.ToInt32(acct.AccountLimit.UnreservedConcurrentExecutions) != 995 ||
		acct.AccountUsage.FunctionCount != 2 || acct.AccountUsage.TotalCodeSize != 2*created.CodeSize {
		t.Fatalf("GetAccountSettings = %+v, %+v, %v", acct.AccountLimit, acct.AccountUsage, err)
	}
	if _, err := c.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("f")}); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("f")})
	if err != nil || got.ReservedConcurrentExecutions != nil {
		t.Fatalf("after delete = %+v, %v", got, err)
	}

	if _, err := c.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(arn), Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String(arn), TagKeys: []string{"a", "zz"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["b"] != "2" {
		t.Fatalf("ListTags = %+v, %v", tags, err)
	}
	for _, key := range []string{"aws:cloudformation:stack-name", "AWS:mine"} {
		_, err = c.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(arn), Tags: map[string]string{key: "x"}})
		apiError(t, err, "InvalidParameterValueException", "reserved for AWS use")
	}
	if tags, _ := c.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String(arn)}); len(tags.Tags) != 1 {
		t.Fatalf("a refused tag changed the tags: %v", tags.Tags)
	}
	_, err = c.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String("arn:aws:lambda:us-east-1:000000000000:function:nope")})
	apiError(t, err, "ResourceNotFoundException", "Function not found")

	// The reads Terraform makes of every function.
	csc, err := c.GetFunctionCodeSigningConfig(ctx, &lambda.GetFunctionCodeSigningConfigInput{FunctionName: aws.String("f")})
	if err != nil || aws.ToString(csc.FunctionName) != "f" || aws.ToString(csc.CodeSigningConfigArn) != "" {
		t.Fatalf("GetFunctionCodeSigningConfig = %+v, %v", csc, err)
	}
	rmc, err := c.GetRuntimeManagementConfig(ctx, &lambda.GetRuntimeManagementConfigInput{FunctionName: aws.String("f")})
	if err != nil || rmc.UpdateRuntimeOn != types.UpdateRuntimeOnAuto || aws.ToString(rmc.FunctionArn) != arn {
		t.Fatalf("GetRuntimeManagementConfig = %+v, %v", rmc, err)
	}
}

// A server's concurrency limit is what GetAccountSettings reports and what
// reservations are made from, as the engine enforces it.
func TestConcurrencyFollowsTheServersLimit(t *testing.T) {
	srv := servertest.Start(t, servertest.FunctionConcurrency(10))
	c := srv.Lambda()
	create(t, c, "f", nodeZip(t))
	_, err := c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("f"), ReservedConcurrentExecutions: aws.Int32(10)})
	apiError(t, err, "InvalidParameterValueException", "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [1].")
	if _, err := c.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("f"), ReservedConcurrentExecutions: aws.Int32(9)}); err != nil {
		t.Fatal(err)
	}
	acct, err := c.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil || acct.AccountLimit.ConcurrentExecutions != 10 || aws.ToInt32(acct.AccountLimit.UnreservedConcurrentExecutions) != 1 {
		t.Fatalf("GetAccountSettings = %+v, %v", acct.AccountLimit, err)
	}
}

// CreateFunction with Publish makes version 1 with the function; a dry
// run of a code update changes nothing; names in other accounts or
// regions are not this caller's.
func TestPublishOnCreateAndDryRun(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.Lambda()
	zip := nodeZip(t)
	out, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("p"), Role: aws.String(role), Publish: true,
		Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: zip}})
	if err != nil || aws.ToString(out.Version) != "1" || aws.ToString(out.FunctionArn) != "arn:aws:lambda:us-east-1:000000000000:function:p:1" {
		t.Fatalf("CreateFunction with Publish = %+v, %v", out, err)
	}
	vs, err := c.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("p")})
	if err != nil || len(vs.Versions) != 2 {
		t.Fatalf("ListVersionsByFunction = %+v, %v", vs, err)
	}
	settle(t, srv, "p")
	before, _ := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("p")})
	dry, err := c.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("p"), DryRun: true,
		ZipFile: lambdatest.NodeFunction(t, "export const handler = async () => 2;")})
	if err != nil || aws.ToString(dry.CodeSha256) == aws.ToString(before.Configuration.CodeSha256) {
		t.Fatalf("dry run = %+v, %v", dry, err)
	}
	after, _ := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("p")})
	if aws.ToString(after.Configuration.CodeSha256) != aws.ToString(before.Configuration.CodeSha256) ||
		aws.ToString(after.Configuration.RevisionId) != aws.ToString(before.Configuration.RevisionId) || after.Configuration.LastUpdateStatus != types.LastUpdateStatusSuccessful {
		t.Fatalf("a dry run changed the function: %+v", after.Configuration)
	}
	_, err = c.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("p"), S3Bucket: aws.String("b"), S3Key: aws.String("k")})
	apiError(t, err, "InvalidParameterValueException", "gatehouse has no S3")

	for _, name := range []string{"arn:aws:lambda:eu-west-1:000000000000:function:p", "111122223333:function:p"} {
		_, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
		apiError(t, err, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:p")
	}
	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("p:1"), Qualifier: aws.String("2")})
	apiError(t, err, "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.")
}
