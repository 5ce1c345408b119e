# The DHCP options resources of Terraform's AWS provider: a set of the
# user's associated with a new VPC, and the region's default set adopted
# by aws_default_vpc_dhcp_options. The tag driven by a variable makes a
# second apply change the user's set in place.

terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
variable "endpoint" {
  type = string
}
variable "env" {
  type    = string
  default = "test"
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
  cidr_block = "10.60.0.0/16"
}
resource "aws_vpc_dhcp_options" "corp" {
  domain_name          = "corp.example"
  domain_name_servers  = ["10.60.0.2", "AmazonProvidedDNS"]
  ntp_servers          = ["169.254.169.123"]
  netbios_node_type    = "2"
  netbios_name_servers = ["10.60.0.5"]
  tags = {
    Name = "corp"
    env  = var.env
  }
}
resource "aws_vpc_dhcp_options_association" "main" {
  vpc_id          = aws_vpc.main.id
  dhcp_options_id = aws_vpc_dhcp_options.corp.id
}
resource "aws_default_vpc_dhcp_options" "default" {}
