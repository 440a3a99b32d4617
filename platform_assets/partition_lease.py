"""Leases on partitions, in storage: one run at a time per events hour, login hour or file.

A lease is a small JSON object, ``state/leases/<dataset>/<partition>.json``, created with a
conditional write (S3 ``If-None-Match: *``; locally ``os.link``, which fails if the name
exists), so two runs on two machines cannot both take it. It names its holder (the Dagster
run) and expires ``ttl`` seconds after its last renewal: a holder renews it every ttl/3 from
a background thread, so only a crashed or frozen holder's lease expires (or sooner: a holder
on the same machine whose process is gone), and the next run takes it over (a conditional
replace of the expired object). Each take-over increments ``generation``: the fencing token
a holder checks (``check``) before every publishing step, and records in what it publishes.
A holder that finds its lease gone stops with ``LeaseLostError`` instead of publishing over
its successor.

What it does not close: a holder frozen for longer than the ttl exactly between a check and
the write after it (a few ms) could still write once. Clocks are compared on expiry only.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

LEASE_PREFIX = "state/leases/"
DEFAULT_TTL_SECONDS = 120.0
TTL_VARIABLE = "SLUICE_LEASE_TTL_SECONDS"


class PartitionBusyError(RuntimeError):
    """Another run holds the partition's lease: this run must not touch it now."""


class LeaseLostError(RuntimeError):
    """This run's lease expired and another run took the partition over."""


def lease_key(dataset: str, partition: str) -> str:
    # Quoted: a partition name never becomes more than one path element.
    return f"{LEASE_PREFIX}{quote(dataset, safe='')}/{quote(partition, safe='')}.json"


def default_holder() -> str:
    return f"process {os.getpid()} on {socket.gethostname()}"


def lease_ttl() -> float:
    value = os.environ.get(TTL_VARIABLE)
    try:
        ttl = float(value) if value else DEFAULT_TTL_SECONDS
    except ValueError:
        raise ValueError(f"{TTL_VARIABLE}={value!r} is not a number of seconds") from None
    if ttl <= 0:
        raise ValueError(f"{TTL_VARIABLE}={value!r} must be greater than 0")
    return ttl


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


@dataclass
class PartitionLease:
    storage: object  # StorageResource (duck-typed: put_bytes_if_absent, read_versioned, ...)
    dataset: str
    partition: str
    holder: str
    token: str
    generation: int
    version: str
    ttl: float
    lost: bool = False

    @property
    def key(self) -> str:
        return lease_key(self.dataset, self.partition)

    def _body(self) -> bytes:
        now = time.time()
        return json.dumps(
            {
                "dataset": self.dataset,
                "partition": self.partition,
                "holder": self.holder,
                "token": self.token,
                "generation": self.generation,
                "renewed_at": _iso(now),
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "expires_at": now + self.ttl,
            }
        ).encode()

    def _lost(self, reason: str) -> LeaseLostError:
        self.lost = True
        return LeaseLostError(
            f"{self.dataset} {self.partition}: lease of {self.holder} "
            f"(generation {self.generation}) "
            f"lost ({reason}); nothing more is published by this run"
        )

    def check(self) -> None:
        """The fence: raise LeaseLostError unless this lease is still the current one."""
        current = self.storage.read_versioned(self.key)
        if current is None:
            raise self._lost("the lease object is gone")
        body = json.loads(current[0])
        if body.get("token") != self.token:
            raise self._lost(
                f"now held by {body.get('holder')} (generation {body.get('generation')})"
            )

    def renew(self) -> None:
        version = self.storage.replace_bytes_if_match(self.key, self._body(), self.version)
        if version is None:
            self.check()  # names the new holder
            raise self._lost("renewal refused")
        self.version = version

    def release(self) -> None:
        if not self.lost:
            self.storage.delete_if_match(self.key, self.version)


def _held_by(body: dict) -> str:
    return (
        f"{body.get('holder')} (lease generation {body.get('generation')}, renewed "
        f"{body.get('renewed_at')}, expires {_iso(float(body.get('expires_at', 0)))} "
        "unless renewed)"
    )


def _holder_died(body: dict) -> bool:
    """A holder on this machine whose process is gone (killed, crashed): no need to wait for
    its lease to expire."""
    if body.get("host") != socket.gethostname() or not isinstance(body.get("pid"), int):
        return False
    try:
        os.kill(body["pid"], 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def try_acquire(
    storage, dataset: str, partition: str, holder: str, ttl: float
) -> PartitionLease | str:
    """The lease, or a description of who holds it."""
    lease = PartitionLease(storage, dataset, partition, holder, uuid.uuid4().hex, 1, "", ttl)
    version = storage.put_bytes_if_absent(lease.key, lease._body())
    if version is not None:
        lease.version = version
        return lease
    current = storage.read_versioned(lease.key)
    if current is None:  # released in between: try again from the start
        return try_acquire(storage, dataset, partition, holder, ttl)
    data, current_version = current
    body = json.loads(data)
    if float(body.get("expires_at", 0)) > time.time() and not _holder_died(body):
        return _held_by(body)
    # Expired: its holder crashed or froze. Take it over, fenced by a new generation.
    lease.generation = int(body.get("generation", 0)) + 1
    version = storage.replace_bytes_if_match(lease.key, lease._body(), current_version)
    if version is None:
        return try_acquire(storage, dataset, partition, holder, ttl)  # another run took it first
    lease.version = version
    return lease


def acquire(
    storage,
    dataset: str,
    partition: str,
    holder: str | None = None,
    ttl: float | None = None,
    wait_seconds: float = 0.0,
) -> PartitionLease:
    """Take the partition's lease, waiting up to ``wait_seconds`` for its holder; else raise
    PartitionBusyError naming the partition and the run that holds it."""
    holder = holder or default_holder()
    ttl = ttl if ttl is not None else lease_ttl()
    deadline = time.monotonic() + wait_seconds
    while True:
        got = try_acquire(storage, dataset, partition, holder, ttl)
        if isinstance(got, PartitionLease):
            return got
        if time.monotonic() >= deadline:
            raise PartitionBusyError(
                f"{dataset} {partition} is being processed by {got}; {holder} did not touch it "
                "and stops now (the sensor requests it again once that run has ended)"
            )
        time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))


def holder_of(storage, dataset: str, partition: str) -> str | None:
    """Who holds the partition's lease now, or None if it is free (or expired)."""
    current = storage.read_versioned(lease_key(dataset, partition))
    if current is None:
        return None
    body = json.loads(current[0])
    return body.get("holder") if float(body.get("expires_at", 0)) > time.time() else None


@contextmanager
def leases_held(
    storage,
    dataset: str,
    partitions: list[str],
    holder: str | None = None,
    ttl: float | None = None,
    wait_seconds: float = 0.0,
) -> Iterator[dict[str, PartitionLease]]:
    """Every partition's lease (taken in sorted order, so two runs never deadlock), renewed in
    the background every ttl/3 while the block runs, released at its end."""
    ttl = ttl if ttl is not None else lease_ttl()
    leases: dict[str, PartitionLease] = {}
    stop = threading.Event()
    renewer = threading.Thread(target=_renew_until, args=(leases, stop, ttl / 3), daemon=True)
    try:
        for partition in sorted(set(partitions)):
            leases[partition] = acquire(storage, dataset, partition, holder, ttl, wait_seconds)
        renewer.start()
        yield leases
    finally:
        stop.set()
        if renewer.is_alive():
            renewer.join()
        for lease in leases.values():
            try:
                lease.release()
            except Exception:  # noqa: BLE001 - an unreleased lease expires on its own
                pass


def _renew_until(leases: dict[str, PartitionLease], stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        for lease in list(leases.values()):
            if lease.lost:
                continue
            try:
                lease.renew()
            except LeaseLostError:
                pass  # the holder's next check() raises
            except Exception:  # noqa: BLE001 - storage unreachable: retried next round
                pass


def leased(dataset: str):
    """Decorate an asset's compute function (below its Dagster decorator) so that the run
    holds the lease of each of its partitions (``context.partition_keys``) while it runs:
    an overlapping run of one of them fails at once naming this run. Expects the storage
    resource as the ``storage`` argument; works for functions that return or yield."""

    def decorate(compute):
        def _leases(context, kwargs):
            return leases_held(
                kwargs["storage"], dataset, list(context.partition_keys), f"run {context.run_id}"
            )

        if inspect.isgeneratorfunction(compute):

            @functools.wraps(compute)
            def run_yielding(context, **kwargs):
                with _leases(context, kwargs):
                    yield from compute(context, **kwargs)

            return run_yielding

        @functools.wraps(compute)
        def run(context, **kwargs):
            with _leases(context, kwargs):
                return compute(context, **kwargs)

        return run

    return decorate
