package apigatewayv2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	gw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

const (
	logGroupARN = "arn:aws:logs:us-east-1:000000000000:log-group:/aws/http/prod"
	jsonFormat  = `{"requestId":"$context.requestId","status":"$context.status"}`
)

func logSettings(dest, format string) *gwtypes.AccessLogSettings {
	s := &gwtypes.AccessLogSettings{}
	if dest != "" {
		s.DestinationArn = aws.String(dest)
	}
	if format != "" {
		s.Format = aws.String(format)
	}
	return s
}

// wantLog fails unless got reports dest and format, or nothing when both
// are "".
func wantLog(t *testing.T, what string, got *gwtypes.AccessLogSettings, dest, format string) {
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

// A stage's access log settings are stored, reported by every stage
// answer, merged member by member by UpdateStage, and removed by
// DeleteAccessLogSettings.
func TestStageAccessLogSettings(t *testing.T) {
	f := start(t)
	api := f.api(t, "logged")
	created, err := f.gw.CreateStage(ctx, &gw.CreateStageInput{ApiId: aws.String(api), StageName: aws.String("prod"),
		AccessLogSettings: logSettings(logGroupARN, jsonFormat)})
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, "CreateStage", created.AccessLogSettings, logGroupARN, jsonFormat)
	wantLog(t, "GetStage", f.stage(t, api, "prod").AccessLogSettings, logGroupARN, jsonFormat)
	if _, err := f.gw.CreateStage(ctx, &gw.CreateStageInput{ApiId: aws.String(api), StageName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	list, err := f.gw.GetStages(ctx, &gw.GetStagesInput{ApiId: aws.String(api)})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("GetStages: %v %+v", err, list)
	}
	wantLog(t, "GetStages dev", list.Items[0].AccessLogSettings, "", "")
	wantLog(t, "GetStages prod", list.Items[1].AccessLogSettings, logGroupARN, jsonFormat)

	// A member left out keeps its value; other updates leave the settings.
	clf := "$context.identity.sourceIp - - [$context.requestTime] $context.requestId"
	updated, err := f.gw.UpdateStage(ctx, &gw.UpdateStageInput{ApiId: aws.String(api), StageName: aws.String("prod"),
		AccessLogSettings: logSettings("", clf)})
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, "UpdateStage format", updated.AccessLogSettings, logGroupARN, clf)
	firehose := "arn:aws:firehose:us-east-1:000000000000:deliverystream/amazon-apigateway-prod"
	updated, err = f.gw.UpdateStage(ctx, &gw.UpdateStageInput{ApiId: aws.String(api), StageName: aws.String("prod"),
		AccessLogSettings: logSettings(firehose, "")})
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, "UpdateStage destination", updated.AccessLogSettings, firehose, clf)
	if _, err := f.gw.UpdateStage(ctx, &gw.UpdateStageInput{ApiId: aws.String(api), StageName: aws.String("prod"), Description: aws.String("d")}); err != nil {
		t.Fatal(err)
	}
	wantLog(t, "after another update", f.stage(t, api, "prod").AccessLogSettings, firehose, clf)

	// Turning it on later, on a stage that had none.
	updated, err = f.gw.UpdateStage(ctx, &gw.UpdateStageInput{ApiId: aws.String(api), StageName: aws.String("dev"),
		AccessLogSettings: logSettings(logGroupARN+":*", "$context.extendedRequestId")})
	if err != nil {
		t.Fatal(err)
	}
	wantLog(t, "UpdateStage on", updated.AccessLogSettings, logGroupARN+":*", "$context.extendedRequestId")

	if _, err := f.gw.DeleteAccessLogSettings(ctx, &gw.DeleteAccessLogSettingsInput{ApiId: aws.String(api), StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	wantLog(t, "after DeleteAccessLogSettings", f.stage(t, api, "prod").AccessLogSettings, "", "")
	// Deleting what is not there is not an error.
	if _, err := f.gw.DeleteAccessLogSettings(ctx, &gw.DeleteAccessLogSettingsInput{ApiId: aws.String(api), StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	wantLog(t, "dev after prod's delete", f.stage(t, api, "dev").AccessLogSettings, logGroupARN+":*", "$context.extendedRequestId")
}

// Bad access log settings are refused, and change nothing.
func TestStageAccessLogValidation(t *testing.T) {
	f := start(t)
	api := f.api(t, "logged")
	if _, err := f.gw.CreateStage(ctx, &gw.CreateStageInput{ApiId: aws.String(api), StageName: aws.String("prod"),
		AccessLogSettings: logSettings(logGroupARN, jsonFormat)}); err != nil {
		t.Fatal(err)
	}
	create := func(s *gwtypes.AccessLogSettings) func() error {
		return func() error {
			_, err := f.gw.CreateStage(ctx, &gw.CreateStageInput{ApiId: aws.String(api), StageName: aws.String("dev"), AccessLogSettings: s})
			return err
		}
	}
	update := func(s *gwtypes.AccessLogSettings) func() error {
		return func() error {
			_, err := f.gw.UpdateStage(ctx, &gw.UpdateStageInput{ApiId: aws.String(api), StageName: aws.String("prod"),
				Description: aws.String("not kept either"), AccessLogSettings: s})
			return err
		}
	}
	const badDest = "Invalid access log destination"
	const noID = "Access Log format must include either $context.requestId or $context.extendedRequestId"
	f.failAll(t, []failure{
		{"no format", "BadRequestException", "need a format", create(logSettings(logGroupARN, ""))},
		{"no destination", "BadRequestException", "need a destinationArn", create(logSettings("", jsonFormat))},
		{"not an ARN", "BadRequestException", badDest, create(logSettings("access-logs", jsonFormat))},
		{"S3 bucket", "BadRequestException", badDest, create(logSettings("arn:aws:s3:::access-logs", jsonFormat))},
		{"log stream", "BadRequestException", badDest,
			create(logSettings(logGroupARN+":log-stream:x", jsonFormat))},
		{"firehose without the prefix", "BadRequestException", badDest,
			create(logSettings("arn:aws:firehose:us-east-1:000000000000:deliverystream/access", jsonFormat))},
		{"no request id", "BadRequestException", noID, create(logSettings(logGroupARN, "$context.status"))},
		{"request id lookalike", "BadRequestException", noID, create(logSettings(logGroupARN, "$context.requestIdentity"))},
		{"two lines", "BadRequestException", "single line", create(logSettings(logGroupARN, "$context.requestId\n$context.status"))},
		{"update: bad destination", "BadRequestException", badDest, update(logSettings("arn:aws:logs:us-east-1:000000000000:loggroup:x", ""))},
		{"update: format without id", "BadRequestException", noID, update(logSettings("", "$context.status"))},
		{"update: format emptied", "BadRequestException", "need a format", update(&gwtypes.AccessLogSettings{Format: aws.String("")})},
	})
	wantLog(t, "after the failures", f.stage(t, api, "prod").AccessLogSettings, logGroupARN, jsonFormat)
	if d := aws.ToString(f.stage(t, api, "prod").Description); d != "" {
		t.Fatalf("a failed update kept its description %q", d)
	}
}
