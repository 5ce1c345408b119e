# The HTTP API architecture: an HTTP API -> VPC link V2 (its network
# interfaces in two subnets carry the link's group) -> internal ALB (its
# group admits the link's group) -> two backends (their group admits the
# ALB's), /orders to an EC2 instance, and a second route straight to a
# Cloud Map service.
#
# The backends are modeled at 10.0.1.10, 10.0.2.10, the instance's
# 10.0.1.50 and 10.0.1.40; gatehouse dials the same ports on loopback, so
# start them first:
#   gatehouse echo --listen 127.0.0.1:9001 --name task-1
#   gatehouse echo --listen 127.0.0.1:9002 --name task-2
#   gatehouse echo --listen 127.0.0.1:9003 --name catalog
#   gatehouse echo --listen 127.0.0.1:9004 --name orders
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
  default = "http-api"
}

variable "task_ports" {
  description = "the loopback ports of the two backends behind the ALB"
  type        = list(number)
  default     = [9001, 9002]
}

variable "orders_port" {
  description = "the loopback port of the backend the EC2 instance stands for"
  type        = number
  default     = 9004
}

variable "catalog_port" {
  description = "the loopback port of the backend registered in Cloud Map"
  type        = number
  default     = 9003
}

# gatehouse answers STS GetCallerIdentity, so the provider learns the
# account id (000000000000) as it does on AWS: skip_credentials_validation
# and skip_requesting_account_id are not needed.
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
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = var.name }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = data.aws_availability_zones.available.names[0]
  tags              = { Name = "${var.name}-a" }
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = data.aws_availability_zones.available.names[1]
  tags              = { Name = "${var.name}-b" }
}

# The link's group is the source the ALB sees; its own rules play no part.
resource "aws_security_group" "link" {
  name        = "${var.name}-link"
  description = "VPC link V2 ENIs"
  vpc_id      = aws_vpc.main.id

  # Terraform removes the allow-all egress rule every new group starts
  # with; without a rule of its own the link could send nothing. (Naming
  # the ALB's group here would be a cycle: that group names this one.)
  egress {
    description = "to the ALB and the Cloud Map instances"
    protocol    = "tcp"
    from_port   = 0
    to_port     = 65535
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "internal ALB"
  vpc_id      = aws_vpc.main.id

  ingress {
    description     = "from the VPC link"
    protocol        = "tcp"
    from_port       = 80
    to_port         = 80
    security_groups = [aws_security_group.link.id]
  }

  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "backend" {
  name        = "${var.name}-backend"
  description = "backend tasks"
  vpc_id      = aws_vpc.main.id
}

# Rules as resources of their own, the way current provider versions
# recommend.
resource "aws_vpc_security_group_ingress_rule" "backend_from_alb" {
  security_group_id            = aws_security_group.backend.id
  description                  = "from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = 1024
  to_port                      = 65535
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_ingress_rule" "backend_from_link" {
  security_group_id            = aws_security_group.backend.id
  description                  = "Cloud Map instances are reached from the link directly"
  ip_protocol                  = "tcp"
  from_port                    = 1024
  to_port                      = 65535
  referenced_security_group_id = aws_security_group.link.id
}

resource "aws_vpc_security_group_egress_rule" "backend_all" {
  security_group_id = aws_security_group.backend.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_network_interface" "task" {
  count           = 2
  subnet_id       = count.index == 0 ? aws_subnet.a.id : aws_subnet.b.id
  private_ips     = [count.index == 0 ? "10.0.1.10" : "10.0.2.10"]
  security_groups = [aws_security_group.backend.id]
  tags            = { Name = "${var.name}-task-${count.index + 1}" }
}

resource "aws_network_interface" "catalog" {
  subnet_id       = aws_subnet.a.id
  private_ips     = ["10.0.1.40"]
  security_groups = [aws_security_group.backend.id]
  tags            = { Name = "${var.name}-catalog" }
}

resource "aws_lb_target_group" "tasks" {
  name        = "${var.name}-tasks"
  protocol    = "HTTP"
  port        = 80
  vpc_id      = aws_vpc.main.id
  target_type = "ip"

  health_check {
    path                = "/"
    interval            = 5
    timeout             = 2
    healthy_threshold   = 2
    unhealthy_threshold = 2
    matcher             = "200-399"
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
  idle_timeout       = 60
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

# /orders goes to an EC2 instance, registered by its id.
data "aws_ami" "al2023" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-*-x86_64"]
  }
}

resource "aws_instance" "orders" {
  ami                    = data.aws_ami.al2023.id
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.a.id
  private_ip             = "10.0.1.50"
  vpc_security_group_ids = [aws_security_group.backend.id]
  tags                   = { Name = "${var.name}-orders" }
}

resource "aws_lb_target_group" "orders" {
  name        = "${var.name}-orders"
  protocol    = "HTTP"
  port        = 80
  vpc_id      = aws_vpc.main.id
  target_type = "instance"

  health_check {
    path     = "/"
    interval = 5
    timeout  = 2
  }
}

resource "aws_lb_target_group_attachment" "orders" {
  target_group_arn = aws_lb_target_group.orders.arn
  target_id        = aws_instance.orders.id
  port             = var.orders_port
}

resource "aws_lb_listener_rule" "orders" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 20

  condition {
    path_pattern {
      values = ["/orders/*"]
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.orders.arn
  }
}

# Requests for /admin never reach the tasks.
resource "aws_lb_listener_rule" "admin" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 10

  condition {
    path_pattern {
      values = ["/admin", "/admin/*"]
    }
  }

  action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "not here"
      status_code  = "403"
    }
  }
}

# Cloud Map: an HTTP namespace whose service the API reaches through the
# same link.
resource "aws_service_discovery_http_namespace" "main" {
  name        = "${var.name}-services"
  description = "services the HTTP API reaches directly"
}

resource "aws_service_discovery_service" "catalog" {
  name         = "catalog"
  namespace_id = aws_service_discovery_http_namespace.main.id
}

resource "aws_service_discovery_instance" "catalog" {
  instance_id = "catalog-1"
  service_id  = aws_service_discovery_service.catalog.id
  attributes = {
    AWS_INSTANCE_IPV4 = tolist(aws_network_interface.catalog.private_ips)[0]
    AWS_INSTANCE_PORT = tostring(var.catalog_port)
  }
}

# One link per VPC is enough: both integrations share it.
resource "aws_apigatewayv2_vpc_link" "main" {
  name               = "${var.name}-link"
  subnet_ids         = [aws_subnet.a.id, aws_subnet.b.id]
  security_group_ids = [aws_security_group.link.id]
}

resource "aws_apigatewayv2_api" "main" {
  name          = "${var.name}-api"
  protocol_type = "HTTP"
  tags          = { Name = "${var.name}-api" }
}

resource "aws_apigatewayv2_integration" "alb" {
  api_id                 = aws_apigatewayv2_api.main.id
  integration_type       = "HTTP_PROXY"
  integration_method     = "ANY"
  connection_type        = "VPC_LINK"
  connection_id          = aws_apigatewayv2_vpc_link.main.id
  integration_uri        = aws_lb_listener.http.arn
  payload_format_version = "1.0"
  timeout_milliseconds   = 5000
}

resource "aws_apigatewayv2_integration" "catalog" {
  api_id                 = aws_apigatewayv2_api.main.id
  integration_type       = "HTTP_PROXY"
  integration_method     = "ANY"
  connection_type        = "VPC_LINK"
  connection_id          = aws_apigatewayv2_vpc_link.main.id
  integration_uri        = aws_service_discovery_service.catalog.arn
  payload_format_version = "1.0"
  timeout_milliseconds   = 5000
}

resource "aws_apigatewayv2_route" "proxy" {
  api_id    = aws_apigatewayv2_api.main.id
  route_key = "ANY /{proxy+}"
  target    = "integrations/${aws_apigatewayv2_integration.alb.id}"
}

resource "aws_apigatewayv2_route" "catalog" {
  api_id    = aws_apigatewayv2_api.main.id
  route_key = "GET /catalog/{proxy+}"
  target    = "integrations/${aws_apigatewayv2_integration.catalog.id}"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.main.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = 200
    throttling_rate_limit  = 100
  }
}

# A second stage that moves only when deployed explicitly.
resource "aws_apigatewayv2_deployment" "v1" {
  api_id      = aws_apigatewayv2_api.main.id
  description = "routes as of this apply"

  triggers = {
    redeployment = sha1(jsonencode([
      aws_apigatewayv2_route.proxy.id,
      aws_apigatewayv2_route.catalog.id,
      aws_apigatewayv2_integration.alb.id,
      aws_apigatewayv2_integration.catalog.id,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_apigatewayv2_stage" "v1" {
  api_id        = aws_apigatewayv2_api.main.id
  name          = "v1"
  deployment_id = aws_apigatewayv2_deployment.v1.id
}

output "invoke_url" {
  description = "the $default stage's invoke URL"
  value       = aws_apigatewayv2_api.main.api_endpoint
}

output "api_id" {
  value = aws_apigatewayv2_api.main.id
}

output "vpc_link_id" {
  value = aws_apigatewayv2_vpc_link.main.id
}

output "alb_dns_name" {
  value = aws_lb.alb.dns_name
}
