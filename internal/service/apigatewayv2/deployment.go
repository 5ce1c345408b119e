package apigatewayv2

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	"gatehouse/internal/model"
)

type CreateDeploymentInput struct {
	APIID       string  `path:"apiId" json:"-"`
	Description *string `json:"description"`
	StageName   *string `json:"stageName"`
}

type DeploymentIDInput struct {
	APIID        string `path:"apiId" json:"-"`
	DeploymentID string `path:"deploymentId" json:"-"`
}

// Deployment is a deployment as API Gateway describes it. Deployments of
// HTTP APIs are made whole at once, so every one is DEPLOYED.
type Deployment struct {
	AutoDeployed     bool   `json:"autoDeployed"`
	CreatedDate      string `json:"createdDate"`
	DeploymentID     string `json:"deploymentId"`
	DeploymentStatus string `json:"deploymentStatus"`
	Description      string `json:"description,omitempty"`
}

type GetDeploymentsOutput struct {
	Items     []Deployment `json:"items"`
	NextToken string       `json:"nextToken,omitempty"`
}

// AWS's own texts: the error for deploying an API without routes, what an
// autoDeploy stage reports after trying, and how its deployments describe
// themselves.
const (
	noRoutes         = "Unable to deploy API because no routes exist in this API"
	autoDeployFailed = "Deployment attempt failed: " + noRoutes
	autoDeployed     = "Successfully deployed stage with deployment ID '%s'"
	autoDescription  = "Automatic deployment triggered by changes to the Api configuration"
)

func (s *Service) CreateDeployment(ctx context.Context, in *CreateDeploymentInput) (*Deployment, error) {
	if len(deref(in.Description)) > 1024 {
		return nil, badRequest("The description must be at most 1024 characters long.")
	}
	var d *model.Deployment
	err := s.update(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		var st *model.Stage
		if name := deref(in.StageName); name != "" {
			if st, err = getStage(tx, in.APIID, name); err != nil {
				return err
			}
		}
		var closed []*model.DeployedEntry
		if d, closed, err = s.freeze(tx, in.APIID, deref(in.Description), false, &change{}); err != nil {
			return err
		}
		if d == nil {
			return badRequest(noRoutes)
		}
		if st != nil {
			old := st.DeploymentID
			st.DeploymentID, st.LastDeploymentStatus, st.LastUpdatedDate = d.ID, "", d.CreatedDate
			if err := model.Put(tx, st); err != nil {
				return err
			}
			if err := pruneAutoDeployment(tx, in.APIID, old, d); err != nil {
				return err
			}
		}
		return collect(tx, in.APIID, closed)
	})
	if err != nil {
		return nil, err
	}
	return deploymentShape(d), nil
}

// change names the routes and integrations (by id) that one write
// changed, so that a deployment made in the same transaction writes only
// their entries. Nil means not known: the deployment compares the API's
// every route and integration with what the last one holds.
type change struct {
	routes, integrations []string
}

// freeze makes a deployment of the API's routes and integrations as they
// stand: it numbers it after the API's last one and writes an entry for
// each route and integration that changed since (those c names, or every
// one if the head is stale), ending the entries they replace. The entries
// it ended come back, for collect. An API without routes cannot be
// deployed: freeze then returns no deployment, though the entries are
// brought up to date all the same.
func (s *Service) freeze(tx model.Tx, apiID, description string, auto bool, c *change) (*model.Deployment, []*model.DeployedEntry, error) {
	head, ok, err := model.Get[model.DeploymentHead](tx, apiID)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		head = &model.DeploymentHead{APIID: apiID}
	}
	if !ok || head.Stale {
		c = nil
	}
	next := head.Seq + 1
	var closed []*model.DeployedEntry
	if c == nil {
		closed, err = syncAll(tx, head, next)
	} else {
		closed, err = syncSome(tx, head, next, c)
	}
	if err != nil {
		return nil, nil, err
	}
	head.Seq, head.Stale = next, false
	if head.Routes == 0 {
		return nil, closed, model.Put(tx, head)
	}
	id, err := newID(deploymentIDLen, unused[model.Deployment](tx, apiID+"/"))
	if err != nil {
		return nil, nil, err
	}
	d := &model.Deployment{APIID: apiID, ID: id, Description: description, AutoDeployed: auto, CreatedDate: s.now(), Seq: next}
	head.Live = append(head.Live, next)
	if err := model.Put(tx, head); err != nil {
		return nil, nil, err
	}
	return d, closed, model.Put(tx, d)
}

// syncAll compares every route and integration of the API with the open
// entries and writes what differs.
func syncAll(tx model.Tx, head *model.DeploymentHead, next uint64) ([]*model.DeployedEntry, error) {
	routes, err := routesOf(tx, head.APIID)
	if err != nil {
		return nil, err
	}
	integrations, err := integrationsOf(tx, head.APIID)
	if err != nil {
		return nil, err
	}
	entries, err := ofAPI[model.DeployedEntry](tx, head.APIID)
	if err != nil {
		return nil, err
	}
	open := map[string]*model.DeployedEntry{}
	for _, e := range entries {
		if e.Until == 0 {
			open[e.Part()] = e
		}
	}
	var closed []*model.DeployedEntry
	sync := func(e, cur *model.DeployedEntry) error {
		delete(open, cur.Part())
		ended, err := syncEntry(tx, e, cur, next)
		if ended != nil {
			closed = append(closed, ended)
		}
		return err
	}
	for _, r := range routes {
		cur := &model.DeployedEntry{APIID: head.APIID, Route: r}
		if err := sync(open[cur.Part()], cur); err != nil {
			return nil, err
		}
	}
	for _, i := range integrations {
		cur := &model.DeployedEntry{APIID: head.APIID, Integration: i}
		if err := sync(open[cur.Part()], cur); err != nil {
			return nil, err
		}
	}
	for _, e := range open {
		if _, err := syncEntry(tx, e, nil, next); err != nil {
			return nil, err
		}
		closed = append(closed, e)
	}
	head.Routes = len(routes)
	return closed, nil
}

// syncSome brings the entries of what c names up to date, reading
// nothing else of the API.
func syncSome(tx model.Tx, head *model.DeploymentHead, next uint64, c *change) ([]*model.DeployedEntry, error) {
	var closed []*model.DeployedEntry
	one := func(part string, cur *model.DeployedEntry) error {
		var e *model.DeployedEntry
		err := model.Scan[model.DeployedEntry](tx, head.APIID+"/"+part+"/", func(x *model.DeployedEntry) bool {
			if x.Until == 0 {
				e = x
			}
			return e == nil
		})
		if err != nil {
			return err
		}
		if cur != nil && cur.Route != nil {
			head.Routes++
		}
		if e != nil && e.Route != nil {
			head.Routes--
		}
		ended, err := syncEntry(tx, e, cur, next)
		if ended != nil {
			closed = append(closed, ended)
		}
		return err
	}
	for _, id := range c.routes {
		var cur *model.DeployedEntry
		r, ok, err := model.Get[model.Route](tx, head.APIID+"/"+id)
		if err != nil {
			return nil, err
		}
		if ok {
			cur = &model.DeployedEntry{APIID: head.APIID, Route: r}
		}
		if err := one("r/"+id, cur); err != nil {
			return nil, err
		}
	}
	for _, id := range c.integrations {
		var cur *model.DeployedEntry
		i, ok, err := model.Get[model.Integration](tx, head.APIID+"/"+id)
		if err != nil {
			return nil, err
		}
		if ok {
			cur = &model.DeployedEntry{APIID: head.APIID, Integration: i}
		}
		if err := one("i/"+id, cur); err != nil {
			return nil, err
		}
	}
	return closed, nil
}

// syncEntry makes cur (nil: nothing) what deployments from next on hold in
// place of the open entry e (nil: none), writing nothing when they are
// the same; it returns e if it ended it.
func syncEntry(tx model.Tx, e, cur *model.DeployedEntry, next uint64) (*model.DeployedEntry, error) {
	if e != nil && cur != nil && reflect.DeepEqual(e.Route, cur.Route) && reflect.DeepEqual(e.Integration, cur.Integration) {
		return nil, nil
	}
	if cur != nil {
		cur.Since = next
		if err := model.Put(tx, cur); err != nil {
			return nil, err
		}
	}
	if e == nil {
		return nil, nil
	}
	e.Until = next
	return e, model.Put(tx, e)
}

// collect deletes those of the ended entries that no deployment holds
// any more.
func collect(tx model.Tx, apiID string, ended []*model.DeployedEntry) error {
	if len(ended) == 0 {
		return nil
	}
	head, ok, err := model.Get[model.DeploymentHead](tx, apiID)
	if err != nil || !ok {
		return err
	}
	for _, e := range ended {
		if e.Until == 0 {
			continue
		}
		// The first live deployment at or after Since decides.
		i, _ := slices.BinarySearch(head.Live, e.Since)
		if i < len(head.Live) && head.Live[i] < e.Until {
			continue
		}
		if err := model.Delete(tx, e); err != nil {
			return err
		}
	}
	return nil
}

// markStale records that the API's routes or integrations changed without
// a deployment, so that the next one compares them all.
func markStale(tx model.Tx, apiID string) error {
	head, ok, err := model.Get[model.DeploymentHead](tx, apiID)
	if err != nil || !ok || head.Stale {
		return err
	}
	head.Stale = true
	return model.Put(tx, head)
}

// autoDeploy gives each of the API's autoDeploy stages a new deployment of
// what the API holds now; c names what the caller changed. Every
// operation that changes a route or an integration calls it in its own
// transaction, so the data plane never sees the change without the
// deployment.
func (s *Service) autoDeploy(tx model.Tx, apiID string, c *change) error {
	stages, err := stagesOf(tx, apiID)
	if err != nil {
		return err
	}
	deployed := false
	for _, st := range stages {
		if st.AutoDeploy {
			if err := s.deploy(tx, st, c); err != nil {
				return err
			}
			// The first deployment took the change in: the next
			// stage's holds the same.
			c, deployed = &change{}, true
		}
	}
	if !deployed {
		return markStale(tx, apiID)
	}
	return nil
}

// deploy points an autoDeploy stage at a new deployment, or records why
// there is none, and writes the stage.
func (s *Service) deploy(tx model.Tx, st *model.Stage, c *change) error {
	d, closed, err := s.freeze(tx, st.APIID, autoDescription, true, c)
	if err != nil {
		return err
	}
	st.LastUpdatedDate = s.now()
	if d == nil {
		st.LastDeploymentStatus = autoDeployFailed
		if err := model.Put(tx, st); err != nil {
			return err
		}
		return collect(tx, st.APIID, closed)
	}
	old := st.DeploymentID
	st.DeploymentID, st.LastDeploymentStatus = d.ID, fmt.Sprintf(autoDeployed, d.ID)
	if err := model.Put(tx, st); err != nil {
		return err
	}
	if err := pruneAutoDeployment(tx, st.APIID, old, d); err != nil {
		return err
	}
	return collect(tx, st.APIID, closed)
}

// pruneAutoDeployment deletes an automatic deployment no stage serves any
// more (manual deployments are kept), and the entries only it held. When
// the deployment made just now (made) directly follows it, the entries
// made ended are the only ones it can have held alone, and the caller
// collects those; otherwise every ended entry of the API is looked at.
func pruneAutoDeployment(tx model.Tx, apiID, id string, made *model.Deployment) error {
	if id == "" {
		return nil
	}
	d, ok, err := model.Get[model.Deployment](tx, apiID+"/"+id)
	if err != nil || !ok || !d.AutoDeployed {
		return err
	}
	stages, err := stagesOf(tx, apiID)
	if err != nil {
		return err
	}
	for _, st := range stages {
		if st.DeploymentID == id {
			return nil
		}
	}
	return forget(tx, d, made != nil && d.Seq != 0 && d.Seq+1 == made.Seq)
}

// forget deletes deployment d, and those of the entries it held that no
// remaining deployment holds. When known says the ended ones are all it
// can have held alone, it leaves them to the caller, which collects them
// anyway; otherwise it collects every ended entry of the API that d held.
func forget(tx model.Tx, d *model.Deployment, known bool) error {
	if err := model.Delete(tx, d); err != nil || d.Seq == 0 {
		return err
	}
	head, ok, err := model.Get[model.DeploymentHead](tx, d.APIID)
	if err != nil || !ok {
		return err
	}
	head.Live = slices.DeleteFunc(head.Live, func(seq uint64) bool { return seq == d.Seq })
	if err := model.Put(tx, head); err != nil {
		return err
	}
	if known {
		return nil
	}
	entries, err := ofAPI[model.DeployedEntry](tx, d.APIID)
	if err != nil {
		return err
	}
	var held []*model.DeployedEntry
	for _, e := range entries {
		if e.Until != 0 && e.In(d.Seq) {
			held = append(held, e)
		}
	}
	return collect(tx, d.APIID, held)
}

func (s *Service) GetDeployment(ctx context.Context, in *DeploymentIDInput) (*Deployment, error) {
	var d *model.Deployment
	err := s.view(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		d, err = getDeployment(tx, in.APIID, in.DeploymentID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return deploymentShape(d), nil
}

func (s *Service) GetDeployments(ctx context.Context, in *ListInput) (*GetDeploymentsOutput, error) {
	var all []*model.Deployment
	err := s.view(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		all, err = ofAPI[model.Deployment](tx, in.APIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(d *model.Deployment) string { return d.ID }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &GetDeploymentsOutput{Items: []Deployment{}, NextToken: next}
	for _, d := range items {
		out.Items = append(out.Items, *deploymentShape(d))
	}
	return out, nil
}

// DeleteDeployment refuses while a stage serves the deployment.
func (s *Service) DeleteDeployment(ctx context.Context, in *DeploymentIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		d, err := getDeployment(tx, in.APIID, in.DeploymentID)
		if err != nil {
			return err
		}
		stages, err := stagesOf(tx, in.APIID)
		if err != nil {
			return err
		}
		for _, st := range stages {
			if st.DeploymentID == d.ID {
				return badRequest("Active stages pointing to this deployment must be moved or deleted")
			}
		}
		return forget(tx, d, false)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func getDeployment(tx model.Tx, apiID, id string) (*model.Deployment, error) {
	d, ok, err := model.Get[model.Deployment](tx, apiID+"/"+id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, deploymentNotFound(id)
	}
	return d, nil
}

func deploymentShape(d *model.Deployment) *Deployment {
	return &Deployment{
		AutoDeployed:     d.AutoDeployed,
		CreatedDate:      timestamp(d.CreatedDate),
		DeploymentID:     d.ID,
		DeploymentStatus: "DEPLOYED",
		Description:      d.Description,
	}
}
