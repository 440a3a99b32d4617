"""The KPIs of a date computed independently of sluice-kpis: DuckDB over the lake's and the
quarantine's Parquet files (never the rollups), and the DuckDB baseline's own validation and
dedupe of the landing files (tools/bench/duckdb_events_baseline.py)."""

from datetime import datetime, timedelta

import duckdb

from tests.events.lake_queries import read_parquet_tree
from tools.bench.duckdb_events_baseline import ingest_with_duckdb


def from_lake(storage, date: str) -> dict:
    con = duckdb.connect()
    con.register("lake", read_parquet_tree(storage, "lake/events/"))
    rows = con.execute(f"""
        SELECT event_type, event_hour::INT, user_id, count(*) FROM lake
        WHERE event_date = '{date}' GROUP BY ALL""").fetchall()
    events = sum(r[3] for r in rows)
    by_hour = [0] * 24
    by_type: dict[str, dict] = {}
    users_by_type: dict[str, set] = {}
    for event_type, hour, user, count in rows:
        by_hour[hour] += count
        by_type.setdefault(event_type, {"events": 0, "users": 0})["events"] += count
        if user is not None:
            users_by_type.setdefault(event_type, set()).add(user)
    for event_type, users in users_by_type.items():
        by_type[event_type]["users"] = len(users)
    active = len(set().union(*users_by_type.values())) if users_by_type else 0
    late = 0
    for obj in storage.list_objects("lake/events/"):
        parts = obj.key.split("/")
        if parts[3] != f"event_date={date}":
            continue
        event_hour = f"{date}T{parts[4].split('=')[1]}"
        arrival = parts[5].split(".")[0]
        if event_hour < arrival:
            late += _rows(storage, obj.key)
    quarantine = read_parquet_tree(storage, f"quarantine/events/ingest_date={date}/")
    reasons, total = {}, 0
    if quarantine is not None:
        con.register("q", quarantine)
        total = con.execute("SELECT count(*) FROM q").fetchone()[0]
        reasons = dict(
            con.execute(
                "SELECT r, count(*) FROM (SELECT unnest(reasons) r FROM q) GROUP BY r"
            ).fetchall()
        )
    return {
        "events": events,
        "by_hour": by_hour,
        "by_type": dict(sorted(by_type.items())),
        "active_users": active,
        "late_events": late,
        "quarantined": total,
        "by_reason": reasons,
    }


def _rows(storage, key: str) -> int:
    import pyarrow.parquet as pq

    fs, base = storage.arrow_filesystem()
    with fs.open_input_file(f"{base}/{key}") as f:
        return pq.ParquetFile(f).metadata.num_rows


def from_landing(local_root, workdir, date: str, start: datetime, hours: int) -> dict:
    """Events and users per type, and records quarantined, by the baseline's own rules (its
    reason codes are coarser than the platform's, so only the total is compared)."""
    arrival = [start + timedelta(hours=i) for i in range(hours)]
    ingest_with_duckdb(local_root / "landing" / "events", workdir, arrival)
    con = duckdb.connect()
    lake = f"{workdir}/lake/events/*/*/*/*.parquet"
    by_type = {
        t: {"events": n, "users": u}
        for t, n, u in con.execute(f"""
        SELECT event_type, count(*), count(DISTINCT user_id) FROM read_parquet('{lake}', \
hive_partitioning=true)
        WHERE event_date = '{date}' GROUP BY 1""").fetchall()
    }
    q = f"{workdir}/quarantine/events/ingest_date={date}/*/*.parquet"
    quarantined = con.execute(f"SELECT count(*) FROM read_parquet('{q}')").fetchone()[0]
    return {"by_type": dict(sorted(by_type.items())), "quarantined": quarantined}
