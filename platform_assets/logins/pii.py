"""Masking and encryption of login PII (ip, device_id); pure functions over raw key bytes.

- ``mask``: HMAC-SHA256, lowercase hex. The same value always gives the same mask, so
  duplicates and joins still work, and nobody without the HMAC key can test a guess.
- ``encrypt``/``decrypt``: AES-256-GCM. Text form is base64 of
  ``format(1 byte = 1) || key id (4 bytes) || nonce (12 bytes) || ciphertext+tag``.
  The key id lets a reader pick the right key after a rotation; the field name is bound in
  as associated data, so an ip ciphertext cannot be passed off as a device id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CIPHERTEXT_FORMAT = 1
NONCE_BYTES = 12
_HEADER = 1 + 4


class RevealError(ValueError):
    """A ciphertext cannot be decrypted with the keys at hand."""


def key_id(key: bytes) -> bytes:
    # Must match resources.secrets.key_fingerprint; duplicated so this module needs no Dagster.
    return hashlib.sha256(b"sluice-pii-key-id:" + key).digest()[:4]


def mask(value: str, hmac_key: bytes) -> str:
    return hmac.new(hmac_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _aad(field: str) -> bytes:
    return f"sluice:user_logins:{field}".encode()


class Encryptor:
    """Encrypts many values under one key without rebuilding the cipher for each."""

    def __init__(self, key: bytes):
        self._aead = AESGCM(key)
        self._prefix = bytes([CIPHERTEXT_FORMAT]) + key_id(key)

    def encrypt(self, value: str, field: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), _aad(field))
        return base64.b64encode(self._prefix + nonce + sealed).decode("ascii")


def decrypt(token: str, keys: Iterable[bytes], field: str) -> str:
    """The plaintext of ``token``, using whichever of ``keys`` wrote it."""
    try:
        raw = base64.b64decode(token, validate=True)
    except ValueError:
        raise RevealError(f"{field}: ciphertext is not base64") from None
    if len(raw) < _HEADER + NONCE_BYTES + 16 or raw[0] != CIPHERTEXT_FORMAT:
        raise RevealError(f"{field}: unknown ciphertext format")
    wanted = raw[1:_HEADER]
    for key in keys:
        if key_id(key) == wanted:
            nonce, sealed = raw[_HEADER : _HEADER + NONCE_BYTES], raw[_HEADER + NONCE_BYTES :]
            try:
                return AESGCM(key).decrypt(nonce, sealed, _aad(field)).decode("utf-8")
            except InvalidTag:
                raise RevealError(
                    f"{field}: ciphertext failed authentication (tampered or wrong field)"
                ) from None
    raise RevealError(
        f"{field}: encrypted under key id {wanted.hex()}, which is not among the configured keys "
        "(add it to SLUICE_PII_PREVIOUS_ENCRYPTION_KEYS after a rotation)"
    )


def canonical_ip(ip: str) -> str:
    # One address, one mask: "2001:DB8::1" and "2001:db8:0::1" must not mask differently.
    import ipaddress

    return str(ipaddress.ip_address(ip))


def protect(valid, hmac_key: bytes, encryption_key: bytes):
    """Yield (masked_ip, masked_device_id, encrypted_ip, encrypted_device_id) per valid row.

    This is the only place raw ip and device_id values are read after validation.
    """
    encryptor = Encryptor(encryption_key)
    for ip, device_id in zip(valid["ip"], valid["device_id"]):
        yield (
            mask(canonical_ip(ip), hmac_key),
            mask(device_id, hmac_key),
            encryptor.encrypt(ip, "ip"),
            encryptor.encrypt(device_id, "device_id"),
        )
