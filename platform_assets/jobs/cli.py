"""`python -m platform_assets.jobs validate|list` (console script `sluice-jobs`).

`validate` checks every job file against the code location's assets exactly as loading it
does, prints one line per problem (`<file>: <field>: <reason>`) and exits 1 on any; CI and the
test suite run it, so a broken job file cannot land.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from platform_assets.jobs.declared_jobs import check_job_files, job_files, jobs_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m platform_assets.jobs")
    parser.add_argument("command", choices=["validate", "list"])
    parser.add_argument(
        "--dir", type=Path, help="job files directory (default: SLUICE_JOBS_DIR or jobs/)"
    )
    args = parser.parse_args(argv)

    # Imported here: loading every domain takes seconds, --help should not.
    from platform_assets.domains import domain_definitions

    directory = args.dir or jobs_dir()
    paths = job_files(directory)
    resolved, problems = check_job_files(paths, domain_definitions())
    for problem in problems:
        print(problem, file=sys.stderr)
    for spec, _selection, _partitions in resolved:
        schedule = (
            f", schedule {spec.schedule_name} `{spec.cron}` {spec.timezone}" if spec.cron else ""
        )
        state = "" if not spec.cron or spec.schedule_running else " (stopped)"
        print(f"ok {spec.path}: job {spec.name}{schedule}{state}")
    if args.command == "validate":
        print(
            f"{len(paths)} job file(s) in {directory}, {len(problems)} problem(s)", file=sys.stderr
        )
    return 1 if problems else 0
