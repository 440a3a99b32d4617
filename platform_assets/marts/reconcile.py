"""Reconciliation of product.events_daily against the lake, date by date. No Dagster.

The lake side is what the ingest says it wrote into each date (platform_assets/event_rollups.py:
trusted rollups, else the committed lake files' footers; no dbt), the mart side is read from
Postgres: the two must agree exactly for every date built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg


@dataclass(frozen=True)
class DateCount:
    event_date: date
    lake_events: int
    mart_events: int

    @property
    def matches(self) -> bool:
        return self.lake_events == self.mart_events


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
