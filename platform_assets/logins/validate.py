"""Validating login message bodies: which become rows, which are quarantined and why.

Reason codes are ``<field>:<problem>``, and a record gets every reason that applies:

- ``body:invalid_json``, ``body:not_an_object``: the message is not a JSON object at all;
- ``body:invalid_utf8``: the line is not UTF-8 (kept escaped in quarantine, never loaded);
- ``<field>:missing``: user_id, device_type, ip, device_id or app_version absent or null;
- ``<field>:not_text``, ``<field>:blank``, ``<field>:too_long``: wrong type or size;
- ``<field>:nul_byte``, ``message_id:nul_byte``: a NUL character, which Postgres text refuses;
- ``ip:invalid``: not an IPv4/IPv6 address; ``app_version:unparseable``: not ``N[.N[.N]]``.

Unknown extra fields are tolerated; ``locale`` may be null.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import orjson
import pandas as pd
import pandera.pandas as pa

from platform_assets.logins.app_version import app_version_number
from platform_assets.logins.messages import LoginMessage

REQUIRED_FIELDS = ("user_id", "device_type", "ip", "device_id", "app_version")
FIELDS = (*REQUIRED_FIELDS, "locale")
# The original DDL's varchar sizes; ip and device_id only need to fit a sane value.
MAX_LENGTH = {"user_id": 128, "device_type": 32, "ip": 64, "device_id": 256, "app_version": 32, "locale": 32}


def _text(value) -> bool:
    return value is None or isinstance(value, str)


def _no_nul(value) -> bool:
    return not isinstance(value, str) or "\x00" not in value


def _not_blank(value) -> bool:
    return not isinstance(value, str) or bool(value.strip())


def _fits(limit: int):
    return lambda value: not isinstance(value, str) or len(value.strip()) <= limit


def _ip(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return True


def _version(value) -> bool:
    return not isinstance(value, str) or app_version_number(value) is not None


def _column(field: str) -> pa.Column:
    checks = [
        pa.Check(_text, element_wise=True, name="not_text"),
        pa.Check(_fits(MAX_LENGTH[field]), element_wise=True, name="too_long"),
        pa.Check(_no_nul, element_wise=True, name="nul_byte"),
    ]
    if field in REQUIRED_FIELDS:
        checks.append(pa.Check(_not_blank, element_wise=True, name="blank"))
    if field == "ip":
        checks.append(pa.Check(_ip, element_wise=True, name="invalid"))
    if field == "app_version":
        checks.append(pa.Check(_version, element_wise=True, name="unparseable"))
    return pa.Column(object, checks=checks, nullable=field not in REQUIRED_FIELDS)


LOGIN_SCHEMA = pa.DataFrameSchema({field: _column(field) for field in FIELDS}, strict=False, coerce=False)


@dataclass(frozen=True, repr=False)
class QuarantinedLogin:
    message: LoginMessage
    reasons: tuple[str, ...]


@dataclass
class ValidatedLogins:
    valid: pd.DataFrame  # one row per good message: ids, source, the FIELDS, app_version_num
    quarantined: list[QuarantinedLogin]


def _reasons_by_row(frame: pd.DataFrame) -> dict[int, list[str]]:
    try:
        LOGIN_SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        reasons: dict[int, list[str]] = {}
        # failure_case holds the offending value (PII): only index, column and check are used.
        for index, column, check in zip(cases["index"], cases["column"], cases["check"]):
            if index is None or pd.isna(index):
                raise ValueError(f"login schema failed as a whole on column {column}: {check}") from None
            problem = "missing" if check == "not_nullable" else str(check).split("(")[0]
            reasons.setdefault(int(index), []).append(f"{column}:{problem}")
        return reasons
    return {}


def validate_messages(messages: list[LoginMessage]) -> ValidatedLogins:
    """Split a batch of messages into valid rows and quarantined records with reasons."""
    quarantined: list[QuarantinedLogin] = []
    parsed_messages: list[LoginMessage] = []
    records: list[dict] = []
    for message in messages:
        if message.problem:
            quarantined.append(QuarantinedLogin(message, (message.problem,)))
            continue
        if "\x00" in message.message_id:
            quarantined.append(QuarantinedLogin(message, ("message_id:nul_byte",)))
            continue
        try:
            body = orjson.loads(message.body)
        except orjson.JSONDecodeError:
            quarantined.append(QuarantinedLogin(message, ("body:invalid_json",)))
            continue
        if not isinstance(body, dict):
            quarantined.append(QuarantinedLogin(message, ("body:not_an_object",)))
            continue
        parsed_messages.append(message)
        records.append({field: body.get(field) for field in FIELDS})

    frame = pd.DataFrame(records, columns=list(FIELDS), dtype=object)
    reasons = _reasons_by_row(frame) if len(frame) else {}
    good = [i for i in range(len(frame)) if i not in reasons]
    for index, row_reasons in sorted(reasons.items()):
        ordered = tuple(sorted(set(row_reasons), key=row_reasons.index))
        quarantined.append(QuarantinedLogin(parsed_messages[index], ordered))

    valid = frame.iloc[good].reset_index(drop=True)
    for field in FIELDS:
        # object dtype: pandas would otherwise turn None into NaN in a string column
        valid[field] = pd.Series([v.strip() if isinstance(v, str) else None for v in valid[field]], dtype=object)
    valid["app_version_num"] = pd.Series([app_version_number(v) for v in valid["app_version"]], dtype="int64")
    kept = [parsed_messages[i] for i in good]
    valid["message_id"] = [m.message_id for m in kept]
    valid["source_key"] = [m.source_key for m in kept]
    valid["source_line"] = [m.source_line for m in kept]
    valid["received_at"] = [m.received_at for m in kept]
    return ValidatedLogins(valid, quarantined)
