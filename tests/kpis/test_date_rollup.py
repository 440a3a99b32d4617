"""The compacted rollup of a date (events/date_rollup.py) is used only while it stands for
the hours it covers as committed now; hours committed after it are merged from their own
rollups; figures never change (an independent computation over the lake)."""

from datetime import timedelta

import pytest

from platform_assets.events.date_rollup import compact_date
from platform_assets.events.ingest import ingest_hour, ingest_hours
from platform_assets.hour_commits import commit_summary_key
from platform_assets.kpis.compute import compute_kpis
from platform_assets.kpis.partials import RollupChanged, run_task
from platform_assets.kpis.plan import plan_date
from resources.storage import StorageResource
from tests.kpis.conftest import DATE, START
from tests.kpis.expected import from_lake
from tools.generate.events import generate_events

FIGURES = ["events", "active_users", "by_type", "by_hour", "late_events", "quarantined"]


def _check(storage: StorageResource) -> dict:
    doc, _ = compute_kpis(storage, DATE)
    expected = from_lake(storage, DATE)
    assert doc["events"] == expected["events"] > 0
    assert doc["active_users"] == expected["active_users"]
    assert doc["by_type"] == expected["by_type"] and doc["by_hour"] == expected["by_hour"]
    assert doc["late_events"] == expected["late_events"]
    return doc


def test_later_hours_merge_and_a_rerun_hour_voids_the_compacted_rollup(tmp_path):
    storage = StorageResource(url=str(tmp_path / "storage"))
    generate_events(storage, events=3_000, start=START, hours=5, types=12, late_rate=0.1, seed=3)
    hours = [START + timedelta(hours=i) for i in range(5)]
    list(ingest_hours(storage, hours[:4]))
    first = compact_date(storage, DATE, tmp_path)
    assert first.hours_read == len(first.hours) == 4 and first.users > 0

    # An hour committed after the compaction (late events of DATE): merged from its rollup.
    ingest_hour(storage, hours[4])
    doc = _check(storage)
    assert doc["sources"]["arrival_hours_from_date_rollup"] == first.hours
    assert hours[4].strftime("%Y-%m-%dT%H") in doc["sources"]["arrival_hours_from_rollups"]

    # The next compaction reads only that hour, on top of the previous file. A reader that
    # planned with the previous file and its hour's own rollup must not read the new file.
    planned = plan_date(storage, DATE)
    second = compact_date(storage, DATE, tmp_path)
    with pytest.raises(RollupChanged):
        run_task(storage.resolved_url, None, planned.tasks[0])
    assert second.hours_read == 1 and len(second.hours) == 5
    assert _check(storage)["sources"]["arrival_hours_from_date_rollup"] == second.hours

    # A re-run of a covered hour commits anew: the compacted rollup no longer stands for it,
    # so it is not used at all; the hours' own rollups give the same figures.
    ingest_hour(storage, hours[0])
    doc = _check(storage)
    assert doc["sources"]["arrival_hours_from_date_rollup"] == []
    assert len(doc["sources"]["arrival_hours_from_rollups"]) == 5
    # ...and the next compaction starts over.
    assert compact_date(storage, DATE, tmp_path).hours_read == 5


def test_an_hour_being_rerun_is_read_from_its_manifest(tmp_path):
    """Without its commit summary (deleted first by a re-run) an hour's commit comes from its
    manifest: the figures are the same, only the bytes read differ."""
    storage = StorageResource(url=str(tmp_path / "storage"))
    generate_events(storage, events=1_000, start=START, hours=2, types=5, seed=4)
    list(ingest_hours(storage, [START, START + timedelta(hours=1)]))
    before, plan = compute_kpis(storage, DATE)
    assert (plan.summaries_read, plan.manifests_read) == (2, 0)
    storage.delete(commit_summary_key(START.strftime("%Y-%m-%dT%H")))
    after, plan = compute_kpis(storage, DATE)
    assert (plan.summaries_read, plan.manifests_read) == (1, 1)
    assert {k: after[k] for k in FIGURES} == {k: before[k] for k in FIGURES}
    assert after["bytes_read_by_kind"]["commits"] > before["bytes_read_by_kind"]["commits"]
