"""Draining the login queue: archive each batch durably, then delete it from the queue.

The order is the whole point: a crash after the archive write and before the delete leaves
the messages in the queue *and* in the archive, so SQS redelivers them, they are archived a
second time, and the load's upsert by message id keeps one row. Nothing is ever deleted
from the queue before it is on durable storage, so nothing is lost (at-least-once).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson

from platform_assets.logins.layout import archive_key

SQS_MAX_BATCH = 10


@dataclass
class DrainResult:
    received: int = 0
    archived: int = 0
    deleted: int = 0
    delete_failures: int = 0
    bytes_archived: int = 0
    archive_keys: list[str] = field(default_factory=list)


def archive_lines(messages, received_at: datetime) -> bytes:
    """One JSON envelope per line: message id, the body text as received, and timestamps."""
    stamp = received_at.isoformat()
    lines = [
        orjson.dumps(
            {
                "message_id": m.message_id,
                "body": m.body,
                "received_at": stamp,
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            }
        )
        for m in messages
    ]
    return b"\n".join(lines) + b"\n"


def batch_name(received_at: datetime) -> str:
    # Time first so names sort in arrival order; the uuid keeps concurrent drains apart.
    return f"logins-{received_at:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"


def drain_queue(
    queue,
    storage,
    *,
    max_messages: int,
    archive_batch_size: int = 1000,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    log: Callable[[str], None] = lambda _msg: None,
) -> DrainResult:
    """Move up to ``max_messages`` from ``queue`` into archive files under ``storage``.

    ``queue`` has ``receive(n)`` and ``delete(messages) -> failures``; ``storage`` has
    ``put_bytes(key, data)`` (atomic). A run is bounded so a deep queue is drained by a
    series of runs instead of one that never ends.
    """
    result = DrainResult()
    while result.received < max_messages:
        batch = []
        while len(batch) < archive_batch_size and result.received + len(batch) < max_messages:
            wanted = min(
                SQS_MAX_BATCH,
                archive_batch_size - len(batch),
                max_messages - result.received - len(batch),
            )
            received = queue.receive(wanted)
            if not received:
                break
            batch.extend(received)
        if not batch:
            break
        result.received += len(batch)
        received_at = now()
        key = archive_key(received_at, batch_name(received_at))
        data = archive_lines(batch, received_at)
        storage.put_bytes(key, data)
        result.archived += len(batch)
        result.bytes_archived += len(data)
        result.archive_keys.append(key)
        failures = queue.delete(batch)
        result.deleted += len(batch) - len(failures)
        result.delete_failures += len(failures)
        log(
            f"archived {len(batch)} login messages to {key}; "
            f"deleted {len(batch) - len(failures)} from the queue"
        )
        if failures:
            # Not an error: these come back after the visibility timeout and dedupe on load.
            log(
                f"{len(failures)} deletes refused by SQS (e.g. {failures[0].code}); "
                "they will be redelivered"
            )
    return result
