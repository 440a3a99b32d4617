"""Normalise and validate person rows; every rejected row gets every reason that applies.

Reason codes (stable; they are quarantine data and metadata keys):

- ``missing:<column>``   first_name, last_name, email or ip_address empty after trimming
- ``invalid_email``      not a syntactically valid address (email-validator, no DNS lookup)
- ``invalid_ip``         not an IPv4 or IPv6 address (``ipaddress``; ``256.1.1.1``, zone ids,
                         CIDR suffixes and leading-zero octets are rejected)
- ``duplicate_email``    an earlier row of the same file with the same (lowercased) email as a
                         later valid row: the LAST valid occurrence wins, as a later file would
                         win over an earlier one, and the earlier ones are quarantined
- ``missing_column:<c>`` / ``unreadable_csv`` / ``empty_file``: the whole file (read_csv.py)

Normalisation: trim every field, lowercase email and gender, empty gender -> NULL, IPs in
canonical text form (``2001:DB8::0001`` -> ``2001:db8::1``). The source ``id`` is not kept:
a person's identity is their email.
"""

from __future__ import annotations

import ipaddress

import pandas as pd
import pandera.pandas as pa
from email_validator import EmailNotValidError, validate_email

from platform_assets.rejected_rows import RowValidation

INVALID_EMAIL = "invalid_email"
INVALID_IP = "invalid_ip"
DUPLICATE_EMAIL = "duplicate_email"
REQUIRED_TEXT = ("first_name", "last_name", "email", "ip_address")
VALID_COLUMNS = ["line", "first_name", "last_name", "email", "gender", "ip"]


def missing(column: str) -> str:
    return f"missing:{column}"


def is_valid_email(value: str) -> bool:
    if not value:
        return True  # reported as missing:email, not also as invalid
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def canonical_ip(value: str) -> str | None:
    """The address in canonical form, or None when it is not a plain IPv4/IPv6 address."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # Python accepts "fe80::1%eth0"; Postgres inet does not, and a zone is host-local anyway.
    if getattr(address, "scope_id", None):
        return None
    return str(address)


def is_valid_ip(value: str) -> bool:
    return not value or canonical_ip(value) is not None


def _non_empty(series: pd.Series) -> pd.Series:
    return series.str.len() > 0


PERSON_SCHEMA = pa.DataFrameSchema(
    {
        "first_name": pa.Column(str, pa.Check(_non_empty, name=missing("first_name"))),
        "last_name": pa.Column(str, pa.Check(_non_empty, name=missing("last_name"))),
        "email": pa.Column(
            str,
            [
                pa.Check(_non_empty, name=missing("email")),
                pa.Check(is_valid_email, element_wise=True, name=INVALID_EMAIL),
            ],
        ),
        "ip_address": pa.Column(
            str,
            [
                pa.Check(_non_empty, name=missing("ip_address")),
                pa.Check(is_valid_ip, element_wise=True, name=INVALID_IP),
            ],
        ),
        "gender": pa.Column(str, nullable=True),
    },
    strict=False,
    name="person_row",
)


# Kept as a name of its own: what validate_persons returns.
PersonValidation = RowValidation


def normalise_persons(raw: pd.DataFrame) -> pd.DataFrame:
    """Trimmed, lowercased copy of the required columns (the raw frame is left as read)."""
    out = pd.DataFrame(index=raw.index)
    out["line"] = raw["line"]
    for column in ("first_name", "last_name", "email", "gender", "ip_address"):
        out[column] = raw[column].astype(str).str.strip()
    out["email"] = out["email"].str.lower()
    gender = out["gender"].str.lower()
    out["gender"] = gender.where(gender != "", None)
    return out


def _schema_reasons(normalised: pd.DataFrame) -> dict[int, list[str]]:
    """Index -> reason codes in the schema's check order."""
    try:
        PERSON_SCHEMA.validate(normalised, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        # Only row-level check failures carry an index; anything else is a schema bug.
        row_cases = cases[cases["index"].notna()]
        if len(row_cases) != len(cases):
            raise RuntimeError(
                f"person schema failed at table level: {cases['check'].unique().tolist()}"
            ) from None
        reasons: dict[int, list[str]] = {}
        for index, check in zip(row_cases["index"], row_cases["check"]):
            reasons.setdefault(int(index), []).append(str(check))
        return reasons
    return {}


def validate_persons(raw: pd.DataFrame) -> PersonValidation:
    """Split a file's rows (from read_person_csv) into loadable rows and rejected rows."""
    normalised = normalise_persons(raw)
    reasons = _schema_reasons(normalised)

    passed = normalised.loc[~normalised.index.isin(list(reasons))]
    # Last valid occurrence of an email wins; earlier valid ones are quarantined.
    earlier = passed["email"].duplicated(keep="last")
    for index in passed.index[earlier.to_numpy()]:
        reasons.setdefault(int(index), []).append(DUPLICATE_EMAIL)

    valid = normalised.loc[~normalised.index.isin(list(reasons))].copy()
    valid["ip"] = valid["ip_address"].map(canonical_ip)
    valid = valid[VALID_COLUMNS].reset_index(drop=True)

    rejected_index = sorted(reasons)
    rejected = pd.DataFrame(
        {
            "line": normalised.loc[rejected_index, "line"].to_numpy(dtype="int64"),
            "reasons": [reasons[i] for i in rejected_index],
        }
    )
    return PersonValidation(valid=valid, rejected=rejected)
