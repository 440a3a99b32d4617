"""Jobs and schedules declared in `jobs/*.yaml`, checked against the code location's assets.

Loading the code location calls `declared_jobs_definitions`: every file becomes a job (and a
schedule when it has a cron), so committing a file and reloading is the whole deployment and
deleting the file removes the job. Any broken file stops the load with every problem listed:
a code location that silently dropped a job would be worse than one that refuses to load.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from dagster import (
    AssetSelection,
    DagsterError,
    DefaultScheduleStatus,
    Definitions,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    TimeWindowPartitionsDefinition,
    define_asset_job,
)

from platform_assets.jobs.job_file import JobFileProblem, JobSpec, parse_job_file
from platform_assets.run_tags import pod_tags_for

PROJECT_ROOT = Path(__file__).resolve().parents[2]
JOBS_DIR_VARIABLE = "SLUICE_JOBS_DIR"
# Tag on every run of a declared job: which file it came from, for the UI's run filters.
SOURCE_TAG = "sluice/job_file"


class JobFilesError(ValueError):
    """One or more job files are invalid; the message lists every problem, one per line."""

    def __init__(self, problems: list[JobFileProblem]):
        self.problems = problems
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{len(problems)} problem(s) in job files:\n{lines}")


def jobs_dir() -> Path:
    """`SLUICE_JOBS_DIR`, default `jobs/` in the repo."""
    configured = os.environ.get(JOBS_DIR_VARIABLE, "").strip()
    return Path(configured).expanduser() if configured else PROJECT_ROOT / "jobs"


def job_files(directory: Path) -> list[Path]:
    """The declared job files, sorted; hidden files (editor swap files, ...) are not jobs."""
    if not directory.is_dir():
        return []
    return sorted(
        path
        for pattern in ("*.yaml", "*.yml")
        for path in directory.glob(pattern)
        if not path.name.startswith(".")
    )


def check_job_files(
    paths: Iterable[Path], domain_defs: Definitions
) -> tuple[list[tuple[JobSpec, AssetSelection, object]], list[JobFileProblem]]:
    """Parse every file and resolve it against the assets; returns (resolved, problems)."""
    graph = domain_defs.resolve_asset_graph()
    taken = {job.name for job in domain_defs.jobs or []} | {
        schedule.name for schedule in domain_defs.schedules or []
    }
    resolved, problems = [], []
    seen: dict[str, Path] = {}
    for path in paths:
        spec, file_problems = parse_job_file(path)
        problems.extend(file_problems)
        if spec is None:
            continue
        if spec.name in seen:
            problems.append(
                JobFileProblem(
                    path, "name", f"job {spec.name!r} is also declared by {seen[spec.name]}"
                )
            )
            continue
        seen[spec.name] = path
        if spec.name in taken or spec.schedule_name in taken:
            problems.append(
                JobFileProblem(
                    path, "name", f"{spec.name!r} is already a job or schedule of the platform"
                )
            )
            continue
        selection, partitions_def, selection_problems = _resolve_selection(spec, graph)
        problems.extend(selection_problems)
        problems.extend(_schedule_problems(spec, partitions_def))
        if not selection_problems:
            resolved.append((spec, selection, partitions_def))
    return resolved, problems


def declared_jobs_definitions(
    domain_defs: Definitions, directory: Path | None = None
) -> Definitions:
    """The jobs and schedules of every job file, or JobFilesError naming each bad file and field."""
    resolved, problems = check_job_files(job_files(directory or jobs_dir()), domain_defs)
    if problems:
        raise JobFilesError(problems)
    jobs, schedules = [], []
    for spec, selection, partitions_def in resolved:
        job = define_asset_job(
            name=spec.name,
            selection=selection,
            description=spec.description or f"Declared in {spec.path.name}.",
            tags={**pod_tags_for(spec.tags), **spec.tags, SOURCE_TAG: spec.path.name},
        )
        jobs.append(job)
        if spec.cron:
            schedules.append(_schedule(spec, job, partitions_def))
    return Definitions(jobs=jobs, schedules=schedules)


def _resolve_selection(spec: JobSpec, graph):
    """(selection, its partitions or None, []) or (None, None, [the problem with the selection])."""
    try:
        selection, partitions_def = _selection_and_partitions(spec, graph)
    except _SelectionProblem as problem:
        return None, None, [JobFileProblem(spec.path, "selection", str(problem))]
    return selection, partitions_def, []


class _SelectionProblem(ValueError):
    pass


def _first_line(err: Exception) -> str:
    return str(err).split("\n")[0]


def _selection_and_partitions(spec: JobSpec, graph):
    try:
        # Assets made together by one op (events_lake and quarantined_events) can only run
        # together: selecting one brings its siblings, as materializing it in the UI does.
        selection = AssetSelection.from_coercible(
            list(spec.selection)
        ).required_multi_asset_neighbors()
        keys = selection.resolve(graph)
    except DagsterError as err:
        raise _SelectionProblem(_first_line(err)) from None
    if not keys:
        raise _SelectionProblem(f"{list(spec.selection)} selects no assets")
    external = sorted(k.to_user_string() for k in keys if not graph.get(k).is_materializable)
    if external:
        raise _SelectionProblem(
            f"selects assets that cannot be materialized (external): {', '.join(external)}"
        )
    partitions = {graph.get(k).partitions_def for k in keys} - {None}
    if len(partitions) > 1:
        raise _SelectionProblem(
            "mixes assets with different partitions; one job runs one kind of partition"
        )
    try:
        # Build the job once here so that whatever Dagster would refuse at load time is
        # reported against the file instead.
        define_asset_job(spec.name, selection=selection).resolve(asset_graph=graph)
    except DagsterError as err:
        raise _SelectionProblem(
            _first_line(err.__cause__ if isinstance(err.__cause__, DagsterError) else err)
        ) from None
    return selection, next(iter(partitions), None)


def _schedule_problems(spec: JobSpec, partitions_def) -> list[JobFileProblem]:
    if not spec.cron:
        return []
    problems = []
    try:
        # Dagster's own check of the expression, so what passes here also loads.
        ScheduleDefinition(name=spec.schedule_name, cron_schedule=spec.cron, job_name=spec.name)
    except DagsterError as err:
        problems.append(JobFileProblem(spec.path, "cron", _first_line(err)))
    try:
        zoneinfo.ZoneInfo(spec.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(
            JobFileProblem(spec.path, "timezone", f"unknown time zone {spec.timezone!r}")
        )
    if partitions_def is not None and not isinstance(
        partitions_def, TimeWindowPartitionsDefinition
    ):
        reason = (
            f"the selection is partitioned by {type(partitions_def).__name__}; a schedule can only "
            "pick a partition of time-partitioned assets (its sensor runs the others)"
        )
        problems.append(JobFileProblem(spec.path, "cron", reason))
    return problems


def last_ended_partition(
    partitions_def: TimeWindowPartitionsDefinition, now: datetime
) -> str | None:
    """The key of the newest partition whose window ends at or before `now`."""
    current = partitions_def.get_partition_key_for_timestamp(now.timestamp())
    current_start = partitions_def.time_window_for_partition_key(current).start
    if current_start.timestamp() <= partitions_def.start.timestamp():
        return None
    return partitions_def.get_partition_key_for_timestamp(current_start.timestamp() - 1)


def _schedule(spec: JobSpec, job, partitions_def) -> ScheduleDefinition:
    status = (
        DefaultScheduleStatus.RUNNING if spec.schedule_running else DefaultScheduleStatus.STOPPED
    )
    description = f"Declared in {spec.path.name}: `{spec.cron}` ({spec.timezone})."
    latest_complete_partition = None  # unpartitioned: every tick runs the job as it is
    if partitions_def is not None:
        description += " Each tick runs the latest partition that has ended."

        def latest_complete_partition(context: ScheduleEvaluationContext):
            # A tick at 11:15 runs the 10:00 hour: the last partition that has fully ended
            # (the partitions may include the hour in progress, end_offset=1).
            key = last_ended_partition(partitions_def, context.scheduled_execution_time)
            if key is None:
                return SkipReason("no partition has ended yet")
            return RunRequest(partition_key=key)

    return ScheduleDefinition(
        name=spec.schedule_name,
        cron_schedule=spec.cron,
        execution_timezone=spec.timezone,
        job=job,
        execution_fn=latest_complete_partition,
        default_status=status,
        description=description,
    )
