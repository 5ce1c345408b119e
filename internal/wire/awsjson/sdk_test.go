package awsjson

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/aws/smithy-go"
)

// TestSDK puts the real Cloud Map client in front of the handler, so that
// what the SDK's own deserializers see, output fields, error codes and
// messages, is what a user of gatehouse will see.
func TestSDK(t *testing.T) {
	srv := httptest.NewServer(NewHandler(target, fakeOps(), nil))
	t.Cleanup(srv.Close)
	c := servicediscovery.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 1,
	})
	ctx := context.Background()

	got, err := c.GetNamespace(ctx, &servicediscovery.GetNamespaceInput{Id: aws.String("ns-1")})
	if err != nil {
		t.Fatal(err)
	}
	ns := got.Namespace
	if ns == nil || aws.ToString(ns.Id) != "ns-1" || ns.Type != types.NamespaceTypeDnsPrivate ||
		!aws.ToTime(ns.CreateDate).Equal(time.Unix(1767225600, 5e8)) {
		t.Errorf("GetNamespace output %+v", ns)
	}
	if id, _ := awsmiddleware.GetRequestIDMetadata(got.ResultMetadata); id == "" {
		t.Error("no request id reached the SDK")
	}

	op, err := c.CreatePrivateDnsNamespace(ctx, &servicediscovery.CreatePrivateDnsNamespaceInput{
		Name: aws.String("internal.example"),
		Vpc:  aws.String("vpc-1"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("edge")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(op.OperationId) != "op-internal.example-edge" {
		t.Errorf("CreatePrivateDnsNamespace output %+v", op)
	}

	list, err := c.ListNamespaces(ctx, &servicediscovery.ListNamespacesInput{MaxResults: aws.Int32(1), NextToken: aws.String("t1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Namespaces) != 1 || aws.ToString(list.NextToken) != "t1" {
		t.Errorf("ListNamespaces output %+v", list)
	}

	if _, err := c.TagResource(ctx, &servicediscovery.TagResourceInput{ResourceARN: aws.String("arn"), Tags: []types.Tag{}}); err != nil {
		t.Fatal(err)
	}

	_, err = c.GetNamespace(ctx, &servicediscovery.GetNamespaceInput{Id: aws.String("ns-404")})
	var nf *types.NamespaceNotFound
	if !errors.As(err, &nf) {
		t.Errorf("GetNamespace(ns-404): %v (%T), want *types.NamespaceNotFound", err, err)
	}
	apiError(t, err, "NamespaceNotFound", "No namespace exists with ID: ns-404")

	_, err = c.CreatePrivateDnsNamespace(ctx, &servicediscovery.CreatePrivateDnsNamespaceInput{Name: aws.String("x"), Vpc: aws.String("vpc-1")})
	var invalid *types.InvalidInput
	if !errors.As(err, &invalid) {
		t.Errorf("CreatePrivateDnsNamespace: %v (%T), want *types.InvalidInput", err, err)
	}
	apiError(t, err, "InvalidInput", "<x> has 0 tags")

	_, err = c.DeleteService(ctx, &servicediscovery.DeleteServiceInput{Id: aws.String("srv-1")})
	apiError(t, err, "UnknownOperationException", "Route53AutoNaming_v20170314.DeleteService")
}

func apiError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not a smithy.APIError", err, err)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Errorf("got %s: %q, want %s: ...%q...", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}
