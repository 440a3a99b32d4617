"""Validate a person file batch by batch while Postgres merges the batch before it.

Validation is Python (one core) and the merge is Postgres (another core): overlapping them
makes a file take about the longer of the two instead of their sum. Batches are merged in
file order on one connection, inside the caller's transaction, so the last row of an email
still wins and a failure still leaves the tables as they were.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd
import psycopg

from platform_assets.people.bulk_keys import restore_foreign_keys, suspend_foreign_keys
from platform_assets.people.load import (
    PersonLoadCounts,
    RefusedRow,
    begin_person_load,
    load_counts,
    merge_persons,
)
from platform_assets.people.validate import PersonValidation, validate_persons

BATCH_ROWS = 250_000


def validate_and_load(
    conn: psycopg.Connection, raw: pd.DataFrame, batch_rows: int = BATCH_ROWS
) -> tuple[PersonValidation, PersonLoadCounts]:
    """validate_persons + load_persons over ``raw`` (read_person_csv's frame), overlapped."""
    begin_person_load(conn)
    dropped_keys: list = []
    refused: list[RefusedRow] = []
    counts: Counter = Counter()
    parts: list[PersonValidation] = []
    # One loader thread: the connection is used by one thread at a time, batches in order.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="person-merge") as loader:
        pending: Future | None = None
        for start in range(0, max(len(raw), 1), batch_rows):
            part = validate_persons(raw.iloc[start : start + batch_rows])
            parts.append(part)
            if start == 0:  # before the first merge: the first batch shows how many are new
                dropped_keys = suspend_foreign_keys(conn, len(raw), part.valid["email"].tolist())
            if pending is not None:
                counts += pending.result()
            pending = loader.submit(merge_persons, conn, part.valid, refused)
        if pending is not None:
            counts += pending.result()
    restore_foreign_keys(conn, dropped_keys)
    validation = PersonValidation(
        valid=pd.concat([p.valid for p in parts], ignore_index=True),
        rejected=pd.concat([p.rejected for p in parts], ignore_index=True),
    )
    return validation, load_counts(counts, refused)
