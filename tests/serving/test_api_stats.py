"""The stats and health routes over real HTTP, the mart in a real Postgres."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import psycopg

from platform_assets.serving.api.app import create_app
from tests.serving.lake_fixtures import (
    HISTORY_TOKEN,
    STATS_TOKEN,
    TOKENS,
    ServedApp,
    expected_daily,
)

AUTH = {"Authorization": f"Bearer {STATS_TOKEN}"}


def busiest_user(rows) -> str:
    from collections import Counter

    return Counter(r[0] for r in rows).most_common(1)[0][0]


def test_stats_equal_an_independent_count_zero_filled(api, served_lake):
    _, dates, rows = served_lake
    user_id = busiest_user(rows)
    daily = expected_daily(rows, user_id)
    end = date.fromisoformat(dates[-1]) + timedelta(days=2)  # two empty days at the end
    days = (end - date.fromisoformat(dates[0])).days + 1
    response = api.get(
        f"/v1/users/{user_id}/stats", params={"days": days, "end": end.isoformat()}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [entry["date"] for entry in body["days"]] == [
        (end - timedelta(days=days - 1 - i)).isoformat() for i in range(days)
    ]
    for entry in body["days"]:
        want = daily.get(entry["date"], {})
        assert entry["by_type"] == dict(want)
        assert entry["events"] == sum(want.values())
    assert body["days"][-1] == {"date": end.isoformat(), "events": 0, "by_type": {}}
    assert body["totals"]["events"] == sum(r[0] == user_id for r in rows) > 0
    assert (body["start"], body["end"]) == (dates[0], end.isoformat())


def test_stats_type_filter_and_default_window(api, served_lake):
    _, dates, rows = served_lake
    user_id = busiest_user(rows)
    daily = expected_daily(rows, user_id)
    chosen = sorted({t for counts in daily.values() for t in counts})[:2]
    end = dates[-1]
    body = api.get(
        f"/v1/users/{user_id}/stats", params={"end": end, "types": ",".join(chosen)}, headers=AUTH
    ).json()
    assert len(body["days"]) == 7
    first = (date.fromisoformat(end) - timedelta(days=6)).isoformat()
    want = sum(
        c
        for d, counts in daily.items()
        for t, c in counts.items()
        if t in chosen and first <= d <= end
    )
    assert body["totals"]["events"] == want
    assert set(body["totals"]["by_type"]) <= set(chosen)
    today = api.get(f"/v1/users/{user_id}/stats", headers=AUTH).json()
    assert today["end"] == date.today().isoformat() and len(today["days"]) == 7


def test_unknown_user_stats_are_zeros(api):
    body = api.get(
        "/v1/users/nobody/stats", params={"days": 3, "end": "2025-03-01"}, headers=AUTH
    ).json()
    assert body["totals"] == {"events": 0, "by_type": {}}
    assert [d["events"] for d in body["days"]] == [0, 0, 0]


def test_stats_auth_and_bad_input(api):
    path = "/v1/users/someone/stats"
    assert api.get(path).status_code == 401
    assert api.get(path, headers={"Authorization": f"Bearer {HISTORY_TOKEN}"}).status_code == 403
    for params, word in [
        ({"days": "0"}, "days"),
        ({"days": "367"}, "days"),
        ({"days": "x"}, "days"),
        ({"end": "2025-02-30"}, "end"),
        ({"types": "a,,b"}, "types"),
    ]:
        response = api.get(path, params=params, headers=AUTH)
        assert response.status_code == 400 and word in response.json()["error"], (
            params,
            response.text,
        )
    assert api.get(path, params={"days": "366"}, headers=AUTH).status_code == 200


def test_health_checks_storage_and_postgres(api, served_lake, postgres_database_factory):
    assert api.get("/health").json() == {"status": "ok"}
    storage = served_lake[0]
    dead = "postgresql://postgres@127.0.0.1:1/none?connect_timeout=1"
    with ServedApp(create_app(storage, dead, TOKENS)) as served:
        response = httpx.get(f"{served.url}/health", timeout=30)
        assert response.status_code == 503
        assert set(response.json()["failing"]) == {"postgres"}


def test_stats_before_the_mart_exists_is_a_clear_503(served_lake, postgres_database_factory):
    empty = postgres_database_factory("sluice_serving_empty")
    with ServedApp(create_app(served_lake[0], empty, TOKENS)) as served:
        response = httpx.get(f"{served.url}/v1/users/u/stats", headers=AUTH, timeout=30)
        assert response.status_code == 503
        assert "engagement.user_daily_activity" in response.json()["error"]


def test_openapi_docs_are_served(api):
    assert api.get("/docs").status_code == 200
    spec = api.get("/openapi.json").json()
    assert {"/health", "/v1/users/{user_id}/events", "/v1/users/{user_id}/stats"} <= set(
        spec["paths"]
    )


def test_the_declared_route_answers_as_the_fast_path(api, served_lake, serving_postgres):
    """StatsFastPath answers the route; the FastAPI route behind it (what /docs describes)
    gives the same answers when reached directly."""
    rows = served_lake[2]
    user_id = busiest_user(rows)
    spec = api.get("/openapi.json").json()["paths"]["/v1/users/{user_id}/stats"]["get"]
    assert {p["name"] for p in spec["parameters"]} == {"user_id", "days", "end", "types"}
    framework = create_app(served_lake[0], serving_postgres, TOKENS).app
    cases = [
        ({"days": "4", "end": served_lake[1][-1]}, AUTH),
        ({"days": "4", "end": served_lake[1][-1], "types": "a,b"}, AUTH),
        ({"days": "0"}, AUTH),
        ({}, {"Authorization": f"Bearer {HISTORY_TOKEN}"}),
        ({}, {}),
    ]
    with ServedApp(framework) as served, httpx.Client(base_url=served.url) as direct:
        for params, headers in cases:
            fast = api.get(f"/v1/users/{user_id}/stats", params=params, headers=headers)
            slow = direct.get(f"/v1/users/{user_id}/stats", params=params, headers=headers)
            assert (fast.status_code, fast.json()) == (slow.status_code, slow.json()), params
            assert fast.headers.get("www-authenticate") == slow.headers.get("www-authenticate")


def test_stats_survive_the_servers_connections_being_dropped(api, served_lake, serving_postgres):
    """The pool does not check a connection on every checkout: after Postgres closed every
    idle one (as a restart does), the first query fails, the pool drops the broken ones and
    the route retries on a fresh connection."""
    user_id = busiest_user(served_lake[2])
    path, params = f"/v1/users/{user_id}/stats", {"days": 3, "end": served_lake[1][-1]}
    before = api.get(path, params=params, headers=AUTH).json()

    def one(_):  # side by side, so the pool holds several connections
        return httpx.get(f"{api.base_url}{path}", params=params, headers=AUTH).status_code

    with ThreadPoolExecutor(8) as threads:
        assert set(threads.map(one, range(32))) == {200}
    with psycopg.connect(serving_postgres, autocommit=True) as conn:
        dropped = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert dropped >= 1
    response = api.get(path, params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json() == before
