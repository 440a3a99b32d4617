"""The small per-date rollups the events ingest writes beside the lake (issue 16).

For every event date an arrival hour put rows in, one file
``rollups/events/event_date=<YYYY-MM-DD>/<arrival partition>.parquet`` holds two kinds of rows
(ROLLUP_SCHEMA, one schema so DuckDB/Athena read the prefix with one glob):

- hour rows (``event_hour`` set, ``user_id`` null): events per event type and UTC event hour,
  and how many of them are late (their event hour is before the arrival hour);
- user rows (``user_id`` set, ``event_hour`` null): the distinct (user id, event type) pairs of
  the date with their event counts. Events without a user id only appear in hour rows.

A date's KPIs then read one small prefix instead of its lake files (platform_assets/kpis/).
The rows are summarised from the very Arrow tables the lake writer writes (``RollupBuilder.add``
per written group: a pyarrow group_by, no second pass over the hour), published before the
hour's manifest is marked complete and listed in it under ``rollups``: a reader trusts only
rollups a complete manifest lists. A re-run rewrites the hour's rollups and deletes those of
dates it no longer touches (the previous manifest lists them). Dagster-free.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from platform_assets.events.layout import event_date, partition_file_stem
from platform_assets.lake_files import rollup_date_prefix

HOUR_MS = 3_600_000
ROLLUP_SCHEMA = pa.schema(
    [
        ("event_type", pa.string()),
        ("event_hour", pa.int8()),  # UTC hour of event time, 0-23; null on user rows
        ("user_id", pa.string()),  # null on hour rows
        ("events", pa.int64()),
        ("late_events", pa.int64()),  # on hour rows; 0 on user rows
    ]
)


def rollup_key(date: str, arrival_hour: datetime) -> str:
    return f"{rollup_date_prefix(date)}{partition_file_stem(arrival_hour)}.parquet"


def planned_rollup_keys(cells, arrival_hour: datetime) -> set[str]:
    """The rollups an hour may write: one per event date of its cells ((type, epoch hour))."""
    return {rollup_key(event_date(epoch_hour), arrival_hour) for _, epoch_hour in cells}


def rollup_table(
    hour_types, event_hours, hour_events, late_events, user_types, user_ids, user_events
) -> pa.Table:
    """A ROLLUP_SCHEMA table: hour rows (type, event hour, events, late events), then user rows
    (type, user id, events)."""
    hour_rows = pa.table(
        {
            "event_type": hour_types,
            "event_hour": event_hours,
            "user_id": pa.nulls(len(hour_types), pa.string()),
            "events": hour_events,
            "late_events": late_events,
        },
        schema=ROLLUP_SCHEMA,
    )
    user_rows = pa.table(
        {
            "event_type": user_types,
            "event_hour": pa.nulls(len(user_types), pa.int8()),
            "user_id": user_ids,
            "events": user_events,
            "late_events": pa.repeat(pa.scalar(0, pa.int64()), len(user_types)),
        },
        schema=ROLLUP_SCHEMA,
    )
    return pa.concat_tables([hour_rows, user_rows])


class RollupBuilder:
    """Collects an arrival hour's written rows, group by group, into per-date rollups."""

    def __init__(self, arrival_hour: datetime):
        self.arrival_epoch_hour = int(arrival_hour.timestamp()) // 3600
        self._hours: list[pa.Table] = []
        self._users: list[pa.Table] = []

    def add(self, rows: pa.Table) -> None:
        """``rows``: rows the lake receives, with event_type, created_at and user_id."""
        if not rows.num_rows:
            return
        epoch_hour = pc.divide(rows.column("created_at").cast(pa.int64()), HOUR_MS)
        table = pa.table(
            {
                "event_type": rows.column("event_type"),
                "epoch_hour": epoch_hour,
                "epoch_day": pc.divide(epoch_hour, 24),
                "user_id": rows.column("user_id"),
            }
        )
        self._hours.append(
            table.group_by(["event_type", "epoch_hour"]).aggregate([([], "count_all")])
        )
        with_user = table.filter(pc.is_valid(table.column("user_id")))
        self._users.append(
            with_user.group_by(["epoch_day", "event_type", "user_id"]).aggregate(
                [([], "count_all")]
            )
        )

    def tables(self) -> dict[str, pa.Table]:
        """Event date -> its rollup table (ROLLUP_SCHEMA), for every date with rows."""
        if not self._hours:
            return {}
        hours = _summed(self._hours, ["event_type", "epoch_hour"])
        users = _summed(self._users, ["epoch_day", "event_type", "user_id"])
        late = pc.less(hours.column("epoch_hour"), self.arrival_epoch_hour)
        hours = hours.append_column("late", pc.if_else(late, hours.column("events"), 0))
        result = {}
        for epoch_day in sorted(set(pc.divide(hours.column("epoch_hour"), 24).to_pylist())):
            day_hours = hours.filter(pc.equal(pc.divide(hours.column("epoch_hour"), 24), epoch_day))
            day_users = users.filter(pc.equal(users.column("epoch_day"), epoch_day))
            event_hour = pc.subtract(day_hours.column("epoch_hour"), epoch_day * 24)
            result[event_date(epoch_day * 24)] = rollup_table(
                day_hours.column("event_type"),
                event_hour.cast(pa.int8()),
                day_hours.column("events"),
                day_hours.column("late"),
                day_users.column("event_type"),
                day_users.column("user_id"),
                day_users.column("events"),
            )
        return result

    def publish(self, storage, arrival_hour: datetime, announced, workdir: Path) -> list[str]:
        """Write the hour's rollups (each atomically) and delete the ``announced`` ones (an
        earlier run's or this run's plan) it no longer produces. Returns the keys written."""
        written = []
        for date, table in self.tables().items():
            key = rollup_key(date, arrival_hour)
            with storage.staged_file(key, staging_dir=workdir) as path:
                pq.write_table(table, path, compression="zstd")
            written.append(key)
        for stale in set(announced) - set(written):
            storage.delete(stale)
        return sorted(written)


def _summed(partials: list[pa.Table], keys: list[str]) -> pa.Table:
    """The partial counts of several groups, summed per key."""
    table = pa.concat_tables(partials) if len(partials) > 1 else partials[0]
    summed = table.group_by(keys).aggregate([("count_all", "sum")])
    summed = pa.table(
        {**{k: summed.column(k) for k in keys}, "events": summed.column("count_all_sum")}
    )
    return summed.sort_by([(k, "ascending") for k in keys])
