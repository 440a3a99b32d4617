"""Building blocks of the serving tests: a generated and ingested lake, its user-keyed copy,
an independent reading of the lake, the engagement mart filled from it, and an API served
over real HTTP by uvicorn on 127.0.0.1."""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import psycopg
import pyarrow.dataset as ds
import uvicorn

from platform_assets.events.ingest import ingest_hours
from platform_assets.lake_manifests import lake_files_by_date
from platform_assets.serving.layout import ensure_buckets
from platform_assets.serving.relayout import copy_date
from resources.api_tokens import parse_tokens
from resources.storage import StorageResource
from tools.generate.events import generate_events

START = datetime(2025, 3, 1, tzinfo=UTC)
HISTORY_TOKEN = "history-token-0123456789abcdef"
STATS_TOKEN = "stats-token-0123456789abcdef"
BOTH_TOKEN = "both-token-0123456789abcdef"
TOKENS_JSON = (
    f'{{"{HISTORY_TOKEN}": {{"team": "support", "scopes": ["history"]}},'
    f' "{STATS_TOKEN}": {{"team": "mobile", "scopes": ["stats"]}},'
    f' "{BOTH_TOKEN}": {{"team": "data", "scopes": ["history", "stats"]}}}}'
)
TOKENS = parse_tokens(TOKENS_JSON, "test tokens")

MART_DDL = """
CREATE SCHEMA IF NOT EXISTS engagement;
CREATE TABLE IF NOT EXISTS engagement.user_daily_activity (
    user_id text NOT NULL, event_date date NOT NULL, event_type text NOT NULL,
    events bigint NOT NULL,
    first_event_at timestamptz NOT NULL, last_event_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, event_date, event_type)
)
"""


def build_lake(
    storage: StorageResource, events: int, hours: int, users: int, seed: int = 3
) -> None:
    generate_events(
        storage,
        events=events,
        start=START,
        hours=hours,
        types=25,
        files_per_hour=2,
        late_rate=0.05,
        users=users,
        seed=seed,
    )
    for _ in ingest_hours(storage, [START + timedelta(hours=h) for h in range(hours)]):
        pass


def lake_dates(storage: StorageResource) -> list[str]:
    keys = [o.key for o in storage.list_objects("lake/events/") if o.key.endswith(".parquet")]
    return sorted({key.split("/event_date=")[1][:10] for key in keys})


def build_copy(storage: StorageResource, dates: list[str], buckets: int = 8) -> None:
    ensure_buckets(storage, buckets)
    files = lake_files_by_date(storage, dates)
    with tempfile.TemporaryDirectory() as tmp:
        for event_date in dates:
            copy_date(
                storage,
                event_date,
                files[event_date],
                buckets,
                Path(tmp) / event_date,
                row_group_rows=64,
            )


def lake_rows(storage: StorageResource) -> list[tuple]:
    """Every lake event with a user id, read by a plain scan of lake/events/ (not through the
    manifests or the copy): (user_id, event_id, event_type, created_at ms, attributes, meta,
    event_date), sorted as the API pages."""
    fs, base = storage.arrow_filesystem()
    keys = [o.key for o in storage.list_objects("lake/events/") if o.key.endswith(".parquet")]
    dataset = ds.dataset(
        [f"{base}/{k}" for k in keys],
        filesystem=fs,
        format="parquet",
        partitioning="hive",
        partition_base_dir=f"{base}/lake/events",
    )
    con = duckdb.connect()
    con.register("lake", dataset)
    return con.execute(
        "SELECT user_id, event_id, event_type, epoch_ms(created_at), attributes, meta, "
        "CAST(event_date AS VARCHAR) FROM lake WHERE user_id IS NOT NULL "
        "ORDER BY user_id, created_at, event_id"
    ).fetchall()


def fill_mart(postgres_url: str, rows: list[tuple]) -> None:
    """engagement.user_daily_activity with the marts' schema, aggregated here in Python."""
    groups: dict[tuple, list[int]] = {}
    for user_id, _, event_type, created_ms, _, _, event_date in rows:
        group = groups.setdefault((user_id, event_date, event_type), [0, created_ms, created_ms])
        group[0] += 1
        group[1], group[2] = min(group[1], created_ms), max(group[2], created_ms)
    with psycopg.connect(postgres_url) as conn:
        conn.execute(MART_DDL)
        conn.execute("TRUNCATE engagement.user_daily_activity")
        with conn.cursor().copy("COPY engagement.user_daily_activity FROM STDIN") as copy:
            for (user_id, event_date, event_type), (events, first, last) in groups.items():
                copy.write_row(
                    (
                        user_id,
                        event_date,
                        event_type,
                        events,
                        datetime.fromtimestamp(first / 1000, UTC),
                        datetime.fromtimestamp(last / 1000, UTC),
                    )
                )


def expected_daily(rows: list[tuple], user_id: str) -> dict[str, Counter]:
    days: dict[str, Counter] = {}
    for row in rows:
        if row[0] == user_id:
            days.setdefault(row[6], Counter())[row[2]] += 1
    return days


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServedApp:
    """uvicorn serving ``app`` on 127.0.0.1 in a thread; ``url`` once it accepts requests."""

    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
