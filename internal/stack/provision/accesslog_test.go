package provision_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"gatehouse/internal/servertest"
)

// A stage's access logging reaches the stage from each place a template
// can give it.
func TestDeployAccessLogSettings(t *testing.T) {
	srv := servertest.Start(t)
	out := deploy(t, srv, "testdata/access-log.yaml", nil)
	const format = `{"requestId":"$context.requestId","status":"$context.status"}`
	ctx := context.Background()

	h, err := srv.APIGatewayV2().GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: aws.String(out["HttpApiId"]), StageName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	if s := h.AccessLogSettings; s == nil || aws.ToString(s.DestinationArn) != "arn:aws:logs:us-east-1:000000000000:log-group:http-access" || aws.ToString(s.Format) != format {
		t.Errorf("HTTP API stage: accessLogSettings %+v", s)
	}
	for stage, dest := range map[string]string{
		"canary": "arn:aws:firehose:us-east-1:000000000000:deliverystream/amazon-apigateway-canary",
		"live":   "arn:aws:logs:us-east-1:000000000000:log-group:rest-access:*",
	} {
		r, err := srv.APIGateway().GetStage(ctx, &apigateway.GetStageInput{RestApiId: aws.String(out["RestApiId"]), StageName: aws.String(stage)})
		if err != nil {
			t.Fatal(err)
		}
		if s := r.AccessLogSettings; s == nil || aws.ToString(s.DestinationArn) != dest || aws.ToString(s.Format) != format {
			t.Errorf("REST stage %s: accessLogSettings %+v", stage, s)
		}
	}
}
