"""The `dagster asset materialize` command lines the tools and tests run, as a data engineer
would type them against the code location (platform_assets.definitions)."""

from __future__ import annotations

import sys


def materialize_command(select: str, *args: str) -> list[str]:
    """``dagster asset materialize -m platform_assets.definitions --select <select> <args>``
    with this interpreter; ``args`` e.g. ``--partition-range A...B`` or ``--partition K``."""
    return [
        sys.executable,
        "-m",
        "dagster",
        "asset",
        "materialize",
        "-m",
        "platform_assets.definitions",
        "--select",
        select,
        *args,
    ]


def day_backfill_command(day: str) -> list[str]:
    """One single-run backfill of events_lake and quarantined_events over ``day``'s 24 hourly
    partitions (used by the demo and the events benchmark)."""
    return materialize_command(
        "events_lake,quarantined_events", "--partition-range", f"{day}-00:00...{day}-23:00"
    )
