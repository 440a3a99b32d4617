"""The Glue job's output for one file: first names replaced by ``hu25``, sensitive fields masked.

Columns: ``id``, ``name`` ("hu25 <Last>"), ``email_masked``, ``timestamp`` (timestamp[us, UTC]),
``is_future`` and the extra columns (text; empty -> null). There is no ``email`` column.

Extra columns are masked by their NAME (lowercased, runs of non-alphanumerics -> ``_``):

- a first-name column (``first_name``, ``firstname``, ``given_name``, ``forename``, ``fname``,
  alone or as the end of the name, e.g. ``customer_first_name``) -> ``hu25``
- an email column (name contains ``email`` or ``e_mail``) -> clean.mask_email
- anything else sensitive (phone, mobile, fax, ssn, passport, birth, dob, iban, card,
  account number, street, address, ip address, password, secret, token) -> clean.mask_text
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

import pyarrow as pa

from platform_assets.customers.clean import hu25_name, mask_email, mask_text, normalise_email
from platform_assets.customers.timestamps import is_future
from platform_assets.customers.validate import CleanCustomer

_FIRST_NAME = re.compile(r"(^|_)(first_?name|given_?name|forename|fname)$")
_EMAIL = re.compile(r"e_?mail")
_SENSITIVE = re.compile(
    r"phone|mobile|fax|ssn|social_security|passport|birth|(^|_)dob($|_)|iban|card"
    r"|account_?(number|no|num)|street|address|(^|_)ip(_?addr|$)|password|secret|token"
)


def _normalised_name(column: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", column.lower()).strip("_")


def _mask_email_value(value: str) -> str:
    return mask_email(normalise_email(value)) if "@" in value else mask_text(value)


def masking_rule(column: str) -> tuple[str, Callable[[str], str]] | None:
    """(rule name, masking function) for a sensitive extra column, None for a plain one."""
    name = _normalised_name(column)
    if _FIRST_NAME.search(name):
        return "hu25", lambda value: "hu25" if value else value
    if _EMAIL.search(name):
        return "email", _mask_email_value
    if _SENSITIVE.search(name):
        return "text", mask_text
    return None


def masked_columns(extra_columns: Sequence[str]) -> dict[str, str]:
    """Extra column -> the rule that masks it, for metadata."""
    rules = {c: masking_rule(c) for c in extra_columns}
    return {c: rule[0] for c, rule in rules.items() if rule is not None}


def masked_table(
    rows: Sequence[CleanCustomer], extra_columns: Sequence[str], ingested_at: datetime
) -> pa.Table:
    columns: dict[str, pa.Array] = {
        "id": pa.array([r.id for r in rows], pa.string()),
        "name": pa.array([hu25_name(r.name) for r in rows], pa.string()),
        "email_masked": pa.array([mask_email(r.email) for r in rows], pa.string()),
        "timestamp": pa.array([r.timestamp for r in rows], pa.timestamp("us", tz="UTC")),
        "is_future": pa.array([is_future(r.timestamp, ingested_at) for r in rows], pa.bool_()),
    }
    fields = [pa.field(name, array.type, nullable=False) for name, array in columns.items()]
    for position, column in enumerate(extra_columns):
        rule = masking_rule(column)
        mask = rule[1] if rule else (lambda value: value)
        values = [r.extras[position] for r in rows]
        columns[column] = pa.array([mask(v) if v else None for v in values], pa.string())
        fields.append(pa.field(column, pa.string()))
    return pa.table(list(columns.values()), schema=pa.schema(fields))
