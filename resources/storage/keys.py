"""The one guard between a storage key and the local filesystem: keys stay below the root.

Partition keys are validated where they enter (sensors, assets); this is the last line behind
them, so a key that slipped through (``../x``, ``/etc/passwd``) is refused, never followed.
"""

from __future__ import annotations

import os
from pathlib import Path


class StorageKeyError(ValueError):
    """A key that would resolve outside the storage root."""


def path_inside_root(root: Path, key: str) -> Path:
    """``root / key``, or StorageKeyError when the key leaves the root (lexically: ``..``, an
    absolute key, a NUL byte). Symlinks inside the root are the operator's and are followed."""
    root_text = str(root)
    joined = os.path.normpath(os.path.join(root_text, key))
    if "\x00" in key or (
        joined != root_text and not joined.startswith(root_text.rstrip("/") + "/")
    ):
        raise StorageKeyError(f"storage key {key!r} resolves outside the storage root {root_text}")
    return Path(joined)
