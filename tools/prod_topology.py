"""The production topology on one machine: code server, webserver and daemon as three processes.

The same shape as production (deploy/dagster.yaml, unchanged, as the instance; Dagster's
instance storage in Postgres; data and compute logs in S3), on 127.0.0.1 with whatever
Postgres and S3 endpoint the caller gives: the test Postgres and moto in
tests/deploy/test_prod_topology.py, a local Postgres and moto under `make prod-local`.

Every process gets default signal handling, its own session and dies with its parent
(a launcher started from a non-interactive shell would otherwise pass on an ignored SIGINT;
see ENVIRONMENT traps). `stop()` ends each session: run workers the code server started go
with it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
INSTANCE_YAML = ROOT / "deploy" / "dagster.yaml"
CODE_LOCATION_MODULE = "platform_assets.definitions"
LOCATION_NAME = "sluice"
HOST = "127.0.0.1"
COMPUTE_LOGS_PREFIX = "dagster/compute-logs"
STOP_GRACE_SECONDS = 20


class TopologyError(RuntimeError):
    """A process of the topology did not come up; the message names it and its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def unix_socket_of(postgres_url: str) -> Path | None:
    """The socket file of a URL like postgresql://user@/db?host=/dir (None for a TCP URL)."""
    parts = urlsplit(postgres_url)
    query = parse_qs(parts.query)
    directory = query.get("host", [""])[0]
    if parts.hostname or not directory.startswith("/"):
        return None
    return Path(directory) / f".s.PGSQL.{parts.port or query.get('port', ['5432'])[0]}"


def over_tcp(postgres_url: str) -> str:
    """The URL itself if it is TCP; else a loopback port forwarded to its Unix socket (the
    embedded Postgres of a test session listens on a socket only, and deploy/dagster.yaml
    takes a host and port, as RDS has)."""
    socket_file = unix_socket_of(postgres_url)
    if socket_file is None:
        return postgres_url
    from tools.tcp_forward import start_tcp_forward

    port = free_port()
    start_tcp_forward(port, socket_file)  # a daemon thread of this process
    parts = urlsplit(postgres_url)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{HOST}:{port}" if userinfo else f"{HOST}:{port}"
    return urlunsplit(parts._replace(netloc=netloc, query=""))


def dagster_pg_env(postgres_url: str) -> dict[str, str]:
    """DAGSTER_PG_* of deploy/dagster.yaml from a TCP Postgres URL (any postgresql scheme)."""
    parts = urlsplit(postgres_url)
    if not parts.hostname:
        raise TopologyError(
            f"Dagster's database needs a host and port, as RDS has: {parts.netloc!r}"
        )
    return {
        "DAGSTER_PG_HOST": parts.hostname,
        "DAGSTER_PG_PORT": str(parts.port or 5432),
        "DAGSTER_PG_USERNAME": unquote(parts.username or "postgres"),
        "DAGSTER_PG_PASSWORD": unquote(parts.password or ""),
        "DAGSTER_PG_DB": parts.path.lstrip("/") or "postgres",
    }


@dataclass
class TopologySettings:
    home: Path  # DAGSTER_HOME: deploy/dagster.yaml is copied here, logs go under it
    app_postgres_url: str  # SLUICE_POSTGRES_URL (psycopg 3 form)
    dagster_postgres_url: str  # Dagster's own database
    s3_endpoint: str  # moto here; unset on AWS
    bucket: str  # data (under storage_prefix) and compute logs (under dagster/)
    storage_prefix: str = "sluice"
    max_concurrent_runs: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)  # PII keys, AWS credentials, ...
    webserver_port: int = field(default_factory=free_port)
    code_server_port: int = field(default_factory=free_port)

    @property
    def storage_url(self) -> str:
        return f"s3://{self.bucket}/{self.storage_prefix}"

    @property
    def graphql_url(self) -> str:
        return f"http://{HOST}:{self.webserver_port}/graphql"

    @property
    def workspace_yaml(self) -> Path:
        return self.home / "workspace.yaml"


def process_env(settings: TopologySettings, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of all three processes (and so of every run): variables only, as in prod."""
    env = dict(os.environ if base is None else base)
    env.update(dagster_pg_env(over_tcp(settings.dagster_postgres_url)))
    env.update(
        {
            "DAGSTER_HOME": str(settings.home),
            "SLUICE_MAX_CONCURRENT_RUNS": str(settings.max_concurrent_runs),
            "SLUICE_COMPUTE_LOGS_BUCKET": settings.bucket,
            "SLUICE_COMPUTE_LOGS_PREFIX": COMPUTE_LOGS_PREFIX,
            "SLUICE_STORAGE_URL": settings.storage_url,
            "SLUICE_S3_ENDPOINT_URL": settings.s3_endpoint,
            "SLUICE_POSTGRES_URL": settings.app_postgres_url,
            # boto3's own variable: dagster-aws' compute log manager has no endpoint setting
            # of ours, and production leaves this unset.
            "AWS_ENDPOINT_URL_S3": settings.s3_endpoint,
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        }
    )
    env.update(settings.extra_env)
    return env


def commands(settings: TopologySettings) -> dict[str, list[str]]:
    """The three processes, in start order: what the image and the Helm chart run."""
    bin_dir = Path(sys.executable).parent
    workspace = str(settings.workspace_yaml)
    return {
        "code-server": [
            str(bin_dir / "dagster"),
            "code-server",
            "start",
            "-m",
            CODE_LOCATION_MODULE,
            "-h",
            HOST,
            "-p",
            str(settings.code_server_port),
            "--location-name",
            LOCATION_NAME,
        ],
        "webserver": [
            str(bin_dir / "dagster-webserver"),
            "-h",
            HOST,
            "-p",
            str(settings.webserver_port),
            "-w",
            workspace,
        ],
        "daemon": [str(bin_dir / "dagster-daemon"), "run", "-w", workspace],
    }


def write_dagster_home(settings: TopologySettings) -> None:
    """deploy/dagster.yaml as the instance, and a workspace of the one gRPC code server."""
    settings.home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(INSTANCE_YAML, settings.home / "dagster.yaml")
    settings.workspace_yaml.write_text(
        "load_from:\n"
        "  - grpc_server:\n"
        f"      host: {HOST}\n"
        f"      port: {settings.code_server_port}\n"
        f"      location_name: {LOCATION_NAME}\n"
    )


def _child_setup() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Topology:
    """Start with `start()` (returns once the webserver serves the loaded code location)."""

    def __init__(self, settings: TopologySettings, base_env: dict[str, str] | None = None):
        self.settings = settings
        self.env = process_env(settings, base_env)
        self.processes: dict[str, subprocess.Popen] = {}
        self.log_dir = settings.home / "logs"

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def _spawn(self, name: str, cmd: list[str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path(name), "ab") as log:
            self.processes[name] = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_child_setup,
                start_new_session=True,
            )

    def start(self, *, before_daemon=None, timeout: float = 90.0) -> None:
        """Code server, then webserver; `before_daemon(topology)` runs before the daemon
        starts (e.g. stopping sensors through the UI's API); then the daemon."""
        write_dagster_home(self.settings)
        cmds = commands(self.settings)
        deadline = time.monotonic() + timeout
        self._spawn("code-server", cmds["code-server"])
        self._wait_for_port("code-server", self.settings.code_server_port, deadline)
        self._spawn("webserver", cmds["webserver"])
        self._wait_for_location(deadline)
        if before_daemon is not None:
            before_daemon(self)
        self._spawn("daemon", cmds["daemon"])

    def check_alive(self) -> None:
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                raise TopologyError(self._failure(name, f"exited with code {proc.returncode}"))

    def _failure(self, name: str, what: str) -> str:
        tail = self.log_path(name).read_text(errors="replace")[-3000:]
        return f"{name} {what}; last lines of {self.log_path(name)}:\n{tail}"

    def _wait_for_port(self, name: str, port: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            self.check_alive()
            with socket.socket() as sock:
                if sock.connect_ex((HOST, port)) == 0:
                    return
            time.sleep(0.2)
        raise TopologyError(self._failure(name, f"did not listen on port {port}"))

    def _wait_for_location(self, deadline: float) -> None:
        from tools.dagster_ui_api import DagsterUiApi

        api = DagsterUiApi(self.settings.graphql_url)
        last = "webserver not answering"
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                status, error = api.location_status(LOCATION_NAME)
            except OSError as err:
                last = str(err)
            else:
                if status == "LOADED" and not error:
                    return
                last = f"location {LOCATION_NAME}: {status} {error or ''}".strip()
                if error:  # the code server was still loading when the webserver asked
                    api.reload_location(LOCATION_NAME)
            time.sleep(0.5)
        raise TopologyError(self._failure("webserver", f"did not serve the code location ({last})"))

    def stop(self) -> None:
        """SIGTERM each process's session (daemon first), SIGKILL what is left after a grace."""
        for name in ("daemon", "webserver", "code-server"):
            proc = self.processes.get(name)
            if proc is not None and proc.poll() is None:
                _signal_session(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.processes.values():
            _signal_session(proc.pid, signal.SIGKILL)  # leftovers: run workers, gRPC children
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def __enter__(self) -> "Topology":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _signal_session(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # start_new_session: the process group id is the leader's pid
    except (ProcessLookupError, PermissionError):
        pass
