# The one AWS identity of every Sluice pod (webserver, daemon, code server, run pods, API, and
# the External Secrets operator's reads): a role assumed through the cluster's OIDC provider by
# exactly one Kubernetes service account. Least privilege: the bucket's two prefixes, the queue,
# the four secrets, the key.
locals {
  storage_prefix      = "sluice"               # SLUICE_STORAGE_URL = s3://BUCKET/sluice
  compute_logs_prefix = "dagster/compute-logs" # computeLogManager prefix in the Helm values
}

resource "aws_iam_role" "pods" {
  name               = "${var.name}-pods"
  assume_role_policy = data.aws_iam_policy_document.pods_assume.json
}

data "aws_iam_policy_document" "pods_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_provider_url}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_provider_url}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "pods" {
  name   = "${var.name}-pods"
  role   = aws_iam_role.pods.id
  policy = data.aws_iam_policy_document.pods.json
}

data "aws_iam_policy_document" "pods" {
  # Listing only under the two prefixes (sensors list landing/, readers list lake/, the UI
  # lists compute logs).
  statement {
    sid       = "ListOwnPrefixes"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.data.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.storage_prefix}/*", "${local.compute_logs_prefix}/*"]
    }
  }
  # Read, write and delete objects (atomic publish = write then move; re-runs replace their
  # partition's files) under the same prefixes only.
  statement {
    sid     = "ObjectsUnderOwnPrefixes"
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [
      "${aws_s3_bucket.data.arn}/${local.storage_prefix}/*",
      "${aws_s3_bucket.data.arn}/${local.compute_logs_prefix}/*",
    ]
  }
  statement {
    sid = "DrainLoginQueue"
    actions = [
      "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
    ]
    resources = [aws_sqs_queue.logins.arn]
  }
  statement {
    sid       = "ReadOwnSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [for secret in aws_secretsmanager_secret.sluice : secret.arn]
  }
  # The key encrypts all of the above; using it is useless without access to one of them.
  statement {
    sid       = "UseDataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.sluice.arn]
  }
}
