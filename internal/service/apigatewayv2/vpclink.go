package apigatewayv2

import (
	"context"
	"slices"

	"gatehouse/internal/model"
)

type CreateVpcLinkInput struct {
	Name             *string           `json:"name"`
	SubnetIDs        []string          `json:"subnetIds"`
	SecurityGroupIDs []string          `json:"securityGroupIds"`
	Tags             map[string]string `json:"tags"`
}

// UpdateVpcLinkInput has the name only: a link's subnets and groups are
// fixed at creation, and members the shape does not have are ignored.
type UpdateVpcLinkInput struct {
	VpcLinkID string  `path:"vpcLinkId" json:"-"`
	Name      *string `json:"name"`
}

type VpcLinkIDInput struct {
	VpcLinkID string `path:"vpcLinkId" json:"-"`
}

type GetVpcLinksInput struct {
	MaxResults string `querystring:"maxResults" json:"-"`
	NextToken  string `querystring:"nextToken" json:"-"`
}

// VpcLink is a VPC link V2 as API Gateway describes it.
type VpcLink struct {
	CreatedDate          string            `json:"createdDate"`
	Name                 string            `json:"name"`
	SecurityGroupIDs     []string          `json:"securityGroupIds"`
	SubnetIDs            []string          `json:"subnetIds"`
	Tags                 map[string]string `json:"tags"`
	VpcLinkID            string            `json:"vpcLinkId"`
	VpcLinkStatus        string            `json:"vpcLinkStatus"`
	VpcLinkStatusMessage string            `json:"vpcLinkStatusMessage,omitempty"`
	VpcLinkVersion       string            `json:"vpcLinkVersion"`
}

type GetVpcLinksOutput struct {
	Items     []VpcLink `json:"items"`
	NextToken string    `json:"nextToken,omitempty"`
}

// CreateVpcLink checks the subnets and groups, then writes the link PENDING
// with one interface per subnet; the vpclink controller makes it AVAILABLE
// after the provisioning delay.
func (s *Service) CreateVpcLink(ctx context.Context, in *CreateVpcLinkInput) (*VpcLink, error) {
	if err := checkLinkName(in.Name); err != nil {
		return nil, err
	}
	if len(in.SubnetIDs) == 0 {
		return nil, badRequest("subnetIds is required: a VPC link needs at least one subnet.")
	}
	tags, err := checkTags(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	link := &model.VpcLink{
		Name:             *in.Name,
		SubnetIDs:        distinct(in.SubnetIDs),
		SecurityGroupIDs: distinct(in.SecurityGroupIDs),
		CreatedDate:      s.now(),
		Tags:             tags,
	}
	err = s.update(ctx, func(tx model.Tx) error {
		if err := checkLinkNetwork(tx, link); err != nil {
			return err
		}
		id, err := newID(vpcLinkIDLen, unused[model.VpcLink](tx, ""))
		if err != nil {
			return err
		}
		link.ID = id
		// The provisioning delay runs from now, not from the whole second
		// createdDate reports.
		if err := s.provision(tx, link, s.clock.Now().UTC()); err != nil {
			return err
		}
		return model.Put(tx, link)
	})
	if err != nil {
		return nil, err
	}
	return linkShape(link), nil
}

func checkLinkName(name *string) error {
	if name == nil {
		return badRequest("name is required.")
	}
	if n := len(*name); n < 1 || n > 128 {
		return badRequest("Invalid VPC link name %q: it must be 1 to 128 characters long.", *name)
	}
	return nil
}

// checkLinkNetwork checks that the link's subnets exist in one VPC and its
// groups in that VPC, and sets the link's VPC. A link without groups gets
// its VPC's default group.
func checkLinkNetwork(tx model.Tx, link *model.VpcLink) error {
	var first *model.Subnet
	for _, id := range link.SubnetIDs {
		sn, ok, err := model.Get[model.Subnet](tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return badRequest("Subnet '%s' does not exist.", id)
		}
		if first == nil {
			first = sn
		} else if sn.VpcID != first.VpcID {
			return badRequest("The subnets of a VPC link must all be in one VPC: subnet '%s' is in '%s', subnet '%s' in '%s'.",
				first.ID, first.VpcID, sn.ID, sn.VpcID)
		}
	}
	link.VpcID = first.VpcID
	if len(link.SecurityGroupIDs) == 0 {
		vpc, ok, err := model.Get[model.VPC](tx, link.VpcID)
		if err != nil {
			return err
		}
		if ok && vpc.DefaultSecurityGroup != "" {
			link.SecurityGroupIDs = []string{vpc.DefaultSecurityGroup}
		}
	}
	for _, id := range link.SecurityGroupIDs {
		g, ok, err := model.Get[model.SecurityGroup](tx, id)
		if err != nil {
			return err
		}
		if !ok || g.VpcID != link.VpcID {
			return badRequest("Security group '%s' does not exist in VPC '%s'.", id, link.VpcID)
		}
	}
	return nil
}

func (s *Service) GetVpcLink(ctx context.Context, in *VpcLinkIDInput) (*VpcLink, error) {
	var link *model.VpcLink
	err := s.view(ctx, func(tx model.Tx) (err error) {
		link, err = getLink(tx, in.VpcLinkID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return linkShape(link), nil
}

func (s *Service) GetVpcLinks(ctx context.Context, in *GetVpcLinksInput) (*GetVpcLinksOutput, error) {
	var all []*model.VpcLink
	err := s.view(ctx, func(tx model.Tx) (err error) {
		all, err = model.List[model.VpcLink](tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(l *model.VpcLink) string { return l.ID }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &GetVpcLinksOutput{Items: []VpcLink{}, NextToken: next}
	for _, l := range items {
		out.Items = append(out.Items, *linkShape(l))
	}
	return out, nil
}

func (s *Service) UpdateVpcLink(ctx context.Context, in *UpdateVpcLinkInput) (*VpcLink, error) {
	var link *model.VpcLink
	err := s.update(ctx, func(tx model.Tx) (err error) {
		if link, err = getLink(tx, in.VpcLinkID); err != nil {
			return err
		}
		if in.Name != nil {
			if err := checkLinkName(in.Name); err != nil {
				return err
			}
			link.Name = *in.Name
		}
		return model.Put(tx, link)
	})
	if err != nil {
		return nil, err
	}
	return linkShape(link), nil
}

// DeleteVpcLink marks the link DELETING and answers 202; the vpclink
// controller removes it and its interfaces after the delay. A link that an
// integration still uses cannot be deleted, with AWS's own message.
func (s *Service) DeleteVpcLink(ctx context.Context, in *VpcLinkIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		link, err := getLink(tx, in.VpcLinkID)
		if err != nil {
			return err
		}
		users, err := linkUsers(tx, link.ID)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return badRequest("Cannot delete vpc link. Vpc link '%s', is referenced in %s in format of [Method:Resource].", link.ID, listOf(users))
		}
		if link.Status == model.LinkDeleting {
			return nil // already on its way; the delay runs from the first call
		}
		link.Status, link.StatusMessage, link.StatusSince = model.LinkDeleting, model.LinkDeletingMessage, s.clock.Now().UTC()
		return model.Put(tx, link)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// linkUsers names what uses a link, as "Method:Resource": each route whose
// integration goes through the link (the route key's method and the route's
// id), each such integration no route targets (its method and id), and each
// REST API method that uses the link (the method and its resource's id).
func linkUsers(tx model.Tx, linkID string) ([]string, error) {
	integrations, err := model.List[model.Integration](tx)
	if err != nil {
		return nil, err
	}
	routes, err := model.List[model.Route](tx)
	if err != nil {
		return nil, err
	}
	var users []string
	for _, i := range integrations {
		if i.ConnectionType != "VPC_LINK" || i.ConnectionID != linkID {
			continue
		}
		routed := false
		for _, r := range routes {
			if r.APIID == i.APIID && r.Target == "integrations/"+i.ID {
				users = append(users, routeMethod(r.RouteKey)+":"+r.ID)
				routed = true
			}
		}
		if !routed {
			users = append(users, i.Method+":"+i.ID)
		}
	}
	// REST API methods reach a V2 link by naming it with an
	// integrationTarget; they hold it as much as an HTTP API route does.
	resources, err := model.List[model.RestResource](tx)
	if err != nil {
		return nil, err
	}
	for _, res := range resources {
		for method, m := range res.Methods {
			if in := m.Integration; in != nil && in.ConnectionType == "VPC_LINK" && in.ConnectionID == linkID && in.IntegrationTarget != "" {
				users = append(users, method+":"+res.ID)
			}
		}
	}
	slices.Sort(users)
	return users, nil
}

func getLink(tx model.Tx, id string) (*model.VpcLink, error) {
	link, ok, err := model.Get[model.VpcLink](tx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, vpcLinkNotFound(id)
	}
	return link, nil
}

func linkShape(l *model.VpcLink) *VpcLink {
	return &VpcLink{
		CreatedDate:          timestamp(l.CreatedDate),
		Name:                 l.Name,
		SecurityGroupIDs:     orNone(l.SecurityGroupIDs),
		SubnetIDs:            orNone(l.SubnetIDs),
		Tags:                 orEmpty(l.Tags),
		VpcLinkID:            l.ID,
		VpcLinkStatus:        l.Status,
		VpcLinkStatusMessage: l.StatusMessage,
		VpcLinkVersion:       "V2",
	}
}

// orNone gives a nil list as [], since the shape requires the member.
func orNone(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// distinct drops repeated ids, keeping the first of each.
func distinct(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
