"""End to end: `python -m tools.dev_server` serves the UI with sensors running on an
embedded Postgres, and one SIGTERM stops it and everything it started."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import psycopg
import yaml

ROOT = Path(__file__).resolve().parents[1]

SENSORS_QUERY = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    sensors { name sensorState { status } } } } } }
"""


JOBS_QUERY = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    jobs { name } schedules { name cronSchedule scheduleState { status } } } } } }
"""

RELOAD = """
mutation { reloadRepositoryLocation(repositoryLocationName: "platform_assets.definitions") {
    __typename ... on WorkspaceLocationEntry { locationOrLoadError { __typename } } } }
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str, timeout: float = 10) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def sensor_statuses(port: int) -> dict:
    data = graphql(port, SENSORS_QUERY)["data"]["repositoriesOrError"]
    return {
        sensor["name"]: sensor["sensorState"]["status"]
        for repo in data.get("nodes", [])
        for sensor in repo["sensors"]
    }


def jobs_and_schedules(port: int) -> tuple[set, dict]:
    nodes = graphql(port, JOBS_QUERY)["data"]["repositoriesOrError"]["nodes"]
    jobs = {job["name"] for repo in nodes for job in repo["jobs"]}
    schedules = {
        s["name"]: (s["cronSchedule"], s["scheduleState"]["status"])
        for repo in nodes
        for s in repo["schedules"]
    }
    return jobs, schedules


def reload_code_location(port: int) -> None:
    # A reload starts a new code server that imports the code location: seconds on a quiet
    # machine, more on a loaded 2-core one.
    result = graphql(port, RELOAD, timeout=120)["data"]["reloadRepositoryLocation"]
    assert result["__typename"] == "WorkspaceLocationEntry", result
    assert result["locationOrLoadError"]["__typename"] == "RepositoryLocation", result


def processes_using(data_dir: Path) -> list:
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(proc)
    return found


def test_dev_server_serves_with_sensors_running_and_stops_cleanly_on_sigterm(tmp_path):
    port, pg_port, api_port = free_port(), free_port(), free_port()
    home, pg_data = tmp_path / "dagster_home", tmp_path / "postgres"
    keys_path = tmp_path / "dev-pii-keys.json"
    jobs_dir = tmp_path / "jobs"
    jobs_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLUICE_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(home),
        SLUICE_STORAGE_URL=str(tmp_path / "storage"),
        SLUICE_POSTGRES_DATA_DIR=str(pg_data),
        SLUICE_DEV_PORT=str(port),
        SLUICE_DEV_KEYS_PATH=str(keys_path),
        SLUICE_JOBS_DIR=str(jobs_dir),
        SLUICE_CATALOG_PATH=str(tmp_path / "catalog" / "lake.duckdb"),
        SLUICE_POSTGRES_PORT=str(pg_port),
        SLUICE_API_PORT=str(api_port),
        SLUICE_DEV_API_TOKEN_PATH=str(tmp_path / "dev-api-token"),
    )
    log_path = tmp_path / "dev_server.log"
    started = time.monotonic()
    with open(log_path, "wb") as log:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "tools.dev_server"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        statuses, deadline = {}, started + 90
        while statuses.get("raw_events_sensor") is None and time.monotonic() < deadline:
            assert launcher.poll() is None, log_path.read_text()
            try:
                statuses = sensor_statuses(port)
            except (OSError, KeyError, ValueError):
                time.sleep(0.5)
        assert statuses.get("raw_events_sensor") == "RUNNING", (statuses, log_path.read_text())
        # Declarative automation needs a running automation sensor: Dagster's default one
        # starts stopped, so the domains bring their own.
        for sensor in (
            "catalog_automation_sensor",
            "iris_automation_sensor",
            "customer_files_sensor",
        ):
            assert statuses.get(sensor) == "RUNNING", (sensor, statuses)

        # Dagster's instance lives in its own database on the embedded server.
        instance_yaml = yaml.safe_load((home / "dagster.yaml").read_text())
        dagster_url = instance_yaml["storage"]["postgres"]["postgres_url"]
        assert dagster_url.startswith("postgresql+psycopg2://") and str(pg_data) in dagster_url
        with psycopg.connect(dagster_url.replace("+psycopg2", "", 1)) as conn:
            assert conn.execute("select to_regclass('runs') is not null").fetchone()[0]
        # The repo's production dagster.yaml keeps the same instance settings.
        repo_yaml = yaml.safe_load((ROOT / "dagster.yaml").read_text())
        for section in ("run_coordinator", "telemetry"):
            assert repo_yaml[section] == instance_yaml[section], section

        # Declaring a job is committing a file and reloading the code location.
        assert "lake_sweep" not in jobs_and_schedules(port)[0]
        (jobs_dir / "lake_sweep.yaml").write_text(
            "selection: events_lake\ncron: '45 * * * *'\ndescription: added while serving\n"
        )
        reload_code_location(port)
        jobs, schedules = jobs_and_schedules(port)
        assert "lake_sweep" in jobs
        assert schedules["lake_sweep_schedule"] == ("45 * * * *", "RUNNING")
        (jobs_dir / "lake_sweep.yaml").unlink()
        reload_code_location(port)
        jobs, schedules = jobs_and_schedules(port)
        assert "lake_sweep" not in jobs and "lake_sweep_schedule" not in schedules

        # psql and BI tools reach the embedded Postgres over TCP (SLUICE_POSTGRES_PORT).
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{pg_port}/sluice") as conn:
            assert conn.execute("select current_database()").fetchone() == ("sluice",)

        # A CLI run with the instance's variables (dev.env) lands in this instance's history.
        cli = subprocess.run(
            [
                "bash",
                "-c",
                f"source {home / 'dev.env'} && {sys.executable} -m dagster asset "
                "materialize -m platform_assets.definitions --select iris_dataset",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert cli.returncode == 0, cli.stderr[-3000:]
        with psycopg.connect(dagster_url.replace("+psycopg2", "", 1)) as conn:
            assert (
                conn.execute("select count(*) from runs where status = 'SUCCESS'").fetchone()[0]
                >= 1
            )

        # The serving API runs next to the UI and takes the development token.
        token = (tmp_path / "dev-api-token").read_text().strip()
        health, deadline = None, time.monotonic() + 60
        while health is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{api_port}/health", timeout=30
                ) as response:
                    health = json.loads(response.read())
            except OSError:
                time.sleep(0.5)
        assert health == {"status": "ok"}, log_path.read_text()
        history = urllib.request.Request(
            f"http://127.0.0.1:{api_port}/v1/users/someone/events",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(history, timeout=30) as response:
            assert json.loads(response.read())["events"] == []

        children = psutil.Process(launcher.pid).children(recursive=True)
        assert any("dagster" in " ".join(p.cmdline()) for p in children)
        assert any("sluice-api" in " ".join(p.cmdline()) for p in children)
        postgres = processes_using(pg_data)
        assert postgres, "embedded Postgres is not running"

        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=30) == 0, log_path.read_text()
    finally:
        if launcher.poll() is None:  # a failed assertion: stop the whole tree, not the launcher
            tree = psutil.Process(launcher.pid).children(recursive=True)
            launcher.send_signal(signal.SIGTERM)
            try:
                launcher.wait(timeout=30)
            except subprocess.TimeoutExpired:
                launcher.kill()
            for process in tree:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()

    _, alive = psutil.wait_procs(children + postgres, timeout=5)
    assert not alive, f"left running: {alive}\n{log_path.read_text()}"
    assert not processes_using(pg_data)
    output = log_path.read_text()
    assert "DEVELOPMENT KEYS" in output and "DEVELOPMENT TOKEN" in output
    assert token not in output
    for key in json.loads(keys_path.read_text()).values():
        assert key not in output
