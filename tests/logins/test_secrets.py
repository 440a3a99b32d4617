import base64
import json
import uuid

import boto3
import pytest

from resources.secrets import (
    ENCRYPTION_KEY_VARIABLE,
    HMAC_KEY_VARIABLE,
    PiiKeyError,
    PiiKeysResource,
    ensure_dev_keys,
    keys_from_env,
)

K1 = base64.b64encode(bytes(32)).decode()
K2 = base64.b64encode(bytes([7] * 32)).decode()


def test_missing_keys_fail_naming_the_variable(monkeypatch):
    monkeypatch.delenv(HMAC_KEY_VARIABLE, raising=False)
    with pytest.raises(PiiKeyError, match=f"{HMAC_KEY_VARIABLE} is not set"):
        PiiKeysResource().get_keys()
    with pytest.raises(PiiKeyError, match=f"{ENCRYPTION_KEY_VARIABLE} is not set"):
        keys_from_env({HMAC_KEY_VARIABLE: K1})


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("not base64!!", "not valid base64"),
        (base64.b64encode(b"short").decode(), "decodes to 5 bytes"),
    ],
)
def test_malformed_keys_fail_naming_the_variable(value, problem):
    with pytest.raises(PiiKeyError, match=f"{ENCRYPTION_KEY_VARIABLE}.*{problem}"):
        keys_from_env({HMAC_KEY_VARIABLE: K1, ENCRYPTION_KEY_VARIABLE: value})


def test_same_key_twice_is_refused():
    with pytest.raises(PiiKeyError, match="different keys"):
        keys_from_env({HMAC_KEY_VARIABLE: K1, ENCRYPTION_KEY_VARIABLE: K1})


def test_keys_never_show_in_repr():
    keys = keys_from_env({HMAC_KEY_VARIABLE: K1, ENCRYPTION_KEY_VARIABLE: K2})
    assert "AAAA" not in repr(keys) and keys.mask_key_id in repr(keys)


def test_secrets_manager_through_moto(moto_endpoint, monkeypatch):
    client = boto3.client("secretsmanager", endpoint_url=moto_endpoint, region_name="us-east-1")
    name = f"sluice/pii-{uuid.uuid4().hex[:8]}"
    client.create_secret(Name=name, SecretString=json.dumps({"hmac_key": K1, "encryption_key": K2}))
    monkeypatch.setenv("SLUICE_PII_SECRET_ID", name)
    monkeypatch.setenv("SLUICE_SECRETS_ENDPOINT_URL", moto_endpoint)
    keys = PiiKeysResource().get_keys()
    assert (keys.hmac_key, keys.encryption_key) == (bytes(32), bytes([7] * 32))

    client.create_secret(Name=name + "-bad", SecretString=json.dumps({"hmac_key": K1}))
    with pytest.raises(PiiKeyError, match="field encryption_key is not set"):
        PiiKeysResource(secret_id=name + "-bad", secrets_endpoint_url=moto_endpoint).get_keys()
    with pytest.raises(PiiKeyError, match="cannot read PII keys"):
        PiiKeysResource(secret_id=name + "-nope", secrets_endpoint_url=moto_endpoint).get_keys()


def test_dev_keys_are_created_once_and_private(tmp_path):
    path = tmp_path / ".sluice" / "dev-pii-keys.json"
    env = ensure_dev_keys(path)
    assert set(env) == {HMAC_KEY_VARIABLE, ENCRYPTION_KEY_VARIABLE}
    assert ensure_dev_keys(path) == env
    assert path.stat().st_mode & 0o777 == 0o600
    keys_from_env(env)
