package elbv2_test

import (
	"context"
	"flag"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock/clocktest"
	"gatehouse/internal/model"
	"gatehouse/internal/service/elbv2"
	"gatehouse/internal/store/mem"
	"gatehouse/internal/wire/query"
	"gatehouse/internal/wire/wiretest"
)

var update = flag.Bool("update", false, "rewrite the response half of each golden file from the handler's answer")

const goldenAccount, goldenRegion = "123456789012", "us-east-1"

const (
	goldenALB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0000000000000001"
	goldenNLB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/api/0000000000000002"
	goldenTG  = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app/0000000000000003"
)

// goldenSeed is an ALB and an NLB over two subnets, and a target group, with
// fixed ids and times, written straight into the store so that the answers
// compare byte for byte.
func goldenSeed() []model.Record {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	subnet := func(id, az, cidr string) *model.Subnet {
		return &model.Subnet{ID: id, VpcID: "vpc-0000000000000000a", CidrBlock: cidr, AvailabilityZone: az}
	}
	eni := func(id, subnet, az, ip string) *model.NetworkInterface {
		return &model.NetworkInterface{ID: id, SubnetID: subnet, VpcID: "vpc-0000000000000000a", AvailabilityZone: az, PrivateIP: ip,
			InterfaceType: "network_load_balancer", Status: "in-use", RequesterManaged: true}
	}
	return []model.Record{
		&model.VPC{ID: "vpc-0000000000000000a", CidrBlock: "10.0.0.0/16", State: "available"},
		subnet("subnet-0000000000000000a", "us-east-1a", "10.0.1.0/24"),
		subnet("subnet-0000000000000000b", "us-east-1b", "10.0.2.0/24"),
		eni("eni-0000000000000000a", "subnet-0000000000000000a", "us-east-1a", "10.0.1.5"),
		eni("eni-0000000000000000b", "subnet-0000000000000000b", "us-east-1b", "10.0.2.5"),
		&model.LoadBalancer{ARN: goldenALB, Name: "web", Type: "application", Scheme: "internal", IPAddressType: "ipv4",
			VpcID: "vpc-0000000000000000a", Subnets: []string{"subnet-0000000000000000a", "subnet-0000000000000000b"},
			SecurityGroups: []string{"sg-0000000000000000b"}, DNSName: "internal-web-1.us-east-1.elb.amazonaws.com",
			State: "active", CreatedTime: created},
		&model.LoadBalancer{ARN: goldenNLB, Name: "api", Type: "network", Scheme: "internal", IPAddressType: "ipv4",
			VpcID: "vpc-0000000000000000a", Subnets: []string{"subnet-0000000000000000a", "subnet-0000000000000000b"},
			Interfaces: map[string]string{"subnet-0000000000000000a": "eni-0000000000000000a", "subnet-0000000000000000b": "eni-0000000000000000b"},
			DNSName:    "api-2.elb.us-east-1.amazonaws.com", State: "active", CreatedTime: created},
		&model.TargetGroup{ARN: goldenTG, Name: "app", Protocol: "HTTP", ProtocolVersion: "HTTP1", Port: 80, VpcID: "vpc-0000000000000000a",
			TargetType: "ip", IPAddressType: "ipv4",
			HealthCheck: model.HealthCheck{Enabled: true, Protocol: "HTTP", Port: "traffic-port", Path: "/", IntervalSeconds: 30,
				TimeoutSeconds: 5, HealthyThreshold: 5, UnhealthyThreshold: 2, Matcher: "200"}},
	}
}

// goldenHandler serves ELBv2's operations over the seeded store with fixed
// request metadata, as the edge would stamp it.
func goldenHandler(t *testing.T) http.Handler {
	st := mem.New()
	err := model.Update(st, goldenAccount, goldenRegion, func(tx model.Tx) error {
		for _, r := range goldenSeed() {
			if err := model.Put(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := elbv2.New(st, clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), nil)
	h := query.NewHandler(query.Flavor{Version: elbv2.Version, XMLNS: elbv2.XMLNS}, svc.Ops(), nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		meta := api.Meta{RequestID: "req-golden", Account: goldenAccount, Region: goldenRegion}
		h.ServeHTTP(w, r.WithContext(api.WithMeta(context.Background(), meta)))
	})
}

// TestGolden checks ELBv2's answers, as the Query family encodes them
// (awsQuery: Name.member.N lists, <ActionResult>), against testdata/golden
// (format in wiretest). go test -update rewrites the expected answers.
func TestGolden(t *testing.T) {
	wiretest.Golden(t, filepath.Join("testdata", "golden"), goldenHandler(t), *update)
}
