"""The serving API under `make dev`: a development token, and sluice-api as a second child.

The token is written once to ``.sluice/dev-api-token`` (mode 0600) and reused; what is printed
is how to use it (``$(cat <file>)``), never the token itself, so terminal logs hold no token.

Variables (all optional):
  SLUICE_API_PORT              API port, default 8000 (a busy port skips the API, with a note)
  SLUICE_DEV_API_TOKEN_PATH    development token file, default ``.sluice/dev-api-token``
  SLUICE_API_TOKENS / SLUICE_API_TOKENS_SECRET_ID   your own tokens instead of the dev one
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from resources.api_tokens import TOKENS_SECRET_VARIABLE, TOKENS_VARIABLE, new_token
from resources.project_paths import PROJECT_ROOT, SLUICE_DIR
from tools.dev_setup import HOST, DevServerError

DEFAULT_API_PORT = 8000


def api_port(env) -> int | None:
    """The API's port, or None when it is in use (the UI still starts)."""
    raw = env.get("SLUICE_API_PORT") or str(DEFAULT_API_PORT)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise DevServerError(f"SLUICE_API_PORT={raw!r} is not a port number")
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, int(raw)))
        except OSError:
            return None
    return int(raw)


def ensure_dev_token(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    token = new_token()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    os.replace(tmp, path)
    return token


def api_token_env(env) -> tuple[dict[str, str], str]:
    """(variables to set, what to say): the user's tokens if configured, else the dev token."""
    if env.get(TOKENS_SECRET_VARIABLE):
        return {}, f"API tokens: from AWS Secrets Manager secret {env[TOKENS_SECRET_VARIABLE]!r}"
    if env.get(TOKENS_VARIABLE):
        return {}, f"API tokens: from {TOKENS_VARIABLE}"
    path = Path(env.get("SLUICE_DEV_API_TOKEN_PATH") or SLUICE_DIR / "dev-api-token")
    token = ensure_dev_token(path)
    grants = {token: {"team": "dev", "scopes": ["history", "stats"]}}
    return {TOKENS_VARIABLE: json.dumps(grants)}, (
        f"API token: DEVELOPMENT TOKEN in {path} (team dev, scopes history+stats), e.g.\n"
        f'           curl -H "Authorization: Bearer $(cat {path})" '
        "'http://127.0.0.1:PORT/v1/users/<user_id>/events?limit=10'"
    )


def start_api(child_env: dict, port: int, log_level: str, preexec_fn) -> subprocess.Popen:
    script = Path(sys.executable).parent / "sluice-api"
    command = [str(script), "--host", HOST, "--port", str(port), "--log-level", log_level]
    return subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=child_env, preexec_fn=preexec_fn, start_new_session=True
    )


def stop_api(api: subprocess.Popen | None, timeout: float = 10) -> None:
    if api is None or api.poll() is not None:
        return
    api.terminate()
    try:
        api.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        api.kill()
        api.wait()


def main() -> None:
    """`make serve`: the API alone, with the development token unless tokens are configured."""
    env = dict(os.environ)
    token_env, note = api_token_env(env)
    env.update(token_env)
    port = int(env.get("SLUICE_API_PORT") or DEFAULT_API_PORT)
    print(f"[sluice] API: http://{HOST}:{port}/docs", flush=True)
    print(f"[sluice] {note.replace('PORT', str(port))}", flush=True)
    script = Path(sys.executable).parent / "sluice-api"
    os.execve(script, [str(script), "--host", HOST, "--port", str(port)], env)


if __name__ == "__main__":
    main()
