"""Valid lake events per event date, counted from the ingest's per-date rollups (issue 14).

The ingest writes, with every arrival hour, one small rollup per event date it touched
(``rollups/events/event_date=D/<arrival partition>.parquet``, platform_assets/events/
rollups.py): its hour rows (``event_hour`` not null) hold the hour's events per event type and
event hour, summed from the very rows it wrote into the lake. A date's count is then the sum
of ``events`` over the hour rows of its trusted rollups, a few hundred small files instead of
the date's thousands of lake files.

A rollup is trusted only when its arrival hour's manifest is complete and lists it under
``rollups`` (a run still publishing, or killed, is never half counted) and the file exists.
Every other arrival hour that committed lake files to the date (lakes written before rollups,
an hour being re-published) is counted from exactly those committed files' Parquet footers.
The arrival hours are the manifests' (platform_assets/lake_manifests.py): the same committed
files the marts read. Dagster-free and domain-free: the storage contract only.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from platform_assets.hour_commits import commit_of, stem_of, trusted_rollups
from platform_assets.lake_files import rollup_date_prefix
from platform_assets.lake_manifests import committed_files, manifest_keys_from
from resources.storage import StorageResource

READ_THREADS = 16  # small objects: on S3 one request each, latency-bound
# The hour rows' columns (stable; the user rows' layout may change and is never read here).
HOUR_ROW_SCHEMA = pa.schema([("event_hour", pa.int8()), ("events", pa.int64())])


@dataclass
class DateSources:
    """What one event date's count is read from."""

    rollups: list[str] = field(default_factory=list)  # trusted rollup keys
    lake_files: list[str] = field(default_factory=list)  # lake keys of hours without one


@dataclass
class ValidEvents:
    counts: dict[str, int]  # event date (YYYY-MM-DD) -> valid lake events
    sources: dict[str, DateSources]
    manifests_read: int = 0

    @property
    def rollup_files(self) -> int:
        return sum(len(s.rollups) for s in self.sources.values())

    @property
    def lake_files(self) -> int:
        return sum(len(s.lake_files) for s in self.sources.values())


def _read_body(storage: StorageResource, key: str) -> dict | None:
    try:
        return json.loads(storage.read_bytes(key))
    except FileNotFoundError:  # removed since it was listed
        return None


def date_sources(
    storage: StorageResource, event_dates: list[str]
) -> tuple[dict[str, DateSources], int]:
    """Each date's trusted rollups and fallback lake files; and how many manifests were read.

    An event arrives at most ~25 h before its event time is over (the ingest's future
    tolerance), so the arrival hours of dates D.. are those from D - 2 days on.
    """
    sources = {d: DateSources() for d in event_dates}
    if not event_dates:
        return sources, 0
    keys = manifest_keys_from(storage, date.fromisoformat(min(event_dates)) - timedelta(days=2))
    with ThreadPoolExecutor(READ_THREADS) as pool:
        read = zip(keys, pool.map(lambda key: _read_body(storage, key), keys), strict=True)
        bodies = [(key, body) for key, body in read if body]
        existing = dict(
            zip(
                event_dates,
                pool.map(
                    lambda d: {o.key for o in storage.list_objects(rollup_date_prefix(d))},
                    event_dates,
                ),
                strict=True,
            )
        )
    wanted = {f"/event_date={d}/": d for d in event_dates}
    for key, body in bodies:
        lake_by_date: dict[str, list[str]] = {}
        for lake_key in committed_files(body):
            start = lake_key.find("/event_date=")
            d = wanted.get(lake_key[start : start + 23]) if start >= 0 else None
            if d is not None:
                lake_by_date.setdefault(d, []).append(lake_key)
        # The readers' one trust rule (hour_commits.trusted_rollups): listed by a complete
        # commit of the rollup's own arrival hour; and the file exists.
        commits = {stem_of(key): commit_of(body)}
        for d in event_dates:
            rollups = trusted_rollups(commits, sorted(existing[d]))
            if rollups:
                sources[d].rollups.extend(rollups)
            elif d in lake_by_date:
                sources[d].lake_files.extend(lake_by_date[d])
    for s in sources.values():
        s.rollups.sort()
        s.lake_files.sort()
    return sources, len(bodies)


def _rollup_events(storage: StorageResource, keys: list[str]) -> int:
    if not keys:
        return 0
    fs, base = storage.arrow_filesystem()
    table = ds.dataset(
        [f"{base}/{key}" for key in keys], schema=HOUR_ROW_SCHEMA, format="parquet", filesystem=fs
    ).to_table(filter=pc.field("event_hour").is_valid(), columns=["events"])
    return int(pc.sum(table.column("events")).as_py() or 0)


def _lake_rows(storage: StorageResource, keys: list[str]) -> int:
    """Rows of the lake files, from their Parquet footers (no column is read)."""
    if not keys:
        return 0
    fs, base = storage.arrow_filesystem()

    def rows(key: str) -> int:
        with fs.open_input_file(f"{base}/{key}") as f:
            return pq.ParquetFile(f).metadata.num_rows

    with ThreadPoolExecutor(READ_THREADS) as pool:
        return sum(pool.map(rows, keys))


def valid_events_by_date(storage: StorageResource, event_dates: list[str]) -> ValidEvents:
    """Valid lake events of each of ``event_dates`` (``YYYY-MM-DD``) as readers see the lake:
    trusted rollups' hour rows, plus the committed lake files of hours without one."""
    sources, manifests_read = date_sources(storage, event_dates)
    counts = {
        d: _rollup_events(storage, s.rollups) + _lake_rows(storage, s.lake_files)
        for d, s in sources.items()
    }
    return ValidEvents(counts, sources, manifests_read)
