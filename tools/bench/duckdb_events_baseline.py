"""The events pipeline's rules in plain DuckDB SQL: the baseline the platform is measured against.

Same rules as the platform (see DESIGN.md / issue 2), written the way a data engineer would
in one DuckDB session: read every landing line raw, check the envelope with DuckDB's JSON
functions, keep the first valid occurrence of each id, and COPY the lake and the quarantine
as hive-partitioned zstd Parquet. Local files only (no httpfs): it measures the engine, not
the network.

Differences from the platform that do not change any count: ``created_at`` is written as a
microsecond TIMESTAMPTZ, and ``attributes``/``meta`` are DuckDB's re-serialized JSON (same
values, minified).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import duckdb

MIN_CREATED_AT_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
FUTURE_SLACK_MS = 25 * 3_600_000  # end of the arrival hour + 24 h
TYPE_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}"  # RE2 full match: "$" can't hide a "\n"
# A delimiter no landing line contains (JSON escapes control characters), so each raw line
# is one column, byte for byte; with no quote/escape nothing is unescaped either.
RAW_LINE_DELIMITER = "\x01"


def _utc_hour(hour: datetime) -> datetime:
    hour = (
        hour.replace(tzinfo=timezone.utc) if hour.tzinfo is None else hour.astimezone(timezone.utc)
    )
    return hour.replace(minute=0, second=0, microsecond=0)


def landing_files(landing_dir: Path, arrival_hours: list[datetime]) -> list[tuple[str, int]]:
    """(path, arrival hour in epoch ms) in ingest order: hour, then key order."""
    if (landing_dir / "landing" / "events").is_dir():  # given the storage root instead
        landing_dir = landing_dir / "landing" / "events"
    files = []
    for hour in sorted(_utc_hour(h) for h in arrival_hours):
        hour_dir = landing_dir / f"{hour:%Y/%m/%d/%H}"
        names = sorted(
            (p.name for p in hour_dir.glob("*") if p.is_file()),
            key=lambda name: name.encode("utf-8"),  # S3 key order
        )
        hour_ms = int(hour.timestamp() * 1000)
        files += [
            (str(hour_dir / n), hour_ms)
            for n in names
            if not n.startswith((".", "_")) and n.endswith((".jsonl", ".jsonl.gz"))
        ]
    return files


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


# One CASE per rule; NULL when the rule holds. `doc` is NULL for invalid JSON, so no JSON
# function ever sees unparseable text.
REASONS_SQL = f"""
list_filter([
  CASE WHEN doc IS NULL THEN 'invalid_json' END,
  CASE WHEN json_type(doc) <> 'OBJECT' THEN 'not_object' END,
  CASE WHEN json_type(doc) = 'OBJECT' AND json_type(doc, '$.data') IS NULL THEN 'missing:data' END,
  CASE WHEN json_type(doc, '$.data') <> 'OBJECT' THEN 'not_object:data' END,
  CASE WHEN json_type(doc, '$.data') = 'OBJECT' AND json_type(doc, '$.data.id') IS NULL
       THEN 'missing:data.id' END,
  CASE WHEN json_type(doc, '$.data.id') <> 'VARCHAR' OR json_extract_string(doc, '$.data.id') = ''
       THEN 'bad_id' END,
  CASE WHEN json_type(doc, '$.data') = 'OBJECT' AND json_type(doc, '$.data.type') IS NULL
       THEN 'missing:data.type' END,
  CASE WHEN json_type(doc, '$.data.type') <> 'VARCHAR'
         OR NOT regexp_full_match(json_extract_string(doc, '$.data.type'), '{TYPE_PATTERN}')
       THEN 'bad_type' END,
  CASE WHEN json_type(doc, '$.data') = 'OBJECT' AND json_type(doc, '$.data.attributes') IS NULL
       THEN 'missing:data.attributes' END,
  CASE WHEN json_type(doc, '$.data.attributes') <> 'OBJECT' THEN 'not_object:data.attributes' END,
  CASE WHEN json_type(doc) = 'OBJECT' AND json_type(doc, '$.meta') IS NULL THEN 'missing:meta' END,
  CASE WHEN json_type(doc, '$.meta') <> 'OBJECT' THEN 'not_object:meta' END,
  CASE WHEN json_type(doc, '$.meta') = 'OBJECT' AND json_type(doc, '$.meta.created_at') IS NULL
       THEN 'missing:meta.created_at' END,
  CASE WHEN json_type(doc, '$.meta.created_at') NOT IN ('BIGINT', 'UBIGINT')
       THEN 'created_at_not_integer' END,
  CASE WHEN json_type(doc, '$.meta.created_at') IN ('BIGINT', 'UBIGINT')
        AND NOT (TRY_CAST(json_extract_string(doc, '$.meta.created_at') AS HUGEINT)
                 BETWEEN {MIN_CREATED_AT_MS} AND hour_ms + {FUTURE_SLACK_MS})
       THEN 'created_at_out_of_range' END
], r -> r IS NOT NULL)
"""


def _count_files(root: Path) -> int:
    return sum(1 for _ in root.rglob("*.parquet")) if root.exists() else 0


def ingest_with_duckdb(
    landing_dir: Path,
    out_dir: Path,
    arrival_hours: list[datetime],
    memory_limit: Optional[str] = None,
) -> dict:
    """Validate, deduplicate and write ``arrival_hours`` of landing files; return counts."""
    began = time.perf_counter()
    files = landing_files(Path(landing_dir), arrival_hours)
    out_dir = Path(out_dir)
    for sub in ("lake", "quarantine"):  # COPY ... PARTITION_BY creates one level, not parents
        (out_dir / sub).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = true")  # line numbers come from scan order
    con.execute(f"SET temp_directory = '{out_dir / '.duckdb_tmp'}'")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    empty = {
        "files_read": 0,
        "read": 0,
        "blank_lines": 0,
        "valid": 0,
        "quarantined": 0,
        "duplicates": 0,
    }
    if not files:
        return {
            **empty,
            "quarantined_by_reason": {},
            "lake_files_written": 0,
            "quarantine_files_written": 0,
            "seconds": round(time.perf_counter() - began, 3),
        }

    con.execute("CREATE TEMP TABLE landing_file (path VARCHAR, hour_ms BIGINT)")
    con.executemany("INSERT INTO landing_file VALUES (?, ?)", files)
    # NULL rows are blank lines: kept through the scan so line numbers stay true to the file.
    con.execute(f"""
        CREATE TEMP TABLE raw_line AS
        SELECT filename AS path, line, row_number() OVER () AS scan_no
        FROM read_csv({_sql_list([p for p, _ in files])},
                      columns = {{'line': 'VARCHAR'}}, header = false, auto_detect = false,
                      delim = '{RAW_LINE_DELIMITER}', quote = '', escape = '',
                      filename = true, max_line_size = 16777216)
    """)
    con.execute(f"""
        CREATE TEMP TABLE checked AS
        WITH numbered AS (
            SELECT r.path, f.hour_ms, r.line,
                   r.scan_no - min(r.scan_no) OVER (PARTITION BY r.path) + 1 AS line_number
            FROM raw_line r JOIN landing_file f USING (path)
        ),
        parsed AS (
            SELECT *, CASE WHEN json_valid(line) THEN line END AS doc
            FROM numbered WHERE line IS NOT NULL AND trim(line) <> ''
        ),
        judged AS (SELECT *, {REASONS_SQL} AS reasons FROM parsed)
        SELECT path, hour_ms, line_number, line, doc, reasons,
               CASE WHEN len(reasons) = 0 THEN json_extract_string(doc, '$.data.id') END AS \
event_id,
               CASE WHEN len(reasons) = 0
                    THEN row_number() OVER (
                        PARTITION BY len(reasons) = 0, json_extract_string(doc, '$.data.id')
                        ORDER BY hour_ms, path, line_number)
               END AS occurrence
        FROM judged
    """)
    # Line numbers are materialized now, so order no longer matters. The lake COPY fans out
    # to ~24k (type, date, hour) cells for 1M events over a day and needs ~3 GB; smaller
    # partitioned_write flush thresholds only split cells into many files (measured: 4x files).
    con.execute("SET preserve_insertion_order = false")
    blank_lines = con.execute(
        "SELECT count(*) FROM raw_line WHERE line IS NULL OR trim(line) = ''"
    ).fetchone()[0]

    con.execute(f"""
        COPY (
            SELECT event_id,
                   epoch_ms(TRY_CAST(json_extract_string(doc, '$.meta.created_at') AS \
BIGINT))::TIMESTAMPTZ
                       AS created_at,
                   json_extract(doc, '$.data.attributes')::VARCHAR AS attributes,
                   json_extract(doc, '$.meta')::VARCHAR AS meta,
                   json_extract_string(doc, '$.data.type') AS event_type,
                   CASE WHEN json_type(doc, '$.data.attributes.user_id') = 'VARCHAR'
                        THEN json_extract_string(doc, '$.data.attributes.user_id') END AS user_id,
                   strftime(created_at, '%Y-%m-%d') AS event_date,
                   strftime(created_at, '%H') AS event_hour
            FROM checked WHERE occurrence = 1
        ) TO '{out_dir / "lake" / "events"}'
        (FORMAT parquet, PARTITION_BY (event_type, event_date, event_hour), COMPRESSION zstd,
         OVERWRITE_OR_IGNORE true)
    """)
    con.execute(f"""
        COPY (
            SELECT line AS raw,
                   CASE WHEN occurrence > 1 THEN ['duplicate_id'] ELSE reasons END AS reasons,
                   path AS source_key, line_number,
                   strftime(to_timestamp(hour_ms / 1000), '%Y-%m-%d') AS ingest_date,
                   strftime(to_timestamp(hour_ms / 1000), '%H') AS ingest_hour
            FROM checked WHERE occurrence IS NULL OR occurrence > 1
        ) TO '{out_dir / "quarantine" / "events"}'
        (FORMAT parquet, PARTITION_BY (ingest_date, ingest_hour), COMPRESSION zstd,
         OVERWRITE_OR_IGNORE true)
    """)

    read, valid, duplicates = con.execute("""
        SELECT count(*), count(*) FILTER (occurrence = 1), count(*) FILTER (occurrence > 1)
        FROM checked
    """).fetchone()
    by_reason = Counter(
        dict(
            con.execute("""
        SELECT reason, count(*) FROM (SELECT unnest(reasons) AS reason FROM checked) GROUP BY reason
    """).fetchall()
        )
    )
    by_reason["duplicate_id"] = duplicates
    con.close()
    seconds = time.perf_counter() - began
    return {
        "files_read": len(files),
        "read": read,
        "blank_lines": blank_lines,
        "valid": valid,
        "quarantined": read - valid,
        "duplicates": duplicates,
        "quarantined_by_reason": dict(sorted(by_reason.items())),
        "lake_files_written": _count_files(out_dir / "lake"),
        "quarantine_files_written": _count_files(out_dir / "quarantine"),
        "seconds": round(seconds, 3),
        "events_per_second": round(read / seconds) if seconds else None,
    }
