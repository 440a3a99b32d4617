"""Customer sample files in the pipeline's shape, clean and dirty, for demos and tests.

The real samples (../shared/data/customers-glue-athena/customers_00x.csv) are renamed as
SOURCES.md says: Index -> id, First_Name + " " + Last_Name -> name, Email -> email,
Subscription_Date -> timestamp; every other column is kept as an extra (customers_002 has
Account_Status on top). ``dirty_file`` appends rows that break each rule once or twice.

    python -m platform_assets.customers.samples        # drop them into landing/customers/
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

from resources.storage import PROJECT_ROOT, StorageResource

SAMPLES_DIR = PROJECT_ROOT.parent / "shared" / "data" / "customers-glue-athena"
RENAMED = {"Index": "id", "Email": "email", "Subscription_Date": "timestamp"}
NAME_PARTS = ("First_Name", "Last_Name")

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
    None,  # line 114 the same row 5 with EMAIL IN CAPS and padded: duplicate_row (same once cleaned)
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


def _write_csv(header: list[str], rows: list[list[str]], line_ending: str = "\n") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=line_ending)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def renamed_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a sample file in the id,name,email,timestamp(+extras) shape."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    extras = [c for c in reader.fieldnames if c not in RENAMED and c not in NAME_PARTS]
    header = ["id", "name", "email", "timestamp", *extras]
    rows = []
    for record in reader:
        name = " ".join(record[p] for p in NAME_PARTS)
        rows.append(
            [record["Index"], name, record["Email"], record["Subscription_Date"]]
            + [record[c] for c in extras]
        )
    return header, rows


def rename_sample(data: bytes) -> bytes:
    return _write_csv(*renamed_rows(data))


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
    return _write_csv(header, out, line_ending)


def missing_column_file(sample_001: bytes) -> bytes:
    """customers_001 renamed, without its email column: rejected as a whole."""
    header, rows = renamed_rows(sample_001)
    drop = header.index("email")
    return _write_csv(
        [c for i, c in enumerate(header) if i != drop],
        [[v for i, v in enumerate(r) if i != drop] for r in rows],
    )


def sample_files(source_dir: Path = SAMPLES_DIR) -> dict[str, bytes]:
    """Landing file name -> bytes: both samples renamed, the dirty file, the missing-column file."""
    sample_001 = (source_dir / "customers_001.csv").read_bytes()
    sample_002 = (source_dir / "customers_002.csv").read_bytes()
    return {
        "customers_001.csv": rename_sample(sample_001),
        "customers_002.csv": rename_sample(sample_002),
        "customers_dirty.csv": dirty_file(sample_001),
        "customers_missing_email.csv": missing_column_file(sample_001),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SAMPLES_DIR, help="customers_00x.csv folder")
    args = parser.parse_args(argv)
    storage = StorageResource()
    for name, data in sample_files(args.source).items():
        key = f"landing/customers/{name}"
        storage.put_bytes(key, data)
        print(f"wrote {storage.uri(key)} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
