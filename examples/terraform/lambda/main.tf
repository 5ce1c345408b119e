# A Lambda function behind an HTTP API: the function from a local zip,
# the permission API Gateway needs to invoke it, and a route whose
# AWS_PROXY integration sends it payload format 2.0 events.
#
# Make the package first, e.g.
#   printf 'def lambda_handler(event, context):\n    return {"hello": event["pathParameters"]["name"]}\n' > lambda_function.py
#   zip function.zip lambda_function.py
# then terraform init && terraform apply, and
#   curl "$(terraform output -raw invoke_url)/hello/world"

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
  description = "the function's deployment package, a zip holding lambda_function.py"
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
    apigatewayv2 = var.endpoint
    lambda       = var.endpoint
    sts          = var.endpoint
  }
}

resource "aws_lambda_function" "hello" {
  function_name    = "hello"
  filename         = var.package
  source_code_hash = filebase64sha256(var.package)
  handler          = "lambda_function.lambda_handler"
  runtime          = "python3.12"
  # gatehouse has no IAM: any role ARN is taken, as the function's
  # credentials are gatehouse's own.
  role        = "arn:aws:iam::000000000000:role/hello"
  timeout     = 5
  memory_size = 256

  environment {
    variables = {
      GREETING = "hello"
    }
  }
}

resource "aws_apigatewayv2_api" "main" {
  name          = "functions"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "hello" {
  api_id                 = aws_apigatewayv2_api.main.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.hello.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "hello" {
  api_id    = aws_apigatewayv2_api.main.id
  route_key = "GET /hello/{name}"
  target    = "integrations/${aws_apigatewayv2_integration.hello.id}"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.main.id
  name        = "$default"
  auto_deploy = true
}

# Asynchronous invocations (InvocationType Event) of the function: no
# retry after a function error, and dropped after an hour in the queue.
resource "aws_lambda_function_event_invoke_config" "hello" {
  function_name                = aws_lambda_function.hello.function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 3600
}

# Without it API Gateway may not invoke the function: every call would be
# a 500 Internal Server Error, as on AWS.
resource "aws_lambda_permission" "api" {
  statement_id  = "AllowInvokeFromHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.hello.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.main.execution_arn}/*/*"
}

output "invoke_url" {
  description = "the $default stage's invoke URL"
  value       = aws_apigatewayv2_api.main.api_endpoint
}

output "function_arn" {
  value = aws_lambda_function.hello.arn
}
