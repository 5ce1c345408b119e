# The REST API architecture on a VPC link V2: a REST API -> VPC link V2
# (its network interfaces carry the link's group) -> internal ALB (its
# group admits the link's) -> two backends (their group admits the ALB's).
# No NLB is needed in front of the ALB.
#
# The backends are modeled at 10.0.1.30 and 10.0.2.30; gatehouse dials the
# same ports on loopback, so start them first:
#   gatehouse echo --listen 127.0.0.1:9021 --name task-x
#   gatehouse echo --listen 127.0.0.1:9022 --name task-y
# then terraform init && terraform apply.
#
# A REST API integration names the load balancer a VPC link V2 reaches in
# its integrationTarget, which versions of the AWS provider before 6 do not
# know. Here the integration is created as a plain HTTP proxy and moved onto
# the link with the AWS CLI (a patch any CLI version sends), which is how a
# setting the provider lacks is usually applied; the integration ignores
# the fields the CLI owns.

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
  default = "rest-api-v2"
}

variable "task_ports" {
  description = "the loopback ports of the two backends behind the ALB"
  type        = list(number)
  default     = [9021, 9022]
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

resource "aws_security_group" "link" {
  name        = "${var.name}-link"
  description = "VPC link V2 ENIs"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "internal ALB"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "backend" {
  name        = "${var.name}-backend"
  description = "backend tasks"
  vpc_id      = aws_vpc.main.id
}

# Each hop's rules on both of its ends, as separate resources so that the
# groups can name each other.
resource "aws_vpc_security_group_egress_rule" "link_to_alb" {
  security_group_id            = aws_security_group.link.id
  ip_protocol                  = "tcp"
  from_port                    = 80
  to_port                      = 80
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_link" {
  security_group_id            = aws_security_group.alb.id
  description                  = "from the VPC link"
  ip_protocol                  = "tcp"
  from_port                    = 80
  to_port                      = 80
  referenced_security_group_id = aws_security_group.link.id
}

resource "aws_vpc_security_group_egress_rule" "alb_to_backend" {
  security_group_id            = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = 1024
  to_port                      = 65535
  referenced_security_group_id = aws_security_group.backend.id
}

resource "aws_vpc_security_group_ingress_rule" "backend_from_alb" {
  security_group_id            = aws_security_group.backend.id
  description                  = "from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = 1024
  to_port                      = 65535
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_network_interface" "task" {
  count           = 2
  subnet_id       = count.index == 0 ? aws_subnet.a.id : aws_subnet.b.id
  private_ips     = [count.index == 0 ? "10.0.1.30" : "10.0.2.30"]
  security_groups = [aws_security_group.backend.id]
  tags            = { Name = "${var.name}-task-${count.index + 1}" }
}

resource "aws_lb_target_group" "tasks" {
  name        = "${var.name}-tasks"
  protocol    = "HTTP"
  port        = 80
  vpc_id      = aws_vpc.main.id
  target_type = "ip"

  health_check {
    path     = "/"
    interval = 5
    timeout  = 2
    matcher  = "200"
  }
}

resource "aws_lb_target_group_attachment" "task" {
  count            = 2
  target_group_arn = aws_lb_target_group.tasks.arn
  target_id        = tolist(aws_network_interface.task[count.index].private_ips)[0]
  port             = var.task_ports[count.index]
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
    target_group_arn = aws_lb_target_group.tasks.arn
  }
}

resource "aws_apigatewayv2_vpc_link" "main" {
  name               = "${var.name}-link"
  subnet_ids         = [aws_subnet.a.id, aws_subnet.b.id]
  security_group_ids = [aws_security_group.link.id]
}

resource "aws_api_gateway_rest_api" "main" {
  name = "${var.name}-api"

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
  uri                     = "http://${aws_lb.alb.dns_name}/{proxy}"
  timeout_milliseconds    = 5000

  request_parameters = {
    "integration.request.path.proxy" = "method.request.path.proxy"
  }

  # Set by the CLI below.
  lifecycle {
    ignore_changes = [connection_type, connection_id]
  }

  # The link cannot be deleted while the integration names it: destroy
  # this first.
  depends_on = [aws_apigatewayv2_vpc_link.main]
}

resource "terraform_data" "integration_target" {
  triggers_replace = [aws_api_gateway_integration.proxy_any.id, aws_apigatewayv2_vpc_link.main.id, aws_lb.alb.arn]

  provisioner "local-exec" {
    command = join(" ", [
      "aws --endpoint-url ${var.endpoint} --region us-east-1 apigateway update-integration",
      "--rest-api-id ${aws_api_gateway_rest_api.main.id} --resource-id ${aws_api_gateway_resource.proxy.id} --http-method ANY",
      "--patch-operations op=replace,path=/connectionType,value=VPC_LINK",
      "op=replace,path=/connectionId,value=${aws_apigatewayv2_vpc_link.main.id}",
      "op=replace,path=/integrationTarget,value=${aws_lb.alb.arn}",
    ])
    environment = {
      AWS_ACCESS_KEY_ID     = "test"
      AWS_SECRET_ACCESS_KEY = "test"
    }
  }

  depends_on = [aws_lb_listener.http]
}

resource "aws_api_gateway_deployment" "main" {
  rest_api_id = aws_api_gateway_rest_api.main.id

  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.proxy.id,
      aws_api_gateway_method.proxy_any.id,
      aws_api_gateway_integration.proxy_any.id,
      terraform_data.integration_target.id,
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

output "invoke_url" {
  description = "the stage's invoke URL on gatehouse"
  value       = "${replace(var.endpoint, "://", "://${aws_api_gateway_rest_api.main.id}.execute-api.")}/${aws_api_gateway_stage.main.stage_name}"
}

output "rest_api_id" {
  value = aws_api_gateway_rest_api.main.id
}

output "vpc_link_id" {
  value = aws_apigatewayv2_vpc_link.main.id
}

output "alb_arn" {
  value = aws_lb.alb.arn
}
