"""Where login data lives in storage: the paths are part of the platform's public contract."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Optional

LANDING_PREFIX = "landing/logins/"
QUARANTINE_PREFIX = "quarantine/logins/"
READABLE_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz")

_HOUR_KEY = re.compile(r"^landing/logins/(\d{4})/(\d{2})/(\d{2})/(\d{2})/[^/]+$")


def hour_prefix(hour: datetime) -> str:
    """``landing/logins/YYYY/MM/DD/HH/``: every file that arrived in that UTC hour."""
    return f"{LANDING_PREFIX}{hour.astimezone(timezone.utc):%Y/%m/%d/%H}/"


def archive_key(received_at: datetime, batch_name: str) -> str:
    return f"{hour_prefix(received_at)}{batch_name}.jsonl"


def hour_of_key(key: str) -> Optional[datetime]:
    """The arrival hour a landing key belongs to, or None when it is outside the layout."""
    match = _HOUR_KEY.match(key)
    if not match:
        return None
    year, month, day, hour = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, tzinfo=timezone.utc)
    except ValueError:
        return None


def is_readable(key: str) -> bool:
    return key.endswith(READABLE_SUFFIXES)


def quarantine_key(hour: datetime) -> str:
    """One Parquet file per arrival hour: re-running the hour rewrites exactly this file."""
    hour = hour.astimezone(timezone.utc)
    return f"{QUARANTINE_PREFIX}ingest_date={hour:%Y-%m-%d}/ingest_hour={hour:%H}/{hour:%Y-%m-%d-%H}.parquet"
