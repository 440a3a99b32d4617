"""`make dev`: Sluice on one machine with nothing configured, and a clean stop.

Starts the project's own Postgres unless ``SLUICE_POSTGRES_URL`` points at a server, puts
Dagster's instance storage in its own database on that server, creates development PII keys,
then runs ``dagster dev`` as a child, and the serving API (``sluice-api``, tools/dev_api.py)
as a second one, and stops everything on Ctrl-C or SIGTERM.

Variables (all optional):
  DAGSTER_HOME                 default ``.sluice/dagster_home``; a dagster.yaml you wrote is kept
  SLUICE_POSTGRES_URL          your Postgres (app database); default: embedded, ``.sluice/postgres``
  SLUICE_DAGSTER_POSTGRES_URL  Dagster's database; default ``sluice_dagster`` on the same server
  SLUICE_POSTGRES_DATA_DIR     embedded Postgres data directory
  SLUICE_DEV_PORT              UI port, default 3000
  SLUICE_DEV_KEYS_PATH         development PII keys file, default ``.sluice/dev-pii-keys.json``
  SLUICE_POSTGRES_PORT         also serve the embedded Postgres on 127.0.0.1:PORT (psql, BI tools)
  SLUICE_DEV_LOG_LEVEL         dagster dev's own log level, default ``warning`` (sensor skips
                               and daemon heartbeats are not news; runs log in the UI)

While it runs, ``$DAGSTER_HOME/dev.env`` holds the variables of this instance: ``source`` it in
another shell and ``dagster asset materialize ...`` runs land in this UI's run history.

Why a launcher and not a bare ``dagster dev``: started from a non-interactive shell, the
child inherits an ignored SIGINT, and ``dagster dev`` copies that handler to SIGTERM, so it
could only be stopped with SIGKILL. The child here gets default signal dispositions, its own
session (so one signal reaches it exactly once, from us), and dies with us if we are killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Optional

from resources.project_paths import PROJECT_ROOT, SLUICE_DIR
from tools.dev_api import api_port, api_token_env, start_api, stop_api
from tools.dev_setup import (
    HOST,
    DevServerError,
    dagster_executable,
    dev_port,
    pii_key_env,
    postgres_tcp_port,
    prepare_dagster_home,
    redact,
    say,
    start_postgres,
    write_dev_env,
)
from tools.tcp_forward import start_tcp_forward

CODE_LOCATION = "platform_assets.definitions"
# Seconds dagster dev gets to shut down after our signal before we kill what is left.
STOP_GRACE_SECONDS = 25


# ------------------------------------------------------------------------------ the child


def _child_setup() -> None:
    """In the child before exec: default signal handling, and die with the launcher."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def announce_when_serving(port: int, started: float, stop: threading.Event) -> None:
    url = f"http://{HOST}:{port}/server_info"
    while not stop.is_set():
        try:
            with urllib.request.urlopen(url, timeout=1):
                pass
        except Exception:
            stop.wait(0.5)
            continue
        say(
            f"UI ready at http://{HOST}:{port} ({time.monotonic() - started:.1f} s after start). "
            "Ctrl-C to stop."
        )
        return


def session_leftovers(session_id: int):
    """Processes still in the child's session (orphans of dagster dev, if any)."""
    import psutil

    found = []
    for proc in psutil.process_iter():
        try:
            if (
                proc.pid != os.getpid()
                and os.getsid(proc.pid) == session_id
                and proc.status() != psutil.STATUS_ZOMBIE
            ):
                found.append(proc)
        except (OSError, psutil.Error):
            continue
    return found


def stop_leftovers(session_id: int) -> list[str]:
    import psutil

    # dagster dev's code servers exit on their own shortly after it; give them that chance.
    deadline = time.monotonic() + 5
    while (procs := session_leftovers(session_id)) and time.monotonic() < deadline:
        time.sleep(0.2)
    names = []
    for proc in procs:
        try:
            names.append(" ".join(proc.cmdline()[1:4]))
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=5)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    return names


class _Stop(Exception):
    """A stop signal arrived before the child was running."""


def run(env) -> int:
    started = time.monotonic()
    child: Optional[subprocess.Popen] = None
    api: Optional[subprocess.Popen] = None
    stop_requested: dict[str, float] = {}

    def on_signal(signum, _frame):
        if child is None:
            raise _Stop(signal.Signals(signum).name)
        if "at" not in stop_requested:  # a terminal or `timeout` can deliver it twice
            stop_requested["at"] = time.monotonic()
            say(f"{signal.Signals(signum).name}: stopping dagster dev ...")
            try:
                child.send_signal(signal.SIGINT)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    server = None
    try:
        port = dev_port(env)
        home = Path(env.get("DAGSTER_HOME") or SLUICE_DIR / "dagster_home").resolve()
        server, app_url, dagster_url = start_postgres(env)
        instance = prepare_dagster_home(home, dagster_url)
        key_env, key_note = pii_key_env(env)
        token_env, token_note = api_token_env(env)
        served_api_port = api_port(env)

        from resources.storage import DEFAULT_STORAGE_DIR

        child_env = dict(env)
        child_env.update(key_env)
        child_env.update(token_env)
        child_env["DAGSTER_HOME"] = str(home)
        child_env["SLUICE_POSTGRES_URL"] = app_url
        child_env["SLUICE_DAGSTER_POSTGRES_URL"] = dagster_url
        venv_bin = str(Path(sys.executable).parent)
        child_env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "")])
        dev_env = write_dev_env(child_env)

        say(f"storage:   {env.get('SLUICE_STORAGE_URL') or DEFAULT_STORAGE_DIR}")
        where = "embedded, " + str(server.data_dir) if server else "SLUICE_POSTGRES_URL"
        say(f"Postgres:  {redact(app_url)} ({where})")
        say(f"Dagster:   DAGSTER_HOME={home}; instance storage: {instance}")
        say(key_note)
        tcp_port = postgres_tcp_port(env)
        if server and tcp_port:
            start_tcp_forward(tcp_port, server.socket_path)
            say(
                f"psql/BI:   psql 'postgresql://postgres@{HOST}:{tcp_port}/sluice' "
                "(SLUICE_POSTGRES_PORT)"
            )
        elif server:
            say("psql/BI:   set SLUICE_POSTGRES_PORT=5433 to reach this Postgres over TCP")
        say(f"CLI runs:  source {dev_env}, then `dagster asset materialize ...` shows in this UI")
        say(f"UI:        http://{HOST}:{port} (starting dagster dev, ~10 s)")

        log_level = env.get("SLUICE_DEV_LOG_LEVEL") or "warning"
        cmd = [
            str(dagster_executable()),
            "dev",
            "-m",
            CODE_LOCATION,
            "-h",
            HOST,
            "-p",
            str(port),
            "--log-level",
            log_level,
        ]
        child = subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=child_env, preexec_fn=_child_setup, start_new_session=True
        )
        if served_api_port:
            api = start_api(child_env, served_api_port, log_level, _child_setup)
            say(f"API:       http://{HOST}:{served_api_port}/docs (sluice-api)")
            say(token_note.replace("PORT", str(served_api_port)))
        else:
            say("API:       not started: its port is in use; set SLUICE_API_PORT to a free port")
        ready = threading.Event()
        threading.Thread(
            target=announce_when_serving, args=(port, started, ready), daemon=True
        ).start()

        while True:
            try:
                code = child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                pass
            if (
                "at" in stop_requested
                and time.monotonic() - stop_requested["at"] > STOP_GRACE_SECONDS
            ):
                say(f"dagster dev did not stop within {STOP_GRACE_SECONDS} s; killing it")
                child.kill()
        ready.set()
        stop_api(api)
        leftovers = stop_leftovers(child.pid)
        if leftovers:
            say(
                f"stopped {len(leftovers)} process(es) dagster dev left behind: "
                f"{', '.join(leftovers)}"
            )
        if "at" in stop_requested:
            say("dagster dev stopped")
            return 0
        say(f"dagster dev exited by itself with code {code}")
        return code if code >= 0 else 128 - code
    except _Stop as stop:
        say(f"{stop}: stopping before dagster dev started")
        return 0
    except DevServerError as err:
        say(f"error: {err}")
        return 2
    finally:
        # No more interruptions: a second Ctrl-C must not leave Postgres half-stopped.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()
        stop_api(api, timeout=5)
        if server is not None:
            say("stopping embedded Postgres ...")
            server.stop()
            say("embedded Postgres stopped")


def main() -> None:
    sys.exit(run(dict(os.environ)))


if __name__ == "__main__":
    main()
