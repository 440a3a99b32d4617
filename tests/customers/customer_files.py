"""Customer files for tests: the real samples renamed, the dirty variants, a boundary file.

``dirty_file`` is the sample customers_001 renamed (tools/generate/customers_sample.py) with
DIRTY_ROWS appended: rows that break each rule once or twice, each with its expected outcome.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from tools.generate.customers_sample import rename_sample, renamed_rows, write_csv

# The ingestion time the boundary file is judged against, and its rows:
# (id, timestamp as written, is it strictly after BOUNDARY_INGESTED_AT?)
BOUNDARY_INGESTED_AT = datetime(2025, 1, 1, tzinfo=UTC)
BOUNDARY_ROWS = [
    ("b01", "2025-01-01T00:00:00Z", False),  # equal: not future
    ("b02", "2025-01-01T00:00:01Z", True),  # 1 s after
    ("b03", "2024-12-31T23:59:59Z", False),  # 1 s before
    ("b04", "2025-01-01", False),  # a date is its midnight: equal
    ("b05", "2025-01-01T01:00:00+01:00", False),  # equal, in another zone
    ("b06", "2025-01-01T01:00:01+01:00", True),
    ("b07", "2024-12-31T19:00:01-05:00", True),
    ("b08", "2025-01-01 00:00:00.000001", True),  # naive = UTC; 1 µs after
    ("b09", "2025-01-01T00:00", False),
    ("b10", "2025-01-02", True),
    ("b11", "2024-12-31T23:59:59.999999Z", False),
    ("b12", "2025-01-01T00:00:01+0000", True),
    ("b13", "2025-01-01T00:00:00-00:01", True),  # 00:01 UTC
]


# Rows appended to customers_001 in customers_dirty.csv: (id, name, email, timestamp, company)
# and the expected outcome. The file's first 100 rows (lines 2-101) are the clean sample; the
# two-line company of id 102 shifts every later row's line number by one.
DIRTY_ROWS = [
    (
        "101",
        "  o'neil   MCDONALD ",
        "  O.Neil@Example.COM ",
        "2021-03-04T05:06:07+02:00",
        "A",
    ),  # line 102 kept
    (
        "102",
        "zoë ñúñez-łukasz",
        "zoe@example.org",
        "2022-01-01",
        'Two\nlines, "quoted"',
    ),  # line 103 kept
    ("103", "李 小龍", "lee@example.cn", "2021-06-01 12:00", "B"),  # line 105 kept
    ("104", "", "nobody@example.com", "2021-01-01", "C"),  # line 106 missing:name
    ("105", "Null Email", "NULL", "2021-01-01", "D"),  # line 107 missing:email
    ("106", "n/a", "x@example.com", "   ", "E"),  # line 108 missing:name, missing:timestamp
    ("", "No Id", "noid@example.com", "2021-01-01", "F"),  # line 109 missing:id
    ("108", "Bad Date", "bad1@example.com", "24/08/2020", "G"),  # line 110 invalid_timestamp
    ("109", "Feb Thirty", "bad2@example.com", "2021-02-30", "H"),  # line 111 invalid_timestamp
    ("110", "No At", "not-an-email", "2021-01-01", "I"),  # line 112 invalid_email
    None,  # line 113 an exact copy of sample row id 5: duplicate_row
    # line 114 the same row 5 with EMAIL IN CAPS and padded: duplicate_row (same once cleaned)
    None,
    ("7", "Other Person", "other@example.com", "2021-01-01", "J"),  # line 115 duplicate_id (id 7)
    (
        "114",
        "Far Future",
        "future1@example.com",
        "2999-01-01T00:00:00Z",
        "K",
    ),  # line 116 kept, future
    ("115", "Next Millennium", "future2@example.com", "2999-12-31", "L"),  # line 117 kept, future
    "ragged",  # line 118 one field short: wrong_field_count
    ("200", "First Copy", "first-copy-at-example.com", "2021-01-01", "M"),  # line 119 invalid_email
    (
        "200",
        "Second Copy",
        "second@example.com",
        "2021-01-01",
        "N",
    ),  # line 120 kept (first was invalid)
    (
        "101",
        "Same Id Again",
        "again@example.com",
        "2021-01-01",
        "O",
    ),  # line 121 duplicate_id (id 101)
]
DIRTY_EXPECTED = {
    "rows_in": 119,
    "rows_out": 106,
    "future_rows": 2,
    "rows_dropped_by_reason": {
        "duplicate_id": 2,
        "duplicate_row": 2,
        "invalid_email": 2,
        "invalid_timestamp": 2,
        "missing:email": 1,
        "missing:id": 1,
        "missing:name": 2,
        "missing:timestamp": 1,
        "wrong_field_count": 1,
    },
    "rows_dropped": 13,
}


def dirty_file(sample_001: bytes, line_ending: str = "\r\n") -> bytes:
    """customers_001 renamed, then DIRTY_ROWS appended; CRLF line endings by default."""
    header, rows = renamed_rows(sample_001)
    width = len(header)
    row_5 = next(r for r in rows if r[0] == "5")
    out = list(rows)
    copies = iter([list(row_5), [row_5[0], row_5[1], f"  {row_5[2].upper()} ", *row_5[3:]]])
    for spec in DIRTY_ROWS:
        if spec is None:
            out.append(next(copies))
        elif spec == "ragged":
            out.append(["116", "Short Row", "short@example.com", "2021-01-01"][: width - 1])
        else:
            row_id, name, email, timestamp, company = spec
            extras = [""] * (width - 4)
            extras[header.index("Company") - 4] = company
            out.append([row_id, name, email, timestamp, *extras])
    return write_csv(header, out, line_ending)


def missing_column_file(sample_001: bytes) -> bytes:
    """customers_001 renamed, without its email column: rejected as a whole."""
    header, rows = renamed_rows(sample_001)
    drop = header.index("email")
    return write_csv(
        [c for i, c in enumerate(header) if i != drop],
        [[v for i, v in enumerate(r) if i != drop] for r in rows],
    )


def samples(sample_data: Path) -> dict[str, bytes]:
    """Landing file name -> bytes: both samples renamed, the dirty file, the missing-column file."""
    source_dir = sample_data / "customers-glue-athena"
    sample_001 = (source_dir / "customers_001.csv").read_bytes()
    sample_002 = (source_dir / "customers_002.csv").read_bytes()
    return {
        "customers_001.csv": rename_sample(sample_001),
        "customers_002.csv": rename_sample(sample_002),
        "customers_dirty.csv": dirty_file(sample_001),
        "customers_missing_email.csv": missing_column_file(sample_001),
    }


def boundary_file() -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "name", "email", "timestamp"])
    for row_id, timestamp, _ in BOUNDARY_ROWS:
        writer.writerow([row_id, f"person {row_id}", f"{row_id}@example.com", timestamp])
    return buffer.getvalue().encode()


def read_csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
