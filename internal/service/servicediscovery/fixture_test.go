package servicediscovery_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/servertest"
)

var ctx = context.Background()

type fixture struct {
	srv *servertest.Server
	sd  *sd.Client
	ec2 *ec2.Client
}

func start(t *testing.T) *fixture {
	t.Helper()
	srv := servertest.Start(t)
	return &fixture{srv: srv, sd: srv.ServiceDiscovery(), ec2: srv.EC2()}
}

// wantCode fails unless err is an AWS error with the given code, as the SDK
// exposes it.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want AWS error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
}

// wantMessage is wantCode and a part of the message.
func wantMessage(t *testing.T, err error, code, part string) {
	t.Helper()
	wantCode(t, err, code)
	var ae smithy.APIError
	if errors.As(err, &ae); !strings.Contains(ae.ErrorMessage(), part) {
		t.Fatalf("%s message = %q, want it to contain %q", code, ae.ErrorMessage(), part)
	}
}

// fails runs a call that must fail with code and checks that it wrote
// nothing: the store's revision does not move.
func (f *fixture) fails(t *testing.T, code string, call func() error) {
	t.Helper()
	before := f.srv.Store().Revision()
	wantCode(t, call(), code)
	if after := f.srv.Store().Revision(); after != before {
		t.Fatalf("failed call (%s) changed the store: revision %d -> %d", code, before, after)
	}
}

func (f *fixture) vpc(t *testing.T, cidr string) string {
	t.Helper()
	out, err := f.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Vpc.VpcId)
}

// namespaceOf follows a namespace operation to the namespace it made.
func (f *fixture) namespaceOf(t *testing.T, opID *string) string {
	t.Helper()
	op, err := f.sd.GetOperation(ctx, &sd.GetOperationInput{OperationId: opID})
	if err != nil {
		t.Fatal(err)
	}
	if op.Operation.Status != types.OperationStatusSuccess {
		t.Fatalf("operation %s is %s, want SUCCESS", aws.ToString(opID), op.Operation.Status)
	}
	return op.Operation.Targets[string(types.OperationTargetTypeNamespace)]
}

func (f *fixture) httpNamespace(t *testing.T, name string) string {
	t.Helper()
	out, err := f.sd.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return f.namespaceOf(t, out.OperationId)
}

func (f *fixture) privateNamespace(t *testing.T, name, vpc string) string {
	t.Helper()
	out, err := f.sd.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String(name), Vpc: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	return f.namespaceOf(t, out.OperationId)
}

func (f *fixture) service(t *testing.T, in *sd.CreateServiceInput) types.Service {
	t.Helper()
	out, err := f.sd.CreateService(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.Service
}

// httpService is a service with a custom health check in a new HTTP
// namespace.
func (f *fixture) httpService(t *testing.T, namespace, name string) types.Service {
	t.Helper()
	ns := f.httpNamespace(t, namespace)
	return f.service(t, &sd.CreateServiceInput{Name: aws.String(name), NamespaceId: aws.String(ns),
		HealthCheckCustomConfig: &types.HealthCheckCustomConfig{}})
}

func (f *fixture) register(t *testing.T, serviceID, instanceID string, kv ...string) string {
	t.Helper()
	attrs := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		attrs[kv[i]] = kv[i+1]
	}
	out, err := f.sd.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: aws.String(serviceID), InstanceId: aws.String(instanceID), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.OperationId)
}

func tags(kv ...string) []types.Tag {
	var out []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
