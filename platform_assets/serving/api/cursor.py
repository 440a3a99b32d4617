"""The history paging cursor: the last event returned, and the query it belongs to.

Keyset paging on (created_at, event_id), the order the copy's files are sorted in: the next
page starts strictly after the last event seen, so re-writing a date between two pages (the
same events at the same keys) can neither repeat nor skip one.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass


class CursorError(ValueError):
    pass


@dataclass(frozen=True)
class Position:
    created_at_ms: int
    event_id: str


def query_fingerprint(*parts: str | None) -> str:
    text = "\x1f".join("" if p is None else p for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def encode(position: Position, fingerprint: str) -> str:
    body = json.dumps(
        [position.created_at_ms, position.event_id, fingerprint], separators=(",", ":")
    )
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode(cursor: str, fingerprint: str) -> Position:
    if len(cursor) > 2048:
        raise CursorError("cursor is malformed (too long)")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at_ms, event_id, query = json.loads(raw)
        valid = (
            isinstance(created_at_ms, int) and isinstance(event_id, str) and isinstance(query, str)
        )
    except (ValueError, TypeError):
        valid = False
    if not valid:
        raise CursorError("cursor is malformed: pass next_cursor from the previous page unchanged")
    if query != fingerprint:
        raise CursorError("cursor belongs to another query (user, start, end or type differ)")
    return Position(created_at_ms, event_id)
