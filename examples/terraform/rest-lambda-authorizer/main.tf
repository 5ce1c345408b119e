# A REST API method guarded by a Lambda TOKEN authorizer: two functions
# from one local zip, the authorizer that names one of them, a GET method
# with authorization CUSTOM whose AWS_PROXY integration calls the other,
# and the two permissions API Gateway needs to invoke them.
#
# Make the package first, with authorizer.py and hello.py, e.g.
#   cat > authorizer.py <<'PY'
#   def lambda_handler(event, context):
#       token = event["authorizationToken"]
#       if token == "unauthorized":
#           raise Exception("Unauthorized")
#       effect = "Allow" if token == "allow" else "Deny"
#       return {"principalId": "user", "context": {"plan": "gold"},
#               "policyDocument": {"Version": "2012-10-17", "Statement": [
#                   {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
#   PY
#   cat > hello.py <<'PY'
#   import json
#   def lambda_handler(event, context):
#       return {"statusCode": 200, "body": json.dumps({"hello": event["pathParameters"]["name"],
#                                                       "plan": event["requestContext"]["authorizer"]["plan"]})}
#   PY
#   zip function.zip authorizer.py hello.py
# then terraform init && terraform apply, and
#   curl -H 'Authorization: allow' "$(terraform output -raw invoke_url)/hello/world"

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60"
    }
  }
}

variable "endpoint" {
  description = "gatehouse's address"
  type        = string
  default     = "http://localhost:4566"
}

variable "package" {
  description = "the functions' deployment package, a zip holding authorizer.py and hello.py"
  type        = string
  default     = "function.zip"
}

provider "aws" {
  region                  = "us-east-1"
  access_key              = "test"
  secret_key              = "test"
  skip_metadata_api_check = true
  skip_region_validation  = true

  endpoints {
    apigateway = var.endpoint
    lambda     = var.endpoint
    sts        = var.endpoint
  }
}

resource "aws_lambda_function" "authorizer" {
  function_name    = "token-authorizer"
  filename         = var.package
  source_code_hash = filebase64sha256(var.package)
  handler          = "authorizer.lambda_handler"
  runtime          = "python3.12"
  role             = "arn:aws:iam::000000000000:role/authorizer"
}

resource "aws_lambda_function" "hello" {
  function_name    = "hello-rest"
  filename         = var.package
  source_code_hash = filebase64sha256(var.package)
  handler          = "hello.lambda_handler"
  runtime          = "python3.12"
  role             = "arn:aws:iam::000000000000:role/hello"
}

resource "aws_api_gateway_rest_api" "main" {
  name = "guarded"
}

# Answers are cached for five minutes by token, the header's value.
resource "aws_api_gateway_authorizer" "tokens" {
  name                             = "tokens"
  rest_api_id                      = aws_api_gateway_rest_api.main.id
  type                             = "TOKEN"
  authorizer_uri                   = aws_lambda_function.authorizer.invoke_arn
  identity_source                  = "method.request.header.Authorization"
  authorizer_result_ttl_in_seconds = 300
}

resource "aws_api_gateway_resource" "hello" {
  rest_api_id = aws_api_gateway_rest_api.main.id
  parent_id   = aws_api_gateway_rest_api.main.root_resource_id
  path_part   = "hello"
}

resource "aws_api_gateway_resource" "name" {
  rest_api_id = aws_api_gateway_rest_api.main.id
  parent_id   = aws_api_gateway_resource.hello.id
  path_part   = "{name}"
}

resource "aws_api_gateway_method" "hello" {
  rest_api_id   = aws_api_gateway_rest_api.main.id
  resource_id   = aws_api_gateway_resource.name.id
  http_method   = "GET"
  authorization = "CUSTOM"
  authorizer_id = aws_api_gateway_authorizer.tokens.id

  request_parameters = {
    "method.request.path.name" = true
  }
}

resource "aws_api_gateway_integration" "hello" {
  rest_api_id             = aws_api_gateway_rest_api.main.id
  resource_id             = aws_api_gateway_resource.name.id
  http_method             = aws_api_gateway_method.hello.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.hello.invoke_arn
}

resource "aws_api_gateway_deployment" "main" {
  rest_api_id = aws_api_gateway_rest_api.main.id

  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_authorizer.tokens.id,
      aws_api_gateway_method.hello.id,
      aws_api_gateway_integration.hello.id,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "main" {
  rest_api_id   = aws_api_gateway_rest_api.main.id
  deployment_id = aws_api_gateway_deployment.main.id
  stage_name    = "prod"
}

# Without them API Gateway may invoke neither function: every call would
# be a 500, as on AWS.
resource "aws_lambda_permission" "authorizer" {
  statement_id  = "AllowAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.authorizer.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.main.execution_arn}/authorizers/${aws_api_gateway_authorizer.tokens.id}"
}

resource "aws_lambda_permission" "hello" {
  statement_id  = "AllowMethod"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.hello.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.main.execution_arn}/*/GET/hello/*"
}

output "invoke_url" {
  description = "the stage's invoke URL on gatehouse"
  value       = "${replace(var.endpoint, "://", "://${aws_api_gateway_rest_api.main.id}.execute-api.")}/${aws_api_gateway_stage.main.stage_name}"
}
