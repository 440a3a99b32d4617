"""Person load benchmark: a 1M-row file to the three tables (validation included), as inserts
and as updates, against the take-home baseline (take_home_people_baseline.py) in the same run.

Run alone: ``python -m tools.bench.bench_people [WORKDIR]``. Uses SLUICE_TEST_POSTGRES_URL
when set (a server where it may create a database), else an embedded server under WORKDIR.
SLUICE_BENCH_PERSON_ROWS (1M) and SLUICE_BENCH_PERSON_BASELINE_ROWS (100k; the baseline is
per-row, so it runs on fewer rows and is compared in rows/s) size the run.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg

from platform_assets.people.load import copy_to_staging
from platform_assets.people.pipeline import validate_and_load
from platform_assets.people.read_csv import read_person_csv
from platform_assets.people.validate import validate_persons
from resources.migrations import apply_migrations
from tools.bench.take_home_people_baseline import take_home_load
from tools.embedded_postgres import create_database, drop_database, start_embedded_postgres

ROWS = int(os.environ.get("SLUICE_BENCH_PERSON_ROWS", 1_000_000))
BASELINE_ROWS = int(os.environ.get("SLUICE_BENCH_PERSON_BASELINE_ROWS", 100_000))
TARGET_ROWS_PER_S = 50_000
TARGET_SPEEDUP = 2
GENDERS = np.array(
    [
        "Male",
        "Female",
        "Polygender",
        "Bigender",
        "Genderqueer",
        "Agender",
        "Non-binary",
        "Genderfluid",
        "",
    ]
)


def generate_persons(rows: int, seed: int = 0) -> pd.DataFrame:
    """Raw person rows as a landing file would carry them (unique emails, IPv4 addresses)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, rows + 1)
    octets = rng.integers(1, 255, size=(rows, 4)).astype(str)
    return pd.DataFrame(
        {
            "id": ids.astype(str),
            "first_name": pd.Series(rng.integers(0, 5000, rows)).map("First{}".format),
            "last_name": pd.Series(rng.integers(0, 20000, rows)).map("Last{}".format),
            "email": pd.Series(ids).map("person{}@example.com".format),
            "gender": GENDERS[rng.integers(0, len(GENDERS), rows)],
            "ip_address": pd.Series(octets[:, 0]).str.cat(list(octets[:, 1:].T), sep="."),
        }
    )


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def _file_to_tables(url: str, path: Path):
    """What the person_file asset does with a file: read, then validate and load overlapped,
    in one transaction."""
    with psycopg.connect(url) as conn, open(path, "rb") as f:
        raw = read_person_csv(f, f"landing/persons/{path.name}")
        validation, counts = validate_and_load(conn, raw)
    assert len(validation.rejected) == 0, validation.reason_counts
    return counts


def _fresh_database(server_url: str, names: list[str]) -> str:
    names.append(f"sluice_bench_{uuid.uuid4().hex[:8]}")
    url = create_database(server_url, names[-1], exist_ok=False)
    apply_migrations(url)
    return url


def _server_url(workdir: Path):
    url = os.environ.get("SLUICE_TEST_POSTGRES_URL")
    if url:
        return url, None
    server = start_embedded_postgres(workdir / "bench-postgres")
    return server.url, server


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def _parts(path: Path, url: str) -> dict[str, float]:
    """Where the time goes, each part alone: read, validate (one thread), COPY of the rows."""
    with open(path, "rb") as f:
        raw, read_s = _timed(lambda: read_person_csv(f, "landing/persons/x.csv"))
    validation, validate_s = _timed(lambda: validate_persons(raw))
    with psycopg.connect(url) as conn:
        _, copy_s = _timed(lambda: copy_to_staging(conn, validation.valid))
    return {"read_s": read_s, "validate_s": validate_s, "copy_only_s": copy_s}


def run(workdir: Path) -> tuple[dict, str]:
    workdir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]  # other work on the machine slows every row of the table
    server_url, server = _server_url(workdir)
    databases = []
    try:
        people = generate_persons(ROWS)
        inserts = _write(people, workdir / "persons_bench.csv")
        updates = _write(
            people.assign(last_name=people["last_name"] + "-b"), workdir / "persons_upd.csv"
        )
        small = people.iloc[:BASELINE_ROWS]
        small_inserts = _write(small, workdir / "persons_small.csv")
        small_updates = _write(
            small.assign(last_name=small["last_name"] + "-b"), workdir / "persons_small_upd.csv"
        )

        url = _fresh_database(server_url, databases)
        insert_counts, insert_s = _timed(lambda: _file_to_tables(url, inserts))
        update_counts, update_s = _timed(lambda: _file_to_tables(url, updates))
        noop_counts, noop_s = _timed(lambda: _file_to_tables(url, updates))
        parts = _parts(inserts, url)

        base_url = _fresh_database(server_url, databases)
        _, base_insert_s = _timed(lambda: take_home_load(base_url, small_inserts))
        _, base_update_s = _timed(lambda: take_home_load(base_url, small_updates))
    finally:
        for name in databases:
            drop_database(server_url, name)
        if server is not None:
            server.stop()

    rate = {
        "insert": ROWS / insert_s, "update": ROWS / update_s, "noop": ROWS / noop_s,
        "baseline_insert": BASELINE_ROWS / base_insert_s,
        "baseline_update": BASELINE_ROWS / base_update_s,
    }  # fmt: skip
    speedup_insert = rate["insert"] / rate["baseline_insert"]
    speedup_update = rate["update"] / rate["baseline_update"]
    meets = (
        min(rate["insert"], rate["update"]) >= TARGET_ROWS_PER_S
        and min(speedup_insert, speedup_update) >= TARGET_SPEEDUP
    )
    results = {
        "rows": ROWS,
        "baseline_rows": BASELINE_ROWS,
        "server": "SLUICE_TEST_POSTGRES_URL" if server is None else "embedded",
        "load_average_1m": {"before": round(load_before, 1), "after": round(os.getloadavg()[0], 1)},
        "file_to_tables_insert_s": round(insert_s, 2),
        "file_to_tables_update_s": round(update_s, 2),
        "file_to_tables_noop_s": round(noop_s, 2),
        "rows_per_s": {k: round(v) for k, v in rate.items()},
        "counts": {
            "insert": insert_counts.as_dict(),
            "update": update_counts.as_dict(),
            "noop": noop_counts.as_dict(),
        },
        "parts_s": {k: round(v, 2) for k, v in parts.items()},
        "speedup_insert_vs_take_home": round(speedup_insert, 1),
        "speedup_update_vs_take_home": round(speedup_update, 1),
        "target": f">= {TARGET_ROWS_PER_S} rows/s and >= {TARGET_SPEEDUP}x the take-home baseline",
        "meets_target": meets,
    }  # fmt: skip
    markdown = "\n".join(
        [
            f"## Persons: a {ROWS:,}-row file to person / person_ip / gender ({results['server']})",
            "",
            "File to tables as the `person_file` asset runs it: read, pandera + email-validator "
            "(each distinct domain validated once) + IPv4 by one regex pass (others by ipaddress), "
            "validation of each 250k-row batch overlapped with Postgres merging the batch before "
            "it, foreign keys checked once per load when the file brings many new persons "
            "(people/bulk_keys.py), one transaction.",
            "",
            "| run | rows | seconds | rows/s |",
            "|---|---:|---:|---:|",
            f"| file to tables, new persons | {ROWS:,} | {insert_s:.2f} | {rate['insert']:,.0f} |",
            f"| file to tables, every person updated | {ROWS:,} | {update_s:.2f} | "
            f"{rate['update']:,.0f} |",
            f"| the same file again, nothing changes | {ROWS:,} | {noop_s:.2f} | "
            f"{rate['noop']:,.0f} |",
            f"| take-home baseline, new persons | {BASELINE_ROWS:,} | {base_insert_s:.2f} | "
            f"{rate['baseline_insert']:,.0f} |",
            f"| take-home baseline, every person updated | {BASELINE_ROWS:,} | "
            f"{base_update_s:.2f} | {rate['baseline_update']:,.0f} |",
            "",
            f"Where the time goes (each part alone, {ROWS:,} rows): read {parts['read_s']:.2f} s, "
            f"validate {parts['validate_s']:.2f} s (one thread), COPY of the rows into one "
            f"unindexed table {parts['copy_only_s']:.2f} s; the rest of the load is Postgres "
            "maintaining the unique indexes, joining each batch to person, and (updates) writing "
            "new row versions; see docs/people.md, Where the time goes.",
            "",
            f"Machine load average (1 min) {load_before:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after "
            "the run, on the CPUs above: both sides of the comparison shared it.",
            "",
            f"vs take-home: inserts **{speedup_insert:.1f}x**, updates **{speedup_update:.1f}x**. "
            f"Target (>= {TARGET_ROWS_PER_S:,} rows/s and >= {TARGET_SPEEDUP}x, inserts and "
            f"updates): {'met' if meets else 'NOT met'}.",
        ]
    )
    return results, markdown


def main() -> None:
    workdir = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(tempfile.mkdtemp(prefix="sluice-bench-people-"))
    )
    results, markdown = run(workdir)
    print(json.dumps(results, indent=2))
    print()
    print(markdown)


if __name__ == "__main__":
    main()
