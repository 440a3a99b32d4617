"""Benchmark: 100k login messages drained, masked and loaded into Postgres.

Phases are timed separately because they are bounded by different things:

- drain through moto's SQS: moto's ReceiveMessage recomputes queue attributes over every
  message (~0.85 s a call at 1,000 queued, measured), so 100k messages cannot go through
  moto in minutes. The drain is timed on MOTO_MESSAGES real moto messages instead;
- drain overhead of the platform itself: the same ``drain_queue`` (envelopes, archive
  writes, delete bookkeeping) over 100k messages from an in-memory queue, i.e. with zero SQS
  latency. Real SQS adds ~10-30 ms per 10-message call, which a drain hides with parallel runs;
- load: the 100k archived messages -> parse, pandera, HMAC + AES-GCM, COPY + upsert, with
  the CPU seconds of each process that does it (the loader, its protect processes, the
  Postgres backends), which say what bounds it on 2 cores even when the machine is shared.

    python -m tools.bench.bench_logins   # SLUICE_TEST_POSTGRES_URL picks a server
"""

from __future__ import annotations

import base64
import json
import os
import random
import resource
import socket
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from tools.bench.logins_markdown import logins_markdown

MESSAGES = int(os.environ.get("SLUICE_BENCH_LOGIN_MESSAGES", "100000"))
MOTO_MESSAGES = int(os.environ.get("SLUICE_BENCH_MOTO_MESSAGES", "500"))
LOAD_ATTEMPTS = int(os.environ.get("SLUICE_BENCH_LOGIN_ATTEMPTS", "3"))
MALFORMED_EVERY = 100  # 1% malformed, like the sample


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def synthetic_bodies(count: int, seed: int = 4) -> list[str]:
    rng = random.Random(seed)
    bodies = []
    for i in range(count):
        if i % MALFORMED_EVERY == MALFORMED_EVERY - 1:
            bodies.append(json.dumps({"foo": "oops_wrong_msg_type", "bar": str(i)}))
            continue
        bodies.append(
            json.dumps(
                {
                    "user_id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "app_version": rng.choice(
                        ["2.3.0", "0.96", "3.7", f"{rng.randint(0, 9)}.{rng.randint(0, 99)}"]
                    ),
                    "device_type": rng.choice(["ios", "android"]),
                    "ip": ".".join(str(rng.randint(1, 254)) for _ in range(4)),
                    "locale": rng.choice(["US", "RU", "PH", None]),
                    "device_id": (
                        f"{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
                    ),
                }
            )
        )
    return bodies


def _send(sqs, queue_url: str, bodies: list[str]) -> None:
    # Sequential: moto's SQS backend is not thread-safe (concurrent calls raise inside it).
    for start in range(0, len(bodies), 10):
        entries = [
            {"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies[start : start + 10])
        ]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"send failed: {response['Failed'][:1]}")


class InMemoryQueue:
    """The login queue's receive/delete interface over a list: the drain without SQS latency."""

    def __init__(self, bodies: list[str]):
        from resources.queue import QueueMessage

        now = datetime.now(timezone.utc)
        self._messages = [
            QueueMessage(str(uuid.uuid4()), f"rh-{i}", b, now) for i, b in enumerate(bodies)
        ]
        self._next = 0

    def receive(self, n: int):
        batch = self._messages[self._next : self._next + min(n, 10)]
        self._next += len(batch)
        return batch

    def delete(self, messages):
        return []


def _backend_cpu(server_url: str, database: str) -> dict[int, float] | None:
    """CPU seconds (utime + stime) so far of each Postgres backend serving ``database``;
    None when the server is not on this machine (its processes are not in /proc)."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        sql = "select pid from pg_stat_activity where datname = %s"
        pids = [row[0] for row in conn.execute(sql, (database,))]
    try:
        stats = {p: Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split() for p in pids}
    except OSError:
        return None
    return {p: (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK") for p, f in stats.items()}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _postgres_url(workdir: Path):
    """A server URL and a stop function: SLUICE_TEST_POSTGRES_URL, else an embedded server."""
    url = os.environ.get("SLUICE_TEST_POSTGRES_URL")
    if url:
        return url, lambda: None
    from tools.embedded_postgres import start_embedded_postgres

    server = start_embedded_postgres(workdir / "bench-logins-pg")
    return server.url, server.stop


def _load_once(server_url: str, database: str, storage, hours, keys) -> dict:
    """Archive to user_logins into a fresh ``database``: seconds, CPU by process, counts; and
    (seconds, inserts) of a re-run of the same hours."""
    from platform_assets.logins.ingest import ingest_hour
    from resources.migrations import apply_migrations
    from resources.postgres import PostgresResource
    from tools.embedded_postgres import create_database

    url = create_database(server_url, database, exist_ok=False)
    apply_migrations(url)
    postgres = PostgresResource(url=url)
    try:
        backends_before = _backend_cpu(server_url, database)
        cpu_before, children_before = time.process_time(), _children_cpu()
        started = time.perf_counter()
        loaded = [ingest_hour(hour, storage, postgres.connection, keys) for hour in hours]
        load_seconds = time.perf_counter() - started
        backends_after = _backend_cpu(server_url, database)
        cpu = {
            "loader": round(time.process_time() - cpu_before, 2),
            "protect_processes": round(_children_cpu() - children_before, 2),
            "postgres": None
            if backends_before is None or backends_after is None
            else round(
                sum(t - backends_before.get(pid, 0.0) for pid, t in backends_after.items()), 2
            ),
        }
        started = time.perf_counter()
        rerun = [ingest_hour(hour, storage, postgres.connection, keys) for hour in hours]
        rerun_seconds = time.perf_counter() - started
    finally:
        postgres.close()
    return {
        "load_seconds": round(load_seconds, 2),
        "load_cpu_seconds": cpu,
        "read": sum(r.read for r in loaded),
        "inserted": sum(r.inserted for r in loaded),
        "quarantined": sum(r.quarantined for r in loaded),
        "rerun": (round(rerun_seconds, 2), sum(r.inserted for r in rerun)),
    }


def run(workdir: Path) -> tuple[dict, str]:
    import boto3
    from moto.server import ThreadedMotoServer

    from platform_assets.logins.archive import drain_queue
    from platform_assets.logins.layout import hour_of_key
    from resources.queue import LoginQueueResource
    from resources.secrets import keys_from_env
    from resources.storage import StorageResource
    from tools.embedded_postgres import drop_database

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for var, value in [
        ("AWS_ACCESS_KEY_ID", "bench"),
        ("AWS_SECRET_ACCESS_KEY", "bench"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ]:
        os.environ.setdefault(var, value)
    port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    server_url, stop_postgres = _postgres_url(workdir)
    database = f"sluice_bench_logins_{uuid.uuid4().hex[:8]}"
    databases: list[str] = []
    results: dict = {"messages": MESSAGES, "malformed": MESSAGES // MALFORMED_EVERY}
    try:
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
        queue_url = sqs.create_queue(QueueName="bench-login-queue")["QueueUrl"]
        bodies = synthetic_bodies(MESSAGES)
        started = time.perf_counter()
        _send(sqs, queue_url, bodies[:MOTO_MESSAGES])
        results["moto_send_seconds"] = round(time.perf_counter() - started, 2)

        moto_storage = StorageResource(url=str(workdir / "bench-logins-moto-storage"))
        queue = LoginQueueResource(queue_url=queue_url, endpoint_url=endpoint, wait_time_seconds=0)
        started = time.perf_counter()
        moto_drain = drain_queue(
            queue, moto_storage, max_messages=MOTO_MESSAGES, archive_batch_size=1000
        )
        moto_seconds = time.perf_counter() - started
        if moto_drain.deleted != MOTO_MESSAGES or queue.approximate_depth() != 0:
            raise RuntimeError(f"moto drain moved {moto_drain.deleted} of {MOTO_MESSAGES} messages")
        results.update(
            moto_messages=MOTO_MESSAGES,
            moto_drain_seconds=round(moto_seconds, 2),
            moto_drain_messages_per_s=round(MOTO_MESSAGES / moto_seconds),
        )

        storage = StorageResource(url=str(workdir / "bench-logins-storage"))
        started = time.perf_counter()
        drained = [
            drain_queue(
                InMemoryQueue(bodies), storage, max_messages=MESSAGES, archive_batch_size=1000
            )
        ]
        drain_seconds = time.perf_counter() - started
        received = sum(r.received for r in drained)
        results.update(
            drain_seconds=round(drain_seconds, 2),
            drained=received,
            drain_messages_per_s=round(received / drain_seconds),
            archive_files=sum(len(r.archive_keys) for r in drained),
        )

        keys = keys_from_env(
            {
                "SLUICE_PII_HMAC_KEY": base64.b64encode(os.urandom(32)).decode(),
                "SLUICE_PII_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
            }
        )
        hours = sorted({hour_of_key(k) for r in drained for k in r.archive_keys})
        # The load is timed LOAD_ATTEMPTS times, each into a fresh database: the median is the
        # figure (one run on a shared 2-core machine says little); the last one is re-run.
        attempts = []
        for attempt in range(LOAD_ATTEMPTS):
            name = f"{database}_{attempt}"
            databases.append(name)
            attempts.append(_load_once(server_url, name, storage, hours, keys))
        load = sorted(attempts, key=lambda a: a["load_seconds"])[len(attempts) // 2]
        read = load["read"]
        results.update(
            {k: v for k, v in load.items() if k != "rerun"},
            load_attempt_seconds=[a["load_seconds"] for a in attempts],
            load_messages_per_s=round(read / load["load_seconds"]),
            rerun_seconds=attempts[-1]["rerun"][0],
            rerun_inserted=attempts[-1]["rerun"][1],
        )
    finally:
        for name in databases:
            try:
                drop_database(server_url, name)
            except Exception:  # noqa: BLE001 (cleanup must not hide the real error)
                pass
        stop_postgres()
        moto.stop()

    return results, logins_markdown(results)



if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="sluice-bench-logins-") as tmp:
        data, text = run(Path(tmp))
    print(json.dumps(data, indent=2))
    print(text)
