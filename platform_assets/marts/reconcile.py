"""Reconciliation of product.events_daily against the lake, date by date. No Dagster.

The lake side is counted straight from the Parquet files of each date (DuckDB, no dbt), the
mart side read from Postgres: the two must agree exactly for every date built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import psycopg

from platform_assets.marts.duckdb_session import configure, sql_literal


@dataclass(frozen=True)
class DateCount:
    event_date: date
    lake_events: int
    mart_events: int

    @property
    def matches(self) -> bool:
        return self.lake_events == self.mart_events


def lake_events_by_date(
    lake_uri: str, dates: list[date], storage_url: str, s3_endpoint_url: str | None
) -> dict[date, int]:
    """Valid lake events per event date (the files under event_date=<d>)."""
    counts = {}
    con = duckdb.connect()
    try:
        configure(con, storage_url, s3_endpoint_url, attach_postgres=False)
        for day in dates:
            pattern = sql_literal(f"{lake_uri}/*/event_date={day.isoformat()}/*/*.parquet")
            (files,) = con.execute(f"select count(*) from glob({pattern})").fetchone()
            counts[day] = (
                con.execute(f"select count(*) from read_parquet({pattern})").fetchone()[0]
                if files
                else 0
            )
    finally:
        con.close()
    return counts


def mart_events_by_date(postgres_url: str, first: date, end: date) -> dict[date, int]:
    with psycopg.connect(postgres_url) as conn:
        exists = conn.execute("select to_regclass('product.events_daily') is not null").fetchone()[
            0
        ]
        if not exists:
            return {}
        rows = conn.execute(
            "select event_date, sum(events)::bigint from product.events_daily "
            "where event_date >= %s and event_date < %s group by event_date",
            (first, end),
        ).fetchall()
    return dict(rows)


def reconcile(lake: dict[date, int], mart: dict[date, int]) -> list[DateCount]:
    return [DateCount(day, lake[day], mart.get(day, 0)) for day in sorted(lake)]
