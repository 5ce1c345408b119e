package servicediscovery

import (
	"context"
	"slices"
	"strings"

	"gatehouse/internal/model"
)

type GetInstancesHealthStatusInput struct {
	ServiceID  string   `json:"ServiceId"`
	Instances  []string `json:"Instances"`
	MaxResults *int32   `json:"MaxResults"`
	NextToken  *string  `json:"NextToken"`
}

type GetInstancesHealthStatusOutput struct {
	Status    map[string]string `json:"Status"`
	NextToken *string           `json:"NextToken,omitempty"`
}

type UpdateInstanceCustomHealthStatusInput struct {
	ServiceID  string `json:"ServiceId"`
	InstanceID string `json:"InstanceId"`
	Status     string `json:"Status"`
}

func (s *Service) GetInstancesHealthStatus(ctx context.Context, in *GetInstancesHealthStatusInput) (*GetInstancesHealthStatusOutput, error) {
	if in.ServiceID == "" {
		return nil, invalidInput("ServiceId is required")
	}
	var (
		svc       *model.CloudMapService
		instances []*model.Instance
	)
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		if svc, err = getService(ctx, tx, in.ServiceID); err != nil {
			return err
		}
		if in.Instances == nil {
			instances, err = model.InstancesOf(tx, svc.ID)
			return err
		}
		for _, id := range in.Instances {
			inst, err := getInstance(tx, svc, id)
			if err != nil {
				return err
			}
			if !containsInstance(instances, inst.ID) {
				instances = append(instances, inst)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if in.Instances != nil {
		sortInstances(instances)
	}
	pg, next, err := page(instances, func(i *model.Instance) string { return i.ID }, in.MaxResults, in.NextToken, defaultPage)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := &GetInstancesHealthStatusOutput{Status: map[string]string{}, NextToken: next}
	for _, inst := range pg {
		out.Status[inst.ID] = model.InstanceHealth(svc, inst, now)
	}
	return out, nil
}

// UpdateInstanceCustomHealthStatus asks for a new custom status. As on AWS
// the status changes model.CustomHealthDelay after the first request for
// it: asking again for the same status does not hurry it, and asking for the
// status already in force before then calls the change off.
func (s *Service) UpdateInstanceCustomHealthStatus(ctx context.Context, in *UpdateInstanceCustomHealthStatusInput) (*Empty, error) {
	if in.ServiceID == "" || in.InstanceID == "" {
		return nil, invalidInput("ServiceId and InstanceId are required")
	}
	if in.Status != model.Healthy && in.Status != model.Unhealthy {
		return nil, invalidInput("Status must be HEALTHY or UNHEALTHY, not %q", in.Status)
	}
	err := s.update(ctx, func(tx model.Tx) error {
		svc, err := getService(ctx, tx, in.ServiceID)
		if err != nil {
			return err
		}
		inst, err := getInstance(tx, svc, in.InstanceID)
		if err != nil {
			return err
		}
		if !svc.CustomHealth {
			return customHealthNotFound(svc.ID)
		}
		now := s.clock.Now()
		inst.CustomHealth = inst.CustomHealthAt(now)
		switch {
		case inst.PendingHealth == in.Status && inst.PendingAt != nil && now.Before(*inst.PendingAt):
			return nil
		case inst.CustomHealth == in.Status:
			inst.PendingHealth, inst.PendingAt = "", nil
		default:
			at := now.Add(model.CustomHealthDelay)
			inst.PendingHealth, inst.PendingAt = in.Status, &at
		}
		return model.Put(tx, inst)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func containsInstance(list []*model.Instance, id string) bool {
	for _, i := range list {
		if i.ID == id {
			return true
		}
	}
	return false
}

func sortInstances(list []*model.Instance) {
	slices.SortFunc(list, func(a, b *model.Instance) int { return strings.Compare(a.ID, b.ID) })
}
