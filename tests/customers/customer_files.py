"""Customer files for tests: the real samples renamed, the dirty variants, a boundary file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from platform_assets.customers.samples import sample_files

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


def samples(sample_data: Path) -> dict[str, bytes]:
    return sample_files(sample_data / "customers-glue-athena")


def boundary_file() -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "name", "email", "timestamp"])
    for row_id, timestamp, _ in BOUNDARY_ROWS:
        writer.writerow([row_id, f"person {row_id}", f"{row_id}@example.com", timestamp])
    return buffer.getvalue().encode()


def read_csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
