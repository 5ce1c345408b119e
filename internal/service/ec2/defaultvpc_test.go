package ec2_test

import (
	"sort"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

// defaultVpcOf returns the scope's default VPC, failing unless there is
// exactly one.
func defaultVpcOf(t *testing.T, c *ec2.Client) types.Vpc {
	t.Helper()
	out, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: filter("is-default", "true")})
	if err != nil || len(out.Vpcs) != 1 {
		t.Fatalf("default VPCs = %+v, %v; want one", out, err)
	}
	return out.Vpcs[0]
}

func noDefaultVpc(t *testing.T, c *ec2.Client) {
	t.Helper()
	out, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: filter("is-default", "true")})
	if err != nil || len(out.Vpcs) != 0 {
		t.Fatalf("default VPCs = %+v, %v; want none", out, err)
	}
}

// subnetsOf returns a VPC's subnets ordered by CIDR block.
func subnetsOf(t *testing.T, c *ec2.Client, vpc string) []types.Subnet {
	t.Helper()
	out, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: filter("vpc-id", vpc)})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out.Subnets, func(i, j int) bool {
		return aws.ToString(out.Subnets[i].AvailabilityZone) < aws.ToString(out.Subnets[j].AvailabilityZone)
	})
	return out.Subnets
}

// A fresh account's very first call, a read, already sees the default VPC
// as AWS makes it.
func TestDefaultVpcOnFreshAccount(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.EC2()
	all, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(all.Vpcs) != 1 {
		t.Fatalf("DescribeVpcs on a fresh account = %+v, %v", all, err)
	}
	v := all.Vpcs[0]
	if !aws.ToBool(v.IsDefault) || aws.ToString(v.CidrBlock) != "172.31.0.0/16" || v.State != types.VpcStateAvailable ||
		v.InstanceTenancy != types.TenancyDefault || aws.ToString(v.OwnerId) != "000000000000" {
		t.Fatalf("default VPC = %+v", v)
	}
	id := aws.ToString(v.VpcId)
	if defaultVpcOf(t, c).VpcId == nil {
		t.Fatal("is-default filter")
	}
	out, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: filter("is-default", "false")})
	if err != nil || len(out.Vpcs) != 0 {
		t.Fatalf("is-default=false = %+v, %v", out, err)
	}

	// One default subnet per zone, /20s in AWS's order.
	subnets := subnetsOf(t, c, id)
	zones := []string{"a", "b", "c", "d", "e", "f"}
	if len(subnets) != len(zones) {
		t.Fatalf("default subnets = %d, want %d", len(subnets), len(zones))
	}
	cidrs := []string{"172.31.0.0/20", "172.31.16.0/20", "172.31.32.0/20", "172.31.48.0/20", "172.31.64.0/20", "172.31.80.0/20"}
	for i, sn := range subnets {
		if aws.ToString(sn.AvailabilityZone) != "us-east-1"+zones[i] || aws.ToString(sn.CidrBlock) != cidrs[i] ||
			!aws.ToBool(sn.DefaultForAz) || !aws.ToBool(sn.MapPublicIpOnLaunch) || aws.ToInt32(sn.AvailableIpAddressCount) != 4091 ||
			sn.Ipv6CidrBlockAssociationSet == nil || len(sn.Ipv6CidrBlockAssociationSet) != 0 {
			t.Fatalf("default subnet %d = %+v", i, sn)
		}
	}
	d, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: filter("default-for-az", "true")})
	if err != nil || len(d.Subnets) != len(zones) {
		t.Fatalf("default-for-az=true = %d subnets, %v", len(d.Subnets), err)
	}
	mine := newVpc(t, c, "10.0.0.0/16")
	newSubnet(t, c, mine, "10.0.1.0/24", "us-east-1a")
	d, err = c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: filter("default-for-az", "false")})
	if err != nil || len(d.Subnets) != 1 || aws.ToBool(d.Subnets[0].DefaultForAz) || aws.ToBool(d.Subnets[0].MapPublicIpOnLaunch) {
		t.Fatalf("default-for-az=false = %+v, %v", d.Subnets, err)
	}

	// Its main route table routes the VPC's block locally.
	rts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: append(filter("vpc-id", id), filter("association.main", "true")...)})
	if err != nil || len(rts.RouteTables) != 1 || len(rts.RouteTables[0].Routes) != 1 ||
		aws.ToString(rts.RouteTables[0].Routes[0].DestinationCidrBlock) != "172.31.0.0/16" {
		t.Fatalf("default VPC's main route table = %+v, %v", rts, err)
	}

	// Its default network ACL holds its default subnets.
	acls, err := c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: append(filter("vpc-id", id), filter("default", "true")...)})
	if err != nil || len(acls.NetworkAcls) != 1 || len(acls.NetworkAcls[0].Associations) != len(zones) {
		t.Fatalf("default VPC's network ACLs = %+v, %v", acls, err)
	}

	// Its default group: itself in, everything out.
	g, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: append(filter("vpc-id", id), filter("group-name", "default")...)})
	if err != nil || len(g.SecurityGroups) != 1 {
		t.Fatalf("default group = %+v, %v", g, err)
	}
	sg := g.SecurityGroups[0]
	if len(sg.IpPermissions) != 1 || len(sg.IpPermissions[0].UserIdGroupPairs) != 1 ||
		aws.ToString(sg.IpPermissions[0].UserIdGroupPairs[0].GroupId) != aws.ToString(sg.GroupId) ||
		len(sg.IpPermissionsEgress) != 1 || len(sg.IpPermissionsEgress[0].IpRanges) != 1 ||
		aws.ToString(sg.IpPermissionsEgress[0].IpRanges[0].CidrIp) != "0.0.0.0/0" {
		t.Fatalf("default group = %+v", sg)
	}

	// DNS host names are on in the default VPC, off in a new one.
	if !vpcAttr(t, c, id, types.VpcAttributeNameEnableDnsHostnames) || vpcAttr(t, c, mine, types.VpcAttributeNameEnableDnsHostnames) {
		t.Fatal("enableDnsHostnames: want true in the default VPC and false in a new one")
	}

	// Another region has its own, with that region's three zones.
	eu := ec2.NewFromConfig(srv.AWSConfig(), func(o *ec2.Options) { o.Region = "eu-west-1" })
	ev := defaultVpcOf(t, eu)
	if aws.ToString(ev.VpcId) == id {
		t.Fatal("eu-west-1 shares us-east-1's default VPC")
	}
	es := subnetsOf(t, eu, aws.ToString(ev.VpcId))
	if len(es) != 3 || aws.ToString(es[2].AvailabilityZone) != "eu-west-1c" || aws.ToString(es[2].CidrBlock) != "172.31.32.0/20" {
		t.Fatalf("eu-west-1 default subnets = %+v", es)
	}
}

// Calls that name no VPC, or name a group instead of identifying it, go to
// the default VPC.
func TestDefaultVpcGroupsByName(t *testing.T) {
	c := servertest.Start(t).EC2()
	def := aws.ToString(defaultVpcOf(t, c).VpcId)
	mk := func(name string) string {
		t.Helper()
		out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.GroupId)
	}
	web, app := mk("web"), mk("app")
	// A group of the same name elsewhere does not confuse the lookup.
	other := newVpc(t, c, "10.0.0.0/16")
	if _, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("x"), VpcId: aws.String(other)}); err != nil {
		t.Fatal(err)
	}

	d, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"web", "default"}})
	if err != nil || len(d.SecurityGroups) != 2 || aws.ToString(d.SecurityGroups[0].GroupId) != web ||
		aws.ToString(d.SecurityGroups[0].VpcId) != def || aws.ToString(d.SecurityGroups[1].VpcId) != def {
		t.Fatalf("DescribeSecurityGroups by name = %+v, %v", d, err)
	}
	_, err = c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"db"}})
	wantMessage(t, err, "InvalidGroup.NotFound", "The security group 'db' does not exist in default VPC '"+def+"'")

	// Rules on a group by name, from groups by name (both forms).
	a, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupName: aws.String("app"),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080),
			UserIdGroupPairs: []types.UserIdGroupPair{{GroupName: aws.String("web")}}}},
	})
	if err != nil || len(a.SecurityGroupRules) != 1 || aws.ToString(a.SecurityGroupRules[0].GroupId) != app ||
		aws.ToString(a.SecurityGroupRules[0].ReferencedGroupInfo.GroupId) != web {
		t.Fatalf("Authorize by names = %+v, %v", a, err)
	}
	a, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupName: aws.String("web"), SourceSecurityGroupName: aws.String("default"),
	})
	if err != nil || len(a.SecurityGroupRules) != 3 {
		t.Fatalf("Authorize from a source group name (tcp, udp and icmp) = %+v, %v", a, err)
	}
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupName: aws.String("db"), CidrIp: aws.String("10.0.0.0/8"), IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1), ToPort: aws.Int32(1)})
	wantCode(t, err, "InvalidGroup.NotFound")
	if _, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
		GroupName: aws.String("app"),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080),
			UserIdGroupPairs: []types.UserIdGroupPair{{GroupName: aws.String("web")}}}},
	}); err != nil {
		t.Fatal(err)
	}
	if got := groupRules(t, c, app); len(got) != 1 { // its egress rule alone
		t.Fatalf("app's rules after revoke = %+v", got)
	}

	// Deleted by name: the default VPC's, not the other VPC's namesake.
	del, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupName: aws.String("app")})
	if err != nil || aws.ToString(del.GroupId) != app {
		t.Fatalf("DeleteSecurityGroup by name = %+v, %v", del, err)
	}
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupName: aws.String("app")})
	wantCode(t, err, "InvalidGroup.NotFound")
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupName: aws.String("default")})
	wantCode(t, err, "CannotDelete")
}

// The default VPC is deleted as AWS deletes it, stays deleted, and comes
// back only through CreateDefaultVpc and CreateDefaultSubnet.
func TestDefaultVpcDeleteAndRecreate(t *testing.T) {
	srv := servertest.Start(t, servertest.DataDir(t.TempDir()))
	c := srv.EC2()
	v := defaultVpcOf(t, c)
	id := aws.ToString(v.VpcId)

	_, err := c.CreateDefaultVpc(ctx, &ec2.CreateDefaultVpcInput{})
	wantMessage(t, err, "DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region.")
	_, err = c.CreateDefaultSubnet(ctx, &ec2.CreateDefaultSubnetInput{AvailabilityZone: aws.String("us-east-1b")})
	wantCode(t, err, "DefaultSubnetAlreadyExistsInAvailabilityZone")
	_, err = c.CreateDefaultSubnet(ctx, &ec2.CreateDefaultSubnetInput{AvailabilityZone: aws.String("us-east-1z")})
	wantCode(t, err, "InvalidParameterValue")

	// A default subnet deleted comes back in the same block.
	subnets := subnetsOf(t, c, id)
	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: subnets[1].SubnetId}); err != nil {
		t.Fatal(err)
	}
	sn, err := c.CreateDefaultSubnet(ctx, &ec2.CreateDefaultSubnetInput{AvailabilityZone: aws.String("us-east-1b")})
	if err != nil || aws.ToString(sn.Subnet.CidrBlock) != "172.31.16.0/20" || !aws.ToBool(sn.Subnet.DefaultForAz) ||
		!aws.ToBool(sn.Subnet.MapPublicIpOnLaunch) || aws.ToString(sn.Subnet.VpcId) != id {
		t.Fatalf("CreateDefaultSubnet = %+v, %v", sn, err)
	}

	_, err = c.CreateDefaultSubnet(ctx, &ec2.CreateDefaultSubnetInput{AvailabilityZone: aws.String("us-east-1b"), Ipv6Native: aws.Bool(true)})
	wantCode(t, err, "InvalidParameter")

	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)})
	wantCode(t, err, "DependencyViolation")
	for _, sn := range subnetsOf(t, c, id) {
		if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sn.SubnetId}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}

	// Gone, and not made again: not by the next call, not after a restart.
	noDefaultVpc(t, c)
	c = srv.Restart().EC2()
	noDefaultVpc(t, c)
	_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web")})
	wantMessage(t, err, "VPCIdNotSpecified", "No default VPC for this user")
	_, err = c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"default"}})
	wantCode(t, err, "VPCIdNotSpecified")
	_, err = c.CreateDefaultSubnet(ctx, &ec2.CreateDefaultSubnetInput{AvailabilityZone: aws.String("us-east-1a")})
	wantCode(t, err, "DefaultVpcDoesNotExist")

	out, err := c.CreateDefaultVpc(ctx, &ec2.CreateDefaultVpcInput{})
	if err != nil || !aws.ToBool(out.Vpc.IsDefault) || aws.ToString(out.Vpc.CidrBlock) != "172.31.0.0/16" || aws.ToString(out.Vpc.VpcId) == id {
		t.Fatalf("CreateDefaultVpc = %+v, %v", out, err)
	}
	if got := subnetsOf(t, c, aws.ToString(out.Vpc.VpcId)); len(got) != 6 {
		t.Fatalf("new default VPC's subnets = %d, want 6", len(got))
	}
	if _, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
}

// A store that had a scope before a restart keeps its default VPC: it is
// made once, not once per process.
func TestDefaultVpcSurvivesRestart(t *testing.T) {
	srv := servertest.Start(t, servertest.DataDir(t.TempDir()))
	id := aws.ToString(defaultVpcOf(t, srv.EC2()).VpcId)
	if got := aws.ToString(defaultVpcOf(t, srv.Restart().EC2()).VpcId); got != id {
		t.Fatalf("default VPC after restart = %s, want %s", got, id)
	}
}

// Many first calls at once make one default VPC.
func TestDefaultVpcConcurrentFirstCalls(t *testing.T) {
	srv := servertest.Start(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := srv.EC2()
			var err error
			if i%2 == 0 {
				_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
			} else {
				_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("g" + string(rune('a'+i))), Description: aws.String("g")})
			}
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	c := srv.EC2()
	def := aws.ToString(defaultVpcOf(t, c).VpcId)
	all, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(all.Vpcs) != 1 {
		t.Fatalf("VPCs after concurrent first calls = %+v, %v", all, err)
	}
	if got := subnetsOf(t, c, def); len(got) != 6 {
		t.Fatalf("default subnets = %d", len(got))
	}
}

// Under --no-default-vpc an account starts with none, and can make one.
func TestNoDefaultVpc(t *testing.T) {
	c := servertest.Start(t, servertest.NoDefaultVpc()).EC2()
	noDefaultVpc(t, c)
	_, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web")})
	wantCode(t, err, "VPCIdNotSpecified")
	out, err := c.CreateDefaultVpc(ctx, &ec2.CreateDefaultVpcInput{})
	if err != nil || !aws.ToBool(out.Vpc.IsDefault) {
		t.Fatalf("CreateDefaultVpc = %+v, %v", out, err)
	}
	if got := defaultVpcOf(t, c); aws.ToString(got.VpcId) != aws.ToString(out.Vpc.VpcId) {
		t.Fatalf("default VPC = %+v", got)
	}
}

// A default subnet needs a free /20 of the default VPC's block.
func TestDefaultSubnetNeedsAFreeBlock(t *testing.T) {
	c := servertest.Start(t).EC2()
	def := aws.ToString(defaultVpcOf(t, c).VpcId)
	a := subnetsOf(t, c, def)[0]
	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: a.SubnetId}); err != nil {
		t.Fatal(err)
	}
	// The freed block and every block past the default subnets, taken by
	// subnets of the user's.
	newSubnet(t, c, def, "172.31.0.0/20", "us-east-1b")
	newSubnet(t, c, def, "172.31.96.0/19", "us-east-1b")
	newSubnet(t, c, def, "172.31.128.0/17", "us-east-1b")
	_, err := c.CreateDefaultSubnet(ctx, &ec2.CreateDefaultSubnetInput{AvailabilityZone: aws.String("us-east-1a")})
	wantCode(t, err, "InsufficientFreeAddressesInVpc")
	if got := subnetsOf(t, c, def); len(got) != 8 {
		t.Fatalf("subnets after a failed CreateDefaultSubnet = %d, want 8", len(got))
	}
}
