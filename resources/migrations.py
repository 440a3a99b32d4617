"""Versioned schema migrations: plain SQL files in ``resources/migrations/``, applied in order.

Each file is one version (its name without ``.sql``), applied in its own transaction and
recorded in ``schema_migrations``. A transaction-scoped advisory lock serialises concurrent
appliers (two Dagster run processes starting at once), so every version runs exactly once
and a second call is a no-op. No asset creates tables: the schema lives here only.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# An arbitrary constant that names "Sluice schema migrations" in pg_locks.
MIGRATION_LOCK_ID = 0x51_1CE_0001

_CREATE_LEDGER = """
create table if not exists schema_migrations (
    version    text primary key,
    applied_at timestamptz not null default now()
)
"""


class MigrationError(RuntimeError):
    """A migration file failed; the message names the file."""


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    """The migration files in the order they apply (by file name)."""
    return sorted(directory.glob("*.sql"), key=lambda p: p.name)


def apply_migrations(conninfo: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every migration not yet recorded; return the versions applied by this call."""
    applied: list[str] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for path in migration_files(directory):
            version = path.stem
            with conn.transaction():
                # Taken inside each transaction: a concurrent applier waits here, then sees
                # the version recorded by the winner and skips it.
                conn.execute("select pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_ID,))
                conn.execute(_CREATE_LEDGER)
                done = conn.execute(
                    "select 1 from schema_migrations where version = %s", (version,)
                ).fetchone()
                if done:
                    continue
                try:
                    conn.execute(path.read_text(encoding="utf-8"))
                except psycopg.Error as err:
                    raise MigrationError(f"migration {path.name} failed: {err}") from err
                conn.execute("insert into schema_migrations (version) values (%s)", (version,))
            applied.append(version)
    return applied
