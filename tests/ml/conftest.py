"""Iris fixtures: sample files, a real HTTP server on 127.0.0.1, a storage root per test."""

from __future__ import annotations

import functools
import http.server
import random
import socket
import threading
from pathlib import Path

import pytest

from resources.storage import StorageResource

SHIPPED = Path(__file__).resolve().parents[2] / "ml" / "iris.csv"


@pytest.fixture
def iris_csv() -> Path:
    """The published Iris CSV as the repo ships it (the default source of iris_dataset)."""
    return SHIPPED


@pytest.fixture
def storage(tmp_path) -> StorageResource:
    return StorageResource(url=str(tmp_path / "storage"))


@pytest.fixture
def files(tmp_path) -> Path:
    directory = tmp_path / "served"
    directory.mkdir()
    return directory


@pytest.fixture
def http_root(files):
    """Serves ``files`` over real HTTP on 127.0.0.1; yields the base URL."""
    handler = functools.partial(QuietHandler, directory=str(files))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (the port was just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/iris.csv"


def shuffled_labels(data: bytes, seed: int = 7) -> bytes:
    """The same rows with the species column permuted: valid data a model cannot learn."""
    header, *rows = data.decode().strip().splitlines()
    fields = [row.rsplit(",", 1) for row in rows]
    labels = [label for _, label in fields]
    random.Random(seed).shuffle(labels)
    return "\n".join([header] + [f"{m},{s}" for (m, _), s in zip(fields, labels)]).encode() + b"\n"
