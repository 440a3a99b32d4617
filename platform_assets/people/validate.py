"""Normalise and validate person rows; every rejected row gets every reason that applies.

Reason codes (stable; they are quarantine data and metadata keys):

- ``missing:<column>``   first_name, last_name, email or ip_address empty after trimming
- ``invalid_email``      not a syntactically valid address (email-validator, no DNS lookup)
- ``invalid_ip``         not an IPv4 or IPv6 address (``ipaddress``; ``256.1.1.1``, zone ids,
                         CIDR suffixes and leading-zero octets are rejected)
- ``nul_byte:<column>``  a NUL character, which Postgres text cannot hold
- ``too_long:<column>``  longer than MAX_LENGTH (a gender is a unique index key, bounded)
- ``wrong_field_count``  more or fewer values than the header (a trailing empty value is not
                         counted); no other check runs on such a row
- ``postgres:<SQLSTATE>`` a row Postgres still refused, isolated by the load (load.py)
- ``missing_column:<c>`` / ``duplicate_column:<c>`` / ``unreadable_csv`` / ``empty_file``:
  the whole file (read_csv.py)

Normalisation: trim every field, lowercase gender, empty gender -> NULL, IPs in canonical text
form (``2001:DB8::0001`` -> ``2001:db8::1``), emails canonical (canonical_email). The same
email on several valid rows of a file is not an error: the load keeps the last row's names and
gender and every row's IP. The source ``id`` is not kept: a person's identity is their email.
"""

from __future__ import annotations

import ipaddress

import pandas as pd
import pandera.pandas as pa

from platform_assets.ip_addresses import canonical_ips
from platform_assets.people.emails import EmailCanonicaliser
from platform_assets.people.read_csv import WRONG_FIELD_COUNT_LINES
from platform_assets.rejected_rows import RowValidation

INVALID_EMAIL = "invalid_email"
INVALID_IP = "invalid_ip"
WRONG_FIELD_COUNT = "wrong_field_count"
TEXT_COLUMNS = ("first_name", "last_name", "email", "gender", "ip_address")
VALID_COLUMNS = ["line", "first_name", "last_name", "email", "gender", "ip"]
# Characters; email is bounded by email-validator (254), an IP by its syntax.
MAX_LENGTH = {"first_name": 256, "last_name": 256, "gender": 64}


def missing(column: str) -> str:
    return f"missing:{column}"


def nul_byte(column: str) -> str:
    return f"nul_byte:{column}"


def too_long(column: str) -> str:
    return f"too_long:{column}"


def canonical_email(value: str) -> str | None:
    """The address as persons are matched on, or None when it is not a valid address
    (emails.EmailCanonicaliser: NFC, lowercase, IDNA ASCII domain; no DNS lookup)."""
    return EmailCanonicaliser()(value)


def is_valid_email(value: str) -> bool:
    return not value or canonical_email(value) is not None


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


def _no_nul(series: pd.Series) -> pd.Series:
    return ~series.str.contains("\x00", regex=False)


def _fits(limit: int):
    return lambda series: series.str.len() <= limit


def _text_checks(column: str) -> list[pa.Check]:
    checks = [pa.Check(_no_nul, name=nul_byte(column))]
    if column in MAX_LENGTH:
        checks.append(pa.Check(_fits(MAX_LENGTH[column]), name=too_long(column)))
    return checks


def _is_true(series: pd.Series) -> pd.Series:
    return series


PERSON_SCHEMA = pa.DataFrameSchema(
    {
        "first_name": pa.Column(
            str, [pa.Check(_non_empty, name=missing("first_name")), *_text_checks("first_name")]
        ),
        "last_name": pa.Column(
            str, [pa.Check(_non_empty, name=missing("last_name")), *_text_checks("last_name")]
        ),
        "email": pa.Column(
            str, [pa.Check(_non_empty, name=missing("email")), *_text_checks("email")]
        ),
        # canonical_email / canonical_ip ran once per value in normalise_persons.
        "email_valid": pa.Column(bool, pa.Check(_is_true, name=INVALID_EMAIL)),
        "ip_address": pa.Column(
            str,
            [pa.Check(_non_empty, name=missing("ip_address")), *_text_checks("ip_address")],
        ),
        "ip_valid": pa.Column(bool, pa.Check(_is_true, name=INVALID_IP)),
        "gender": pa.Column(str, _text_checks("gender")),
    },
    strict=False,
    name="person_row",
)


# Kept as a name of its own: what validate_persons returns.
PersonValidation = RowValidation


def normalise_persons(raw: pd.DataFrame) -> pd.DataFrame:
    """Trimmed copy of the text columns plus canonical email and ip (None when invalid);
    the raw frame is left as read."""
    out = pd.DataFrame(index=raw.index)
    out["line"] = raw["line"]
    for column in TEXT_COLUMNS:
        out[column] = raw[column].astype(str).str.strip()
    out["gender"] = out["gender"].str.lower()
    emails = out["email"].map(EmailCanonicaliser())  # one canonicaliser: each domain once
    out["email_valid"] = emails.notna() | (out["email"] == "")
    out["email_canonical"] = emails
    ips = canonical_ips(out["ip_address"], canonical_ip)
    out["ip_valid"] = ips.notna() | (out["ip_address"] == "")
    out["ip"] = ips
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
    wrong_lines = set(raw.attrs.get(WRONG_FIELD_COUNT_LINES, ()))
    ragged = raw["line"].isin(wrong_lines)
    normalised = normalise_persons(raw.loc[~ragged])
    reasons = _schema_reasons(normalised)
    for index in raw.index[ragged.to_numpy()]:
        reasons[int(index)] = [WRONG_FIELD_COUNT]

    valid = normalised.loc[~normalised.index.isin(list(reasons))].copy()
    valid["email"] = valid["email_canonical"]
    valid["gender"] = valid["gender"].where(valid["gender"] != "", None)
    valid = valid[VALID_COLUMNS].reset_index(drop=True)

    rejected_index = sorted(reasons)
    rejected = pd.DataFrame(
        {
            "line": raw.loc[rejected_index, "line"].to_numpy(dtype="int64"),
            "reasons": [reasons[i] for i in rejected_index],
        }
    )
    return PersonValidation(valid=valid, rejected=rejected)
