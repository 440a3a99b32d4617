"""Compressed landing files are read only once they decompress to their end.

A ``.gz`` whose bytes are damaged (bad CRC, truncated, trailing garbage) would otherwise yield
whatever decoded before the damage, and garbage after it; every loader (events, logins) reads
through ``verified_stream`` instead, so such a file contributes no records and is quarantined
whole (``corrupt_file``) with a raw copy kept. Dagster-free and domain-free.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from resources.storage import StorageResource

CORRUPT_FILE = "corrupt_file"
COPY_BLOCK_BYTES = 1 << 20


class CorruptFileError(ValueError):
    """A compressed landing file does not decompress to its end."""


@contextmanager
def verified_stream(
    storage: StorageResource, key: str, workdir: Path | None = None
) -> Iterator[IO[bytes]]:
    """The key's bytes to read: a ``.gz`` is first decompressed whole to a local file (so a
    damaged one is known before any of its lines counts), plain files are streamed."""
    if not key.endswith(".gz"):
        with storage.open_read(key) as stream:
            yield stream
        return
    with tempfile.NamedTemporaryFile(dir=workdir, prefix="landing-") as local:
        try:
            with storage.backend.open_read(key) as raw:
                with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                    shutil.copyfileobj(unzipped, local, COPY_BLOCK_BYTES)
        except (EOFError, zlib.error, gzip.BadGzipFile) as err:
            raise CorruptFileError(f"{key}: {type(err).__name__}: {err}") from None
        local.flush()
        with open(local.name, "rb") as stream:
            yield stream


def keep_raw_copies(storage: StorageResource, prefix: str, corrupt_keys: list[str]) -> None:
    """A raw copy of each corrupt file under ``prefix`` (the hour's quarantine), named after it;
    copies of files that are no longer corrupt there (replaced, then re-run) are removed."""
    copies = {f"{prefix}{key.rsplit('/', 1)[-1]}": key for key in corrupt_keys}
    for copy, key in copies.items():
        with storage.backend.open_read(key) as raw, storage.open_write(copy) as out:
            shutil.copyfileobj(raw, out, COPY_BLOCK_BYTES)
    for obj in list(storage.list_objects(prefix)):
        if obj.key not in copies:
            storage.delete(obj.key)
