package gatehouse_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"gatehouse/internal/servertest"
)

// The blog's two private-integration stacks, through the stack API: each
// is created and carries traffic, is updated in place (the API's
// description, the stage's variables) and then with replacements (a VPC
// link, a REST method) and still carries it, and is
// deleted leaving no API, stage or VPC link behind.
func TestStackAPIGatewayLifecycle(t *testing.T) {
	for _, tc := range []struct {
		file, api, stage string
		ports            []string
		add              map[string]string // template line -> lines added after it
		replace          map[string]string // text -> its replacement, in a second update that replaces resources
	}{
		{"http-api.yaml", "ApiEndpoint", "", []string{"Task1Port", "Task2Port"}, map[string]string{
			"      ProtocolType: HTTP\n": "      Description: pets, updated\n",
			"      AutoDeploy: true\n":   "      StageVariables:\n        color: blue\n",
		}, map[string]string{
			// A link on one subnet only is a new link; the integration
			// moves to it and the old one is deleted.
			"SubnetIds: [!Ref SubnetA, !Ref SubnetB]": "SubnetIds: [!Ref SubnetA]",
		}},
		{"rest-api.yaml", "RestApiId", "prod", []string{"TaskAPort", "TaskBPort"}, map[string]string{
			"        Types: [REGIONAL]\n":       "      Description: pets, updated\n",
			"      StageName: !Ref StageName\n": "      Variables:\n        color: blue\n",
		}, map[string]string{
			// A new verb is a new method, made beside the old one, which
			// then goes; the stage serves its deployment's copy meanwhile.
			"      HttpMethod: ANY\n": "      HttpMethod: GET\n",
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			srv := servertest.Start(t, servertest.VpcLinkDelay(-1), servertest.VpcLinkV1Delay(-1))
			c := srv.CloudFormation()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			data, err := os.ReadFile("examples/blog/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			var params []cfntypes.Parameter
			for i, p := range tc.ports {
				port := echoBackend(t, "task-"+strconv.Itoa(i))
				params = append(params, cfntypes.Parameter{ParameterKey: aws.String(p), ParameterValue: aws.String(strconv.Itoa(int(port)))})
			}
			_, err = c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("pets"), TemplateBody: aws.String(string(data)), Parameters: params})
			if err != nil {
				t.Fatal(err)
			}
			waitStack(t, c, "pets", cfntypes.StackStatusCreateComplete)
			out := map[string]string{}
			for _, o := range stackStatus(t, c, "pets").Outputs {
				out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
			}
			apiID, path := out[tc.api], "/pets/1"
			if tc.stage == "" {
				apiID = strings.TrimPrefix(strings.SplitN(apiID, ".", 2)[0], "http://")
			} else {
				path = "/" + tc.stage + path
			}
			through := func(when string) {
				t.Helper()
				if err := srv.Sync(ctx); err != nil {
					t.Fatal(err)
				}
				if a := invoke(t, srv, apiID, path); a.status != 200 || a.path != "/pets/1" {
					t.Fatalf("%s: GET %s: %d %s", when, path, a.status, a.body)
				}
			}
			through("after create")

			updated := string(data)
			for at, more := range tc.add {
				if !strings.Contains(updated, at) {
					t.Fatalf("%s has no line %q", tc.file, at)
				}
				updated = strings.Replace(updated, at, at+more, 1)
			}
			for i := range params {
				params[i] = cfntypes.Parameter{ParameterKey: params[i].ParameterKey, UsePreviousValue: aws.Bool(true)}
			}
			_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("pets"), TemplateBody: aws.String(updated), Parameters: params})
			if err != nil {
				t.Fatal(err)
			}
			waitStack(t, c, "pets", cfntypes.StackStatusUpdateComplete)
			if tc.stage == "" {
				api, err := srv.APIGatewayV2().GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: &apiID})
				st, serr := srv.APIGatewayV2().GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: &apiID, StageName: aws.String("$default")})
				if err != nil || serr != nil || aws.ToString(api.Description) != "pets, updated" || st.StageVariables["color"] != "blue" {
					t.Fatalf("after the update: API %+v (%v), stage %+v (%v)", api, err, st, serr)
				}
			} else {
				api, err := srv.APIGateway().GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: &apiID})
				st, serr := srv.APIGateway().GetStage(ctx, &apigateway.GetStageInput{RestApiId: &apiID, StageName: &tc.stage})
				if err != nil || serr != nil || aws.ToString(api.Description) != "pets, updated" || st.Variables["color"] != "blue" {
					t.Fatalf("after the update: API %+v (%v), stage %+v (%v)", api, err, st, serr)
				}
			}
			through("after the update")

			replaced := updated
			for from, to := range tc.replace {
				if !strings.Contains(replaced, from) {
					t.Fatalf("%s has no %q", tc.file, from)
				}
				replaced = strings.ReplaceAll(replaced, from, to)
			}
			_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("pets"), TemplateBody: aws.String(replaced), Parameters: params})
			if err != nil {
				t.Fatal(err)
			}
			waitStack(t, c, "pets", cfntypes.StackStatusUpdateComplete)
			through("after the replacing update")
			if tc.stage == "" {
				links, err := srv.APIGatewayV2().GetVpcLinks(ctx, &apigatewayv2.GetVpcLinksInput{})
				if err != nil || len(links.Items) != 1 || len(links.Items[0].SubnetIds) != 1 {
					t.Fatalf("VPC links after the replacement: %+v %v", links, err)
				}
			} else {
				proxy, err := c.DescribeStackResource(ctx, &cfn.DescribeStackResourceInput{StackName: aws.String("pets"), LogicalResourceId: aws.String("Proxy")})
				if err != nil {
					t.Fatal(err)
				}
				res, err := srv.APIGateway().GetResource(ctx, &apigateway.GetResourceInput{RestApiId: &apiID,
					ResourceId: proxy.StackResourceDetail.PhysicalResourceId, Embed: []string{"methods"}})
				if err != nil || len(res.ResourceMethods) != 1 || res.ResourceMethods["GET"].HttpMethod == nil {
					t.Fatalf("methods after the replacement: %+v %v", res, err)
				}
			}

			if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("pets")}); err != nil {
				t.Fatal(err)
			}
			w := cfn.NewStackDeleteCompleteWaiter(c, func(o *cfn.StackDeleteCompleteWaiterOptions) {
				o.MinDelay, o.MaxDelay = time.Millisecond, 10*time.Millisecond
			})
			if err := w.Wait(ctx, &cfn.DescribeStacksInput{StackName: aws.String("pets")}, 30*time.Second); err != nil {
				t.Fatal(err)
			}
			apis, _ := srv.APIGatewayV2().GetApis(ctx, &apigatewayv2.GetApisInput{})
			rest, _ := srv.APIGateway().GetRestApis(ctx, &apigateway.GetRestApisInput{})
			links, _ := srv.APIGatewayV2().GetVpcLinks(ctx, &apigatewayv2.GetVpcLinksInput{})
			links1, _ := srv.APIGateway().GetVpcLinks(ctx, &apigateway.GetVpcLinksInput{})
			if len(apis.Items) != 0 || len(rest.Items) != 0 || len(links.Items) != 0 || len(links1.Items) != 0 {
				t.Fatalf("left after DeleteStack: %d HTTP APIs, %d REST APIs, %d VPC links V2, %d V1", len(apis.Items), len(rest.Items), len(links.Items), len(links1.Items))
			}
		})
	}
}

// waitStack polls the stack until it reaches want, failing on any other
// state that is not in progress.
func waitStack(t *testing.T, c *cfn.Client, name string, want cfntypes.StackStatus) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := stackStatus(t, c, name)
		switch {
		case st.StackStatus == want:
			return
		case !strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") || time.Now().After(deadline):
			var reasons []string
			for _, e := range stackEvents(t, c, name) {
				if r := aws.ToString(e.ResourceStatusReason); r != "" {
					reasons = append(reasons, aws.ToString(e.LogicalResourceId)+": "+r)
				}
			}
			t.Fatalf("stack %s is %s, want %s; events: %s", name, st.StackStatus, want, strings.Join(reasons, "; "))
		}
		time.Sleep(5 * time.Millisecond)
	}
}
