"""Where the user-keyed copy of the lake lives, and which bucket a user falls in.

``lake/events_by_user/user_bucket=<NNN>/event_date=<YYYY-MM-DD>/events.parquet``: one file per
bucket and event date, so re-materializing a date replaces its files one by one (an atomic
rename or PUT each) and a user's whole history is one file per date of one bucket.

The bucket count is fixed when the copy is first written (``layout.json``); the writer and
the API both read it there, so a changed setting can never make the API look in the wrong
bucket. The hash is MD5, defined byte for byte here, so any language (Athena, Spark) can
compute the same bucket.
"""

from __future__ import annotations

import hashlib
import json
import os
import re

from resources.storage import StorageResource

PREFIX = "lake/events_by_user/"
LAYOUT_KEY = "state/events_by_user/layout.json"
FILE_NAME = "events.parquet"
BUCKETS_VARIABLE = "SLUICE_USER_BUCKETS"
DEFAULT_BUCKETS = 64
MAX_BUCKETS = 1000  # NNN: three digits
MAX_USER_ID_LENGTH = 256
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class LayoutError(ValueError):
    """The copy's layout file or bucket setting cannot be used."""


def user_bucket(user_id: str, buckets: int) -> int:
    """The first 8 bytes of MD5(utf-8 user_id), big-endian, modulo ``buckets``."""
    digest = hashlib.md5(user_id.encode("utf-8"), usedforsecurity=False).digest()
    return int.from_bytes(digest[:8], "big") % buckets


def bucket_dir(bucket: int) -> str:
    return f"{PREFIX}user_bucket={bucket:03d}/"


def file_key(bucket: int, event_date: str) -> str:
    if not _DATE.match(event_date):
        raise ValueError(f"event_date {event_date!r} is not YYYY-MM-DD")
    return f"{bucket_dir(bucket)}event_date={event_date}/{FILE_NAME}"


def date_of_key(key: str) -> str | None:
    """The event date of a copy file's key, or None if the key is not one."""
    match = re.search(r"/event_date=(\d{4}-\d{2}-\d{2})/" + re.escape(FILE_NAME) + "$", key)
    return match.group(1) if match else None


def configured_buckets(env=None) -> int:
    env = os.environ if env is None else env
    value = (env.get(BUCKETS_VARIABLE) or "").strip()
    if not value:
        return DEFAULT_BUCKETS
    if not value.isdigit() or not 1 <= int(value) <= MAX_BUCKETS:
        raise LayoutError(
            f"{BUCKETS_VARIABLE}={value!r} must be a whole number from 1 to {MAX_BUCKETS}"
        )
    return int(value)


def read_buckets(storage: StorageResource) -> int | None:
    """The bucket count the copy was written with, or None before the first write."""
    try:
        body = json.loads(storage.read_bytes(LAYOUT_KEY))
    except FileNotFoundError:
        return None
    buckets = body.get("user_buckets") if isinstance(body, dict) else None
    if not isinstance(buckets, int) or not 1 <= buckets <= MAX_BUCKETS:
        raise LayoutError(
            f"{storage.uri(LAYOUT_KEY)}: user_buckets must be an integer 1..{MAX_BUCKETS}"
        )
    return buckets


def ensure_buckets(storage: StorageResource, wanted: int) -> int:
    """The copy's bucket count: recorded on first use; a different setting later is refused
    (the copy would be split over two layouts that no reader could combine)."""
    current = read_buckets(storage)
    if current is None:
        storage.put_bytes(LAYOUT_KEY, json.dumps({"user_buckets": wanted}).encode())
        return wanted
    if current != wanted:
        raise LayoutError(
            f"{BUCKETS_VARIABLE}={wanted} but {PREFIX} was written with {current} buckets "
            f"({storage.uri(LAYOUT_KEY)}); unset it, or delete {PREFIX} and {LAYOUT_KEY} "
            "and rebuild every date"
        )
    return current
