package provision

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"gatehouse/internal/stack"
)

// A REST API's Lambda authorizer. Its properties are CreateAuthorizer's
// members; Ref and AuthorizerId are its id, which a method's AuthorizerId
// names.

func init() {
	creators["AWS::ApiGateway::Authorizer"] = createAuthorizerV1
	updaters["AWS::ApiGateway::Authorizer"] = updateAuthorizerV1
	deleters["AWS::ApiGateway::Authorizer"] = deleteAuthorizerV1
}

func createAuthorizerV1(ctx context.Context, s *SDK, _ stack.Target, _ string, p props) (stack.Created, error) {
	var in apigateway.CreateAuthorizerInput
	if err := decode(map[string]any(p), &in); err != nil {
		return stack.Created{}, err
	}
	out, err := s.APIGW.CreateAuthorizer(ctx, &in)
	if err != nil {
		return stack.Created{}, err
	}
	id := aws.ToString(out.Id)
	return stack.Created{Ref: id, Attrs: map[string]any{"AuthorizerId": id}}, nil
}

// authorizerPaths are the patch paths of the properties that change in
// place; RestApiId replaces the authorizer.
var authorizerPaths = map[string]string{
	"Name": "/name", "Type": "/type", "AuthorizerUri": "/authorizerUri", "AuthorizerCredentials": "/authorizerCredentials",
	"IdentitySource": "/identitySource", "IdentityValidationExpression": "/identityValidationExpression",
	"AuthorizerResultTtlInSeconds": "/authorizerResultTtlInSeconds", "AuthType": "/authType",
}

// updateAuthorizerV1 patches the changed properties in one call, so the
// authorizer is checked whole as changed; a property taken out of the
// template is removed, or for the TTL set back to AWS's default.
func updateAuthorizerV1(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, old, new props) (stack.Created, error) {
	var ops []agtypes.PatchOperation
	for _, k := range changedKeys(old, new) {
		path, ok := authorizerPaths[k]
		if !ok {
			return cur, cannotChange(k)
		}
		switch _, set := new[k]; {
		case set:
			ops = append(ops, replaceOp(path, new.string(k)))
		case k == "AuthorizerResultTtlInSeconds":
			ops = append(ops, replaceOp(path, "300"))
		default:
			ops = append(ops, removeOp(path))
		}
	}
	if len(ops) > 0 {
		_, err := s.APIGW.UpdateAuthorizer(ctx, &apigateway.UpdateAuthorizerInput{RestApiId: aws.String(new.string("RestApiId")),
			AuthorizerId: aws.String(cur.Ref), PatchOperations: ops})
		if err != nil {
			return cur, err
		}
	}
	return cur, nil
}

// deleteAuthorizerV1 needs no method to let go first: a method naming the
// authorizer refers to it, so CloudFormation changes or deletes the
// method before it.
func deleteAuthorizerV1(ctx context.Context, s *SDK, _ stack.Target, cur stack.Created, p props) error {
	_, err := s.APIGW.DeleteAuthorizer(ctx, &apigateway.DeleteAuthorizerInput{RestApiId: aws.String(p.string("RestApiId")), AuthorizerId: aws.String(cur.Ref)})
	return ignoreGone(err)
}
