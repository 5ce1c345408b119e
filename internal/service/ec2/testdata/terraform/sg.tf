# Every security-group and network-interface resource of Terraform's AWS
# provider, with what changes in place (descriptions, a rule's port, an
# interface's groups, description and source/destination check) driven by
# variables, so that a second apply exercises the update calls.

terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
variable "desc" {
  type    = string
  default = "https"
}
variable "port" {
  type    = number
  default = 8080
}
variable "sdc" {
  type    = bool
  default = false
}
variable "both_groups" {
  type    = bool
  default = true
}
variable "endpoint" {
  type = string
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  endpoints {
    ec2 = var.endpoint
    sts = var.endpoint
  }
}
resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.50.1.0/24"
}
resource "aws_security_group" "web" {
  name                   = "web"
  description            = "web tier"
  vpc_id                 = aws_vpc.main.id
  revoke_rules_on_delete = true
  ingress {
    description      = var.desc
    protocol         = "tcp"
    from_port        = 443
    to_port          = 443
    cidr_blocks      = ["10.0.0.0/8"]
    ipv6_cidr_blocks = ["::/0"]
  }
  ingress {
    protocol  = "tcp"
    from_port = 22
    to_port   = 22
    self      = true
  }
  egress {
    protocol         = "-1"
    from_port        = 0
    to_port          = 0
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = ["::/0"]
  }
  tags = { Name = "web" }
}
resource "aws_security_group" "app" {
  name   = "app"
  vpc_id = aws_vpc.main.id
}
resource "aws_security_group_rule" "app_from_web" {
  type                     = "ingress"
  security_group_id        = aws_security_group.app.id
  protocol                 = "tcp"
  from_port                = 8080
  to_port                  = 8080
  source_security_group_id = aws_security_group.web.id
  description              = var.desc
}
resource "aws_security_group_rule" "app_out" {
  type              = "egress"
  security_group_id = aws_security_group.app.id
  protocol          = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_blocks       = ["10.50.0.0/16"]
}
resource "aws_vpc_security_group_ingress_rule" "app_https" {
  security_group_id = aws_security_group.app.id
  ip_protocol       = "tcp"
  from_port         = var.port
  to_port           = var.port
  cidr_ipv4         = "10.50.0.0/16"
  description       = var.desc
  tags              = { rule = var.desc }
}
resource "aws_vpc_security_group_egress_rule" "app_all" {
  security_group_id = aws_security_group.app.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
resource "aws_vpc_security_group_ingress_rule" "app_v6" {
  security_group_id = aws_security_group.app.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv6         = "::/0"
}
resource "aws_network_interface" "appliance" {
  subnet_id         = aws_subnet.a.id
  private_ips       = ["10.50.1.10"]
  security_groups   = var.both_groups ? [aws_security_group.app.id, aws_security_group.web.id] : [aws_security_group.app.id]
  source_dest_check = var.sdc
  description       = var.desc
  tags              = { Name = "appliance" }
}
