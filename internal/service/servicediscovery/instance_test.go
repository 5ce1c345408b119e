package servicediscovery_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
)

func TestRegisterInstance(t *testing.T) {
	f := start(t)
	svc := f.httpService(t, "shop", "api")
	id := aws.ToString(svc.Id)

	out, err := f.sd.RegisterInstance(ctx, &sd.RegisterInstanceInput{
		ServiceId: svc.Id, InstanceId: aws.String("task-1"), CreatorRequestId: aws.String("reg-1"),
		Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.1.15", "AWS_INSTANCE_PORT": "8080", "version": "v1", "note": "blue green"},
	})
	if err != nil {
		t.Fatal(err)
	}
	op, err := f.sd.GetOperation(ctx, &sd.GetOperationInput{OperationId: out.OperationId})
	if err != nil {
		t.Fatal(err)
	}
	if o := op.Operation; o.Type != types.OperationTypeRegisterInstance || o.Status != types.OperationStatusSuccess ||
		o.Targets["INSTANCE"] != "task-1" || o.Targets["SERVICE"] != id {
		t.Errorf("register operation = %+v", o)
	}
	got, err := f.sd.GetInstance(ctx, &sd.GetInstanceInput{ServiceId: svc.Arn, InstanceId: aws.String("task-1")})
	if err != nil {
		t.Fatal(err)
	}
	inst := got.Instance
	if aws.ToString(inst.Id) != "task-1" || inst.Attributes["AWS_INSTANCE_IPV4"] != "10.0.1.15" || inst.Attributes["note"] != "blue green" ||
		aws.ToString(inst.CreatorRequestId) != "reg-1" || aws.ToString(inst.CreatedByAccount) != "000000000000" || aws.ToString(got.ResourceOwner) != "000000000000" {
		t.Errorf("instance = %+v", inst)
	}

	// The SDK retries with the same CreatorRequestId: same answer, nothing
	// new. Another instance under that id is a duplicate request.
	retry, err := f.sd.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("task-1"),
		CreatorRequestId: aws.String("reg-1"), Attributes: inst.Attributes})
	if err != nil || aws.ToString(retry.OperationId) != aws.ToString(out.OperationId) {
		t.Fatalf("retry = %+v, %v", retry, err)
	}
	if rev, err := f.sd.DiscoverInstancesRevision(ctx, &sd.DiscoverInstancesRevisionInput{NamespaceName: aws.String("shop"), ServiceName: aws.String("api")}); err != nil || aws.ToInt64(rev.InstancesRevision) != 1 {
		t.Fatalf("revision after the retry = %+v, %v; want 1", rev, err)
	}
	f.fails(t, "DuplicateRequest", func() error {
		_, err := f.sd.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("task-2"),
			CreatorRequestId: aws.String("reg-1"), Attributes: map[string]string{}})
		var dup *types.DuplicateRequest
		if !errors.As(err, &dup) || !strings.Contains(aws.ToString(dup.Message), aws.ToString(out.OperationId)) {
			t.Errorf("err = %v, want *types.DuplicateRequest naming the first operation", err)
		}
		return err
	})

	// Registering the same id again replaces the attributes.
	f.register(t, id, "task-1", "AWS_INSTANCE_IPV4", "10.0.1.16", "AWS_INSTANCE_PORT", "8081")
	got, err = f.sd.GetInstance(ctx, &sd.GetInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("task-1")})
	if err != nil || got.Instance.Attributes["AWS_INSTANCE_IPV4"] != "10.0.1.16" || got.Instance.Attributes["version"] != "" {
		t.Fatalf("re-registered instance = %+v, %v", got, err)
	}
	f.register(t, id, "arn:task/2@a.b_c-d")
	listed, err := f.sd.ListInstances(ctx, &sd.ListInstancesInput{ServiceId: svc.Id})
	if err != nil || len(listed.Instances) != 2 || aws.ToString(listed.ResourceOwner) != "000000000000" {
		t.Fatalf("ListInstances = %+v, %v", listed, err)
	}
	first, err := f.sd.ListInstances(ctx, &sd.ListInstancesInput{ServiceId: svc.Id, MaxResults: aws.Int32(1)})
	if err != nil || len(first.Instances) != 1 || first.NextToken == nil {
		t.Fatalf("first page = %+v, %v", first, err)
	}
	second, err := f.sd.ListInstances(ctx, &sd.ListInstancesInput{ServiceId: svc.Id, MaxResults: aws.Int32(1), NextToken: first.NextToken})
	if err != nil || len(second.Instances) != 1 || second.NextToken != nil || aws.ToString(second.Instances[0].Id) == aws.ToString(first.Instances[0].Id) {
		t.Fatalf("second page = %+v, %v", second, err)
	}
	srv, err := f.sd.GetService(ctx, &sd.GetServiceInput{Id: svc.Id})
	if err != nil || aws.ToInt32(srv.Service.InstanceCount) != 2 {
		t.Fatalf("InstanceCount = %+v, %v", srv, err)
	}

	bad := map[string]map[string]string{
		"IPv4 not an address": {"AWS_INSTANCE_IPV4": "10.0.1.300"},
		"IPv4 given as IPv6":  {"AWS_INSTANCE_IPV4": "::1"},
		"port not a number":   {"AWS_INSTANCE_PORT": "http"},
		"port out of range":   {"AWS_INSTANCE_PORT": "65536"},
		"port zero":           {"AWS_INSTANCE_PORT": "0"},
		"IPv6 not an address": {"AWS_INSTANCE_IPV6": "10.0.0.1"},
		"initial health":      {"AWS_INIT_HEALTH_STATUS": "SICK"},
		"EC2 instance":        {"AWS_EC2_INSTANCE_ID": "i-0123456789abcdef0"},
		"key with a space":    {"my key": "v"},
		"value with an edge":  {"k": " v"},
		"long value":          {"k": strings.Repeat("v", 1025)},
	}
	for name, attrs := range bad {
		t.Run(name, func(t *testing.T) {
			f.fails(t, "InvalidInput", func() error {
				_, err := f.sd.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("task-9"), Attributes: attrs})
				return err
			})
		})
	}
	custom := map[string]string{}
	for i := range 31 {
		custom["k"+itoa(int64(i))] = "v"
	}
	f.fails(t, "InvalidInput", func() error {
		_, err := f.sd.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("task-9"), Attributes: custom})
		return err
	})
	f.fails(t, "InvalidInput", func() error {
		_, err := f.sd.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("task 9"), Attributes: map[string]string{}})
		return err
	})
	f.fails(t, "ServiceNotFound", func() error {
		_, err := f.sd.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: aws.String("srv-aaaaaaaaaaaaaaaa"), InstanceId: aws.String("x"), Attributes: map[string]string{}})
		return err
	})
}

func TestRegisterNeedsWhatTheRecordsNeed(t *testing.T) {
	f := start(t)
	ns := f.privateNamespace(t, "corp.internal", f.vpc(t, "10.0.0.0/16"))
	a := f.service(t, &sd.CreateServiceInput{Name: aws.String("db"), NamespaceId: aws.String(ns),
		DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(10)}}}})
	srv := f.service(t, &sd.CreateServiceInput{Name: aws.String("_ldap._tcp"), NamespaceId: aws.String(ns),
		DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeSrv, TTL: aws.Int64(10)}}}})

	f.fails(t, "InvalidInput", func() error {
		_, err := f.sd.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: a.Id, InstanceId: aws.String("db-1"), Attributes: map[string]string{"AWS_INSTANCE_PORT": "5432"}})
		return err
	})
	f.fails(t, "InvalidInput", func() error {
		_, err := f.sd.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: srv.Id, InstanceId: aws.String("ldap-1"), Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.1.5"}})
		return err
	})
	f.register(t, aws.ToString(a.Id), "db-1", "AWS_INSTANCE_IPV4", "10.0.1.4")
	f.register(t, aws.ToString(srv.Id), "ldap-1", "AWS_INSTANCE_IPV4", "10.0.1.5", "AWS_INSTANCE_PORT", "389")
}

func TestDeregisterInstance(t *testing.T) {
	f := start(t)
	svc := f.httpService(t, "shop", "api")
	f.register(t, aws.ToString(svc.Id), "task-1", "AWS_INSTANCE_IPV4", "10.0.1.15")
	out, err := f.sd.DeregisterInstance(ctx, &sd.DeregisterInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("task-1")})
	if err != nil {
		t.Fatal(err)
	}
	op, err := f.sd.GetOperation(ctx, &sd.GetOperationInput{OperationId: out.OperationId})
	if err != nil || op.Operation.Type != types.OperationTypeDeregisterInstance || op.Operation.Targets["INSTANCE"] != "task-1" {
		t.Fatalf("deregister operation = %+v, %v", op, err)
	}
	f.fails(t, "InstanceNotFound", func() error {
		_, err := f.sd.DeregisterInstance(ctx, &sd.DeregisterInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("task-1")})
		var nf *types.InstanceNotFound
		if !errors.As(err, &nf) {
			t.Errorf("err = %v, want *types.InstanceNotFound", err)
		}
		return err
	})
	_, err = f.sd.GetInstance(ctx, &sd.GetInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("task-1")})
	wantCode(t, err, "InstanceNotFound")
	_, err = f.sd.ListInstances(ctx, &sd.ListInstancesInput{ServiceId: aws.String("srv-aaaaaaaaaaaaaaaa")})
	wantCode(t, err, "ServiceNotFound")
	f.fails(t, "ServiceNotFound", func() error {
		_, err := f.sd.DeregisterInstance(ctx, &sd.DeregisterInstanceInput{ServiceId: aws.String("srv-aaaaaaaaaaaaaaaa"), InstanceId: aws.String("task-1")})
		return err
	})
}
