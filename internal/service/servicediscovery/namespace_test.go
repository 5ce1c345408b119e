package servicediscovery_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
)

var (
	namespaceARN = regexp.MustCompile(`^arn:aws:servicediscovery:us-east-1:000000000000:namespace/ns-[a-z2-7]{16}$`)
	operationID  = regexp.MustCompile(`^[a-z0-9]{32}-[a-z0-9]{8}$`)
	epochStart   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func TestHTTPNamespace(t *testing.T) {
	f := start(t)
	created, err := f.sd.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{
		Name: aws.String("shop"), Description: aws.String("the shop's services"), Tags: tags("team", "edge"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !operationID.MatchString(aws.ToString(created.OperationId)) {
		t.Errorf("OperationId = %q", aws.ToString(created.OperationId))
	}
	op, err := f.sd.GetOperation(ctx, &sd.GetOperationInput{OperationId: created.OperationId})
	if err != nil {
		t.Fatal(err)
	}
	o := op.Operation
	if o.Type != types.OperationTypeCreateNamespace || o.Status != types.OperationStatusSuccess ||
		!aws.ToTime(o.CreateDate).Equal(epochStart) || !aws.ToTime(o.UpdateDate).Equal(epochStart) || aws.ToString(o.OwnerAccount) != "000000000000" {
		t.Errorf("operation = %+v", o)
	}
	id := o.Targets["NAMESPACE"]

	got, err := f.sd.GetNamespace(ctx, &sd.GetNamespaceInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	ns := got.Namespace
	if aws.ToString(ns.Id) != id || aws.ToString(ns.Name) != "shop" || ns.Type != types.NamespaceTypeHttp ||
		aws.ToString(ns.Description) != "the shop's services" || aws.ToInt32(ns.ServiceCount) != 0 ||
		aws.ToString(ns.ResourceOwner) != "000000000000" || !aws.ToTime(ns.CreateDate).Equal(epochStart) ||
		aws.ToString(ns.CreatorRequestId) == "" {
		t.Errorf("namespace = %+v", ns)
	}
	if !namespaceARN.MatchString(aws.ToString(ns.Arn)) || !strings.HasSuffix(aws.ToString(ns.Arn), "/"+id) {
		t.Errorf("Arn = %q", aws.ToString(ns.Arn))
	}
	if p := ns.Properties; p == nil || p.HttpProperties == nil || aws.ToString(p.HttpProperties.HttpName) != "shop" || p.DnsProperties != nil {
		t.Errorf("Properties = %+v", p)
	}
	byARN, err := f.sd.GetNamespace(ctx, &sd.GetNamespaceInput{Id: ns.Arn})
	if err != nil || aws.ToString(byARN.Namespace.Id) != id {
		t.Fatalf("GetNamespace(ARN) = %+v, %v", byARN, err)
	}
	tagged, err := f.sd.ListTagsForResource(ctx, &sd.ListTagsForResourceInput{ResourceARN: ns.Arn})
	if err != nil || len(tagged.Tags) != 1 || aws.ToString(tagged.Tags[0].Key) != "team" || aws.ToString(tagged.Tags[0].Value) != "edge" {
		t.Fatalf("ListTagsForResource = %+v, %v", tagged, err)
	}

	_, err = f.sd.GetNamespace(ctx, &sd.GetNamespaceInput{Id: aws.String("ns-aaaaaaaaaaaaaaaa")})
	var nf *types.NamespaceNotFound
	if !errors.As(err, &nf) {
		t.Fatalf("GetNamespace(unknown) = %v, want *types.NamespaceNotFound", err)
	}
	wantMessage(t, err, "NamespaceNotFound", "Namespace not found")
	_, err = f.sd.GetNamespace(ctx, &sd.GetNamespaceInput{Id: aws.String("arn:aws:servicediscovery:us-east-1:111111111111:namespace/" + id)})
	wantCode(t, err, "NamespaceNotFound")

	f.fails(t, "InvalidInput", func() error {
		_, err := f.sd.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("has space")})
		return err
	})
	f.fails(t, "InvalidInput", func() error {
		_, err := f.sd.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("x"), Tags: tags("", "v")})
		return err
	})
	f.fails(t, "TooManyTagsException", func() error {
		var many []string
		for i := range 51 {
			many = append(many, "k"+string(rune('A'+i/26))+string(rune('a'+i%26)), "v")
		}
		_, err := f.sd.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("x"), Tags: tags(many...)})
		return err
	})
}

func TestPrivateDNSNamespace(t *testing.T) {
	f := start(t)
	vpc := f.vpc(t, "10.0.0.0/16")
	out, err := f.sd.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{
		Name: aws.String("internal.example"), Vpc: aws.String(vpc),
		Properties: &types.PrivateDnsNamespaceProperties{DnsProperties: &types.PrivateDnsPropertiesMutable{SOA: &types.SOA{TTL: aws.Int64(60)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := f.namespaceOf(t, out.OperationId)
	got, err := f.sd.GetNamespace(ctx, &sd.GetNamespaceInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	ns := got.Namespace
	if ns.Type != types.NamespaceTypeDnsPrivate || aws.ToString(ns.Name) != "internal.example" {
		t.Errorf("namespace = %+v", ns)
	}
	p := ns.Properties
	if p == nil || p.DnsProperties == nil || p.HttpProperties == nil {
		t.Fatalf("Properties = %+v", p)
	}
	if zone := aws.ToString(p.DnsProperties.HostedZoneId); !regexp.MustCompile(`^Z[A-Z0-9]{19}$`).MatchString(zone) {
		t.Errorf("HostedZoneId = %q", zone)
	}
	if p.DnsProperties.SOA == nil || aws.ToInt64(p.DnsProperties.SOA.TTL) != 60 {
		t.Errorf("SOA = %+v", p.DnsProperties.SOA)
	}
	if aws.ToString(p.HttpProperties.HttpName) != "internal.example" {
		t.Errorf("HttpName = %q", aws.ToString(p.HttpProperties.HttpName))
	}

	f.fails(t, "InvalidInput", func() error {
		_, err := f.sd.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("other.example"), Vpc: aws.String("vpc-0000000000000000a")})
		return err
	})
	f.fails(t, "InvalidInput", func() error {
		_, err := f.sd.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("bad..name"), Vpc: aws.String(vpc)})
		return err
	})
}

func TestNamespaceConflicts(t *testing.T) {
	f := start(t)
	vpcA, vpcB := f.vpc(t, "10.0.0.0/16"), f.vpc(t, "10.1.0.0/16")

	first, err := f.sd.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("shop"), CreatorRequestId: aws.String("req-1")})
	if err != nil {
		t.Fatal(err)
	}
	shop := f.namespaceOf(t, first.OperationId)
	// A retry with the same CreatorRequestId is answered with the first
	// operation, and makes nothing new.
	again, err := f.sd.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("shop"), CreatorRequestId: aws.String("req-1")})
	if err != nil || aws.ToString(again.OperationId) != aws.ToString(first.OperationId) {
		t.Fatalf("retry = %+v, %v; want operation %s", again, err, aws.ToString(first.OperationId))
	}
	namespaces, err := f.sd.ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if err != nil || len(namespaces.Namespaces) != 1 {
		t.Fatalf("after the retry: %+v, %v; want one namespace", namespaces, err)
	}
	ops, err := f.sd.ListOperations(ctx, &sd.ListOperationsInput{})
	if err != nil || len(ops.Operations) != 1 {
		t.Fatalf("after the retry: %+v, %v; want one operation", ops, err)
	}
	f.fails(t, "DuplicateRequest", func() error {
		_, err := f.sd.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("other"), CreatorRequestId: aws.String("req-1")})
		return err
	})
	f.fails(t, "NamespaceAlreadyExists", func() error {
		_, err := f.sd.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("shop")})
		var exists *types.NamespaceAlreadyExists
		if !errors.As(err, &exists) || !strings.Contains(aws.ToString(exists.Message), shop) {
			t.Errorf("err = %v, want *types.NamespaceAlreadyExists naming %s", err, shop)
		}
		return err
	})

	f.privateNamespace(t, "corp.internal", vpcA)
	f.fails(t, "NamespaceAlreadyExists", func() error {
		_, err := f.sd.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("CORP.internal."), Vpc: aws.String(vpcA)})
		return err
	})
	// The same domain in another VPC is another zone; DiscoverInstances
	// tells the two apart by a suffix on the newcomer's HttpName.
	other := f.privateNamespace(t, "corp.internal", vpcB)
	got, err := f.sd.GetNamespace(ctx, &sd.GetNamespaceInput{Id: aws.String(other)})
	if err != nil {
		t.Fatal(err)
	}
	if name := aws.ToString(got.Namespace.Properties.HttpProperties.HttpName); !strings.HasPrefix(name, "corp.internal-") {
		t.Errorf("HttpName of the second corp.internal = %q", name)
	}
}

func TestListNamespaces(t *testing.T) {
	f := start(t)
	vpc := f.vpc(t, "10.0.0.0/16")
	f.httpNamespace(t, "shop")
	f.httpNamespace(t, "shipping")
	dns := f.privateNamespace(t, "corp.internal", vpc)

	list := func(filters ...types.NamespaceFilter) []string {
		t.Helper()
		out, err := f.sd.ListNamespaces(ctx, &sd.ListNamespacesInput{Filters: filters})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, ns := range out.Namespaces {
			names = append(names, aws.ToString(ns.Name))
		}
		return names
	}
	if got := list(); len(got) != 3 {
		t.Errorf("all namespaces = %v", got)
	}
	if got := list(types.NamespaceFilter{Name: types.NamespaceFilterNameType, Values: []string{"DNS_PRIVATE"}}); len(got) != 1 || got[0] != "corp.internal" {
		t.Errorf("TYPE DNS_PRIVATE = %v", got)
	}
	if got := list(types.NamespaceFilter{Name: types.NamespaceFilterNameName, Values: []string{"sh"}, Condition: types.FilterConditionBeginsWith}); len(got) != 2 {
		t.Errorf("NAME BEGINS_WITH sh = %v", got)
	}
	if got := list(types.NamespaceFilter{Name: types.NamespaceFilterNameHttpName, Values: []string{"shop"}},
		types.NamespaceFilter{Name: types.NamespaceFilterNameType, Values: []string{"HTTP"}}); len(got) != 1 || got[0] != "shop" {
		t.Errorf("HTTP_NAME shop and TYPE HTTP = %v", got)
	}
	out, err := f.sd.ListNamespaces(ctx, &sd.ListNamespacesInput{Filters: []types.NamespaceFilter{{Name: types.NamespaceFilterNameType, Values: []string{"DNS_PRIVATE"}}}})
	if err != nil || len(out.Namespaces) != 1 || aws.ToString(out.Namespaces[0].Id) != dns || out.Namespaces[0].Properties.DnsProperties == nil {
		t.Fatalf("summary = %+v, %v", out, err)
	}

	// Pages of one, followed to the end, give each namespace once.
	seen := map[string]bool{}
	var token *string
	for range 4 {
		page, err := f.sd.ListNamespaces(ctx, &sd.ListNamespacesInput{MaxResults: aws.Int32(1), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, ns := range page.Namespaces {
			seen[aws.ToString(ns.Id)] = true
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	if len(seen) != 3 || token != nil {
		t.Errorf("paging saw %d namespaces, next token %v", len(seen), token)
	}

	_, err = f.sd.ListNamespaces(ctx, &sd.ListNamespacesInput{Filters: []types.NamespaceFilter{{Name: "COLOUR", Values: []string{"red"}}}})
	wantCode(t, err, "InvalidInput")
	_, err = f.sd.ListNamespaces(ctx, &sd.ListNamespacesInput{Filters: []types.NamespaceFilter{{Name: types.NamespaceFilterNameName, Values: []string{"a", "b"}}}})
	wantCode(t, err, "InvalidInput")
	_, err = f.sd.ListNamespaces(ctx, &sd.ListNamespacesInput{MaxResults: aws.Int32(101)})
	wantCode(t, err, "InvalidInput")
}

func TestDeleteNamespaceAndOperations(t *testing.T) {
	f := start(t)
	created, err := f.sd.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	ns := f.namespaceOf(t, created.OperationId)
	svc := f.service(t, &sd.CreateServiceInput{Name: aws.String("api"), NamespaceId: aws.String(ns)})

	f.fails(t, "ResourceInUse", func() error {
		_, err := f.sd.DeleteNamespace(ctx, &sd.DeleteNamespaceInput{Id: aws.String(ns)})
		wantMessage(t, err, "ResourceInUse", "Namespace has associated services; delete the services before deleting the namespace")
		return err
	})
	if _, err := f.sd.DeleteService(ctx, &sd.DeleteServiceInput{Id: svc.Id}); err != nil {
		t.Fatal(err)
	}
	f.srv.Advance(time.Minute)
	deleted, err := f.sd.DeleteNamespace(ctx, &sd.DeleteNamespaceInput{Id: aws.String(ns)})
	if err != nil {
		t.Fatal(err)
	}
	op, err := f.sd.GetOperation(ctx, &sd.GetOperationInput{OperationId: deleted.OperationId})
	if err != nil {
		t.Fatal(err)
	}
	if op.Operation.Type != types.OperationTypeDeleteNamespace || op.Operation.Targets["NAMESPACE"] != ns || op.Operation.Status != types.OperationStatusSuccess {
		t.Errorf("delete operation = %+v", op.Operation)
	}
	f.fails(t, "NamespaceNotFound", func() error {
		_, err := f.sd.DeleteNamespace(ctx, &sd.DeleteNamespaceInput{Id: aws.String(ns)})
		return err
	})
	_, err = f.sd.GetNamespace(ctx, &sd.GetNamespaceInput{Id: aws.String(ns)})
	wantCode(t, err, "NamespaceNotFound")

	// The operations outlive the namespace.
	listed := func(filters ...types.OperationFilter) int {
		t.Helper()
		out, err := f.sd.ListOperations(ctx, &sd.ListOperationsInput{Filters: filters})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Operations)
	}
	byNS := types.OperationFilter{Name: types.OperationFilterNameNamespaceId, Values: []string{ns}}
	if n := listed(byNS); n != 2 {
		t.Errorf("operations of %s = %d, want 2", ns, n)
	}
	if n := listed(byNS, types.OperationFilter{Name: types.OperationFilterNameType, Condition: types.FilterConditionIn, Values: []string{"DELETE_NAMESPACE", "UPDATE_SERVICE"}}); n != 1 {
		t.Errorf("DELETE_NAMESPACE operations = %d, want 1", n)
	}
	if n := listed(types.OperationFilter{Name: types.OperationFilterNameStatus, Values: []string{"FAIL"}}); n != 0 {
		t.Errorf("failed operations = %d", n)
	}
	start := epochStart.Add(30 * time.Second).Unix()
	between := types.OperationFilter{Name: types.OperationFilterNameUpdateDate, Condition: types.FilterConditionBetween,
		Values: []string{itoa(start), itoa(start + 60)}}
	if n := listed(between); n != 1 {
		t.Errorf("operations updated in the second minute = %d, want 1", n)
	}
	_, err = f.sd.ListOperations(ctx, &sd.ListOperationsInput{Filters: []types.OperationFilter{{Name: types.OperationFilterNameUpdateDate, Values: []string{"1", "2"}}}})
	wantCode(t, err, "InvalidInput")

	_, err = f.sd.GetOperation(ctx, &sd.GetOperationInput{OperationId: aws.String("nosuchoperation")})
	var nf *types.OperationNotFound
	if !errors.As(err, &nf) {
		t.Fatalf("GetOperation(unknown) = %v, want *types.OperationNotFound", err)
	}
	_, err = f.sd.GetOperation(ctx, &sd.GetOperationInput{OperationId: created.OperationId, OwnerAccount: aws.String("111111111111")})
	wantCode(t, err, "OperationNotFound")
}
