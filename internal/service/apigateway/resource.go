package apigateway

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"gatehouse/internal/model"
)

// Resource is one path of a REST API's tree.
type Resource struct {
	ID       string `json:"id"`
	ParentID string `json:"parentId,omitempty"`
	PathPart string `json:"pathPart,omitempty"`
	Path     string `json:"path"`
	// ResourceMethods maps each method to an empty object, or to the whole
	// Method when the caller asks for embed=methods, as AWS does.
	ResourceMethods map[string]any `json:"resourceMethods,omitempty"`
}

type CreateResourceInput struct {
	RestAPIID string `path:"restApiId" json:"-"`
	ParentID  string `path:"parentId" json:"-"`
	PathPart  string `json:"pathPart"`
}

type ResourceIDInput struct {
	RestAPIID  string `path:"restApiId" json:"-"`
	ResourceID string `path:"resourceId" json:"-"`
}

type UpdateResourceInput struct {
	RestAPIID       string           `path:"restApiId" json:"-"`
	ResourceID      string           `path:"resourceId" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

type GetResourceInput struct {
	RestAPIID  string   `path:"restApiId" json:"-"`
	ResourceID string   `path:"resourceId" json:"-"`
	Embed      []string `querystring:"embed" json:"-"`
}

type GetResourcesInput struct {
	RestAPIID string   `path:"restApiId" json:"-"`
	Embed     []string `querystring:"embed" json:"-"`
	Limit     *int32   `querystring:"limit" json:"-"`
	Position  string   `querystring:"position" json:"-"`
}

type GetResourcesOutput struct {
	Items    []Resource `json:"item"`
	Position string     `json:"position,omitempty"`
}

// Path parts: a literal, a {variable} or a greedy {variable+}.
var (
	literalPart  = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)
	variablePart = regexp.MustCompile(`^\{[a-zA-Z0-9._-]+\+?\}$`)
)

func isVariable(part string) bool { return strings.HasPrefix(part, "{") }
func isGreedy(part string) bool   { return strings.HasSuffix(part, "+}") }

func (s *Service) CreateResource(ctx context.Context, in *CreateResourceInput) (*Resource, error) {
	var r *model.RestResource
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		parent, err := getResource(tx, in.RestAPIID, in.ParentID)
		if err != nil {
			return err
		}
		siblings, err := children(tx, parent)
		if err != nil {
			return err
		}
		if err := checkPlace(in.PathPart, parent, siblings); err != nil {
			return err
		}
		id, err := freshID(shortID, func(id string) (bool, error) {
			_, ok, err := model.Get[model.RestResource](tx, in.RestAPIID+"/"+id)
			return ok, err
		})
		if err != nil {
			return err
		}
		r = &model.RestResource{APIID: in.RestAPIID, ID: id, ParentID: parent.ID, PathPart: in.PathPart, Path: childPath(parent.Path, in.PathPart)}
		return model.Put(tx, r)
	})
	if err != nil {
		return nil, err
	}
	return resourceShape(r, nil), nil
}

// checkPlace checks that a resource may take path part part under parent,
// beside siblings (the parent's other children): the rules of
// CreateResource, which UpdateResource shares.
func checkPlace(part string, parent *model.RestResource, siblings []*model.RestResource) error {
	if !literalPart.MatchString(part) && !variablePart.MatchString(part) {
		return badRequest("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.")
	}
	if isGreedy(parent.PathPart) {
		return badRequest("A greedy path variable (%s) matches the rest of the path, so its resource cannot have children", parent.PathPart)
	}
	for _, sib := range siblings {
		if sib.PathPart == part {
			return conflict("Another resource with the same parent already has this name: %s", part)
		}
	}
	if isVariable(part) {
		for _, sib := range siblings {
			if isVariable(sib.PathPart) {
				return badRequest("A sibling (%s) of this resource already has a variable path part -- only one is allowed", sib.PathPart)
			}
		}
	}
	return nil
}

// childPath is the path of a resource with path part part under a resource
// at parentPath.
func childPath(parentPath, part string) string {
	if parentPath == "/" {
		return "/" + part
	}
	return parentPath + "/" + part
}

func (s *Service) GetResource(ctx context.Context, in *GetResourceInput) (*Resource, error) {
	var r *model.RestResource
	err := s.view(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		var err error
		r, err = getResource(tx, in.RestAPIID, in.ResourceID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return resourceShape(r, in.Embed), nil
}

func (s *Service) GetResources(ctx context.Context, in *GetResourcesInput) (*GetResourcesOutput, error) {
	var resources []*model.RestResource
	err := s.view(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		var err error
		resources, err = apiResources(tx, in.RestAPIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Path order puts every parent before its children, which is how
	// people read a tree.
	resources, next, err := page(resources, func(r *model.RestResource) string { return r.Path }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &GetResourcesOutput{Items: []Resource{}, Position: next}
	for _, r := range resources {
		out.Items = append(out.Items, *resourceShape(r, in.Embed))
	}
	return out, nil
}

// UpdateResource renames a resource (/pathPart) or moves it under another
// parent (/parentId), taking its subtree along: every descendant's path
// follows in the same transaction. The new place must be one CreateResource
// would give; a resource cannot move under itself or its descendants, and
// the root has no part or parent to change. Methods move with their
// resource unchanged, and deployed stages serve their old paths until the
// next deployment.
func (s *Service) UpdateResource(ctx context.Context, in *UpdateResourceInput) (*Resource, error) {
	var r *model.RestResource
	err := s.update(ctx, func(tx model.Tx) error {
		a, err := getAPI(ctx, tx, in.RestAPIID)
		if err != nil {
			return err
		}
		all, err := apiResources(tx, in.RestAPIID)
		if err != nil {
			return err
		}
		byID := map[string]*model.RestResource{}
		kids := map[string][]*model.RestResource{}
		for _, x := range all {
			byID[x.ID] = x
			kids[x.ParentID] = append(kids[x.ParentID], x)
		}
		var ok bool
		if r, ok = byID[in.ResourceID]; !ok {
			return resourceNotFound()
		}
		part, parentID := r.PathPart, r.ParentID
		err = applyPatch(in.PatchOperations, []patchPath{
			replaceText("/pathPart", &part),
			replaceText("/parentId", &parentID),
		})
		if err != nil {
			return err
		}
		if r.ID == a.RootResourceID {
			if len(in.PatchOperations) > 0 {
				return badRequest("The root resource of a REST API cannot be changed: it has no path part and no parent")
			}
			return nil
		}
		parent, ok := byID[parentID]
		if !ok {
			return resourceNotFound()
		}
		for up := parent; up != nil; up = byID[up.ParentID] {
			if up.ID == r.ID {
				return badRequest("Resource %s cannot move under itself or one of its descendants (%s)", r.Path, parent.Path)
			}
		}
		siblings := slices.DeleteFunc(slices.Clone(kids[parent.ID]), func(x *model.RestResource) bool { return x.ID == r.ID })
		if err := checkPlace(part, parent, siblings); err != nil {
			return err
		}
		if isGreedy(part) && len(kids[r.ID]) > 0 {
			return badRequest("A greedy path variable (%s) matches the rest of the path, so its resource cannot have children; this resource has %d", part, len(kids[r.ID]))
		}
		r.PathPart, r.ParentID = part, parent.ID
		return repath(tx, r, parent.Path, kids)
	})
	if err != nil {
		return nil, err
	}
	return resourceShape(r, nil), nil
}

// repath gives r its path under parentPath and each of its descendants
// (kids: children by parent id) the path that follows, and writes them.
// It goes breadth first, so that a parent's path is settled before its
// children's are made from it.
func repath(tx model.Tx, r *model.RestResource, parentPath string, kids map[string][]*model.RestResource) error {
	r.Path = childPath(parentPath, r.PathPart)
	for queue := []*model.RestResource{r}; len(queue) > 0; queue = queue[1:] {
		x := queue[0]
		if err := model.Put(tx, x); err != nil {
			return err
		}
		for _, c := range kids[x.ID] {
			c.Path = childPath(x.Path, c.PathPart)
			queue = append(queue, c)
		}
	}
	return nil
}

// DeleteResource removes a resource with its whole subtree and their
// methods. The root cannot go: it goes with its API.
func (s *Service) DeleteResource(ctx context.Context, in *ResourceIDInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		a, err := getAPI(ctx, tx, in.RestAPIID)
		if err != nil {
			return err
		}
		r, err := getResource(tx, in.RestAPIID, in.ResourceID)
		if err != nil {
			return err
		}
		if r.ID == a.RootResourceID {
			return badRequest("Cannot delete the root resource of a REST API")
		}
		all, err := apiResources(tx, in.RestAPIID)
		if err != nil {
			return err
		}
		doomed := map[string]bool{r.ID: true}
		// Resources are stored flat, so the subtree is found by walking down
		// from r until no resource joins.
		for grew := true; grew; {
			grew = false
			for _, c := range all {
				if !doomed[c.ID] && doomed[c.ParentID] {
					doomed[c.ID], grew = true, true
				}
			}
		}
		for _, c := range all {
			if doomed[c.ID] {
				if err := model.Delete(tx, c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func getResource(tx model.Tx, apiID, id string) (*model.RestResource, error) {
	r, ok, err := model.Get[model.RestResource](tx, apiID+"/"+id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, resourceNotFound()
	}
	return r, nil
}

// apiResources lists one API's resources. Keys are "apiID/resourceID", so
// one prefix scan reads them and no other API's.
func apiResources(tx model.Tx, apiID string) ([]*model.RestResource, error) {
	return model.ListPrefix[model.RestResource](tx, apiID+"/")
}

func children(tx model.Tx, parent *model.RestResource) ([]*model.RestResource, error) {
	all, err := apiResources(tx, parent.APIID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(r *model.RestResource) bool { return r.ParentID != parent.ID }), nil
}

func resourceShape(r *model.RestResource, embed []string) *Resource {
	out := &Resource{ID: r.ID, ParentID: r.ParentID, PathPart: r.PathPart, Path: r.Path}
	if len(r.Methods) == 0 {
		return out
	}
	full := slices.Contains(embed, "methods")
	out.ResourceMethods = map[string]any{}
	for name, m := range r.Methods {
		if full {
			out.ResourceMethods[name] = methodShape(m)
		} else {
			out.ResourceMethods[name] = struct{}{}
		}
	}
	return out
}
