"""Reading login files: archive batches written by the drain, and files users drop in.

Every line of an archive file is an envelope ``{"message_id", "body", "received_at", ...}``
whose ``body`` is the SQS message text, untouched. A user-dropped ``.jsonl`` has one message
body per line; a ``.json`` file may be a JSON array of bodies (like the seed's sample).
Dropped records carry no message id, so one is derived from the file key and position:
re-reading the same file yields the same ids, and the load stays idempotent.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import IO, NamedTuple, Optional

import orjson

INVALID_UTF8 = "body:invalid_utf8"


class LoginMessage(NamedTuple):
    """One message as read (a tuple: ~4x cheaper to make than a frozen dataclass, and as
    immutable; the loader makes one per message)."""

    message_id: str
    body: str  # the original message text; holds PII, never log it
    source_key: str
    # 1-based line number in .jsonl files, 0-based element index in a JSON array file.
    source_line: int
    received_at: Optional[datetime] = None
    # Set when the record cannot be a message at all (e.g. "body:invalid_utf8"): quarantined.
    problem: Optional[str] = None

    def __repr__(self) -> str:
        return f"LoginMessage({self.message_id!r}, {self.source_key}:{self.source_line})"


def derived_message_id(source_key: str, position: int) -> str:
    return "file-" + hashlib.sha256(f"{source_key}\n{position}".encode()).hexdigest()[:32]


def _parse_time(value) -> Optional[datetime]:
    return _parse_time_text(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=4096)  # an archive file's messages share one received_at
def _parse_time_text(value: str) -> Optional[datetime]:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _from_line(source_key: str, position: int, line: bytes) -> LoginMessage:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        # Kept with the bad bytes escaped (as \xff), never replaced by U+FFFD and loaded.
        text = line.decode("utf-8", errors="backslashreplace").strip()
        return LoginMessage(
            derived_message_id(source_key, position),
            text,
            source_key,
            position,
            problem=INVALID_UTF8,
        )
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError:
        parsed = None
    if (
        isinstance(parsed, dict)
        and isinstance(parsed.get("message_id"), str)
        and isinstance(parsed.get("body"), str)
    ):
        return LoginMessage(
            parsed["message_id"],
            parsed["body"],
            source_key,
            position,
            _parse_time(parsed.get("received_at")),
        )
    # Not an envelope: the line itself is a message body (bad JSON is kept, to be quarantined).
    return LoginMessage(
        derived_message_id(source_key, position),
        line.decode("utf-8", errors="replace").strip(),
        source_key,
        position,
    )


def _from_lines(source_key: str, lines) -> Iterator[LoginMessage]:
    for number, line in enumerate(lines, start=1):
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        # Fast path, the same outcome as _from_line's for a good envelope: orjson only parses
        # valid UTF-8, so a line it reads needs no separate UTF-8 check.
        try:
            parsed = orjson.loads(line)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            message_id, body = parsed.get("message_id"), parsed.get("body")
            if isinstance(message_id, str) and isinstance(body, str):
                received_at = _parse_time(parsed.get("received_at"))
                yield LoginMessage(message_id, body, source_key, number, received_at)
                continue
        if line.strip():
            yield _from_line(source_key, number, line)


def read_login_file(source_key: str, stream: IO[bytes]) -> Iterator[LoginMessage]:
    """Messages of one landing file, in file order; streams ``.jsonl`` line by line."""
    if not source_key.endswith((".json", ".json.gz")):
        yield from _from_lines(source_key, stream)
        return
    # A JSON array has to be parsed whole; its size is bounded by what a user drops by hand.
    data = stream.read()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, list):
        for index, element in enumerate(parsed):
            body = orjson.dumps(element).decode("utf-8")
            yield LoginMessage(derived_message_id(source_key, index), body, source_key, index)
    else:
        # A single object, or not JSON at all: read it as lines so nothing is lost.
        yield from _from_lines(source_key, data.splitlines())
