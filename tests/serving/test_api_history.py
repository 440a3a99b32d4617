"""The history route over real HTTP against a plain scan of the lake."""

import json
import tempfile
from collections import Counter
from pathlib import Path

from platform_assets.lake_manifests import lake_files_by_date
from platform_assets.serving.relayout import copy_date
from tests.serving.lake_fixtures import BOTH_TOKEN, HISTORY_TOKEN

AUTH = {"Authorization": f"Bearer {HISTORY_TOKEN}"}


def iso(ms: int) -> str:
    from datetime import UTC, datetime

    return (
        datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    )


def all_pages(api, user_id: str, **query) -> tuple[list[dict], int]:
    events, cursor, pages = [], None, 0
    while True:
        params = {**query, **({"cursor": cursor} if cursor else {})}
        response = api.get(f"/v1/users/{user_id}/events", params=params, headers=AUTH)
        assert response.status_code == 200, response.text
        body = response.json()
        events += body["events"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return events, pages


def expected(rows, user_id, first=None, last=None, event_type=None) -> list[dict]:
    return [
        {
            "event_id": r[1],
            "event_type": r[2],
            "created_at": iso(r[3]),
            "attributes": json.loads(r[4]),
            "meta": json.loads(r[5]),
        }
        for r in rows
        if r[0] == user_id
        and (first is None or r[6] >= first)
        and (last is None or r[6] <= last)
        and (event_type is None or r[2] == event_type)
    ]


def chosen_users(rows) -> list[str]:
    counts = Counter(r[0] for r in rows)
    ranked = [user for user, _ in counts.most_common()]
    return [ranked[0], ranked[len(ranked) // 2], ranked[-1]]


def test_histories_equal_the_lake_over_several_pages(api, served_lake):
    _, dates, rows = served_lake
    for user_id in chosen_users(rows):
        events, pages = all_pages(api, user_id, limit=7)
        want = expected(rows, user_id)
        assert events == want
        assert pages == max(1, -(-len(want) // 7))  # no empty last page
        assert len({e["event_id"] for e in events}) == len(events)
    top = chosen_users(rows)[0]
    assert len(expected(rows, top)) > 3 * 7  # the top user's history really spans pages


def test_attributes_are_returned_exactly_as_they_arrived(api, served_lake):
    _, _, rows = served_lake
    user_id = chosen_users(rows)[0]
    response = api.get(f"/v1/users/{user_id}/events", params={"limit": 5}, headers=AUTH)
    for row in [r for r in rows if r[0] == user_id][:5]:
        assert f'"attributes":{row[4]}'.encode() in response.content  # byte for byte
        assert f'"meta":{row[5]}'.encode() in response.content


def test_date_and_type_filters(api, served_lake):
    _, dates, rows = served_lake
    user_id = chosen_users(rows)[0]
    middle = dates[len(dates) // 2]
    events, _ = all_pages(api, user_id, start=middle, end=middle, limit=1000)
    assert events == expected(rows, user_id, middle, middle) and events
    event_type = Counter(r[2] for r in rows if r[0] == user_id).most_common(1)[0][0]
    events, _ = all_pages(api, user_id, type=event_type, limit=3)
    assert events == expected(rows, user_id, event_type=event_type) and events
    events, _ = all_pages(api, user_id, start=dates[-1], limit=1000)
    assert events == expected(rows, user_id, first=dates[-1])


def test_unknown_user_is_an_empty_history(api):
    response = api.get("/v1/users/nobody-at-all/events", headers=AUTH)
    assert response.status_code == 200
    assert response.json() == {"user_id": "nobody-at-all", "events": [], "next_cursor": None}


def test_rewriting_a_date_between_pages_changes_nothing_seen(api, served_lake, tmp_path):
    storage, dates, rows = served_lake
    user_id = chosen_users(rows)[0]
    want = expected(rows, user_id)
    first = api.get(f"/v1/users/{user_id}/events", params={"limit": 10}, headers=AUTH).json()
    # Every date is rewritten (the page's and the ones still to come) before the next pages.
    files = lake_files_by_date(storage, dates)
    for event_date in dates:
        copy_date(
            storage, event_date, files[event_date], 8, tmp_path / event_date, row_group_rows=50
        )
    rest, _ = all_pages(api, user_id, limit=10, cursor=first["next_cursor"])
    assert first["events"] + rest == want


def test_a_rerun_rewrites_exactly_its_date(served_lake):
    storage, dates, _ = served_lake
    keys = {o.key: o.size for o in storage.list_objects("lake/events_by_user/")}
    target = dates[1]
    before = {k: (storage.backend.path(k).stat().st_mtime_ns) for k in keys}
    files = lake_files_by_date(storage, [target])
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_date(storage, target, files[target], 8, Path(tmp), row_group_rows=64)
    after = {
        o.key: storage.backend.path(o.key).stat().st_mtime_ns
        for o in storage.list_objects("lake/events_by_user/")
    }
    assert set(after) == set(before)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {k for k in after if f"/event_date={target}/" in k}
    assert copy.files_written == len(changed) > 0


def test_token_needs_the_history_scope(api, served_lake):
    path = "/v1/users/someone/events"
    assert api.get(path).status_code == 401
    assert api.get(path).headers["www-authenticate"] == "Bearer"
    assert (
        api.get(path, headers={"Authorization": "Bearer not-a-token-of-anyone"}).status_code == 401
    )
    assert api.get(path, headers={"Authorization": "Basic abc"}).status_code == 401
    denied = api.get(path, headers={"Authorization": "Bearer stats-token-0123456789abcdef"})
    assert denied.status_code == 403 and "history" in denied.json()["error"]
    assert api.get(path, headers={"Authorization": f"Bearer {BOTH_TOKEN}"}).status_code == 200


def test_bad_input_is_a_400_naming_the_parameter(api, served_lake):
    _, _, rows = served_lake
    user_id = chosen_users(rows)[0]
    path = f"/v1/users/{user_id}/events"
    page = api.get(path, params={"limit": 2}, headers=AUTH).json()
    cases = {
        "start": {"start": "2025-13-01"},
        "end": {"end": "yesterday"},
        "after end": {"start": "2025-03-02", "end": "2025-03-01"},
        "limit": {"limit": "0"},
        "1000": {"limit": "1001"},
        "limit=": {"limit": "ten"},
        "cursor is malformed": {"cursor": "%%%not-base64"},
        "another query": {"cursor": page["next_cursor"], "type": "user_created"},
    }
    for word, params in cases.items():
        response = api.get(path, params=params, headers=AUTH)
        assert response.status_code == 400, (params, response.text)
        assert word in response.json()["error"], (word, response.json())
    too_long = api.get("/v1/users/" + "u" * 257 + "/events", headers=AUTH)
    assert too_long.status_code == 400 and "user_id" in too_long.json()["error"]
    assert api.get("/v1/users/" + "u" * 256 + "/events", headers=AUTH).status_code == 200


def test_user_ids_cannot_leave_the_copy(api):
    # Path-like and SQL-like ids are just ids: hashed to a bucket, bound as a parameter.
    for user_id in ["..%2F..%2Fetc%2Fpasswd", "x' OR '1'='1", "%2E%2E"]:
        response = api.get(f"/v1/users/{user_id}/events", headers=AUTH)
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            assert response.json()["events"] == []
