"""Incremental listing of hour-prefixed landing keys, grouped by arrival hour.

The cursor is the last key seen. Each tick lists strictly after it (S3 ``StartAfter``,
paginated), at most ``max_keys`` keys, so a tick's work is bounded however big the bucket
grows; the rest waits for the next tick. Keys are hour-prefixed, so key order is arrival
order and the cursor never skips a new file (file names within an hour are expected to
sort in arrival order, as Firehose's timestamped names do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from resources.storage import StorageResource


@dataclass
class HourWithNewFiles:
    hour: datetime
    keys: list[str] = field(default_factory=list)


@dataclass
class ListingResult:
    hours: list[HourWithNewFiles]
    cursor: str | None
    keys_listed: int
    truncated: bool


def list_new_landing_hours(
    storage: StorageResource,
    prefix: str,
    cursor: str | None,
    max_keys: int,
    hour_of: Callable[[str], datetime | None],
) -> ListingResult:
    """New landing keys after ``cursor``, grouped by the hour ``hour_of`` reads from each key."""
    listed = list(storage.list_objects(prefix, start_after=cursor, limit=max_keys + 1))
    truncated = len(listed) > max_keys
    page = listed[:max_keys]
    groups: dict[datetime, HourWithNewFiles] = {}
    for obj in page:
        hour = hour_of(obj.key)
        if hour is not None:
            groups.setdefault(hour, HourWithNewFiles(hour)).keys.append(obj.key)
    hours = sorted(groups.values(), key=lambda group: group.hour)
    new_cursor = page[-1].key if page else cursor
    if truncated and len(hours) > 1 and hour_of(listed[max_keys].key) == hours[-1].hour:
        # The last hour continues past this page: leave it whole for the next tick rather
        # than run it twice. A page that is all one hour is run as is (bounded work).
        hours.pop()
        new_cursor = hours[-1].keys[-1]
    return ListingResult(hours=hours, cursor=new_cursor, keys_listed=len(page), truncated=truncated)
