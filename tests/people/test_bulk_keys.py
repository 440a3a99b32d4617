"""Large person loads check foreign keys once per load: the constraints come back exactly,
and a row that breaks one still fails the load."""

import psycopg
import pytest

from platform_assets.people.bulk_keys import (
    BULK_MIN_ROWS,
    restore_foreign_keys,
    suspend_foreign_keys,
    use_bulk_checks,
)

NEW_EMAILS = ["someone.new@example.com"]
FOREIGN_KEYS = """
select conrelid::regclass::text, conname, pg_get_constraintdef(oid) from pg_constraint
where contype = 'f' and conrelid in ('person'::regclass, 'person_ip'::regclass) order by 2
"""


def test_a_large_load_drops_and_restores_the_same_foreign_keys(postgres, clean_postgres):
    with postgres.connection() as conn:
        before = conn.execute(FOREIGN_KEYS).fetchall()
        assert len(before) == 2
        dropped = suspend_foreign_keys(conn, BULK_MIN_ROWS, NEW_EMAILS)
        assert sorted(dropped) == sorted(before)
        assert conn.execute(FOREIGN_KEYS).fetchall() == []
        restore_foreign_keys(conn, dropped)
        assert conn.execute(FOREIGN_KEYS).fetchall() == before


def test_small_loads_keep_per_row_checks(postgres, clean_postgres):
    with postgres.connection() as conn:
        assert not use_bulk_checks(conn, BULK_MIN_ROWS - 1, NEW_EMAILS)
        assert suspend_foreign_keys(conn, 10, NEW_EMAILS) == []
        assert len(conn.execute(FOREIGN_KEYS).fetchall()) == 2


def test_a_file_of_known_persons_keeps_per_row_checks(postgres, clean_postgres):
    with postgres.connection() as conn:
        conn.execute(
            "insert into person (first_name, last_name, email) values ('A', 'B', 'a@x.org')"
        )
        assert use_bulk_checks(conn, BULK_MIN_ROWS, ["new@x.org"])
        assert not use_bulk_checks(conn, BULK_MIN_ROWS, ["a@x.org"])  # an update: nothing new


def test_a_row_breaking_a_key_still_fails_the_load(postgres, clean_postgres):
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        with postgres.connection() as conn:
            dropped = suspend_foreign_keys(conn, BULK_MIN_ROWS, NEW_EMAILS)
            conn.execute("insert into person_ip (person_id, ip) values (424242, '10.0.0.1')")
            restore_foreign_keys(conn, dropped)
    with postgres.connection() as conn:  # rolled back: keys and tables as before
        assert len(conn.execute(FOREIGN_KEYS).fetchall()) == 2
        assert conn.execute("select count(*) from person_ip").fetchone()[0] == 0
