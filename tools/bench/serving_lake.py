"""A synthetic 30-day events lake for the serving benchmark, written straight in the lake's
layout (``event_type=/event_date=/event_hour=``, LAKE_SCHEMA, the lake writer's Parquet
options) with a committed manifest per hour. The ingest is benchmarked on its own
(bench_events); going through it here would spend the benchmark's time budget on validating
JSON rather than on serving.

Users are long-tailed (index = size * u**2, as tools/generate/id_population.py) and event
types Zipf-like, so some users have thousands of events and most a handful.

Every column is built by numpy and Arrow compute (no Python object per event) and a day is
one ``write_dataset`` call over rows sorted by (type, hour): at 3M events the ~36k small
files' own cost (open, footer, close) is most of the build.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from platform_assets.events.lake_writer import _LAKE_WRITER_OPTIONS, LAKE_SCHEMA, PARTITION_SCHEMA
from resources.storage import StorageResource

START = datetime(2025, 3, 1, tzinfo=UTC)
HOUR_MS = 3_600_000
HOURS = pa.array([f"{h:02d}" for h in range(24)])
# engagement.user_daily_activity's columns, as the marts publish them.
MART_SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("event_date", pa.date32()),
        ("event_type", pa.string()),
        ("events", pa.int64()),
        ("first_event_at", pa.timestamp("ms", tz="UTC")),
        ("last_event_at", pa.timestamp("ms", tz="UTC")),
    ]
)


def uuids(rng: np.random.Generator, count: int) -> pa.Array:
    """``count`` random UUID-shaped strings (8-4-4-4-12 hex digits)."""
    digits = np.frombuffer(rng.bytes(16 * count).hex().encode(), dtype="S32")
    text = pa.array(digits).cast(pa.string())
    parts = [pc.utf8_slice_codeunits(text, a, b) for a, b in ((0, 8), (8, 12), (12, 16), (16, 20))]
    return pc.binary_join_element_wise(*parts, pc.utf8_slice_codeunits(text, 20, 32), "-")


def _text(values: np.ndarray) -> pa.Array:
    return pa.array(values).cast(pa.string())


def build_lake(
    storage: StorageResource, events: int, days: int, types: int, users: int, seed: int = 1
) -> dict:
    """Write ``events`` events over ``days`` days; returns users (most active first), sizes
    and the engagement mart's rows counted from the same arrays (an Arrow table)."""
    rng = np.random.default_rng(seed)
    population = uuids(np.random.default_rng(seed), users)
    type_names = pa.array([f"type_{i:03d}" for i in range(types)])
    type_weights = 1.0 / np.arange(1, types + 1)
    type_weights /= type_weights.sum()
    per_day = events // days
    fs, base = storage.arrow_filesystem()
    hour_files: dict[datetime, list[str]] = {}
    counts = np.zeros(users, dtype=np.int64)
    marts: list[pa.Table] = []
    file_options = ds.ParquetFileFormat().make_write_options(**_LAKE_WRITER_OPTIONS)
    for day in range(days):
        first_ms = int((START + timedelta(days=day)).timestamp() * 1000)
        created = rng.integers(first_ms, first_ms + 24 * HOUR_MS, size=per_day)
        who = np.minimum((users * rng.random(per_day) ** 2).astype(np.int64), users - 1)
        kind = rng.choice(types, size=per_day, p=type_weights)
        counts += np.bincount(who, minlength=users)
        hours = ((created - first_ms) // HOUR_MS).astype(np.int32)
        # Grouped by the file each row goes to: write_dataset then fills one file at a time.
        order = np.lexsort((created, hours, kind))
        created, who, kind, hours = created[order], who[order], kind[order], hours[order]
        line = np.arange(per_day)
        user = population.take(pa.array(who))
        attributes = pc.binary_join_element_wise(
            '{"user_id":"',
            user,
            '","item_id":"item-',
            _text((who * 7919 + line) % 50_000),
            '","note":"' + "x" * 200 + '","n":',
            _text(line),
            "}",
            "",
        )
        meta = pc.binary_join_element_wise(
            '{"created_at":', _text(created), ',"service":"svc"}', ""
        )
        date = f"{START + timedelta(days=day):%Y-%m-%d}"
        table = pa.table(
            {
                "event_id": uuids(rng, per_day),
                "created_at": pa.array(created, pa.timestamp("ms", tz="UTC")),
                "attributes": attributes,
                "meta": meta,
                "source_key": pa.array(["landing/events/bench.jsonl"] * per_day),
                "line_number": pa.array(line, pa.int64()),
                "user_id": user,
                "event_type": type_names.take(pa.array(kind)),
                "event_date": pa.DictionaryArray.from_arrays(
                    pa.array(np.zeros(per_day, np.int32)), pa.array([date])
                ),
                "event_hour": pa.DictionaryArray.from_arrays(pa.array(hours), HOURS),
            }
        )
        marts.append(_mart_rows(who, kind, created, population, type_names, day))
        written: list[str] = []
        ds.write_dataset(
            table,
            f"{base}/lake/events",
            filesystem=fs,
            format="parquet",
            schema=pa.unify_schemas([LAKE_SCHEMA, PARTITION_SCHEMA]),
            partitioning=ds.HivePartitioning(PARTITION_SCHEMA, segment_encoding="none"),
            basename_template=f"{date}-bench-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            max_partitions=1 << 20,
            max_open_files=4096,
            file_visitor=lambda f: written.append(f.path[len(base) + 1 :]),
            file_options=file_options,
        )
        for key in written:
            hour = int(key.split("event_hour=")[1][:2])
            hour_files.setdefault(START + timedelta(days=day, hours=hour), []).append(key)
    for hour, keys in hour_files.items():
        body = {"arrival_hour": hour.isoformat(), "complete": True, "lake_files": sorted(keys)}
        storage.put_bytes(
            f"state/events/manifests/{hour:%Y-%m-%dT%H}.json", json.dumps(body).encode()
        )
    order = np.argsort(-counts, kind="stable")
    active = population.take(pa.array(order[counts[order] > 0])).to_pylist()
    dates = [f"{START + timedelta(days=d):%Y-%m-%d}" for d in range(days)]
    return {
        "active_users": active,
        "dates": dates,
        "events": per_day * days,
        "mart": pa.concat_tables(marts),
        "lake_files": sum(len(k) for k in hour_files.values()),
    }


def _mart_rows(who, kind, created, population, type_names, day: int) -> pa.Table:
    """(user_id, event_date, event_type, events, first_event_at, last_event_at) of one day."""
    key = who * len(type_names) + kind
    order = np.lexsort((created, key))
    key, created = key[order], created[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    user, event_type = np.divmod(key[starts], len(type_names))
    epoch_day = (START + timedelta(days=day)).date() - datetime(1970, 1, 1).date()
    return pa.table(
        [
            population.take(pa.array(user)),
            pa.array(np.full(len(starts), epoch_day.days, np.int32), pa.date32()),
            type_names.take(pa.array(event_type)),
            pa.array(ends - starts, pa.int64()),
            pa.array(created[starts], pa.timestamp("ms", tz="UTC")),
            pa.array(created[ends - 1], pa.timestamp("ms", tz="UTC")),
        ],
        schema=MART_SCHEMA,
    )
