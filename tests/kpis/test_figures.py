"""sluice-kpis' figures equal an independent computation, from rollups, from the lake
fallback, on local storage and on moto S3."""

import pytest

from platform_assets.kpis.compute import compute_kpis
from tests.kpis.conftest import DATE, HOURS, OLD_HOURS, START
from tests.kpis.expected import from_lake, from_landing


@pytest.fixture(scope="session")
def expected(lakes):
    return from_lake(lakes["local"], DATE)


@pytest.mark.parametrize("lake", ["local", "local_compacted", "local_old", "s3"])
def test_figures_equal_an_independent_computation(lakes, expected, lake):
    doc, _ = compute_kpis(lakes[lake], DATE)
    assert expected["events"] > 1000 and expected["late_events"] > 0 and expected["quarantined"] > 0
    assert doc["events"] == expected["events"]
    assert doc["by_hour"] == expected["by_hour"]
    assert doc["by_type"] == expected["by_type"]
    assert doc["active_users"] == expected["active_users"]
    assert doc["late_events"] == expected["late_events"]
    assert doc["late_share"] == expected["late_events"] / expected["events"]
    assert doc["quarantined"]["total"] == expected["quarantined"]
    assert doc["quarantined"]["by_reason"] == expected["by_reason"]
    total = expected["quarantined"]
    assert doc["quarantined"]["rate"] == total / (total + expected["events"])
    top = sorted(expected["by_type"].items(), key=lambda kv: (-kv[1]["events"], kv[0]))[:10]
    assert doc["top_types"] == [{"type": t, **f} for t, f in top]
    assert doc["lake_bytes"] == sum(
        o.size for o in lakes[lake].list_objects("lake/events/") if f"/event_date={DATE}/" in o.key
    )


def test_figures_equal_the_duckdb_baseline_over_the_landing_files(lakes, tmp_path):
    doc, _ = compute_kpis(lakes["local"], DATE)
    baseline = from_landing(lakes["local"].backend.root, tmp_path / "duck", DATE, START, HOURS)
    assert doc["by_type"] == baseline["by_type"]
    assert doc["quarantined"]["total"] == baseline["quarantined"]


def test_rollups_spare_the_lake(lakes):
    doc, plan = compute_kpis(lakes["local"], DATE)
    assert doc["sources"]["arrival_hours_from_lake"] == []
    assert len(doc["sources"]["arrival_hours_from_rollups"]) >= 5  # the date's hours + late ones
    assert doc["sources"]["ingest_hours_from_quarantine_files"] == []  # the manifests' counts
    rollups = [o for o in lakes["local"].list_objects(f"rollups/events/event_date={DATE}/")]
    assert plan.manifests_read == 0 and plan.summaries_read == HOURS  # one small object each
    assert doc["files_read"] == len(rollups) + plan.summaries_read
    kinds = doc["bytes_read_by_kind"]
    assert kinds["rollups"] == sum(o.size for o in rollups) and kinds["lake"] == 0
    assert doc["bytes_read"] == kinds["rollups"] + kinds["commits"] < doc["lake_bytes"]


def test_the_compacted_rollup_replaces_the_hours_it_covers(lakes):
    doc, plan = compute_kpis(lakes["local_compacted"], DATE)
    hours = doc["sources"]["arrival_hours_from_rollups"]
    assert doc["sources"]["arrival_hours_from_date_rollup"] == hours and len(hours) >= 5
    assert [f.key for t in plan.tasks for f in t.files] == [
        f"rollups/events_by_date/event_date={DATE}/rollup.parquet"
    ]
    assert doc["files_read"] == 1 + plan.summaries_read
    per_hour, _ = compute_kpis(lakes["local"], DATE)
    assert doc["bytes_read_by_kind"]["rollups"] < per_hour["bytes_read_by_kind"]["rollups"]


@pytest.mark.parametrize("lake", ["local_old", "s3"])
def test_hours_without_rollups_are_read_from_the_lake(lakes, lake):
    doc, _ = compute_kpis(lakes[lake], DATE)
    assert doc["sources"]["arrival_hours_from_lake"] == OLD_HOURS[lake]
    assert not set(OLD_HOURS[lake]) & set(doc["sources"]["arrival_hours_from_date_rollup"])
    assert not set(OLD_HOURS[lake]) & set(doc["sources"]["arrival_hours_from_rollups"])
    on_the_date = [stem for stem in OLD_HOURS[lake] if stem.startswith(DATE)]
    assert doc["sources"]["ingest_hours_from_quarantine_files"] == on_the_date


def test_a_date_without_data_gives_zeros_and_says_so(lakes):
    doc, _ = compute_kpis(lakes["s3"], "2024-06-01")
    assert doc["events"] == doc["active_users"] == doc["quarantined"]["total"] == 0
    assert doc["by_hour"] == [0] * 24 and doc["by_type"] == {} and doc["late_share"] == 0.0
    assert doc["no_data"] is True and "no events" in doc["note"]
