variable "region" {
  description = "AWS region of everything (the Helm values and manifests name it too)."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "sluice"
}

variable "vpc_id" {
  description = "VPC of the EKS cluster; the database lives in its private subnets."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (two or more availability zones) for the database."
  type        = list(string)
}

variable "cluster_security_group_id" {
  description = "Security group of the EKS nodes: the only one allowed to reach Postgres."
  type        = string
}

variable "oidc_provider_arn" {
  description = "The EKS cluster's IAM OIDC provider ARN (IRSA)."
  type        = string
}

variable "oidc_provider_url" {
  description = "The same provider's URL without https:// (oidc.eks.REGION.amazonaws.com/id/XXXX)."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the release."
  type        = string
  default     = "sluice"
}

variable "service_account" {
  description = "Kubernetes service account every Sluice pod runs as (deploy/helm/values.yaml)."
  type        = string
  default     = "sluice"
}

variable "db_instance_class" {
  description = "RDS instance class (docs/deploy.md sizing: db.r6g.large to start)."
  type        = string
  default     = "db.r6g.large"
}

variable "db_allocated_storage_gb" {
  description = "Initial gp3 storage; autoscaling grows it up to ten times this."
  type        = number
  default     = 100
}

variable "landing_retention_days" {
  description = "Raw landing files are kept this long (the lake can be rebuilt from them)."
  type        = number
  default     = 30
}

variable "quarantine_retention_days" {
  description = "Quarantined raw records (PII included) are kept this long."
  type        = number
  default     = 90
}
