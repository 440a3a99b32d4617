"""Turn ingest statistics into Dagster-free summaries for materialization metadata."""

from __future__ import annotations

from collections import Counter

from platform_assets.events.ingest import HourStats
from platform_assets.ingest_metadata import IngestSummary

TOP_TYPES = 15


def combine(hours: list[HourStats]) -> dict:
    """Totals over the hours of one run (one hour, or a backfilled range)."""
    reasons: Counter = Counter()
    types: Counter = Counter()
    for hour in hours:
        reasons.update(hour.reasons)
        types.update(hour.types)
    # Hours overlap (one is published while the next is read): the span, not the sum.
    seconds = (
        max(hour.finished for hour in hours) - min(hour.started for hour in hours) if hours else 0.0
    )
    read = sum(hour.records_read for hour in hours)
    return {
        "hours": len(hours),
        "files_read": sum(hour.files_read for hour in hours),
        "bytes_read": sum(hour.bytes_read for hour in hours),
        "records_read": read,
        "valid": sum(hour.valid for hour in hours),
        "quarantined": sum(hour.quarantined for hour in hours),
        "duplicates": sum(hour.duplicates for hour in hours),
        "quarantined_by_reason": dict(sorted(reasons.items())),
        "types": types,
        "lake_files_written": sum(len(hour.lake_files) for hour in hours),
        "files_written": sum(hour.files_written for hour in hours),
        "bytes_written": sum(hour.bytes_written for hour in hours),
        "quarantine_bytes_written": sum(hour.quarantine_bytes_written for hour in hours),
        "seconds": seconds,
    }


def summary(totals: dict) -> IngestSummary:
    """The run's totals in the vocabulary every ingest asset reports."""
    return IngestSummary(
        records_read=totals["records_read"],
        valid=totals["valid"],
        quarantined=totals["quarantined"],
        quarantined_by_reason=totals["quarantined_by_reason"],
        seconds=totals["seconds"],
    )


def event_dates_written(hours: list[HourStats]) -> list[str]:
    """The event dates (YYYY-MM-DD) whose lake files these hours wrote or removed: what the
    event marts must rebuild (marts_event_dates_sensor reads it from the metadata)."""
    dates = set()
    for hour in hours:
        for key in [*hour.lake_files, *hour.lake_files_removed]:
            for part in key.split("/"):
                if part.startswith("event_date="):
                    dates.add(part.removeprefix("event_date="))
    return sorted(dates)


def top_types_markdown(types: Counter, limit: int = TOP_TYPES) -> str:
    total = sum(types.values()) or 1
    lines = ["| event_type | events | share |", "|---|---:|---:|"]
    for event_type, count in types.most_common(limit):
        lines.append(f"| `{event_type}` | {count:,} | {count / total:.1%} |")
    if len(types) > limit:
        rest = sum(count for _, count in types.most_common()[limit:])
        lines.append(f"| ({len(types) - limit} more types) | {rest:,} | {rest / total:.1%} |")
    return "\n".join(lines)


def hours_markdown(hours: list[HourStats]) -> str:
    lines = [
        "| arrival hour | read | valid | quarantined | duplicates | lake files |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for hour in hours:
        lines.append(
            f"| {hour.arrival_hour:%Y-%m-%d %H}:00 | {hour.records_read:,} | {hour.valid:,} | "
            f"{hour.quarantined:,} | {hour.duplicates:,} | {len(hour.lake_files):,} |"
        )
    return "\n".join(lines)
