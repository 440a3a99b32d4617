"""The login queue: an SQS queue (or moto / localstack speaking its API).

``SLUICE_LOGIN_QUEUE_URL`` names the queue; ``SLUICE_SQS_ENDPOINT_URL`` overrides the
endpoint (unset on AWS). Messages are never deleted here implicitly: the caller deletes a
batch only after archiving it, which is what makes draining at-least-once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from dagster import ConfigurableResource
from pydantic import PrivateAttr

QUEUE_URL_VARIABLE = "SLUICE_LOGIN_QUEUE_URL"
SQS_ENDPOINT_VARIABLE = "SLUICE_SQS_ENDPOINT_URL"
SQS_MAX_BATCH = 10  # SQS's own limit for receive and delete batches


class QueueConfigError(ValueError):
    """No queue URL is configured."""


@dataclass(frozen=True, repr=False)
class QueueMessage:
    message_id: str
    receipt_handle: str
    body: str
    sent_at: Optional[datetime]

    def __repr__(self) -> str:  # the body holds PII: keep it out of reprs and tracebacks
        return f"QueueMessage(message_id={self.message_id!r}, body=<{len(self.body)} chars>)"


@dataclass(frozen=True)
class DeleteFailure:
    message_id: str
    code: str


class LoginQueueResource(ConfigurableResource):
    """The SQS queue login messages arrive on (resource key ``login_queue``)."""

    queue_url: Optional[str] = None
    endpoint_url: Optional[str] = None
    region_name: Optional[str] = None
    # Long-poll: a short wait keeps an empty-queue drain quick; SQS allows up to 20 s.
    wait_time_seconds: int = 1
    # Must outlast receiving and archiving one batch, or SQS redelivers it meanwhile.
    visibility_timeout_seconds: int = 300

    _client = PrivateAttr(default=None)

    @property
    def resolved_queue_url(self) -> str:
        url = self.queue_url or os.environ.get(QUEUE_URL_VARIABLE)
        if not url:
            raise QueueConfigError(
                f"No login queue configured: set {QUEUE_URL_VARIABLE} to the SQS queue URL "
                f"(and {SQS_ENDPOINT_VARIABLE} for moto or localstack)."
            )
        return url

    @property
    def is_configured(self) -> bool:
        return bool(self.queue_url or os.environ.get(QUEUE_URL_VARIABLE))

    @property
    def client(self):
        if self._client is None:
            import boto3

            region = (
                self.region_name
                or os.environ.get("AWS_REGION")
                or os.environ.get("AWS_DEFAULT_REGION")
                or "us-east-1"
            )
            endpoint = self.endpoint_url or os.environ.get(SQS_ENDPOINT_VARIABLE) or None
            self._client = boto3.client("sqs", endpoint_url=endpoint, region_name=region)
        return self._client

    def receive(
        self, max_messages: int = SQS_MAX_BATCH, wait_time_seconds: Optional[int] = None
    ) -> list[QueueMessage]:
        """Up to 10 messages, now invisible to other consumers for the visibility timeout."""
        response = self.client.receive_message(
            QueueUrl=self.resolved_queue_url,
            MaxNumberOfMessages=max(1, min(max_messages, SQS_MAX_BATCH)),
            WaitTimeSeconds=self.wait_time_seconds
            if wait_time_seconds is None
            else wait_time_seconds,
            VisibilityTimeout=self.visibility_timeout_seconds,
            MessageSystemAttributeNames=["SentTimestamp"],
        )
        messages = []
        for raw in response.get("Messages", []):
            sent_ms = raw.get("Attributes", {}).get("SentTimestamp")
            sent_at = (
                datetime.fromtimestamp(int(sent_ms) / 1000, tz=timezone.utc) if sent_ms else None
            )
            messages.append(
                QueueMessage(raw["MessageId"], raw["ReceiptHandle"], raw["Body"], sent_at)
            )
        return messages

    def delete(self, messages: list[QueueMessage]) -> list[DeleteFailure]:
        """Delete messages in batches of 10; return the ones SQS refused (they will come back)."""
        failures: list[DeleteFailure] = []
        for start in range(0, len(messages), SQS_MAX_BATCH):
            chunk = messages[start : start + SQS_MAX_BATCH]
            entries = [
                {"Id": str(i), "ReceiptHandle": m.receipt_handle} for i, m in enumerate(chunk)
            ]
            response = self.client.delete_message_batch(
                QueueUrl=self.resolved_queue_url, Entries=entries
            )
            for failed in response.get("Failed", []):
                failures.append(
                    DeleteFailure(
                        chunk[int(failed["Id"])].message_id, failed.get("Code", "unknown")
                    )
                )
        return failures

    def approximate_depth(self) -> int:
        """Messages waiting (visible); SQS's count is approximate by design."""
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.resolved_queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0))
