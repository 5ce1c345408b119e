package gatehouse_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse"
	"gatehouse/internal/servertest"
)

// post sends a raw Query request, as a hand-rolled or broken client would.
func post(t *testing.T, srv *servertest.Server, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(srv.URL()+"/", "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMalformedQueryRequests(t *testing.T) {
	// No default VPC, so that "nothing changed" sees every VPC.
	srv := servertest.Start(t, servertest.NoDefaultVpc())
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"broken form encoding", "Action=CreateVpc&Version=2016-11-15&CidrBlock=%zz", 400, "MalformedQueryString"},
		{"unknown action", "Action=LaunchRockets&Version=2016-11-15", 400, "InvalidAction"},
		{"no action", "Version=2016-11-15", 400, "MissingAction"},
		{"missing parameter", "Action=DeleteVpc&Version=2016-11-15", 400, "MissingParameter"},
		{"invalid CIDR", "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F99", 400, "InvalidParameterValue"},
		{"bad integer", "Action=DescribeVpcs&Version=2016-11-15&Filter.x.Name=vpc-id", 400, "InvalidParameterValue"},
		{"oversized body", "Action=CreateVpc&Version=2016-11-15&CidrBlock=" + strings.Repeat("1", 11<<20), 413, "RequestEntityTooLarge"},
		{"elbv2 unknown action", "Action=Nope&Version=2015-12-01", 400, "InvalidAction"},
		{"elbv2 missing parameter", "Action=DeleteLoadBalancer&Version=2015-12-01", 400, "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, srv, tc.body)
			if status != tc.status || !strings.Contains(body, "<Code>"+tc.code+"</Code>") {
				t.Fatalf("got %d %s, want %d %s", status, body, tc.status, tc.code)
			}
			if !strings.Contains(body, "<RequestI") {
				t.Errorf("error without a request id: %s", body)
			}
		})
	}
	// None of it changed anything.
	out, err := srv.EC2().DescribeVpcs(t.Context(), &ec2.DescribeVpcsInput{})
	if err != nil || len(out.Vpcs) != 0 {
		t.Fatalf("malformed requests left VPCs: %+v %v", out, err)
	}
}

func TestRegionComesFromTheSignature(t *testing.T) {
	srv := servertest.Start(t)
	cfg := srv.AWSConfig()
	cfg.Region = "eu-west-1"
	eu := ec2.NewFromConfig(cfg)
	if _, err := eu.CreateVpc(t.Context(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	// Each region has its own default VPC beside the ones made.
	mine := &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("is-default"), Values: []string{"false"}}}}
	if out, _ := srv.EC2().DescribeVpcs(t.Context(), mine); len(out.Vpcs) != 0 {
		t.Fatalf("a VPC made in eu-west-1 shows in us-east-1: %+v", out.Vpcs)
	}
	if out, _ := eu.DescribeVpcs(t.Context(), mine); len(out.Vpcs) != 1 {
		t.Fatalf("eu-west-1 sees %d VPCs, want 1", len(out.Vpcs))
	}
}

func TestUnroutableRequest(t *testing.T) {
	srv := servertest.Start(t)
	resp, err := http.Get(srv.URL() + "/nothing/here?" + url.Values{"x": {"1"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Fatalf("status %d, want a 4xx", resp.StatusCode)
	}
}

// The profiler, when turned on, answers under /_gatehouse/, beside the AWS
// APIs, and an unknown gatehouse path is a 404, not an AWS API's error.
func TestGatehouseEndpoints(t *testing.T) {
	srv := servertest.Start(t, func(c *gatehouse.Config) { c.Pprof = true })
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/_gatehouse/debug/pprof/", 200, "goroutine"},
		{"/_gatehouse/debug/pprof/goroutine?debug=1", 200, "goroutine profile"},
		{"/_gatehouse/debug/pprof/cmdline", 200, ""},
		{"/_gatehouse/nothing", 404, "no such gatehouse endpoint"},
	} {
		resp, err := http.Get(srv.URL() + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
			t.Errorf("GET %s: %d %.80q, want %d with %q", tc.path, resp.StatusCode, b, tc.status, tc.want)
		}
	}
}
