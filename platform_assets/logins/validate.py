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

import functools
import ipaddress
import re
from dataclasses import dataclass
from itertools import repeat

import orjson
import pandas as pd
import pandera.pandas as pa

from platform_assets import ip_addresses
from platform_assets.logins.app_version import VERSION_PATTERN, app_version_number
from platform_assets.logins.messages import LoginMessage

_VERSION = re.compile(VERSION_PATTERN)

REQUIRED_FIELDS = ("user_id", "device_type", "ip", "device_id", "app_version")
FIELDS = (*REQUIRED_FIELDS, "locale")
# The original DDL's varchar sizes; ip and device_id only need to fit a sane value.
MAX_LENGTH = {
    "user_id": 128,
    "device_type": 32,
    "ip": 64,
    "device_id": 256,
    "app_version": 32,
    "locale": 32,
}


# Vectorised checks over the stripped frame (text_column). pandera hands a check the column's
# non-null values; a value of another JSON type (number, list, object) fails not_text and
# passes every other check.
def _all_text(series: pd.Series) -> bool:
    return pd.api.types.infer_dtype(series, skipna=True) == "string"


def text_column(values: list) -> pd.Series:
    """One field's values, text stripped of surrounding whitespace by Python's ``str.strip``;
    other values (None, numbers, lists) as they are. A column of text and nulls only (the
    usual case) is held as Arrow-backed text, so the checks below run in Arrow, not once a
    value in Python; a column with another JSON type in it stays ``object``."""
    types = set(map(type, values))
    if types <= {str}:
        return pd.Series(list(map(str.strip, values)), dtype="str")
    stripped = [v.strip() if type(v) is str else v for v in values]
    return pd.Series(stripped, dtype="str" if types <= {str, type(None)} else object)


def _nulls_as_none(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), None) if series.hasnans else series


def _strings(series: pd.Series) -> pd.Series:
    """The column's text values, NaN where a value is not text."""
    if _all_text(series):
        return series
    return series.map(lambda v: v if isinstance(v, str) else None).astype(object)


def _is_text(series: pd.Series) -> pd.Series:
    if _all_text(series):
        return pd.Series(True, index=series.index)
    return series.map(lambda v: isinstance(v, str))


def _no_nul(series: pd.Series) -> pd.Series:
    return ~_strings(series).str.contains("\x00", regex=False).fillna(False).astype(bool)


def _not_blank(series: pd.Series) -> pd.Series:
    text = _strings(series)
    return text.isna() | (text.str.len() > 0)


def _fits(limit: int):
    def fits(series: pd.Series) -> pd.Series:
        text = _strings(series)
        return text.isna() | (text.str.len() <= limit)

    return fits


def canonical_ips(series: pd.Series) -> pd.Series:
    """Each text value's canonical IP text, None where it is not an IPv4/IPv6 address."""
    return ip_addresses.canonical_ips(_strings(series), _parsed_ip)


@functools.lru_cache(maxsize=65_536)  # validation and masking ask for the same values
def _parsed_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _ip(series: pd.Series) -> pd.Series:
    return _strings(series).isna() | canonical_ips(series).notna()


def _version(series: pd.Series) -> pd.Series:
    text = _strings(series)
    ok = text.str.fullmatch(VERSION_PATTERN).fillna(False).astype(bool)
    # Arrow's regex engine (RE2) reads \d as an ASCII digit, Python's re as any Unicode
    # decimal digit (as int() does): what Arrow rejects is asked again of re, which decides.
    again = text[~ok & text.notna()]
    if len(again):
        ok[again.index] = [_VERSION.fullmatch(value) is not None for value in again]
    return text.isna() | ok


def _column(field: str) -> pa.Column:
    checks = [
        pa.Check(_is_text, name="not_text"),
        pa.Check(_fits(MAX_LENGTH[field]), name="too_long"),
        pa.Check(_no_nul, name="nul_byte"),
    ]
    if field in REQUIRED_FIELDS:
        checks.append(pa.Check(_not_blank, name="blank"))
    if field == "ip":
        checks.append(pa.Check(_ip, name="invalid"))
    if field == "app_version":
        checks.append(pa.Check(_version, name="unparseable"))
    # No dtype: a column is Arrow text, or object when some value is another JSON type;
    # not_text is the declared type rule.
    return pa.Column(None, checks=checks, nullable=field not in REQUIRED_FIELDS)


LOGIN_SCHEMA = pa.DataFrameSchema(
    {field: _column(field) for field in FIELDS}, strict=False, coerce=False
)


@dataclass(frozen=True, repr=False)
class QuarantinedLogin:
    message: LoginMessage
    reasons: tuple[str, ...]


@dataclass
class ValidatedLogins:
    valid: pd.DataFrame  # one row per good message: the FIELDS, ip_canonical, app_version_num
    messages: list[LoginMessage]  # the good messages (ids, source), in the rows' order
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
                raise ValueError(
                    f"login schema failed as a whole on column {column}: {check}"
                ) from None
            problem = "missing" if check == "not_nullable" else str(check).split("(")[0]
            reasons.setdefault(int(index), []).append(f"{column}:{problem}")
        return reasons
    return {}


def validate_messages(messages: list[LoginMessage]) -> ValidatedLogins:
    """Split a batch of messages into valid rows and quarantined records with reasons."""
    quarantined: list[QuarantinedLogin] = []
    parsed_messages: list[LoginMessage] = []
    bodies: list[dict] = []
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
        bodies.append(body)

    frame = pd.DataFrame(
        {field: text_column(list(map(dict.get, bodies, repeat(field)))) for field in FIELDS}
    )
    reasons = _reasons_by_row(frame) if len(frame) else {}
    good = [i for i in range(len(frame)) if i not in reasons] if reasons else range(len(frame))
    for index, row_reasons in sorted(reasons.items()):
        ordered = tuple(sorted(set(row_reasons), key=row_reasons.index))
        quarantined.append(QuarantinedLogin(parsed_messages[index], ordered))

    valid = frame.iloc[good].reset_index(drop=True)
    for field in FIELDS:
        valid[field] = _nulls_as_none(valid[field])
    valid["ip_canonical"] = canonical_ips(valid["ip"])
    # Versions repeat (a few app releases): each distinct text is converted once.
    versions = valid["app_version"].tolist()
    numbers = {v: app_version_number(v) for v in set(versions)}
    valid["app_version_num"] = pd.Series([numbers[v] for v in versions], dtype="int64")
    return ValidatedLogins(valid, [parsed_messages[i] for i in good], quarantined)
