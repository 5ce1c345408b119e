package apigateway

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"gatehouse/internal/model"
)

// Deployment is a frozen copy of an API's resource tree.
type Deployment struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	CreatedDate int64  `json:"createdDate"`
	// APISummary comes with GetDeployment's embed=apisummary: each path's
	// methods and how they are authorized.
	APISummary map[string]map[string]MethodSnapshot `json:"apiSummary,omitempty"`
}

// MethodSnapshot is one method in a deployment's summary.
type MethodSnapshot struct {
	AuthorizationType string `json:"authorizationType,omitempty"`
	APIKeyRequired    bool   `json:"apiKeyRequired"`
}

type CreateDeploymentInput struct {
	RestAPIID        string            `path:"restApiId" json:"-"`
	StageName        string            `json:"stageName"`
	StageDescription string            `json:"stageDescription"`
	Description      string            `json:"description"`
	Variables        map[string]string `json:"variables"`
	// Refused when set: gatehouse has no canary releases.
	CanarySettings json.RawMessage `json:"canarySettings"`
	// Accepted and not kept: gatehouse has no cache clusters or tracing.
	CacheClusterEnabled *bool   `json:"cacheClusterEnabled"`
	CacheClusterSize    *string `json:"cacheClusterSize"`
	TracingEnabled      *bool   `json:"tracingEnabled"`
}

type DeploymentIDInput struct {
	RestAPIID    string `path:"restApiId" json:"-"`
	DeploymentID string `path:"deploymentId" json:"-"`
}

type UpdateDeploymentInput struct {
	RestAPIID       string           `path:"restApiId" json:"-"`
	DeploymentID    string           `path:"deploymentId" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

type GetDeploymentInput struct {
	RestAPIID    string   `path:"restApiId" json:"-"`
	DeploymentID string   `path:"deploymentId" json:"-"`
	Embed        []string `querystring:"embed" json:"-"`
}

type GetDeploymentsInput struct {
	RestAPIID string `path:"restApiId" json:"-"`
	Limit     *int32 `querystring:"limit" json:"-"`
	Position  string `querystring:"position" json:"-"`
}

type GetDeploymentsOutput struct {
	Items    []Deployment `json:"item"`
	Position string       `json:"position,omitempty"`
}

// CreateDeployment freezes the API's current tree. With stageName it also
// points that stage at the new deployment, creating the stage if need be,
// in the same transaction: the stage never serves a half-made deployment.
func (s *Service) CreateDeployment(ctx context.Context, in *CreateDeploymentInput) (*Deployment, error) {
	if len(in.CanarySettings) > 0 && string(in.CanarySettings) != "null" {
		return nil, badRequest("gatehouse has no canary releases; create the deployment without canarySettings")
	}
	if in.StageName != "" {
		if err := checkStageName(in.StageName); err != nil {
			return nil, err
		}
	}
	if err := checkVariables(in.Variables); err != nil {
		return nil, err
	}
	var d *model.RestDeployment
	err := s.update(ctx, func(tx model.Tx) error {
		a, err := getAPI(ctx, tx, in.RestAPIID)
		if err != nil {
			return err
		}
		resources, err := apiResources(tx, in.RestAPIID)
		if err != nil {
			return err
		}
		if err := checkDeployable(tx, resources); err != nil {
			return err
		}
		id, err := freshID(shortID, func(id string) (bool, error) {
			_, ok, err := model.Get[model.RestDeployment](tx, in.RestAPIID+"/"+id)
			return ok, err
		})
		if err != nil {
			return err
		}
		sort.Slice(resources, func(i, j int) bool { return resources[i].Path < resources[j].Path })
		// The records were decoded for this transaction alone, so the copy
		// shares nothing with the live tree.
		d = &model.RestDeployment{APIID: in.RestAPIID, ID: id, Description: in.Description, CreatedDate: s.now(),
			BinaryMediaTypes: slices.Clone(a.BinaryMediaTypes)}
		for _, r := range resources {
			d.Resources = append(d.Resources, *r)
		}
		if err := freezeValidation(tx, d); err != nil {
			return err
		}
		if err := model.Put(tx, d); err != nil {
			return err
		}
		if in.StageName == "" {
			return nil
		}
		st, ok, err := model.Get[model.RestStage](tx, in.RestAPIID+"/"+in.StageName)
		if err != nil {
			return err
		}
		if !ok {
			st = &model.RestStage{APIID: in.RestAPIID, Name: in.StageName, Description: in.StageDescription, CreatedDate: s.now()}
		}
		st.DeploymentID = id
		st.LastUpdatedDate = s.now()
		for k, v := range in.Variables {
			if st.Variables == nil {
				st.Variables = map[string]string{}
			}
			st.Variables[k] = v
		}
		return model.Put(tx, st)
	})
	if err != nil {
		return nil, err
	}
	return deploymentShape(d, false), nil
}

// checkDeployable refuses a tree AWS would not deploy: one without methods,
// a method without an integration, or a private integration whose link is
// being deleted.
func checkDeployable(tx model.Tx, resources []*model.RestResource) error {
	methods := 0
	for _, r := range resources {
		for _, name := range sortedKeys(r.Methods) {
			methods++
			ig := r.Methods[name].Integration
			if ig == nil {
				return badRequest("No integration defined for method")
			}
			if ig.ConnectionType != "VPC_LINK" || stageVariableRef.MatchString(ig.ConnectionID) {
				continue
			}
			link, ok, err := model.Get[model.VpcLinkV1](tx, ig.ConnectionID)
			if err != nil {
				return err
			}
			if ok && link.Status == model.LinkDeleting {
				return badRequest("VPC link %s used by %s %s is being deleted, so the API cannot be deployed", link.ID, name, r.Path)
			}
		}
	}
	if methods == 0 {
		return badRequest("The REST API doesn't contain any methods")
	}
	return nil
}

func (s *Service) GetDeployment(ctx context.Context, in *GetDeploymentInput) (*Deployment, error) {
	var d *model.RestDeployment
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		d, err = getDeployment(ctx, tx, in.RestAPIID, in.DeploymentID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return deploymentShape(d, slices.Contains(in.Embed, "apisummary")), nil
}

func (s *Service) GetDeployments(ctx context.Context, in *GetDeploymentsInput) (*GetDeploymentsOutput, error) {
	var all []*model.RestDeployment
	err := s.view(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		var err error
		all, err = apiDeployments(tx, in.RestAPIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(d *model.RestDeployment) string { return d.ID }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &GetDeploymentsOutput{Items: []Deployment{}, Position: next}
	for _, d := range items {
		out.Items = append(out.Items, *deploymentShape(d, false))
	}
	return out, nil
}

// UpdateDeployment changes a deployment's description; the frozen tree
// cannot change, so stages keep serving exactly what they served.
func (s *Service) UpdateDeployment(ctx context.Context, in *UpdateDeploymentInput) (*Deployment, error) {
	var d *model.RestDeployment
	err := s.update(ctx, func(tx model.Tx) error {
		var err error
		if d, err = getDeployment(ctx, tx, in.RestAPIID, in.DeploymentID); err != nil {
			return err
		}
		if err := applyPatch(in.PatchOperations, []patchPath{replaceText("/description", &d.Description)}); err != nil {
			return err
		}
		return model.Put(tx, d)
	})
	if err != nil {
		return nil, err
	}
	return deploymentShape(d, false), nil
}

// DeleteDeployment refuses while a stage serves the deployment, as AWS
// does.
func (s *Service) DeleteDeployment(ctx context.Context, in *DeploymentIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		d, err := getDeployment(ctx, tx, in.RestAPIID, in.DeploymentID)
		if err != nil {
			return err
		}
		stages, err := apiStages(tx, in.RestAPIID)
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

func getDeployment(ctx context.Context, tx model.Tx, apiID, id string) (*model.RestDeployment, error) {
	if _, err := getAPI(ctx, tx, apiID); err != nil {
		return nil, err
	}
	d, ok, err := model.Get[model.RestDeployment](tx, apiID+"/"+id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, deploymentNotFound()
	}
	return d, nil
}

func apiDeployments(tx model.Tx, apiID string) ([]*model.RestDeployment, error) {
	return model.ListPrefix[model.RestDeployment](tx, apiID+"/")
}

func deploymentShape(d *model.RestDeployment, summary bool) *Deployment {
	out := &Deployment{ID: d.ID, Description: d.Description, CreatedDate: epoch(d.CreatedDate)}
	if !summary {
		return out
	}
	out.APISummary = map[string]map[string]MethodSnapshot{}
	for _, r := range d.Resources {
		if len(r.Methods) == 0 {
			continue
		}
		methods := map[string]MethodSnapshot{}
		for name, m := range r.Methods {
			methods[name] = MethodSnapshot{AuthorizationType: m.AuthorizationType, APIKeyRequired: m.APIKeyRequired}
		}
		out.APISummary[r.Path] = methods
	}
	return out
}

// methodRef names a method of a stage's deployment as AWS lists references
// to a VPC link: RESTApiId:Method:Resource:Stage.
func methodRef(apiID, method, resourceID, stage string) string {
	return fmt.Sprintf("%s:%s:%s:%s", apiID, method, resourceID, stage)
}
