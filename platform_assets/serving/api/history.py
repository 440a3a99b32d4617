"""A user's events from the user-keyed copy: one bucket's files, the dates asked, in order.

Only keys under ``lake/events_by_user/user_bucket=<bucket of the user>/`` are ever read; the
user id, dates and type reach DuckDB as bound parameters, never as SQL text. Dates are read
oldest first, 32 files, then 64, 128, ..., and reading stops once the page is full, so the
first page of a years-long history costs a month of files, not all of them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from platform_assets.serving.api.cursor import Position
from platform_assets.serving.layout import bucket_dir, date_of_key, read_buckets, user_bucket
from resources.storage import StorageResource

# A month of dates in one query, then twice as many per query: one DuckDB query costs more
# than a few extra files (docs/serving.md), while a year of history still stops early for
# an active user.
FIRST_STEP_FILES = 32

# $1 user, $2/$3 the position after which the page starts, $4 the type or NULL, $5 rows.
# FROM is one of two fixed sources: DuckDB's own reader over a list of local paths ($6), or
# a pyarrow dataset registered as copy_files (S3, through the storage's pyarrow filesystem).
# DISTINCT ON the paging key: a redelivery the ingest's 24-hour dedupe window missed is in the
# lake twice (docs/events.md, "Duplicates"); an event is listed once, or keyset paging would
# show both copies within a page and one across a page boundary.
_PAGE_SQL = """
SELECT DISTINCT ON (created_at, event_id)
       event_id, event_type, epoch_ms(created_at) AS created_ms, attributes, meta
FROM {source}
WHERE user_id = $1
  AND (created_at > make_timestamptz($2 * 1000)
       OR (created_at = make_timestamptz($2 * 1000) AND event_id > $3))
  AND ($4::VARCHAR IS NULL OR event_type = $4)
ORDER BY created_at, event_id
LIMIT $5
"""
_LOCAL_SQL = _PAGE_SQL.format(source="read_parquet($6)")
_DATASET_SQL = _PAGE_SQL.format(source="copy_files")


@dataclass(frozen=True)
class HistoryEvent:
    event_id: str
    event_type: str
    created_at_ms: int
    attributes: str  # the JSON text as it arrived
    meta: str

    @property
    def created_at(self) -> str:
        """ISO 8601 UTC with milliseconds and Z."""
        moment = datetime.fromtimestamp(self.created_at_ms // 1000, UTC)
        return f"{moment:%Y-%m-%dT%H:%M:%S}.{self.created_at_ms % 1000:03d}Z"


class HistoryReader:
    def __init__(self, storage: StorageResource):
        self.storage = storage
        self._buckets: int | None = None
        # One thread per query: requests run side by side, and per-query threads only add
        # overhead at that grain (docs/serving.md).
        self._database = duckdb.connect(":memory:", config={"threads": 1})
        self._lock = threading.Lock()

    def buckets(self) -> int | None:
        # Fixed once the copy exists (layout.ensure_buckets refuses a change): read it once.
        if self._buckets is None:
            self._buckets = read_buckets(self.storage)
        return self._buckets

    def dated_keys(
        self, user_id: str, first: str | None, last: str | None
    ) -> list[tuple[str, str]]:
        """(event date, key) of the user's bucket files, ``first`` to ``last``, in date order."""
        buckets = self.buckets()
        if buckets is None:
            return []
        prefix = bucket_dir(user_bucket(user_id, buckets))
        start_after = f"{prefix}event_date={first}" if first else None
        found = []
        for obj in self.storage.list_objects(prefix, start_after=start_after):
            event_date = date_of_key(obj.key)
            if event_date is None:
                continue
            if last is not None and event_date > last:
                break
            found.append((event_date, obj.key))
        return found

    def page(
        self,
        user_id: str,
        first: str | None,
        last: str | None,
        event_type: str | None,
        after: Position | None,
        limit: int,
    ) -> list[HistoryEvent]:
        """Up to ``limit`` events of the user, oldest first, strictly after ``after``."""
        if after is not None:
            after_date = datetime.fromtimestamp(after.created_at_ms // 1000, UTC).strftime(
                "%Y-%m-%d"
            )
            first = max(first, after_date) if first else after_date
        keys = [key for _, key in self.dated_keys(user_id, first, last)]
        position = after or Position(-(10**14), "")  # before any event (year -1200)
        fs, base = self.storage.arrow_filesystem()
        local = isinstance(fs, pafs.LocalFileSystem)
        events: list[HistoryEvent] = []
        with self._lock:
            cursor = self._database.cursor()
        try:
            start, step = 0, FIRST_STEP_FILES
            while start < len(keys) and len(events) < limit:
                paths = [f"{base}/{key}" for key in keys[start : start + step]]
                start, step = start + step, step * 2
                params = [
                    user_id,
                    position.created_at_ms,
                    position.event_id,
                    event_type,
                    limit - len(events),
                ]
                if local:
                    rows = cursor.execute(_LOCAL_SQL, [*params, paths]).fetchall()
                else:
                    cursor.register(
                        "copy_files", ds.dataset(paths, format="parquet", filesystem=fs)
                    )
                    rows = cursor.execute(_DATASET_SQL, params).fetchall()
                    cursor.unregister("copy_files")
                events.extend(HistoryEvent(*row) for row in rows)
                if events:
                    position = Position(events[-1].created_at_ms, events[-1].event_id)
        finally:
            cursor.close()
        return events
