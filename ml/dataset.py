"""Pull the Iris CSV from wherever it is published: an HTTP(S) URL or a local file.

Which source: the run config's ``source``, else ``SLUICE_IRIS_SOURCE``, else the copy shipped
next to this file (so a fresh clone works offline). Every failure is an IrisSourceError whose
message names the source and the reason, never a bare urllib or zipfile traceback.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

SHIPPED_DATASET = Path(__file__).resolve().parent / "iris.csv"
SOURCE_ENV_VAR = "SLUICE_IRIS_SOURCE"
HTTP_TIMEOUT_SECONDS = 30
# Iris is 4 KB; anything this large is the wrong file, and we hold the pull in memory.
MAX_BYTES = 50 * 1024 * 1024
USER_AGENT = "sluice-iris-pull/1"


class IrisSourceError(RuntimeError):
    """The source cannot be read, or what it returned is not a CSV file."""


@dataclass(frozen=True)
class PulledDataset:
    source: str
    data: bytes  # the CSV bytes (unzipped when the source served a zip archive)
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def resolve_source(configured: str | None, env: dict | None = None) -> str:
    """The run config's source, else $SLUICE_IRIS_SOURCE, else the shipped copy."""
    env = os.environ if env is None else env
    return (configured or "").strip() or env.get(SOURCE_ENV_VAR, "").strip() or str(SHIPPED_DATASET)


def describe_source(source: str) -> str:
    """The source without credentials or query string, safe for logs and metadata."""
    parsed = urlparse(source)
    if parsed.scheme.lower() not in ("http", "https"):
        return source
    host = parsed.hostname or ""
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{host}{port}{parsed.path}" + ("?..." if parsed.query else "")


def pull(source: str, timeout: float = HTTP_TIMEOUT_SECONDS) -> PulledDataset:
    """Fetch ``source`` (http(s):// URL, file:// URL or path) and hash the CSV bytes."""
    scheme = urlparse(source).scheme.lower()
    if scheme in ("http", "https"):
        data = _download(source, timeout)
    elif scheme == "file":
        data = _read_file(Path(urlparse(source).path), source)
    elif scheme and len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise IrisSourceError(
            f"iris source {source!r}: unsupported scheme {scheme!r} "
            "(use an http(s):// URL, a file:// URL or a path; "
            f"set {SOURCE_ENV_VAR} or config 'source')"
        )
    else:
        data = _read_file(Path(source).expanduser(), source)
    data = _csv_bytes(data, source)
    return PulledDataset(source=source, data=data, sha256=hashlib.sha256(data).hexdigest())


def _download(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as err:
        raise IrisSourceError(
            f"cannot download the iris dataset from {url}: HTTP {err.code} {err.reason}"
        ) from None
    except urllib.error.URLError as err:
        raise IrisSourceError(
            f"cannot download the iris dataset from {url}: {err.reason} "
            "(network unreachable or wrong URL; "
            f"set {SOURCE_ENV_VAR} to a local path to work offline)"
        ) from None
    except (OSError, http.client.HTTPException) as err:  # timeouts, resets, truncated bodies
        raise IrisSourceError(
            f"cannot download the iris dataset from {url}: {type(err).__name__}: {err} "
            f"(timeout {timeout:g} s)"
        ) from None
    _check_size(data, url)
    return data


def _read_file(path: Path, source: str) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise IrisSourceError(f"iris source {source!r}: no such file ({path.resolve()})") from None
    except OSError as err:
        raise IrisSourceError(f"iris source {source!r}: cannot read it: {err}") from None
    _check_size(data, source)
    return data


def _check_size(data: bytes, source: str) -> None:
    if len(data) > MAX_BYTES:
        raise IrisSourceError(
            f"iris source {source!r} is larger than {MAX_BYTES // (1024 * 1024)} MB: "
            "not the Iris CSV"
        )


def _csv_bytes(data: bytes, source: str) -> bytes:
    """The CSV inside: Kaggle's download API serves a zip holding one CSV file."""
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if len(members) != 1:
                raise IrisSourceError(
                    f"iris source {source!r} is a zip archive with {len(members)} CSV files "
                    f"({', '.join(members) or 'none'}); expected exactly one"
                )
            data = archive.read(members[0])
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise IrisSourceError(
            f"iris source {source!r} returned an HTML page, not CSV (a dataset's web page is not "
            "its download link; for Kaggle use https://www.kaggle.com/api/v1/datasets/download/<owner>/<dataset>)"
        )
    return data
