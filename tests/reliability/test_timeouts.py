"""Bounded waits (issue 13, #14): a storage or database endpoint that accepts connections and
never answers fails the run in bounded time, naming the endpoint and the setting."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime

import pytest

from platform_assets.events.ingest import ingest_hour
from resources.postgres import PostgresResource, PostgresUnreachableError
from resources.storage import StorageAccessError, StorageConfigError, StorageResource


@pytest.fixture
def frozen_endpoint():
    """A local TCP port that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_a_frozen_s3_endpoint_fails_the_ingest_in_bounded_time(frozen_endpoint, monkeypatch):
    monkeypatch.setenv("SLUICE_S3_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("SLUICE_S3_READ_TIMEOUT", "1")
    monkeypatch.setenv("SLUICE_S3_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = f"http://127.0.0.1:{frozen_endpoint}"
    storage = StorageResource(url="s3://frozen-bucket/sluice", s3_endpoint_url=endpoint)
    started = time.monotonic()
    with pytest.raises(
        StorageAccessError, match=rf"s3://frozen-bucket/sluice/.*timeout.*{endpoint}"
    ):
        ingest_hour(storage, datetime(2025, 1, 1, 10, tzinfo=UTC))
    assert time.monotonic() - started < 20  # 2 attempts of 1 s each, plus backoff; never minutes


def test_the_default_s3_waits_add_up_to_about_a_minute(monkeypatch):
    from resources.storage import S3Timeouts

    defaults = S3Timeouts.from_environment()
    assert defaults.attempts * (defaults.connect + defaults.read) <= 60
    monkeypatch.setenv("SLUICE_S3_READ_TIMEOUT", "soon")
    with pytest.raises(StorageConfigError, match="SLUICE_S3_READ_TIMEOUT='soon' is not a number"):
        S3Timeouts.from_environment()


def test_a_frozen_postgres_fails_in_bounded_time_naming_the_server(frozen_endpoint, monkeypatch):
    monkeypatch.setenv("SLUICE_POSTGRES_CONNECT_TIMEOUT", "2")
    postgres = PostgresResource(
        url=f"postgresql://sluice:secret-pw@127.0.0.1:{frozen_endpoint}/sluice"
    )
    started = time.monotonic()
    with pytest.raises(
        PostgresUnreachableError, match=rf"127.0.0.1:{frozen_endpoint}/sluice"
    ) as failure:
        with postgres.connection():
            pass
    assert time.monotonic() - started < 15
    assert "SLUICE_POSTGRES_CONNECT_TIMEOUT=2" in str(failure.value)
    assert "secret-pw" not in str(failure.value)
