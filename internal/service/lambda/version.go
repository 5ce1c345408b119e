package lambda

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// PublishVersionInput is PublishVersion's request.
type PublishVersionInput struct {
	FunctionName string `path:"FunctionName" json:"-"`
	CodeSha256   string `json:"CodeSha256"`
	Description  string `json:"Description"`
	RevisionId   string `json:"RevisionId"`
}

// PublishVersion freezes $LATEST as the next version, or answers the last
// version when $LATEST has not changed since it.
func (s *Service) PublishVersion(ctx context.Context, in *PublishVersionInput) (*FunctionConfiguration, error) {
	t, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	if len(in.Description) > 256 {
		var v validation
		v.length(in.Description, "description", 256)
		return nil, v.err()
	}
	var out *FunctionConfiguration
	err = s.update(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		if err := checkUpdatable(f, in.RevisionId); err != nil {
			return err
		}
		if in.CodeSha256 != "" && in.CodeSha256 != f.Config.CodeSha256 {
			return preconditionFailed("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the current CodeSHA256.", in.CodeSha256, f.Config.CodeSha256)
		}
		v, err := publish(tx, f, in.Description, s.now())
		if err != nil {
			return err
		}
		out = configuration(tx.Region, f.Name, v.ARN, v.Config)
		return model.Put(tx, f)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// publish writes $LATEST as version f.LastVersion+1, unless the last
// version is $LATEST as it is now, which it returns instead. The caller
// puts f.
func publish(tx model.Tx, f *model.Function, description string, now time.Time) (*model.FunctionVersion, error) {
	if f.LastVersion > 0 {
		last, ok, err := model.Get[model.FunctionVersion](tx, f.Name+"/"+strconv.Itoa(f.LastVersion))
		if err != nil {
			return nil, err
		}
		if ok && sameVersion(last.Config, f.Config) {
			return last, nil
		}
	}
	f.LastVersion++
	c := f.Config
	c.Version = strconv.Itoa(f.LastVersion)
	c.RevisionID = api.NewRequestID()
	c.LastModified = now
	if description != "" {
		c.Description = description
	}
	v := &model.FunctionVersion{Function: f.Name, ARN: f.ARN + ":" + c.Version, Config: c}
	return v, model.Put(tx, v)
}

// sameVersion reports whether a version froze what $LATEST holds now:
// the same package and settings, whatever the ids, times and states.
func sameVersion(v, latest model.FunctionConfig) bool {
	norm := func(c model.FunctionConfig) model.FunctionConfig {
		c.Version, c.RevisionID, c.LastModified, c.Description = "", "", time.Time{}, ""
		c.State, c.StateReason, c.StateReasonCode = "", "", ""
		c.LastUpdateStatus, c.LastUpdateStatusReason, c.LastUpdateStatusReasonCode = "", "", ""
		return c
	}
	return reflect.DeepEqual(norm(v), norm(latest))
}

// ListVersionsByFunctionInput pages through a function's versions.
type ListVersionsByFunctionInput struct {
	FunctionName string `path:"FunctionName" json:"-"`
	Marker       string `querystring:"Marker" json:"-"`
	MaxItems     *int   `querystring:"MaxItems" json:"-"`
}

// ListVersionsByFunctionOutput is one page of versions.
type ListVersionsByFunctionOutput struct {
	NextMarker string                   `json:"NextMarker,omitempty"`
	Versions   []*FunctionConfiguration `json:"Versions"`
}

// ListVersionsByFunction lists $LATEST, then the published versions in
// order.
func (s *Service) ListVersionsByFunction(ctx context.Context, in *ListVersionsByFunctionInput) (*ListVersionsByFunctionOutput, error) {
	t, err := resolve(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	type item struct {
		key  string
		conf *FunctionConfiguration
	}
	var items []item
	err = s.view(ctx, func(tx model.Tx) error {
		f, err := getFunction(ctx, tx, t)
		if err != nil {
			return err
		}
		items = append(items, item{"0", configuration(tx.Region, f.Name, f.ARN+":$LATEST", f.Config)})
		vs, err := model.ListPrefix[model.FunctionVersion](tx, f.Name+"/")
		if err != nil {
			return err
		}
		slices.SortFunc(vs, func(a, b *model.FunctionVersion) int {
			if versionLess(a.Config.Version, b.Config.Version) {
				return -1
			}
			return 1
		})
		for _, v := range vs {
			items = append(items, item{versionKey(v.Config.Version), configuration(tx.Region, f.Name, v.ARN, v.Config)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(items, func(it item) string { return it.key }, in.MaxItems, in.Marker, 50)
	if err != nil {
		return nil, err
	}
	out := &ListVersionsByFunctionOutput{NextMarker: next, Versions: make([]*FunctionConfiguration, len(pg))}
	for i, it := range pg {
		out.Versions[i] = it.conf
	}
	return out, nil
}
