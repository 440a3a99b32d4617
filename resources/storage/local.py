"""The local-directory storage backend: keys are paths below the root directory."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pyarrow.fs as pafs

from resources.storage.backend import LIST_PAGE_SIZE, StoredObject, is_hidden
from resources.storage.keys import path_inside_root


class LocalBackend:
    def __init__(self, root: Path):
        self.root = root
        self.page_size = LIST_PAGE_SIZE  # parity with S3; a directory walk has no pages

    def path(self, key: str) -> Path:
        return path_inside_root(self.root, key)

    def list(self, prefix: str, start_after: str | None) -> Iterator[StoredObject]:
        """Keys under ``prefix`` in S3 order (UTF-8 byte order of the full key)."""
        base_dir, _, name_prefix = prefix.rpartition("/")
        directory = self.root / base_dir if base_dir else self.root
        rel = f"{base_dir}/" if base_dir else ""
        yield from self._walk(directory, rel, name_prefix, start_after)

    def _walk(self, directory: Path, rel: str, name_prefix: str, start_after: str | None):
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            return
        # A directory sorts as "name/" so that "a-b" < "a/x" exactly as S3 orders the keys.
        keyed = []
        for entry in entries:
            if is_hidden(entry.name) or not entry.name.startswith(name_prefix):
                continue
            is_dir = entry.is_dir()
            keyed.append((rel + entry.name + ("/" if is_dir else ""), is_dir, entry))
        keyed.sort(key=lambda item: item[0].encode("utf-8"))
        for key, is_dir, entry in keyed:
            if is_dir:
                # Every key below `key` starts with it: skip the subtree when all of it
                # sorts at or before the cursor.
                if (
                    start_after is not None
                    and key < start_after
                    and not start_after.startswith(key)
                ):
                    continue
                yield from self._walk(Path(entry.path), key, "", start_after)
            elif start_after is None or key > start_after:
                try:
                    size = entry.stat().st_size
                except FileNotFoundError:  # deleted since the directory was read: not listed
                    continue
                yield StoredObject(key, size)

    def open_read(self, key: str) -> IO[bytes]:
        try:
            return open(self.path(key), "rb")
        except FileNotFoundError:
            raise FileNotFoundError(
                f"storage object not found: {key} (under {self.root})"
            ) from None

    @contextmanager
    def staged(self, key: str, staging_dir: Path | None = None) -> Iterator[Path]:
        """A hidden sibling of the target, renamed over it when the block ends with a file."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex}"
        try:
            yield staged
            if staged.exists():
                os.replace(staged, target)
        finally:
            staged.unlink(missing_ok=True)

    def remove_hidden(self, prefix: str, name_prefix: str) -> None:
        try:
            entries = list(os.scandir(self.path(prefix)))
        except FileNotFoundError:
            return
        for entry in entries:
            if entry.name.startswith(name_prefix) and is_hidden(entry.name):
                Path(entry.path).unlink(missing_ok=True)

    def move_files(self, moves: list[tuple[Path | str, str]]) -> None:
        # Renames, one after another (threads would only add overhead), with plain strings:
        # an hour moves ~1,000 files and pathlib would cost more than the renames.
        root = str(self.root)
        for local_path, key in moves:
            try:
                os.replace(local_path, f"{root}/{key}")
            except OSError:  # a directory to create, or another filesystem
                self.move_file(Path(local_path), key)

    def writable_dir(self, prefix: str, staging_dir: Path | None = None) -> Path:
        directory = self.path(prefix)
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    def put_file(self, local_path: Path, key: str) -> None:
        with self.staged(key) as staged:
            shutil.copyfile(local_path, staged)

    def move_file(self, local_path: Path, key: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(local_path, target)  # same filesystem: atomic, no copy
        except OSError:
            self.put_file(local_path, key)

    def put_bytes(self, key: str, data: bytes) -> None:
        with self.staged(key) as staged:
            staged.write_bytes(data)

    def delete(self, key: str) -> None:
        try:
            os.remove(self.path(key))
        except FileNotFoundError:
            pass

    # Conditional writes: creation by os.link (fails if the name exists, atomically, across
    # processes); replace and delete under an flock on a hidden sibling, comparing the
    # content's hash. Holds across processes of one machine (not over NFS).
    def put_bytes_if_absent(self, key: str, data: bytes) -> str | None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex}"
        try:
            staged.write_bytes(data)
            os.link(staged, target)
        except FileExistsError:
            return None
        finally:
            staged.unlink(missing_ok=True)
        return _version(data)

    def read_versioned(self, key: str) -> tuple[bytes, str] | None:
        try:
            data = self.path(key).read_bytes()
        except FileNotFoundError:
            return None
        return data, _version(data)

    @contextmanager
    def _locked(self, key: str) -> Iterator[None]:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target.parent / f".{target.name}.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def replace_bytes_if_match(self, key: str, data: bytes, version: str) -> str | None:
        with self._locked(key):
            current = self.read_versioned(key)
            if current is None or current[1] != version:
                return None
            self.put_bytes(key, data)
        return _version(data)

    def delete_if_match(self, key: str, version: str) -> bool:
        with self._locked(key):
            current = self.read_versioned(key)
            if current is None or current[1] != version:
                return False
            os.remove(self.path(key))
        return True

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def arrow_fs(self) -> tuple[pafs.FileSystem, str]:
        return pafs.LocalFileSystem(), str(self.root)

    def uri(self, key: str) -> str:
        return str(self.path(key))


def _version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]
