# The secrets the platform reads. Terraform creates the containers only: values are put by the
# operator (docs/deploy.md), so no secret value ever sits in Terraform state or in the repo.
locals {
  secrets = {
    "pii-keys"   = "PII keys: JSON with hmac_key and encryption_key (base64 of 32 bytes each); SLUICE_PII_SECRET_ID"
    "api-tokens" = "API tokens: JSON token -> {team, scopes} (SLUICE_API_TOKENS)"
    "app-db"     = "App database: JSON with url (SLUICE_POSTGRES_URL, user sluice_app)"
    "dagster-db" = "Dagster instance database: JSON with password (user dagster)"
  }
}

resource "aws_secretsmanager_secret" "sluice" {
  # checkov:skip=CKV2_AWS_57:Not rotated by a Lambda: PII keys rotate by moving the old key into previous_encryption_keys of the same secret (docs/deploy.md), database users by the runbook in docs/deploy.md; the RDS master password is rotated by RDS itself.
  for_each                = local.secrets
  name                    = "${var.name}/${each.key}"
  description             = each.value
  kms_key_id              = aws_kms_key.sluice.arn
  recovery_window_in_days = 30
}
