"""HMAC and AES-GCM of a batch's ip and device_id in a second process (the second core).

Masking and encryption are ~4.5 us a message of Python calls, a quarter of the loader's
Python work; here they run in a child process while the parent reads and validates the next
batch and Postgres copies the one before. The child is a plain ``python -m`` subprocess (not a
multiprocessing spawn, which would re-import the parent's ``__main__``: dagster's or
pytest's) and imports only this module and ``pii``: it starts in ~0.1 s.

Protocol over the child's stdin/stdout: length-prefixed pickles. First the two keys (never
argv or the environment), then one request ``(canonical_ips, ips, device_ids)`` at a time,
each answered by ``("ok", (masked_ip, masked_device_id, encrypted_ip, encrypted_device_id))``
or ``("error", one line without values)``. One request in flight at a time: the parent reads
the answer before it sends the next, so neither side can block on a full pipe.
"""

from __future__ import annotations

import pickle
import struct
import subprocess
import sys
import threading
from pathlib import Path

from platform_assets.logins.pii import Encryptor, Masker

_LENGTH = struct.Struct("!Q")
# A batch of 20,000 takes ~0.1 s: a process silent for this long is stuck, not busy.
TIMEOUT_S = 300.0
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class ProtectWorkerError(RuntimeError):
    """The protect process failed or died; the message names the batch's files."""


def _send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream):
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        return None  # the other side is gone
    (size,) = _LENGTH.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def protect_columns(canonical_ips, ips, device_ids, masker, encryptor) -> tuple[list, ...]:
    """(masked_ip, masked_device_id, encrypted_ip, encrypted_device_id), one list each."""
    return (
        list(map(masker, canonical_ips)),
        list(map(masker, device_ids)),
        encryptor.encrypt_many(ips, "ip"),
        encryptor.encrypt_many(device_ids, "device_id"),
    )


def serve(stdin, stdout) -> None:
    keys = _receive(stdin)
    if keys is None:
        return
    masker, encryptor = Masker(keys[0]), Encryptor(keys[1])
    while (request := _receive(stdin)) is not None:
        try:
            answer = ("ok", protect_columns(*request, masker, encryptor))
        except Exception as err:  # noqa: BLE001 (reported to the parent; values never quoted)
            answer = ("error", type(err).__name__)
        _send(stdout, answer)


class InProcessProtector:
    """ProtectWorker's interface, computed in this process at ``result``: for an hour that is
    one batch, where nothing would overlap the work and starting a process only adds."""

    def __init__(self, hmac_key: bytes, encryption_key: bytes):
        self._masker, self._encryptor = Masker(hmac_key), Encryptor(encryption_key)
        self._pending = None

    def submit(self, columns: tuple[list, list, list], batch: str) -> None:
        self._pending = columns

    def result(self) -> tuple[list, ...]:
        columns, self._pending = self._pending, None
        return protect_columns(*columns, self._masker, self._encryptor)

    def __enter__(self) -> InProcessProtector:
        return self

    def __exit__(self, *_exc) -> None:
        self._pending = None


class ProtectWorker:
    """The child process, as a context manager: on leaving, it is told to stop (EOF) and
    waited for, or killed and waited for after an error, so no zombie is left behind."""

    def __init__(self, hmac_key: bytes, encryption_key: bytes, timeout: float = TIMEOUT_S):
        self._proc = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # -m looks in the working directory first: the one holding this very package, so
            # the child runs the parent's code whatever directory the parent runs in.
            cwd=_PACKAGE_ROOT,
        )
        self._pending: str | None = None
        self._timeout, self._timed_out = timeout, False
        self._guarded(_send, self._proc.stdin, (hmac_key, encryption_key))

    def submit(self, columns: tuple[list, list, list], batch: str) -> None:
        """Send one batch; ``batch`` names its files for errors. Its answer must be collected
        (``result``) before the next one is sent."""
        assert self._pending is None, "one batch in flight at a time"
        self._pending = batch
        self._guarded(_send, self._proc.stdin, columns)

    def result(self) -> tuple[list, ...]:
        answer = self._guarded(_receive, self._proc.stdout)
        if answer is None:
            self._fail()
        status, payload = answer
        if status != "ok":
            raise ProtectWorkerError(
                f"masking {self._pending} failed in the protect process: {payload}"
            )
        self._pending = None
        return payload

    def _guarded(self, operation, *args):
        """``operation`` on a pipe, with a watchdog: a process that stops answering (stuck,
        stopped) is killed after ``timeout`` seconds, which ends the read or write, so the
        hour fails instead of hanging."""
        watchdog = threading.Timer(self._timeout, self._kill_stuck)
        watchdog.start()
        try:
            return operation(*args)
        except (BrokenPipeError, OSError):
            self._fail()
        finally:
            watchdog.cancel()

    def _kill_stuck(self) -> None:
        self._timed_out = True
        self._proc.kill()

    def _fail(self):
        code = self._proc.wait()
        if self._timed_out:
            raise ProtectWorkerError(
                f"the protect process did not answer in {self._timeout:g} s while masking "
                f"{self._pending or 'its keys'}: killed"
            )
        raise ProtectWorkerError(
            f"the protect process exited (code {code}) while masking {self._pending or 'its keys'}"
        )

    def __enter__(self) -> ProtectWorker:
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        try:
            if exc_type is None:
                self._proc.stdin.close()
                self._proc.wait(timeout=30)
        finally:
            if self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
            for stream in (self._proc.stdin, self._proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
