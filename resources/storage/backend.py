"""What every storage backend offers, and the errors and objects they share.

Everything above the storage package speaks in *keys* relative to the storage root
(``landing/events/2025/01/01/10/a.jsonl``); a backend maps them to files or objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

import pyarrow.fs as pafs

LIST_PAGE_SIZE = 1000


class StorageConfigError(ValueError):
    """SLUICE_STORAGE_URL (or the resource's url) cannot be understood."""


class StorageAccessError(RuntimeError):
    """The storage root exists on paper but cannot be used (no bucket, no access, no endpoint)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int


def is_hidden(name: str) -> bool:
    # Temporary files of atomic writes start with "."; readers (pyarrow, Spark, our
    # listings) ignore "." and "_" prefixed names, so a crash never exposes one.
    return name.startswith(".") or name.startswith("_")


class StorageBackend(Protocol):
    """One storage root. Writes are atomic: readers see the old object or the whole new one."""

    page_size: int

    def list(self, prefix: str, start_after: str | None) -> Iterator[StoredObject]:
        """Keys under ``prefix`` in S3 order (UTF-8 bytes), strictly after ``start_after``."""

    def open_read(self, key: str) -> IO[bytes]: ...

    def staged(self, key: str, staging_dir: Path | None = None) -> AbstractContextManager[Path]:
        """A local path whose file is published at ``key`` when the block ends with one."""

    def remove_hidden(self, prefix: str, name_prefix: str) -> None: ...

    def move_files(self, moves: list[tuple[Path | str, str]]) -> None: ...

    def writable_dir(self, prefix: str, staging_dir: Path | None = None) -> Path: ...

    def put_file(self, local_path: Path, key: str) -> None: ...

    def move_file(self, local_path: Path, key: str) -> None: ...

    def put_bytes(self, key: str, data: bytes) -> None: ...

    def delete(self, key: str) -> None: ...

    # Conditional writes, for leases and other compare-and-swap state (see
    # platform_assets/partition_lease.py). A version is an opaque string (an ETag on S3).
    def put_bytes_if_absent(self, key: str, data: bytes) -> str | None:
        """Create ``key`` only if no object is there; its version, or None if one was."""

    def read_versioned(self, key: str) -> tuple[bytes, str] | None:
        """The object's bytes and version, or None if there is none."""

    def replace_bytes_if_match(self, key: str, data: bytes, version: str) -> str | None:
        """Overwrite ``key`` only if it is still at ``version``; the new version, or None."""

    def delete_if_match(self, key: str, version: str) -> bool:
        """Delete ``key`` only if it is still at ``version``; whether it was deleted."""

    def exists(self, key: str) -> bool: ...

    def arrow_fs(self) -> tuple[pafs.FileSystem, str]: ...

    def uri(self, key: str) -> str: ...
