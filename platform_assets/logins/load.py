"""Loading masked logins into Postgres: COPY into a staging table, then one set-based upsert.

Everything happens on the caller's connection, inside the caller's transaction, so an hour
is loaded completely or not at all. ``ON CONFLICT (message_id) DO NOTHING`` makes redelivered
messages and re-runs no-ops: the first copy of a message wins and nothing is updated.
"""

from __future__ import annotations

from collections.abc import Iterable

COLUMNS = (
    "message_id", "user_id", "device_type", "masked_ip", "masked_device_id", "locale",
    "app_version", "app_version_num", "create_date", "encrypted_ip", "encrypted_device_id",
    "mask_key_id", "arrival_hour", "received_at", "source_key", "source_line",
)  # fmt: skip
_COLUMN_LIST = ", ".join(COLUMNS)


class UserLoginsLoad:
    """Stage rows with :meth:`stage` (bounded memory: COPY streams them), then :meth:`upsert`."""

    def __init__(self, conn):
        self.conn = conn
        self.staged = 0
        # Dropped explicitly after the upsert, so several loads can share one transaction.
        conn.execute(f"create temp table user_logins_staging as select {_COLUMN_LIST} from user_logins with no data")

    def stage(self, rows: Iterable[tuple]) -> int:
        count = 0
        with self.conn.cursor() as cur:
            with cur.copy(f"copy user_logins_staging ({_COLUMN_LIST}) from stdin") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        self.staged += count
        return count

    def upsert(self) -> int:
        """Insert the staged rows not yet in user_logins; return how many were new."""
        with self.conn.cursor() as cur:
            cur.execute(
                f"""
                insert into user_logins ({_COLUMN_LIST})
                select distinct on (message_id) {_COLUMN_LIST}
                from user_logins_staging
                order by message_id, source_key, source_line
                on conflict (message_id) do nothing
                """
            )
            inserted = cur.rowcount
            cur.execute("drop table user_logins_staging")
        return inserted
