package servicediscovery_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"gatehouse/internal/model"
)

// discover returns the ids DiscoverInstances answers, sorted (the answer's
// order is random by design), and checks every summary's names (as
// stored: DNS names are found whatever their case).
func (f *fixture) discover(t *testing.T, in *sd.DiscoverInstancesInput) ([]string, map[string]types.HealthStatus) {
	t.Helper()
	out, err := f.sd.DiscoverInstances(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	health := map[string]types.HealthStatus{}
	for _, s := range out.Instances {
		if !strings.EqualFold(aws.ToString(s.NamespaceName), aws.ToString(in.NamespaceName)) || !strings.EqualFold(aws.ToString(s.ServiceName), aws.ToString(in.ServiceName)) {
			t.Errorf("summary %+v names another namespace or service", s)
		}
		ids = append(ids, aws.ToString(s.InstanceId))
		health[aws.ToString(s.InstanceId)] = s.HealthStatus
	}
	slices.Sort(ids)
	return ids, health
}

func want(t *testing.T, what string, got []string, ids ...string) {
	t.Helper()
	if !slices.Equal(got, ids) {
		t.Errorf("%s = %v, want %v", what, got, ids)
	}
}

func TestDiscoverInstances(t *testing.T) {
	f := start(t)
	svc := f.httpService(t, "shop", "api")
	id := aws.ToString(svc.Id)
	f.register(t, id, "a", "AWS_INSTANCE_IPV4", "10.0.1.1", "AWS_INSTANCE_PORT", "80", "stage", "prod", "deployment", "blue")
	f.register(t, id, "b", "AWS_INSTANCE_IPV4", "10.0.1.2", "AWS_INSTANCE_PORT", "80", "stage", "prod", "deployment", "green")
	f.register(t, id, "c", "AWS_INSTANCE_IPV4", "10.0.1.3", "AWS_INSTANCE_PORT", "80", "stage", "test")

	q := func(query, optional map[string]string) *sd.DiscoverInstancesInput {
		return &sd.DiscoverInstancesInput{NamespaceName: aws.String("shop"), ServiceName: aws.String("api"), QueryParameters: query, OptionalParameters: optional}
	}
	all, health := f.discover(t, q(nil, nil))
	want(t, "all", all, "a", "b", "c")
	if health["a"] != types.HealthStatusHealthy {
		t.Errorf("custom health starts %s, want HEALTHY", health["a"])
	}
	got, _ := f.discover(t, q(map[string]string{"stage": "prod"}, nil))
	want(t, "stage=prod", got, "a", "b")
	got, _ = f.discover(t, q(map[string]string{"stage": "prod", "deployment": "green"}, nil))
	want(t, "stage=prod&deployment=green", got, "b")
	got, _ = f.discover(t, q(map[string]string{"stage": "staging"}, nil))
	want(t, "stage=staging", got)
	// Optional parameters narrow the answer only when something matches them.
	got, _ = f.discover(t, q(map[string]string{"stage": "prod"}, map[string]string{"deployment": "blue"}))
	want(t, "optional deployment=blue", got, "a")
	got, _ = f.discover(t, q(map[string]string{"stage": "prod"}, map[string]string{"deployment": "red"}))
	want(t, "optional deployment=red", got, "a", "b")

	out, err := f.sd.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("shop"), ServiceName: aws.String("api"), MaxResults: aws.Int32(2)})
	if err != nil || len(out.Instances) != 2 || aws.ToInt64(out.InstancesRevision) != 3 {
		t.Fatalf("MaxResults 2: %+v, %v", out, err)
	}
	if a := out.Instances[0].Attributes; a["AWS_INSTANCE_PORT"] != "80" || a["stage"] == "" {
		t.Errorf("attributes = %v", a)
	}

	// Health: b goes unhealthy (after Cloud Map's delay), then a too.
	unhealthy := func(instance string) {
		t.Helper()
		if _, err := f.sd.UpdateInstanceCustomHealthStatus(ctx, &sd.UpdateInstanceCustomHealthStatusInput{
			ServiceId: svc.Id, InstanceId: aws.String(instance), Status: types.CustomHealthStatusUnhealthy}); err != nil {
			t.Fatal(err)
		}
	}
	byHealth := func(filter types.HealthStatusFilter, query map[string]string) []string {
		t.Helper()
		in := q(query, nil)
		in.HealthStatus = filter
		got, _ := f.discover(t, in)
		return got
	}
	unhealthy("b")
	f.srv.Advance(model.CustomHealthDelay)
	want(t, "default (HEALTHY)", byHealth("", nil), "a", "c")
	want(t, "HEALTHY", byHealth(types.HealthStatusFilterHealthy, nil), "a", "c")
	want(t, "UNHEALTHY", byHealth(types.HealthStatusFilterUnhealthy, nil), "b")
	want(t, "ALL", byHealth(types.HealthStatusFilterAll, nil), "a", "b", "c")
	unhealthy("a")
	f.srv.Advance(model.CustomHealthDelay)
	want(t, "HEALTHY stage=prod", byHealth(types.HealthStatusFilterHealthy, map[string]string{"stage": "prod"}))
	want(t, "HEALTHY_OR_ELSE_ALL stage=prod", byHealth(types.HealthStatusFilterHealthyOrElseAll, map[string]string{"stage": "prod"}), "a", "b")
	want(t, "HEALTHY_OR_ELSE_ALL", byHealth(types.HealthStatusFilterHealthyOrElseAll, nil), "c")
	_, health = f.discover(t, &sd.DiscoverInstancesInput{NamespaceName: aws.String("shop"), ServiceName: aws.String("api"), HealthStatus: types.HealthStatusFilterAll})
	if health["a"] != types.HealthStatusUnhealthy || health["c"] != types.HealthStatusHealthy {
		t.Errorf("health = %v", health)
	}

	// Health changes leave the revision alone; deregistering moves it.
	rev, err := f.sd.DiscoverInstancesRevision(ctx, &sd.DiscoverInstancesRevisionInput{NamespaceName: aws.String("shop"), ServiceName: aws.String("api")})
	if err != nil || aws.ToInt64(rev.InstancesRevision) != 3 {
		t.Fatalf("revision = %+v, %v", rev, err)
	}
	if _, err := f.sd.DeregisterInstance(ctx, &sd.DeregisterInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("c")}); err != nil {
		t.Fatal(err)
	}
	rev, err = f.sd.DiscoverInstancesRevision(ctx, &sd.DiscoverInstancesRevisionInput{NamespaceName: aws.String("shop"), ServiceName: aws.String("api")})
	if err != nil || aws.ToInt64(rev.InstancesRevision) != 4 {
		t.Fatalf("revision after deregistering = %+v, %v", rev, err)
	}

	_, err = f.sd.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("nowhere"), ServiceName: aws.String("api")})
	var nsNF *types.NamespaceNotFound
	if !errors.As(err, &nsNF) {
		t.Fatalf("unknown namespace: %v, want *types.NamespaceNotFound", err)
	}
	wantMessage(t, err, "NamespaceNotFound", "Namespace not found")
	_, err = f.sd.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("shop"), ServiceName: aws.String("web")})
	var srvNF *types.ServiceNotFound
	if !errors.As(err, &srvNF) {
		t.Fatalf("unknown service: %v, want *types.ServiceNotFound", err)
	}
	_, err = f.sd.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("shop"), ServiceName: aws.String("api"), HealthStatus: "SOMETIMES"})
	wantCode(t, err, "InvalidInput")
	_, err = f.sd.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("shop"), ServiceName: aws.String("api"), MaxResults: aws.Int32(1001)})
	wantCode(t, err, "InvalidInput")
	_, err = f.sd.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("shop"), ServiceName: aws.String("api"), OwnerAccount: aws.String("111111111111")})
	wantCode(t, err, "NamespaceNotFound")
}

func TestDiscoverWithoutHealthCheck(t *testing.T) {
	f := start(t)
	vpc := f.vpc(t, "10.0.0.0/16")
	ns := f.privateNamespace(t, "corp.internal", vpc)
	svc := f.service(t, &sd.CreateServiceInput{Name: aws.String("DB"), NamespaceId: aws.String(ns),
		DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(10)}}}})
	f.register(t, aws.ToString(svc.Id), "db-1", "AWS_INSTANCE_IPV4", "10.0.1.4")

	// No health check: the HealthStatus filter is ignored and the status is
	// UNKNOWN. DNS names are found whatever their case.
	for _, filter := range []types.HealthStatusFilter{"", types.HealthStatusFilterHealthy, types.HealthStatusFilterUnhealthy} {
		got, health := f.discover(t, &sd.DiscoverInstancesInput{NamespaceName: aws.String("Corp.Internal"), ServiceName: aws.String("db"), HealthStatus: filter})
		want(t, "filter "+string(filter), got, "db-1")
		if health["db-1"] != types.HealthStatusUnknown {
			t.Errorf("health = %s, want UNKNOWN", health["db-1"])
		}
	}
	status, err := f.sd.GetInstancesHealthStatus(ctx, &sd.GetInstancesHealthStatusInput{ServiceId: svc.Id})
	if err != nil || status.Status["db-1"] != types.HealthStatusUnknown {
		t.Fatalf("GetInstancesHealthStatus = %+v, %v", status, err)
	}
	f.fails(t, "CustomHealthNotFound", func() error {
		_, err := f.sd.UpdateInstanceCustomHealthStatus(ctx, &sd.UpdateInstanceCustomHealthStatusInput{
			ServiceId: svc.Id, InstanceId: aws.String("db-1"), Status: types.CustomHealthStatusUnhealthy})
		var nf *types.CustomHealthNotFound
		if !errors.As(err, &nf) {
			t.Errorf("err = %v, want *types.CustomHealthNotFound", err)
		}
		return err
	})
}

func TestCustomHealth(t *testing.T) {
	f := start(t)
	svc := f.httpService(t, "shop", "api")
	id := aws.ToString(svc.Id)
	f.register(t, id, "a", "AWS_INSTANCE_IPV4", "10.0.1.1")
	f.register(t, id, "b", "AWS_INSTANCE_IPV4", "10.0.1.2", "AWS_INIT_HEALTH_STATUS", "UNHEALTHY")

	status := func(instances ...string) map[string]types.HealthStatus {
		t.Helper()
		in := &sd.GetInstancesHealthStatusInput{ServiceId: svc.Id}
		if len(instances) > 0 {
			in.Instances = instances
		}
		out, err := f.sd.GetInstancesHealthStatus(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out.Status
	}
	set := func(instance string, s types.CustomHealthStatus) {
		t.Helper()
		if _, err := f.sd.UpdateInstanceCustomHealthStatus(ctx, &sd.UpdateInstanceCustomHealthStatusInput{
			ServiceId: svc.Id, InstanceId: aws.String(instance), Status: s}); err != nil {
			t.Fatal(err)
		}
	}
	if s := status(); s["a"] != types.HealthStatusHealthy || s["b"] != types.HealthStatusUnhealthy || len(s) != 2 {
		t.Fatalf("initial status = %v", s)
	}

	// A change counts 30 seconds after it is first asked for.
	set("a", types.CustomHealthStatusUnhealthy)
	f.srv.Advance(20 * time.Second)
	set("a", types.CustomHealthStatusUnhealthy) // does not restart the wait
	f.srv.Advance(9 * time.Second)
	if s := status("a"); s["a"] != types.HealthStatusHealthy || len(s) != 1 {
		t.Fatalf("after 29s: %v, want a HEALTHY still", s)
	}
	f.srv.Advance(time.Second)
	if s := status("a"); s["a"] != types.HealthStatusUnhealthy {
		t.Fatalf("after 30s: %v, want a UNHEALTHY", s)
	}
	// Asking for the status in force calls a pending change off.
	set("b", types.CustomHealthStatusHealthy)
	f.srv.Advance(10 * time.Second)
	set("b", types.CustomHealthStatusUnhealthy)
	f.srv.Advance(time.Minute)
	if s := status("b"); s["b"] != types.HealthStatusUnhealthy {
		t.Fatalf("b = %v, want UNHEALTHY: its recovery was called off", s)
	}

	page, err := f.sd.GetInstancesHealthStatus(ctx, &sd.GetInstancesHealthStatusInput{ServiceId: svc.Id, MaxResults: aws.Int32(1)})
	if err != nil || len(page.Status) != 1 || page.NextToken == nil {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	f.fails(t, "InvalidInput", func() error {
		_, err := f.sd.UpdateInstanceCustomHealthStatus(ctx, &sd.UpdateInstanceCustomHealthStatusInput{ServiceId: svc.Id, InstanceId: aws.String("a"), Status: "SICK"})
		return err
	})
	f.fails(t, "InstanceNotFound", func() error {
		_, err := f.sd.UpdateInstanceCustomHealthStatus(ctx, &sd.UpdateInstanceCustomHealthStatusInput{ServiceId: svc.Id, InstanceId: aws.String("z"), Status: types.CustomHealthStatusHealthy})
		return err
	})
	f.fails(t, "ServiceNotFound", func() error {
		_, err := f.sd.UpdateInstanceCustomHealthStatus(ctx, &sd.UpdateInstanceCustomHealthStatusInput{ServiceId: aws.String("srv-aaaaaaaaaaaaaaaa"), InstanceId: aws.String("a"), Status: types.CustomHealthStatusHealthy})
		return err
	})
	_, err = f.sd.GetInstancesHealthStatus(ctx, &sd.GetInstancesHealthStatusInput{ServiceId: svc.Id, Instances: []string{"a", "z"}})
	wantCode(t, err, "InstanceNotFound")
}

// TestSnapshot checks what the data plane will read: a Cloud Map service
// found by ARN, its instances, and model.Discover over them.
func TestSnapshot(t *testing.T) {
	f := start(t)
	svc := f.httpService(t, "shop", "api")
	f.register(t, aws.ToString(svc.Id), "a", "AWS_INSTANCE_IPV4", "10.0.1.1", "AWS_INSTANCE_PORT", "8080", "stage", "prod")
	f.register(t, aws.ToString(svc.Id), "b", "AWS_INSTANCE_IPV4", "10.0.1.2", "AWS_INSTANCE_PORT", "8080", "stage", "test")

	snap, err := model.Load(f.srv.Store())
	if err != nil {
		t.Fatal(err)
	}
	sc := snap.Scopes[model.Scope{Account: "000000000000", Region: "us-east-1"}]
	if sc == nil {
		t.Fatal("no scope for the default account and region")
	}
	s := sc.CloudMapServiceByARN[aws.ToString(svc.Arn)]
	if s == nil || sc.CloudMapServices[aws.ToString(svc.Id)] != s || sc.Namespaces[s.NamespaceID] == nil {
		t.Fatalf("service %s not indexed: %+v", aws.ToString(svc.Arn), s)
	}
	instances := sc.CloudMapInstances[s.ID]
	if len(instances) != 2 || instances[0].ID != "a" || instances[1].ID != "b" {
		t.Fatalf("instances = %+v", instances)
	}
	got := model.Discover(s, instances, model.Discovery{Query: map[string]string{"stage": "prod"}}, f.srv.Clock.Now())
	if len(got) != 1 || got[0].Attributes["AWS_INSTANCE_IPV4"] != "10.0.1.1" {
		t.Errorf("Discover(stage=prod) = %+v", got)
	}
}
