# The REST API architecture: a REST API -> VPC link (v1: a VPC endpoint
# service in front of one NLB) -> internal NLB -> two backends, whose group
# admits the NLB's.
#
# The backends are modeled at 10.0.1.20 and 10.0.2.20; gatehouse dials the
# same ports on loopback, so start them first:
#   gatehouse echo --listen 127.0.0.1:9011 --name task-a
#   gatehouse echo --listen 127.0.0.1:9012 --name task-b
# then terraform init && terraform apply.

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
  default = "rest-api"
}

variable "task_ports" {
  description = "the loopback ports of the two backends behind the NLB"
  type        = list(number)
  default     = [9011, 9012]
}

variable "stage_name" {
  type    = string
  default = "prod"
}

provider "aws" {
  region                  = "us-east-1"
  access_key              = "test"
  secret_key              = "test"
  skip_metadata_api_check = true
  skip_region_validation  = true

  endpoints {
    apigateway       = var.endpoint
    apigatewayv2     = var.endpoint
    ec2              = var.endpoint
    elbv2            = var.endpoint
    servicediscovery = var.endpoint
    sts              = var.endpoint
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

# The NLB's own group. With enforcement off for PrivateLink traffic, what
# comes through the VPC link is not filtered by it.
resource "aws_security_group" "nlb" {
  name        = "${var.name}-nlb"
  description = "internal NLB"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group_rule" "nlb_to_backends" {
  type              = "egress"
  security_group_id = aws_security_group.nlb.id
  protocol          = "tcp"
  from_port         = 1024
  to_port           = 65535
  cidr_blocks       = [aws_vpc.main.cidr_block]
  description       = "to the backends"
}

resource "aws_security_group" "backend" {
  name        = "${var.name}-backend"
  description = "backends behind the NLB"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group_rule" "backend_from_nlb" {
  type                     = "ingress"
  security_group_id        = aws_security_group.backend.id
  protocol                 = "tcp"
  from_port                = 1024
  to_port                  = 65535
  source_security_group_id = aws_security_group.nlb.id
  description              = "from the NLB"
}

resource "aws_network_interface" "task" {
  count           = 2
  subnet_id       = count.index == 0 ? aws_subnet.a.id : aws_subnet.b.id
  private_ips     = [count.index == 0 ? "10.0.1.20" : "10.0.2.20"]
  security_groups = [aws_security_group.backend.id]
  tags            = { Name = "${var.name}-task-${count.index + 1}" }
}

resource "aws_lb_target_group" "tasks" {
  name        = "${var.name}-tasks"
  protocol    = "TCP"
  port        = 80
  vpc_id      = aws_vpc.main.id
  target_type = "ip"

  health_check {
    protocol            = "TCP"
    interval            = 5
    timeout             = 2
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

resource "aws_lb_target_group_attachment" "task" {
  count            = 2
  target_group_arn = aws_lb_target_group.tasks.arn
  target_id        = tolist(aws_network_interface.task[count.index].private_ips)[0]
  port             = var.task_ports[count.index]
}

resource "aws_lb" "nlb" {
  name               = "${var.name}-nlb"
  load_balancer_type = "network"
  internal           = true
  subnets            = [aws_subnet.a.id, aws_subnet.b.id]
  security_groups    = [aws_security_group.nlb.id]

  enforce_security_group_inbound_rules_on_private_link_traffic = "off"
}

resource "aws_lb_listener" "tcp" {
  load_balancer_arn = aws_lb.nlb.arn
  protocol          = "TCP"
  port              = 8080

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.tasks.arn
  }
}

# One link per NLB.
resource "aws_api_gateway_vpc_link" "nlb" {
  name        = "${var.name}-link"
  target_arns = [aws_lb.nlb.arn]

  # The endpoint service reaches the NLB's listener.
  depends_on = [aws_lb_listener.tcp]
}

resource "aws_api_gateway_rest_api" "main" {
  name = "${var.name}-api"
  tags = { Name = "${var.name}-api" }

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_resource" "proxy" {
  rest_api_id = aws_api_gateway_rest_api.main.id
  parent_id   = aws_api_gateway_rest_api.main.root_resource_id
  path_part   = "{proxy+}"
}

resource "aws_api_gateway_method" "proxy_any" {
  rest_api_id   = aws_api_gateway_rest_api.main.id
  resource_id   = aws_api_gateway_resource.proxy.id
  http_method   = "ANY"
  authorization = "NONE"

  request_parameters = {
    "method.request.path.proxy" = true
  }
}

resource "aws_api_gateway_integration" "proxy_any" {
  rest_api_id             = aws_api_gateway_rest_api.main.id
  resource_id             = aws_api_gateway_resource.proxy.id
  http_method             = aws_api_gateway_method.proxy_any.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "ANY"
  connection_type         = "VPC_LINK"
  connection_id           = aws_api_gateway_vpc_link.nlb.id
  uri                     = "http://${aws_lb.nlb.dns_name}:8080/{proxy}"
  timeout_milliseconds    = 5000

  request_parameters = {
    "integration.request.path.proxy" = "method.request.path.proxy"
  }
}

# GET /health answers from API Gateway itself: a mock integration with its
# method and integration responses.
resource "aws_api_gateway_resource" "health" {
  rest_api_id = aws_api_gateway_rest_api.main.id
  parent_id   = aws_api_gateway_rest_api.main.root_resource_id
  path_part   = "health"
}

resource "aws_api_gateway_method" "health" {
  rest_api_id   = aws_api_gateway_rest_api.main.id
  resource_id   = aws_api_gateway_resource.health.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "health" {
  rest_api_id = aws_api_gateway_rest_api.main.id
  resource_id = aws_api_gateway_resource.health.id
  http_method = aws_api_gateway_method.health.http_method
  type        = "MOCK"

  request_templates = {
    "application/json" = jsonencode({ statusCode = 200 })
  }
}

resource "aws_api_gateway_method_response" "health_200" {
  rest_api_id = aws_api_gateway_rest_api.main.id
  resource_id = aws_api_gateway_resource.health.id
  http_method = aws_api_gateway_method.health.http_method
  status_code = "200"

  response_models = {
    "application/json" = "Empty"
  }
}

resource "aws_api_gateway_integration_response" "health_200" {
  rest_api_id = aws_api_gateway_rest_api.main.id
  resource_id = aws_api_gateway_resource.health.id
  http_method = aws_api_gateway_method.health.http_method
  status_code = aws_api_gateway_method_response.health_200.status_code

  response_templates = {
    "application/json" = jsonencode({ status = "ok" })
  }

  depends_on = [aws_api_gateway_integration.health]
}

resource "aws_api_gateway_deployment" "main" {
  rest_api_id = aws_api_gateway_rest_api.main.id

  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.proxy.id,
      aws_api_gateway_method.proxy_any.id,
      aws_api_gateway_integration.proxy_any.id,
      aws_api_gateway_resource.health.id,
      aws_api_gateway_method.health.id,
      aws_api_gateway_integration.health.id,
      aws_api_gateway_integration_response.health_200.id,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "main" {
  rest_api_id   = aws_api_gateway_rest_api.main.id
  deployment_id = aws_api_gateway_deployment.main.id
  stage_name    = var.stage_name
}

resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.main.id
  stage_name  = aws_api_gateway_stage.main.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    throttling_burst_limit = 100
    throttling_rate_limit  = 50
  }
}

output "invoke_url" {
  description = "the stage's invoke URL on gatehouse"
  value       = "${replace(var.endpoint, "://", "://${aws_api_gateway_rest_api.main.id}.execute-api.")}/${aws_api_gateway_stage.main.stage_name}"
}

output "rest_api_id" {
  value = aws_api_gateway_rest_api.main.id
}

output "vpc_link_id" {
  value = aws_api_gateway_vpc_link.nlb.id
}

output "nlb_dns_name" {
  value = aws_lb.nlb.dns_name
}
