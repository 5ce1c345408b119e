package lambda_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gatehouse/internal/servertest"
)

const fnARN = "arn:aws:lambda:us-east-1:000000000000:function:"

// eicOf is the part of a config the tests compare.
type eicOf struct {
	arn                string
	retries, age       *int32
	onSuccess, onFail  string
	lastModified       time.Time
	destinationsListed bool
}

func eic(c *types.FunctionEventInvokeConfig) eicOf {
	out := eicOf{arn: aws.ToString(c.FunctionArn), retries: c.MaximumRetryAttempts, age: c.MaximumEventAgeInSeconds,
		lastModified: aws.ToTime(c.LastModified)}
	if dc := c.DestinationConfig; dc != nil {
		out.destinationsListed = dc.OnSuccess != nil && dc.OnFailure != nil
		if dc.OnSuccess != nil {
			out.onSuccess = aws.ToString(dc.OnSuccess.Destination)
		}
		if dc.OnFailure != nil {
			out.onFail = aws.ToString(dc.OnFailure.Destination)
		}
	}
	return out
}

func getEIC(t *testing.T, c *lambda.Client, name, qualifier string) eicOf {
	t.Helper()
	in := &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String(name)}
	if qualifier != "" {
		in.Qualifier = aws.String(qualifier)
	}
	out, err := c.GetFunctionEventInvokeConfig(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return eic(&types.FunctionEventInvokeConfig{FunctionArn: out.FunctionArn, LastModified: out.LastModified,
		MaximumRetryAttempts: out.MaximumRetryAttempts, MaximumEventAgeInSeconds: out.MaximumEventAgeInSeconds,
		DestinationConfig: out.DestinationConfig})
}

func TestEventInvokeConfigLifecycle(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.Lambda()
	zip := nodeZip(t)
	create(t, c, "worker", zip)
	create(t, c, "sink", zip)
	srv.Advance(1500 * time.Millisecond)

	put, err := c.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{
		FunctionName: aws.String("worker"), MaximumRetryAttempts: aws.Int32(0), MaximumEventAgeInSeconds: aws.Int32(3600)})
	if err != nil {
		t.Fatal(err)
	}
	want := eicOf{arn: fnARN + "worker:$LATEST", retries: aws.Int32(0), age: aws.Int32(3600),
		lastModified: srv.Clock.Now().Truncate(time.Millisecond), destinationsListed: true}
	got := eic(&types.FunctionEventInvokeConfig{FunctionArn: put.FunctionArn, LastModified: put.LastModified,
		MaximumRetryAttempts: put.MaximumRetryAttempts, MaximumEventAgeInSeconds: put.MaximumEventAgeInSeconds,
		DestinationConfig: put.DestinationConfig})
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Put = %+v, want %+v", got, want)
	}
	if got := getEIC(t, c, "worker", "$LATEST"); !reflect.DeepEqual(got, want) {
		t.Fatalf("Get $LATEST = %+v, want %+v", got, want)
	}

	// Update merges: the destination joins the settings already there.
	_, err = c.UpdateFunctionEventInvokeConfig(ctx, &lambda.UpdateFunctionEventInvokeConfigInput{FunctionName: aws.String("worker"),
		DestinationConfig: &types.DestinationConfig{OnFailure: &types.OnFailure{Destination: aws.String("arn:aws:sqs:us-east-1:000000000000:failed")}}})
	if err != nil {
		t.Fatal(err)
	}
	want.onFail = "arn:aws:sqs:us-east-1:000000000000:failed"
	if got := getEIC(t, c, "worker", ""); !reflect.DeepEqual(got, want) {
		t.Fatalf("after Update = %+v, want %+v", got, want)
	}

	// Put replaces: what it does not give is gone.
	_, err = c.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("worker"),
		DestinationConfig: &types.DestinationConfig{OnSuccess: &types.OnSuccess{Destination: aws.String(fnARN + "sink")}}})
	if err != nil {
		t.Fatal(err)
	}
	want = eicOf{arn: fnARN + "worker:$LATEST", onSuccess: fnARN + "sink", lastModified: want.lastModified, destinationsListed: true}
	if got := getEIC(t, c, "worker", ""); !reflect.DeepEqual(got, want) {
		t.Fatalf("after the second Put = %+v, want %+v", got, want)
	}

	// A version and an alias have configs of their own, named by the
	// qualifier or in the function name.
	if _, err := c.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("worker")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("worker"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	for _, in := range []*lambda.PutFunctionEventInvokeConfigInput{
		{FunctionName: aws.String("worker"), Qualifier: aws.String("1"), MaximumRetryAttempts: aws.Int32(1)},
		{FunctionName: aws.String(fnARN + "worker:live"), MaximumEventAgeInSeconds: aws.Int32(60)},
	} {
		if _, err := c.PutFunctionEventInvokeConfig(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if got := getEIC(t, c, "worker:live", ""); got.arn != fnARN+"worker:live" || aws.ToInt32(got.age) != 60 || got.retries != nil {
		t.Fatalf("the alias's config = %+v", got)
	}
	list, err := c.ListFunctionEventInvokeConfigs(ctx, &lambda.ListFunctionEventInvokeConfigsInput{FunctionName: aws.String("worker")})
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, x := range list.FunctionEventInvokeConfigs {
		arns = append(arns, aws.ToString(x.FunctionArn))
	}
	if want := []string{fnARN + "worker:$LATEST", fnARN + "worker:1", fnARN + "worker:live"}; !reflect.DeepEqual(arns, want) || list.NextMarker != nil {
		t.Fatalf("List = %v (next %v), want %v", arns, list.NextMarker, want)
	}
	// One at a time.
	var paged []string
	var marker *string
	for {
		pg, err := c.ListFunctionEventInvokeConfigs(ctx, &lambda.ListFunctionEventInvokeConfigsInput{FunctionName: aws.String("worker"),
			MaxItems: aws.Int32(1), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range pg.FunctionEventInvokeConfigs {
			paged = append(paged, aws.ToString(x.FunctionArn))
		}
		if marker = pg.NextMarker; marker == nil {
			break
		}
	}
	if !reflect.DeepEqual(paged, arns) {
		t.Fatalf("paged = %v, want %v", paged, arns)
	}

	// Deleting the alias deletes its config; deleting one config leaves
	// the others.
	if _, err := c.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("worker"), Name: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteFunctionEventInvokeConfig(ctx, &lambda.DeleteFunctionEventInvokeConfigInput{FunctionName: aws.String("worker"),
		Qualifier: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("worker"), Qualifier: aws.String("1")})
	apiError(t, err, "ResourceNotFoundException", "The function "+fnARN+"worker:1 doesn't have an EventInvokeConfig")
	list, err = c.ListFunctionEventInvokeConfigs(ctx, &lambda.ListFunctionEventInvokeConfigsInput{FunctionName: aws.String("worker")})
	if err != nil || len(list.FunctionEventInvokeConfigs) != 1 {
		t.Fatalf("List after the deletes = %+v, %v", list, err)
	}

	// Deleting the function deletes its configs: a function made anew
	// under its name has none.
	if _, err := c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("worker")}); err != nil {
		t.Fatal(err)
	}
	create(t, c, "worker", zip)
	list, err = c.ListFunctionEventInvokeConfigs(ctx, &lambda.ListFunctionEventInvokeConfigsInput{FunctionName: aws.String("worker")})
	if err != nil || len(list.FunctionEventInvokeConfigs) != 0 {
		t.Fatalf("List of the new function = %+v, %v", list, err)
	}
}

// Every refused call answers Lambda's error and leaves the config as it
// was.
func TestEventInvokeConfigRefusals(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.Lambda()
	zip := nodeZip(t)
	create(t, c, "worker", zip)
	create(t, c, "sink", zip)
	srv.Advance(1500 * time.Millisecond)
	if _, err := c.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("worker")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("worker"),
		MaximumRetryAttempts: aws.Int32(1), MaximumEventAgeInSeconds: aws.Int32(120),
		DestinationConfig: &types.DestinationConfig{OnSuccess: &types.OnSuccess{Destination: aws.String(fnARN + "sink")}}}); err != nil {
		t.Fatal(err)
	}
	before := getEIC(t, c, "worker", "")
	srv.Advance(time.Second)

	dest := func(onSuccess, onFailure string) *types.DestinationConfig {
		dc := &types.DestinationConfig{}
		if onSuccess != "" {
			dc.OnSuccess = &types.OnSuccess{Destination: aws.String(onSuccess)}
		}
		if onFailure != "" {
			dc.OnFailure = &types.OnFailure{Destination: aws.String(onFailure)}
		}
		return dc
	}
	for _, tc := range []struct {
		name      string
		in        lambda.PutFunctionEventInvokeConfigInput
		code, msg string
	}{
		{"too many retries", lambda.PutFunctionEventInvokeConfigInput{MaximumRetryAttempts: aws.Int32(3)}, "ValidationException",
			"1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2"},
		{"too young", lambda.PutFunctionEventInvokeConfigInput{MaximumEventAgeInSeconds: aws.Int32(59)}, "ValidationException",
			"Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"},
		{"too old and negative", lambda.PutFunctionEventInvokeConfigInput{MaximumRetryAttempts: aws.Int32(-1), MaximumEventAgeInSeconds: aws.Int32(21601)},
			"ValidationException", "2 validation errors detected: Value '-1' at 'maximumRetryAttempts'"},
		{"nothing", lambda.PutFunctionEventInvokeConfigInput{}, "InvalidParameterValueException",
			"You must specify at least one of error handling or destination setting."},
		{"no function", lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("nope"), MaximumRetryAttempts: aws.Int32(0)},
			"ResourceNotFoundException", "The function doesn't exist."},
		{"no alias", lambda.PutFunctionEventInvokeConfigInput{Qualifier: aws.String("gone"), MaximumRetryAttempts: aws.Int32(0)},
			"ResourceNotFoundException", "The function doesn't exist."},
		{"qualifiers differ", lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("worker:1"), Qualifier: aws.String("$LATEST"),
			MaximumRetryAttempts: aws.Int32(0)}, "InvalidParameterValueException",
			"The derived qualifier from the function name does not match the specified qualifier."},
		{"destination function missing", lambda.PutFunctionEventInvokeConfigInput{DestinationConfig: dest(fnARN+"nope", "")},
			"InvalidParameterValueException", "The destination ARN " + fnARN + "nope is invalid."},
		{"destination itself", lambda.PutFunctionEventInvokeConfigInput{DestinationConfig: dest("", fnARN+"worker")},
			"InvalidParameterValueException", "You can't specify the function as a destination for itself."},
		{"destination service", lambda.PutFunctionEventInvokeConfigInput{DestinationConfig: dest("arn:aws:iam:us-east-1:000000000000:function:worker", "")},
			"InvalidParameterValueException",
			"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:iam:us-east-1:000000000000:function:worker), onFailure=null) is invalid."},
		{"bucket on success", lambda.PutFunctionEventInvokeConfigInput{DestinationConfig: dest("arn:aws:s3:::records", "")},
			"InvalidParameterValueException", "is invalid."},
		{"destination pattern", lambda.PutFunctionEventInvokeConfigInput{DestinationConfig: dest("", "arn:aws:_-/!lambda:us-east-1:000000000000:function:sink")},
			"ValidationException", "Value 'arn:aws:_-/!lambda:us-east-1:000000000000:function:sink' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: $|kafka://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.FunctionName == nil {
				in.FunctionName = aws.String("worker")
			}
			_, err := c.PutFunctionEventInvokeConfig(ctx, &in)
			apiError(t, err, tc.code, tc.msg)
			// Update refuses the same input the same way.
			_, err = c.UpdateFunctionEventInvokeConfig(ctx, &lambda.UpdateFunctionEventInvokeConfigInput{FunctionName: in.FunctionName,
				Qualifier: in.Qualifier, MaximumRetryAttempts: in.MaximumRetryAttempts, MaximumEventAgeInSeconds: in.MaximumEventAgeInSeconds,
				DestinationConfig: in.DestinationConfig})
			apiError(t, err, tc.code, tc.msg)
			if got := getEIC(t, c, "worker", ""); !reflect.DeepEqual(got, before) {
				t.Fatalf("config after a refused call = %+v, want %+v", got, before)
			}
		})
	}

	// A config that is not there.
	_, err := c.UpdateFunctionEventInvokeConfig(ctx, &lambda.UpdateFunctionEventInvokeConfigInput{FunctionName: aws.String("worker"),
		Qualifier: aws.String("1"), MaximumRetryAttempts: aws.Int32(0)})
	apiError(t, err, "ResourceNotFoundException", "The function "+fnARN+"worker:1 doesn't have an EventInvokeConfig")
	_, err = c.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("nope")})
	apiError(t, err, "ResourceNotFoundException", "The function "+fnARN+"nope:$LATEST doesn't have an EventInvokeConfig")
	_, err = c.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("worker"), Qualifier: aws.String("gone")})
	apiError(t, err, "ResourceNotFoundException", "The function "+fnARN+"worker:gone doesn't have an EventInvokeConfig")
	_, err = c.DeleteFunctionEventInvokeConfig(ctx, &lambda.DeleteFunctionEventInvokeConfigInput{FunctionName: aws.String("sink")})
	apiError(t, err, "ResourceNotFoundException", "The function "+fnARN+"sink:$LATEST doesn't have an EventInvokeConfig")
	_, err = c.ListFunctionEventInvokeConfigs(ctx, &lambda.ListFunctionEventInvokeConfigsInput{FunctionName: aws.String("nope")})
	apiError(t, err, "ResourceNotFoundException", "The function doesn't exist.")
	_, err = c.ListFunctionEventInvokeConfigs(ctx, &lambda.ListFunctionEventInvokeConfigsInput{FunctionName: aws.String("worker"), MaxItems: aws.Int32(51)})
	apiError(t, err, "ValidationException", "Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50")
	if got := getEIC(t, c, "worker", ""); !reflect.DeepEqual(got, before) {
		t.Fatalf("config after the refused calls = %+v, want %+v", got, before)
	}
}
