package ec2_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock/clocktest"
	ec2svc "gatehouse/internal/service/ec2"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
)

// readFailing is a store whose read transactions fail once broken is set,
// while its write transactions go on working.
type readFailing struct {
	store.Store
	broken atomic.Bool
}

func (s *readFailing) View(fn func(store.Tx) error) error {
	if s.broken.Load() {
		return errors.New("read failed")
	}
	return s.Store.View(fn)
}

// RunInstances answers from the transaction that launches the instances: a
// read failing after the launch cannot turn a launch that happened into an
// error.
func TestRunInstancesAnswersFromItsLaunch(t *testing.T) {
	st := &readFailing{Store: mem.New()}
	svc := ec2svc.New(st, clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	mctx := api.WithMeta(context.Background(), api.Meta{Account: "000000000000", Region: "us-east-1"})
	vpc, err := svc.CreateVpc(mctx, &ec2svc.CreateVpcInput{CidrBlock: "10.0.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := svc.CreateSubnet(mctx, &ec2svc.CreateSubnetInput{VpcID: vpc.Vpc.VpcID, CidrBlock: "10.0.1.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	st.broken.Store(true)
	one := 1
	res, err := svc.RunInstances(mctx, &ec2svc.RunInstancesInput{ImageID: al2023, InstanceType: "t3.micro", MinCount: &one, MaxCount: &one,
		SubnetID: sn.Subnet.SubnetID})
	if err != nil {
		t.Fatalf("RunInstances with reads failing after the launch: %v", err)
	}
	if len(res.Instances) != 1 || res.Instances[0].PrivateIPAddress != "10.0.1.4" {
		t.Fatalf("RunInstances answered %+v", res.Instances)
	}
}
