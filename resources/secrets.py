"""The PII keys: an HMAC key for masks and an AES-256 key for recoverable ciphertext.

Two sources, chosen by environment variables only:

- ``SLUICE_PII_HMAC_KEY`` and ``SLUICE_PII_ENCRYPTION_KEY``: each the base64 of 32 random
  bytes (``python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"``).
- ``SLUICE_PII_SECRET_ID``: an AWS Secrets Manager secret whose SecretString is JSON
  ``{"hmac_key": "<b64>", "encryption_key": "<b64>", "previous_encryption_keys": ["<b64>"]}``
  (production; ``SLUICE_SECRETS_ENDPOINT_URL`` points it at moto or localstack).

``SLUICE_PII_PREVIOUS_ENCRYPTION_KEYS`` (comma-separated base64) keeps retired encryption keys
so ciphertext written before a rotation can still be revealed. There is deliberately no
fallback key: anything but ``make dev`` (which calls :func:`ensure_dev_keys`) without keys fails.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from dagster import ConfigurableResource
from pydantic import PrivateAttr

from resources.project_paths import SLUICE_DIR

HMAC_KEY_VARIABLE = "SLUICE_PII_HMAC_KEY"
ENCRYPTION_KEY_VARIABLE = "SLUICE_PII_ENCRYPTION_KEY"
PREVIOUS_ENCRYPTION_KEYS_VARIABLE = "SLUICE_PII_PREVIOUS_ENCRYPTION_KEYS"
SECRET_ID_VARIABLE = "SLUICE_PII_SECRET_ID"
SECRETS_ENDPOINT_VARIABLE = "SLUICE_SECRETS_ENDPOINT_URL"
KEY_BYTES = 32

DEV_KEYS_PATH = SLUICE_DIR / "dev-pii-keys.json"


class PiiKeyError(ValueError):
    """PII keys are missing or malformed; the message names the variable or secret field."""


@dataclass(frozen=True, repr=False)
class PiiKeys:
    hmac_key: bytes
    encryption_key: bytes
    previous_encryption_keys: tuple[bytes, ...] = ()

    @property
    def decryption_keys(self) -> tuple[bytes, ...]:
        return (self.encryption_key, *self.previous_encryption_keys)

    @property
    def mask_key_id(self) -> str:
        """8 hex chars naming the HMAC key (not secret): tells masks of different keys apart."""
        return key_fingerprint(self.hmac_key).hex()

    def __repr__(self) -> str:  # keys never end up in a log line by accident
        return (
            f"PiiKeys(mask_key_id={self.mask_key_id}, encryption_keys={len(self.decryption_keys)})"
        )


def key_fingerprint(key: bytes) -> bytes:
    """A 4-byte public id of a key (a hash of it, domain-separated so it reveals nothing)."""
    return hashlib.sha256(b"sluice-pii-key-id:" + key).digest()[:4]


def decode_key(value: Optional[str], name: str) -> bytes:
    """Decode one base64 key, or fail with a message naming where it came from."""
    if value is None or not value.strip():
        raise PiiKeyError(
            f"{name} is not set: it must be the base64 of {KEY_BYTES} random bytes. "
            f"Set {HMAC_KEY_VARIABLE} and {ENCRYPTION_KEY_VARIABLE}, or {SECRET_ID_VARIABLE} "
            "for AWS Secrets Manager; `make dev` creates development keys under .sluice/."
        )
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise PiiKeyError(
            f"{name} is not valid base64 (expected the base64 of {KEY_BYTES} bytes)"
        ) from None
    if len(key) != KEY_BYTES:
        raise PiiKeyError(
            f"{name} decodes to {len(key)} bytes; it must be exactly {KEY_BYTES} bytes"
        )
    return key


def _decode_list(values, name: str) -> tuple[bytes, ...]:
    return tuple(decode_key(v, f"{name}[{i}]") for i, v in enumerate(values) if v and v.strip())


def keys_from_env(env=None) -> PiiKeys:
    env = os.environ if env is None else env
    hmac_key = decode_key(env.get(HMAC_KEY_VARIABLE), HMAC_KEY_VARIABLE)
    encryption_key = decode_key(env.get(ENCRYPTION_KEY_VARIABLE), ENCRYPTION_KEY_VARIABLE)
    previous = (env.get(PREVIOUS_ENCRYPTION_KEYS_VARIABLE) or "").split(",")
    return _checked(
        PiiKeys(hmac_key, encryption_key, _decode_list(previous, PREVIOUS_ENCRYPTION_KEYS_VARIABLE))
    )


def keys_from_secrets_manager(
    secret_id: str, endpoint_url: Optional[str] = None, region: Optional[str] = None
) -> PiiKeys:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    region = (
        region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )
    client = boto3.client("secretsmanager", endpoint_url=endpoint_url, region_name=region)
    try:
        secret = client.get_secret_value(SecretId=secret_id)["SecretString"]
    except (ClientError, BotoCoreError) as err:
        raise PiiKeyError(
            f"cannot read PII keys from Secrets Manager secret {secret_id!r}: {err}"
        ) from None
    try:
        fields = json.loads(secret)
        if not isinstance(fields, dict):
            raise ValueError
    except ValueError:
        raise PiiKeyError(
            f"Secrets Manager secret {secret_id!r} is not a JSON object "
            "with hmac_key and encryption_key"
        ) from None
    where = f"secret {secret_id!r} field"
    return _checked(
        PiiKeys(
            decode_key(fields.get("hmac_key"), f"{where} hmac_key"),
            decode_key(fields.get("encryption_key"), f"{where} encryption_key"),
            _decode_list(
                fields.get("previous_encryption_keys") or [], f"{where} previous_encryption_keys"
            ),
        )
    )


def _checked(keys: PiiKeys) -> PiiKeys:
    # One key for both jobs would let whoever holds the mask key decrypt: refuse it.
    if keys.hmac_key == keys.encryption_key:
        raise PiiKeyError(
            f"{HMAC_KEY_VARIABLE} and {ENCRYPTION_KEY_VARIABLE} must be different keys"
        )
    fingerprints = [key_fingerprint(k) for k in keys.decryption_keys]
    if len(set(fingerprints)) != len(fingerprints):
        raise PiiKeyError("two encryption keys share a key id; drop the duplicate previous key")
    return keys


def load_pii_keys(secret_id: Optional[str] = None, endpoint_url: Optional[str] = None) -> PiiKeys:
    """Keys from Secrets Manager when a secret id is given or set, else from the environment."""
    secret_id = secret_id or os.environ.get(SECRET_ID_VARIABLE)
    if secret_id:
        return keys_from_secrets_manager(
            secret_id, endpoint_url or os.environ.get(SECRETS_ENDPOINT_VARIABLE)
        )
    return keys_from_env()


class PiiKeysResource(ConfigurableResource):
    """The PII keys (resource key ``pii_keys``), resolved at first use so definitions load
    without them.

    Leave the fields unset to read ``SLUICE_PII_*`` variables (or ``SLUICE_PII_SECRET_ID``);
    set ``secret_id`` to force Secrets Manager.
    """

    secret_id: Optional[str] = None
    secrets_endpoint_url: Optional[str] = None

    _keys = PrivateAttr(default=None)

    def get_keys(self) -> PiiKeys:
        if self._keys is None:
            self._keys = load_pii_keys(self.secret_id, self.secrets_endpoint_url)
        return self._keys


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def ensure_dev_keys(path: Path = DEV_KEYS_PATH) -> dict[str, str]:
    """Create development PII keys at ``path`` once (mode 0600); return the env vars to set.

    The same file is reused on every ``make dev`` so masks and ciphertext stay readable across
    restarts. Never use these keys for real data: they sit unprotected next to the code.
    """
    path = Path(path)
    if path.exists():
        env = json.loads(path.read_text())
    else:
        env = {HMAC_KEY_VARIABLE: new_key(), ENCRYPTION_KEY_VARIABLE: new_key()}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(env, f, indent=2)
        os.replace(tmp, path)
    keys_from_env(env)  # a corrupted file fails here, naming the variable
    return {
        HMAC_KEY_VARIABLE: env[HMAC_KEY_VARIABLE],
        ENCRYPTION_KEY_VARIABLE: env[ENCRYPTION_KEY_VARIABLE],
    }
