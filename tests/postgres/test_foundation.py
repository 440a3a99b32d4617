"""Migrations, the Postgres resource and the embedded server helpers."""

import threading

import psycopg
import pytest

from resources.migrations import apply_migrations, migration_files
from resources.postgres import PostgresConfigError, PostgresResource
from tools.embedded_postgres import to_sqlalchemy_psycopg2_url, with_database


def test_migrations_are_recorded_and_idempotent(postgres_database_factory):
    url = postgres_database_factory("sluice_migrate")
    versions = [p.stem for p in migration_files()]
    assert versions[0] == "0001_persons"
    assert apply_migrations(url) == versions
    assert apply_migrations(url) == []
    with psycopg.connect(url) as conn:
        recorded = [
            r[0] for r in conn.execute("select version from schema_migrations order by version")
        ]
    assert recorded == versions


def test_concurrent_appliers_apply_each_version_once(postgres_database_factory):
    url = postgres_database_factory("sluice_migrate")
    results, errors = [], []

    def apply():
        try:
            results.append(apply_migrations(url))
        except Exception as err:  # noqa: BLE001 (collected and asserted below)
            errors.append(err)

    threads = [threading.Thread(target=apply) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    applied = sorted(v for r in results for v in r)
    assert applied == sorted(p.stem for p in migration_files())


def test_resource_migrates_on_first_use_and_scopes_transactions(postgres_database_factory):
    url = postgres_database_factory("sluice_resource")
    pg = PostgresResource(url=url)
    try:
        with pg.connection() as conn:  # first use applies the migrations
            assert conn.execute("select count(*) from gender").fetchone()[0] == 8
        with pytest.raises(RuntimeError):
            with pg.connection() as conn:
                conn.execute("insert into gender (gender_type) values ('rolled-back')")
                raise RuntimeError("boom")
        with pg.connection() as conn:
            conn.execute("insert into gender (gender_type) values ('committed')")
        with pg.connection() as conn:
            kinds = {r[0] for r in conn.execute("select gender_type from gender")}
        assert "committed" in kinds and "rolled-back" not in kinds
    finally:
        pg.close()


def test_resource_without_url_names_the_variable(monkeypatch):
    monkeypatch.delenv("SLUICE_POSTGRES_URL", raising=False)
    with pytest.raises(PostgresConfigError, match="SLUICE_POSTGRES_URL"):
        PostgresResource().resolved_url


def test_resource_reads_url_from_environment_at_first_use(monkeypatch, postgres_url):
    pg = PostgresResource()
    monkeypatch.setenv("SLUICE_POSTGRES_URL", postgres_url)
    assert pg.resolved_url == postgres_url


@pytest.mark.parametrize(
    "url,expected",
    [
        ("postgresql://u@h:5432/db", "postgresql+psycopg2://u@h:5432/db"),
        ("postgres://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("postgresql+psycopg://u@/db?host=/tmp/x", "postgresql+psycopg2://u@/db?host=/tmp/x"),
    ],
)
def test_sqlalchemy_url(url, expected):
    assert to_sqlalchemy_psycopg2_url(url) == expected


def test_with_database_keeps_socket_host():
    assert (
        with_database("postgresql://postgres@/postgres?host=/tmp/s", "x")
        == "postgresql://postgres@/x?host=/tmp/s"
    )
