package provision_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

const routesV1 = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.4.0.0/16}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.4.1.0/24}
  One:
    Type: AWS::EC2::NetworkInterface
    Properties: {SubnetId: !Ref Subnet}
  Two:
    Type: AWS::EC2::NetworkInterface
    Properties: {SubnetId: !Ref Subnet}
  Table:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc, Tags: [{Key: Name, Value: private}]}
  Assoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref Subnet, RouteTableId: !Ref Table}
  Out:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref Table, DestinationCidrBlock: 0.0.0.0/0, NetworkInterfaceId: !Ref One}
  Acl:
    Type: AWS::EC2::NetworkAcl
    Properties: {VpcId: !Ref Vpc, Tags: [{Key: Name, Value: strict}]}
  Https:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, RuleAction: allow, CidrBlock: 10.0.0.0/8, PortRange: {From: 443, To: 443}}
  AclAssoc:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties: {SubnetId: !Ref Subnet, NetworkAclId: !Ref Acl}
`

func (r *rig) routeTable(id string) ec2types.RouteTable {
	r.t.Helper()
	out, err := r.srv.EC2().DescribeRouteTables(r.ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}})
	if err != nil || len(out.RouteTables) != 1 {
		r.t.Fatalf("route table %s: %v", id, err)
	}
	return out.RouteTables[0]
}

func (r *rig) acl(id string) ec2types.NetworkAcl {
	r.t.Helper()
	out, err := r.srv.EC2().DescribeNetworkAcls(r.ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{id}})
	if err != nil || len(out.NetworkAcls) != 1 {
		r.t.Fatalf("network ACL %s: %v", id, err)
	}
	return out.NetworkAcls[0]
}

func routeTo(rt ec2types.RouteTable, dest string) string {
	for _, rt := range rt.Routes {
		if aws.ToString(rt.DestinationCidrBlock) == dest {
			return aws.ToString(rt.NetworkInterfaceId)
		}
	}
	return ""
}

func entry(acl ec2types.NetworkAcl, number int32) *ec2types.NetworkAclEntry {
	for _, e := range acl.Entries {
		if aws.ToInt32(e.RuleNumber) == number && !aws.ToBool(e.Egress) {
			return &e
		}
	}
	return nil
}

// TestRoutesAndACLs creates a route table with a route and a subnet
// association, and an ACL with an entry and a subnet association; moves
// the route to another interface, changes the entry and the tags in place;
// then deletes the ACL association (the subnet returns to the VPC's
// default ACL) and everything else.
func TestRoutesAndACLs(t *testing.T) {
	r := newRig(t)
	r.apply(routesV1)
	table, acl, subnet := r.ref("Table"), r.ref("Acl"), r.ref("Subnet")
	rt := r.routeTable(table)
	if got := routeTo(rt, "0.0.0.0/0"); got != r.ref("One") {
		t.Errorf("the route leads to %q, want %s", got, r.ref("One"))
	}
	if len(rt.Associations) != 1 || aws.ToString(rt.Associations[0].SubnetId) != subnet ||
		aws.ToString(rt.Associations[0].RouteTableAssociationId) != r.ref("Assoc") {
		t.Errorf("table associations: %+v, want %s for the subnet", rt.Associations, r.ref("Assoc"))
	}
	if r.ref("Out") != table+"|0.0.0.0/0" {
		t.Errorf("the route's id is %q", r.ref("Out"))
	}
	r.wantTags("the table", r.ec2Tags(table), "Table", map[string]string{"Name": "private"})
	a := r.acl(acl)
	if e := entry(a, 100); e == nil || e.RuleAction != ec2types.RuleActionAllow || aws.ToInt32(e.PortRange.From) != 443 {
		t.Errorf("entry 100 after create: %+v", e)
	}
	if len(a.Associations) != 1 || aws.ToString(a.Associations[0].SubnetId) != subnet ||
		aws.ToString(a.Associations[0].NetworkAclAssociationId) != r.ref("AclAssoc") {
		t.Errorf("ACL associations: %+v", a.Associations)
	}

	r.apply(strings.NewReplacer("NetworkInterfaceId: !Ref One", "NetworkInterfaceId: !Ref Two",
		"RuleAction: allow", "RuleAction: deny", "{From: 443, To: 443}", "{From: 80, To: 80}",
		"{Key: Name, Value: private}", "{Key: Name, Value: inner}", "{Key: Name, Value: strict}", "{Key: Name, Value: tight}").Replace(routesV1))
	if got := routeTo(r.routeTable(table), "0.0.0.0/0"); got != r.ref("Two") {
		t.Errorf("after update the route leads to %q, want %s", got, r.ref("Two"))
	}
	if e := entry(r.acl(acl), 100); e == nil || e.RuleAction != ec2types.RuleActionDeny || aws.ToInt32(e.PortRange.From) != 80 {
		t.Errorf("entry 100 after update: %+v", e)
	}
	r.wantTags("the table", r.ec2Tags(table), "Table", map[string]string{"Name": "inner"})
	r.wantTags("the ACL", r.ec2Tags(acl), "Acl", map[string]string{"Name": "tight"})
	if err := r.tryUpdate(strings.Replace(routesV1, "RuleNumber: 100", "RuleNumber: 101", 1)); err == nil || !strings.Contains(err.Error(), "RuleNumber") {
		t.Errorf("renumbering an entry in place: %v", err)
	}

	if err := r.sdk.Delete(r.ctx, r.target("AclAssoc"), r.made["AclAssoc"], r.props["AclAssoc"]); err != nil {
		t.Fatal(err)
	}
	if id := r.made["Vpc"].Attrs["DefaultNetworkAcl"].(string); len(r.acl(id).Associations) == 0 || len(r.acl(acl).Associations) != 0 {
		t.Errorf("after the association's deletion the subnet is not back under the default ACL %s", id)
	}
	r.destroy()
	if _, err := r.srv.EC2().DescribeRouteTables(r.ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{table}}); err == nil {
		t.Error("the route table is still there")
	}
}

const instanceV1 = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.3.0.0/16}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.3.1.0/24, AvailabilityZone: us-east-1b}
  A:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: a, VpcId: !Ref Vpc}
  B:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: b, VpcId: !Ref Vpc}
  Box:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0b5eea76982371e91
      InstanceType: t3.micro
      SubnetId: !Ref Subnet
      SecurityGroupIds: [!Ref A]
      PrivateIpAddress: 10.3.1.40
      Tags: [{Key: Name, Value: box}]
`

// TestInstance launches an instance, changes its groups, type (stopping
// and starting it) and tags in place, and terminates it.
func TestInstance(t *testing.T) {
	r := newRig(t)
	r.apply(instanceV1)
	box := r.ref("Box")
	if at := r.made["Box"].Attrs; at["PrivateIp"] != "10.3.1.40" || at["AvailabilityZone"] != "us-east-1b" || at["VpcId"] != r.ref("Vpc") {
		t.Errorf("attributes after create: %v", at)
	}
	r.wantTags("the instance", r.ec2Tags(box), "Box", map[string]string{"Name": "box"})

	// An instance takes a while to stop; the fake clock moves on once
	// StopInstances has answered, as time would.
	stopped := make(chan struct{}, 1)
	r.sdk.EC2 = ec2.NewFromConfig(r.srv.AWSConfig(), func(o *ec2.Options) {
		o.HTTPClient = answered{next: http.DefaultClient, action: "StopInstances", seen: stopped, then: func() { r.srv.Clock.Advance(time.Minute) }}
	})
	r.apply(strings.NewReplacer("[!Ref A]", "[!Ref B]", "t3.micro", "t3.small", "Value: box", "Value: crate",
		"PrivateIpAddress: 10.3.1.40", "PrivateIpAddress: 10.3.1.40\n      SourceDestCheck: false").Replace(instanceV1))
	select {
	case <-stopped:
	default:
		t.Error("the instance was not stopped to change its type")
	}
	out, err := r.srv.EC2().DescribeInstances(r.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{box}})
	if err != nil {
		t.Fatal(err)
	}
	i := out.Reservations[0].Instances[0]
	if i.InstanceType != ec2types.InstanceTypeT3Small || len(i.SecurityGroups) != 1 || aws.ToString(i.SecurityGroups[0].GroupId) != r.ref("B") ||
		aws.ToBool(i.SourceDestCheck) {
		t.Errorf("instance after update: %s, groups %+v, source/dest check %v", i.InstanceType, i.SecurityGroups, aws.ToBool(i.SourceDestCheck))
	}
	if s := i.State.Name; s != ec2types.InstanceStateNameRunning && s != ec2types.InstanceStateNamePending {
		t.Errorf("instance is %s after the update, want it started again", s)
	}
	r.wantTags("the instance", r.ec2Tags(box), "Box", map[string]string{"Name": "crate"})
	if err := r.tryUpdate(strings.Replace(instanceV1, "10.3.1.40", "10.3.1.41", 1)); err == nil || !strings.Contains(err.Error(), "PrivateIpAddress") {
		t.Errorf("moving the address in place: %v", err)
	}

	r.destroy()
	out, err = r.srv.EC2().DescribeInstances(r.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{box}})
	if err != nil {
		t.Fatal(err)
	}
	if s := out.Reservations[0].Instances[0].State.Name; s != ec2types.InstanceStateNameTerminated && s != ec2types.InstanceStateNameShuttingDown {
		t.Errorf("instance is %s after delete", s)
	}
}
