package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"gatehouse/internal/stack"
)

// A REST API's models, request validators and gateway responses. Their
// properties are the API's members, but for a model's Schema, which a
// template may write as a JSON object.

func init() {
	creators["AWS::ApiGateway::Model"] = createModel
	creators["AWS::ApiGateway::RequestValidator"] = createRequestValidator
	creators["AWS::ApiGateway::GatewayResponse"] = createGatewayResponse
	updaters["AWS::ApiGateway::Model"] = updateModel
	updaters["AWS::ApiGateway::RequestValidator"] = updateRequestValidator
	updaters["AWS::ApiGateway::GatewayResponse"] = updateGatewayResponse
	deleters["AWS::ApiGateway::Model"] = deleteModel
	deleters["AWS::ApiGateway::RequestValidator"] = deleteRequestValidator
	deleters["AWS::ApiGateway::GatewayResponse"] = deleteGatewayResponse
}

// schemaText is a model's Schema as the API takes it: a string as
// written, an object as JSON.
func schemaText(p props) (*string, error) {
	v, ok := p["Schema"]
	if !ok || v == nil {
		return nil, nil
	}
	if text, isText := v.(string); isText {
		return aws.String(text), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("Schema: %v", err)
	}
	return aws.String(string(b)), nil
}

// createModel names a model the template names not as CloudFormation
// does, keeping only letters and digits: model names allow nothing else.
// JSON is the content type when none is given, as on AWS.
func createModel(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateModelInput
	if err := decode(without(p, "Schema"), &in); err != nil {
		return stack.Created{}, err
	}
	var err error
	if in.Schema, err = schemaText(p); err != nil {
		return stack.Created{}, err
	}
	if in.Name == nil {
		in.Name = aws.String(strings.ReplaceAll(physicalName(t), "-", ""))
	}
	if in.ContentType == nil {
		in.ContentType = aws.String("application/json")
	}
	out, err := s.APIGW.CreateModel(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	return stack.Created{Ref: aws.ToString(out.Name), Attrs: map[string]any{}}, nil
}

// updateModel patches the schema and description; every other property
// is create-only, so a change to it replaces the model.
func updateModel(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	var ops []agtypes.PatchOperation
	for _, k := range changedKeys(old, new) {
		switch k {
		case "Description":
			ops = append(ops, replaceOp("/description", new.string(k)))
		case "Schema":
			text, err := schemaText(new)
			if err != nil {
				return cur, err
			}
			ops = append(ops, replaceOp("/schema", aws.ToString(text)))
		default:
			return cur, cannotChange(k)
		}
	}
	if len(ops) > 0 {
		_, err := s.APIGW.UpdateModel(ctx, &apigateway.UpdateModelInput{RestApiId: aws.String(new.string("RestApiId")), ModelName: aws.String(cur.Ref), PatchOperations: ops})
		if err != nil {
			return cur, err
		}
	}
	return cur, nil
}

func deleteModel(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	_, err := s.APIGW.DeleteModel(ctx, &apigateway.DeleteModelInput{RestApiId: aws.String(p.string("RestApiId")), ModelName: aws.String(cur.Ref)})
	return ignoreGone(err)
}

// createRequestValidator names a validator the template names not as
// CloudFormation names resources: the API requires a name.
func createRequestValidator(ctx context.Context, s *SDK, t stack.Target, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateRequestValidatorInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	if in.Name == nil {
		in.Name = aws.String(physicalName(t))
	}
	out, err := s.APIGW.CreateRequestValidator(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Id)
	return stack.Created{Ref: id, Attrs: map[string]any{"RequestValidatorId": id}}, nil
}

// updateRequestValidator patches what it validates; its name and API are
// create-only.
func updateRequestValidator(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	var ops []agtypes.PatchOperation
	for _, k := range changedKeys(old, new) {
		switch k {
		case "ValidateRequestBody":
			ops = append(ops, replaceOp("/validateRequestBody", strconv.FormatBool(new.string(k) == "true")))
		case "ValidateRequestParameters":
			ops = append(ops, replaceOp("/validateRequestParameters", strconv.FormatBool(new.string(k) == "true")))
		default:
			return cur, cannotChange(k)
		}
	}
	if len(ops) > 0 {
		_, err := s.APIGW.UpdateRequestValidator(ctx, &apigateway.UpdateRequestValidatorInput{RestApiId: aws.String(new.string("RestApiId")), RequestValidatorId: aws.String(cur.Ref), PatchOperations: ops})
		if err != nil {
			return cur, err
		}
	}
	return cur, nil
}

// deleteRequestValidator needs no method to let go of the validator
// first: a method that names it refers to it, so CloudFormation deletes
// or changes that method before it.
func deleteRequestValidator(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	_, err := s.APIGW.DeleteRequestValidator(ctx, &apigateway.DeleteRequestValidatorInput{RestApiId: aws.String(p.string("RestApiId")), RequestValidatorId: aws.String(cur.Ref)})
	return ignoreGone(err)
}

// createGatewayResponse puts the response. API Gateway gives a gateway
// response no id of its own (its type names it); CloudFormation makes
// one up, as here: the API and type to delete it by are its properties.
func createGatewayResponse(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in apigateway.PutGatewayResponseInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	if _, err := s.APIGW.PutGatewayResponse(ctx, &in); err != nil {
		return stack.Created{}, err
	}
	id := gatewayResponseID()
	return stack.Created{Ref: id, Attrs: map[string]any{"Id": id}}, nil
}

// gatewayResponseID is ten random lower-case letters and digits, the
// kind of id API Gateway gives what it keeps.
func gatewayResponseID() string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 10)
	for i := range b {
		b[i] = chars[rand.IntN(len(chars))]
	}
	return string(b)
}

// updateGatewayResponse puts the response again whole: PutGatewayResponse
// replaces the status code, parameters and templates in one call, so
// what the template dropped goes too. Its API and type are create-only.
func updateGatewayResponse(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	for _, k := range changedKeys(old, new) {
		if k == "RestApiId" || k == "ResponseType" {
			return cur, cannotChange(k)
		}
	}
	var in apigateway.PutGatewayResponseInput
	if err := decode(map[string]any(new), &in); err != nil {
		return cur, err
	}
	_, err := s.APIGW.PutGatewayResponse(ctx, &in)
	return cur, err
}

// deleteGatewayResponse returns the type to API Gateway's default.
func deleteGatewayResponse(ctx context.Context, s *SDK, _ stack.Target, _ stack.Created, p props) error {
	_, err := s.APIGW.DeleteGatewayResponse(ctx, &apigateway.DeleteGatewayResponseInput{
		RestApiId: aws.String(p.string("RestApiId")), ResponseType: agtypes.GatewayResponseType(p.string("ResponseType"))})
	return ignoreGone(err)
}
