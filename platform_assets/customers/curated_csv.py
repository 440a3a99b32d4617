"""The cleaned CSV of one file: normalised values, a masked email and the future flag.

Cells are neutralised against formula injection (OWASP "CSV Injection"): a cell starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` so a
spreadsheet shows it as text instead of running it. A plain number (``-12.5``) is left as
it is: no spreadsheet runs it, and it stays a number.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import datetime
from typing import TextIO

from platform_assets.customers.clean import mask_email
from platform_assets.customers.timestamps import format_timestamp, is_future
from platform_assets.customers.validate import CleanCustomer

CURATED_COLUMNS = ("id", "name", "email", "email_masked", "timestamp", "is_future")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def neutralised(cell: str) -> str:
    """``cell`` safe to open in a spreadsheet (see the module docstring)."""
    if cell.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def curated_header(extra_columns: Sequence[str]) -> list[str]:
    return [*CURATED_COLUMNS, *extra_columns]


def write_curated_csv(
    out: TextIO,
    rows: Sequence[CleanCustomer],
    extra_columns: Sequence[str],
    ingested_at: datetime,
) -> int:
    """Write header and rows (UTF-8, LF, minimal quoting) to ``out``; return the future count.

    ``out`` must be opened with ``newline=""``. ``is_future`` is written ``true``/``false``
    (what Athena/Glue read as boolean); the timestamp as ISO 8601 UTC with ``Z``.
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(curated_header(extra_columns))
    future = 0
    for row in rows:
        flagged = is_future(row.timestamp, ingested_at)
        future += flagged
        cells = [
            row.id,
            row.name,
            row.email,
            mask_email(row.email),
            format_timestamp(row.timestamp),
            "true" if flagged else "false",
            *row.extras,
        ]
        writer.writerow([neutralised(cell) for cell in cells])
    return future
