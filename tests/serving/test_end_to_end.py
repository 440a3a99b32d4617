"""End to end: generated events through the real assets (ingest -> events_lake, the dbt build
of engagement.user_daily_activity through dagster-dbt, events_by_user), then the API over real
HTTP answers a user's history and stats exactly as the generated landing files say.

The world is the marts tests' session world (tests/fixtures/marts_world.py: one generation,
ingest and dbt build per session); this adds the events_by_user run of its three dates.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import httpx
import orjson
import psycopg
import pytest

from platform_assets.serving.api.app import create_app
from tests.fixtures.marts_world import EVENT_DATES
from tests.serving.lake_fixtures import BOTH_TOKEN, TOKENS, ServedApp

AUTH = {"Authorization": f"Bearer {BOTH_TOKEN}"}
LOOKUP_INDEX = "user_daily_activity_user_id_event_date_event_type_i"


def generated_events(storage) -> list[dict]:
    """The valid events of the landing files, read without the platform's code.

    The generator writes every valid record with a ``meta.trace_id`` and builds malformed ones
    without it; a redelivery is a byte copy of a valid line. docs/events.md, "Duplicates": the
    first copy wins (arrival hour, landing key, line order) and a later copy is dropped when a
    kept copy arrived within 24 hours either side of it; a copy arriving later than that is
    kept (the lake holds it twice, and so do the API's answers)."""
    events, kept_hours = [], {}
    for key in sorted(o.key for o in storage.list_objects("landing/events/")):
        hour = datetime.strptime(key[len("landing/events/") :][:13], "%Y/%m/%d/%H")
        for line in storage.read_bytes(key).splitlines():
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            meta = record.get("meta") if isinstance(record, dict) else None
            if not isinstance(meta, dict) or "trace_id" not in meta:
                continue
            data = record["data"]
            hours = kept_hours.setdefault(data["id"], [])
            if any(abs((hour - other).total_seconds()) <= 24 * 3600 for other in hours):
                continue
            hours.append(hour)
            created = datetime.fromtimestamp(meta["created_at"] / 1000, UTC)
            user_id = data["attributes"].get("user_id")
            events.append(
                {
                    "event_id": data["id"],
                    "event_type": data["type"],
                    "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.")
                    + f"{meta['created_at'] % 1000:03d}Z",
                    "attributes": data["attributes"],
                    "meta": meta,
                    "user_id": user_id if isinstance(user_id, str) else None,
                    "date": created.date().isoformat(),
                }
            )
    return events


@pytest.fixture(scope="module")
def served_world(marts_world):
    """events_by_user of the world's dates (one run, as the CLI's range run), then the API."""
    from platform_assets.definitions import defs

    defs.resolve_job_def("events_by_user_job").execute_in_process(
        instance=marts_world.instance,
        resources=marts_world.resources(),
        tags={
            "dagster/asset_partition_range_start": EVENT_DATES[0],
            "dagster/asset_partition_range_end": EVENT_DATES[-1],
        },
    )
    app = create_app(marts_world.storage, marts_world.postgres_url, TOKENS)
    with ServedApp(app) as served, httpx.Client(base_url=served.url, timeout=30) as client:
        yield marts_world, client


def test_history_and_stats_equal_the_generated_events(served_world):
    world, api = served_world
    events = [e for e in generated_events(world.storage) if e["date"] in set(EVENT_DATES)]
    by_user = Counter(e["user_id"] for e in events if e["user_id"])
    # The busiest user (many pages at limit 7) and one of the least active.
    users = [by_user.most_common(1)[0][0], min(by_user, key=lambda u: (by_user[u], u))]
    assert by_user[users[0]] > 20
    twice = 0  # events the lake holds twice among the chosen users' (seed 14 has some)
    for user_id in users:
        want = sorted(
            (e for e in events if e["user_id"] == user_id),
            key=lambda e: (e["created_at"], e["event_id"]),
        )
        seen, cursor = [], None
        while True:
            query = {"start": EVENT_DATES[0], "end": EVENT_DATES[-1], "limit": 7}
            response = api.get(
                f"/v1/users/{user_id}/events",
                params={**query, **({"cursor": cursor} if cursor else {})},
                headers=AUTH,
            )
            assert response.status_code == 200, response.text
            seen += response.json()["events"]
            cursor = response.json()["next_cursor"]
            if cursor is None:
                break
        keys = ("event_id", "event_type", "created_at", "attributes", "meta")
        # An event once, even when the lake holds a late redelivery twice (the history route
        # lists events by id); the stats count what the lake and its mart hold.
        once = list({e["event_id"]: e for e in want}.values())
        twice += len(want) - len(once)
        assert seen == [{k: e[k] for k in keys} for e in once]

        response = api.get(
            f"/v1/users/{user_id}/stats",
            params={"days": len(EVENT_DATES) + 1, "end": EVENT_DATES[-1]},
            headers=AUTH,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        daily = {d: Counter(e["event_type"] for e in want if e["date"] == d) for d in EVENT_DATES}
        assert body["days"][0] == {"date": "2024-12-31", "events": 0, "by_type": {}}
        assert body["days"][1:] == [
            {"date": d, "events": daily[d].total(), "by_type": dict(sorted(daily[d].items()))}
            for d in EVENT_DATES
        ]
        totals = Counter(e["event_type"] for e in want)
        assert body["totals"] == {"events": len(want), "by_type": dict(sorted(totals.items()))}
    assert twice > 0  # the late-redelivery case above was exercised


def test_the_stats_query_reads_the_marts_lookup_index(served_world):
    """dbt creates (user_id, event_date, event_type) INCLUDE (events) on the published mart;
    with sequential scans ruled out (the test table is small) the route's query uses it."""
    from platform_assets.serving.api.stats import _STATS_SQL

    world, _ = served_world
    params = {"user_id": "u", "first": "2025-01-01", "last": "2025-01-30", "types": None}
    with psycopg.connect(world.postgres_url) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + _STATS_SQL, params))
    assert LOOKUP_INDEX in plan, plan
