"""The events_match_lake check: counts from trusted rollups (else committed lake files) equal
an independent count over the lake, and the check fails when the mart and the lake disagree."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import instance_for_test

from platform_assets.event_rollups import valid_events_by_date
from platform_assets.marts.reconcile import mart_events_by_date, reconcile
from resources.storage import StorageResource
from tests.fixtures.marts_world import END_DATE, EVENT_DATES, FIRST_DATE
from tests.marts.expected import EVENT_MARTS, lake_marts, published

MANIFESTS = "state/events/manifests"


def expected_counts(lake_dir) -> dict[str, int]:
    counts: Counter = Counter()
    for row in lake_marts(lake_dir, FIRST_DATE, END_DATE)["product.events_daily"]:
        counts[row[0].isoformat()] += row[2]
    return dict(counts)


@pytest.fixture
def lake_copy(marts_world, tmp_path):
    """The world's lake, manifests and rollups, copied so a test may break them."""
    for part in ("lake", "state", "rollups"):
        shutil.copytree(marts_world.root / "storage" / part, tmp_path / part)
    return StorageResource(url=str(tmp_path)), tmp_path


def _manifest_of_a_rollup(root, event_date: str):
    """(manifest path, its body, the rollup key) of an arrival hour that wrote ``event_date``."""
    for path in sorted((root / MANIFESTS).glob("*.json")):
        body = json.loads(path.read_text())
        keys = [k for k in body.get("rollups", []) if f"event_date={event_date}/" in k]
        if body["complete"] and keys:
            return path, body, keys[0]
    raise AssertionError(f"no arrival hour with a rollup of {event_date}")


def test_counts_come_from_rollups_and_equal_the_lake(marts_world):
    valid = valid_events_by_date(marts_world.storage, EVENT_DATES)
    assert valid.counts == expected_counts(marts_world.lake_dir)
    assert valid.rollup_files > len(EVENT_DATES) and valid.lake_files == 0
    assert valid_events_by_date(marts_world.storage, ["2024-06-01"]).counts == {"2024-06-01": 0}


def test_hours_without_rollups_fall_back_to_their_committed_lake_files(lake_copy, marts_world):
    storage, root = lake_copy
    expected = expected_counts(marts_world.lake_dir)
    path, body, _ = _manifest_of_a_rollup(root, "2025-01-02")
    body.pop("rollups")  # an hour ingested before rollups existed
    path.write_text(json.dumps(body))
    valid = valid_events_by_date(storage, EVENT_DATES)
    assert valid.counts == expected
    in_range = [k for k in body["lake_files"] if any(f"={d}/" in k for d in EVENT_DATES)]
    assert valid.lake_files == len(in_range) > 0


def test_rollups_are_read_and_trusted_only_when_a_complete_manifest_lists_them(lake_copy):
    storage, root = lake_copy
    before = valid_events_by_date(storage, EVENT_DATES).counts
    path, body, key = _manifest_of_a_rollup(root, "2025-01-03")
    hour_rows = _inflate(root / key)
    # A trusted rollup is what is counted: a wrong one makes the count (and the check) differ.
    assert valid_events_by_date(storage, EVENT_DATES).counts["2025-01-03"] == (
        before["2025-01-03"] + hour_rows
    )
    # A manifest not complete (the hour being re-published): its committed files count.
    body.update(complete=False, planned=body["lake_files"])
    path.write_text(json.dumps(body))
    assert valid_events_by_date(storage, EVENT_DATES).counts == before
    # A lake file no manifest commits is not seen, as the marts do not see it.
    stray = root / "lake/events/event_type=stray/event_date=2025-01-03/event_hour=01/x.parquet"
    stray.parent.mkdir(parents=True)
    pq.write_table(pa.table({"event_id": ["s"]}), stray)
    assert valid_events_by_date(storage, EVENT_DATES).counts == before


def _inflate(path) -> int:
    """Add one to every row's events in a rollup; returns how many hour rows it has."""
    table = pq.read_table(path)
    pq.write_table(
        table.set_column(
            table.schema.get_field_index("events"),
            "events",
            pa.array([n + 1 for n in table.column("events").to_pylist()], pa.int64()),
        ),
        path,
    )
    return sum(1 for h in table.column("event_hour").to_pylist() if h is not None)


def test_the_check_fails_when_the_lake_disagrees_with_the_mart(marts_world):
    """Through Dagster: the marts rebuilt from the lake files, the ingest's rollups say more."""
    from platform_assets.definitions import defs

    root = marts_world.root / "storage"
    _, _, key = _manifest_of_a_rollup(root, "2025-01-02")
    saved = (root / key).read_bytes()

    def run_date():
        with instance_for_test() as instance:
            result = defs.resolve_job_def("event_marts_job").execute_in_process(
                partition_key="2025-01-02",
                instance=instance,
                resources=marts_world.resources(),
                raise_on_error=False,
            )
            return [
                e
                for e in result.get_asset_check_evaluations()
                if e.check_name == "events_match_lake"
            ]

    before = {t: published(marts_world.postgres_url, t) for t in EVENT_MARTS}
    try:
        extra = _inflate(root / key)
        (failed,) = run_date()
        assert not failed.passed
        assert failed.metadata["dates_mismatched"].value == 1
        assert failed.metadata["lake_events"].value == failed.metadata["mart_events"].value + extra
    finally:
        (root / key).write_bytes(saved)
    (passed,) = run_date()
    assert passed.passed and passed.metadata["rollup_files_read"].value > 0
    assert {t: published(marts_world.postgres_url, t) for t in EVENT_MARTS} == before


def test_a_mart_that_disagrees_with_the_lake_is_reported(marts_world):
    url, where = marts_world.postgres_url, "event_date = date '2025-01-02'"
    lake = {
        date.fromisoformat(d): n
        for d, n in valid_events_by_date(marts_world.storage, EVENT_DATES).counts.items()
    }
    first, end = date.fromisoformat(FIRST_DATE), date.fromisoformat(END_DATE)
    assert all(c.matches for c in reconcile(lake, mart_events_by_date(url, first, end)))
    change = (
        "update product.events_daily set events = events {} 1 where "
        f"{where} and event_type = (select min(event_type) from product.events_daily "
        f"where {where})"
    )
    with psycopg.connect(url) as conn:
        conn.execute(change.format("+"))
    try:
        counts = reconcile(lake, mart_events_by_date(url, first, end))
    finally:
        with psycopg.connect(url) as conn:
            conn.execute(change.format("-"))
    assert [c.event_date.isoformat() for c in counts if not c.matches] == ["2025-01-02"]
