"""A synthetic 30-day events lake for the serving benchmark, written straight in the lake's
layout (``event_type=/event_date=/event_hour=``, LAKE_SCHEMA, zstd) with a committed manifest
per hour. The ingest is benchmarked on its own (bench_events); going through it here would
spend the benchmark's time budget on validating JSON rather than on serving.

Users are long-tailed (index = size * u**2, as tools/generate/id_population.py) and event
types Zipf-like, so some users have thousands of events and most a handful.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds

from platform_assets.events.lake_writer import LAKE_SCHEMA, PARTITION_SCHEMA
from resources.storage import StorageResource

START = datetime(2025, 3, 1, tzinfo=UTC)
HOUR_MS = 3_600_000


def user_ids(count: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [
        str(uuid.UUID(bytes=bytes(b)))
        for b in rng.integers(0, 256, size=(count, 16), dtype=np.uint8)
    ]


def build_lake(
    storage: StorageResource, events: int, days: int, types: int, users: int, seed: int = 1
) -> dict:
    """Write ``events`` events over ``days`` days; returns users (most active first) and sizes."""
    rng = np.random.default_rng(seed)
    population = user_ids(users, seed)
    type_names = [f"type_{i:03d}" for i in range(types)]
    type_weights = 1.0 / np.arange(1, types + 1)
    type_weights /= type_weights.sum()
    per_day = events // days
    fs, base = storage.arrow_filesystem()
    hour_files: dict[datetime, list[str]] = {}
    counts = np.zeros(users, dtype=np.int64)
    mart: list[tuple] = []  # engagement.user_daily_activity rows, counted from the same arrays
    for day in range(days):
        first_ms = int((START + timedelta(days=day)).timestamp() * 1000)
        created = np.sort(rng.integers(first_ms, first_ms + 24 * HOUR_MS, size=per_day))
        who = np.minimum((users * rng.random(per_day) ** 2).astype(np.int64), users - 1)
        np.add.at(counts, who, 1)
        kind = rng.choice(types, size=per_day, p=type_weights)
        ids = [
            str(uuid.UUID(int=int(x))) for x in rng.integers(0, 2**63, size=per_day, dtype=np.int64)
        ]
        attributes = [
            json.dumps(
                {
                    "user_id": population[u],
                    "item_id": f"item-{(u * 7919 + i) % 50_000}",
                    "note": "x" * 200,
                    "n": i,
                }
            )
            for i, u in enumerate(who.tolist())
        ]
        meta = [f'{{"created_at":{c},"service":"svc"}}' for c in created.tolist()]
        hours = (created // HOUR_MS) % 24
        table = pa.table(
            {
                "event_id": ids,
                "created_at": pa.array(created, pa.timestamp("ms", tz="UTC")),
                "attributes": attributes,
                "meta": meta,
                "source_key": pa.array(["landing/events/bench.jsonl"] * per_day),
                "line_number": pa.array(np.arange(per_day), pa.int64()),
                "user_id": pa.array([population[u] for u in who.tolist()]),
            },
            schema=LAKE_SCHEMA,
        )
        date = f"{START + timedelta(days=day):%Y-%m-%d}"
        mart.extend(_mart_rows(who, kind, created, population, type_names, date))
        table = (
            table.append_column("event_type", pa.array([type_names[k] for k in kind.tolist()]))
            .append_column("event_date", pa.array([date] * per_day).dictionary_encode())
            .append_column(
                "event_hour", pa.array([f"{h:02d}" for h in hours.tolist()]).dictionary_encode()
            )
        )
        written: list[str] = []
        ds.write_dataset(
            table,
            f"{base}/lake/events",
            filesystem=fs,
            format="parquet",
            partitioning=ds.HivePartitioning(PARTITION_SCHEMA, segment_encoding="none"),
            basename_template=f"{date}-bench-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            max_partitions=1 << 20,
            max_open_files=4096,
            file_visitor=lambda f: written.append(f.path[len(base) + 1 :]),
            file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
        )
        for key in written:
            hour = int(key.split("event_hour=")[1][:2])
            hour_files.setdefault(START + timedelta(days=day, hours=hour), []).append(key)
    for hour, keys in hour_files.items():
        body = {"arrival_hour": hour.isoformat(), "complete": True, "lake_files": sorted(keys)}
        storage.put_bytes(
            f"state/events/manifests/{hour:%Y-%m-%dT%H}.json", json.dumps(body).encode()
        )
    order = np.argsort(-counts)
    active = [population[i] for i in order.tolist() if counts[i] > 0]
    dates = [f"{START + timedelta(days=d):%Y-%m-%d}" for d in range(days)]
    return {
        "active_users": active,
        "dates": dates,
        "events": per_day * days,
        "mart_rows": mart,
        "lake_files": sum(len(k) for k in hour_files.values()),
    }


def _mart_rows(who, kind, created, population, type_names, date) -> list[tuple]:
    """(user_id, event_date, event_type, events, first_event_at, last_event_at) of one day."""
    key = who.astype(np.int64) * len(type_names) + kind
    order = np.lexsort((created, key))
    key, created = key[order], created[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    rows = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        user, event_type = divmod(int(key[start]), len(type_names))
        rows.append(
            (
                population[user],
                date,
                type_names[event_type],
                end - start,
                datetime.fromtimestamp(created[start] / 1000, UTC),
                datetime.fromtimestamp(created[end - 1] / 1000, UTC),
            )
        )
    return rows
