"""Synthetic landing files for the events pipeline: realistic, broken in every way, fast.

``generate_events`` writes Firehose-style files under
``landing/events/YYYY/MM/DD/HH/`` (HH = arrival hour, UTC) through the storage resource:
a long tail of event types, late events, redeliveries (byte-exact copies of earlier valid
lines, in the same or a later hour), CRLF files, blank lines and every malformed record
kind in ``malformed_records``. Memory is bounded by one file's buffer, never by N.

The returned summary is guidance (what the generator *meant* to write); tests derive exact
expectations from the files themselves.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from resources.storage import StorageResource
from tools.generate.event_types import Catalog, EventType, build_catalog
from tools.generate.id_population import (
    EVENTS_PER_ITEM,
    EVENTS_PER_USER,
    ITEM_SKEW,
    USER_SKEW,
    IdPopulation,
    default_size,
)
from tools.generate.landing_files import LandingFileWriter
from tools.generate.malformed_events import KIND_NAMES, RECIPES, RecordParts
from tools.generate.redeliveries import Redeliveries

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
FUTURE_SLACK_MS = 25 * HOUR_MS  # created_at may reach the end of the arrival hour + 24 h
CHUNK_LINES = 20_000


def parse_start(text: str) -> datetime:
    """'YYYY-MM-DDTHH' (also accepts '-HH:MM' Dagster keys and full ISO) -> aware UTC hour."""
    for fmt in ("%Y-%m-%dT%H", "%Y-%m-%d-%H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--start {text!r}: expected 'YYYY-MM-DDTHH' (UTC), e.g. 2025-01-01T00"
        ) from None
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return parsed.replace(minute=0, second=0, microsecond=0)


def landing_key(hour: datetime, second_in_hour: int, seq: int, suffix: str, gz: bool) -> str:
    """Firehose-style key; names sort in arrival order within the hour."""
    stamp = (hour + timedelta(seconds=second_in_hour)).strftime("%Y%m%d%H%M%S")
    ext = ".jsonl.gz" if gz else ".jsonl"
    return f"landing/events/{hour:%Y/%m/%d/%H}/events-{stamp}-{seq:06d}-{suffix}{ext}"


def split_evenly(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


class _RecordFactory:
    """Makes lines for one run; owns the rng, so a seed reproduces every byte."""

    def __init__(
        self,
        catalog: Catalog,
        rng: random.Random,
        late_rate: float,
        users: IdPopulation,
        items: IdPopulation,
    ):
        self.catalog, self.rng, self.late_rate = catalog, rng, late_rate
        self.users, self.items = users, items
        self.late = 0

    def attributes(self, et: EventType) -> str:
        """One of the type's payloads with a user and an item drawn from their populations."""
        rng = self.rng
        template = et.payloads[rng.getrandbits(6) % len(et.payloads)]
        user = item = ""
        if "{user}" in template:
            rank = self.users.index(rng)
            user = str(rank) if et.numeric_user_id else f'"{self.users.ids[rank]}"'
        if "{item}" in template:
            item = f'"{self.items.pick(rng)}"'
        return template.format(user=user, item=item)

    def new_id(self) -> str:
        h = "%032x" % self.rng.getrandbits(128)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def created_at(self, hour_ms: int) -> int:
        rng = self.rng
        roll = rng.random()
        if roll < self.late_rate:
            self.late += 1
            return hour_ms - rng.randint(HOUR_MS, 7 * DAY_MS)  # hours to days late
        if roll < self.late_rate + 0.05:
            return hour_ms - rng.randint(1, 300_000)  # buffered across the hour boundary
        return hour_ms + rng.randrange(HOUR_MS)

    def valid_line(self, et: EventType, hour_ms: int) -> str:
        # Hand-assembled JSON: ~3x faster than dumping a dict per event, and the pieces
        # (type name, payloads) were already serialized by orjson in the catalog.
        rng = self.rng
        event_id = self.new_id()
        attrs = self.attributes(et)
        data = f'{{"id":"{event_id}","type":"{et.name}","attributes":{attrs}}}'
        meta = (
            f'{{"created_at":{self.created_at(hour_ms)},"service":"{et.service}",'
            f'"schema_version":{et.schema_version},"trace_id":"{rng.getrandbits(64):016x}"}}'
        )
        if et.meta_first:
            return f'{{"meta":{meta},"data":{data}}}'
        return f'{{"data":{data},"meta":{meta}}}'

    def parts(self, et: EventType, hour_ms: int) -> RecordParts:
        return RecordParts(
            data={
                "id": f'"{self.new_id()}"',
                "type": f'"{et.name}"',
                "attributes": self.attributes(et),
            },
            meta={
                "created_at": str(hour_ms + self.rng.randrange(HOUR_MS)),
                "service": f'"{et.service}"',
            },
            meta_first=et.meta_first,
        )


def generate_events(
    storage: StorageResource,
    *,
    events: int,
    start: datetime | str = "2025-01-01T00",
    hours: int = 1,
    types: int = 300,
    files_per_hour: int = 4,
    gzip: bool = False,
    malformed_rate: float = 0.02,
    late_rate: float = 0.02,
    duplicate_rate: float = 0.01,
    crlf_rate: float = 0.2,
    seed: int = 0,
    users: int | None = None,
    items: int | None = None,
) -> dict:
    """Write ``events`` records (valid, malformed and redelivered) over ``hours`` arrival hours.

    ``users``/``items``: the sizes of the id populations the events draw from (default one
    user per EVENTS_PER_USER events, one item per EVENTS_PER_ITEM), long-tailed.

    Returns a summary: files and lines written, and what the rules should make of them.
    """
    if events < 0 or hours < 1 or files_per_hour < 1:
        raise ValueError(
            f"need events >= 0, hours >= 1, files_per_hour >= 1 (got {events}, {hours}, "
            f"{files_per_hour})"
        )
    for name, rate in [
        ("malformed_rate", malformed_rate),
        ("late_rate", late_rate),
        ("duplicate_rate", duplicate_rate),
    ]:
        if not 0 <= rate <= 1:
            raise ValueError(f"--{name.replace('_', '-')} must be within [0, 1], got {rate}")
    first_hour = parse_start(start) if isinstance(start, str) else start.astimezone(UTC)
    rng = random.Random(seed)
    catalog = build_catalog(types, seed)
    if users is None:
        users = default_size(events, EVENTS_PER_USER)
    if items is None:
        items = default_size(events, EVENTS_PER_ITEM)
    user_ids = IdPopulation(users, seed, "user", USER_SKEW)
    item_ids = IdPopulation(items, seed, "item", ITEM_SKEW)
    factory = _RecordFactory(catalog, rng, late_rate, user_ids, item_ids)
    redeliveries = Redeliveries(rng)
    # Round-robin over a shuffled kind order: every kind appears once malformed >= #kinds.
    kind_order = list(KIND_NAMES)
    rng.shuffle(kind_order)
    by_kind: Counter[str] = Counter()
    type_counts: Counter[str] = Counter()
    stats = Counter()
    began = time.perf_counter()

    for hour_index, hour_events in enumerate(split_evenly(events, hours)):
        hour = first_hour + timedelta(hours=hour_index)
        hour_ms = int(hour.timestamp() * 1000)
        bound_ms = hour_ms + FUTURE_SLACK_MS
        for seq, file_events in enumerate(split_evenly(hour_events, files_per_hour)):
            key = landing_key(
                hour, seq * 3600 // files_per_hour, seq, "%08x" % rng.getrandbits(32), gzip
            )
            writer = LandingFileWriter(storage, key, gzip)
            newline = "\r\n" if rng.random() < crlf_rate else "\n"
            type_picks = rng.choices(catalog.types, cum_weights=catalog.cum_weights, k=file_events)
            lines: list[str] = []
            for et in type_picks:
                roll = rng.random()
                if roll < malformed_rate:
                    kind = kind_order[sum(by_kind.values()) % len(kind_order)]
                    category, recipe = RECIPES[kind]
                    line = recipe(rng, factory.parts(et, hour_ms), bound_ms)
                    by_kind[kind] += 1
                elif (
                    roll < malformed_rate + duplicate_rate
                    and (copy := redeliveries.pick()) is not None
                ):
                    line = copy
                    stats["duplicates"] += 1
                else:
                    line = factory.valid_line(et, hour_ms)
                    redeliveries.remember(line)
                    type_counts[et.name] += 1
                lines.append(line)
                if roll < 0.001:  # producers flush empty lines now and then
                    lines.append("")
                    stats["blank_lines"] += 1
                if len(lines) >= CHUNK_LINES:
                    writer.write((newline.join(lines) + newline).encode())
                    lines = []
            if lines:
                writer.write((newline.join(lines) + newline).encode())
            stats["bytes"] += writer.publish()
            stats["files"] += 1
            stats["crlf_files"] += newline == "\r\n"

    seconds = time.perf_counter() - began
    quarantined = sum(by_kind.values()) + stats["duplicates"]
    by_category = Counter({RECIPES[k][0]: 0 for k in KIND_NAMES})
    for kind, count in by_kind.items():
        by_category[RECIPES[kind][0]] += count
    by_category["duplicate_id"] = stats["duplicates"]
    return {
        "files_written": stats["files"],
        "bytes_written": stats["bytes"],
        "records": events,
        "lines": events + stats["blank_lines"],
        "blank_lines": stats["blank_lines"],
        "crlf_files": stats["crlf_files"],
        "expected_valid": events - quarantined,
        "expected_quarantined": quarantined,
        "expected_duplicates": stats["duplicates"],
        "expected_quarantined_by_category": dict(by_category),
        "expected_quarantined_by_kind": {k: by_kind[k] for k in KIND_NAMES},
        "late_events": factory.late,
        "types_used": len(type_counts),
        "user_population": len(user_ids),
        "item_population": len(item_ids),
        "top_types": type_counts.most_common(5),
        "arrival_hours": [
            (first_hour + timedelta(hours=h)).strftime("%Y-%m-%dT%H") for h in range(hours)
        ],
        "seconds": round(seconds, 3),
        "events_per_second": round(events / seconds) if seconds else None,
    }


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sluice-generate-events",
        description="Write synthetic Firehose-style event files to landing/events/YYYY/MM/DD/HH/.",
    )
    p.add_argument(
        "--events",
        type=int,
        default=100_000,
        help="total records (valid + malformed + redelivered)",
    )
    p.add_argument(
        "--start", default="2025-01-01T00", help="first arrival hour, UTC, 'YYYY-MM-DDTHH'"
    )
    p.add_argument("--hours", type=int, default=1, help="arrival hours; events are spread evenly")
    p.add_argument(
        "--types", type=int, default=300, help="number of event types (long-tailed frequency)"
    )
    p.add_argument(
        "--files-per-hour", type=int, default=4, help="landing files per arrival hour (default 4)"
    )
    p.add_argument("--gzip", action="store_true", help="write .jsonl.gz instead of .jsonl")
    p.add_argument(
        "--malformed-rate",
        type=float,
        default=0.02,
        help="share of malformed records, every kind in turn (default 0.02)",
    )
    p.add_argument(
        "--late-rate",
        type=float,
        default=0.02,
        help="share of events created hours to days before arrival",
    )
    p.add_argument(
        "--duplicate-rate",
        type=float,
        default=0.01,
        help="share of redeliveries of earlier valid lines",
    )
    p.add_argument(
        "--crlf-rate", type=float, default=0.2, help="share of files with CRLF line endings"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed: same seed, same files")
    p.add_argument(
        "--users",
        type=int,
        default=None,
        help=f"user population (default: events / {EVENTS_PER_USER})",
    )
    p.add_argument(
        "--items",
        type=int,
        default=None,
        help=f"item population (default: events / {EVENTS_PER_ITEM})",
    )
    p.add_argument(
        "--storage-url", default=None, help="default: $SLUICE_STORAGE_URL or .sluice/storage"
    )
    p.add_argument("--s3-endpoint-url", default=None, help="default: $SLUICE_S3_ENDPOINT_URL")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    storage = StorageResource(url=args.storage_url, s3_endpoint_url=args.s3_endpoint_url)
    try:
        summary = generate_events(
            storage,
            events=args.events,
            start=args.start,
            hours=args.hours,
            types=args.types,
            files_per_hour=args.files_per_hour,
            gzip=args.gzip,
            malformed_rate=args.malformed_rate,
            late_rate=args.late_rate,
            duplicate_rate=args.duplicate_rate,
            crlf_rate=args.crlf_rate,
            seed=args.seed,
            users=args.users,
            items=args.items,
        )
    except ValueError as err:
        print(f"sluice-generate-events: {err}", file=sys.stderr)
        return 2
    summary["storage"] = storage.resolved_url
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
