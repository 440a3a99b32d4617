"""`sluice-kpis --date YYYY-MM-DD [--out DIR] [--workers N] [--scheduler ADDRESS]`.

Needs nothing but the storage root (SLUICE_STORAGE_URL, SLUICE_S3_ENDPOINT_URL): no Postgres,
no Dagster instance, no catalog. Writes kpis-<date>.json and kpis-<date>.html into --out (a
local directory) or, by default, under query_results/kpis/ in storage, and prints a table.
A bad argument or unreachable storage/scheduler: one line on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from platform_assets.kpis.compute import SchedulerUnreachable, compute_kpis
from platform_assets.kpis.report import html_report, text_table
from resources.storage import StorageAccessError, StorageConfigError, StorageResource

OUTPUT_PREFIX = "query_results/kpis/"
USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        raise SystemExit(_fail(f"sluice-kpis: {message}"))


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return USAGE_ERROR


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="sluice-kpis", description="Daily KPIs of one UTC event date, straight from storage."
    )
    p.add_argument("--date", required=True, help="UTC event date, YYYY-MM-DD")
    p.add_argument(
        "--out", default=None, help=f"local output directory (default: {OUTPUT_PREFIX} in storage)"
    )
    p.add_argument(
        "--workers", type=int, default=1, help="local worker processes (default 1: this one)"
    )
    p.add_argument(
        "--scheduler", default=None, help="a Dask scheduler address, e.g. tcp://10.0.0.5:8786"
    )
    return p


def parse_date(text: str) -> str:
    try:
        return datetime.strptime(text, "%Y-%m-%d").strftime("%Y-%m-%d")
    except ValueError:
        raise ValueError(
            f"sluice-kpis: --date {text!r} is not a date of the form YYYY-MM-DD"
        ) from None


def _check_root(storage: StorageResource) -> None:
    """A local root that does not exist is a wrong path, not an empty day."""
    uri = storage.uri("")
    if "://" not in uri and not Path(uri).is_dir():
        raise StorageAccessError(f"storage root {uri} does not exist (check SLUICE_STORAGE_URL)")


def write_outputs(storage: StorageResource, doc: dict, out: str | None) -> list[str]:
    name = f"kpis-{doc['date']}"
    files = {
        f"{name}.json": json.dumps(doc, indent=1).encode(),
        f"{name}.html": html_report(doc).encode(),
    }
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        for file_name, body in files.items():
            (Path(out) / file_name).write_bytes(body)
        return [str(Path(out) / file_name) for file_name in files]
    for file_name, body in files.items():
        storage.put_bytes(f"{OUTPUT_PREFIX}{file_name}", body)
    return [storage.uri(f"{OUTPUT_PREFIX}{file_name}") for file_name in files]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        date = parse_date(args.date)
    except ValueError as err:
        return _fail(str(err))
    if args.workers < 1:
        return _fail(f"sluice-kpis: --workers {args.workers}: must be at least 1")
    began = time.perf_counter()
    try:
        storage = StorageResource()
        _check_root(storage)
        doc, plan = compute_kpis(storage, date, workers=args.workers, scheduler=args.scheduler)
        written = write_outputs(storage, doc, args.out)
    except (StorageAccessError, StorageConfigError, SchedulerUnreachable) as err:
        return _fail(f"sluice-kpis: {err}")
    except OSError as err:  # pyarrow's filesystem: a bucket or endpoint that does not answer
        return _fail(f"sluice-kpis: cannot read storage: {str(err).splitlines()[0]}")
    print(text_table(doc))
    steps = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in plan.seconds.items())
    print(
        f"  {len(plan.tasks)} tasks, {time.perf_counter() - began:.2f} s ({steps}); "
        f"wrote {', '.join(written)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
