package ec2_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

// node is any XML element, kept whole so a test can ask whether an element
// is there at all: the SDK reads an empty list and a missing one alike.
type node struct {
	XMLName xml.Name
	Nodes   []node `xml:",any"`
}

func (n node) child(name string) (node, bool) {
	for _, c := range n.Nodes {
		if c.XMLName.Local == name {
			return c, true
		}
	}
	return node{}, false
}

// items returns the <item> elements of n's child list, failing the test if
// the list element itself is missing.
func (n node) items(t *testing.T, list string) []node {
	t.Helper()
	l, ok := n.child(list)
	if !ok {
		t.Fatalf("<%s> has no <%s>", n.XMLName.Local, list)
	}
	return l.Nodes
}

func (n node) mustHave(t *testing.T, where string, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, ok := n.child(name); !ok {
			t.Errorf("%s: <%s> is missing", where, name)
		}
	}
}

// rawQuery sends an EC2 Query call without the SDK and returns the parsed
// answer.
func rawQuery(t *testing.T, srv *servertest.Server, action string, params ...string) node {
	t.Helper()
	form := url.Values{"Action": {action}, "Version": {"2016-11-15"}}
	for i := 0; i+1 < len(params); i += 2 {
		form.Set(params[i], params[i+1])
	}
	resp, err := http.PostForm(srv.URL()+"/", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", action, resp.StatusCode, body)
	}
	var n node
	if err := xml.Unmarshal(body, &n); err != nil {
		t.Fatalf("%s: %v in %s", action, err, body)
	}
	return n
}

// shapeFixture makes a group with one ingress rule from a CIDR and one from
// a group, and an interface carrying it.
func shapeFixture(t *testing.T, c *ec2.Client) (group, eni string) {
	t.Helper()
	vpc, def := sgTestVpc(t, c, "10.0.0.0/16")
	group = newSecurityGroup(t, c, vpc, "web")
	if _, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(group), IpPermissions: []types.IpPermission{tcpPerm(443, 443, "10.0.0.0/16"), withGroups(tcpPerm(80, 80), def)},
	}); err != nil {
		t.Fatal(err)
	}
	sn := newSubnet(t, c, vpc, "10.0.1.0/24", "")
	out, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sn.SubnetId, Groups: []string{group}})
	if err != nil {
		t.Fatal(err)
	}
	return group, aws.ToString(out.NetworkInterface.NetworkInterfaceId)
}

// AWS sends every list of a permission, an interface and a rule even when
// it is empty; boto3 code indexes them (perm["Ipv6Ranges"]) and would raise
// KeyError on a missing one.
func TestEmptyListsAreSent(t *testing.T) {
	srv := servertest.Start(t)
	group, eni := shapeFixture(t, srv.EC2())

	sgs := rawQuery(t, srv, "DescribeSecurityGroups", "GroupId.1", group)
	items := sgs.items(t, "securityGroupInfo")
	if len(items) != 1 {
		t.Fatalf("%d groups described", len(items))
	}
	var perms int
	for _, list := range []string{"ipPermissions", "ipPermissionsEgress"} {
		for _, p := range items[0].items(t, list) {
			perms++
			p.mustHave(t, list, "ipProtocol", "groups", "ipRanges", "ipv6Ranges", "prefixListIds")
		}
	}
	if perms != 3 {
		t.Fatalf("%d permissions described, want 3 (two ingress, the default egress)", perms)
	}

	enis := rawQuery(t, srv, "DescribeNetworkInterfaces", "NetworkInterfaceId.1", eni)
	items = enis.items(t, "networkInterfaceSet")
	if len(items) != 1 {
		t.Fatalf("%d interfaces described", len(items))
	}
	items[0].mustHave(t, "interface", "groupSet", "privateIpAddressesSet", "ipv6AddressesSet", "tagSet",
		"sourceDestCheck", "requesterManaged", "status", "interfaceType", "macAddress")
	if _, ok := items[0].child("attachment"); ok {
		t.Error("a detached interface is described with an <attachment>")
	}

	rules := rawQuery(t, srv, "DescribeSecurityGroupRules", "Filter.1.Name", "group-id", "Filter.1.Value.1", group)
	for _, r := range rules.items(t, "securityGroupRuleSet") {
		r.mustHave(t, "rule", "securityGroupRuleId", "isEgress", "ipProtocol", "fromPort", "toPort", "tagSet")
	}
}

// The same, read by boto3 as its users read it.
func TestEmptyListsReadByBoto3(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skip("python3 has no boto3")
	}
	srv := servertest.Start(t)
	group, eni := shapeFixture(t, srv.EC2())
	script := `
import sys, boto3
ec2 = boto3.client("ec2", endpoint_url=sys.argv[3])
g = ec2.describe_security_groups(GroupIds=[sys.argv[1]])["SecurityGroups"][0]
for perm in g["IpPermissions"] + g["IpPermissionsEgress"]:
    perm["IpRanges"], perm["Ipv6Ranges"], perm["PrefixListIds"], perm["UserIdGroupPairs"]
n = ec2.describe_network_interfaces(NetworkInterfaceIds=[sys.argv[2]])["NetworkInterfaces"][0]
n["Ipv6Addresses"], n["TagSet"], n["PrivateIpAddresses"], n["Groups"], n["SourceDestCheck"], n["RequesterManaged"]
for r in ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [sys.argv[1]]}])["SecurityGroupRules"]:
    r["Tags"]
print("ok")
`
	cmd := exec.Command("python3", "-c", script, group, eni, srv.URL())
	cmd.Env = append(cmd.Environ(),
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_MAX_ATTEMPTS=1")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
}

// rawPost sends a form body as it is and returns the status and answer.
func rawPost(t *testing.T, srv *servertest.Server, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(srv.URL()+"/", "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
