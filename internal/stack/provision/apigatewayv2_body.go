package provision

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"gatehouse/internal/stack"
)

// bodyMembers are the AWS::ApiGatewayV2::Api properties that are the
// import's own, not UpdateApi's.
var bodyMembers = []string{"Body", "BasePath", "FailOnWarnings", "Tags", "ProtocolType"}

// importHTTPAPI makes an HTTP API from its template's Body, an OpenAPI
// definition, as CloudFormation does: ImportApi, then the template's own
// members (Name, Description, CorsConfiguration, …) over the document's,
// then the tags.
func importHTTPAPI(ctx context.Context, s *SDK, t stack.Target, p props) (stack.Created, error) {
	in, err := importInput(p)
	if err != nil {
		return stack.Created{}, err
	}
	out, err := s.HTTP.ImportApi(ctx, &apigatewayv2.ImportApiInput{Body: in.Body, Basepath: in.Basepath, FailOnWarnings: in.FailOnWarnings})
	if err != nil {
		return stack.Created{}, err
	}
	return s.finishImport(ctx, t, aws.ToString(out.ApiId), p)
}

// reimportHTTPAPI replaces the API's definition by the template's Body and
// applies the template's members and tags again, as the document resets
// the name and the CORS configuration.
func reimportHTTPAPI(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, p props) (stack.Created, error) {
	in, err := importInput(p)
	if err != nil {
		return cur, err
	}
	in.ApiId = aws.String(cur.Ref)
	if _, err := s.HTTP.ReimportApi(ctx, in); err != nil {
		return cur, err
	}
	return s.finishImport(ctx, t, cur.Ref, p)
}

func (s *SDK) finishImport(ctx context.Context, t stack.Target, id string, p props) (stack.Created, error) {
	in := apigatewayv2.UpdateApiInput{}
	rest := without(p, bodyMembers...)
	if err := decode(rest, &in); err != nil {
		return stack.Created{}, err
	}
	in.ApiId = aws.String(id)
	out, err := s.HTTP.UpdateApi(ctx, &in)
	if err != nil {
		return stack.Created{Ref: id}, err
	}
	created := stack.Created{Ref: id, Attrs: map[string]any{"ApiId": id, "ApiEndpoint": aws.ToString(out.ApiEndpoint)}}
	return created, s.retagV2(ctx, "/apis/"+id, t, p)
}

// importInput reads Body, which a template gives as an object (JSON or
// YAML in the template) or as the document's text, BasePath and
// FailOnWarnings.
func importInput(p props) (*apigatewayv2.ReimportApiInput, error) {
	var doc string
	switch b := p["Body"].(type) {
	case string:
		doc = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		doc = string(j)
	}
	fail, err := p.bool("FailOnWarnings")
	if err != nil {
		return nil, err
	}
	return &apigatewayv2.ReimportApiInput{Body: aws.String(doc), Basepath: p.str("BasePath"), FailOnWarnings: fail}, nil
}
