"""The synthetic event generator, and the DuckDB baseline checked against the rules in Python."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from resources.storage import StorageResource
from tools.bench.duckdb_events_baseline import ingest_with_duckdb
from tools.generate.events import generate_events, main
from tools.generate.malformed_events import KIND_NAMES
from tools.generate.upstream_events import remap_upstream_sample, write_upstream_sample

START = datetime(2025, 3, 4, 5, tzinfo=UTC)
KEY_PATTERN = re.compile(
    r"landing/events/(\d{4})/(\d{2})/(\d{2})/(\d{2})/events-(\d{14})-(\d{6})-[0-9a-f]{8}\.jsonl(\.gz)?"
)

# ---- a pure-Python reading of the rules, independent of the generator and of DuckDB ----

TYPE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
MIN_MS = 946_684_800_000


def _reject_constant(name):  # NaN / Infinity are not JSON
    raise ValueError(name)


def violation(line: bytes, hour_ms: int) -> str | None:
    """The first rule a line breaks, in fine-grained terms; None if it is valid."""
    try:
        doc = json.loads(line, parse_constant=_reject_constant)
    except ValueError:
        return "invalid_json"
    if not isinstance(doc, dict):
        return f"top_level_{type(doc).__name__}"
    data, meta = doc.get("data"), doc.get("meta")
    if "data" not in doc:
        return "missing_data"
    if not isinstance(data, dict):
        return "data_not_object"
    if "id" not in data:
        return "missing_id"
    if not isinstance(data["id"], str):
        return "id_not_string"
    if data["id"] == "":
        return "empty_id"
    if "type" not in data:
        return "missing_type"
    if not isinstance(data["type"], str):
        return "type_not_string"
    if not TYPE_RE.fullmatch(data["type"]):
        return "bad_type"
    if not isinstance(data.get("attributes"), dict):
        return "attributes_missing_or_not_object"
    if "meta" not in doc:
        return "missing_meta"
    if not isinstance(meta, dict):
        return "meta_not_object"
    if "created_at" not in meta:
        return "missing_created_at"
    created_at = meta["created_at"]
    if isinstance(created_at, bool) or not isinstance(created_at, int):
        return f"created_at_{type(created_at).__name__}"
    if not MIN_MS <= created_at <= hour_ms + 25 * 3_600_000:
        return "created_at_out_of_range"
    return None


def landing_lines(root: Path):
    """(key, arrival hour ms, line number, raw line) for every record, in ingest order."""
    base = root / "landing" / "events"
    for hour_dir in sorted(p for p in base.glob("*/*/*/*") if p.is_dir()):
        hour = datetime.strptime("/".join(hour_dir.parts[-4:]), "%Y/%m/%d/%H").replace(tzinfo=UTC)
        for path in sorted(hour_dir.iterdir(), key=lambda p: p.name.encode()):
            raw = path.read_bytes()
            text = gzip.decompress(raw) if path.name.endswith(".gz") else raw
            for number, line in enumerate(
                text.split(b"\n")[: -1 if text.endswith(b"\n") else None], 1
            ):
                line = line.removesuffix(b"\r")
                if line.strip():
                    yield str(path), int(hour.timestamp() * 1000), number, line


def reference(root: Path) -> dict:
    first_seen: dict[str, bytes] = {}
    out = {"read": 0, "valid": 0, "duplicates": set(), "violations": {}, "redeliveries": []}
    for key, hour_ms, number, line in landing_lines(root):
        out["read"] += 1
        problem = violation(line, hour_ms)
        if problem:
            out["violations"].setdefault(problem, []).append(line)
            continue
        event_id = json.loads(line)["data"]["id"]
        if event_id in first_seen:
            out["duplicates"].add((key, number))
            out["redeliveries"].append((first_seen[event_id], line, hour_ms))
        else:
            first_seen[event_id] = line
            out["valid"] += 1
    out["first_seen_ids"] = set(first_seen)
    return out


# ---- tests ----


@pytest.fixture
def storage(tmp_path) -> StorageResource:
    return StorageResource(url=str(tmp_path / "storage"))


def _keys(storage: StorageResource) -> list[str]:
    return [o.key for o in storage.list_objects("landing/events/")]


def test_files_land_under_their_arrival_hour_in_arrival_order(storage):
    summary = generate_events(
        storage, events=900, start="2025-03-04T05", hours=3, files_per_hour=3, seed=1
    )
    keys = _keys(storage)
    assert len(keys) == summary["files_written"] == 9
    for key in keys:
        y, mo, d, h, stamp, _seq, gz = KEY_PATTERN.fullmatch(key).groups()
        assert gz is None
        assert stamp.startswith(f"{y}{mo}{d}{h}")
    hours = sorted({key.split("/")[5] for key in keys})
    assert hours == ["05", "06", "07"]
    # Key order within an hour is the order the files were written (sequence numbers).
    for hour in hours:
        seqs = [KEY_PATTERN.fullmatch(k).group(6) for k in keys if k.split("/")[5] == hour]
        assert seqs == sorted(seqs) == ["000000", "000001", "000002"]


def test_gzip_files_are_readable_and_hold_every_record(storage, tmp_path):
    summary = generate_events(storage, events=500, start=START, hours=2, gzip=True, seed=2)
    keys = _keys(storage)
    assert keys and all(k.endswith(".jsonl.gz") for k in keys)
    records = sum(
        1
        for k in keys
        for line in gzip.decompress((tmp_path / "storage" / k).read_bytes()).splitlines()
        if line.strip()
    )
    assert records == summary["records"] == 500


def test_redeliveries_are_byte_copies_of_earlier_valid_lines(storage, tmp_path):
    summary = generate_events(
        storage, events=4000, start=START, hours=4, duplicate_rate=0.05, seed=3
    )
    ref = reference(tmp_path / "storage")
    assert len(ref["duplicates"]) == summary["expected_duplicates"] > 0
    for original, copy, _ in ref["redeliveries"]:
        assert copy == original
    # Some arrive in a later hour than the original: the lake, not the hour, dedups them.
    first_hour_ms = int(START.timestamp() * 1000)
    assert any(hour_ms > first_hour_ms for *_, hour_ms in ref["redeliveries"])


def test_every_malformed_kind_is_present(storage, tmp_path):
    summary = generate_events(
        storage, events=3000, start=START, hours=2, malformed_rate=0.05, seed=4
    )
    assert all(summary["expected_quarantined_by_kind"][kind] > 0 for kind in KIND_NAMES)
    found = reference(tmp_path / "storage")["violations"]
    assert {
        "invalid_json",
        "top_level_list",
        "top_level_int",
        "top_level_str",
        "missing_data",
        "data_not_object",
        "missing_id",
        "empty_id",
        "id_not_string",
        "missing_type",
        "type_not_string",
        "bad_type",
        "attributes_missing_or_not_object",
        "missing_meta",
        "meta_not_object",
        "missing_created_at",
        "created_at_bool",
        "created_at_float",
        "created_at_str",
        "created_at_out_of_range",
    } <= set(found)
    bad_types = [json.loads(line)["data"]["type"] for line in found["bad_type"]]
    for looks_like in [
        lambda t: "/" in t,
        lambda t: t.startswith(".."),
        lambda t: " " in t,
        lambda t: not t.isascii(),
        lambda t: len(t) == 129,
        lambda t: t.endswith("\n"),
        lambda t: t == "",
    ]:
        assert any(looks_like(t) for t in bad_types)
    out_of_range = [
        json.loads(line)["meta"]["created_at"] for line in found["created_at_out_of_range"]
    ]
    assert any(ms < MIN_MS for ms in out_of_range) and any(ms > 2**63 - 1 for ms in out_of_range)
    # Too far in the future, yet a plausible int64: the arrival-hour bound, not the type,
    # rejects it.
    assert any(int(START.timestamp() * 1000) < ms < 2**63 for ms in out_of_range)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    def run(name, seed):
        root = tmp_path / name
        generate_events(
            StorageResource(url=str(root)), events=700, start=START, hours=2, gzip=True, seed=seed
        )
        return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*.gz"))}

    assert run("a", 7) == run("b", 7)
    assert run("a", 7) != run("c", 8)


def test_duckdb_baseline_agrees_with_the_rules(storage, tmp_path):
    # Two deliveries into one landing area: gzip then plain, CRLF files, redeliveries across both.
    generate_events(
        storage,
        events=3000,
        start=START,
        hours=2,
        gzip=True,
        duplicate_rate=0.05,
        malformed_rate=0.05,
        crlf_rate=0.5,
        seed=5,
    )
    generate_events(
        storage,
        events=2000,
        start=START + timedelta(hours=2),
        hours=2,
        duplicate_rate=0.05,
        malformed_rate=0.05,
        crlf_rate=0.5,
        seed=6,
    )
    root = tmp_path / "storage"
    ref = reference(root)
    out = tmp_path / "duckdb_out"
    got = ingest_with_duckdb(
        root / "landing" / "events", out, [START + timedelta(hours=h) for h in range(4)]
    )

    assert got["read"] == ref["read"] == 5000
    assert got["valid"] == ref["valid"]
    assert got["quarantined"] == ref["read"] - ref["valid"]
    assert got["duplicates"] == len(ref["duplicates"])
    with duckdb.connect() as con:
        dup_rows = con.execute(f"""
            SELECT source_key, line_number FROM read_parquet('{out}/quarantine/**/*.parquet')
            WHERE list_contains(reasons, 'duplicate_id')""").fetchall()
        lake_ids = {
            r[0]
            for r in con.execute(
                f"SELECT event_id FROM read_parquet('{out}/lake/**/*.parquet')"
            ).fetchall()
        }
    assert set(dup_rows) == ref["duplicates"]  # the same line lost, not just the same count
    assert lake_ids == ref["first_seen_ids"]


def test_user_ids_come_from_a_bounded_long_tailed_population(storage, tmp_path):
    summary = generate_events(storage, events=20_000, start=START, hours=2, seed=11)
    assert summary["user_population"] == 1000  # one user per 20 events
    per_user: Counter = Counter()
    non_string = 0
    for _key, hour_ms, _number, line in landing_lines(tmp_path / "storage"):
        if violation(line, hour_ms) is not None:
            continue
        attributes = json.loads(line)["data"]["attributes"]
        if isinstance(attributes.get("user_id"), str):
            per_user[attributes["user_id"]] += 1
        elif "user_id" in attributes:
            non_string += 1
    assert 900 <= len(per_user) <= 1000  # bounded: nearly every member shows up, no others
    counts = sorted(per_user.values(), reverse=True)
    # Long-tailed: the top 10% of users make over a quarter of the events (uniform: a tenth),
    # and the most active user is far above the median.
    assert sum(counts[:100]) > 0.25 * sum(counts) and counts[0] > 20 * counts[len(counts) // 2]
    assert non_string > 0  # a legacy producer sends numbers: the lake's user_id is then null


def test_cli_prints_a_summary(tmp_path, capsys):
    assert (
        main(
            ["--events", "200", "--hours", "2", "--storage-url", str(tmp_path / "s"), "--seed", "9"]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["records"] == 200 and summary["files_written"] == 8


def test_upstream_sample_becomes_valid_envelopes(storage, tmp_path, sample_data):
    sample = sorted((sample_data / "events-upstream-default").glob("*.json"))
    first = json.loads(next(remap_upstream_sample(sample[0].read_bytes().splitlines())))
    assert (
        first["data"]["type"] == "transaction.creation"
        and first["meta"]["source"] == "upstream-default"
    )
    written = write_upstream_sample(storage, [str(p) for p in sample])
    ref = reference(tmp_path / "storage")
    assert ref["read"] == sum(written.values()) and not ref["violations"]
    # The sample re-sends ~1k events: same event_id and data, a timestamp seconds later.
    assert ref["valid"] + len(ref["duplicates"]) == ref["read"] and ref["duplicates"]
