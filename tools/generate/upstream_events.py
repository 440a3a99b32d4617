"""The public upstream sample (events-upstream-default) re-shaped into our event envelope.

The sample is JSONL of ``{timestamp, event_id, domain, event_type, data}``; the platform
expects ``{data: {id, type, attributes}, meta: {created_at, ...}}``. Remapping it gives real
(not synthetic) payloads to run through the pipeline. The sample has no arrival time, so
each event "arrives" in its own event hour.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson

from resources.storage import StorageResource

SOURCE = "upstream-default"
# The repo's copy of the sample (tools/samples/SOURCES.md says where it comes from).
SAMPLE_GLOB = str(
    Path(__file__).resolve().parents[1] / "samples" / "events-upstream-default" / "*.json"
)


def upstream_created_at_ms(timestamp: str) -> int:
    """'2021-01-09T10:09:03' or '2021-01-09 10:09:03' (naive, meaning UTC) -> epoch millis."""
    parsed = datetime.fromisoformat(timestamp)
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
    return int(parsed.timestamp() * 1000)


def remap_upstream_record(record: dict) -> dict:
    event_type = f"{record['domain']}.{record['event_type']}".replace("/", ".")
    return {
        "data": {"id": record["event_id"], "type": event_type, "attributes": record["data"]},
        "meta": {"created_at": upstream_created_at_ms(record["timestamp"]), "source": SOURCE},
    }


def _remapped_with_hour(lines: Iterable[bytes | str]) -> Iterator[tuple[int, bytes]]:
    for raw in lines:
        if not raw.strip():
            continue
        envelope = remap_upstream_record(orjson.loads(raw))
        yield envelope["meta"]["created_at"] // 3_600_000, orjson.dumps(envelope)


def remap_upstream_sample(lines: Iterable[bytes | str]) -> Iterator[bytes]:
    """Envelope JSON lines (no newline) for upstream sample lines; blank lines skipped."""
    for _, line in _remapped_with_hour(lines):
        yield line


def write_upstream_sample(storage: StorageResource, paths: list[str] | None = None) -> dict:
    """Land the sample as one file per event hour; return {key: line count}.

    The sample is a few thousand lines, so grouping by hour in memory is fine here.
    """
    paths = sorted(paths if paths is not None else glob.glob(SAMPLE_GLOB))
    if not paths:
        raise FileNotFoundError(f"no upstream sample files found (looked for {SAMPLE_GLOB})")
    by_hour: dict[int, list[bytes]] = defaultdict(list)
    for path in paths:
        with open(path, "rb") as f:
            for hour, line in _remapped_with_hour(f):
                by_hour[hour].append(line)
    written = {}
    for hour_index in sorted(by_hour):
        hour = datetime.fromtimestamp(hour_index * 3600, tz=UTC)
        key = (
            f"landing/events/{hour:%Y/%m/%d/%H}/upstream-{hour:%Y%m%d%H}0000-000000-{SOURCE}.jsonl"
        )
        storage.put_bytes(key, b"\n".join(by_hour[hour_index]) + b"\n")
        written[key] = len(by_hour[hour_index])
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="Land the public upstream event sample in our envelope."
    )
    p.add_argument("paths", nargs="*", help=f"sample files (default {SAMPLE_GLOB})")
    p.add_argument("--storage-url", default=None)
    p.add_argument("--s3-endpoint-url", default=None)
    args = p.parse_args(argv)
    storage = StorageResource(url=args.storage_url, s3_endpoint_url=args.s3_endpoint_url)
    try:
        written = write_upstream_sample(storage, args.paths or None)
    except (FileNotFoundError, KeyError, ValueError) as err:
        print(f"upstream_sample: {err!r}", file=sys.stderr)
        return 2
    print(json.dumps({"files": len(written), "events": sum(written.values())}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
