"""One storage root, local directory or S3 bucket/prefix, behind one interface.

Everything above this module speaks in *keys* relative to the storage root
(``landing/events/2025/01/01/10/a.jsonl``). Only this file knows whether a key is a
file on disk or an object in a bucket; nothing else in the code branches on it.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlparse

import pyarrow.fs as pafs
from dagster import ConfigurableResource
from pydantic import PrivateAttr

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STORAGE_DIR = PROJECT_ROOT / ".sluice" / "storage"
UPLOAD_THREADS = 8  # concurrent uploads in move_files (small files: latency, not bandwidth)
LIST_PAGE_SIZE = 1000


class StorageConfigError(ValueError):
    """SLUICE_STORAGE_URL (or the resource's url) cannot be understood."""


class StorageAccessError(RuntimeError):
    """The storage root exists on paper but cannot be used (no bucket, no access, no endpoint)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int


def _is_hidden(name: str) -> bool:
    # Temporary files of atomic writes start with "."; readers (pyarrow, Spark, our
    # listings) ignore "." and "_" prefixed names, so a crash never exposes one.
    return name.startswith(".") or name.startswith("_")


def _maybe_gunzip(key: str, raw: IO[bytes]) -> IO[bytes]:
    return gzip.GzipFile(fileobj=raw, mode="rb") if key.endswith(".gz") else raw


class LocalBackend:
    def __init__(self, root: Path):
        self.root = root
        self.page_size = LIST_PAGE_SIZE  # parity with S3; a directory walk has no pages

    def path(self, key: str) -> Path:
        return self.root / key

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
            if _is_hidden(entry.name) or not entry.name.startswith(name_prefix):
                continue
            is_dir = entry.is_dir()
            keyed.append((rel + entry.name + ("/" if is_dir else ""), is_dir, entry))
        keyed.sort(key=lambda item: item[0].encode("utf-8"))
        for key, is_dir, entry in keyed:
            if is_dir:
                # Every key below `key` starts with it: skip the subtree when all of it
                # sorts at or before the cursor.
                if start_after is not None and key < start_after and not start_after.startswith(key):
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
            raise FileNotFoundError(f"storage object not found: {key} (under {self.root})") from None

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
            if entry.name.startswith(name_prefix) and _is_hidden(entry.name):
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

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def arrow_fs(self) -> tuple[pafs.FileSystem, str]:
        return pafs.LocalFileSystem(), str(self.root)

    def uri(self, key: str) -> str:
        return str(self.path(key))


class _BodyReader(io.RawIOBase):
    """botocore's StreamingBody as a raw stream, so it can be buffered and read by line."""

    def __init__(self, body):
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._body.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self._body.close()
        super().close()


class S3Backend:
    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None, region: str):
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.region = region
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)
        self.page_size = LIST_PAGE_SIZE
        self._arrow_fs = None

    def _full(self, key: str) -> str:
        return self.prefix + key

    @contextmanager
    def _errors(self, action: str, key: str):
        """Name the object and the settings to check, instead of a bare botocore traceback."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(f"storage object not found: s3://{self.bucket}/{self._full(key)}") from None
            raise self._access_error(action, key, err) from err
        except BotoCoreError as err:
            raise self._access_error(action, key, err) from err

    def _access_error(self, action: str, key: str, err: Exception) -> StorageAccessError:
        endpoint = self.endpoint_url or "AWS default"
        return StorageAccessError(
            f"cannot {action} s3://{self.bucket}/{self._full(key)}: {err} "
            f"(check SLUICE_STORAGE_URL, SLUICE_S3_ENDPOINT_URL={endpoint} and AWS credentials)"
        )

    def list(self, prefix: str, start_after: str | None) -> Iterator[StoredObject]:
        kwargs = {"Bucket": self.bucket, "Prefix": self._full(prefix), "MaxKeys": self.page_size}
        if start_after:
            kwargs["StartAfter"] = self._full(start_after)
        strip = len(self.prefix)
        # Hidden names are skipped below the listed directory, as the local walk does.
        below = len(prefix.rpartition("/")[0]) + 1 if "/" in prefix else 0
        while True:
            with self._errors("list", prefix):
                page = self.client.list_objects_v2(**kwargs)
            for obj in page.get("Contents", []):
                key = obj["Key"][strip:]
                if not any(_is_hidden(part) for part in key[below:].split("/")):
                    yield StoredObject(key, obj["Size"])
            if not page.get("IsTruncated"):
                return
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def open_read(self, key: str) -> IO[bytes]:
        with self._errors("read", key):
            body = self.client.get_object(Bucket=self.bucket, Key=self._full(key))["Body"]
        return io.BufferedReader(_BodyReader(body), buffer_size=1 << 20)

    def put_file(self, local_path: Path, key: str) -> None:
        # A PUT (or a completed multipart upload) becomes visible all at once.
        from boto3.exceptions import S3UploadFailedError

        with self._errors("write", key):
            try:
                self.client.upload_file(str(local_path), self.bucket, self._full(key))
            except S3UploadFailedError as err:
                raise self._access_error("write", key, err) from err

    def move_file(self, local_path: Path, key: str) -> None:
        self.put_file(local_path, key)
        local_path.unlink(missing_ok=True)

    def remove_hidden(self, prefix: str, name_prefix: str) -> None:
        pass  # nothing hidden is ever uploaded: files are staged on local disk

    def move_files(self, moves: list[tuple[Path | str, str]]) -> None:
        # Uploads of small files are latency-bound: overlap them.
        with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
            for _ in pool.map(lambda move: self.move_file(Path(move[0]), move[1]), moves):
                pass

    def writable_dir(self, prefix: str, staging_dir: Path | None = None) -> Path:
        return Path(tempfile.mkdtemp(dir=staging_dir, prefix="sluice-stage-"))

    @contextmanager
    def staged(self, key: str, staging_dir: Path | None = None) -> Iterator[Path]:
        """A local temporary file, uploaded when the block ends with a file."""
        with tempfile.TemporaryDirectory(dir=staging_dir, prefix="sluice-stage-") as tmp:
            staged = Path(tmp) / "object"
            yield staged
            if staged.exists():
                self.put_file(staged, key)

    def put_bytes(self, key: str, data: bytes) -> None:
        with self._errors("write", key):
            self.client.put_object(Bucket=self.bucket, Key=self._full(key), Body=data)

    def delete(self, key: str) -> None:
        with self._errors("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=self._full(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._full(key))
            return True
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def arrow_fs(self) -> tuple[pafs.FileSystem, str]:
        if self._arrow_fs is None:
            kwargs: dict = {"region": self.region}
            if self.endpoint_url:
                parsed = urlparse(self.endpoint_url)
                kwargs["endpoint_override"] = parsed.netloc or parsed.path
                kwargs["scheme"] = parsed.scheme or "https"
            self._arrow_fs = pafs.S3FileSystem(**kwargs)
        return self._arrow_fs, f"{self.bucket}/{self.prefix}".rstrip("/")

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"


def make_backend(url: str, endpoint_url: str | None = None, region: str | None = None):
    """Build the backend for a storage URL: a path, ``file://...`` or ``s3://bucket/prefix``."""
    if not url:
        raise StorageConfigError("storage URL is empty; set SLUICE_STORAGE_URL or leave it unset")
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise StorageConfigError(f"SLUICE_STORAGE_URL={url!r}: an s3:// URL needs a bucket")
        region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        return S3Backend(parsed.netloc, parsed.path, endpoint_url, region)
    if parsed.scheme == "file":
        return LocalBackend(Path(parsed.path).resolve())
    if parsed.scheme and len(parsed.scheme) > 1:
        raise StorageConfigError(
            f"SLUICE_STORAGE_URL={url!r}: unsupported scheme {parsed.scheme!r} (use a path, file:// or s3://)"
        )
    return LocalBackend(Path(url).expanduser().resolve())


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
    def backend(self):
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
