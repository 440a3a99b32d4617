"""`make prod-local`: the production topology on this machine, for a person to look at.

Three processes as in production (tools/prod_topology.py: `dagster code-server start`,
`dagster-webserver`, `dagster-daemon run`, deploy/dagster.yaml as the instance), Dagster's
storage and the app tables in a Postgres server reached over TCP as RDS is, data and compute
logs in an S3 bucket served by moto on 127.0.0.1 (in memory: gone when this stops). Sensors
run; two hours of sample events land in the bucket so raw_events_sensor has work to queue.

Postgres: the server of SLUICE_POSTGRES_URL if set, else postgresql://postgres@127.0.0.1:5432,
else the project's embedded Postgres (.sluice/prod-local/postgres); databases
`sluice_prod_local` (app) and `sluice_prod_local_dagster` are made afresh on it at every start,
as the in-memory bucket is.
Ctrl-C or SIGTERM stops everything.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python tools/prod_local.py` as well as `-m tools.prod_local`
    sys.path.insert(0, str(ROOT))

from tools.prod_topology import HOST, Topology, TopologyError, TopologySettings  # noqa: E402

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
APP_DB = "sluice_prod_local"
DAGSTER_DB = "sluice_prod_local_dagster"
BUCKET = "sluice-prod-local"
HOME = ROOT / ".sluice" / "prod-local" / "dagster_home"
EMBEDDED_DIR = ROOT / ".sluice" / "prod-local" / "postgres"


def say(message: str) -> None:
    print(f"[prod-local] {message}", flush=True)


def postgres_server(env):
    """(server URL, embedded server to stop or None): SLUICE_POSTGRES_URL's server, else one
    on 127.0.0.1:5432, else the project's embedded Postgres (reached over a loopback TCP
    forward, as deploy/dagster.yaml wants a host and port)."""
    import psycopg

    from tools.embedded_postgres import start_embedded_postgres

    if env.get("SLUICE_POSTGRES_URL"):
        return env["SLUICE_POSTGRES_URL"], None
    try:
        psycopg.connect(DEFAULT_SERVER, connect_timeout=3).close()
        return DEFAULT_SERVER, None
    except psycopg.Error:
        say(f"no Postgres at {DEFAULT_SERVER}: starting the embedded one in {EMBEDDED_DIR}")
        server = start_embedded_postgres(EMBEDDED_DIR)
        return server.url, server


def databases(env, server: str) -> tuple[str, str]:
    """(app URL, Dagster URL) on the server, created empty.

    The S3 side (moto) starts empty every time, so the databases of this launcher do too:
    sensor cursors or tables left from an earlier session would describe files that are gone.
    A database named by SLUICE_POSTGRES_URL is the user's and is left as it is.
    """
    from tools.embedded_postgres import create_database, drop_database, with_database

    try:
        own = [DAGSTER_DB] if env.get("SLUICE_POSTGRES_URL") else [APP_DB, DAGSTER_DB]
        for name in own:
            drop_database(server, name)
        app = env.get("SLUICE_POSTGRES_URL") or create_database(server, APP_DB)
        return app, create_database(server, DAGSTER_DB)
    except Exception as err:  # psycopg's message names the server, not what we needed
        raise TopologyError(
            f"cannot create databases on {with_database(server, '')}: {err}".strip()
            + "\n  Set SLUICE_POSTGRES_URL to a database on a server where you may create "
            "databases."
        ) from None


def start_moto():
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    from tools.prod_topology import free_port

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per S3 request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    endpoint = f"http://{HOST}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    return server, endpoint


def land_sample_events(settings: TopologySettings) -> dict:
    from resources.storage import StorageResource
    from tools.generate.events import generate_events

    storage = StorageResource(url=settings.storage_url, s3_endpoint_url=settings.s3_endpoint)
    return generate_events(storage, events=20_000, start="2025-01-01T00", hours=2, seed=1)


def run(port: int, sample: bool) -> int:
    from resources.secrets import ensure_dev_keys

    env = dict(os.environ)
    for name, value in {"AWS_ACCESS_KEY_ID": "prod-local", "AWS_SECRET_ACCESS_KEY": "prod-local",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        env.setdefault(name, value)
    os.environ.update({k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                           "AWS_DEFAULT_REGION")})
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())

    moto = topology = embedded = None
    try:
        server, embedded = postgres_server(env)
        app_url, dagster_url = databases(env, server)
        moto, endpoint = start_moto()
        settings = TopologySettings(
            home=HOME, app_postgres_url=app_url, dagster_postgres_url=dagster_url,
            s3_endpoint=endpoint, bucket=BUCKET, webserver_port=port,
            extra_env=ensure_dev_keys(ROOT / ".sluice" / "dev-pii-keys.json"),
        )
        say(f"S3 (moto, in memory): {endpoint}, bucket {BUCKET}; storage {settings.storage_url}")
        app_db = urlsplit(app_url).path.lstrip("/")
        say(f"Postgres: app database {app_db}, Dagster database {DAGSTER_DB}")
        say(f"DAGSTER_HOME={HOME} (deploy/dagster.yaml); process logs in {HOME / 'logs'}")
        topology = Topology(settings, env)
        say("starting code server, webserver, daemon ...")
        topology.start()
        if sample:
            landed = land_sample_events(settings)
            say(f"landed {landed['files_written']} event files over 2 hours: raw_events_sensor "
                "queues their runs within a minute")
        say(f"UI: http://{HOST}:{port} (Runs shows the queue and its limits). Ctrl-C to stop.")
        while not stop.wait(1.0):
            topology.check_alive()
        say("stopping ...")
        return 0
    except TopologyError as err:
        say(f"error: {err}")
        return 2
    finally:
        if topology is not None:
            topology.stop()
        if moto is not None:
            moto.stop()
        if embedded is not None:
            embedded.stop()
        say("stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=3000, help="webserver port (default 3000)")
    parser.add_argument("--no-sample", action="store_true", help="land no sample events")
    args = parser.parse_args(argv)
    return run(args.port, sample=not args.no_sample)


if __name__ == "__main__":
    sys.exit(main())
