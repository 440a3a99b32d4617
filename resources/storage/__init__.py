"""One storage root, local directory or S3 bucket/prefix, behind one interface.

``StorageResource`` is what assets and sensors use; ``backend.StorageBackend`` is the typed
interface that ``local.LocalBackend`` and ``s3.S3Backend`` implement; ``url.make_backend`` picks
one from SLUICE_STORAGE_URL.
"""

from resources.project_paths import PROJECT_ROOT
from resources.storage.backend import (
    StorageAccessError,
    StorageBackend,
    StorageConfigError,
    StoredObject,
)
from resources.storage.resource import DEFAULT_STORAGE_DIR, StorageResource
from resources.storage.s3 import S3Timeouts
from resources.storage.url import make_backend

__all__ = [
    "DEFAULT_STORAGE_DIR",
    "PROJECT_ROOT",
    "S3Timeouts",
    "StorageAccessError",
    "StorageBackend",
    "StorageConfigError",
    "StorageResource",
    "StoredObject",
    "make_backend",
]
