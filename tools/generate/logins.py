"""Dirty login messages for the logins pipeline: landing files by arrival hour, or SQS.

Bodies look like the seed sample's (``user_id``, ``app_version`` as text, ``device_type``,
``ip``, ``locale`` or null, an SSN-like ``device_id``), serialized as its producer does
(``json.dumps``). A share of them breaks each rule of platform_assets/logins/validate.py in
turn, from bad JSON to the sample's own ``{"foo": "oops_wrong_msg_type"}`` message.

    sluice-generate-logins --messages 1000 --start 2025-01-01T10 --hours 2
    sluice-generate-logins --messages 200 --queue-url "$SLUICE_LOGIN_QUEUE_URL"   # send to SQS

Files go to ``landing/logins/YYYY/MM/DD/HH/<name>.jsonl`` (one body per line) through the
storage resource; with ``--queue-url`` the bodies are sent to SQS instead and arrive in the
hour they are drained.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import sys
from datetime import UTC, datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError

from resources.queue import SQS_ENDPOINT_VARIABLE, SQS_MAX_BATCH, LoginQueueResource
from resources.storage import StorageAccessError, StorageConfigError
from tools.generate import arguments
from tools.generate.dirty_plan import GeneratedFile, plan_dirty_rows

REQUIRED = ("user_id", "device_type", "ip", "device_id", "app_version")
# Each kind is the reason the validator gives (the first, when there are several).
KINDS = [
    "body:invalid_json",
    "body:not_an_object",
    "user_id:missing",  # the sample's wrong message type: every required field missing
    "device_id:missing",
    "ip:missing",
    "app_version:not_text",
    "locale:not_text",
    "device_type:blank",
    "user_id:too_long",
    "ip:invalid",
    "app_version:unparseable",
]
LOCALES = ["US", "GB", "DE", "FR", "BR", "IN", "JP", "RU", "PH", "NG", "CA", "MX", "ES", "KE"]
BAD_IPS = ["999.12.1.1", "10.0.0", "localhost", "192.168.1.256", "::ffff::1"]
BAD_VERSIONS = ["v2.3", "2.3.0-beta", "1.2.3.4", "latest", "3..1"]


def parse_hour(text: str) -> datetime:
    try:
        hour = datetime.strptime(text, "%Y-%m-%dT%H")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected an arrival hour 'YYYY-MM-DDTHH' (UTC), e.g. 2025-01-01T10"
        ) from None
    return hour.replace(tzinfo=UTC)


class _MessageFactory:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def ip(self) -> str:
        if self.rng.random() < 0.03:
            return str(ipaddress.IPv6Address((0x2001_0DB8 << 96) | self.rng.getrandbits(64)))
        return str(ipaddress.IPv4Address(self.rng.getrandbits(32)))

    def version(self) -> str:
        """'2.3.0', '0.96', '3.7': as the sample's clients report themselves."""
        rng = self.rng
        parts = [rng.randint(0, 5), rng.randint(0, 99)]
        if rng.random() < 0.6:
            parts.append(rng.randint(0, 9))
        return ".".join(map(str, parts))

    def record(self, users: list[str]) -> dict:
        rng = self.rng
        # Users come back: a third of logins are by someone seen before.
        user = rng.choice(users) if users and rng.random() < 0.33 else self.uuid()
        users.append(user)
        record = {
            "user_id": user,
            "app_version": self.version(),
            "device_type": "ios" if rng.random() < 0.51 else "android",
            "ip": self.ip(),
            "locale": None if rng.random() < 0.29 else rng.choice(LOCALES),
            "device_id": (
                f"{rng.randint(1, 899):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
            ),
        }
        if rng.random() < 0.02:  # a newer client sends a field we do not know: tolerated
            record["session_id"] = self.uuid()
        return record

    def broken_body(self, record: dict, kind: str) -> tuple[str, tuple[str, ...]]:
        """The body text for a dirty message and the reasons the validator gives it."""
        rng = self.rng
        if kind == "body:invalid_json":
            text = json.dumps(record)
            body = str(record) if rng.random() < 0.5 else text[: rng.randint(1, len(text) - 1)]
            return body, (kind,)
        if kind == "body:not_an_object":
            shape = rng.choice((json.dumps(json.dumps(record)), json.dumps([record]), "42"))
            return shape, (kind,)
        if kind == "user_id:missing":
            body = {"foo": "oops_wrong_msg_type", "bar": str(rng.randint(100, 999))}
            return json.dumps(body), tuple(f"{field}:missing" for field in REQUIRED)
        field, problem = kind.split(":")
        if kind == "device_id:missing":
            record[field] = None
        elif kind == "ip:missing":
            del record[field]
        elif problem == "not_text":
            record[field] = rng.randint(1, 9)  # the original DDL's integer app_version
        elif problem == "blank":
            record[field] = rng.choice(("", "  "))
        elif problem == "too_long":
            record[field] = "-".join([record[field]] * 4)
        elif kind == "ip:invalid":
            record[field] = rng.choice(BAD_IPS)
        elif kind == "app_version:unparseable":
            record[field] = rng.choice(BAD_VERSIONS)
        return json.dumps(record), (kind,)


def login_bodies(messages: int, dirty_share: float, seed: int) -> tuple[list[str], dict]:
    """Message bodies, and {index: expected reasons} for the dirty ones."""
    rng = random.Random(seed)
    factory = _MessageFactory(rng)
    plan = plan_dirty_rows(rng, messages, dirty_share, KINDS)
    users: list[str] = []
    bodies, dirty = [], {}
    for index, kind in enumerate(plan):
        record = factory.record(users)
        if kind is None:
            bodies.append(json.dumps(record))
        else:
            body, reasons = factory.broken_body(record, kind)
            bodies.append(body)
            dirty[index] = reasons
    return bodies, dirty


def split_evenly(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def write_login_files(
    storage,
    *,
    messages: int,
    start: datetime,
    hours: int = 1,
    dirty_share: float = 0.05,
    seed: int = 0,
    name: str = "logins",
) -> list[GeneratedFile]:
    """One ``<name>.jsonl`` per arrival hour; ``dirty`` is keyed by line number in the file."""
    bodies, dirty = login_bodies(messages, dirty_share, seed)
    blank_lines = random.Random(seed + 1)
    written, first = [], 0
    for offset, size in enumerate(split_evenly(messages, hours)):
        hour = start + timedelta(hours=offset)
        key = f"landing/logins/{hour:%Y/%m/%d/%H}/{name}.jsonl"
        lines: list[str] = []
        generated = GeneratedFile(key=key, records=size)
        for index in range(first, first + size):
            if blank_lines.random() < 0.01:  # hand-made files have stray blank lines
                lines.append("")
            lines.append(bodies[index])
            if index in dirty:
                generated.dirty[len(lines)] = dirty[index]
        storage.put_bytes(key, ("\n".join(lines) + "\n").encode("utf-8"))
        written.append(generated)
        first += size
    return written


def send_logins(
    queue: LoginQueueResource, *, messages: int, dirty_share: float = 0.05, seed: int = 0
) -> GeneratedFile:
    """Send the bodies to the queue in batches of 10; ``dirty`` is keyed by send order from 1."""
    bodies, dirty = login_bodies(messages, dirty_share, seed)
    url = queue.resolved_queue_url
    for start in range(0, len(bodies), SQS_MAX_BATCH):
        entries = [
            {"Id": str(i), "MessageBody": body}
            for i, body in enumerate(bodies[start : start + SQS_MAX_BATCH])
        ]
        failed = queue.client.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")
        if failed:
            raise RuntimeError(f"queue {url} refused {len(failed)} message(s): {failed[0]}")
    return GeneratedFile(key=url, records=messages, dirty={i + 1: r for i, r in dirty.items()})


def build_parser():
    p = arguments.parser(
        "Write dirty login messages to landing/logins/YYYY/MM/DD/HH/<name>.jsonl, "
        "or send them to an SQS queue.",
        rows_flag="--messages",
        rows_default=1000,
        share_default=0.05,
        name_default="logins",
    )
    p.add_argument(
        "--start",
        type=parse_hour,
        default=parse_hour("2025-01-01T10"),
        metavar="HOUR",
        help="first arrival hour of the files, UTC 'YYYY-MM-DDTHH' (default "
        "2025-01-01T10); not used with --queue-url",
    )
    p.add_argument(
        "--hours",
        type=arguments.count,
        default=1,
        metavar="N",
        help="arrival hours to spread the messages over, one file each (default 1)",
    )
    p.add_argument(
        "--queue-url",
        default=None,
        metavar="URL",
        help="send the messages to this SQS queue instead of writing files",
    )
    p.add_argument(
        "--sqs-endpoint-url",
        default=None,
        metavar="URL",
        help=f"SQS endpoint, e.g. moto's (default ${SQS_ENDPOINT_VARIABLE}, else AWS)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.queue_url:
            queue = LoginQueueResource(queue_url=args.queue_url, endpoint_url=args.sqs_endpoint_url)
            written = [
                send_logins(queue, messages=args.rows, dirty_share=args.dirty_share, seed=args.seed)
            ]
        else:
            written = write_login_files(
                arguments.storage_from(args),
                messages=args.rows,
                start=args.start,
                hours=args.hours,
                dirty_share=args.dirty_share,
                seed=args.seed,
                name=args.name,
            )
    except (StorageConfigError, StorageAccessError, OSError, RuntimeError) as err:
        print(f"sluice-generate-logins: {err}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as err:  # no endpoint, no such queue, no credentials
        print(f"sluice-generate-logins: cannot send to {args.queue_url}: {err}", file=sys.stderr)
        return 1
    for generated in written:
        print(json.dumps(generated.summary()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
