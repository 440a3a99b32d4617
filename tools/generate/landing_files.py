"""Writing one generated landing file: bounded memory, optional gzip, published atomically."""

from __future__ import annotations

import os
import tempfile
import zlib

from resources.storage import StorageResource

SPILL_BYTES = 64 << 20  # a file bigger than this is staged on disk, not in memory


class LandingFileWriter:
    """Collects one file's lines, optionally gzipped, then publishes it atomically.

    Small files stay in memory; large ones spill to a temp file, so memory is bounded
    whatever the file size.
    """

    def __init__(self, storage: StorageResource, key: str, gz: bool):
        self.storage, self.key = storage, key
        # wbits=31: gzip framing with mtime 0, so a seed reproduces identical bytes; level 1
        # because generation speed matters more here than landing-file size.
        self.compressor = zlib.compressobj(1, zlib.DEFLATED, 31) if gz else None
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.spill = None
        self.size = 0

    def write(self, data: bytes) -> None:
        if self.compressor is not None:
            data = self.compressor.compress(data)
        self._keep(data)

    def _keep(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        if self.spill is not None:
            self.spill.write(data)
            return
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > SPILL_BYTES:
            self.spill = tempfile.NamedTemporaryFile(prefix="sluice-gen-", delete=False)
            self.spill.writelines(self.chunks)
            self.chunks = []

    def publish(self) -> int:
        if self.compressor is not None:
            self._keep(self.compressor.flush())
        if self.spill is None:
            self.storage.put_bytes(self.key, b"".join(self.chunks))
        else:
            self.spill.close()
            try:
                self.storage.put_file(self.spill.name, self.key)
            finally:
                os.unlink(self.spill.name)
        return self.size
