"""The one timestamp grammar of customer files, shared (by test) with the shell script.

Accepted, after trimming spaces and tabs: ``YYYY-MM-DD`` (midnight), or a date and a time joined
by ``T`` or a space, ``HH:MM``, ``HH:MM:SS`` or ``HH:MM:SS.f`` (1-6 fraction digits), optionally
followed by ``Z`` or an offset ``+HH:MM`` / ``+HHMM`` / ``+HH``. No offset means UTC.
Anything else (other ISO forms included) is unparseable: the row is quarantined, and
scripts/flag_future_timestamps.sh parses exactly this grammar, so both always agree.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_TIMESTAMP = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?"
    r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.ASCII,
)


def parse_timestamp(text: str) -> datetime | None:
    """The instant ``text`` names, as an aware UTC datetime, or None if it is not one."""
    match = _TIMESTAMP.fullmatch(text.strip(" \t"))
    if match is None:
        return None
    try:
        year, month, day = (int(p) for p in match["date"].split("-"))
        fraction = (match["fraction"] or "").ljust(6, "0")
        local = datetime(
            year,
            month,
            day,
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            int(fraction),
            tzinfo=_zone(match["zone"]),
        )
        return local.astimezone(UTC)
    except (ValueError, OverflowError):  # 2021-02-30, 24:00, offsets beyond a day, year 0
        return None


def _zone(text: str | None) -> timezone:
    if not text or text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
    if int(digits[2:] or 0) > 59:
        raise ValueError("offset minutes above 59")
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(minutes=minutes))


def format_timestamp(instant: datetime) -> str:
    """ISO 8601 in UTC with ``Z``; microseconds only when there are any."""
    utc = instant.astimezone(UTC)
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def is_future(instant: datetime, ingested_at: datetime) -> bool:
    """Strictly after the ingestion time: a timestamp equal to it is not in the future."""
    return instant > ingested_at
