"""Read Iris CSV bytes into a frame of raw text with canonical column names, or say why not.

Two published layouts are accepted: ``sepal_length,...,species`` (the shipped copy) and the
UCI/Kaggle one ``Id,SepalLengthCm,...,Species`` (``Iris-setosa`` labels are normalised in
validate.py). Headers are matched ignoring case, punctuation and a ``cm`` suffix; columns
that are not needed (``Id``) are kept so they travel to quarantine with the raw row.
"""

from __future__ import annotations

import io
import re

import pandas as pd

MEASUREMENTS = ("sepal_length", "sepal_width", "petal_length", "petal_width")
REQUIRED_COLUMNS = (*MEASUREMENTS, "species")
# Line number of the first data row: the header is line 1.
FIRST_DATA_LINE = 2

_ALIASES = {
    "sepallength": "sepal_length",
    "sepalwidth": "sepal_width",
    "petallength": "petal_length",
    "petalwidth": "petal_width",
    "species": "species",
    "variety": "species",
    "class": "species",
}


class IrisFileError(ValueError):
    """The file as a whole is unusable: not CSV, empty, or a required column is missing."""

    def __init__(self, name: str, reason: str, message: str, rows: pd.DataFrame | None = None):
        super().__init__(f"{name}: {message}")
        self.reason = reason
        # The parsed rows (with ``line``) when the file is CSV at all, for a whole-file quarantine.
        self.rows = rows


def canonical_column(header: str) -> str:
    key = re.sub(r"[^a-z]", "", header.strip().lstrip("\ufeff").lower())
    key = key.removesuffix("cm")
    return _ALIASES.get(key, header.strip().lstrip("\ufeff"))


def read_iris_csv(data: bytes, name: str) -> pd.DataFrame:
    """Every data row as text exactly as written, plus ``line`` (its physical line number).

    Raises IrisFileError naming ``name``, the missing columns and the header that was found.
    """
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,  # keeps ``line`` true; blank rows are dropped below
            encoding="utf-8",
        )
    except pd.errors.EmptyDataError:
        raise IrisFileError(name, "empty_file", "file is empty (no header line)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise IrisFileError(name, "unreadable_csv", f"not a readable UTF-8 CSV: {err}") from None

    header = [str(c) for c in frame.columns]
    frame.columns = [canonical_column(c) for c in header]
    frame.insert(0, "line", range(FIRST_DATA_LINE, FIRST_DATA_LINE + len(frame)))
    values = frame.drop(columns="line")
    frame = frame[(values.apply(lambda col: col.str.strip()) != "").any(axis=1)]
    frame = frame.reset_index(drop=True)

    doubled = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if doubled:
        raise IrisFileError(
            name,
            "ambiguous_columns",
            f"several header columns mean {', '.join(doubled)} ({header})",
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise IrisFileError(
            name,
            f"missing_column:{missing[0]}",
            f"wrong columns: missing {', '.join(missing)} (header has "
            f"{', '.join(header) or 'nothing'}; expected {', '.join(REQUIRED_COLUMNS)})",
            rows=frame,
        )
    return frame
