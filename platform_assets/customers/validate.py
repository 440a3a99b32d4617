"""Check and clean customer rows; every rejected row carries every reason that applies.

Reason codes (stable: they are quarantine data and metadata keys):

- ``wrong_field_count``  the row has more or fewer fields than the header; its values cannot
                         be matched to columns, so no other check runs on it
- ``missing:<column>``   id, name, email or timestamp is null: empty or only whitespace, or
                         one of the tokens null / none / nan / n/a (any case)
- ``nul_byte:<column>``  a NUL character in any column (extras included): no CSV or Parquet
                         reader downstream handles it the same way
- ``invalid_email``      not a syntactically valid address (email-validator, no DNS lookup);
                         a mask needs ``local@domain.tld``
- ``invalid_timestamp``  not in the grammar of timestamps.py
- ``duplicate_row``      the same cleaned values (every column, extras included) as an
                         earlier row that passed the field checks: the FIRST occurrence is kept
- ``duplicate_id``       the same id as an earlier kept row, with different values: the FIRST
                         occurrence is kept (an exact copy is ``duplicate_row`` only)

Duplicates are judged among rows that pass the field checks, so an invalid first copy never
knocks out a valid later one. Ids are compared as trimmed text ("007" and "7" differ).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email

from platform_assets.customers.clean import is_null, normalise_email, title_case
from platform_assets.customers.read_csv import REQUIRED_COLUMNS, CustomerFile, RawRow
from platform_assets.customers.timestamps import parse_timestamp

WRONG_FIELD_COUNT = "wrong_field_count"
INVALID_EMAIL = "invalid_email"
INVALID_TIMESTAMP = "invalid_timestamp"
DUPLICATE_ROW = "duplicate_row"
DUPLICATE_ID = "duplicate_id"


def missing(column: str) -> str:
    return f"missing:{column}"


@dataclass(frozen=True)
class CleanCustomer:
    line: int
    id: str
    name: str  # Title Case
    email: str  # trimmed, lowercase
    timestamp: datetime  # aware, UTC
    extras: tuple[str, ...]  # trimmed, in the order of CustomerFile.extra_columns


@dataclass(frozen=True)
class Rejection:
    line: int
    reasons: tuple[str, ...]
    record: dict[str, object]  # the row as read (CustomerFile.record)


@dataclass(frozen=True)
class CustomerValidation:
    kept: list[CleanCustomer]
    rejected: list[Rejection]

    @property
    def rows_in(self) -> int:
        return len(self.kept) + len(self.rejected)

    @property
    def reason_counts(self) -> dict[str, int]:
        """Rows per reason; a row with two reasons counts under both."""
        return dict(sorted(Counter(r for rej in self.rejected for r in rej.reasons).items()))


def is_valid_email(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def check_row(parsed: CustomerFile, row: RawRow) -> tuple[list[str], CleanCustomer | None]:
    """The row's field-level reasons, or none and the cleaned row."""
    if len(row.fields) != len(parsed.header):
        return [WRONG_FIELD_COUNT], None
    values = dict(zip(parsed.header, row.fields))
    reasons = [missing(c) for c in REQUIRED_COLUMNS if is_null(values[c])]
    reasons += [f"nul_byte:{c}" for c in parsed.header if "\x00" in values[c]]
    email = normalise_email(values["email"])
    if missing("email") not in reasons and not is_valid_email(email):
        reasons.append(INVALID_EMAIL)
    timestamp = parse_timestamp(values["timestamp"])
    if missing("timestamp") not in reasons and timestamp is None:
        reasons.append(INVALID_TIMESTAMP)
    if reasons:
        return reasons, None
    return [], CleanCustomer(
        line=row.line,
        id=values["id"].strip(),
        name=title_case(values["name"]),
        email=email,
        timestamp=timestamp,
        extras=tuple(values[c].strip() for c in parsed.extra_columns),
    )


def validate_customers(parsed: CustomerFile) -> CustomerValidation:
    kept: list[CleanCustomer] = []
    reasons_by_row: dict[int, list[str]] = {}
    seen_rows: set[tuple] = set()
    seen_ids: set[str] = set()
    for index, row in enumerate(parsed.rows):
        reasons, clean = check_row(parsed, row)
        if clean is not None:
            identity = (clean.id, clean.name, clean.email, clean.timestamp, clean.extras)
            if identity in seen_rows:
                reasons = [DUPLICATE_ROW]
            elif clean.id in seen_ids:
                reasons = [DUPLICATE_ID]
            else:
                seen_ids.add(clean.id)
                kept.append(clean)
            seen_rows.add(identity)
        if reasons:
            reasons_by_row[index] = reasons
    rejected = [
        Rejection(parsed.rows[i].line, tuple(r), parsed.record(parsed.rows[i]))
        for i, r in reasons_by_row.items()
    ]
    return CustomerValidation(kept=kept, rejected=rejected)
