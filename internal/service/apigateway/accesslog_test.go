package apigateway_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

const (
	logGroupARN = "arn:aws:logs:us-east-1:000000000000:log-group:API-Gateway-Access-Logs_shop/prod"
	jsonFormat  = `{"requestId":"$context.requestId","resourcePath":"$context.resourcePath","status":"$context.status"}`
)

// wantLog fails unless got reports dest and format, or nothing when both
// are "".
func wantLog(t *testing.T, what string, got *types.AccessLogSettings, dest, format string) {
	t.Helper()
	if dest == "" && format == "" {
		if got != nil {
			t.Fatalf("%s: accessLogSettings %+v, want none", what, got)
		}
		return
	}
	if got == nil || aws.ToString(got.DestinationArn) != dest || aws.ToString(got.Format) != format {
		t.Fatalf("%s: accessLogSettings %+v, want %s %q", what, got, dest, format)
	}
}

// UpdateStage sets access logging with replace on its two members, as
// Terraform and the CLI send them, and turns it off with remove on
// /accessLogSettings; every stage answer reports it.
func TestStageAccessLogSettings(t *testing.T) {
	f := start(t)
	a := f.stagedAPI(t)
	update := func(ops ...types.PatchOperation) *apigateway.UpdateStageOutput {
		t.Helper()
		out, err := f.gw.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: a, StageName: aws.String("prod"), PatchOperations: ops})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	get := func() *apigateway.GetStageOutput {
		t.Helper()
		out, err := f.gw.GetStage(ctx, &apigateway.GetStageInput{RestApiId: a, StageName: aws.String("prod")})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	wantLog(t, "new stage", get().AccessLogSettings, "", "")

	out := update(replace("/accessLogSettings/destinationArn", logGroupARN), replace("/accessLogSettings/format", jsonFormat))
	wantLog(t, "UpdateStage", out.AccessLogSettings, logGroupARN, jsonFormat)
	wantLog(t, "GetStage", get().AccessLogSettings, logGroupARN, jsonFormat)
	list, err := f.gw.GetStages(ctx, &apigateway.GetStagesInput{RestApiId: a})
	if err != nil || len(list.Item) != 1 {
		t.Fatalf("GetStages: %v %+v", err, list)
	}
	wantLog(t, "GetStages", list.Item[0].AccessLogSettings, logGroupARN, jsonFormat)

	// One member alone changes just that member.
	firehose := "arn:aws:firehose:us-east-1:000000000000:deliverystream/amazon-apigateway-shop"
	out = update(replace("/accessLogSettings/destinationArn", firehose))
	wantLog(t, "new destination", out.AccessLogSettings, firehose, jsonFormat)
	out = update(replace("/description", "other things"))
	wantLog(t, "other paths", out.AccessLogSettings, firehose, jsonFormat)

	out = update(remove("/accessLogSettings"))
	wantLog(t, "removed", out.AccessLogSettings, "", "")
	wantLog(t, "GetStage after remove", get().AccessLogSettings, "", "")
	// Removing it again changes nothing.
	update(remove("/accessLogSettings"))
}

// Bad access log settings are refused, and the whole patch with them.
func TestStageAccessLogValidation(t *testing.T) {
	f := start(t)
	a := f.stagedAPI(t)
	patch := func(ops ...types.PatchOperation) func() error {
		return func() error {
			_, err := f.gw.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: a, StageName: aws.String("prod"),
				PatchOperations: append([]types.PatchOperation{replace("/description", "not kept")}, ops...)})
			return err
		}
	}
	dest := func(v string) types.PatchOperation { return replace("/accessLogSettings/destinationArn", v) }
	format := func(v string) types.PatchOperation { return replace("/accessLogSettings/format", v) }
	const badDest = "Invalid access log destination"
	const noID = "Access Log format must include either $context.requestId or $context.extendedRequestId"
	for _, c := range []struct {
		name, code, msg string
		call            func() error
	}{
		{"destination only", "BadRequestException", "need a format", patch(dest(logGroupARN))},
		{"format only", "BadRequestException", "need a destinationArn", patch(format(jsonFormat))},
		{"not an ARN", "BadRequestException", badDest, patch(dest("API-Gateway-Access-Logs"), format(jsonFormat))},
		{"a Lambda function", "BadRequestException", badDest, patch(dest("arn:aws:lambda:us-east-1:000000000000:function:log"), format(jsonFormat))},
		{"firehose without the prefix", "BadRequestException", badDest,
			patch(dest("arn:aws:firehose:us-east-1:000000000000:deliverystream/shop"), format(jsonFormat))},
		{"no request id", "BadRequestException", noID, patch(dest(logGroupARN), format(`{"status":"$context.status"}`))},
		{"two lines", "BadRequestException", "single line", patch(dest(logGroupARN), format("$context.requestId\n$context.status"))},
		{"add", "BadRequestException", "Invalid patch path '/accessLogSettings/format' specified for op 'add'",
			patch(types.PatchOperation{Op: types.OpAdd, Path: aws.String("/accessLogSettings/format"), Value: aws.String(jsonFormat)})},
		{"remove a member", "BadRequestException", "Invalid patch path '/accessLogSettings/format' specified for op 'remove'",
			patch(remove("/accessLogSettings/format"))},
	} {
		t.Run(c.name, func(t *testing.T) { f.fails(t, c.code, c.msg, c.call) })
	}
	st, err := f.gw.GetStage(ctx, &apigateway.GetStageInput{RestApiId: a, StageName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, "after the failures", st.AccessLogSettings, "", "")
	if d := aws.ToString(st.Description); d == "not kept" {
		t.Fatal("a failed patch kept its description")
	}

	// With settings in place, a patch that breaks them is refused too.
	if err := patch(dest(logGroupARN), format(jsonFormat))(); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "BadRequestException", noID, patch(format("$context.status")))
	st, _ = f.gw.GetStage(ctx, &apigateway.GetStageInput{RestApiId: a, StageName: aws.String("prod")})
	wantLog(t, "after a bad change", st.AccessLogSettings, logGroupARN, jsonFormat)
}
