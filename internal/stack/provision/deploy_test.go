package provision_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
	"gatehouse/internal/stack"
	"gatehouse/internal/stack/provision"
)

func deploy(t *testing.T, srv *servertest.Server, file string, params map[string]string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := stack.Parse(file, data)
	if err != nil {
		t.Fatal(err)
	}
	sdk := provision.NewSDK(srv.EngineConfig("us-east-1"))
	sdk.PollEvery = 5 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := stack.Deploy(ctx, tmpl, sdk, stack.Options{StackName: "test", Parameters: params,
		Progress: func(r *stack.Resource, c stack.Created) { givesWhatGivenSays(t, r.Name, r.Type, c) }})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range res.Outputs {
		out[o.Name] = o.Value
	}
	return out
}

// backend is a real process that says who it is and what it was asked.
func backend(t *testing.T, name string) int {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"backend": name, "path": r.URL.Path})
	}))
	t.Cleanup(s.Close)
	return int(s.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port())
}

// get sends GET to url (an invoke URL of gatehouse's listener) and returns
// the status and body.
func get(t *testing.T, srv *servertest.Server, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	host, path, _ := strings.Cut(strings.TrimPrefix(url, "http://"), "/")
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+"/"+path, nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDeploySmallHTTPStack(t *testing.T) {
	srv := servertest.Start(t, servertest.VpcLinkDelay(-1))
	port := backend(t, "task")
	out := deploy(t, srv, "testdata/small.yaml", map[string]string{"BackendPort": strconv.Itoa(port)})

	if !strings.HasPrefix(out["Endpoint"], "http://") || !strings.Contains(out["Endpoint"], ".execute-api.") {
		t.Errorf("Endpoint = %q", out["Endpoint"])
	}
	if !strings.HasPrefix(out["AlbDns"], "internal-") {
		t.Errorf("AlbDns = %q, want an internal ALB's name", out["AlbDns"])
	}
	ctx := context.Background()
	link, err := srv.APIGatewayV2().GetVpcLink(ctx, &apigatewayv2.GetVpcLinkInput{VpcLinkId: aws.String(out["LinkId"])})
	if err != nil {
		t.Fatal(err)
	}
	if link.VpcLinkStatus != v2types.VpcLinkStatusAvailable {
		t.Errorf("link is %s after up", link.VpcLinkStatus)
	}
	subnets, err := srv.EC2().DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: strings.Split(out["Subnets"], ",")})
	if err != nil || len(subnets.Subnets) != 2 {
		t.Fatalf("subnets %v: %v", out["Subnets"], err)
	}

	status, body := get(t, srv, out["Endpoint"]+"/pets/1")
	if status != 200 || !strings.Contains(body, `"backend":"task"`) || !strings.Contains(body, `"/pets/1"`) {
		t.Fatalf("through the deployed stack: %d %s", status, body)
	}
}

func TestDeployOtherTypes(t *testing.T) {
	srv := servertest.Start(t)
	out := deploy(t, srv, "testdata/more.yaml", nil)
	for name, prefix := range map[string]string{"Zone": "Z", "HttpArn": "arn:aws:servicediscovery:", "ServiceArn": "arn:aws:servicediscovery:",
		"Instance": "pets-1", "RuleArn": "arn:aws:elasticloadbalancing:", "EgressRule": "sgr-", "TgFullName": "targetgroup/"} {
		if !strings.HasPrefix(out[name], prefix) {
			t.Errorf("output %s = %q, want it to start with %q", name, out[name], prefix)
		}
	}
	if out["Deployment"] == "" {
		t.Error("no deployment id")
	}
	// The template's egress rules replaced the allow-all one.
	groups, err := srv.EC2().DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-name"), Values: []string{"locked"}}}})
	if err != nil || len(groups.SecurityGroups) != 1 {
		t.Fatalf("groups: %v %v", groups, err)
	}
	for _, p := range groups.SecurityGroups[0].IpPermissionsEgress {
		if aws.ToString(p.IpProtocol) == "-1" {
			t.Errorf("the default allow-all egress rule is still there: %+v", groups.SecurityGroups[0].IpPermissionsEgress)
		}
	}
	if n := len(groups.SecurityGroups[0].IpPermissionsEgress); n != 2 {
		t.Errorf("%d egress permissions, want 2", n)
	}
}
