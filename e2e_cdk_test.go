package gatehouse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"

	"gatehouse"
	"gatehouse/internal/servertest"
)

// cdkDir is the CDK example app.
const cdkDir = "examples/cdk"

// cdkTemplate is the example's synthesized template: synthesized afresh
// where its node_modules are installed (and then it must equal the
// checked-in one, or that one is stale), the checked-in one otherwise.
func cdkTemplate(t *testing.T) []byte {
	t.Helper()
	checkedIn, err := os.ReadFile(filepath.Join(cdkDir, "synth", "GatehouseCdk.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cdkDir, "node_modules", "aws-cdk-lib")); err != nil {
		t.Logf("%s/node_modules is not installed: deploying the checked-in synth output", cdkDir)
		return checkedIn
	}
	if _, err := exec.LookPath("npx"); err != nil {
		t.Logf("%s/node_modules is installed but npx is not on PATH: deploying the checked-in synth output", cdkDir)
		return checkedIn
	}
	if testing.Short() {
		t.Logf("-short: deploying the checked-in synth output rather than running cdk synth")
		return checkedIn
	}
	out := t.TempDir()
	cmd := exec.Command("npx", "cdk", "synth", "--quiet", "--no-notices", "--output", out)
	cmd.Dir = cdkDir
	cmd.Env = append(os.Environ(), "CDK_DISABLE_CLI_TELEMETRY=true", "CDK_DISABLE_VERSION_CHECK=true")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("cdk synth: %v\n%s", err, stderr.String())
	}
	fresh, err := os.ReadFile(filepath.Join(out, "GatehouseCdk.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(fresh), bytes.TrimSpace(checkedIn)) {
		t.Errorf("%s/synth/GatehouseCdk.template.json is not what cdk synth makes of the app: regenerate it with `npm ci && npm run synth` in %s", cdkDir, cdkDir)
	}
	t.Logf("deploying the template cdk synth made")
	return fresh
}

// TestCDKExampleServesTraffic deploys the CDK example's synthesized
// template through the CloudFormation API, as `aws cloudformation deploy`
// would: its BootstrapVersion parameter resolves from the SSM parameter
// gatehouse seeds and passes the template's rule, and CDK's metadata
// resource is created. It then sends a request through the HTTP API, its
// VPC link and the internal ALB to a real backend on loopback, and deletes
// the stack, which leaves nothing behind.
func TestCDKExampleServesTraffic(t *testing.T) {
	body := cdkTemplate(t)
	srv := servertest.Start(t, cdkQualifier(gatehouse.DefaultCDKQualifier), servertest.VpcLinkDelay(-1))
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"backend": "cdk", "path": r.URL.Path})
	}))
	t.Cleanup(backend.Close)
	_, port, _ := strings.Cut(strings.TrimPrefix(backend.URL, "http://"), ":")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfn := cloudformation.NewFromConfig(srv.AWSConfig())
	name := aws.String("GatehouseCdk")
	if _, err := cfn.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: name, TemplateBody: aws.String(string(body)),
		Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("BackendPort"), ParameterValue: aws.String(port)}}}); err != nil {
		t.Fatal(err)
	}
	fast := func(o *cloudformation.StackCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 50*time.Millisecond
	}
	described, err := cloudformation.NewStackCreateCompleteWaiter(cfn, fast).WaitForOutput(ctx, &cloudformation.DescribeStacksInput{StackName: name}, 50*time.Second)
	if err != nil {
		t.Fatalf("waiting for CREATE_COMPLETE: %v%s", err, failureEvents(ctx, cfn, name))
	}
	outputs := map[string]string{}
	for _, o := range described.Stacks[0].Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	resources, err := cfn.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: name})
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, r := range resources.StackResources {
		if r.ResourceStatus != cfntypes.ResourceStatusCreateComplete {
			t.Errorf("%s (%s) is %s", aws.ToString(r.LogicalResourceId), aws.ToString(r.ResourceType), r.ResourceStatus)
		}
		types[aws.ToString(r.ResourceType)] = true
	}
	if !types["AWS::CDK::Metadata"] {
		t.Errorf("AWS::CDK::Metadata was not created, though its condition holds in us-east-1")
	}

	url := outputs["ApiUrl"]
	apiID, _, ok := strings.Cut(strings.TrimPrefix(url, "http://"), ".execute-api.")
	if !ok {
		t.Fatalf("ApiUrl output %q is not an invoke URL", url)
	}
	if err := srv.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if a := invoke(t, srv, apiID, "/hello"); a.status != http.StatusOK || a.backend != "cdk" || a.path != "/hello" {
		t.Fatalf("GET %s/hello = %d %s, want the backend's answer", url, a.status, a.body)
	}

	if _, err := cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: name}); err != nil {
		t.Fatal(err)
	}
	fastDelete := func(o *cloudformation.StackDeleteCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 50*time.Millisecond
	}
	if err := cloudformation.NewStackDeleteCompleteWaiter(cfn, fastDelete).Wait(ctx, &cloudformation.DescribeStacksInput{StackName: described.Stacks[0].StackId}, 50*time.Second); err != nil {
		t.Fatalf("waiting for DELETE_COMPLETE: %v%s", err, failureEvents(ctx, cfn, described.Stacks[0].StackId))
	}
	wantNothingLeft(ctx, t, srv)
}

// failureEvents renders a stack's failure events, for a test's message.
func failureEvents(ctx context.Context, cfn *cloudformation.Client, name *string) string {
	out, err := cfn.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: name})
	if err != nil {
		return "\n(no events: " + err.Error() + ")"
	}
	var b strings.Builder
	for _, e := range out.StackEvents {
		if reason := aws.ToString(e.ResourceStatusReason); reason != "" {
			fmt.Fprintf(&b, "\n%s %s %s: %s", aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType), e.ResourceStatus, reason)
		}
	}
	return b.String()
}

// wantNothingLeft checks that no resource a stack could have made is left:
// no VPC but the default one, no balancer, target group, API or VPC link.
func wantNothingLeft(ctx context.Context, t *testing.T, srv *servertest.Server) {
	t.Helper()
	vpcs, err := srv.EC2().DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{
		{Name: aws.String("is-default"), Values: []string{"false"}}}})
	if err != nil {
		t.Fatal(err)
	}
	enis, err := srv.EC2().DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
	if err != nil {
		t.Fatal(err)
	}
	lbs, err := srv.ELBv2().DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	tgs, err := srv.ELBv2().DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	apis, err := srv.APIGatewayV2().GetApis(ctx, &apigatewayv2.GetApisInput{})
	if err != nil {
		t.Fatal(err)
	}
	links, err := srv.APIGatewayV2().GetVpcLinks(ctx, &apigatewayv2.GetVpcLinksInput{})
	if err != nil {
		t.Fatal(err)
	}
	left := map[string]int{"VPCs": len(vpcs.Vpcs), "network interfaces": len(enis.NetworkInterfaces), "load balancers": len(lbs.LoadBalancers),
		"target groups": len(tgs.TargetGroups), "APIs": len(apis.Items), "VPC links": len(links.Items)}
	for what, n := range left {
		if n != 0 {
			t.Errorf("%d %s left after the stack was deleted", n, what)
		}
	}
}

// A CDK template checks the bootstrap version it reads from the Parameter
// Store with its CheckBootstrapVersion rule: version 5 is refused with the
// rule's text before anything is created.
func TestCDKTemplateRefusesOldBootstrap(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(cdkDir, "synth", "GatehouseCdk.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := servertest.Start(t, cdkQualifier(gatehouse.DefaultCDKQualifier))
	ctx := context.Background()
	if _, err := srv.SSM().PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/cdk-bootstrap/hnb659fds/version"),
		Value: aws.String("5"), Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = cloudformation.NewFromConfig(srv.AWSConfig()).CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName: aws.String("GatehouseCdk"), TemplateBody: aws.String(string(body))})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" || !strings.Contains(ae.ErrorMessage(), "CDK bootstrap stack version 6 required") {
		t.Fatalf("CreateStack with bootstrap version 5: %v, want the rule's ValidationError", err)
	}
	wantNothingLeft(ctx, t, srv)
}
