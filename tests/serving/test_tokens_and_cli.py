"""Team tokens from the environment or Secrets Manager (moto over HTTP), and `sluice-api`
serving in its own process without ever logging a token."""

import os
import subprocess
import sys
import time
from pathlib import Path

import boto3
import httpx
import pytest

from resources.api_tokens import ApiTokenError, digest, load_tokens, parse_tokens
from tests.serving.lake_fixtures import BOTH_TOKEN, TOKENS_JSON, free_port

ROOT = Path(__file__).resolve().parents[2]


def test_tokens_from_the_environment_hold_teams_and_scopes():
    grants = load_tokens({"SLUICE_API_TOKENS": TOKENS_JSON})
    assert grants[digest(BOTH_TOKEN)].team == "data"
    assert grants[digest(BOTH_TOKEN)].scopes == {"history", "stats"}
    assert BOTH_TOKEN not in repr(grants)  # kept as digests only


@pytest.mark.parametrize(
    "text, words",
    [
        ("{not json", "not valid JSON"),
        ('["a"]', "JSON object"),
        ('{"short": {"team": "t", "scopes": ["stats"]}}', "token #1 is shorter"),
        ('{"secret-token-abcdefgh": {"scopes": ["stats"]}}', "token #1 needs"),
        ('{"secret-token-abcdefgh": {"team": "t", "scopes": ["admin"]}}', "team t): scopes"),
    ],
)
def test_bad_token_configuration_names_the_problem_not_the_token(text, words):
    with pytest.raises(ApiTokenError) as err:
        parse_tokens(text, "SLUICE_API_TOKENS")
    assert words in str(err.value) and "SLUICE_API_TOKENS" in str(err.value)
    assert "secret-token" not in str(err.value)


def test_no_tokens_configured_is_a_clear_error():
    with pytest.raises(ApiTokenError, match="SLUICE_API_TOKENS"):
        load_tokens({})


@pytest.mark.s3
def test_tokens_from_secrets_manager(moto_endpoint):
    client = boto3.client("secretsmanager", endpoint_url=moto_endpoint, region_name="us-east-1")
    client.create_secret(Name="sluice/api-tokens", SecretString=TOKENS_JSON)
    env = {
        "SLUICE_API_TOKENS_SECRET_ID": "sluice/api-tokens",
        "SLUICE_SECRETS_ENDPOINT_URL": moto_endpoint,
    }
    assert load_tokens(env)[digest(BOTH_TOKEN)].team == "data"
    with pytest.raises(ApiTokenError, match="sluice/missing"):
        load_tokens({**env, "SLUICE_API_TOKENS_SECRET_ID": "sluice/missing"})


def test_sluice_api_serves_and_never_logs_tokens(served_lake, serving_postgres, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(
        SLUICE_STORAGE_URL=served_lake[0].resolved_url,
        SLUICE_POSTGRES_URL=serving_postgres,
        SLUICE_API_TOKENS=TOKENS_JSON,
    )
    log = tmp_path / "api.log"
    script = Path(sys.executable).parent / "sluice-api"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [str(script), "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 30
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        for token in (BOTH_TOKEN, "wrong-token-abcdefghijklmnop"):
            httpx.get(
                f"{base}/v1/users/someone/events", headers={"Authorization": f"Bearer {token}"}
            )
    finally:
        server.terminate()
        server.wait(timeout=15)
    output = log.read_text()
    assert "/v1/users/someone/events" in output  # the access log is on...
    assert BOTH_TOKEN not in output and "wrong-token" not in output  # ...and holds no token


def test_sluice_api_without_tokens_fails_with_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(SLUICE_STORAGE_URL=str(tmp_path), SLUICE_POSTGRES_URL="postgresql://x@127.0.0.1:1/x")
    script = Path(sys.executable).parent / "sluice-api"
    done = subprocess.run(
        [str(script), "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "SLUICE_API_TOKENS" in done.stderr and "Traceback" not in done.stderr
