"""Query parameters checked by hand, so every bad value is a 400 naming the parameter."""

from __future__ import annotations

from datetime import date

from platform_assets.serving.layout import MAX_USER_ID_LENGTH

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
DEFAULT_DAYS, MAX_DAYS = 7, 366
MAX_TYPE_LENGTH = 256


class BadRequest(ValueError):
    """A 400: the message says what is wrong and with which parameter."""


def user_id(value: str) -> str:
    if len(value) > MAX_USER_ID_LENGTH:
        raise BadRequest(f"user_id is {len(value)} characters long; at most {MAX_USER_ID_LENGTH}")
    return value


def a_date(name: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name}={value[:40]!r} is not a date (YYYY-MM-DD)") from None


def date_range(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    first, last = a_date("start", start), a_date("end", end)
    if first and last and first > last:
        raise BadRequest(f"start={first} is after end={last}")
    return first, last


def bounded_int(name: str, value: str | None, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if not value.strip().isdigit() or not low <= int(value) <= high:
        raise BadRequest(f"{name}={value[:40]!r} must be a whole number from {low} to {high}")
    return int(value)


def event_type(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not value or len(value) > MAX_TYPE_LENGTH:
        raise BadRequest(f"{name} must be an event type name of 1 to {MAX_TYPE_LENGTH} characters")
    return value


def event_types(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [name.strip() for name in value.split(",")]
    if not names or any(not name for name in names) or len(names) > 100:
        raise BadRequest("types must be 1 to 100 comma-separated event type names, none empty")
    return [event_type("types", name) for name in names]
