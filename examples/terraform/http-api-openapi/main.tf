# An HTTP API defined by its OpenAPI 3 document: the provider creates the
# API, then ReimportApi builds its routes, integration and CORS from
# `body`. A change to the document is another ReimportApi: same API id,
# same stage.
#
# Start the backend first:
#   gatehouse echo --listen 127.0.0.1:9005 --name web
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

variable "web_port" {
  description = "the loopback port of the backend"
  type        = number
  default     = 9005
}

provider "aws" {
  region                  = "us-east-1"
  access_key              = "test"
  secret_key              = "test"
  skip_metadata_api_check = true
  skip_region_validation  = true

  endpoints {
    apigatewayv2 = var.endpoint
    sts          = var.endpoint
  }
}

locals {
  web = {
    type                 = "http_proxy"
    httpMethod           = "ANY"
    uri                  = "http://127.0.0.1:${var.web_port}/{proxy}"
    payloadFormatVersion = "1.0"
    timeoutInMillis      = 5000
  }
}

resource "aws_apigatewayv2_api" "main" {
  name          = "openapi"
  protocol_type = "HTTP"
  # The provider reads the document's info.version back into version, so
  # the configuration states it too, or every plan would clear it.
  version = "1.0"
  body = jsonencode({
    openapi = "3.0.1"
    info    = { title = "openapi", version = "1.0" }
    paths = {
      "/pets/{proxy+}" = {
        get = { "x-amazon-apigateway-integration" = { "$ref" = "#/components/x-amazon-apigateway-integrations/web" } }
      }
      "/orders/{proxy+}" = {
        "x-amazon-apigateway-any-method" = { "x-amazon-apigateway-integration" = { "$ref" = "#/components/x-amazon-apigateway-integrations/web" } }
      }
    }
    components = {
      "x-amazon-apigateway-integrations" = { web = local.web }
    }
  })
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
