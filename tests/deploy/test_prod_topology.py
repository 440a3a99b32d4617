"""The production topology, for real, on 127.0.0.1: `dagster code-server start`, `dagster-webserver`
and `dagster-daemon run` as three processes with deploy/dagster.yaml as their instance, Dagster's
storage in the test Postgres, data and compute logs in moto's S3.

Launched the way a user does from the UI (GraphQL): a 3-hour backfill of ingest_events_job
from its Partitions tab and two person files from the launchpad. All three are `sluice/kind:
ingest` runs, one more than deploy/dagster.yaml lets run at once: the queue must hold one back.
"""

from __future__ import annotations

import time

import psycopg
import pytest

from resources.migrations import apply_migrations
from resources.secrets import new_key
from resources.storage import StorageResource
from tests.events.lake_queries import query
from tests.people.person_files import csv_bytes
from tools.dagster_ui_api import DagsterUiApi
from tools.generate.events import generate_events
from tools.prod_topology import COMPUTE_LOGS_PREFIX, Topology, TopologySettings

INGEST_LIMIT = 2  # deploy/dagster.yaml's tag_concurrency_limits for sluice/kind: ingest
HOURS = ["2025-01-01-00:00", "2025-01-01-01:00", "2025-01-01-02:00"]
PERSON_FILES = {
    "team_a.csv": [["1", "Ana", "Silva", "ana@example.com", "Female", "10.0.0.1"],
                   ["2", "Bob", "Stone", "not-an-email", "Male", "10.0.0.2"]],
    "team_b.csv": [["1", "Cy", "Ray", "cy@example.com", "Male", "10.0.0.3"],
                   ["2", "Dee", "Low", "dee@example.com", "", "2001:db8::1"]],
}
VALID_PERSONS = {"ana@example.com", "cy@example.com", "dee@example.com"}


@pytest.fixture(scope="module")
def topology(tmp_path_factory, postgres_database_factory, moto_endpoint):
    import boto3

    bucket = "sluice-prod-topology"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(
        Bucket=bucket
    )
    app_url = postgres_database_factory("sluice_topology_app")
    apply_migrations(app_url)
    settings = TopologySettings(
        home=tmp_path_factory.mktemp("dagster_home"),
        app_postgres_url=app_url,
        dagster_postgres_url=postgres_database_factory("sluice_topology_dagster"),
        s3_endpoint=moto_endpoint,
        bucket=bucket,
        extra_env={"SLUICE_PII_HMAC_KEY": new_key(), "SLUICE_PII_ENCRYPTION_KEY": new_key()},
    )
    topology = Topology(settings)
    stopped: list[str] = []
    try:
        # Sensors and schedules off before the daemon starts (the UI's toggles): the runs
        # under test are the ones launched below, not ones the sensors would add.
        topology.start(before_daemon=lambda t: stopped.extend(_api(t).stop_all_automation()))
        yield topology, stopped
    finally:
        topology.stop()


def _api(topology: Topology) -> DagsterUiApi:
    return DagsterUiApi(topology.settings.graphql_url)


def _max_overlap(runs: list[dict]) -> int:
    edges = sorted([(r["startTime"], 1) for r in runs] + [(r["endTime"], -1) for r in runs],
                   key=lambda e: (e[0], e[1]))
    current = peak = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


def test_backfill_and_person_files_through_the_ui_api(topology):
    topology, stopped = topology
    settings = topology.settings
    assert {"raw_events_sensor", "person_files_sensor"} <= set(stopped)
    storage = StorageResource(url=settings.storage_url, s3_endpoint_url=settings.s3_endpoint)
    generated = generate_events(storage, events=1500, start="2025-01-01T00", hours=3,
                                types=20, files_per_hour=2, seed=17)
    for name, rows in PERSON_FILES.items():
        storage.put_bytes(f"landing/persons/{name}", csv_bytes(rows))

    api = _api(topology)
    run_ids = set()
    for name in PERSON_FILES:
        api.add_dynamic_partition("person_files", name)
        run_ids.add(api.launch_partition_run("person_file_job", name))
    backfill_id = api.launch_job_backfill("ingest_events_job", HOURS)

    seen_statuses: set[str] = set()

    def watch(runs):
        topology.check_alive()
        seen_statuses.update(r["status"] for r in runs)
        started = [r for r in runs if r["status"] in {"STARTING", "STARTED"}]
        assert len(started) <= INGEST_LIMIT, f"{len(started)} ingest runs in progress at once"

    backfill_runs: list[dict] = []
    for _ in range(240):  # the backfill daemon creates its run on a later tick
        backfill_runs = api.runs({"dagster/backfill": backfill_id})
        if backfill_runs:
            break
        watch([r for r in api.runs() if r["runId"] in run_ids])
        time.sleep(0.5)
    assert len(backfill_runs) == 1, "single_run backfill policy: three hours, one run"
    run_ids.add(backfill_runs[0]["runId"])

    runs = api.wait_for_runs(run_ids, timeout=150, on_poll=watch)
    failed = {r["jobName"]: r["status"] for r in runs if r["status"] != "SUCCESS"}
    assert not failed, f"runs failed: {failed}; logs under {topology.log_dir}"

    # Queued, then run within the limit: every run carries the tag the limit is keyed on.
    assert "QUEUED" in seen_statuses
    for run in runs:
        assert {"key": "sluice/kind", "value": "ingest"} in run["tags"], run["jobName"]
    assert _max_overlap(runs) <= INGEST_LIMIT

    # The lake and quarantine in S3 hold exactly what the generator says the rules make.
    lake_rows = query(storage, "lake/events/", "SELECT count(*) FROM t")[0][0]
    quarantined = query(storage, "quarantine/events/", "SELECT count(*) FROM t")[0][0]
    assert (lake_rows, quarantined) == (
        generated["expected_valid"], generated["expected_quarantined"]
    )

    # Both person files loaded into Postgres (the invalid email quarantined, not loaded).
    with psycopg.connect(settings.app_postgres_url) as conn:
        emails = {row[0] for row in conn.execute("select email from person")}
    assert emails == VALID_PERSONS

    # Compute logs of every run are in the bucket, not on the host.
    import boto3

    s3 = boto3.client("s3", endpoint_url=settings.s3_endpoint, region_name="us-east-1")
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=settings.bucket, Prefix=f"{COMPUTE_LOGS_PREFIX}/") for o in page.get("Contents", [])]
    for run_id in run_ids:
        assert any(run_id in key for key in keys), f"no compute log of run {run_id} in {keys[:5]}"
