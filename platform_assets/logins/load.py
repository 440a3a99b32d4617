"""Loading masked logins into Postgres: COPY into a staging table, then one set-based upsert.

Everything happens on the caller's connection, inside the caller's transaction, so an hour
is loaded completely or not at all. ``ON CONFLICT (message_id) DO NOTHING`` makes redelivered
messages and re-runs no-ops: the first copy of a message wins and nothing is updated.

Should Postgres refuse a staged row that validation let through, the COPY runs in a
savepoint and the batch is bisected down to the refused rows, which :meth:`stage` returns
(file, line and SQLSTATE) for quarantine; every other row is staged.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv

COLUMNS = (
    "message_id", "user_id", "device_type", "masked_ip", "masked_device_id", "locale",
    "app_version", "app_version_num", "create_date", "encrypted_ip", "encrypted_device_id",
    "mask_key_id", "arrival_hour", "received_at", "source_key", "source_line",
)  # fmt: skip
_COLUMN_LIST = ", ".join(COLUMNS)
_MESSAGE_ID, _SOURCE_KEY, _SOURCE_LINE = (
    COLUMNS.index("message_id"),
    COLUMNS.index("source_key"),
    COLUMNS.index("source_line"),
)
_CSV_OPTIONS = pa_csv.WriteOptions(include_header=False)
# Errors caused by a row's values (data exception, integrity, limits): worth isolating.
ROW_ERRORS = (
    psycopg.errors.DataError,
    psycopg.errors.IntegrityError,
    psycopg.errors.ProgramLimitExceeded,
)


@dataclass(frozen=True)
class RefusedLogin:
    message_id: str
    source_key: str
    source_line: int
    reason: str  # postgres:<SQLSTATE>


def _reason(err: psycopg.Error) -> str:
    # psycopg refuses some values itself (a NUL byte) with no SQLSTATE: its class is 22.
    return f"postgres:{err.sqlstate or '22000'}"


class UserLoginsLoad:
    """Stage rows with :meth:`stage` (bounded memory: COPY streams them), :meth:`merge` them
    batch by batch if wanted, then :meth:`upsert` once at the end."""

    def __init__(self, conn):
        self.conn = conn
        self.staged = 0
        self.inserted = 0
        # Dropped explicitly after the upsert, so several loads can share one transaction.
        conn.execute(
            f"create temp table user_logins_staging as select {_COLUMN_LIST} from user_logins with "
            "no data"
        )

    def stage(self, rows: Iterable[tuple]) -> list[RefusedLogin]:
        """COPY ``rows`` (in COLUMNS order) into staging; return the rows Postgres refused."""
        refused: list[RefusedLogin] = []
        self._stage_isolating(list(rows), refused)
        return refused

    def stage_table(self, table: pa.Table) -> list[RefusedLogin]:
        """:meth:`stage` for an Arrow table with COLUMNS (text, or int64 for the numbers;
        nulls for NULL), sent as CSV that Arrow writes: no Python work per row. Arrow quotes
        every string, so an empty string stays empty and only a null is NULL."""
        refused: list[RefusedLogin] = []
        self._stage_isolating(table.select(list(COLUMNS)), refused)
        return refused

    def insert_new(self, table: pa.Table) -> list[RefusedLogin]:
        """Stage and merge a batch, optimistically: a batch of new messages (the usual case)
        is COPYed straight into user_logins in a savepoint, one bulk insert without the
        staging table (~20% less Postgres time). If any row is already there (a redelivery,
        a re-run, a copy earlier in the run or in this batch) or is refused, the savepoint
        undoes the whole COPY and the batch takes the exact path, stage + merge."""
        table = table.select(list(COLUMNS))
        try:
            with self.conn.transaction():
                self._copy(table, target="user_logins")
        except ROW_ERRORS:
            refused = self.stage_table(table)
            self.merge()
            return refused
        self.inserted += len(table)
        return []

    def _copy(self, rows: Sequence[tuple] | pa.Table, target="user_logins_staging") -> None:
        with self.conn.cursor() as cur:
            if isinstance(rows, pa.Table):
                csv = io.BytesIO()
                pa_csv.write_csv(rows, csv, _CSV_OPTIONS)
                sql = f"copy {target} ({_COLUMN_LIST}) from stdin (format csv)"
                with cur.copy(sql) as copy:
                    copy.write(csv.getbuffer())
                return
            with cur.copy(f"copy user_logins_staging ({_COLUMN_LIST}) from stdin") as copy:
                for row in rows:
                    copy.write_row(row)

    def _stage_isolating(self, rows: Sequence[tuple] | pa.Table, refused: list[RefusedLogin]):
        if not len(rows):
            return
        try:
            with self.conn.transaction():  # a savepoint: a refused COPY undoes only itself
                self._copy(rows)
            self.staged += len(rows)
            return
        except ROW_ERRORS as err:
            if len(rows) == 1:
                row = rows.to_pylist()[0] if isinstance(rows, pa.Table) else rows[0]
                if isinstance(row, dict):
                    row = tuple(row[c] for c in COLUMNS)
                refused.append(
                    RefusedLogin(
                        row[_MESSAGE_ID], row[_SOURCE_KEY], row[_SOURCE_LINE], _reason(err)
                    )
                )
                return
        middle = len(rows) // 2
        self._stage_isolating(rows[:middle], refused)
        self._stage_isolating(rows[middle:], refused)

    def merge(self) -> int:
        """Insert the rows staged so far that are not yet in user_logins, then empty the
        staging table; return how many were new. Batches merged in file order keep the rule
        "the first copy of a message wins" (keys in byte order, as storage lists them)."""
        with self.conn.cursor() as cur:
            cur.execute(
                f"""
                insert into user_logins ({_COLUMN_LIST})
                select distinct on (message_id) {_COLUMN_LIST}
                from user_logins_staging
                order by message_id, source_key collate "C", source_line
                on conflict (message_id) do nothing
                """
            )
            inserted = cur.rowcount
            cur.execute("truncate user_logins_staging")
        self.inserted += inserted
        return inserted

    def upsert(self) -> int:
        """Merge what is still staged and drop the staging table; return how many rows all
        merges inserted."""
        self.merge()
        self.conn.execute("drop table user_logins_staging")
        return self.inserted
