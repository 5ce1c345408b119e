package restjson

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apigwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/smithy-go"

	"gatehouse/internal/api"
)

// The SDK tests put the real clients in front of the handler, so that what
// the SDKs' own deserializers see, output fields, error codes and messages,
// is what a user of gatehouse will see.

func sdkConfig(t *testing.T, h http.Handler) aws.Config {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 1,
	}
}

// apiError asserts that err is an AWS API error with the given code and a
// message containing msg, and returns it.
func apiError(t *testing.T, err error, code, msg string) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not a smithy.APIError", err, err)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Errorf("got %s: %q, want %s: ...%q...", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
	return ae
}

func TestSDKApigatewayV2(t *testing.T) {
	ctx := context.Background()
	c := apigatewayv2.NewFromConfig(sdkConfig(t, NewHandler(fakeOps(), nil)))

	created, err := c.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{
		Name:             aws.String("private"),
		SubnetIds:        []string{"subnet-1", "subnet-2"},
		SecurityGroupIds: []string{"sg-1"},
		Tags:             map[string]string{"team": "edge"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.VpcLinkId) != "vl1a2b3c" || aws.ToString(created.Name) != "private" ||
		created.VpcLinkStatus != v2types.VpcLinkStatusPending || len(created.SubnetIds) != 2 ||
		created.Tags["team"] != "edge" || !aws.ToTime(created.CreatedDate).Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("CreateVpcLink output %+v", created)
	}
	if id, _ := awsmiddleware.GetRequestIDMetadata(created.ResultMetadata); id == "" {
		t.Error("no request id reached the SDK")
	}

	got, err := c.GetVpcLink(ctx, &apigatewayv2.GetVpcLinkInput{VpcLinkId: aws.String("vl-9")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.VpcLinkId) != "vl-9" || got.VpcLinkStatus != v2types.VpcLinkStatusAvailable {
		t.Errorf("GetVpcLink output %+v", got)
	}

	list, err := c.GetVpcLinks(ctx, &apigatewayv2.GetVpcLinksInput{MaxResults: aws.String("25"), NextToken: aws.String("abc==")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || aws.ToString(list.Items[0].VpcLinkId) != "vl-25" || aws.ToString(list.NextToken) != "abc==+1" {
		t.Errorf("GetVpcLinks output %+v", list)
	}

	if _, err := c.DeleteVpcLink(ctx, &apigatewayv2.DeleteVpcLinkInput{VpcLinkId: aws.String("vl-9")}); err != nil {
		t.Fatal(err)
	}

	_, err = c.GetVpcLink(ctx, &apigatewayv2.GetVpcLinkInput{VpcLinkId: aws.String("missing")})
	var nf *v2types.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetVpcLink(missing): %v (%T), want *types.NotFoundException", err, err)
	}
	apiError(t, err, "NotFoundException", "Invalid VPC link identifier specified missing")

	// CreateVpcLink's model lists no ConflictException, so the SDK hands back
	// a generic error: code and message must still come through.
	_, err = c.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("taken"), SubnetIds: []string{"subnet-1"}})
	apiError(t, err, "ConflictException", `A VPC link named "taken" <already> exists & cannot be reused.`)

	_, err = c.GetApis(ctx, &apigatewayv2.GetApisInput{})
	apiError(t, err, "UnknownOperationException", "GET /v2/apis")
}

// The v1 fake: apigateway's own paths, label names and list parameters.

type v1VpcLink struct {
	ID         string   `json:"id,omitempty"`
	Name       string   `json:"name,omitempty"`
	Status     string   `json:"status,omitempty"`
	TargetArns []string `json:"targetArns,omitempty"`
}

type v1VpcLinks struct {
	Items    []v1VpcLink `json:"item,omitempty"`
	Position string      `json:"position,omitempty"`
}

type v1RestAPI struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	CreatedDate float64 `json:"createdDate"`
}

func v1Ops() api.Table {
	return api.NewTable(
		api.Handle("GetVpcLink", func(ctx context.Context, in *struct {
			VpcLinkID string `path:"vpclink_id" json:"-"`
		}) (*v1VpcLink, error) {
			if in.VpcLinkID == "missing" {
				return nil, api.Errorf(http.StatusNotFound, "NotFoundException", "Invalid Vpc Link identifier specified")
			}
			return &v1VpcLink{ID: in.VpcLinkID, Name: "nlb-link", Status: "AVAILABLE",
				TargetArns: []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb/1"}}, nil
		}).Route("GET", "/vpclinks/{vpclink_id}", 0),
		api.Handle("GetVpcLinks", func(ctx context.Context, in *struct {
			Limit    *int32 `querystring:"limit" json:"-"`
			Position string `querystring:"position" json:"-"`
		}) (*v1VpcLinks, error) {
			if in.Limit == nil || *in.Limit != 2 {
				return nil, api.BadRequest("BadRequestException", "limit %v", in.Limit)
			}
			return &v1VpcLinks{Items: []v1VpcLink{{ID: "a"}, {ID: "b"}}, Position: in.Position + "-next"}, nil
		}).Route("GET", "/vpclinks", 0),
		api.Handle("CreateRestApi", func(ctx context.Context, in *struct {
			Name string `json:"name"`
		}) (*v1RestAPI, error) {
			return &v1RestAPI{ID: "created", Name: in.Name, CreatedDate: 1767225600}, nil
		}).Route("POST", "/restapis", http.StatusCreated),
		api.Handle("ImportRestApi", func(ctx context.Context, in *struct {
			Body           []byte            `payload:"" json:"-"`
			FailOnWarnings bool              `querystring:"failonwarnings" json:"-"`
			Parameters     map[string]string `querystring:"*" json:"-"`
		}) (*v1RestAPI, error) {
			if !in.FailOnWarnings || in.Parameters["endpointConfigurationTypes"] != "REGIONAL" {
				return nil, api.BadRequest("BadRequestException", "query not bound: %v %v", in.FailOnWarnings, in.Parameters)
			}
			return &v1RestAPI{ID: "imported", Name: string(in.Body)}, nil
		}).Route("POST", "/restapis?mode=import", http.StatusCreated),
	)
}

func TestSDKApigatewayV1(t *testing.T) {
	ctx := context.Background()
	c := apigateway.NewFromConfig(sdkConfig(t, NewHandler(v1Ops(), nil)))

	link, err := c.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: aws.String("vl-1")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(link.Id) != "vl-1" || link.Status != apigwtypes.VpcLinkStatusAvailable || len(link.TargetArns) != 1 {
		t.Errorf("GetVpcLink output %+v", link)
	}

	links, err := c.GetVpcLinks(ctx, &apigateway.GetVpcLinksInput{Limit: aws.Int32(2), Position: aws.String("p1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(links.Items) != 2 || aws.ToString(links.Position) != "p1-next" {
		t.Errorf("GetVpcLinks output %+v", links)
	}

	_, err = c.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: aws.String("missing")})
	var nf *apigwtypes.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetVpcLink(missing): %v (%T), want *types.NotFoundException", err, err)
	}
	apiError(t, err, "NotFoundException", "Invalid Vpc Link identifier specified")

	created, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.Id) != "created" || !aws.ToTime(created.CreatedDate).Equal(time.Unix(1767225600, 0)) {
		t.Errorf("CreateRestApi output %+v", created)
	}

	imported, err := c.ImportRestApi(ctx, &apigateway.ImportRestApiInput{
		Body:           []byte("openapi: 3.0.1"),
		FailOnWarnings: true,
		Parameters:     map[string]string{"endpointConfigurationTypes": "REGIONAL"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(imported.Id) != "imported" || aws.ToString(imported.Name) != "openapi: 3.0.1" {
		t.Errorf("ImportRestApi output %+v", imported)
	}

	_, err = c.DeleteVpcLink(ctx, &apigateway.DeleteVpcLinkInput{VpcLinkId: aws.String("vl-1")})
	apiError(t, err, "UnknownOperationException", "this path takes GET")
}
