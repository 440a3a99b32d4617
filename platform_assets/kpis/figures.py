"""The KPI document of one date, from the merged partial and the plan that produced it."""

from __future__ import annotations

import pyarrow.compute as pc

from platform_assets.kpis.partials import Partial
from platform_assets.kpis.plan import Plan

TOP_TYPES = 10


def kpi_document(plan: Plan, merged: Partial) -> dict:
    """Everything `kpis-<date>.json` holds. Deterministic: the same data gives the same
    document however the tasks were run (no timings in it)."""
    by_hour = [0] * 24
    type_events: dict[str, int] = {}
    for (event_type, hour), events in merged.hour_events.items():
        by_hour[hour] += events
        type_events[event_type] = type_events.get(event_type, 0) + events
    type_users: dict[str, int] = {}
    if merged.pairs.num_rows:
        for item in pc.value_counts(merged.pairs.column("event_type")).to_pylist():
            type_users[item["values"]] = item["counts"]
    by_type = {
        t: {"events": type_events.get(t, 0), "users": type_users.get(t, 0)}
        for t in sorted(set(type_events) | set(type_users))
    }
    events = sum(by_hour)
    active_users = (
        pc.count_distinct(merged.pairs.column("user_id")).as_py() if merged.pairs.num_rows else 0
    )
    top = sorted(by_type.items(), key=lambda item: (-item[1]["events"], item[0]))[:TOP_TYPES]
    quarantined = merged.quarantined + plan.quarantined
    reasons = merged.quarantine_reasons + plan.quarantine_reasons
    # Quarantined records per record read, the day's valid events standing for the valid
    # records read that day (late events shift a few between days; see docs/kpis.md).
    rate = quarantined / (quarantined + events) if quarantined + events else 0.0
    commit_bytes = plan.summary_bytes + plan.manifest_bytes
    bytes_read = merged.bytes_read + commit_bytes + plan.footer_bytes
    by_kind = {
        "rollups": merged.bytes_by_kind["rollup"] + plan.footer_bytes,
        "commits": commit_bytes,  # commit summaries, and manifests where there is none
        "quarantine": merged.bytes_by_kind["quarantine"],
        "lake": merged.bytes_by_kind["lake"],
    }
    no_data = events == 0 and quarantined == 0
    return {
        "date": plan.date,
        "events": events,
        "active_users": active_users,
        "by_type": by_type,
        "by_hour": by_hour,
        "late_share": merged.late_events / events if events else 0.0,
        "late_events": merged.late_events,
        "top_types": [{"type": t, **figures} for t, figures in top],
        "quarantined": {
            "total": quarantined,
            "by_reason": dict(sorted(reasons.items())),
            "rate": rate,
        },
        # The compacted rollup's footer, read to check it, is the same object its task reads.
        "files_read": merged.files_read + plan.summaries_read + plan.manifests_read,
        "bytes_read": bytes_read,
        "bytes_read_by_kind": by_kind,
        "lake_bytes": plan.lake_bytes,
        "lake_files": plan.lake_files,
        "read_share_of_lake_bytes": bytes_read / plan.lake_bytes if plan.lake_bytes else 0.0,
        "sources": {
            "arrival_hours_from_rollups": plan.rollup_hours,
            "arrival_hours_from_lake": plan.lake_hours,
            "ingest_hours_from_quarantine_files": plan.quarantine_file_hours,
            "tasks": len(plan.tasks),
            "arrival_hours_from_date_rollup": plan.daily_rollup_hours,
            "commit_summaries_read": plan.summaries_read,
            "manifests_read": plan.manifests_read,
        },
        "no_data": no_data,
        "note": f"no events and no quarantined records for {plan.date}" if no_data else "",
    }
