# What deploy/helm/values.yaml and deploy/k8s/*.yaml need (their REPLACE markers).
output "bucket" {
  value = aws_s3_bucket.data.bucket
}

output "storage_url" {
  value = "s3://${aws_s3_bucket.data.bucket}/${local.storage_prefix}"
}

output "rds_address" {
  value = aws_db_instance.sluice.address
}

output "rds_master_secret_arn" {
  value = aws_db_instance.sluice.master_user_secret[0].secret_arn
}

output "login_queue_url" {
  value = aws_sqs_queue.logins.url
}

output "login_queue_arn" {
  description = "Grant producers sqs:SendMessage on this (and kms:GenerateDataKey on the key)."
  value       = aws_sqs_queue.logins.arn
}

output "pod_role_arn" {
  value = aws_iam_role.pods.arn
}

output "ecr_repository_url" {
  value = aws_ecr_repository.sluice.repository_url
}

output "secret_arns" {
  value = { for name, secret in aws_secretsmanager_secret.sluice : name => secret.arn }
}
