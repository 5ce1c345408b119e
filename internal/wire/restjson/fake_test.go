package restjson

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"gatehouse/internal/api"
)

// The fake service: apigatewayv2's VPC link operations on their real paths,
// plus a few test-only routes that exercise what those do not (greedy
// labels, literal queries, headers, raw payloads, failures).

type vpcLink struct {
	VpcLinkID        string            `json:"vpcLinkId,omitempty"`
	Name             string            `json:"name,omitempty"`
	SubnetIDs        []string          `json:"subnetIds,omitempty"`
	SecurityGroupIDs []string          `json:"securityGroupIds,omitempty"`
	Tags             map[string]string `json:"tags,omitempty"`
	VpcLinkStatus    string            `json:"vpcLinkStatus,omitempty"`
	CreatedDate      string            `json:"createdDate,omitempty"`
}

type createVpcLinkIn struct {
	Name             string            `json:"name"`
	SubnetIDs        []string          `json:"subnetIds"`
	SecurityGroupIDs []string          `json:"securityGroupIds"`
	Tags             map[string]string `json:"tags"`
}

type vpcLinkIDIn struct {
	VpcLinkID string `path:"vpcLinkId" json:"-"`
}

type getVpcLinksIn struct {
	MaxResults string `querystring:"maxResults" json:"-"`
	NextToken  string `querystring:"nextToken" json:"-"`
}

type getVpcLinksOut struct {
	Items     []vpcLink `json:"items,omitempty"`
	NextToken string    `json:"nextToken,omitempty"`
}

type empty struct{}

type quotaOut struct {
	Limit int `json:"limit"`
}

type objectIn struct {
	Bucket string `path:"bucket" json:"-"`
	Key    string `path:"key" json:"-"`
}

type objectOut struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

type echoIn struct {
	Limit  *int32            `querystring:"limit" json:"-"`
	Flag   bool              `querystring:"flag" json:"-"`
	IDs    []string          `querystring:"id" json:"-"`
	All    map[string]string `querystring:"*" json:"-"`
	Tag    string            `header:"X-Gatehouse-Tag" json:"-"`
	Sizes  []int             `header:"X-Sizes" json:"-"`
	Weight float64           `json:"weight"`
	Nested *struct {
		On bool `json:"on"`
	} `json:"nested"`
}

type echoOut struct {
	Limit    *int32            `json:"limit,omitempty"`
	Flag     bool              `json:"flag"`
	IDs      []string          `json:"ids,omitempty"`
	All      map[string]string `json:"all,omitempty"`
	Tag      string            `json:"tag,omitempty"`
	Sizes    []int             `json:"sizes,omitempty"`
	Weight   float64           `json:"weight"`
	NestedOn *bool             `json:"nestedOn,omitempty"`
}

type importIn struct {
	Body []byte `payload:"" json:"-"`
	Fail bool   `querystring:"failonwarnings" json:"-"`
}

type thingOut struct {
	Mode string `json:"mode"`
	Size int    `json:"size"`
	Name string `json:"name,omitempty"`
}

type createThingIn struct {
	Name string `json:"name"`
}

// runIn takes a raw body and a header, as Lambda's Invoke does.
type runIn struct {
	Mode string `header:"X-Run-Mode" json:"-"`
	Body []byte `payload:"" json:"-"`
}

// runOut answers with its own status and headers beside a raw body.
type runOut struct {
	status int
	body   []byte
	header map[string]string
}

func (o *runOut) Payload() ([]byte, string) {
	if o.body == nil {
		return nil, ""
	}
	return o.body, "application/json"
}

func (o *runOut) Response() (int, map[string]string) { return o.status, o.header }

// shapedError is an error structure of its own, as Lambda's are.
type shapedError struct {
	Message string `json:"Message"`
	Type    string `json:"Type"`
}

func fakeOps() api.Table {
	return api.NewTable(
		api.Handle("CreateVpcLink", func(ctx context.Context, in *createVpcLinkIn) (*vpcLink, error) {
			if in.Name == "taken" {
				return nil, api.Errorf(http.StatusConflict, "ConflictException", `A VPC link named "taken" <already> exists & cannot be reused.`)
			}
			return &vpcLink{VpcLinkID: "vl1a2b3c", Name: in.Name, SubnetIDs: in.SubnetIDs,
				SecurityGroupIDs: in.SecurityGroupIDs, Tags: in.Tags, VpcLinkStatus: "PENDING",
				CreatedDate: "2026-01-01T00:00:00Z"}, nil
		}).Route("POST", "/v2/vpclinks", http.StatusCreated),
		api.Handle("GetVpcLink", func(ctx context.Context, in *vpcLinkIDIn) (*vpcLink, error) {
			if in.VpcLinkID == "missing" {
				return nil, api.Errorf(http.StatusNotFound, "NotFoundException", "Invalid VPC link identifier specified %s", in.VpcLinkID)
			}
			return &vpcLink{VpcLinkID: in.VpcLinkID, Name: "private", VpcLinkStatus: "AVAILABLE"}, nil
		}).Route("GET", "/v2/vpclinks/{vpcLinkId}", 0),
		api.Handle("GetVpcLinks", func(ctx context.Context, in *getVpcLinksIn) (*getVpcLinksOut, error) {
			return &getVpcLinksOut{Items: []vpcLink{{VpcLinkID: "vl-" + in.MaxResults}}, NextToken: in.NextToken + "+1"}, nil
		}).Route("GET", "/v2/vpclinks", 0),
		api.Handle("DeleteVpcLink", func(ctx context.Context, in *vpcLinkIDIn) (*empty, error) {
			return &empty{}, nil
		}).Route("DELETE", "/v2/vpclinks/{vpcLinkId}", http.StatusAccepted),
		api.Handle("GetVpcLinkQuota", func(ctx context.Context, in *empty) (*quotaOut, error) {
			return &quotaOut{Limit: 10}, nil
		}).Route("GET", "/v2/vpclinks/quota", 0),
		api.Handle("GetObject", func(ctx context.Context, in *objectIn) (*objectOut, error) {
			return &objectOut{Bucket: in.Bucket, Key: in.Key}, nil
		}).Route("GET", "/objects/{bucket}/{key+}", 0),
		api.Handle("Echo", func(ctx context.Context, in *echoIn) (*echoOut, error) {
			out := &echoOut{Limit: in.Limit, Flag: in.Flag, IDs: in.IDs, All: in.All, Tag: in.Tag, Sizes: in.Sizes, Weight: in.Weight}
			if in.Nested != nil {
				out.NestedOn = &in.Nested.On
			}
			return out, nil
		}).Route("POST", "/echo", 0),
		api.Handle("ImportThing", func(ctx context.Context, in *importIn) (*thingOut, error) {
			return &thingOut{Mode: "import", Size: len(in.Body)}, nil
		}).Route("POST", "/things?mode=import", http.StatusCreated),
		api.Handle("CreateThing", func(ctx context.Context, in *createThingIn) (*thingOut, error) {
			return &thingOut{Mode: "create", Name: in.Name}, nil
		}).Route("POST", "/things", http.StatusCreated),
		api.Handle("Panic", func(ctx context.Context, in *empty) (*empty, error) {
			var m map[string]int
			m["boom"]++
			return nil, nil
		}).Route("GET", "/panic", 0),
		api.Handle("Broken", func(ctx context.Context, in *empty) (*empty, error) {
			return nil, errors.New("disk on fire")
		}).Route("GET", "/broken", 0),
		api.Handle("Run", func(ctx context.Context, in *runIn) (*runOut, error) {
			switch in.Mode {
			case "later":
				return &runOut{status: http.StatusAccepted}, nil
			case "refuse":
				e := api.Errorf(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s", in.Body)
				e.Shape = shapedError{Message: e.Message, Type: "User"}
				return nil, e
			}
			return &runOut{body: in.Body, header: map[string]string{"X-Run-Result": "ran"}}, nil
		}).Route("POST", "/run", 0),
		api.Handle("WhoAmI", func(ctx context.Context, in *empty) (*objectOut, error) {
			m := api.MetaFrom(ctx)
			return &objectOut{Bucket: m.Account, Key: strings.ToUpper(m.Region)}, nil
		}).Route("GET", "/whoami", 0),
	)
}
