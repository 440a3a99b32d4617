import gzip
import json
from datetime import UTC, datetime

from resources.storage import StorageResource

HOUR_MS = 3_600_000


def hour(day: int, h: int) -> datetime:
    return datetime(2025, 1, day, h, tzinfo=UTC)


def ms(moment: datetime, minutes: int = 0) -> int:
    return int(moment.timestamp() * 1000) + minutes * 60_000


def event(event_id, event_type="user_created", created_at=None, **attributes) -> str:
    created_at = created_at if created_at is not None else ms(hour(1, 10), 5)
    return json.dumps(
        {
            "data": {"id": event_id, "type": event_type, "attributes": attributes or {"n": 1}},
            "meta": {"created_at": created_at, "service": "svc"},
        }
    )


def land(
    storage: StorageResource, arrival: datetime, name: str, lines: list[str], crlf=False
) -> str:
    """Drop one landing file for an arrival hour; returns its key."""
    key = f"landing/events/{arrival:%Y/%m/%d/%H}/{name}"
    body = ("\r\n" if crlf else "\n").join(lines).encode() + b"\n"
    if name.endswith(".gz"):
        body = gzip.compress(body)
    storage.put_bytes(key, body)
    return key
