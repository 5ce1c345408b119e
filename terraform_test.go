package gatehouse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"gatehouse"
	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/servertest"
)

// The Terraform examples (examples/terraform) run as a user runs them:
// terraform init from a local provider mirror, apply, traffic through each
// API's invoke URL to real backends, a plan that finds nothing to change,
// destroy, and then nothing left but the default VPC's own records.
//
// It takes two to five minutes on two cores (Terraform's AWS provider waits 30 s
// twice for every load balancer it creates), so it runs only when asked:
//
//	GATEHOUSE_TERRAFORM=1 go test -run TestTerraformExamples .
//
// It needs terraform on PATH and the AWS provider in a filesystem mirror
// at /tf-plugins or /opt/tf-plugins; nothing is downloaded. The
// rest-api-v2 example also needs the AWS CLI.
func TestTerraformExamples(t *testing.T) {
	if os.Getenv("GATEHOUSE_TERRAFORM") == "" {
		t.Skip("set GATEHOUSE_TERRAFORM=1 to apply, plan and destroy the Terraform examples (two to five minutes)")
	}
	_, cliConfig := servertest.Terraform(t)

	srv, err := gatehouse.Start(context.Background(), gatehouse.Config{
		Listen: "127.0.0.1:0", InMemory: true,
		// Links are ready at once; health checks run on the wall clock.
		VpcLinkDelay: -1, VpcLinkV1Delay: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL(), "http://"))
	endpoint := "http://localhost:" + port

	// All at once, whatever -parallel says: most of the time goes to the
	// provider's waits, not to the processor.
	var wg sync.WaitGroup
	for _, ex := range terraformExamples {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(ex.dir, func(t *testing.T) {
				for _, tool := range ex.needs {
					if _, err := exec.LookPath(tool); err != nil {
						t.Skipf("skipped: the example needs %s, which is not on PATH", tool)
					}
				}
				tf := newTerraform(t, ex.dir, cliConfig)
				vars := []string{"-var", "endpoint=" + endpoint}
				if ex.prepare != nil {
					vars = append(vars, ex.prepare(t, tf.dir)...)
				}
				for name, backends := range ex.backends {
					var ports []string
					for _, b := range backends {
						ports = append(ports, fmt.Sprint(echoBackend(t, b)))
					}
					v := "[" + strings.Join(ports, ",") + "]"
					if len(ports) == 1 {
						v = ports[0]
					}
					vars = append(vars, "-var", name+"="+v)
				}
				start := time.Now()
				tf.run("init", "-input=false", "-no-color")
				tf.run(append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, vars...)...)
				t.Logf("init and apply: %s", time.Since(start).Round(time.Second))
				outputs := tf.outputs()
				for _, c := range ex.calls {
					call(t, outputs["invoke_url"], c)
				}
				start = time.Now()
				if code, out := tf.exit(append([]string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, vars...)...); code != 0 {
					t.Errorf("plan after apply exited %d (2: changes), want 0:\n%s", code, out)
				}
				t.Logf("plan: %s", time.Since(start).Round(time.Second))
				start = time.Now()
				destroy := []string{"destroy", "-auto-approve", "-input=false", "-no-color"}
				if !ex.refreshOnDestroy {
					destroy = append(destroy, "-refresh=false")
				}
				tf.run(append(destroy, vars...)...)
				t.Logf("destroy: %s", time.Since(start).Round(time.Second))
			})
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	leftovers(t, servertest.AWSConfig(srv.URL()))
}

// terraformExample is one folder of examples/terraform: the backends its
// variables name (each a list of ports, or one port for a single name), and
// what calls through its invoke URL must answer.
type terraformExample struct {
	dir      string
	needs    []string
	backends map[string][]string
	calls    []invokeCall
	// refreshOnDestroy has destroy read every resource back first, as a
	// user's plain destroy does: the read path of a destroy once failed
	// where apply worked. The others skip it, since the plan has just read
	// everything.
	refreshOnDestroy bool
	// prepare writes what the example reads besides its configuration
	// into its folder, and returns the -var arguments naming it.
	prepare func(t *testing.T, dir string) []string
}

type invokeCall struct {
	path     string
	status   int
	backends []string // one of them answers; none for an answer of the API's own
	body     string   // a substring of the body, when no backend answers
	header   map[string]string
}

var terraformExamples = []terraformExample{
	{dir: "http-api",
		backends: map[string][]string{"task_ports": {"task-1", "task-2"}, "catalog_port": {"catalog"}, "orders_port": {"orders"}},
		calls: []invokeCall{
			{path: "/pets/1", status: 200, backends: []string{"task-1", "task-2"}},
			{path: "/orders/7", status: 200, backends: []string{"orders"}},
			{path: "/catalog/books", status: 200, backends: []string{"catalog"}},
			{path: "/admin/users", status: 403, body: "not here"},
		}},
	{dir: "rest-api",
		backends: map[string][]string{"task_ports": {"task-a", "task-b"}},
		calls: []invokeCall{
			{path: "/pets/1", status: 200, backends: []string{"task-a", "task-b"}},
			{path: "/health", status: 200, body: `{"status":"ok"}`},
		}},
	{dir: "rest-api-v2", needs: []string{"aws"},
		backends: map[string][]string{"task_ports": {"task-x", "task-y"}},
		calls: []invokeCall{
			{path: "/pets/1", status: 200, backends: []string{"task-x", "task-y"}},
		}},
	{dir: "http-api-openapi",
		backends: map[string][]string{"web_port": {"web"}},
		calls: []invokeCall{
			{path: "/pets/1", status: 200, backends: []string{"web"}},
			{path: "/orders/7", status: 200, backends: []string{"web"}},
			{path: "/other", status: 404, body: "Not Found"},
		}},
	{dir: "network", refreshOnDestroy: true},
	{dir: "lambda", refreshOnDestroy: true, needs: []string{"python3"},
		prepare: func(t *testing.T, dir string) []string {
			pkg := filepath.Join(dir, "function.zip")
			writeFile(t, pkg, string(lambdatest.PythonFunction(t, helloPython)))
			return []string{"-var", "package=" + pkg}
		},
		calls: []invokeCall{
			{path: "/hello/world", status: 200, body: `"hello": "world"`},
			{path: "/hello/world", status: 200, body: `"greeting": "hello"`},
			{path: "/other", status: 404, body: "Not Found"},
		}},
	{dir: "alb-lambda", needs: []string{"python3"},
		prepare: func(t *testing.T, dir string) []string {
			pkg := filepath.Join(dir, "function.zip")
			writeFile(t, pkg, string(lambdatest.PythonFunction(t, albPython)))
			return []string{"-var", "package=" + pkg}
		},
		calls: []invokeCall{
			{path: "/pets/7?color=brown", status: 200, body: `"path": "/pets/7"`},
			{path: "/pets/7?color=brown&color=black", status: 200, body: `"color": ["brown", "black"]`},
		}},
	{dir: "rest-lambda-authorizer", refreshOnDestroy: true, needs: []string{"python3"},
		prepare: func(t *testing.T, dir string) []string {
			pkg := filepath.Join(dir, "function.zip")
			writeFile(t, pkg, string(lambdatest.Zip(t, map[string]string{"authorizer.py": tokenPython, "hello.py": helloRESTPython})))
			return []string{"-var", "package=" + pkg}
		},
		calls: []invokeCall{
			{path: "/hello/world", status: 401, body: `{"message":"Unauthorized"}`},
			{path: "/hello/world", status: 200, body: `"hello": "world"`, header: map[string]string{"Authorization": "allow"}},
			{path: "/hello/world", status: 200, body: `"plan": "gold"`, header: map[string]string{"Authorization": "allow"}},
			{path: "/hello/world", status: 403, body: "explicit deny", header: map[string]string{"Authorization": "deny"}},
			{path: "/hello/world", status: 401, body: `{"message":"Unauthorized"}`, header: map[string]string{"Authorization": "unauthorized"}},
		}},
}

// albPython answers an ALB's event, which carries multi-value parameters
// since its target group says so.
const albPython = `import json

def lambda_handler(event, context):
    body = {"path": event["path"], "color": event["multiValueQueryStringParameters"].get("color")}
    return {"statusCode": 200, "multiValueHeaders": {"Content-Type": ["application/json"]}, "body": json.dumps(body)}
`

// tokenPython is the rest-lambda-authorizer example's TOKEN authorizer:
// "allow" may call the method, "unauthorized" is AWS's 401, anything else
// is denied explicitly.
const tokenPython = `def lambda_handler(event, context):
    token = event["authorizationToken"]
    if token == "unauthorized":
        raise Exception("Unauthorized")
    effect = "Allow" if token == "allow" else "Deny"
    return {"principalId": "user", "context": {"plan": "gold"},
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
`

// helloRESTPython answers a REST proxy event with the path parameter and
// what the authorizer passed on.
const helloRESTPython = `import json

def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"hello": event["pathParameters"]["name"],
                                                    "plan": event["requestContext"]["authorizer"]["plan"]})}
`

// helloPython answers an HTTP API's 2.0 event with a JSON document, which
// API Gateway sends as a 200 answer.
const helloPython = `import os

def lambda_handler(event, context):
    return {"hello": event["pathParameters"]["name"], "greeting": os.environ["GREETING"]}
`

type terraform struct {
	t   *testing.T
	dir string
	env []string
}

// newTerraform copies an example's configuration into a folder of its own,
// so that state and the provider's copy stay out of the tree.
func newTerraform(t *testing.T, example, cliConfig string) *terraform {
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join("examples", "terraform", example, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no configuration in examples/terraform/%s: %v", example, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, filepath.Base(f)), string(b))
	}
	env := []string{"TF_CLI_CONFIG_FILE=" + cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1",
		"AWS_EC2_METADATA_DISABLED=true"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		// The user's own Terraform and AWS settings play no part.
		if strings.HasPrefix(k, "TF_") || strings.HasPrefix(k, "AWS_") || k == "CHECKPOINT_DISABLE" {
			continue
		}
		env = append(env, kv)
	}
	return &terraform{t: t, dir: dir, env: env}
}

func (tf *terraform) exit(args ...string) (int, string) {
	tf.t.Helper()
	cmd := exec.Command("terraform", args...)
	cmd.Dir, cmd.Env = tf.dir, tf.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	}
	if err != nil {
		tf.t.Fatalf("terraform %s: %v", args[0], err)
	}
	return 0, out.String()
}

func (tf *terraform) run(args ...string) string {
	tf.t.Helper()
	code, out := tf.exit(args...)
	if code != 0 {
		tf.t.Fatalf("terraform %s exited %d:\n%s", args[0], code, out)
	}
	return out
}

func (tf *terraform) outputs() map[string]string {
	tf.t.Helper()
	var raw map[string]struct{ Value any }
	if err := json.Unmarshal([]byte(tf.run("output", "-json")), &raw); err != nil {
		tf.t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range raw {
		out[k] = fmt.Sprint(v.Value)
	}
	return out
}

// call sends GETs to invokeURL+path until the answer is the one wanted or
// twenty seconds have passed: the first health checks of a target group
// may still be under way.
func call(t *testing.T, invokeURL string, c invokeCall) {
	t.Helper()
	if invokeURL == "" {
		t.Fatal("the example has no invoke_url output")
	}
	u := invokeURL + c.path
	// The invoke URL's host (ID.execute-api.localhost) is served on
	// gatehouse's loopback port whatever it resolves to.
	host := strings.TrimPrefix(u, "http://")
	host, path, _ := strings.Cut(host, "/")
	hostname, port, _ := net.SplitHostPort(host)
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for {
		req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:"+port+"/"+path, nil)
		req.Host = hostname + ":" + port
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var got struct{ Backend string }
			json.Unmarshal(b, &got)
			ok := resp.StatusCode == c.status
			if len(c.backends) > 0 {
				ok = ok && contains(c.backends, got.Backend)
			} else {
				ok = ok && strings.Contains(string(b), c.body)
			}
			if ok {
				return
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, b)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s = %s; want %d from %v%s", u, last, c.status, c.backends, c.body)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// leftovers fails the test for anything the examples made that destroy did
// not remove. The default VPC and what it comes with stay, as on AWS.
func leftovers(t *testing.T, cfg aws.Config) {
	ctx := context.Background()
	e := ec2.NewFromConfig(cfg)
	var left []string
	note := func(kind, id string) { left = append(left, kind+" "+id) }

	vpcs, err := e.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	defaultVPC := ""
	for _, v := range vpcs.Vpcs {
		if aws.ToBool(v.IsDefault) {
			defaultVPC = aws.ToString(v.VpcId)
		} else {
			note("VPC", aws.ToString(v.VpcId))
		}
	}
	if defaultVPC == "" {
		t.Error("the default VPC is gone")
	}
	subnets, err := e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subnets.Subnets {
		if aws.ToString(s.VpcId) != defaultVPC || !aws.ToBool(s.DefaultForAz) {
			note("subnet", aws.ToString(s.SubnetId))
		}
	}
	groups, err := e.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups.SecurityGroups {
		if aws.ToString(g.VpcId) != defaultVPC || aws.ToString(g.GroupName) != "default" {
			note("security group", aws.ToString(g.GroupId)+" "+aws.ToString(g.GroupName))
		}
	}
	enis, err := e.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range enis.NetworkInterfaces {
		note("network interface", aws.ToString(n.NetworkInterfaceId)+" "+aws.ToString(n.Description))
	}
	tables, err := e.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range tables.RouteTables {
		main := false
		for _, a := range rt.Associations {
			main = main || aws.ToBool(a.Main)
		}
		if aws.ToString(rt.VpcId) != defaultVPC || !main {
			note("route table", aws.ToString(rt.RouteTableId))
		}
	}
	acls, err := e.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acls.NetworkAcls {
		if aws.ToString(a.VpcId) != defaultVPC || !aws.ToBool(a.IsDefault) {
			note("network ACL", aws.ToString(a.NetworkAclId))
		}
	}
	instances, err := e.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range instances.Reservations {
		for _, i := range r.Instances {
			// Terminated instances stay visible for a while, as on AWS.
			if i.State == nil || i.State.Name != ec2types.InstanceStateNameTerminated {
				note("instance", aws.ToString(i.InstanceId))
			}
		}
	}

	lb := elb.NewFromConfig(cfg)
	lbs, err := lb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lbs.LoadBalancers {
		note("load balancer", aws.ToString(l.LoadBalancerName))
	}
	tgs, err := lb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range tgs.TargetGroups {
		note("target group", aws.ToString(g.TargetGroupName))
	}

	v2 := apigatewayv2.NewFromConfig(cfg)
	apis, err := v2.GetApis(ctx, &apigatewayv2.GetApisInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apis.Items {
		note("HTTP API", aws.ToString(a.Name))
	}
	links, err := v2.GetVpcLinks(ctx, &apigatewayv2.GetVpcLinksInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links.Items {
		note("VPC link V2", aws.ToString(l.Name))
	}
	v1 := apigateway.NewFromConfig(cfg)
	rest, err := v1.GetRestApis(ctx, &apigateway.GetRestApisInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range rest.Items {
		note("REST API", aws.ToString(a.Name))
	}
	v1links, err := v1.GetVpcLinks(ctx, &apigateway.GetVpcLinksInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range v1links.Items {
		note("VPC link", aws.ToString(l.Name))
	}
	sd := servicediscovery.NewFromConfig(cfg)
	ns, err := sd.ListNamespaces(ctx, &servicediscovery.ListNamespacesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns.Namespaces {
		note("namespace", aws.ToString(n.Name))
	}
	services, err := sd.ListServices(ctx, &servicediscovery.ListServicesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range services.Services {
		note("Cloud Map service", aws.ToString(s.Name))
	}
	functions, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range functions.Functions {
		note("Lambda function", aws.ToString(f.FunctionName))
	}
	if len(left) > 0 {
		t.Errorf("left after destroy:\n  %s", strings.Join(left, "\n  "))
	}
}
