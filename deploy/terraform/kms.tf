# One customer-managed key for the bucket, the database, the secrets, the queue and the image
# repository: one place to audit and revoke. Rotated yearly by AWS.
resource "aws_kms_key" "sluice" {
  description             = "${var.name}: data, database, secrets, queue"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "sluice" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.sluice.key_id
}

data "aws_iam_policy_document" "kms" {
  # In a key policy "*" means this key only, and the account root is the standard administrator
  # (AWS's default key policy); the pods' use of the key is granted in iam.tf, scoped to its ARN.
  # checkov:skip=CKV_AWS_111:Key policy: resource "*" is the key itself (AWS default key policy).
  # checkov:skip=CKV_AWS_356:Key policy: resource "*" is the key itself (AWS default key policy).
  # checkov:skip=CKV_AWS_109:Key policy: the account administers its own key (AWS default key policy).
  # The account administers the key (IAM policies then grant use, as iam.tf does for the pods).
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}
