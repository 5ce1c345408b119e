# An ALB with a Lambda target behind an HTTP API: the route's HTTP_PROXY
# integration goes through a VPC link V2 to an internal ALB, whose listener
# forwards to a target group of type lambda holding a Python function.
# Elastic Load Balancing may invoke the function only once the permission
# is in place, so the attachment depends on it, as on AWS.
#
# Make the package first, e.g.
#   printf 'import json\ndef lambda_handler(event, context):\n    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"path": event["path"]})}\n' > lambda_function.py
#   zip function.zip lambda_function.py
# then terraform init && terraform apply, and
#   curl "$(terraform output -raw invoke_url)/pets/7"

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

variable "name" {
  type    = string
  default = "alb-lambda"
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
    ec2          = var.endpoint
    elbv2        = var.endpoint
    lambda       = var.endpoint
    sts          = var.endpoint
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = var.name }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = data.aws_availability_zones.available.names[0]
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = data.aws_availability_zones.available.names[1]
}

resource "aws_security_group" "link" {
  name        = "${var.name}-link"
  description = "VPC link V2 ENIs"
  vpc_id      = aws_vpc.main.id

  egress {
    protocol    = "tcp"
    from_port   = 80
    to_port     = 80
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

# The ALB's group admits the link; it needs no rule toward the function,
# which the ALB invokes without a network connection.
resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "internal ALB"
  vpc_id      = aws_vpc.main.id

  ingress {
    protocol        = "tcp"
    from_port       = 80
    to_port         = 80
    security_groups = [aws_security_group.link.id]
  }
}

resource "aws_lambda_function" "pets" {
  function_name    = "${var.name}-pets"
  filename         = var.package
  source_code_hash = filebase64sha256(var.package)
  handler          = "lambda_function.lambda_handler"
  runtime          = "python3.12"
  # gatehouse has no IAM: any role ARN is taken.
  role    = "arn:aws:iam::000000000000:role/pets"
  timeout = 5
}

resource "aws_lb_target_group" "pets" {
  name        = "${var.name}-pets"
  target_type = "lambda"

  lambda_multi_value_headers_enabled = true
}

resource "aws_lambda_permission" "alb" {
  statement_id  = "AllowInvokeFromALB"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.pets.function_name
  principal     = "elasticloadbalancing.amazonaws.com"
  source_arn    = aws_lb_target_group.pets.arn
}

resource "aws_lb_target_group_attachment" "pets" {
  target_group_arn = aws_lb_target_group.pets.arn
  target_id        = aws_lambda_function.pets.arn
  depends_on       = [aws_lambda_permission.alb]
}

resource "aws_lb" "alb" {
  name               = "${var.name}-alb"
  load_balancer_type = "application"
  internal           = true
  subnets            = [aws_subnet.a.id, aws_subnet.b.id]
  security_groups    = [aws_security_group.alb.id]
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.alb.arn
  protocol          = "HTTP"
  port              = 80

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.pets.arn
  }
}

resource "aws_apigatewayv2_vpc_link" "link" {
  name               = "${var.name}-link"
  subnet_ids         = [aws_subnet.a.id, aws_subnet.b.id]
  security_group_ids = [aws_security_group.link.id]
}

resource "aws_apigatewayv2_api" "main" {
  name          = var.name
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "alb" {
  api_id             = aws_apigatewayv2_api.main.id
  integration_type   = "HTTP_PROXY"
  integration_method = "ANY"
  integration_uri    = aws_lb_listener.http.arn
  connection_type    = "VPC_LINK"
  connection_id      = aws_apigatewayv2_vpc_link.link.id
}

resource "aws_apigatewayv2_route" "pets" {
  api_id    = aws_apigatewayv2_api.main.id
  route_key = "ANY /{proxy+}"
  target    = "integrations/${aws_apigatewayv2_integration.alb.id}"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.main.id
  name        = "$default"
  auto_deploy = true
}

output "invoke_url" {
  description = "the $default stage's invoke URL"
  value       = aws_apigatewayv2_api.main.api_endpoint
}
