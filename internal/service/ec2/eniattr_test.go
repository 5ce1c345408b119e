package ec2_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

func describeENI(t *testing.T, c *ec2.Client, id string) types.NetworkInterface {
	t.Helper()
	out, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}})
	if err != nil || len(out.NetworkInterfaces) != 1 {
		t.Fatalf("DescribeNetworkInterfaces(%s) = %+v, %v", id, out, err)
	}
	return out.NetworkInterfaces[0]
}

func TestModifyNetworkInterfaceAttribute(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.EC2()
	vpc, def := sgTestVpc(t, c, "10.0.0.0/16")
	sn := newSubnet(t, c, vpc, "10.0.1.0/24", "")
	eni := aws.ToString(newENI(t, c, aws.ToString(sn.SubnetId), "").NetworkInterfaceId)
	web := newSecurityGroup(t, c, vpc, "web")
	app := newSecurityGroup(t, c, vpc, "app")
	modify := func(in ec2.ModifyNetworkInterfaceAttributeInput) error {
		if in.NetworkInterfaceId == nil {
			in.NetworkInterfaceId = aws.String(eni)
		}
		_, err := c.ModifyNetworkInterfaceAttribute(ctx, &in)
		return err
	}
	attr := func(a types.NetworkInterfaceAttribute) *ec2.DescribeNetworkInterfaceAttributeOutput {
		t.Helper()
		out, err := c.DescribeNetworkInterfaceAttribute(ctx, &ec2.DescribeNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni), Attribute: a})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	if got := attr(types.NetworkInterfaceAttributeSourceDestCheck); got.SourceDestCheck == nil || !aws.ToBool(got.SourceDestCheck.Value) {
		t.Fatalf("new interface's sourceDestCheck = %+v", got.SourceDestCheck)
	}
	if err := modify(ec2.ModifyNetworkInterfaceAttributeInput{SourceDestCheck: &types.AttributeBooleanValue{Value: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	if got := attr(types.NetworkInterfaceAttributeSourceDestCheck); got.SourceDestCheck == nil || aws.ToBool(got.SourceDestCheck.Value) || got.Description != nil || got.Groups != nil {
		t.Fatalf("sourceDestCheck after turning it off = %+v", got)
	}
	if n := describeENI(t, c, eni); aws.ToBool(n.SourceDestCheck) {
		t.Fatalf("DescribeNetworkInterfaces still checks: %+v", n)
	}
	if out, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: filter("source-dest-check", "false")}); err != nil || len(out.NetworkInterfaces) != 1 {
		t.Fatalf("source-dest-check=false = %+v, %v", out, err)
	}

	if err := modify(ec2.ModifyNetworkInterfaceAttributeInput{Description: &types.AttributeValue{Value: aws.String("app server")}}); err != nil {
		t.Fatal(err)
	}
	if got := attr(types.NetworkInterfaceAttributeDescription); got.Description == nil || aws.ToString(got.Description.Value) != "app server" {
		t.Fatalf("description = %+v", got.Description)
	}

	// The groups are replaced as a whole.
	if got := attr(types.NetworkInterfaceAttributeGroupSet).Groups; len(got) != 1 || aws.ToString(got[0].GroupId) != def || aws.ToString(got[0].GroupName) != "default" {
		t.Fatalf("groups of a new interface = %+v", got)
	}
	if err := modify(ec2.ModifyNetworkInterfaceAttributeInput{Groups: []string{web, app, web}}); err != nil {
		t.Fatal(err)
	}
	if got := describeENI(t, c, eni).Groups; len(got) != 2 || aws.ToString(got[0].GroupId) != web || aws.ToString(got[1].GroupName) != "app" {
		t.Fatalf("groups = %+v", got)
	}
	// A group it now carries cannot be deleted.
	if _, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(web)}); err == nil {
		t.Fatal("deleted a group an interface carries")
	}
	if attr(types.NetworkInterfaceAttributeAttachment).Attachment != nil {
		t.Fatal("a detached interface has an attachment")
	}

	_, otherDefault := sgTestVpc(t, c, "10.9.0.0/16")
	six := []string{def, web, app}
	for i := 0; i < 3; i++ {
		six = append(six, newSecurityGroup(t, c, vpc, "extra"+string(rune('a'+i))))
	}
	for _, tc := range []struct {
		what string
		in   ec2.ModifyNetworkInterfaceAttributeInput
		code string
		part string
	}{
		{"nothing", ec2.ModifyNetworkInterfaceAttributeInput{}, "InvalidParameterCombination", "No attributes specified."},
		{"two attributes", ec2.ModifyNetworkInterfaceAttributeInput{Groups: []string{web}, Description: &types.AttributeValue{Value: aws.String("x")}},
			"InvalidParameterCombination", "Fields for multiple attribute types specified: description, groupSet"},
		{"unknown interface", ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String("eni-0123456789abcdef0"), Groups: []string{web}},
			"InvalidNetworkInterfaceID.NotFound", "eni-0123456789abcdef0"},
		{"unknown group", ec2.ModifyNetworkInterfaceAttributeInput{Groups: []string{"sg-0123456789abcdef0"}}, "InvalidGroup.NotFound", "sg-0123456789abcdef0"},
		{"malformed group", ec2.ModifyNetworkInterfaceAttributeInput{Groups: []string{"web"}}, "InvalidGroupId.Malformed", "web"},
		{"group of another VPC", ec2.ModifyNetworkInterfaceAttributeInput{Groups: []string{otherDefault}}, "InvalidParameter", "different networks"},
		{"six groups", ec2.ModifyNetworkInterfaceAttributeInput{Groups: six}, "SecurityGroupsPerInterfaceLimitExceeded", "at most 5"},
		{"no attachment", ec2.ModifyNetworkInterfaceAttributeInput{Attachment: &types.NetworkInterfaceAttachmentChanges{
			AttachmentId: aws.String("eni-attach-0123456789abcdef0"), DeleteOnTermination: aws.Bool(true)}}, "InvalidAttachmentID.NotFound", "eni-attach-0123456789abcdef0"},
	} {
		err := modify(tc.in)
		if err == nil {
			t.Errorf("%s: succeeded", tc.what)
			continue
		}
		wantMessage(t, err, tc.code, tc.part)
	}
	// None of the failed calls changed anything.
	n := describeENI(t, c, eni)
	if len(n.Groups) != 2 || aws.ToString(n.Description) != "app server" || aws.ToBool(n.SourceDestCheck) {
		t.Fatalf("interface after failed calls = %+v", n)
	}

	_, err := c.DescribeNetworkInterfaceAttribute(ctx, &ec2.DescribeNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni), Attribute: "color"})
	wantMessage(t, err, "InvalidParameterValue", "Unknown attribute")
	_, err = c.DescribeNetworkInterfaceAttribute(ctx, &ec2.DescribeNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String("eni-0123456789abcdef0"), Attribute: "description"})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	status, body := rawPost(t, srv, "Action=DescribeNetworkInterfaceAttribute&Version=2016-11-15&NetworkInterfaceId="+eni)
	if status != 400 || !contains(body, "<Code>MissingParameter</Code>") {
		t.Fatalf("no Attribute: %d %s", status, body)
	}
	// Only the attribute asked for is in the answer.
	answer := rawQuery(t, srv, "DescribeNetworkInterfaceAttribute", "NetworkInterfaceId", eni, "Attribute", "groupSet")
	answer.mustHave(t, "groupSet answer", "networkInterfaceId", "groupSet")
	for _, absent := range []string{"description", "sourceDestCheck", "attachment"} {
		if _, ok := answer.child(absent); ok {
			t.Errorf("groupSet answer has <%s>", absent)
		}
	}
}

// Terraform's private_ips names the primary address in PrivateIpAddresses.
func TestCreateNetworkInterfaceAddressList(t *testing.T) {
	c := servertest.Start(t).EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := newSubnet(t, c, vpc, "10.0.1.0/24", "")
	out, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sn.SubnetId,
		PrivateIpAddresses: []types.PrivateIpAddressSpecification{{PrivateIpAddress: aws.String("10.0.1.50"), Primary: aws.Bool(true)}}})
	if err != nil || aws.ToString(out.NetworkInterface.PrivateIpAddress) != "10.0.1.50" {
		t.Fatalf("create with PrivateIpAddresses = %+v, %v", out, err)
	}
	_, err = c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sn.SubnetId,
		PrivateIpAddresses: []types.PrivateIpAddressSpecification{{PrivateIpAddress: aws.String("10.0.1.51")}, {PrivateIpAddress: aws.String("10.0.1.52")}}})
	wantMessage(t, err, "InvalidParameterValue", "Secondary private IP addresses")
	_, err = c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sn.SubnetId, SecondaryPrivateIpAddressCount: aws.Int32(2)})
	wantMessage(t, err, "InvalidParameterValue", "Secondary private IP addresses")
	_, err = c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sn.SubnetId, PrivateIpAddress: aws.String("10.0.1.60"),
		PrivateIpAddresses: []types.PrivateIpAddressSpecification{{PrivateIpAddress: aws.String("10.0.1.61")}}})
	wantCode(t, err, "InvalidParameterCombination")
	_, err = c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sn.SubnetId,
		PrivateIpAddresses: []types.PrivateIpAddressSpecification{{PrivateIpAddress: aws.String("10.0.1.50")}}})
	wantCode(t, err, "InvalidIPAddress.InUse")
}

// What the SDK would not send: an attribute without its value.
func TestModifyNetworkInterfaceAttributeRaw(t *testing.T) {
	srv := servertest.Start(t)
	c := srv.EC2()
	vpc := newVpc(t, c, "10.0.0.0/16")
	sn := newSubnet(t, c, vpc, "10.0.1.0/24", "")
	eni := aws.ToString(newENI(t, c, aws.ToString(sn.SubnetId), "").NetworkInterfaceId)
	base := "Action=ModifyNetworkInterfaceAttribute&Version=2016-11-15&NetworkInterfaceId=" + eni
	long := strings.Repeat("d", 256)
	for _, tc := range []struct{ what, body, code, part string }{
		{"no interface", "Action=ModifyNetworkInterfaceAttribute&Version=2016-11-15&Description.Value=x", "MissingParameter", "NetworkInterfaceId"},
		{"description without a value", base + "&Description.Foo=x", "MissingParameter", "Description.Value"},
		{"check without a value", base + "&SourceDestCheck.Foo=x", "MissingParameter", "SourceDestCheck.Value"},
		{"attachment without an id", base + "&Attachment.DeleteOnTermination=true", "MissingParameter", "Attachment.AttachmentId"},
		{"long description", base + "&Description.Value=" + long, "InvalidParameterValue", "255"},
	} {
		status, body := rawPost(t, srv, tc.body)
		if status != 400 || !contains(body, "<Code>"+tc.code+"</Code>", tc.part) {
			t.Errorf("%s: %d %s, want %s", tc.what, status, body, tc.code)
		}
	}
	if n := describeENI(t, c, eni); aws.ToString(n.Description) != "" {
		t.Fatalf("description = %q", aws.ToString(n.Description))
	}
}
