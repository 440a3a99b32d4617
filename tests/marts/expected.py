"""Every mart computed independently of dbt: DuckDB straight over the lake's Parquet files,
plain SQL over the Postgres tables. The tests compare these with the published marts."""

from __future__ import annotations

from datetime import datetime

import duckdb
import psycopg

EVENT_MARTS = {
    "product.events_daily": (
        "select event_date, event_type, count(*), count(distinct user_id) from lake group by 1, 2"
    ),
    "engagement.user_daily_activity": (
        "select user_id, event_date, event_type, count(*), min(created_at), max(created_at) "
        "from lake where user_id is not null group by 1, 2, 3"
    ),
    "engagement.daily_active_users": (
        "select event_date, count(distinct user_id), count(user_id) from lake "
        "where user_id is not null group by 1"
    ),
}
TABLE_MARTS = {
    "growth.daily_logins": (
        "select create_date, device_type, count(*), count(distinct user_id) "
        "from user_logins group by 1, 2"
    ),
    "growth.app_versions": (
        "select app_version, max(app_version_num), count(distinct user_id), count(*), "
        "max(create_date) "
        "from user_logins group by 1"
    ),
    "trust.shared_devices": (
        "select masked_device_id, count(distinct user_id), count(*), min(create_date), "
        "max(create_date) "
        "from user_logins group by 1 having count(distinct user_id) >= 2"
    ),
    "crm.persons_by_gender": (
        "select coalesce(g.gender_type, 'unknown'), count(*) from person p "
        "left join gender g on g.id = p.gender_id group by 1"
    ),
}


def _normal(row) -> tuple:
    # Timestamps compared as UTC instants, whatever zone the driver attached.
    return tuple(value.timestamp() if isinstance(value, datetime) else value for value in row)


def lake_marts(lake_dir, first: str, end: str, uri: str | None = None, con=None) -> dict[str, set]:
    """The event marts over [first, end) computed from every lake file."""
    con = con or duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    source = uri or str(lake_dir)
    con.execute(
        "create or replace temp view lake as select * "
        f"from read_parquet('{source}/*/*/*/*.parquet', "
        "hive_partitioning = true, union_by_name = true, hive_types = {'event_date': date}) "
        f"where event_date >= date '{first}' and event_date < date '{end}'"
    )
    return {
        name: {_normal(row) for row in con.execute(sql).fetchall()}
        for name, sql in EVENT_MARTS.items()
    }


def table_marts(postgres_url: str) -> dict[str, set]:
    with psycopg.connect(postgres_url) as conn:
        return {
            name: {_normal(row) for row in conn.execute(sql).fetchall()}
            for name, sql in TABLE_MARTS.items()
        }


def published(postgres_url: str, table: str, where: str = "true") -> set:
    with psycopg.connect(postgres_url) as conn:
        return {
            _normal(row) for row in conn.execute(f"select * from {table} where {where}").fetchall()
        }
