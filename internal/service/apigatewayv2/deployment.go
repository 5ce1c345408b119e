package apigatewayv2

import (
	"context"
	"fmt"

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
		if d, err = s.freeze(tx, in.APIID, deref(in.Description), false); err != nil {
			return err
		}
		if d == nil {
			return badRequest(noRoutes)
		}
		if st == nil {
			return nil
		}
		old := st.DeploymentID
		st.DeploymentID, st.LastDeploymentStatus, st.LastUpdatedDate = d.ID, "", d.CreatedDate
		if err := model.Put(tx, st); err != nil {
			return err
		}
		return pruneAutoDeployment(tx, in.APIID, old)
	})
	if err != nil {
		return nil, err
	}
	return deploymentShape(d), nil
}

// freeze writes a deployment holding copies of the API's routes and
// integrations as they stand. An API without routes cannot be deployed:
// freeze then returns nil and writes nothing.
func (s *Service) freeze(tx model.Tx, apiID, description string, auto bool) (*model.Deployment, error) {
	routes, err := routesOf(tx, apiID)
	if err != nil || len(routes) == 0 {
		return nil, err
	}
	integrations, err := integrationsOf(tx, apiID)
	if err != nil {
		return nil, err
	}
	id, err := newID(deploymentIDLen, unused[model.Deployment](tx, apiID+"/"))
	if err != nil {
		return nil, err
	}
	d := &model.Deployment{APIID: apiID, ID: id, Description: description, AutoDeployed: auto, CreatedDate: s.now()}
	for _, r := range routes {
		d.Routes = append(d.Routes, *r)
	}
	for _, i := range integrations {
		d.Integrations = append(d.Integrations, *i)
	}
	return d, model.Put(tx, d)
}

// autoDeploy gives each of the API's autoDeploy stages a new deployment of
// what the API holds now. Every operation that changes a route or an
// integration calls it in its own transaction, so the data plane never sees
// the change without the deployment.
func (s *Service) autoDeploy(tx model.Tx, apiID string) error {
	stages, err := stagesOf(tx, apiID)
	if err != nil {
		return err
	}
	for _, st := range stages {
		if st.AutoDeploy {
			if err := s.deploy(tx, st); err != nil {
				return err
			}
		}
	}
	return nil
}

// deploy points an autoDeploy stage at a new deployment, or records why
// there is none, and writes the stage.
func (s *Service) deploy(tx model.Tx, st *model.Stage) error {
	d, err := s.freeze(tx, st.APIID, autoDescription, true)
	if err != nil {
		return err
	}
	st.LastUpdatedDate = s.now()
	if d == nil {
		st.LastDeploymentStatus = autoDeployFailed
		return model.Put(tx, st)
	}
	old := st.DeploymentID
	st.DeploymentID, st.LastDeploymentStatus = d.ID, fmt.Sprintf(autoDeployed, d.ID)
	if err := model.Put(tx, st); err != nil {
		return err
	}
	return pruneAutoDeployment(tx, st.APIID, old)
}

// pruneAutoDeployment deletes an automatic deployment no stage serves any
// more. Each change to an autoDeploy API makes one, each holding a copy of
// every route and integration, so keeping them all would grow the store
// with the square of the API's size; manual deployments are kept.
func pruneAutoDeployment(tx model.Tx, apiID, id string) error {
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
	return model.Delete(tx, d)
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
		return model.Delete(tx, d)
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
