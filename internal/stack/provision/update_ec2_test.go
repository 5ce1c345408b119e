package provision_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ec2Tags describes the tags of one EC2 resource.
func (r *rig) ec2Tags(id string) map[string]string {
	r.t.Helper()
	out, err := r.srv.EC2().DescribeTags(r.ctx, &ec2.DescribeTagsInput{Filters: []ec2types.Filter{
		{Name: aws.String("resource-id"), Values: []string{id}}}})
	if err != nil {
		r.t.Fatal(err)
	}
	tags := map[string]string{}
	for _, d := range out.Tags {
		tags[aws.ToString(d.Key)] = aws.ToString(d.Value)
	}
	return tags
}

// wantTags checks a resource's tags: its own, the stack's, and
// CloudFormation's, which name the logical id.
func (r *rig) wantTags(what string, got map[string]string, logical string, own map[string]string) {
	r.t.Helper()
	want := map[string]string{"team": "net", "aws:cloudformation:stack-name": "net",
		"aws:cloudformation:stack-id": stackID, "aws:cloudformation:logical-id": logical}
	for k, v := range own {
		want[k] = v
	}
	if len(got) != len(want) {
		r.t.Errorf("%s has tags %v, want %v", what, got, want)
		return
	}
	for k, v := range want {
		if got[k] != v {
			r.t.Errorf("%s has tags %v, want %v", what, got, want)
			return
		}
	}
}

const vpcV1 = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.8.0.0/16
      EnableDnsHostnames: true
      Tags: [{Key: Name, Value: one}, {Key: tier, Value: web}]
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.8.1.0/24
      MapPublicIpOnLaunch: true
      Tags: [{Key: Name, Value: one}]
`

const vpcV2 = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.8.0.0/16
      Tags: [{Key: Name, Value: two}, {Key: owner, Value: me}]
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.8.1.0/24
      EnableDns64: true
`

// TestUpdateVPCAndSubnet creates a VPC and a subnet with settings and
// tags, changes both in place (a removed setting returns to EC2's
// default), and refuses a create-only change by name.
func TestUpdateVPCAndSubnet(t *testing.T) {
	r := newRig(t)
	r.apply(vpcV1)
	vpc, subnet := r.ref("Vpc"), r.ref("Subnet")
	r.wantTags("the VPC", r.ec2Tags(vpc), "Vpc", map[string]string{"Name": "one", "tier": "web"})
	r.wantTags("the subnet", r.ec2Tags(subnet), "Subnet", map[string]string{"Name": "one"})
	if !r.vpcAttr(vpc, ec2types.VpcAttributeNameEnableDnsHostnames) {
		t.Error("EnableDnsHostnames is off after create")
	}
	if sn := r.subnet(subnet); !aws.ToBool(sn.MapPublicIpOnLaunch) || aws.ToBool(sn.EnableDns64) {
		t.Errorf("subnet after create: map public %v, dns64 %v", aws.ToBool(sn.MapPublicIpOnLaunch), aws.ToBool(sn.EnableDns64))
	}
	for _, a := range []string{"DefaultNetworkAcl", "DefaultSecurityGroup"} {
		if v, _ := r.made["Vpc"].Attrs[a].(string); v == "" {
			t.Errorf("no %s attribute: %v", a, r.made["Vpc"].Attrs)
		}
	}
	if v, _ := r.made["Subnet"].Attrs["NetworkAclAssociationId"].(string); !strings.HasPrefix(v, "aclassoc-") {
		t.Errorf("NetworkAclAssociationId = %q", v)
	}

	// Only CloudFormation may write its reserved tags.
	_, err := r.srv.EC2().CreateTags(r.ctx, &ec2.CreateTagsInput{Resources: []string{vpc},
		Tags: []ec2types.Tag{{Key: aws.String("aws:cloudformation:logical-id"), Value: aws.String("Other")}}})
	if err == nil {
		t.Error("an ordinary caller wrote an aws:cloudformation: tag")
	}
	_, err = r.srv.EC2().CreateVpc(r.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.99.0.0/16"), TagSpecifications: []ec2types.TagSpecification{
		{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{{Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("x")}}}}})
	if err == nil {
		t.Error("an ordinary caller made a VPC with an aws:cloudformation: tag")
	}

	before := r.made["Vpc"]
	r.apply(vpcV2)
	if r.ref("Vpc") != vpc || r.ref("Subnet") != subnet || r.made["Vpc"].Attrs["DefaultNetworkAcl"] != before.Attrs["DefaultNetworkAcl"] {
		t.Fatal("an in-place update changed the physical ids")
	}
	r.wantTags("the VPC", r.ec2Tags(vpc), "Vpc", map[string]string{"Name": "two", "owner": "me"})
	r.wantTags("the subnet", r.ec2Tags(subnet), "Subnet", nil)
	if r.vpcAttr(vpc, ec2types.VpcAttributeNameEnableDnsHostnames) {
		t.Error("EnableDnsHostnames is still on after the template dropped it")
	}
	if sn := r.subnet(subnet); aws.ToBool(sn.MapPublicIpOnLaunch) || !aws.ToBool(sn.EnableDns64) {
		t.Errorf("subnet after update: map public %v, dns64 %v", aws.ToBool(sn.MapPublicIpOnLaunch), aws.ToBool(sn.EnableDns64))
	}

	err = r.tryUpdate(strings.Replace(vpcV2, "CidrBlock: 10.8.1.0/24", "CidrBlock: 10.8.2.0/24", 1))
	if err == nil || !strings.Contains(err.Error(), "CidrBlock") {
		t.Errorf("changing a subnet's CidrBlock in place: %v", err)
	}
	r.destroy()
}

func (r *rig) vpcAttr(id string, name ec2types.VpcAttributeName) bool {
	r.t.Helper()
	out, err := r.srv.EC2().DescribeVpcAttribute(r.ctx, &ec2.DescribeVpcAttributeInput{VpcId: &id, Attribute: name})
	if err != nil {
		r.t.Fatal(err)
	}
	if name == ec2types.VpcAttributeNameEnableDnsHostnames {
		return aws.ToBool(out.EnableDnsHostnames.Value)
	}
	return aws.ToBool(out.EnableDnsSupport.Value)
}

func (r *rig) subnet(id string) ec2types.Subnet {
	r.t.Helper()
	out, err := r.srv.EC2().DescribeSubnets(r.ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
	if err != nil || len(out.Subnets) != 1 {
		r.t.Fatalf("subnet %s: %v", id, err)
	}
	return out.Subnets[0]
}

func (r *rig) group(id string) ec2types.SecurityGroup {
	r.t.Helper()
	out, err := r.srv.EC2().DescribeSecurityGroups(r.ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil || len(out.SecurityGroups) != 1 {
		r.t.Fatalf("group %s: %v", id, err)
	}
	return out.SecurityGroups[0]
}

// rules renders a group's permissions of one direction, one line each,
// sorted: "tcp 80-80 10.0.0.0/8 (web)".
func rules(perms []ec2types.IpPermission) []string {
	var out []string
	for _, p := range perms {
		head := aws.ToString(p.IpProtocol)
		if p.FromPort != nil {
			head += " " + itoa(aws.ToInt32(p.FromPort)) + "-" + itoa(aws.ToInt32(p.ToPort))
		}
		for _, r := range p.IpRanges {
			out = append(out, head+" "+aws.ToString(r.CidrIp)+" ("+aws.ToString(r.Description)+")")
		}
		for _, g := range p.UserIdGroupPairs {
			out = append(out, head+" "+aws.ToString(g.GroupId)+" ("+aws.ToString(g.Description)+")")
		}
	}
	slices.Sort(out)
	return out
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

const groupsV1 = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.9.0.0/16}
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8, Description: web}
      Tags: [{Key: Name, Value: web}]
  Db:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: db, VpcId: !Ref Vpc}
  FromWeb:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: !Ref Db, IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref Web, Description: old}
`

// TestUpdateSecurityGroupRules changes a group's inline rules (one
// added, one whose description changed, outbound rules given and then
// taken away again, which brings back EC2's allow-all rule), its tags, and
// a separate rule's description.
func TestUpdateSecurityGroupRules(t *testing.T) {
	r := newRig(t)
	r.apply(groupsV1)
	web, db := r.ref("Web"), r.ref("Db")
	g := r.group(web)
	if !strings.HasPrefix(aws.ToString(g.GroupName), "net-Web-") {
		t.Errorf("generated group name %q", aws.ToString(g.GroupName))
	}
	if got := rules(g.IpPermissionsEgress); !slices.Equal(got, []string{"-1 0.0.0.0/0 ()"}) {
		t.Errorf("egress after create: %q", got)
	}
	r.wantTags("the group", r.ec2Tags(web), "Web", map[string]string{"Name": "web"})

	r.apply(strings.NewReplacer(
		"Description: web}", "Description: plain}\n        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8}\n      SecurityGroupEgress:\n        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, DestinationSecurityGroupId: !Ref Db}",
		"Tags: [{Key: Name, Value: web}]", "Tags: [{Key: Name, Value: www}]",
		"Description: old}", "Description: new}").Replace(groupsV1))
	g = r.group(web)
	if got, want := rules(g.IpPermissions), []string{"tcp 443-443 10.0.0.0/8 ()", "tcp 80-80 10.0.0.0/8 (plain)"}; !slices.Equal(got, want) {
		t.Errorf("ingress after update: %q, want %q", got, want)
	}
	if got, want := rules(g.IpPermissionsEgress), []string{"tcp 5432-5432 " + db + " ()"}; !slices.Equal(got, want) {
		t.Errorf("egress after update: %q, want %q", got, want)
	}
	r.wantTags("the group", r.ec2Tags(web), "Web", map[string]string{"Name": "www"})
	if got := rules(r.group(db).IpPermissions); !slices.Equal(got, []string{"tcp 5432-5432 " + web + " (new)"}) {
		t.Errorf("the separate rule after update: %q", got)
	}

	r.apply(groupsV1)
	g = r.group(web)
	if got := rules(g.IpPermissionsEgress); !slices.Equal(got, []string{"-1 0.0.0.0/0 ()"}) {
		t.Errorf("egress once the template has none again: %q", got)
	}
	if got := rules(g.IpPermissions); !slices.Equal(got, []string{"tcp 80-80 10.0.0.0/8 (web)"}) {
		t.Errorf("ingress back at the first template: %q", got)
	}
	if err := r.tryUpdate(strings.Replace(groupsV1, "GroupDescription: web", "GroupDescription: www", 1)); err == nil ||
		!strings.Contains(err.Error(), "GroupDescription") {
		t.Errorf("changing GroupDescription in place: %v", err)
	}
	r.destroy()
}

// TestFailedCreateLeavesNothing creates a group whose second rule EC2
// refuses: the group, made before its rules, is deleted again.
func TestFailedCreateLeavesNothing(t *testing.T) {
	r := newRig(t)
	r.apply(`
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.9.0.0/16}
`)
	_, err := r.sdk.Create(r.ctx, r.target("Bad"), map[string]any{"GroupName": "bad", "GroupDescription": "bad", "VpcId": r.ref("Vpc"),
		"SecurityGroupIngress": []any{map[string]any{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "SourceSecurityGroupId": "sg-0123456789abcdef0"}}})
	if err == nil {
		t.Fatal("a rule naming a group that does not exist was accepted")
	}
	out, derr := r.srv.EC2().DescribeSecurityGroups(r.ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("group-name"), Values: []string{"bad"}}}})
	if derr != nil || len(out.SecurityGroups) != 0 {
		t.Errorf("after a failed create (%v): %d groups named bad, %v", err, len(out.SecurityGroups), derr)
	}
}

// TestUpdateNetworkInterface changes an interface's description, groups,
// source/dest check and tags in place.
func TestUpdateNetworkInterface(t *testing.T) {
	r := newRig(t)
	const v1 = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.9.0.0/16}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.9.1.0/24}
  A:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: a, VpcId: !Ref Vpc}
  B:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: b, VpcId: !Ref Vpc}
  Eni:
    Type: AWS::EC2::NetworkInterface
    Properties: {SubnetId: !Ref Subnet, GroupSet: [!Ref A], Description: first, PrivateIpAddress: 10.9.1.50}
`
	r.apply(v1)
	r.apply(strings.Replace(v1, "GroupSet: [!Ref A], Description: first,", "GroupSet: [!Ref A, !Ref B], Description: second, SourceDestCheck: false, Tags: [{Key: k, Value: v}],", 1))
	out, err := r.srv.EC2().DescribeNetworkInterfaces(r.ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{r.ref("Eni")}})
	if err != nil || len(out.NetworkInterfaces) != 1 {
		t.Fatal(err)
	}
	ni := out.NetworkInterfaces[0]
	if aws.ToString(ni.Description) != "second" || aws.ToBool(ni.SourceDestCheck) || len(ni.Groups) != 2 || aws.ToString(ni.PrivateIpAddress) != "10.9.1.50" {
		t.Errorf("interface after update: %q, check %v, %d groups, %s", aws.ToString(ni.Description), aws.ToBool(ni.SourceDestCheck),
			len(ni.Groups), aws.ToString(ni.PrivateIpAddress))
	}
	r.wantTags("the interface", r.ec2Tags(r.ref("Eni")), "Eni", map[string]string{"k": "v"})
	if err := r.tryUpdate(strings.Replace(v1, "10.9.1.50", "10.9.1.51", 1)); err == nil || !strings.Contains(err.Error(), "PrivateIpAddress") {
		t.Errorf("moving the address in place: %v", err)
	}
	r.destroy()
}

// TestRulesRollbackAfterAFailedUpdate: an update of a group's inline rules
// that revoked the old rule but failed before authorizing the new one is
// rolled back by an update from the rules it was to have to those it had:
// the rule never authorized is not refused as missing, and the group ends
// with the rule it had.
func TestRulesRollbackAfterAFailedUpdate(t *testing.T) {
	r := newRig(t)
	r.apply(groupsV1)
	web := r.ref("Web")
	had := r.props["Web"]
	wanted := map[string]any{}
	for k, v := range had {
		wanted[k] = v
	}
	wanted["SecurityGroupIngress"] = []any{map[string]any{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/8"}}
	// The update revoked the old rule, then failed.
	if _, err := r.srv.EC2().RevokeSecurityGroupIngress(r.ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &web,
		IpPermissions: r.group(web).IpPermissions}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sdk.Update(r.ctx, r.target("Web"), r.made["Web"], wanted, had); err != nil {
		t.Fatalf("rolling back: %v", err)
	}
	if got := rules(r.group(web).IpPermissions); !slices.Equal(got, []string{"tcp 80-80 10.0.0.0/8 (web)"}) {
		t.Errorf("ingress after the rollback: %q", got)
	}
}
