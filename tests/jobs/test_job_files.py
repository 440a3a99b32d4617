"""Jobs declared in YAML files: parsing, checking against the real asset graph, the jobs and
schedules they become, and the validate command CI relies on."""

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from dagster import DefaultScheduleStatus, build_schedule_context

from platform_assets.domains import domain_definitions
from platform_assets.jobs.declared_jobs import (
    JobFilesError,
    check_job_files,
    declared_jobs_definitions,
    job_files,
)
from platform_assets.jobs.job_file import job_name_for, parse_job_file

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domains():
    return domain_definitions()


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text)
    return path


def problems_for(path: Path, domains) -> list[str]:
    _, problems = check_job_files([path], domains)
    return [f"{p.field}: {p.reason}" for p in problems]


def test_the_shipped_job_files_are_valid():
    """The suite runs the validator on the repo's own jobs/, so a broken file cannot land."""
    result = subprocess.run(
        [sys.executable, "-m", "platform_assets.jobs", "validate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    shipped = job_files(ROOT / "jobs")
    assert len(shipped) >= 2
    for path in shipped:
        assert f"job {job_name_for(path)}" in result.stdout


def test_job_name_comes_from_the_file_name():
    assert job_name_for(Path("jobs/events-hourly.yaml")) == "events_hourly"
    assert job_name_for(Path("nightly.catalog.yml")) == "nightly_catalog"


def test_a_valid_file_parses_with_defaults(tmp_path):
    path = write(
        tmp_path, "tidy.yaml", "selection: events_lake\ntags: {team: data, urgent: true}\n"
    )
    spec, problems = parse_job_file(path)
    assert problems == []
    assert spec.name == "tidy" and spec.selection == ("events_lake",)
    assert spec.cron is None and spec.timezone == "UTC" and spec.schedule_running
    assert spec.tags == {"team": "data", "urgent": "true"}


@pytest.mark.parametrize(
    "text, field, reason_part",
    [
        ("selection: events_lake\nschedul: '0 * * * *'\n", "schedul", "unknown key"),
        ("description: nothing selected\n", "selection", "is required"),
        ("selection: []\n", "selection", "non-empty list"),
        ("selection: [events_lake, 3]\n", "selection", "non-empty string"),
        ("selection: events_lake\ncron: 5\n", "cron", "non-empty string"),
        ("selection: events_lake\ntags: [a, b]\n", "tags", "mapping"),
        (
            "selection: events_lake\ncron: '0 * * * *'\nschedule_status: paused\n",
            "schedule_status",
            "running, stopped",
        ),
        ("selection: events_lake\ntimezone: UTC\n", "timezone", "only means something with a cron"),
        ("- just\n- a list\n", "file", "YAML mapping"),
        ("selection: [events_lake\n", "line 2", "not valid YAML"),
    ],
)
def test_each_structural_problem_names_the_file_and_the_field(tmp_path, text, field, reason_part):
    path = write(tmp_path, "broken.yaml", text)
    spec, problems = parse_job_file(path)
    assert spec is None
    messages = [str(p) for p in problems]
    assert any(m.startswith(f"{path}: {field}: ") and reason_part in m for m in messages), messages


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    path = write(tmp_path, "many.yaml", "colour: blue\ncron: 7\n")
    _, problems = parse_job_file(path)
    assert {p.field for p in problems} == {"colour", "selection", "cron"}


@pytest.mark.parametrize(
    "text, field, reason_part",
    [
        ("selection: no_such_asset\n", "selection", "no_such_asset"),
        ("selection: 'key:no_such_*'\n", "selection", "selects no assets"),
        ("selection: 'events lake (('\n", "selection", "Invalid selection"),
        ("selection: raw_events\n", "selection", "external"),
        ("selection: [events_lake, person]\n", "selection", "different partitions"),
        ("selection: events_lake\ncron: '61 * * * *'\n", "cron", "invalid cron"),
        (
            "selection: events_lake\ncron: '0 * * * *'\ntimezone: Mars/Olympus\n",
            "timezone",
            "unknown time zone",
        ),
        ("selection: 'group:people'\ncron: '0 3 * * *'\n", "cron", "DynamicPartitionsDefinition"),
    ],
)
def test_selection_and_schedule_are_checked_against_the_assets(
    tmp_path, domains, text, field, reason_part
):
    path = write(tmp_path, "bad.yaml", text)
    messages = problems_for(path, domains)
    assert any(m.startswith(f"{field}: ") and reason_part in m for m in messages), messages


def test_a_name_taken_by_the_platform_or_another_file_is_refused(tmp_path, domains):
    taken = write(tmp_path / "a", "person_file_job.yaml", "selection: events_lake\n")
    assert any("already a job" in m for m in problems_for(taken, domains))
    first = write(tmp_path / "b", "hourly-sweep.yaml", "selection: events_lake\n")
    second = write(tmp_path / "b", "hourly_sweep.yaml", "selection: quarantined_events\n")
    _, problems = check_job_files([first, second], domains)
    assert [(p.path, p.field) for p in problems] == [(second, "name")]


def test_loading_refuses_a_directory_with_any_bad_file(tmp_path, domains):
    write(tmp_path, "good.yaml", "selection: events_lake\n")
    write(tmp_path, "bad.yaml", "selection: events_lake\ncron: every hour\n")
    with pytest.raises(JobFilesError) as caught:
        declared_jobs_definitions(domains, tmp_path)
    message = str(caught.value)
    assert f"{tmp_path / 'bad.yaml'}: cron:" in message and "good.yaml" not in message


def test_files_become_jobs_and_schedules_and_removing_a_file_removes_its_job(tmp_path, domains):
    write(
        tmp_path,
        "events_sweep.yaml",
        "selection: [events_lake, quarantined_events]\ncron: '15 * * * *'\n"
        "description: sweep\ntags: {team: platform}\n",
    )
    write(tmp_path, "people_now.yaml", "selection: 'group:people'\n")
    write(
        tmp_path,
        "quiet.yaml",
        "selection: events_lake\ncron: '0 4 * * *'\nschedule_status: stopped\n",
    )
    repo = declared_jobs_definitions(domains, tmp_path)
    merged = type(domains).merge(domains, repo).get_repository_def()

    sweep = merged.get_job("events_sweep")
    assert sweep.description == "sweep"
    assert sweep.tags["team"] == "platform" and sweep.tags["sluice/job_file"] == "events_sweep.yaml"
    assert {k.to_user_string() for k in sweep.asset_layer.selected_asset_keys} == {
        "events_lake",
        "quarantined_events",
    }
    # The assets' checks run with them: "hourly ingest with checks".
    check_names = {key.name for key in sweep.asset_layer.asset_graph.asset_check_keys}
    assert "no_duplicate_event_ids" in check_names
    people = merged.get_job("people_now")
    assert {k.to_user_string() for k in people.asset_layer.selected_asset_keys} >= {
        "person",
        "gender",
    }
    assert not merged.has_schedule_def("people_now_schedule")

    schedule = merged.get_schedule_def("events_sweep_schedule")
    assert schedule.cron_schedule == "15 * * * *"
    assert schedule.default_status == DefaultScheduleStatus.RUNNING
    assert merged.get_schedule_def("quiet_schedule").default_status == DefaultScheduleStatus.STOPPED

    (tmp_path / "people_now.yaml").unlink()
    again = (
        type(domains)
        .merge(domains, declared_jobs_definitions(domains, tmp_path))
        .get_repository_def()
    )
    assert not again.has_job("people_now") and again.has_job("events_sweep")


def test_a_schedule_on_hourly_assets_runs_the_hour_that_just_ended(tmp_path, domains):
    write(tmp_path, "sweep.yaml", "selection: events_lake\ncron: '15 * * * *'\n")
    repo = (
        type(domains)
        .merge(domains, declared_jobs_definitions(domains, tmp_path))
        .get_repository_def()
    )
    schedule = repo.get_schedule_def("sweep_schedule")
    tick = datetime(2026, 3, 4, 11, 15, tzinfo=timezone.utc)
    with build_schedule_context(scheduled_execution_time=tick, repository_def=repo) as context:
        result = schedule.evaluate_tick(context)
    assert [request.partition_key for request in result.run_requests] == ["2026-03-04-10:00"]


def test_validate_command_exits_non_zero_and_names_every_bad_file(tmp_path):
    write(tmp_path, "fine.yaml", "selection: events_lake\n")
    write(tmp_path, "typo.yaml", "selecton: events_lake\n")
    write(tmp_path, "ghost.yaml", "selection: ghost_asset\n")
    result = subprocess.run(
        [sys.executable, "-m", "platform_assets.jobs", "validate", "--dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"{tmp_path / 'typo.yaml'}: selecton: unknown key" in result.stderr
    assert (
        f"{tmp_path / 'ghost.yaml'}: selection:" in result.stderr and "ghost_asset" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert f"ok {tmp_path / 'fine.yaml'}: job fine" in result.stdout


def test_no_partition_has_ended_before_the_first_hour(domains):
    from platform_assets.arrival_hours import hourly_arrival_partitions
    from platform_assets.jobs.declared_jobs import last_ended_partition

    hours = hourly_arrival_partitions()
    first = hours.start
    assert last_ended_partition(hours, first.replace(minute=30)) is None
    assert (
        last_ended_partition(hours, first.replace(hour=first.hour + 1, minute=5))
        == hours.get_first_partition_key()
    )
