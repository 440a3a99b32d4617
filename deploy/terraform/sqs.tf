# Login messages (seed 004): the platform drains them into the landing archive. A message that
# fails to be received five times moves to the dead-letter queue instead of cycling forever.
resource "aws_sqs_queue" "logins_dlq" {
  name                      = "${var.name}-logins-dlq"
  kms_master_key_id         = aws_kms_key.sluice.arn
  message_retention_seconds = 1209600 # 14 days, the maximum: time to look and replay
}

resource "aws_sqs_queue" "logins" {
  name                       = "${var.name}-logins"
  kms_master_key_id          = aws_kms_key.sluice.arn
  kms_data_key_reuse_period_seconds = 3600
  message_retention_seconds  = 345600 # 4 days
  visibility_timeout_seconds = 300    # longer than a drain batch's archive write
  receive_wait_time_seconds  = 20     # long polling: fewer empty receives
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.logins_dlq.arn
    maxReceiveCount     = 5
  })
}
