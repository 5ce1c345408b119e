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
	srv := servertest.Start(t)
	tf := newTerraform(t, srv, "testdata/terraform/sg.tf")
	must, noChanges := tf.must, tf.noChanges
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

// terraformDir runs terraform in a directory holding one configuration,
// against one server, from the local provider mirror only.
type terraformDir struct {
	t                 *testing.T
	tf, cli, dir, url string
}

// newTerraform copies the configuration at path into a fresh directory.
func newTerraform(t *testing.T, srv *servertest.Server, path string) *terraformDir {
	t.Helper()
	tf, cli := servertest.Terraform(t)
	dir := t.TempDir()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	return &terraformDir{t: t, tf: tf, cli: cli, dir: dir, url: srv.URL()}
}

func (d *terraformDir) run(args ...string) (string, error) {
	defer func(start time.Time) {
		d.t.Logf("terraform %s: %v", args[0], time.Since(start).Round(time.Millisecond))
	}(time.Now())
	cmd := exec.Command(d.tf, args...)
	cmd.Dir = d.dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+d.cli, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1",
		"TF_VAR_endpoint="+d.url)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (d *terraformDir) must(args ...string) {
	d.t.Helper()
	if out, err := d.run(args...); err != nil {
		d.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// noChanges fails unless a plan with vars finds nothing to do.
func (d *terraformDir) noChanges(vars ...string) {
	d.t.Helper()
	out, err := d.run(append([]string{"plan", "-no-color", "-detailed-exitcode"}, vars...)...)
	if err != nil {
		d.t.Fatalf("plan after apply %q wants changes (%v):\n%s", vars, err, out)
	}
}

// TestTerraformDhcpOptions applies testdata/terraform/dhcp.tf: a set of the
// user's associated with a VPC, and the region's default set, which
// aws_default_vpc_dhcp_options finds by its options. A second apply changes
// the user's set's tags; after each apply a plan must find nothing to do, and destroy must
// leave the default set (whose resource only forgets it) and the default
// VPC's association behind.
func TestTerraformDhcpOptions(t *testing.T) {
	if os.Getenv("GATEHOUSE_TERRAFORM") == "" {
		t.Skip("set GATEHOUSE_TERRAFORM=1 to apply, change, plan and destroy the DHCP options configuration with terraform (about a minute)")
	}
	srv := servertest.Start(t)
	tf := newTerraform(t, srv, "testdata/terraform/dhcp.tf")
	tf.must("init", "-no-color")
	tf.must("apply", "-no-color", "-auto-approve")
	tf.noChanges()

	c := srv.EC2()
	corp, err := c.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{Filters: filter("tag:Name", "corp")})
	if err != nil || len(corp.DhcpOptions) != 1 || len(dhcpConfig(corp.DhcpOptions[0])) != 5 {
		t.Fatalf("the user's set after apply: %+v, %v", corp, err)
	}
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: filter("dhcp-options-id", aws.ToString(corp.DhcpOptions[0].DhcpOptionsId))})
	if err != nil || len(vpcs.Vpcs) != 1 {
		t.Fatalf("VPCs with the user's set: %+v, %v", vpcs, err)
	}

	changed := []string{"-var", "env=prod"}
	tf.must(append([]string{"apply", "-no-color", "-auto-approve"}, changed...)...)
	tf.noChanges(changed...)
	prod, err := c.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{Filters: filter("tag:env", "prod")})
	if err != nil || len(prod.DhcpOptions) != 1 {
		t.Fatalf("sets tagged by the second apply: %+v, %v", prod, err)
	}

	tf.must(append([]string{"destroy", "-no-color", "-auto-approve"}, changed...)...)
	left, err := c.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{})
	if err != nil || len(left.DhcpOptions) != 1 || dhcpConfig(left.DhcpOptions[0])["domain-name"][0] != "ec2.internal" {
		t.Fatalf("sets left after destroy: %+v, %v", left, err)
	}
	if got := vpcDhcp(t, c, aws.ToString(defaultVpcOf(t, c).VpcId)); got != aws.ToString(left.DhcpOptions[0].DhcpOptionsId) {
		t.Fatalf("default VPC after destroy has %s", got)
	}
}
