"""Foreign keys checked once per load instead of once per row, for loads large next to
their tables.

Postgres checks ``person.gender_id`` and ``person_ip.person_id`` with a trigger per inserted
row (~40% of a large insert, EXPLAIN ANALYZE). For a file that is large next to person_ip,
and bringing many new persons (a sample of its emails is looked up first),
the load drops both constraints inside its transaction and adds them back before commit:
adding a foreign key validates every row in one anti-join, so a row that breaks it still
fails the load, and the constraints are exactly as before (same names, pg_get_constraintdef).

The price: dropping a constraint takes an ACCESS EXCLUSIVE lock on both tables, so readers of
person/person_ip wait until the load commits. Hence only for large loads (BULK_MIN_ROWS, and
at least BULK_FRACTION of person_ip's size, since the final check reads the whole table), and
only when the loading role owns the tables; otherwise the per-row triggers stay.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import sql

BULK_MIN_ROWS = 50_000
BULK_FRACTION = 0.25
# How many of the file's first emails are looked up to estimate its share of new persons.
SAMPLE_EMAILS = 10_000
# Bytes per person_ip row on disk (tuple header + int + inet + line pointer), for an estimate
# of its size without counting it.
PERSON_IP_ROW_BYTES = 44

_FOREIGN_KEYS = """
select c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
from pg_constraint c join pg_class t on t.oid = c.conrelid
where c.contype = 'f' and c.conrelid in ('person'::regclass, 'person_ip'::regclass)
order by c.conname
"""

_OWNS_BOTH = """
select bool_and(pg_has_role(current_user, relowner, 'USAGE'))
from pg_class where oid in ('person'::regclass, 'person_ip'::regclass)
"""


def _new_fraction(conn: psycopg.Connection, emails: Sequence[str]) -> float:
    """The share of ``emails`` (a sample of the file's) not yet in person."""
    sample = list(emails[:SAMPLE_EMAILS])
    if not sample:
        return 0.0
    new = conn.execute(
        "select count(*) from unnest(%s::text[]) e(email)"
        " where not exists (select 1 from person p where p.email = e.email)",
        (sample,),
    ).fetchone()[0]
    return new / len(sample)


def use_bulk_checks(conn: psycopg.Connection, rows: int, emails: Sequence[str]) -> bool:
    """True when a file of ``rows`` rows (``emails``: its first valid emails) brings enough
    new persons for one check of the whole tables to beat a check per inserted row."""
    if rows < BULK_MIN_ROWS:
        return False
    new_rows = rows * _new_fraction(conn, emails)
    size = conn.execute("select pg_relation_size('person_ip')").fetchone()[0]
    if new_rows < BULK_MIN_ROWS or new_rows < BULK_FRACTION * size / PERSON_IP_ROW_BYTES:
        return False
    return bool(conn.execute(_OWNS_BOTH).fetchone()[0])


def suspend_foreign_keys(
    conn: psycopg.Connection, rows: int, emails: Sequence[str]
) -> list[tuple[str, str, str]]:
    """Drop person's and person_ip's foreign keys when a load is worth it (use_bulk_checks);
    return what restore_foreign_keys needs (empty: nothing dropped). In the load's transaction."""
    if not use_bulk_checks(conn, rows, emails):
        return []
    keys = conn.execute(_FOREIGN_KEYS).fetchall()
    for table, name, _definition in keys:
        conn.execute(
            sql.SQL("alter table {} drop constraint {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
    return keys


def restore_foreign_keys(conn: psycopg.Connection, keys: list[tuple[str, str, str]]) -> None:
    """Add the dropped keys back; each checks every row of its table once (a set-based join)."""
    for table, name, definition in keys:
        conn.execute(
            sql.SQL("alter table {} add constraint {} {}").format(
                sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
            )
        )
