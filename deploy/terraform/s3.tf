# The storage root (SLUICE_STORAGE_URL = s3://BUCKET/sluice) and Dagster's compute logs
# (dagster/compute-logs/). Versioned, KMS-encrypted, never public, TLS only.
resource "aws_s3_bucket" "data" {
  # checkov:skip=CKV_AWS_144:Cross-region replication doubles storage cost; the lake can be rebuilt from landing files and RDS has its own backups. Revisit with a DR requirement.
  # checkov:skip=CKV_AWS_18:Access logging is done with CloudTrail S3 data events (account-wide trail), not server access logs into a second bucket.
  # checkov:skip=CKV2_AWS_62:No S3 event notifications: the sensors list new keys incrementally (StartAfter over hour prefixes).
  bucket = "${var.name}-data-${data.aws_caller_identity.current.account_id}"
}

resource "aws_s3_bucket_ownership_controls" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.sluice.arn
    }
    bucket_key_enabled = true # one KMS call per bucket key, not per object: ~99% fewer
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  # Raw landing files: cheaper storage after a week, gone after the retention (the lake and
  # the quarantine hold what was in them).
  rule {
    id     = "landing"
    status = "Enabled"
    filter {
      prefix = "sluice/landing/"
    }
    transition {
      days          = 7
      storage_class = "STANDARD_IA"
    }
    expiration {
      days = var.landing_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
  }

  # Quarantined raw records hold PII: kept long enough to fix and replay, then deleted.
  rule {
    id     = "quarantine"
    status = "Enabled"
    filter {
      prefix = "sluice/quarantine/"
    }
    expiration {
      days = var.quarantine_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  # Every re-run rewrites its partition's files: old versions are kept 30 days for recovery.
  rule {
    id     = "noncurrent-versions-and-uploads"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 2
    }
  }
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = data.aws_iam_policy_document.data_bucket.json
}

data "aws_iam_policy_document" "data_bucket" {
  statement {
    sid     = "TlsOnly"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.data.arn,
      "${aws_s3_bucket.data.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
