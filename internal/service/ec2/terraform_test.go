package ec2_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"gatehouse/internal/servertest"
)

// TestTerraformSecurityGroups applies testdata/terraform/sg.tf with
// Terraform's AWS provider, from the local mirror only: every security-group
// resource kind and a network interface. A second apply changes what the
// provider changes in place (rule descriptions through
// UpdateSecurityGroupRuleDescriptions, a rule's port through
// ModifySecurityGroupRules, rule tags by sgr- id, the interface's
// description, check and groups through ModifyNetworkInterfaceAttribute).
// After each apply a plan must find nothing to do; destroy must leave only
// the VPC's own default group behind, and then nothing once the VPC goes.
func TestTerraformSecurityGroups(t *testing.T) {
	if os.Getenv("GATEHOUSE_TERRAFORM") == "" {
		t.Skip("set GATEHOUSE_TERRAFORM=1 to apply, change, plan and destroy the security-group configuration with terraform (about a minute)")
	}
	tf, cli := servertest.Terraform(t)
	srv := servertest.Start(t)
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/terraform/sg.tf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		defer func(start time.Time) { t.Logf("terraform %s: %v", args[0], time.Since(start).Round(time.Millisecond)) }(time.Now())
		cmd := exec.Command(tf, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cli, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1",
			"TF_VAR_endpoint="+srv.URL())
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(args ...string) {
		t.Helper()
		if out, err := run(args...); err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	noChanges := func(vars ...string) {
		t.Helper()
		out, err := run(append([]string{"plan", "-no-color", "-detailed-exitcode"}, vars...)...)
		if err != nil {
			t.Fatalf("plan after apply %q wants changes (%v):\n%s", vars, err, out)
		}
	}
	must("init", "-no-color")
	must("apply", "-no-color", "-auto-approve")
	noChanges()
	changed := []string{"-var", "desc=tls", "-var", "port=8443", "-var", "sdc=true", "-var", "both_groups=false"}
	must(append([]string{"apply", "-no-color", "-auto-approve"}, changed...)...)
	noChanges(changed...)

	c := srv.EC2()
	enis, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: filter("description", "tls")})
	if err != nil || len(enis.NetworkInterfaces) != 1 {
		t.Fatalf("the interface after the second apply: %+v, %v", enis, err)
	}
	if n := enis.NetworkInterfaces[0]; len(n.Groups) != 1 || !aws.ToBool(n.SourceDestCheck) || aws.ToString(n.PrivateIpAddress) != "10.50.1.10" {
		t.Fatalf("the interface after the second apply: %+v", n)
	}

	must(append([]string{"destroy", "-no-color", "-auto-approve"}, changed...)...)
	left, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: filter("group-name", "web", "app")})
	if err != nil || len(left.SecurityGroups) != 0 {
		t.Fatalf("groups left after destroy: %+v, %v", left, err)
	}
	if enis, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{}); err != nil || len(enis.NetworkInterfaces) != 0 {
		t.Fatalf("interfaces left after destroy: %+v, %v", enis, err)
	}
}
