# The network under the APIs, on its own: the account's default VPC (as
# every AWS account has it), and a VPC of one's own with a route table, a
# network ACL, an appliance's network interface, an EC2 instance and its
# name in a Cloud Map private DNS namespace.
# Nothing here serves traffic: the three API examples do.

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
  default = "network"
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

# Adopting the default VPC changes nothing; destroying forgets it and
# leaves it in place, as on AWS.
resource "aws_default_vpc" "default" {}

# A group created without vpc_id lands in the default VPC.
resource "aws_security_group" "default_vpc_web" {
  name        = "${var.name}-web"
  description = "web servers in the default VPC"

  ingress {
    description = "HTTP from the default VPC"
    protocol    = "tcp"
    from_port   = 80
    to_port     = 80
    cidr_blocks = [aws_default_vpc.default.cidr_block]
  }
}

resource "aws_vpc" "main" {
  cidr_block           = "10.1.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = var.name }
}

resource "aws_subnet" "app" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.1.1.0/24"
  availability_zone = "us-east-1a"
  tags              = { Name = "${var.name}-app" }
}

resource "aws_security_group" "app" {
  name        = "${var.name}-app"
  description = "application instances"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "HTTP from the VPC"
    protocol    = "tcp"
    from_port   = 8080
    to_port     = 8080
    cidr_blocks = [aws_vpc.main.cidr_block]
  }

  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# An appliance (a NAT or firewall instance's interface) that routes for
# the subnet: it must not check that traffic is addressed to it.
resource "aws_network_interface" "appliance" {
  subnet_id         = aws_subnet.app.id
  private_ips       = ["10.1.1.5"]
  security_groups   = [aws_security_group.app.id]
  source_dest_check = false
  description       = "routing appliance"
}

resource "aws_route_table" "app" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block           = "0.0.0.0/0"
    network_interface_id = aws_network_interface.appliance.id
  }

  tags = { Name = "${var.name}-app" }
}

resource "aws_route_table_association" "app" {
  subnet_id      = aws_subnet.app.id
  route_table_id = aws_route_table.app.id
}

# Network ACLs are stateless: the answers' ephemeral ports need rules too.
resource "aws_network_acl" "app" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = [aws_subnet.app.id]

  ingress {
    rule_no    = 100
    protocol   = "tcp"
    action     = "allow"
    cidr_block = aws_vpc.main.cidr_block
    from_port  = 8080
    to_port    = 8080
  }

  ingress {
    rule_no    = 110
    protocol   = "tcp"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 1024
    to_port    = 65535
  }

  egress {
    rule_no    = 100
    protocol   = "-1"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }

  tags = { Name = "${var.name}-app" }
}

data "aws_ami" "al2023" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-*-x86_64"]
  }
}

resource "aws_instance" "app" {
  ami                    = data.aws_ami.al2023.id
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.app.id
  private_ip             = "10.1.1.10"
  vpc_security_group_ids = [aws_security_group.app.id]
  tags                   = { Name = "${var.name}-app" }
}

# Names in the VPC: a private DNS namespace, a service with A records, and
# the instance registered in it.
resource "aws_service_discovery_private_dns_namespace" "internal" {
  name        = "${var.name}.internal"
  description = "names of the application's services"
  vpc         = aws_vpc.main.id
}

resource "aws_service_discovery_service" "app" {
  name = "app"

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.internal.id
    routing_policy = "MULTIVALUE"

    dns_records {
      ttl  = 10
      type = "A"
    }
  }
}

resource "aws_service_discovery_instance" "app" {
  instance_id = aws_instance.app.id
  service_id  = aws_service_discovery_service.app.id
  attributes = {
    AWS_INSTANCE_IPV4 = aws_instance.app.private_ip
  }
}

output "default_vpc_id" {
  value = aws_default_vpc.default.id
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "instance_id" {
  value = aws_instance.app.id
}

output "ami_id" {
  value = data.aws_ami.al2023.id
}
