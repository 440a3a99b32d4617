"""The storage resource: one storage root, local directory or S3 bucket/prefix.

Only the backends below it know whether a key is a file on disk or an object in a bucket;
nothing else in the code branches on it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pyarrow.fs as pafs
from dagster import ConfigurableResource
from pydantic import PrivateAttr

from resources.project_paths import SLUICE_DIR
from resources.storage.backend import StorageBackend, StoredObject
from resources.storage.url import make_backend

DEFAULT_STORAGE_DIR = SLUICE_DIR / "storage"
HASH_CHUNK = 1 << 20


def _maybe_gunzip(key: str, raw: IO[bytes]) -> IO[bytes]:
    return gzip.GzipFile(fileobj=raw, mode="rb") if key.endswith(".gz") else raw


class StorageResource(ConfigurableResource):
    """The platform's storage root: a local directory or an S3 bucket/prefix.

    Unset fields fall back to SLUICE_STORAGE_URL / SLUICE_S3_ENDPOINT_URL, read when the
    resource is first used, and then to ``.sluice/storage`` in the repository.
    """

    url: str | None = None
    s3_endpoint_url: str | None = None

    _backend = PrivateAttr(default=None)

    @property
    def resolved_url(self) -> str:
        return self.url or os.environ.get("SLUICE_STORAGE_URL") or str(DEFAULT_STORAGE_DIR)

    @property
    def backend(self) -> StorageBackend:
        if self._backend is None:
            endpoint = self.s3_endpoint_url or os.environ.get("SLUICE_S3_ENDPOINT_URL") or None
            self._backend = make_backend(self.resolved_url, endpoint)
        return self._backend

    def list_objects(
        self, prefix: str, start_after: str | None = None, limit: int | None = None
    ) -> Iterator[StoredObject]:
        """Objects under ``prefix`` in key order, strictly after ``start_after``, paginated."""
        for count, obj in enumerate(self.backend.list(prefix, start_after)):
            if limit is not None and count >= limit:
                return
            yield obj

    def open_read(self, key: str) -> IO[bytes]:
        """A binary stream of the object; ``.gz`` keys are decompressed on the fly."""
        return _maybe_gunzip(key, self.backend.open_read(key))

    def read_bytes(self, key: str) -> bytes:
        with self.open_read(key) as f:
            return f.read()

    def sha256(self, key: str) -> str:
        """The sha256 of the stored bytes (as stored: no gunzip), streamed, not held in memory."""
        digest = hashlib.sha256()
        with self.backend.open_read(key) as stream:
            while chunk := stream.read(HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def put_bytes(self, key: str, data: bytes) -> None:
        """Write atomically: readers see the old object or the whole new one."""
        self.backend.put_bytes(key, data)

    def put_file(self, local_path: Path | str, key: str) -> None:
        """Publish a finished local file atomically at ``key``."""
        self.backend.put_file(Path(local_path), key)

    def move_file(self, local_path: Path | str, key: str) -> None:
        """Like put_file, but the local file may be consumed (a rename when it can be)."""
        self.backend.move_file(Path(local_path), key)

    def remove_hidden(self, prefix: str, name_prefix: str) -> None:
        """Remove the hidden files directly under the directory ``prefix`` whose names start
        with ``name_prefix``: what a killed writer left of its temporary files."""
        self.backend.remove_hidden(prefix, name_prefix)

    def move_files(self, moves: list[tuple[Path | str, str]]) -> None:
        """``move_file`` for many (local path, key) pairs; on S3 the uploads overlap."""
        self.backend.move_files(moves)

    def writable_dir(self, prefix: str, staging_dir: Path | None = None) -> Path:
        """A local directory standing for ``prefix``, for tools that write many files at once
        (pyarrow's dataset writer). Write them under hidden names, then ``move_files`` them
        to their keys: locally this is the prefix itself and the move a rename; on S3 it is a
        new directory under ``staging_dir`` (the caller removes it) and the move an upload.
        """
        return self.backend.writable_dir(prefix, staging_dir)

    @contextmanager
    def open_write(self, key: str, staging_dir: Path | None = None) -> Iterator[IO[bytes]]:
        """Write through a staged file published on success only."""
        with self.staged_file(key, staging_dir) as path, open(path, "wb") as f:
            yield f

    @contextmanager
    def staged_file(self, key: str, staging_dir: Path | None = None) -> Iterator[Path]:
        """A local path to write ``key``'s bytes to, published atomically when the block ends.

        Locally the file is written as a hidden sibling and renamed (no copy); on S3 it is
        uploaded. Nothing is published if the block raises or leaves no file behind.
        """
        with self.backend.staged(key, staging_dir) as path:
            yield path

    def delete(self, key: str) -> None:
        self.backend.delete(key)

    def put_bytes_if_absent(self, key: str, data: bytes) -> str | None:
        """Create ``key`` only if nothing is there (atomic across processes and machines on
        S3; across processes locally): the new version, or None if an object exists."""
        return self.backend.put_bytes_if_absent(key, data)

    def read_versioned(self, key: str) -> tuple[bytes, str] | None:
        """(bytes, version) of ``key``, or None when it does not exist."""
        return self.backend.read_versioned(key)

    def replace_bytes_if_match(self, key: str, data: bytes, version: str) -> str | None:
        """Overwrite ``key`` only if it is still at ``version``: the new version, or None."""
        return self.backend.replace_bytes_if_match(key, data, version)

    def delete_if_match(self, key: str, version: str) -> bool:
        """Delete ``key`` only if it is still at ``version``."""
        return self.backend.delete_if_match(key, version)

    def exists(self, key: str) -> bool:
        return self.backend.exists(key)

    def arrow_filesystem(self) -> tuple[pafs.FileSystem, str]:
        """(pyarrow filesystem, base path) so that ``f"{base}/{key}"`` opens a key."""
        return self.backend.arrow_fs()

    def arrow_path(self, key: str) -> str:
        return f"{self.arrow_filesystem()[1]}/{key}"

    def uri(self, key: str) -> str:
        """A path or s3:// URI for tools that take one (DuckDB, Spark, Athena)."""
        return self.backend.uri(key)
