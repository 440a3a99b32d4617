import gzip
import json
from datetime import UTC, datetime

import pytest

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


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    """The same tests against a local directory and against S3 served by moto."""
    if request.param == "local":
        return StorageResource(url=str(tmp_path / "storage"))
    endpoint = request.getfixturevalue("moto_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return StorageResource(url=f"s3://{bucket}/sluice", s3_endpoint_url=endpoint)


@pytest.fixture
def local_storage(tmp_path):
    return StorageResource(url=str(tmp_path / "storage"))
