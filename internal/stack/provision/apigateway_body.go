package provision

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"gatehouse/internal/stack"
)

// restBodyMembers are the AWS::ApiGateway::RestApi properties that are
// the import's own, not UpdateRestApi's.
var restBodyMembers = []string{"Body", "FailOnWarnings", "Mode", "Parameters"}

// importRestAPI makes a REST API from its template's Body, an OpenAPI or
// Swagger definition, as CloudFormation does: ImportRestApi, then the
// template's own members (Name over the document's title, Description,
// EndpointConfiguration, BinaryMediaTypes, …) and the tags.
func importRestAPI(ctx context.Context, s *SDK, t stack.Target, p props) (stack.Created, error) {
	body, fail, params, err := restBodyInput(p)
	if err != nil {
		return stack.Created{}, err
	}
	out, err := s.APIGW.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: body, FailOnWarnings: fail, Parameters: params})
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Id)
	cur := stack.Created{Ref: id, Attrs: map[string]any{"RestApiId": id, "RootResourceId": aws.ToString(out.RootResourceId)}}
	return updateRestAPI(ctx, s, t, cur, props{}, without(p, restBodyMembers...))
}

// reimportRestAPI puts the template's Body into the API with its Mode
// (overwrite when none is given, so the API is the document's) and
// applies the template's members again over the document's.
func reimportRestAPI(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	if onlyChanged(changedKeys(old, new), "Tags") {
		return cur, s.retagV1(ctx, "/restapis/"+cur.Ref, t, new)
	}
	body, fail, params, err := restBodyInput(new)
	if err != nil {
		return cur, err
	}
	mode := agtypes.PutModeOverwrite
	if m := new.string("Mode"); m != "" {
		mode = agtypes.PutMode(m)
	}
	_, err = s.APIGW.PutRestApi(ctx, &apigateway.PutRestApiInput{RestApiId: aws.String(cur.Ref), Body: body,
		Mode: mode, FailOnWarnings: fail, Parameters: params})
	if err != nil {
		return cur, err
	}
	return updateRestAPI(ctx, s, t, cur, props{}, without(new, restBodyMembers...))
}

// restBodyInput reads Body, which a template gives as an object (JSON or
// YAML in the template) or as the document's text, FailOnWarnings and
// Parameters.
func restBodyInput(p props) ([]byte, bool, map[string]string, error) {
	var body []byte
	switch b := p["Body"].(type) {
	case string:
		body = []byte(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, false, nil, err
		}
		body = j
	}
	fail, err := p.bool("FailOnWarnings")
	if err != nil {
		return nil, false, nil, err
	}
	return body, fail != nil && *fail, p.stringMap("Parameters"), nil
}
