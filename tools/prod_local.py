"""`make prod-local`: the production topology on this machine, for a person to look at.

Three processes as in production (tools/prod_topology.py: `dagster code-server start`,
`dagster-webserver`, `dagster-daemon run`, deploy/dagster.yaml as the instance), Dagster's
storage and the app tables in a Postgres server reached over TCP as RDS is, data and compute
logs in an S3 bucket served by moto on 127.0.0.1 (in memory: gone when this stops). Sensors
run; two hours of sample events land in the bucket so raw_events_sensor has work to queue.

Postgres: the server of SLUICE_POSTGRES_URL if set, else postgresql://postgres@127.0.0.1:5432;
databases `sluice_prod_local` (app) and `sluice_prod_local_dagster` are made afresh on it at
every start, as the in-memory bucket is.
Ctrl-C or SIGTERM stops everything.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python tools/prod_local.py` as well as `-m tools.prod_local`
    sys.path.insert(0, str(ROOT))

from tools.prod_topology import HOST, Topology, TopologyError, TopologySettings  # noqa: E402

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
APP_DB = "sluice_prod_local"
DAGSTER_DB = "sluice_prod_local_dagster"
BUCKET = "sluice-prod-local"
HOME = ROOT / ".sluice" / "prod-local" / "dagster_home"


def say(message: str) -> None:
    print(f"[prod-local] {message}", flush=True)


def databases(env) -> tuple[str, str]:
    """(app URL, Dagster URL) on the chosen server, created empty.

    The S3 side (moto) starts empty every time, so the databases of this launcher do too:
    sensor cursors or tables left from an earlier session would describe files that are gone.
    A database named by SLUICE_POSTGRES_URL is the user's and is left as it is.
    """
    from tools.embedded_postgres import create_database, drop_database, with_database

    server = env.get("SLUICE_POSTGRES_URL") or DEFAULT_SERVER
    try:
        own = [DAGSTER_DB] if env.get("SLUICE_POSTGRES_URL") else [APP_DB, DAGSTER_DB]
        for name in own:
            drop_database(server, name)
        app = env.get("SLUICE_POSTGRES_URL") or create_database(server, APP_DB)
        return app, create_database(server, DAGSTER_DB)
    except Exception as err:  # psycopg's message names the server, not what we needed
        raise TopologyError(
            f"no Postgres server to use at {with_database(server, '')}: {err}".strip()
            + "\n  make prod-local needs a Postgres server over TCP (production's RDS): start "
            "one or set SLUICE_POSTGRES_URL to a database on one."
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

    moto = topology = None
    try:
        app_url, dagster_url = databases(env)
        moto, endpoint = start_moto()
        settings = TopologySettings(
            home=HOME, app_postgres_url=app_url, dagster_postgres_url=dagster_url,
            s3_endpoint=endpoint, bucket=BUCKET, webserver_port=port,
            extra_env=ensure_dev_keys(ROOT / ".sluice" / "dev-pii-keys.json"),
        )
        say(f"S3 (moto, in memory): {endpoint}, bucket {BUCKET}; storage {settings.storage_url}")
        say(f"Postgres: app {app_url.rsplit('/', 1)[-1]}, Dagster {DAGSTER_DB}")
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
        say("stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=3000, help="webserver port (default 3000)")
    parser.add_argument("--no-sample", action="store_true", help="land no sample events")
    args = parser.parse_args(argv)
    return run(args.port, sample=not args.no_sample)


if __name__ == "__main__":
    sys.exit(main())
