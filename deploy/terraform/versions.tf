# Sluice on AWS: the data bucket, the RDS Postgres, Secrets Manager secrets, the login queue,
# the image repository and the pods' IAM role (IRSA). The EKS cluster is an input (variables.tf):
# docs/deploy.md creates it first. State belongs in a remote backend (S3 + lock); configure it
# with `terraform init -backend-config=...`, never commit state (it holds resource ids).
terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
  backend "s3" {}
}

provider "aws" {
  region = var.region
  default_tags {
    tags = {
      project    = var.name
      managed_by = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
