package apigateway

import (
	"context"
	"strings"

	"gatehouse/internal/model"
)

// VpcLink is a REST API VPC link: an endpoint service in front of one NLB.
type VpcLink struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Description   string   `json:"description,omitempty"`
	TargetArns    []string `json:"targetArns"`
	Status        string   `json:"status"`
	StatusMessage string   `json:"statusMessage,omitempty"`
	// Tags is a pointer so that GetVpcLink can send an empty map, as AWS
	// does, while CreateVpcLink and the list leave the key out.
	Tags *map[string]string `json:"tags,omitempty"`
}

type CreateVpcLinkInput struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	TargetArns  []string          `json:"targetArns"`
	Tags        map[string]string `json:"tags"`
}

type VpcLinkIDInput struct {
	VpcLinkID string `path:"vpcLinkId" json:"-"`
}

type GetVpcLinksInput struct {
	Limit    *int32 `querystring:"limit" json:"-"`
	Position string `querystring:"position" json:"-"`
}

type GetVpcLinksOutput struct {
	Items    []VpcLink `json:"item"`
	Position string    `json:"position,omitempty"`
}

type UpdateVpcLinkInput struct {
	VpcLinkID       string           `path:"vpcLinkId" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

// CreateVpcLink records the link PENDING and answers at once, as AWS does;
// the privatelink controller makes its endpoint service, or fails it, once
// the provisioning delay has passed. Whether the target is an NLB that
// exists is not checked here: on AWS that, too, only shows in the link's
// status.
func (s *Service) CreateVpcLink(ctx context.Context, in *CreateVpcLinkInput) (*VpcLink, error) {
	if in.Name == "" {
		return nil, badRequest("Name cannot be empty")
	}
	switch {
	case len(in.TargetArns) == 0:
		return nil, badRequest("No target arn specified for vpc link.")
	case len(in.TargetArns) > 1:
		return nil, badRequest("More than one target arn specified for vpc link.")
	}
	if !wellFormedARN(in.TargetArns[0]) {
		return nil, badRequest("Invalid ARN. ARN is not well formed %s", in.TargetArns[0])
	}
	tags, err := checkTags(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	link := &model.VpcLinkV1{
		Name:        in.Name,
		Description: in.Description,
		TargetARNs:  in.TargetArns,
		Status:      model.LinkPending,
		StatusSince: s.clock.Now(),
		Tags:        tags,
	}
	err = s.update(ctx, func(tx model.Tx) error {
		var err error
		// An integration's connectionId may name a link of either kind, so
		// the two kinds share one id space.
		link.ID, err = freshID(shortID, func(id string) (bool, error) {
			_, v1, err := model.Get[model.VpcLinkV1](tx, id)
			if err != nil || v1 {
				return v1, err
			}
			_, v2, err := model.Get[model.VpcLink](tx, id)
			return v2, err
		})
		if err != nil {
			return err
		}
		return model.Put(tx, link)
	})
	if err != nil {
		return nil, err
	}
	return vpcLinkShape(link, false), nil
}

// wellFormedARN checks the six colon-separated fields of an ARN, the
// syntax AWS checks before anything else.
func wellFormedARN(s string) bool {
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[1] != "" && parts[2] != "" && parts[5] != ""
}

func (s *Service) GetVpcLink(ctx context.Context, in *VpcLinkIDInput) (*VpcLink, error) {
	var link *model.VpcLinkV1
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		link, err = getVpcLink(tx, in.VpcLinkID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return vpcLinkShape(link, true), nil
}

func (s *Service) GetVpcLinks(ctx context.Context, in *GetVpcLinksInput) (*GetVpcLinksOutput, error) {
	var links []*model.VpcLinkV1
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		links, err = model.List[model.VpcLinkV1](tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	links, next, err := page(links, func(l *model.VpcLinkV1) string { return l.ID }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &GetVpcLinksOutput{Items: []VpcLink{}, Position: next}
	for _, l := range links {
		out.Items = append(out.Items, *vpcLinkShape(l, false))
	}
	return out, nil
}

func (s *Service) UpdateVpcLink(ctx context.Context, in *UpdateVpcLinkInput) (*VpcLink, error) {
	var link *model.VpcLinkV1
	err := s.update(ctx, func(tx model.Tx) error {
		var err error
		if link, err = getVpcLink(tx, in.VpcLinkID); err != nil {
			return err
		}
		// A link's NLB is its endpoint service's: it cannot change.
		targets := func(string, string) error {
			return badRequest("Target arns are not allowed to be changed/added.")
		}
		err = applyPatch(in.PatchOperations, []patchPath{
			{path: "/name", replace: func(_, v string) error {
				if v == "" {
					return badRequest("Name cannot be empty")
				}
				link.Name = v
				return nil
			}},
			replaceText("/description", &link.Description),
			{path: "/targetArns", add: targets, remove: targets, replace: targets},
			{path: "/targetArns/*", add: targets, remove: targets, replace: targets},
		})
		if err != nil {
			return err
		}
		return model.Put(tx, link)
	})
	if err != nil {
		return nil, err
	}
	return vpcLinkShape(link, true), nil
}

// DeleteVpcLink marks the link DELETING, and its endpoint service with it;
// the privatelink controller removes both once the delay has passed. A link
// that a deployed stage names literally cannot go: requests through that
// stage would lose their backend.
func (s *Service) DeleteVpcLink(ctx context.Context, in *VpcLinkIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		link, err := getVpcLink(tx, in.VpcLinkID)
		if err != nil {
			return err
		}
		if link.Status == model.LinkDeleting {
			return nil
		}
		refs, err := linkReferences(tx, link.ID)
		if err != nil {
			return err
		}
		if len(refs) > 0 {
			return badRequest("Cannot delete vpc link. Vpc link '%s', is referenced in [%s] in format of [RESTApiId:Method:Resource:Stage].",
				link.ID, strings.Join(refs, ", "))
		}
		link.Status, link.StatusMessage, link.StatusSince = model.LinkDeleting, "", s.clock.Now()
		if link.EndpointService != "" {
			es, ok, err := model.Get[model.EndpointService](tx, link.EndpointService)
			if err != nil {
				return err
			}
			if ok {
				es.State = "Deleting"
				if err := model.Put(tx, es); err != nil {
					return err
				}
			}
		}
		return model.Put(tx, link)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// linkReferences lists the methods of deployed stages whose integration
// names the link literally. Links named through a stage variable do not
// count, as on AWS.
func linkReferences(tx model.Tx, linkID string) ([]string, error) {
	stages, err := model.List[model.RestStage](tx)
	if err != nil {
		return nil, err
	}
	var refs []string
	for _, st := range stages {
		d, ok, err := model.Get[model.RestDeployment](tx, st.APIID+"/"+st.DeploymentID)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		for _, r := range d.Resources {
			for _, name := range sortedKeys(r.Methods) {
				ig := r.Methods[name].Integration
				if ig != nil && ig.ConnectionType == "VPC_LINK" && ig.ConnectionID == linkID {
					refs = append(refs, methodRef(st.APIID, name, r.ID, st.Name))
				}
			}
		}
	}
	return refs, nil
}

func getVpcLink(tx model.Tx, id string) (*model.VpcLinkV1, error) {
	link, ok, err := model.Get[model.VpcLinkV1](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, vpcLinkNotFound()
	}
	return link, nil
}

func vpcLinkShape(l *model.VpcLinkV1, withTags bool) *VpcLink {
	out := &VpcLink{
		ID:            l.ID,
		Name:          l.Name,
		Description:   l.Description,
		TargetArns:    l.TargetARNs,
		Status:        l.Status,
		StatusMessage: l.StatusMessage,
	}
	if out.TargetArns == nil {
		out.TargetArns = []string{}
	}
	if withTags {
		tags := tagsOut(l.Tags)
		out.Tags = &tags
	}
	return out
}
