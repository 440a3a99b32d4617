"""One job file (`jobs/<name>.yaml`) parsed into a JobSpec, or a list of what is wrong with it.

Pure: knows nothing of the asset graph. Whether the selection names real assets, and whether
the cron is one Dagster accepts, is checked in declared_jobs.py, where the graph is known.
Every problem is reported as `<file>: <field>: <reason>`, all at once, so one validate run
shows everything a commit has to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REQUIRED_KEYS = {"selection"}
OPTIONAL_KEYS = {"description", "cron", "timezone", "schedule_status", "tags"}
SCHEDULE_STATUSES = ("running", "stopped")
# Dagster names: letters, digits, underscores. The file name may use dashes or dots too.
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
_VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class JobSpec:
    """What a job file declares. `name` comes from the file name, never from the file."""

    name: str
    path: Path
    selection: tuple[str, ...]
    description: str | None = None
    cron: str | None = None
    timezone: str = "UTC"
    schedule_running: bool = True
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def schedule_name(self) -> str:
        return f"{self.name}_schedule"


@dataclass(frozen=True)
class JobFileProblem:
    path: Path
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.reason}"


def job_name_for(path: Path) -> str:
    """`events-hourly.yaml` -> `events_hourly`: the job's name is derived from the file name."""
    return _NAME_UNSAFE.sub("_", path.name.removesuffix(".yaml").removesuffix(".yml"))


def parse_job_file(path: Path) -> tuple[JobSpec | None, list[JobFileProblem]]:
    """Read and check one file; returns (spec, []) or (None, every problem found)."""
    problems: list[JobFileProblem] = []

    def problem(field_name: str, reason: str) -> None:
        problems.append(JobFileProblem(path, field_name, reason))

    name = job_name_for(path)
    if not _VALID_NAME.match(name):
        problem("name", f"job name {name!r} derived from the file name must start with a letter")

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problem(where, f"not valid YAML: {getattr(err, 'problem', None) or err}")
        return None, problems
    except (OSError, UnicodeDecodeError) as err:
        problem("file", f"cannot be read: {err}")
        return None, problems

    if not isinstance(document, dict):
        problem("file", "must be a YAML mapping of job settings (selection, cron, tags, ...)")
        return None, problems

    for key in sorted(set(map(str, document)) - REQUIRED_KEYS - OPTIONAL_KEYS):
        allowed = ", ".join(sorted(REQUIRED_KEYS | OPTIONAL_KEYS))
        problem(key, f"unknown key (allowed: {allowed})")
    for key in sorted(REQUIRED_KEYS - set(document)):
        problem(key, "is required")

    selection = _selection(document.get("selection"), problem) if "selection" in document else ()
    description = _optional_text(document, "description", problem)
    cron = _optional_text(document, "cron", problem)
    timezone = _optional_text(document, "timezone", problem) or "UTC"
    status = _optional_text(document, "schedule_status", problem) or "running"
    if status not in SCHEDULE_STATUSES:
        problem("schedule_status", f"must be one of {', '.join(SCHEDULE_STATUSES)}, not {status!r}")
    if "timezone" in document and cron is None:
        problem("timezone", "only means something with a cron")
    if "schedule_status" in document and cron is None:
        problem("schedule_status", "only means something with a cron")
    tags = _tags(document.get("tags"), problem) if "tags" in document else {}

    if problems:
        return None, problems
    return (
        JobSpec(
            name=name,
            path=path,
            selection=selection,
            description=description,
            cron=cron,
            timezone=timezone,
            schedule_running=status == "running",
            tags=tags,
        ),
        [],
    )


def _selection(value, problem) -> tuple[str, ...]:
    """A selection string (Dagster's syntax, as in the UI) or a list of them (their union)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        problem("selection", "must be a selection string or a non-empty list of them")
        return ()
    bad = [item for item in items if not isinstance(item, str) or not item.strip()]
    if bad:
        problem("selection", f"every entry must be a non-empty string, got {bad!r}")
        return ()
    return tuple(item.strip() for item in items)


def _optional_text(document: dict, key: str, problem) -> str | None:
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problem(key, f"must be a non-empty string, got {value!r}")
        return None
    return value.strip()


def _tags(value, problem) -> dict[str, str]:
    if not isinstance(value, dict):
        problem("tags", "must be a mapping of tag names to values")
        return {}
    tags: dict[str, str] = {}
    for key, tag_value in value.items():
        if not isinstance(key, str) or not isinstance(tag_value, (str, int, float, bool)):
            problem("tags", f"tag {key!r}: names must be strings and values scalars")
            continue
        tags[key] = str(tag_value).lower() if isinstance(tag_value, bool) else str(tag_value)
    return tags
