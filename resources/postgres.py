"""The platform's Postgres: a pooled psycopg 3 connection source, migrated before first use.

The URL comes from the resource's ``url`` or, when unset, from ``SLUICE_POSTGRES_URL`` read at
first use (so definitions load without a database). ``make dev`` sets that variable to the
project's embedded server when the user has none of their own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Optional
from urllib.parse import urlsplit, urlunsplit

import psycopg
from dagster import ConfigurableResource
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout
from pydantic import PrivateAttr

from resources.migrations import apply_migrations

POSTGRES_URL_VARIABLE = "SLUICE_POSTGRES_URL"

# Migrations run once per process per URL, however many resource instances share it.
_migrated_urls: set[str] = set()
_migration_lock = threading.Lock()


CONNECT_TIMEOUT_VARIABLE = "SLUICE_POSTGRES_CONNECT_TIMEOUT"
DEFAULT_CONNECT_TIMEOUT = 10  # seconds, per connection attempt (libpq connect_timeout)


class PostgresConfigError(ValueError):
    """No Postgres URL is configured."""


class PostgresUnreachableError(ConnectionError):
    """The configured Postgres does not answer; the message names the URL and its variable."""


def redacted(url: str) -> str:
    """The URL without its password, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _first_line(err: Exception) -> str:
    # psycopg's messages run over several lines (a hint on the second); the first says it.
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text.removeprefix("connection failed: ")


def connect_timeout() -> int:
    value = os.environ.get(CONNECT_TIMEOUT_VARIABLE)
    try:
        seconds = int(value) if value else DEFAULT_CONNECT_TIMEOUT
    except ValueError:
        raise PostgresConfigError(
            f"{CONNECT_TIMEOUT_VARIABLE}={value!r} is not a whole number of seconds"
        ) from None
    if seconds < 1:
        raise PostgresConfigError(f"{CONNECT_TIMEOUT_VARIABLE}={value!r} must be at least 1")
    return seconds


def bounded_conninfo(url: str) -> str:
    """``url`` with bounded waits: connect_timeout (SLUICE_POSTGRES_CONNECT_TIMEOUT) on every
    connection attempt, and TCP keepalives so a connection whose server or network died is
    dropped within about a minute instead of waiting forever. The URL's own settings win."""
    options = {
        "connect_timeout": connect_timeout(),
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
    given = conninfo_to_dict(url)
    return make_conninfo(url, **{k: v for k, v in options.items() if k not in given})


def ensure_migrated(url: str) -> None:
    """Apply pending migrations the first time this process talks to ``url``."""
    with _migration_lock:
        if url not in _migrated_urls:
            apply_migrations(url)
            _migrated_urls.add(url)


class PostgresResource(ConfigurableResource):
    """Postgres for the platform's tables (person, person_ip, gender, user_logins, ...).

    ``with pg.connection() as conn:`` lends a pooled connection; the block is one
    transaction, committed when it ends and rolled back if it raises.
    """

    url: Optional[str] = None
    pool_max_size: int = 4

    _pool = PrivateAttr(default=None)

    @property
    def resolved_url(self) -> str:
        url = self.url or os.environ.get(POSTGRES_URL_VARIABLE)
        if not url:
            raise PostgresConfigError(
                f"No Postgres configured: set {POSTGRES_URL_VARIABLE} "
                "(e.g. postgresql://user@host:5432/sluice) or give PostgresResource(url=...). "
                "`make dev` sets it to the project's embedded Postgres."
            )
        return url

    def _unreachable(self, err: Exception) -> PostgresUnreachableError:
        source = "PostgresResource(url=...)" if self.url else POSTGRES_URL_VARIABLE
        return PostgresUnreachableError(
            f"cannot reach Postgres at {redacted(self.resolved_url)} (set by {source}): "
            f"{_first_line(err)} ({CONNECT_TIMEOUT_VARIABLE}={connect_timeout()} s per attempt)"
        )

    def _get_pool(self) -> ConnectionPool:
        # A copy of this resource (Dagster makes them per run) may have closed a shared pool.
        if self._pool is None or self._pool.closed:
            url = bounded_conninfo(self.resolved_url)
            try:
                ensure_migrated(url)
            except psycopg.OperationalError as err:
                raise self._unreachable(err) from None
            # min_size=0: a run that never touches Postgres opens no connection.
            self._pool = ConnectionPool(
                url,
                min_size=0,
                max_size=self.pool_max_size,
                open=True,
                name="sluice-postgres",
                # Checked on checkout: a restarted server costs one retry, not a failed run.
                check=ConnectionPool.check_connection,
                # A checkout waits at most two connection attempts, then fails naming the server.
                timeout=2 * connect_timeout() + 1,
            )
        return self._pool

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A connection whose block is one transaction (commit on success, rollback on error)."""
        # The pool's own context commits on a clean exit and rolls back on an exception.
        with ExitStack() as stack:
            try:
                conn = stack.enter_context(self._get_pool().connection())
            except PoolTimeout as err:  # the server went away after the pool was made
                raise self._unreachable(err) from None
            yield conn

    def close(self) -> None:
        """Close the pool (tests and long-lived processes that swap URLs)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    # No teardown_after_execution on purpose: it makes Dagster treat the resource as a
    # generator, and then `build_sensor_context(repository_def=..., resources=...)` refuses
    # to run outside a `with` block. Idle pooled connections close with the process.


def relation_bytes(conn: psycopg.Connection, table: str) -> int:
    """The table's size on disk with its indexes and TOAST (a load's growth is after - before)."""
    return conn.execute("select pg_total_relation_size(%s::regclass)", (table,)).fetchone()[0]
