"""Read one landing person file into a frame of raw text, or say exactly why not."""

from __future__ import annotations

import csv
import io
from typing import IO

import pandas as pd

REQUIRED_COLUMNS = ("id", "first_name", "last_name", "email", "gender", "ip_address")

# Line number of the first data row: the header is line 1.
FIRST_DATA_LINE = 2


class PersonFileError(ValueError):
    """The file as a whole is unusable (missing column, not CSV); it is quarantined whole."""

    def __init__(
        self, source_key: str, reason: str, message: str, rows: pd.DataFrame | None = None
    ):
        super().__init__(f"{source_key}: {message}")
        self.source_key = source_key
        self.reason = reason
        # The parsed rows (with ``line``) when the file is CSV at all, for a row-level quarantine.
        self.rows = rows


def read_person_csv(stream: IO[bytes], source_key: str) -> pd.DataFrame:
    """Every data row as text exactly as written (no NaN, no type guessing), plus ``line``.

    Extra columns are kept (they travel to quarantine with the raw row); a missing required
    column raises PersonFileError naming the file and the column. ``line`` is the physical
    line of the row when no quoted field spans lines (the header is line 1).
    """
    try:
        frame = pd.read_csv(
            stream,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8",
            quoting=csv.QUOTE_MINIMAL,
            skipinitialspace=False,
        )
    except pd.errors.EmptyDataError:
        raise PersonFileError(source_key, "empty_file", "file is empty (no header line)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise PersonFileError(
            source_key, "unreadable_csv", f"not a readable UTF-8 CSV: {err}"
        ) from None
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    frame.insert(0, "line", range(FIRST_DATA_LINE, FIRST_DATA_LINE + len(frame)))
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise PersonFileError(
            source_key,
            f"missing_column:{missing[0]}",
            f"missing required column(s) {', '.join(repr(c) for c in missing)} "
            f"(header has {', '.join(repr(c) for c in frame.columns)}; "
            f"expected {', '.join(REQUIRED_COLUMNS)})",
            rows=frame,
        )
    return frame


def read_person_csv_bytes(data: bytes, source_key: str) -> pd.DataFrame:
    return read_person_csv(io.BytesIO(data), source_key)
