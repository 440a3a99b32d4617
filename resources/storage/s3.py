"""The S3 storage backend: keys are objects below a bucket/prefix (any S3 API: AWS, moto, MinIO)."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlparse

import pyarrow.fs as pafs

from resources.storage.backend import (
    LIST_PAGE_SIZE,
    StorageAccessError,
    StorageConfigError,
    StoredObject,
    is_hidden,
)

_LOST_RACE = ("PreconditionFailed", "412", "ConditionalRequestConflict", "409")
UPLOAD_THREADS = 8  # concurrent uploads in move_files (small files: latency, not bandwidth)


def _env_number(name: str, default: float, kind=float):
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        raise StorageConfigError(f"{name}={value!r} is not a number") from None
    if number <= 0:
        raise StorageConfigError(f"{name}={value!r} must be greater than 0")
    return number


@dataclass(frozen=True)
class S3Timeouts:
    """Bounded waits on every S3 call: a frozen endpoint fails a run in about a minute
    (attempts x (connect + read) plus backoff), naming the endpoint, instead of hanging."""

    connect: float = 5.0
    read: float = 15.0
    attempts: int = 3

    @classmethod
    def from_environment(cls) -> S3Timeouts:
        return cls(
            connect=_env_number("SLUICE_S3_CONNECT_TIMEOUT", cls.connect),
            read=_env_number("SLUICE_S3_READ_TIMEOUT", cls.read),
            attempts=_env_number("SLUICE_S3_MAX_ATTEMPTS", cls.attempts, int),
        )

    def botocore_config(self):
        from botocore.config import Config

        return Config(
            connect_timeout=self.connect,
            read_timeout=self.read,
            retries={"total_max_attempts": self.attempts, "mode": "standard"},
        )


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
        self.timeouts = S3Timeouts.from_environment()
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            config=self.timeouts.botocore_config(),
        )
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
                raise FileNotFoundError(
                    f"storage object not found: s3://{self.bucket}/{self._full(key)}"
                ) from None
            raise self._access_error(action, key, err) from None
        except BotoCoreError as err:
            # from None: the message says it all; botocore's and urllib3's chain adds ~40 lines.
            raise self._access_error(action, key, err) from None

    def _access_error(self, action: str, key: str, err: Exception) -> StorageAccessError:
        from botocore.exceptions import ConnectionError as BotoConnectionError

        endpoint = self.endpoint_url or "AWS default"
        target = f"s3://{self.bucket}/{self._full(key)}"
        if isinstance(err, BotoConnectionError):  # refused, unresolvable, timed out
            return StorageAccessError(
                f"cannot reach S3 at {endpoint} (SLUICE_S3_ENDPOINT_URL) to {action} {target} "
                f"(SLUICE_STORAGE_URL): {type(err).__name__}"
            )
        return StorageAccessError(
            f"cannot {action} {target}: {err} "
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
                if not any(is_hidden(part) for part in key[below:].split("/")):
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
                raise self._access_error("write", key, err) from None

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

    # Conditional writes (S3 If-None-Match / If-Match, supported by AWS and moto): a failed
    # precondition (412) or a concurrent conditional write (409) means "someone else won".
    def _conditional(self, action: str, key: str, call) -> dict | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return call()
        except (ClientError, BotoCoreError) as err:
            if isinstance(err, ClientError) and err.response.get("Error", {}).get("Code") in (
                *_LOST_RACE,
                "NoSuchKey",
                "404",
            ):
                return None
            with self._errors(action, key):  # any other error: named as every S3 call's
                raise

    def put_bytes_if_absent(self, key: str, data: bytes) -> str | None:
        put = lambda: self.client.put_object(  # noqa: E731
            Bucket=self.bucket, Key=self._full(key), Body=data, IfNoneMatch="*"
        )
        response = self._conditional("write", key, put)
        return None if response is None else response["ETag"]

    def read_versioned(self, key: str) -> tuple[bytes, str] | None:
        try:
            with self._errors("read", key):
                response = self.client.get_object(Bucket=self.bucket, Key=self._full(key))
                return response["Body"].read(), response["ETag"]
        except FileNotFoundError:
            return None

    def replace_bytes_if_match(self, key: str, data: bytes, version: str) -> str | None:
        put = lambda: self.client.put_object(  # noqa: E731
            Bucket=self.bucket, Key=self._full(key), Body=data, IfMatch=version
        )
        response = self._conditional("write", key, put)
        return None if response is None else response["ETag"]

    def delete_if_match(self, key: str, version: str) -> bool:
        delete = lambda: self.client.delete_object(  # noqa: E731
            Bucket=self.bucket, Key=self._full(key), IfMatch=version
        )
        return self._conditional("delete", key, delete) is not None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._full(key))
            return True
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._access_error("check", key, err) from None
        except BotoCoreError as err:
            raise self._access_error("check", key, err) from None

    def arrow_fs(self) -> tuple[pafs.FileSystem, str]:
        if self._arrow_fs is None:
            kwargs: dict = {
                "region": self.region,
                "connect_timeout": self.timeouts.connect,
                "request_timeout": self.timeouts.read,
                "retry_strategy": pafs.AwsStandardS3RetryStrategy(
                    max_attempts=self.timeouts.attempts
                ),
            }
            if self.endpoint_url:
                parsed = urlparse(self.endpoint_url)
                kwargs["endpoint_override"] = parsed.netloc or parsed.path
                kwargs["scheme"] = parsed.scheme or "https"
            self._arrow_fs = pafs.S3FileSystem(**kwargs)
        return self._arrow_fs, f"{self.bucket}/{self.prefix}".rstrip("/")

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"
