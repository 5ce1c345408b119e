package servicediscovery_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
)

var serviceARN = regexp.MustCompile(`^arn:aws:servicediscovery:us-east-1:000000000000:service/srv-[a-z2-7]{16}$`)

func TestCreateServiceInHTTPNamespace(t *testing.T) {
	f := start(t)
	ns := f.httpNamespace(t, "shop")
	svc := f.service(t, &sd.CreateServiceInput{
		Name: aws.String("api"), NamespaceId: aws.String(ns), Description: aws.String("the API"),
		HealthCheckCustomConfig: &types.HealthCheckCustomConfig{FailureThreshold: aws.Int32(3)},
		Tags:                    tags("tier", "web"),
	})
	if !serviceARN.MatchString(aws.ToString(svc.Arn)) || !strings.HasSuffix(aws.ToString(svc.Arn), "/"+aws.ToString(svc.Id)) {
		t.Errorf("Arn = %q, Id = %q", aws.ToString(svc.Arn), aws.ToString(svc.Id))
	}
	if svc.Type != types.ServiceTypeHttp || aws.ToString(svc.NamespaceId) != ns || svc.DnsConfig != nil ||
		svc.HealthCheckCustomConfig == nil || aws.ToInt32(svc.HealthCheckCustomConfig.FailureThreshold) != 1 ||
		aws.ToString(svc.Description) != "the API" || !aws.ToTime(svc.CreateDate).Equal(epochStart) ||
		aws.ToString(svc.CreatedByAccount) != "000000000000" || aws.ToString(svc.ResourceOwner) != "000000000000" {
		t.Errorf("service = %+v", svc)
	}
	for _, id := range []*string{svc.Id, svc.Arn} {
		got, err := f.sd.GetService(ctx, &sd.GetServiceInput{Id: id})
		if err != nil || aws.ToString(got.Service.Name) != "api" || aws.ToInt32(got.Service.InstanceCount) != 0 {
			t.Fatalf("GetService(%s) = %+v, %v", aws.ToString(id), got, err)
		}
	}
	got, err := f.sd.GetNamespace(ctx, &sd.GetNamespaceInput{Id: aws.String(ns)})
	if err != nil || aws.ToInt32(got.Namespace.ServiceCount) != 1 {
		t.Fatalf("ServiceCount after CreateService: %+v, %v", got, err)
	}

	// Names are exact in HTTP namespaces: another case is another service.
	f.service(t, &sd.CreateServiceInput{Name: aws.String("API"), NamespaceId: aws.String(ns)})
	f.fails(t, "ServiceAlreadyExists", func() error {
		_, err := f.sd.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("api"), NamespaceId: aws.String(ns)})
		var exists *types.ServiceAlreadyExists
		if !errors.As(err, &exists) || !strings.Contains(aws.ToString(exists.Message), aws.ToString(svc.Id)) {
			t.Errorf("err = %v, want *types.ServiceAlreadyExists naming %s", err, aws.ToString(svc.Id))
		}
		return err
	})
	for name, in := range map[string]*sd.CreateServiceInput{
		"DnsConfig in an HTTP namespace": {Name: aws.String("dns"), NamespaceId: aws.String(ns),
			DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(60)}}}},
		"both health checks": {Name: aws.String("both"), NamespaceId: aws.String(ns),
			HealthCheckConfig:       &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp},
			HealthCheckCustomConfig: &types.HealthCheckCustomConfig{}},
		"TCP check with a path": {Name: aws.String("tcp"), NamespaceId: aws.String(ns),
			HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, ResourcePath: aws.String("/")}},
		"bad name":      {Name: aws.String("-api"), NamespaceId: aws.String(ns)},
		"bad type":      {Name: aws.String("t"), NamespaceId: aws.String(ns), Type: "DNS"},
		"no namespace":  {Name: aws.String("orphan")},
		"too many tags": {Name: aws.String("tagged"), NamespaceId: aws.String(ns), Tags: manyTags(51)},
	} {
		code := "InvalidInput"
		if name == "too many tags" {
			code = "TooManyTagsException"
		}
		t.Run(name, func(t *testing.T) {
			f.fails(t, code, func() error { _, err := f.sd.CreateService(ctx, in); return err })
		})
	}
	f.fails(t, "NamespaceNotFound", func() error {
		_, err := f.sd.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("x"), NamespaceId: aws.String("ns-aaaaaaaaaaaaaaaa")})
		return err
	})

	_, err = f.sd.GetService(ctx, &sd.GetServiceInput{Id: aws.String("srv-aaaaaaaaaaaaaaaa")})
	var nf *types.ServiceNotFound
	if !errors.As(err, &nf) {
		t.Fatalf("GetService(unknown) = %v, want *types.ServiceNotFound", err)
	}
}

func TestCreateServiceInPrivateDNSNamespace(t *testing.T) {
	f := start(t)
	ns := f.privateNamespace(t, "corp.internal", f.vpc(t, "10.0.0.0/16"))
	svc := f.service(t, &sd.CreateServiceInput{
		Name: aws.String("db"), NamespaceId: aws.String(ns),
		DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(10)}, {Type: types.RecordTypeAaaa, TTL: aws.Int64(10)}}},
	})
	if svc.Type != types.ServiceTypeDnsHttp || svc.DnsConfig == nil || svc.DnsConfig.RoutingPolicy != types.RoutingPolicyMultivalue ||
		len(svc.DnsConfig.DnsRecords) != 2 || aws.ToInt64(svc.DnsConfig.DnsRecords[0].TTL) != 10 {
		t.Errorf("service = %+v, DnsConfig %+v", svc, svc.DnsConfig)
	}
	// The deprecated DnsConfig.NamespaceId still names the namespace.
	legacy := f.service(t, &sd.CreateServiceInput{
		Name:      aws.String("_ldap._tcp"),
		DnsConfig: &types.DnsConfig{NamespaceId: aws.String(ns), DnsRecords: []types.DnsRecord{{Type: types.RecordTypeSrv, TTL: aws.Int64(60)}}},
	})
	if aws.ToString(legacy.NamespaceId) != ns {
		t.Errorf("legacy service namespace = %q", aws.ToString(legacy.NamespaceId))
	}
	// Without DnsConfig a service in a DNS namespace is found by API only.
	api := f.service(t, &sd.CreateServiceInput{Name: aws.String("api"), NamespaceId: aws.String(ns), Type: types.ServiceTypeOptionHttp})
	if api.Type != types.ServiceTypeHttp {
		t.Errorf("Type = %s, want HTTP", api.Type)
	}

	records := func(kind ...types.RecordType) *types.DnsConfig {
		c := &types.DnsConfig{DnsRecords: []types.DnsRecord{}}
		for _, k := range kind {
			c.DnsRecords = append(c.DnsRecords, types.DnsRecord{Type: k, TTL: aws.Int64(60)})
		}
		return c
	}
	for name, in := range map[string]*sd.CreateServiceInput{
		"name differing in case only": {Name: aws.String("DB"), DnsConfig: records(types.RecordTypeA)},
		"A with SRV":                  {Name: aws.String("mixed"), DnsConfig: records(types.RecordTypeA, types.RecordTypeSrv)},
		"CNAME without WEIGHTED":      {Name: aws.String("alias"), DnsConfig: records(types.RecordTypeCname)},
		"no records":                  {Name: aws.String("empty"), DnsConfig: records()},
		"Route 53 check in a private namespace": {Name: aws.String("checked"), DnsConfig: records(types.RecordTypeA),
			HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp}},
		"HTTP type with DnsConfig": {Name: aws.String("both"), DnsConfig: records(types.RecordTypeA), Type: types.ServiceTypeOptionHttp},
	} {
		in.NamespaceId = aws.String(ns)
		code := "InvalidInput"
		if strings.HasPrefix(name, "name") {
			code = "ServiceAlreadyExists"
		}
		t.Run(name, func(t *testing.T) {
			f.fails(t, code, func() error { _, err := f.sd.CreateService(ctx, in); return err })
		})
	}
}

func TestCreateServiceRetry(t *testing.T) {
	f := start(t)
	ns := f.httpNamespace(t, "shop")
	in := &sd.CreateServiceInput{Name: aws.String("api"), NamespaceId: aws.String(ns), CreatorRequestId: aws.String("req-7")}
	first := f.service(t, in)
	again := f.service(t, in)
	if aws.ToString(again.Id) != aws.ToString(first.Id) {
		t.Errorf("retry made service %s, want %s", aws.ToString(again.Id), aws.ToString(first.Id))
	}
}

func TestListServices(t *testing.T) {
	f := start(t)
	shop, ship := f.httpNamespace(t, "shop"), f.httpNamespace(t, "shipping")
	api := f.service(t, &sd.CreateServiceInput{Name: aws.String("api"), NamespaceId: aws.String(shop)})
	f.service(t, &sd.CreateServiceInput{Name: aws.String("web"), NamespaceId: aws.String(shop)})
	f.service(t, &sd.CreateServiceInput{Name: aws.String("tracker"), NamespaceId: aws.String(ship)})
	f.register(t, aws.ToString(api.Id), "i-1")

	out, err := f.sd.ListServices(ctx, &sd.ListServicesInput{})
	if err != nil || len(out.Services) != 3 {
		t.Fatalf("ListServices = %+v, %v", out, err)
	}
	out, err = f.sd.ListServices(ctx, &sd.ListServicesInput{Filters: []types.ServiceFilter{{Name: types.ServiceFilterNameNamespaceId, Values: []string{shop}}}})
	if err != nil || len(out.Services) != 2 {
		t.Fatalf("ListServices(NAMESPACE_ID %s) = %+v, %v", shop, out, err)
	}
	for _, s := range out.Services {
		if want := map[bool]int32{true: 1, false: 0}[aws.ToString(s.Id) == aws.ToString(api.Id)]; aws.ToInt32(s.InstanceCount) != want {
			t.Errorf("%s InstanceCount = %d, want %d", aws.ToString(s.Name), aws.ToInt32(s.InstanceCount), want)
		}
	}
	page, err := f.sd.ListServices(ctx, &sd.ListServicesInput{MaxResults: aws.Int32(2)})
	if err != nil || len(page.Services) != 2 || page.NextToken == nil {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	rest, err := f.sd.ListServices(ctx, &sd.ListServicesInput{MaxResults: aws.Int32(2), NextToken: page.NextToken})
	if err != nil || len(rest.Services) != 1 || rest.NextToken != nil {
		t.Fatalf("second page = %+v, %v", rest, err)
	}
	_, err = f.sd.ListServices(ctx, &sd.ListServicesInput{Filters: []types.ServiceFilter{{Name: "NAME", Values: []string{"api"}}}})
	wantCode(t, err, "InvalidInput")
	_, err = f.sd.ListServices(ctx, &sd.ListServicesInput{NextToken: aws.String("%%%")})
	wantCode(t, err, "InvalidInput")
}

func TestDeleteService(t *testing.T) {
	f := start(t)
	svc := f.httpService(t, "shop", "api")
	id := aws.ToString(svc.Id)
	f.register(t, id, "i-1")
	f.fails(t, "ResourceInUse", func() error {
		_, err := f.sd.DeleteService(ctx, &sd.DeleteServiceInput{Id: svc.Id})
		wantMessage(t, err, "ResourceInUse", "Service contains registered instances; delete the instances before deleting the service")
		return err
	})
	if _, err := f.sd.DeregisterInstance(ctx, &sd.DeregisterInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("i-1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sd.DeleteService(ctx, &sd.DeleteServiceInput{Id: svc.Arn}); err != nil {
		t.Fatal(err)
	}
	f.fails(t, "ServiceNotFound", func() error {
		_, err := f.sd.DeleteService(ctx, &sd.DeleteServiceInput{Id: svc.Id})
		return err
	})
	_, err := f.sd.ListTagsForResource(ctx, &sd.ListTagsForResourceInput{ResourceARN: svc.Arn})
	wantCode(t, err, "ResourceNotFoundException")
}

func TestUpdateService(t *testing.T) {
	f := start(t)
	ns := f.privateNamespace(t, "corp.internal", f.vpc(t, "10.0.0.0/16"))
	svc := f.service(t, &sd.CreateServiceInput{Name: aws.String("db"), NamespaceId: aws.String(ns),
		DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(10)}}}})
	out, err := f.sd.UpdateService(ctx, &sd.UpdateServiceInput{Id: svc.Id, Service: &types.ServiceChange{
		Description: aws.String("primary"),
		DnsConfig:   &types.DnsConfigChange{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(300)}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	op, err := f.sd.GetOperation(ctx, &sd.GetOperationInput{OperationId: out.OperationId})
	if err != nil || op.Operation.Type != types.OperationTypeUpdateService || op.Operation.Targets["SERVICE"] != aws.ToString(svc.Id) {
		t.Fatalf("update operation = %+v, %v", op, err)
	}
	got, err := f.sd.GetService(ctx, &sd.GetServiceInput{Id: svc.Id})
	if err != nil || aws.ToString(got.Service.Description) != "primary" || aws.ToInt64(got.Service.DnsConfig.DnsRecords[0].TTL) != 300 {
		t.Fatalf("after update: %+v, %v", got, err)
	}
	f.fails(t, "InvalidInput", func() error {
		_, err := f.sd.UpdateService(ctx, &sd.UpdateServiceInput{Id: svc.Id, Service: &types.ServiceChange{
			DnsConfig: &types.DnsConfigChange{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeSrv, TTL: aws.Int64(300)}}},
		}})
		return err
	})
	f.fails(t, "ServiceNotFound", func() error {
		_, err := f.sd.UpdateService(ctx, &sd.UpdateServiceInput{Id: aws.String("srv-aaaaaaaaaaaaaaaa"), Service: &types.ServiceChange{}})
		return err
	})
}

func manyTags(n int) []types.Tag {
	var out []types.Tag
	for i := range n {
		out = append(out, types.Tag{Key: aws.String("key-" + itoa(int64(i))), Value: aws.String("v")})
	}
	return out
}
