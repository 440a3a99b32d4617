"""Incremental listing of hour-prefixed landing keys, grouped by arrival hour.

Keys are hour-prefixed (``.../YYYY/MM/DD/HH/name``), so key order is arrival order at
hour resolution. A tick lists from the start of its *window* (the newest hour seen and
the ``lookback_hours`` before it) with S3 ``StartAfter``, paginated, never the whole
prefix. Keys already seen in the window are remembered in the cursor (as short digests),
so a file whose name sorts before earlier ones, or that a producer flushes into the
previous hour late, is still found; hours older than the window are done.

A tick lists at most ``max_keys`` new keys plus the window's known ones; the rest waits
for the next tick. When a page ends inside an hour, that hour is held back whole for the
next tick rather than run twice (unless it is the only hour on the page).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from platform_assets.landing_hours import HourlyLanding
from resources.storage import StorageResource

HOUR_FORMAT = "%Y-%m-%dT%H"


def _digest(key: str) -> str:
    return hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


@dataclass
class ListingCursor:
    after: str | None = None  # where the last listing stopped
    seen: dict[str, set[str]] = field(default_factory=dict)  # window hour -> digests of its keys

    @classmethod
    def parse(cls, text: str | None) -> ListingCursor:
        if not text:
            return cls()
        if not text.startswith("{"):  # a bare key: a cursor written by hand or an older tick
            return cls(after=text)
        body = json.loads(text)
        return cls(
            after=body.get("after"), seen={h: set(d) for h, d in body.get("seen", {}).items()}
        )

    def serialize(self) -> str:
        return json.dumps(
            {"after": self.after, "seen": {h: sorted(d) for h, d in sorted(self.seen.items())}},
            separators=(",", ":"),
        )


@dataclass
class HourWithNewFiles:
    hour: datetime
    keys: list[str] = field(default_factory=list)


@dataclass
class ListingResult:
    hours: list[HourWithNewFiles]
    cursor: str
    keys_listed: int
    truncated: bool
    ignored: list[str] = field(default_factory=list)  # listed keys that are not landing files


def list_new_landing_hours(
    storage: StorageResource,
    landing: HourlyLanding,
    cursor: str | None,
    max_keys: int,
    lookback_hours: int = 1,
) -> ListingResult:
    """New landing files since ``cursor``, grouped by the arrival hour read from each key."""
    hour_of, hour_prefix = landing.arrival_hour_of, landing.hour_prefix
    state = ListingCursor.parse(cursor)
    if state.seen:
        newest = datetime.strptime(max(state.seen), HOUR_FORMAT).replace(tzinfo=UTC)
        # Just before the window's first hour prefix: every key of that hour sorts after it.
        start_after = hour_prefix(newest - timedelta(hours=lookback_hours))[:-1]
    else:
        start_after = state.after
    budget = max_keys + sum(len(digests) for digests in state.seen.values())
    listed = list(storage.list_objects(landing.prefix, start_after=start_after, limit=budget + 1))
    truncated = len(listed) > budget
    page = listed[:budget]

    groups: dict[datetime, HourWithNewFiles] = {}
    ignored = []
    for obj in page:
        hour = hour_of(obj.key)
        if hour is None:
            if state.after is None or obj.key > state.after:  # reported once, not every tick
                ignored.append(obj.key)
            continue
        if _digest(obj.key) in state.seen.get(hour.strftime(HOUR_FORMAT), ()):
            continue
        groups.setdefault(hour, HourWithNewFiles(hour)).keys.append(obj.key)
    hours = sorted(groups.values(), key=lambda group: group.hour)
    # Not past a key outside the hour layout (e.g. landing/<dataset>/stray.jsonl): such a key
    # sorts after every hour folder, and hours landing later would be skipped.
    in_layout = [obj.key for obj in page if landing.hour_of_key(obj.key) is not None]
    after = in_layout[-1] if in_layout else state.after
    if truncated and len(hours) > 1 and hour_of(listed[budget].key) == hours[-1].hour:
        held_back = hours.pop()
        after = held_back.keys[0][: len(hour_prefix(held_back.hour)) - 1]

    for group in hours:
        state.seen.setdefault(group.hour.strftime(HOUR_FORMAT), set()).update(
            map(_digest, group.keys)
        )
    if state.seen:
        newest = datetime.strptime(max(state.seen), HOUR_FORMAT)
        keep_from = (newest - timedelta(hours=lookback_hours)).strftime(HOUR_FORMAT)
        state.seen = {h: d for h, d in state.seen.items() if h >= keep_from}
    state.after = after
    return ListingResult(
        hours=hours,
        cursor=state.serialize(),
        keys_listed=len(page),
        truncated=truncated,
        ignored=ignored,
    )


def new_file_partitions(
    storage: StorageResource,
    prefix: str,
    after: str | None,
    limit: int,
    partition_for_key: Callable[[str], str | None],
    on_skipped: Callable[[str], None] = lambda _key: None,
) -> tuple[list[str], str | None]:
    """Partitions of the files listed after ``after`` (at most ``limit`` keys), and the last
    key listed: the next tick's ``after``. For flat landing folders with one partition per file;
    keys that are not such files are passed to ``on_skipped`` and still move the cursor."""
    last, partitions = after, []
    for obj in storage.list_objects(prefix, start_after=after, limit=limit):
        last = obj.key
        partition = partition_for_key(obj.key)
        if partition is not None:
            partitions.append(partition)
        else:
            on_skipped(obj.key)
    return partitions, last
