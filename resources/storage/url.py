"""SLUICE_STORAGE_URL -> a backend: a path, ``file://...`` or ``s3://bucket/prefix``."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from resources.storage.backend import StorageBackend, StorageConfigError
from resources.storage.local import LocalBackend
from resources.storage.s3 import S3Backend


def make_backend(
    url: str, endpoint_url: str | None = None, region: str | None = None
) -> StorageBackend:
    """Build the backend for a storage URL: a path, ``file://...`` or ``s3://bucket/prefix``."""
    if not url:
        raise StorageConfigError("storage URL is empty; set SLUICE_STORAGE_URL or leave it unset")
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise StorageConfigError(f"SLUICE_STORAGE_URL={url!r}: an s3:// URL needs a bucket")
        region = (
            region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or "us-east-1"
        )
        return S3Backend(parsed.netloc, parsed.path, endpoint_url, region)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise StorageConfigError(
                f"SLUICE_STORAGE_URL={url!r}: a file:// URL names a local directory, but this one "
                f"has the host {parsed.netloc!r}; use file:///absolute/path (three slashes)"
            )
        return LocalBackend(Path(parsed.path).resolve())
    if parsed.scheme and len(parsed.scheme) > 1:
        raise StorageConfigError(
            f"SLUICE_STORAGE_URL={url!r}: unsupported scheme {parsed.scheme!r} "
            "(use a path, file:// or s3://)"
        )
    return LocalBackend(Path(url).expanduser().resolve())
