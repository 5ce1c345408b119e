package elbv2

import (
	"context"
	"net/netip"
	"strconv"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

type TargetDescription struct {
	ID               string `query:"Id,required" xml:"Id"`
	Port             *int   `query:"Port" xml:"Port,omitempty"`
	AvailabilityZone string `query:"AvailabilityZone" xml:"AvailabilityZone,omitempty"`
}

type TargetsInput struct {
	TargetGroupArn string              `query:"TargetGroupArn,required"`
	Targets        []TargetDescription `query:"Targets"`
}

type DescribeTargetHealthInput struct {
	TargetGroupArn string              `query:"TargetGroupArn,required"`
	Targets        []TargetDescription `query:"Targets"`
}

type DescribeTargetHealthOutput struct {
	TargetHealthDescriptions []TargetHealthDescription `xml:"TargetHealthDescriptions>member"`
}

type TargetHealthDescription struct {
	Target          TargetDescription `xml:"Target"`
	HealthCheckPort string            `xml:"HealthCheckPort,omitempty"`
	TargetHealth    TargetHealth      `xml:"TargetHealth"`
}

type TargetHealth struct {
	State       string `xml:"State"`
	Reason      string `xml:"Reason,omitempty"`
	Description string `xml:"Description,omitempty"`
}

// DeregistrationDelay is a group's deregistration_delay.timeout_seconds.
// A lambda group has none: its function leaves at once, and requests in
// flight fail, as AWS documents.
func DeregistrationDelay(tg *model.TargetGroup) time.Duration {
	if tg.TargetType == "lambda" {
		return 0
	}
	secs, err := strconv.Atoi(tgAttribute(tg, "deregistration_delay.timeout_seconds"))
	if err != nil {
		secs = 300
	}
	return time.Duration(secs) * time.Second
}

// Draining reports whether t is draining at now, and Gone whether its delay
// has passed so it has left the group.
func Draining(tg *model.TargetGroup, t model.Target, now time.Time) (draining, gone bool) {
	if t.DrainingSince == nil {
		return false, false
	}
	gone = !now.Before(t.DrainingSince.Add(DeregistrationDelay(tg)))
	return !gone, gone
}

func (s *Service) RegisterTargets(ctx context.Context, in *TargetsInput) (*Empty, error) {
	if len(in.Targets) == 0 {
		return nil, validation("At least one target must be specified")
	}
	err := s.update(ctx, func(tx model.Tx) error {
		tg, ok, err := model.Get[model.TargetGroup](tx, in.TargetGroupArn)
		if err != nil {
			return err
		}
		if !ok {
			return tgNotFound()
		}
		now := s.clock.Now()
		prune(tg, now)
		if tg.TargetType == "lambda" {
			return registerLambda(ctx, tx, tg, in.Targets)
		}
		for _, d := range in.Targets {
			t, err := s.checkTarget(tx, tg, d)
			if err != nil {
				return err
			}
			replaced := false
			for i, have := range tg.Targets {
				if have.ID == t.ID && have.Port == t.Port {
					tg.Targets[i] = t // re-registering a draining target revives it
					replaced = true
				}
			}
			if !replaced {
				tg.Targets = append(tg.Targets, t)
			}
		}
		if len(tg.Targets) > 1000 {
			return api.BadRequest("TooManyTargets", "You have reached the limit on the number of targets per target group")
		}
		return model.Put(tx, tg)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// checkTarget validates one target against its group's type and VPC.
func (s *Service) checkTarget(tx model.Tx, tg *model.TargetGroup, d TargetDescription) (model.Target, error) {
	t := model.Target{ID: d.ID, Port: tg.Port, AvailabilityZone: d.AvailabilityZone}
	if d.Port != nil {
		if *d.Port < 1 || *d.Port > 65535 {
			return t, validation("Port must be between 1 and 65535")
		}
		t.Port = *d.Port
	}
	switch tg.TargetType {
	case "ip":
		addr, err := netip.ParseAddr(d.ID)
		if err != nil || !addr.Is4() {
			return t, api.BadRequest("InvalidTarget", "The IP address '%s' is not a valid IPv4 address", d.ID)
		}
		vpc, ok, err := model.Get[model.VPC](tx, tg.VpcID)
		if err != nil {
			return t, err
		}
		inVPC := false
		if ok {
			if p, good := network.ParseCIDR(vpc.CidrBlock); good {
				inVPC = p.Contains(addr)
			}
		}
		if !inVPC && d.AvailabilityZone != "all" {
			return t, api.BadRequest("InvalidTarget", "The IP address '%s' is not within a VPC CIDR", d.ID)
		}
	case "alb":
		lb, ok, err := model.Get[model.LoadBalancer](tx, d.ID)
		if err != nil {
			return t, err
		}
		if !ok || lb.Type != "application" {
			return t, api.BadRequest("InvalidTarget", "The target '%s' is not a valid Application Load Balancer", d.ID)
		}
		if lb.VpcID != tg.VpcID {
			return t, api.BadRequest("InvalidTarget", "The Application Load Balancer '%s' is not in the target group's VPC", d.ID)
		}
	case "instance":
		return t, checkInstanceTarget(tx, tg, d.ID)
	}
	return t, nil
}

// checkInstanceTarget admits an instance that exists, is running and sits in
// the group's VPC, as ELB does at registration.
func checkInstanceTarget(tx model.Tx, tg *model.TargetGroup, id string) error {
	inst, ok, err := model.Get[model.EC2Instance](tx, id)
	if err != nil {
		return err
	}
	switch {
	case !ok || inst.State == "terminated":
		return api.BadRequest("InvalidTarget", "The following targets are not valid instances: '%s'", id)
	case inst.VpcID != tg.VpcID:
		return api.BadRequest("InvalidTarget", "The following targets are not in the target group VPC '%s': '%s'", tg.VpcID, id)
	case inst.State != "running":
		return api.BadRequest("InvalidTarget", "The following targets are not in a running state and cannot be registered: '%s'", id)
	}
	return nil
}

// instanceState is the state of the instance an instance-type target names,
// or "" for other target types and instances gatehouse does not know.
func instanceState(tx model.Tx, tg *model.TargetGroup, id string) (string, error) {
	if tg.TargetType != "instance" {
		return "", nil
	}
	inst, ok, err := model.Get[model.EC2Instance](tx, id)
	if err != nil || !ok {
		return "", err
	}
	return inst.State, nil
}

// prune drops targets whose deregistration delay has passed.
func prune(tg *model.TargetGroup, now time.Time) {
	kept := tg.Targets[:0]
	for _, t := range tg.Targets {
		if _, gone := Draining(tg, t, now); !gone {
			kept = append(kept, t)
		}
	}
	tg.Targets = kept
}

func (s *Service) DeregisterTargets(ctx context.Context, in *TargetsInput) (*Empty, error) {
	if len(in.Targets) == 0 {
		return nil, validation("At least one target must be specified")
	}
	err := s.update(ctx, func(tx model.Tx) error {
		tg, ok, err := model.Get[model.TargetGroup](tx, in.TargetGroupArn)
		if err != nil {
			return err
		}
		if !ok {
			return tgNotFound()
		}
		now := s.clock.Now()
		prune(tg, now)
		for _, d := range in.Targets {
			found := false
			for i, t := range tg.Targets {
				if t.ID == d.ID && (d.Port == nil || *d.Port == t.Port) {
					found = true
					if t.DrainingSince == nil {
						since := now.UTC()
						tg.Targets[i].DrainingSince = &since
					}
				}
			}
			if !found {
				return api.BadRequest("InvalidTarget", "The target '%s' is not registered with target group '%s'", d.ID, tg.ARN)
			}
		}
		prune(tg, now) // a zero delay drains at once
		return model.Put(tx, tg)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) DescribeTargetHealth(ctx context.Context, in *DescribeTargetHealthInput) (*DescribeTargetHealthOutput, error) {
	out := &DescribeTargetHealthOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		tg, ok, err := model.Get[model.TargetGroup](tx, in.TargetGroupArn)
		if err != nil {
			return err
		}
		if !ok {
			return tgNotFound()
		}
		users, err := balancersUsing(tx, tg.ARN)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		var have []TargetHealthDescription
		for _, t := range tg.Targets {
			if draining, gone := Draining(tg, t, now); !gone {
				th := s.targetHealth(tg, t, len(users) > 0, draining)
				state, err := instanceState(tx, tg, t.ID)
				if err != nil {
					return err
				}
				if state != "" && state != "running" && !draining {
					// A stopped instance is out of service whatever its
					// last checks said.
					th = TargetHealth{State: "unused", Reason: "Target.InvalidState", Description: "Target is in the " + state + " state"}
				}
				have = append(have, describeTarget(tg, t, th))
			}
		}
		if len(in.Targets) == 0 {
			out.TargetHealthDescriptions = have
			return nil
		}
		// Asked-for targets come back in the order asked. ELBv2 answers for
		// one the group does not have instead of leaving it out, so callers
		// can tell "not registered" from "not healthy yet".
		for _, want := range in.Targets {
			found := false
			for _, d := range have {
				if d.Target.ID == want.ID && (want.Port == nil || d.Target.Port == nil || *want.Port == *d.Target.Port) {
					out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, d)
					found = true
				}
			}
			if !found {
				out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, notRegistered(tg, want))
			}
		}
		return nil
	})
	return out, err
}

func describeTarget(tg *model.TargetGroup, t model.Target, th TargetHealth) TargetHealthDescription {
	if tg.TargetType == "lambda" {
		// A function has no port, for traffic or checks.
		return TargetHealthDescription{Target: TargetDescription{ID: t.ID}, TargetHealth: th}
	}
	port := t.Port
	return TargetHealthDescription{
		Target:          TargetDescription{ID: t.ID, Port: &port, AvailabilityZone: t.AvailabilityZone},
		HealthCheckPort: healthCheckPort(tg, t),
		TargetHealth:    th,
	}
}

// notRegistered describes a target the group does not have, on the port
// asked for, else the group's.
func notRegistered(tg *model.TargetGroup, d TargetDescription) TargetHealthDescription {
	t := model.Target{ID: d.ID, Port: tg.Port, AvailabilityZone: d.AvailabilityZone}
	if d.Port != nil {
		t.Port = *d.Port
	}
	return describeTarget(tg, t, TargetHealth{State: "unused", Reason: "Target.NotRegistered", Description: "Target is not registered to the target group"})
}

func healthCheckPort(tg *model.TargetGroup, t model.Target) string {
	if tg.HealthCheck.Port == "traffic-port" || tg.HealthCheck.Port == "" {
		return strconv.Itoa(t.Port)
	}
	return tg.HealthCheck.Port
}

// targetHealth is AWS's state machine for one target, with its reason codes.
func (s *Service) targetHealth(tg *model.TargetGroup, t model.Target, inUse, draining bool) TargetHealth {
	switch {
	case draining:
		return TargetHealth{State: "draining", Reason: "Target.DeregistrationInProgress", Description: "Target deregistration is in progress"}
	case !inUse:
		return TargetHealth{State: "unused", Reason: "Target.NotInUse", Description: "Target group is not configured to receive traffic from the load balancer"}
	case !tg.HealthCheck.Enabled:
		return TargetHealth{State: "unavailable", Reason: "Target.HealthCheckDisabled", Description: "Health checks are disabled"}
	}
	if s.health != nil {
		if st := s.health.TargetHealth(tg.ARN, t.ID, t.Port); st.State != "" {
			return TargetHealth{State: st.State, Reason: st.Reason, Description: st.Description}
		}
	}
	return TargetHealth{State: "initial", Reason: "Elb.RegistrationInProgress", Description: "Target registration is in progress"}
}
