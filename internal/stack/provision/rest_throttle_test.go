package provision_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"gatehouse/internal/servertest"
)

// MethodSettings of a stage, and the stage-wide settings of a deployment's
// StageDescription, reach the stage and throttle it.
func TestDeployRESTMethodSettings(t *testing.T) {
	srv := servertest.Start(t)
	out := deploy(t, srv, "testdata/rest-throttle.yaml", nil)
	api := out["ApiId"]
	gw := srv.APIGateway()
	settings := func(stage string) string {
		t.Helper()
		st, err := gw.GetStage(context.Background(), &apigateway.GetStageInput{RestApiId: aws.String(api), StageName: aws.String(stage)})
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, k := range []string{"*/*", "pets/GET"} {
			if ms, ok := st.MethodSettings[k]; ok {
				s += k + " " + aws.ToString(ms.LoggingLevel)
				if ms.MetricsEnabled {
					s += " metrics"
				}
				s += fmt.Sprintf(" %g/%d; ", ms.ThrottlingRateLimit, ms.ThrottlingBurstLimit)
			}
		}
		return s
	}
	if got, want := settings("canary"), "*/* OFF 1/1; "; got != want {
		t.Errorf("canary's method settings: %q, want %q", got, want)
	}
	if got, want := settings("live"), "*/* OFF 100/200; pets/GET OFF metrics 1/2; "; got != want {
		t.Errorf("live's method settings: %q, want %q", got, want)
	}
	url := "http://" + api + ".execute-api.localhost/live/pets"
	for i, want := range []int{200, 200, 429} {
		if status, body := get(t, srv, url); status != want {
			t.Fatalf("request %d to live /pets: %d %s, want %d", i+1, status, body, want)
		}
	}
}
