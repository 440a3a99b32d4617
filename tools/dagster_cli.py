"""The CLI command that ingests one day of landed events: a single-run backfill of its 24
hourly partitions, as a data engineer would type it (used by the demo and the benchmark)."""

from __future__ import annotations

import sys


def day_backfill_command(day: str) -> list[str]:
    """``dagster asset materialize`` of events_lake and quarantined_events for ``day``."""
    return [
        sys.executable,
        "-m",
        "dagster",
        "asset",
        "materialize",
        "-m",
        "platform_assets.definitions",
        "--select",
        "events_lake,quarantined_events",
        "--partition-range",
        f"{day}-00:00...{day}-23:00",
    ]
