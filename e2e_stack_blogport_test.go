package gatehouse_test

import (
	"context"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/servertest"
)

// TestBlogHTTPAPITask2PortUpdate updates the blog's HTTP API stack
// changing only its Task2Port parameter. That changes one member of the
// target group's Targets, which CloudFormation updates in place (the
// group's own Port, which would replace it, stays 80): the group keeps
// its ARN and the listener its action, the second target moves to the new
// port, and traffic reaches the backend there. A second such update that
// also adds a listener ELBv2 refuses rolls back to the previous port, and
// the stack is UPDATE_ROLLBACK_COMPLETE with traffic still flowing.
func TestBlogHTTPAPITask2PortUpdate(t *testing.T) {
	srv := servertest.Start(t, servertest.VpcLinkDelay(-1), servertest.StackWait(30*time.Second))
	c, lb := srv.CloudFormation(), srv.ELBv2()
	ctx := context.Background()
	data, err := os.ReadFile("examples/blog/http-api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	port := func(name string) string { return strconv.Itoa(int(echoBackend(t, name))) }
	param := func(k, v string) cfntypes.Parameter {
		return cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)}
	}
	previous := cfntypes.Parameter{ParameterKey: aws.String("Task1Port"), UsePreviousValue: aws.Bool(true)}
	_, err = c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("blog"), TemplateBody: aws.String(string(data)),
		Parameters: []cfntypes.Parameter{param("Task1Port", port("task-1")), param("Task2Port", port("task-2"))}})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "blog"); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("create: %s\n%s", st.StackStatus, eventLines(t, c, "blog"))
	}
	apiID := strings.TrimPrefix(strings.SplitN(outputsOf(stackStatus(t, c, "blog"))["ApiEndpoint"], ".", 2)[0], "http://")
	group, listener := physicalID(t, c, "blog", "Tasks"), physicalID(t, c, "blog", "AlbListener")
	// backends answers which backends serve the API, in enough requests
	// for each target to answer many times over.
	backends := func(when string) string {
		t.Helper()
		if err := srv.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for range 30 {
			a := invoke(t, srv, apiID, "/pets")
			if a.status != 200 {
				t.Fatalf("%s: %d %s", when, a.status, a.body)
			}
			seen[a.backend] = true
		}
		var out []string
		for b := range seen {
			out = append(out, b)
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	targetPorts := func() string {
		t.Helper()
		out, err := lb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: &group})
		if err != nil {
			t.Fatal(err)
		}
		var ports []string
		for _, d := range out.TargetHealthDescriptions {
			if d.TargetHealth.State == elbtypes.TargetHealthStateEnumDraining {
				continue // deregistered, finishing its requests
			}
			ports = append(ports, aws.ToString(d.Target.Id)+":"+strconv.Itoa(int(aws.ToInt32(d.Target.Port))))
		}
		sort.Strings(ports)
		return strings.Join(ports, " ")
	}
	forwardsTo := func() string {
		t.Helper()
		out, err := lb.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{listener}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Listeners[0].DefaultActions[0].TargetGroupArn)
	}
	if got := backends("after create"); got != "task-1 task-2" {
		t.Fatalf("after create, backends %q", got)
	}

	newPort := port("task-2b")
	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("blog"), UsePreviousTemplate: aws.Bool(true),
		Parameters: []cfntypes.Parameter{previous, param("Task2Port", newPort)}})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "blog"); st.StackStatus != cfntypes.StackStatusUpdateComplete {
		t.Fatalf("update: %s\n%s", st.StackStatus, eventLines(t, c, "blog"))
	}
	moved := targetPorts()
	if physicalID(t, c, "blog", "Tasks") != group || forwardsTo() != group || !strings.HasSuffix(moved, " 10.0.2.10:"+newPort) || strings.Count(moved, " ") != 1 {
		t.Fatalf("after the update: group %s (was %s), listener forwards to %s, targets %s", physicalID(t, c, "blog", "Tasks"), group, forwardsTo(), moved)
	}
	if got := backends("after the update"); got != "task-1 task-2b" {
		t.Fatalf("after the update, backends %q", got)
	}

	// Another port and a listener ELBv2 refuses (a second one on port 80):
	// the update rolls back, the target to the port it had.
	failing := strings.Replace(string(data), "\nOutputs:\n", `
  Duplicate:
    Type: AWS::ElasticLoadBalancingV2::Listener
    DependsOn: AlbListener
    Properties:
      LoadBalancerArn: !Ref Alb
      Protocol: HTTP
      Port: 80
      DefaultActions:
        - Type: forward
          TargetGroupArn: !Ref Tasks
Outputs:
`, 1)
	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("blog"), TemplateBody: aws.String(failing),
		Parameters: []cfntypes.Parameter{previous, param("Task2Port", port("task-2c"))}})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "blog"); st.StackStatus != cfntypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("failing update: %s\n%s", st.StackStatus, eventLines(t, c, "blog"))
	}
	if got := targetPorts(); got != moved || forwardsTo() != group {
		t.Fatalf("after the rollback: targets %s, want %s; listener forwards to %s\n%s", got, moved, forwardsTo(), eventLines(t, c, "blog"))
	}
	if got := backends("after the rollback"); got != "task-1 task-2b" {
		t.Fatalf("after the rollback, backends %q", got)
	}
}

// TestStackTargetGroupReplacedUnderARule: a listener rule forwarding to a
// target group whose Port changes (which replaces the group) is moved to
// the new group before the old one is deleted, as the listener is.
func TestStackTargetGroupReplacedUnderARule(t *testing.T) {
	srv := servertest.Start(t, servertest.NoDefaultVpc(), servertest.StackWait(30*time.Second))
	c, lb := srv.CloudFormation(), srv.ELBv2()
	ctx := context.Background()
	body := balancerTemplate + `
  Rule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Listener
      Priority: 10
      Conditions: [{Field: path-pattern, PathPatternConfig: {Values: [/pets/*]}}]
      Actions: [{Type: forward, TargetGroupArn: !Ref Targets}]
`
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("ruled"), TemplateBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "ruled"); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("create: %s\n%s", st.StackStatus, eventLines(t, c, "ruled"))
	}
	oldTG, rule := physicalID(t, c, "ruled", "Targets"), physicalID(t, c, "ruled", "Rule")
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("ruled"),
		TemplateBody: aws.String(strings.Replace(body, "Port: 8080", "Port: 9090", 1))}); err != nil {
		t.Fatal(err)
	}
	if st := waitSettled(t, c, "ruled"); st.StackStatus != cfntypes.StackStatusUpdateComplete {
		t.Fatalf("update: %s\n%s", st.StackStatus, eventLines(t, c, "ruled"))
	}
	newTG := physicalID(t, c, "ruled", "Targets")
	out, err := lb.DescribeRules(ctx, &elb.DescribeRulesInput{RuleArns: []string{rule}})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Rules[0].Actions[0].TargetGroupArn); newTG == oldTG || got != newTG || physicalID(t, c, "ruled", "Rule") != rule {
		t.Fatalf("the rule forwards to %s; old group %s, new %s", got, oldTG, newTG)
	}
	groups, err := lb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil || len(groups.TargetGroups) != 1 {
		t.Fatalf("groups after the replacement: %+v %v", groups, err)
	}
}
