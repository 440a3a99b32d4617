# The image (Dockerfile), one immutable tag per commit, pushed by CI.
resource "aws_ecr_repository" "sluice" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.sluice.arn
  }
}

resource "aws_ecr_lifecycle_policy" "sluice" {
  repository = aws_ecr_repository.sluice.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "keep the last 100 images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 100 }
      action       = { type = "expire" }
    }]
  })
}
