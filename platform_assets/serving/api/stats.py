"""A user's daily event counts from the engagement mart, zero-filled over a window of dates.

``engagement.user_daily_activity`` (user_id, event_date, event_type, events, ...) is built by
the marts (issue 14); this only reads it, with bound parameters, through a connection pool.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

MART_TABLE = "engagement.user_daily_activity"

# %(types)s is NULL for every type. One range scan of the mart's lookup index (user_id,
# event_date, event_type) INCLUDE (events), created by dbt (user_daily_activity.sql): an
# index-only scan once the table is vacuumed. One row per key, so no GROUP BY (window()
# sums anyway).
_STATS_SQL = """
SELECT event_date, event_type, events
FROM engagement.user_daily_activity
WHERE user_id = %(user_id)s AND event_date BETWEEN %(first)s AND %(last)s
  AND (%(types)s::text[] IS NULL OR event_type = ANY(%(types)s::text[]))
"""


class MartMissingError(RuntimeError):
    pass


class StatsReader:
    """Async: a stats request is one indexed query, so it runs on the event loop rather than
    taking a worker thread (the mobile traffic of scenario 3 is this route)."""

    def __init__(self, postgres_url: str, pool_size: int = 8):
        # min_size=0: the API starts (and /health answers) while Postgres is down. No check
        # on every checkout (a round trip per request); a connection that broke while idle
        # (a Postgres restart) fails its query; then the pool checks its idle connections
        # once, dropping the broken ones, and the query is retried.
        self.pool = AsyncConnectionPool(
            postgres_url, min_size=0, max_size=pool_size, open=False, name="sluice-api"
        )

    async def open(self) -> None:
        await self.pool.open()

    async def ping(self) -> None:
        async with self.pool.connection(timeout=5) as conn:
            await conn.execute("SELECT 1")

    async def daily(self, user_id: str, last: date, days: int, types: list[str] | None) -> dict:
        first = last - timedelta(days=days - 1)
        params = {"user_id": user_id, "first": first, "last": last, "types": types}
        try:
            try:
                rows = await self._rows(params)
            except psycopg.OperationalError as err:
                if isinstance(err, PoolTimeout):
                    raise
                await self.pool.check()  # drops every idle connection that broke with it
                rows = await self._rows(params)
        except psycopg.errors.UndefinedTable:
            raise MartMissingError(
                f"{MART_TABLE} does not exist yet: materialize the engagement marts"
            ) from None
        return window(rows, first, days)

    async def _rows(self, params: dict) -> list[tuple]:
        async with self.pool.connection(timeout=10) as conn:
            cursor = await conn.execute(_STATS_SQL, params, prepare=True)
            return await cursor.fetchall()

    async def close(self) -> None:
        await self.pool.close()


def window(rows, first: date, days: int) -> dict:
    """One entry per date from ``first`` (zero-filled, oldest first) and the window's totals."""
    by_date: dict[date, dict[str, int]] = defaultdict(dict)
    totals: dict[str, int] = defaultdict(int)
    for event_date, event_type, events in rows:
        day = by_date[event_date]
        day[event_type] = day.get(event_type, 0) + int(events)
        totals[event_type] += int(events)
    entries = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        by_type = dict(sorted(by_date.get(day, {}).items()))
        entries.append(
            {"date": day.isoformat(), "events": sum(by_type.values()), "by_type": by_type}
        )
    return {
        "start": first.isoformat(),
        "end": (first + timedelta(days=days - 1)).isoformat(),
        "days": entries,
        "totals": {"events": sum(totals.values()), "by_type": dict(sorted(totals.items()))},
    }
