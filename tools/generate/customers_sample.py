"""The public customers sample (tools/samples/customers-glue-athena) in the pipeline's shape.

Its header is ``Index,Customer_Id,First_Name,Last_Name,...,Email,Subscription_Date,...``; the
pipeline reads ``id,name,email,timestamp`` plus any extras. Renamed: Index -> id,
First_Name + " " + Last_Name -> name, Email -> email, Subscription_Date -> timestamp; every
other column is kept as an extra, in order (customers_002 has Account_Status on top).
"""

from __future__ import annotations

import csv
import io

RENAMED = {"Index": "id", "Email": "email", "Subscription_Date": "timestamp"}
NAME_PARTS = ("First_Name", "Last_Name")
SAMPLE_COLUMNS = (*RENAMED, *NAME_PARTS)


class SampleShapeError(ValueError):
    """The file is not in the customers-100 sample's shape."""


def write_csv(header: list[str], rows: list[list[str]], line_ending: str = "\n") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=line_ending)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def renamed_rows(data: bytes, source: str = "sample") -> tuple[list[str], list[list[str]]]:
    """Header and rows of a sample file in the id,name,email,timestamp(+extras) shape."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    fields = reader.fieldnames or []
    missing = [c for c in SAMPLE_COLUMNS if c not in fields]
    if missing:
        raise SampleShapeError(
            f"{source}: not the customers sample's shape, missing column(s) {', '.join(missing)} "
            f"(expected {', '.join(SAMPLE_COLUMNS)} and any others)"
        )
    extras = [c for c in fields if c not in SAMPLE_COLUMNS]
    header = ["id", "name", "email", "timestamp", *extras]
    rows = []
    for record in reader:
        name = " ".join(record[p] for p in NAME_PARTS)
        rows.append(
            [record["Index"], name, record["Email"], record["Subscription_Date"]]
            + [record[c] for c in extras]
        )
    return header, rows


def rename_sample(data: bytes, source: str = "sample") -> bytes:
    return write_csv(*renamed_rows(data, source))
