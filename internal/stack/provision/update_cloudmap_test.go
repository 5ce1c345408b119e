package provision_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
)

const cloudMapV1 = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.6.0.0/16}
  Dns:
    Type: AWS::ServiceDiscovery::PrivateDnsNamespace
    Properties: {Name: svc.internal, Vpc: !Ref Vpc, Tags: [{Key: ns, Value: one}]}
  Http:
    Type: AWS::ServiceDiscovery::HttpNamespace
    Properties: {Name: apps, Description: first}
  Svc:
    Type: AWS::ServiceDiscovery::Service
    Properties:
      NamespaceId: !Ref Dns
      Description: first
      DnsConfig: {DnsRecords: [{Type: A, TTL: 60}]}
      HealthCheckCustomConfig: {FailureThreshold: 1}
  Inst:
    Type: AWS::ServiceDiscovery::Instance
    Properties:
      ServiceId: !Ref Svc
      InstanceAttributes: {AWS_INSTANCE_IPV4: 10.6.1.30, AWS_INSTANCE_PORT: "8080"}
`

func (r *rig) cloudMapTags(arn any) map[string]string {
	r.t.Helper()
	out, err := r.srv.ServiceDiscovery().ListTagsForResource(r.ctx, &servicediscovery.ListTagsForResourceInput{ResourceARN: aws.String(arn.(string))})
	if err != nil {
		r.t.Fatal(err)
	}
	tags := map[string]string{}
	for _, t := range out.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags
}

// TestUpdateCloudMap creates namespaces, a service under a generated name
// and an instance under a generated id, then changes the service's
// description and TTL, the instance's attributes and a namespace's tags in
// place; a namespace's description, which gatehouse cannot change, is
// refused by name.
func TestUpdateCloudMap(t *testing.T) {
	r := newRig(t)
	r.apply(cloudMapV1)
	sd := r.srv.ServiceDiscovery()
	svcID, inst := r.ref("Svc"), r.ref("Inst")
	if name, _ := r.made["Svc"].Attrs["Name"].(string); !regexp.MustCompile(`^net-Svc-[A-Z0-9]{13}$`).MatchString(name) {
		t.Errorf("generated service name %q", name)
	}
	if r.made["Inst"].Attrs["InstanceId"] != inst {
		t.Errorf("the InstanceId attribute is %v, want %s", r.made["Inst"].Attrs["InstanceId"], inst)
	}
	if !regexp.MustCompile(`^net-Inst-[A-Z0-9]{13}$`).MatchString(inst) {
		t.Errorf("generated instance id %q", inst)
	}
	r.wantTags("the namespace", r.cloudMapTags(r.made["Dns"].Attrs["Arn"]), "Dns", map[string]string{"ns": "one"})
	r.wantTags("the service", r.cloudMapTags(r.made["Svc"].Attrs["Arn"]), "Svc", nil)

	r.apply(strings.NewReplacer("Description: first\n      DnsConfig", "Description: second\n      DnsConfig", "TTL: 60", "TTL: 30",
		"AWS_INSTANCE_IPV4: 10.6.1.30", "AWS_INSTANCE_IPV4: 10.6.1.31", "{Key: ns, Value: one}", "{Key: ns, Value: two}").Replace(cloudMapV1))
	if r.ref("Svc") != svcID || r.ref("Inst") != inst {
		t.Fatal("an in-place update replaced something")
	}
	svc, err := sd.GetService(r.ctx, &servicediscovery.GetServiceInput{Id: &svcID})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(svc.Service.Description) != "second" || aws.ToInt64(svc.Service.DnsConfig.DnsRecords[0].TTL) != 30 {
		t.Errorf("service after update: %q, TTL %d", aws.ToString(svc.Service.Description), aws.ToInt64(svc.Service.DnsConfig.DnsRecords[0].TTL))
	}
	got, err := sd.GetInstance(r.ctx, &servicediscovery.GetInstanceInput{ServiceId: &svcID, InstanceId: &inst})
	if err != nil {
		t.Fatal(err)
	}
	if a := got.Instance.Attributes; a["AWS_INSTANCE_IPV4"] != "10.6.1.31" || a["AWS_INSTANCE_PORT"] != "8080" {
		t.Errorf("instance after update: %v", a)
	}
	r.wantTags("the namespace", r.cloudMapTags(r.made["Dns"].Attrs["Arn"]), "Dns", map[string]string{"ns": "two"})

	if err := r.tryUpdate(strings.Replace(cloudMapV1, "Description: first}", "Description: second}", 1)); err == nil || !strings.Contains(err.Error(), "Description") {
		t.Errorf("changing a namespace's description: %v", err)
	}
	r.destroy()
}
