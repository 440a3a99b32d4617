"""Read one landing customer file into rows of text, or say exactly why the file is unusable."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

REQUIRED_COLUMNS = ("id", "name", "email", "timestamp")
# Columns the outputs derive; an input column of the same name would be ambiguous.
RESERVED_COLUMNS = ("email_masked", "is_future")


@dataclass(frozen=True)
class RawRow:
    line: int  # physical line where the record starts (the header is line 1)
    fields: tuple[str, ...]  # exactly as read, one per header column unless the row is ragged


@dataclass(frozen=True)
class CustomerFile:
    source_key: str
    header: tuple[str, ...]  # trimmed, BOM dropped, in file order
    rows: list[RawRow] = field(default_factory=list)
    blank_lines: int = 0  # empty lines between records: not records, only counted

    @property
    def extra_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.header if c not in REQUIRED_COLUMNS)

    def record(self, row: RawRow) -> dict[str, object]:
        """The row as a column -> raw value mapping; a ragged row's surplus goes to ``_extra``."""
        record: dict[str, object] = dict(zip(self.header, row.fields))
        if len(row.fields) > len(self.header):
            record["_extra"] = list(row.fields[len(self.header) :])
        return record


class CustomerFileError(ValueError):
    """The file as a whole is unusable; it is quarantined whole and the run fails."""

    def __init__(
        self, source_key: str, reason: str, message: str, parsed: CustomerFile | None = None
    ):
        super().__init__(f"{source_key}: {message}")
        self.source_key = source_key
        self.reason = reason
        # The rows, when the file is CSV at all, for a row-by-row whole-file quarantine.
        self.parsed = parsed


def read_customer_csv(data: bytes, source_key: str) -> CustomerFile:
    """Parse UTF-8 CSV (LF or CRLF, optional BOM); every value stays text exactly as written.

    The header must name ``id``, ``name``, ``email`` and ``timestamp`` (any order, names
    trimmed, case as written); other columns are kept as extras.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CustomerFileError(source_key, "unreadable_csv", f"not UTF-8 text: {err}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header_fields = next(reader, None)
        while header_fields == []:  # leading blank lines
            header_fields = next(reader, None)
        if header_fields is None:
            raise CustomerFileError(source_key, "empty_file", "file is empty (no header line)")
        header = tuple(name.strip() for name in header_fields)
        rows, blank = _rows(reader)
    except csv.Error as err:
        raise CustomerFileError(
            source_key, "unreadable_csv", f"not readable as CSV near line {reader.line_num}: {err}"
        ) from None
    parsed = CustomerFile(source_key, header, rows, blank)
    _check_header(parsed)
    return parsed


def _rows(reader) -> tuple[list[RawRow], int]:
    rows, blank = [], 0
    line = reader.line_num + 1
    for fields in reader:
        if fields:
            rows.append(RawRow(line, tuple(fields)))
        else:
            blank += 1
        line = reader.line_num + 1
    return rows, blank


def _check_header(parsed: CustomerFile) -> None:
    header, source_key = parsed.header, parsed.source_key
    shown = ", ".join(repr(c) for c in header)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CustomerFileError(
            source_key,
            f"missing_column:{missing[0]}",
            f"missing required column(s) {', '.join(repr(c) for c in missing)} "
            f"(header has {shown}; expected {', '.join(REQUIRED_COLUMNS)} plus any extras)",
            parsed,
        )
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise CustomerFileError(
            source_key,
            f"duplicate_column:{repeated[0]}",
            f"column(s) {', '.join(repr(c) for c in repeated)} appear more than once "
            f"(header has {shown})",
            parsed,
        )
    reserved = [c for c in RESERVED_COLUMNS if c in header]
    if reserved:
        raise CustomerFileError(
            source_key,
            f"reserved_column:{reserved[0]}",
            f"column(s) {', '.join(repr(c) for c in reserved)} are derived by the pipeline and "
            f"cannot be input columns (header has {shown})",
            parsed,
        )
