"""The markdown section of the KPIs benchmark (bench_kpis.py) for docs/benchmarks.md."""

from __future__ import annotations

MB = 2**20


KINDS = ["rollups", "commits", "quarantine", "lake"]


def _kinds(label: str, run: dict) -> str:
    """Bytes read by kind, as sluice-kpis itself counts them (objects' bytes, no HTTP)."""
    kinds = run["bytes_read_by_kind"]
    return f"| {label} | " + " | ".join(f"{kinds[k] / MB:.2f} MB" for k in KINDS) + " |"


def _row(label: str, run: dict, ours: dict) -> str:
    return (
        f"| {label} | {run['seconds']} | {run['wire_bytes'] / MB:.2f} MB | "
        f"{run['bytes_read'] / MB:.2f} MB ({run['read_share']:.1%}) | "
        f"{run['seconds'] / ours['seconds']:.1f} |"
    )


def markdown(r: dict, day: str) -> str:
    ours, duck, raw = r["sluice_kpis"], r["duckdb_glob"], r["raw_json_scan"]
    hourly, fb = r["sluice_kpis_hourly_rollups"], r["sluice_kpis_lake_fallback"]
    daily = r["date_rollup"]
    return f"""## kpis

A day of {r["events_generated"]:,} generated events ({r["date_events"]:,} valid on {day},
{r["active_users"]:,} active users, {r["lake_files"]:,} lake files, \
{r["lake_bytes"] / MB:.1f} MB of lake), ingested ({r["ingest_seconds"]} s) with its per-hour
rollups ({r["rollup_bytes"] / MB:.2f} MB for the date) and commit summaries \
({r["commit_summary_bytes"] / 1024:.1f} KB for its 24 hours; their manifests:
{r["manifest_bytes"] / MB:.2f} MB); then the date's compacted rollup \
({daily["bytes"] / MB:.2f} MB, {daily["hours"]} hours, {daily["user_type_pairs"]:,} (user, type)
pairs, {daily["seconds"]} s); all uploaded to moto S3. Every contender reads through the same
byte-counting proxy ("on the wire": HTTP and listings included; "read": the objects' bytes
sluice-kpis counts, and their share of the date's lake bytes).

| contender | wall s | bytes on the wire | read (share of lake) | time / sluice-kpis |
|---|---:|---:|---:|---:|
{_row(f"`sluice-kpis --date {day}` (compacted rollup)", ours, ours)}
{_row("`sluice-kpis --workers 2`", r["sluice_kpis_workers_2"], ours)}
{_row("`sluice-kpis`, compacted rollup deleted (24 per-hour rollups)", hourly, ours)}
{_row("`sluice-kpis`, rollups deleted (lake fallback: the `user_id` column)", fb, ours)}
| DuckDB httpfs, hive glob over the date | {duck["seconds"]} | {duck["wire_bytes"] / MB:.2f} MB | \
| {r["speedup_vs_duckdb_glob"]} |
| DuckDB scan of the raw landing JSON (no validation) | {raw["seconds"]} | \
{raw["wire_bytes"] / MB:.2f} MB | | {r["speedup_vs_raw_json"]} |

Bytes read by kind (rollups: the compacted one with its footer check, or per-hour ones;
commits: the hours' commit summaries, or their manifests where there is none):

| sluice-kpis | rollups | commit summaries / manifests | quarantine | lake |
|---|---:|---:|---:|---:|
{_kinds("compacted rollup", ours)}
{_kinds("per-hour rollups", hourly)}
{_kinds("lake fallback", fb)}

Inside sluice-kpis (its own timings, the rest is interpreter start):
- compacted rollup: {ours["steps"]};
- per-hour rollups: {hourly["steps"]};
- rollups deleted: {fb["steps"]}.

sluice-kpis read {ours["files_read"]} files, {ours["bytes_read"] / MB:.2f} MB: \
{ours["read_share"]:.1%} of the date's lake bytes (target <= 10%); \
{r["speedup_vs_duckdb_glob"]}x faster than the DuckDB glob (target >= 3x). Same figures as
DuckDB (events, users, late, types): {r["same_figures"]}; as from the compacted rollup:
--workers 2 {r["sluice_kpis_workers_2"]["same_figures"]}, per-hour rollups \
{hourly["same_figures"]}, lake fallback {fb["same_figures"]} ({fb["files_read"]:,} files).
"""
