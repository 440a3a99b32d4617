"""What a user sees when a run is refused or cannot reach a service: one line naming the cause
and what to set or type, never a library's traceback (issue 12, "clear errors at the edge").

The CLI cases run the real `dagster asset materialize`, several at once (each loads the code
location, ~5 s)."""

import base64
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from dagster import AssetKey, DagsterInvalidSubsetError

from platform_assets.arrival_hours import bad_hour_key_message
from platform_assets.cli_errors import explain
from platform_assets.definitions import defs
from resources.postgres import PostgresResource, PostgresUnreachableError
from resources.secrets import ENCRYPTION_KEY_VARIABLE, HMAC_KEY_VARIABLE
from tests.conftest import ROOT

EVENTS = "events_lake,quarantined_events"


def materialize(tmp_path, select: str, *args: str, **env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLUICE_", "DAGSTER_"))}
    env.update({"SLUICE_STORAGE_URL": str(tmp_path / "storage"), **env_vars})
    command = [sys.executable, "-m", "dagster", "asset", "materialize",
               "-m", "platform_assets.definitions", "--select", select, *args]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """Every CLI case, run in parallel once for the module."""
    tmp = tmp_path_factory.mktemp("cli")
    pii = {
        HMAC_KEY_VARIABLE: base64.b64encode(bytes(range(32))).decode(),
        ENCRYPTION_KEY_VARIABLE: base64.b64encode(bytes(range(32, 64))).decode(),
    }
    cases = {
        "bad_format": (EVENTS, ["--partition", "2025-01-01T00"], {}),
        "before_start": (EVENTS, ["--partition", "2025-05-31-23:00"],
                         {"SLUICE_EVENTS_START": "2025-06-01"}),
        "partial": ("events_lake", ["--partition", "2025-01-01-00:00"], {}),
        "postgres": ("user_logins,quarantined_logins", ["--partition", "2025-01-01-00:00"],
                     {"SLUICE_POSTGRES_URL": "postgresql://sluice:secret@127.0.0.1:1/sluice",
                      **pii}),
        "s3": (EVENTS, ["--partition", "2025-01-01-00:00"],
               {"SLUICE_STORAGE_URL": "s3://sluice-bucket/lake",
                "SLUICE_S3_ENDPOINT_URL": "http://127.0.0.1:1",
                "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_MAX_ATTEMPTS": "1"}),
    }  # fmt: skip
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        futures = {
            name: pool.submit(materialize, tmp / name, select, *args, **env)
            for name, (select, args, env) in cases.items()
        }
        return {name: future.result() for name, future in futures.items()}


def test_a_malformed_partition_key_names_the_format_and_the_first_partition(cli_runs):
    result = cli_runs["bad_format"]
    assert result.returncode == 1
    (line,) = error_lines(result)
    assert re.fullmatch(
        r"Error: partition key '2025-01-01T00' is not an hour: use YYYY-MM-DD-HH:00 \(UTC\), "
        r"e\.g\. 2025-01-01-00:00; "
        r"the first partition is 2025-01-01-00:00 \(SLUICE_EVENTS_START\), "
        r"the last \d{4}-\d\d-\d\d-\d\d:00 \[events_lake, quarantined_events\]",
        line,
    )
    assert "Traceback" not in result.stderr


def test_a_key_before_the_first_partition_names_sluice_events_start(cli_runs):
    result = cli_runs["before_start"]
    assert result.returncode == 1
    assert error_lines(result) == [
        "Error: partition key '2025-05-31-23:00' is before the first partition 2025-06-01-00:00 "
        "(SLUICE_EVENTS_START sets it) [events_lake, quarantined_events]"
    ]
    assert "Traceback" not in result.stderr


def test_a_partial_multi_asset_selection_says_what_to_select(cli_runs):
    result = cli_runs["partial"]
    assert result.returncode == 1
    assert error_lines(result) == [
        "Error: events_lake, quarantined_events are written by one step (ingest_events) and "
        "must be selected together: --select events_lake,quarantined_events"
    ]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "selected, expected",
    [
        ("gender", "gender,person,person_ip,quarantined_persons"),
        ("user_logins", "quarantined_logins,user_logins"),
        ("quarantined_events", "events_lake,quarantined_events"),
        (
            "customers_parquet",
            "customers_backup,customers_clean,customers_parquet,quarantined_customers",
        ),
    ],
)
def test_every_multi_asset_names_its_siblings(selected, expected):
    """Dagster's own refusal (as the CLI gets it), explained."""
    job = defs.resolve_implicit_global_asset_job_def()
    with pytest.raises(DagsterInvalidSubsetError) as refused:
        job.get_subset(asset_selection={AssetKey(selected)})
    message = explain(refused.value, defs, ["dagster", "--select", selected])
    assert message.endswith(f"must be selected together: --select {expected}")


def test_an_unreachable_postgres_names_the_variable_in_one_line(cli_runs):
    result = cli_runs["postgres"]
    assert result.returncode == 1
    cause = (
        "resources.postgres.PostgresUnreachableError: cannot reach Postgres at "
        "postgresql://sluice:***@127.0.0.1:1/sluice (set by SLUICE_POSTGRES_URL): "
        'connection to server at "127.0.0.1", port 1 failed: Connection refused'
    )
    # One line: the cause, then the bounded wait it gave up after.
    assert any(line.startswith(cause) for line in result.stderr.splitlines()), result.stderr[-2000:]
    assert "secret" not in result.stderr  # the password is never printed
    assert "site-packages/psycopg" not in result.stderr  # no library traceback chained to it


def test_an_unreachable_s3_names_the_variables_in_one_line(cli_runs):
    result = cli_runs["s3"]
    assert result.returncode == 1
    cause = (
        "resources.storage.backend.StorageAccessError: cannot reach S3 at http://127.0.0.1:1 "
        "(SLUICE_S3_ENDPOINT_URL) to write "
        "s3://sluice-bucket/lake/state/leases/events/2025-01-01T00.json "
        "(SLUICE_STORAGE_URL): EndpointConnectionError"
    )
    assert any(line.startswith(cause) for line in result.stderr.splitlines()), result.stderr[-2000:]
    assert "site-packages/botocore" not in result.stderr
    assert "site-packages/urllib3" not in result.stderr


def test_unreachable_postgres_in_process_names_the_resource_url():
    resource = PostgresResource(url="postgresql://u@127.0.0.1:1/db")
    with pytest.raises(
        PostgresUnreachableError,
        match=r"^cannot reach Postgres at postgresql://u@127.0.0.1:1/db "
        r"\(set by PostgresResource\(url=...\)\)",
    ):
        with resource.connection():
            pass


@pytest.mark.parametrize(
    "key, expected",
    [
        ("2025-01-01T00", "is not an hour: use YYYY-MM-DD-HH:00 (UTC), e.g. 2025-01-01-00:00"),
        ("2024-12-31-23:00", "is before the first partition 2025-01-01-00:00 (SLUICE_EVENTS_START"),
        ("2025-01-02-03:30", "is not on the hour: use 2025-01-02-03:00"),
        ("2030-01-01-00:00", "is after the last partition 2026-01-01-00:00 (the hour in progress)"),
    ],
)
def test_hour_key_messages(key, expected):
    assert expected in bad_hour_key_message(key, "2025-01-01-00:00", "2026-01-01-00:00")


def test_an_unknown_partition_of_a_job_is_explained_too():
    from dagster import DagsterUnknownPartitionError

    error = DagsterUnknownPartitionError("Could not find a partition with key `2025-01-01T00`.")
    message = explain(error, defs, ["dagster", "job", "backfill", "-j", "ingest_events_job"])
    assert message.startswith("partition key '2025-01-01T00' is not an hour: use YYYY-MM-DD-HH:00")
    assert message.endswith("[events_lake, quarantined_events]")
