import base64
import hashlib
import hmac

import pytest

from platform_assets.logins.pii import Encryptor, RevealError, decrypt, key_id, mask
from resources.secrets import key_fingerprint

KEY = bytes(32)
OTHER = bytes([1] * 32)


def test_mask_is_keyed_hmac_sha256_lowercase_hex():
    expected = hmac.new(KEY, b"199.172.111.135", hashlib.sha256).hexdigest()
    assert mask("199.172.111.135", KEY) == expected
    assert mask("199.172.111.135", KEY) == expected  # deterministic
    assert mask("199.172.111.135", OTHER) != expected  # keyed
    assert expected == expected.lower() and len(expected) == 64


def test_encryption_round_trips_with_random_nonce():
    enc = Encryptor(KEY)
    a, b = enc.encrypt("593-47-5928", "device_id"), enc.encrypt("593-47-5928", "device_id")
    assert a != b
    assert decrypt(a, [KEY], "device_id") == decrypt(b, [KEY], "device_id") == "593-47-5928"


def test_ciphertext_format_names_its_key():
    raw = base64.b64decode(Encryptor(KEY).encrypt("1.2.3.4", "ip"))
    assert raw[0] == 1 and raw[1:5] == key_id(KEY) == key_fingerprint(KEY)
    assert len(raw) == 1 + 4 + 12 + len("1.2.3.4") + 16


def test_rotation_reads_old_ciphertext_with_previous_key():
    old = Encryptor(OTHER).encrypt("1.2.3.4", "ip")
    assert decrypt(old, [KEY, OTHER], "ip") == "1.2.3.4"
    with pytest.raises(RevealError, match="not among the configured keys"):
        decrypt(old, [KEY], "ip")


def test_field_is_bound_and_tampering_detected():
    token = Encryptor(KEY).encrypt("1.2.3.4", "ip")
    with pytest.raises(RevealError, match="authentication"):
        decrypt(token, [KEY], "device_id")
    raw = bytearray(base64.b64decode(token))
    raw[-1] ^= 1
    with pytest.raises(RevealError, match="authentication"):
        decrypt(base64.b64encode(bytes(raw)).decode(), [KEY], "ip")


def test_masker_is_the_same_hmac_for_short_and_long_keys():
    from platform_assets.logins.pii import Masker

    for key in (KEY, b"k", bytes(range(100))):  # a key over 64 bytes is hashed first (RFC 2104)
        for value in ("1.2.3.4", "", "josé-593-47"):
            assert Masker(key)(value) == mask(value, key)


def test_batch_encryption_uses_a_distinct_nonce_per_value_and_round_trips():
    tokens = Encryptor(KEY).encrypt_many(["a", "a", "b"] * 100, "ip")
    nonces = {base64.b64decode(t)[5:17] for t in tokens}
    assert len(nonces) == 300
    assert [decrypt(t, [KEY], "ip") for t in tokens[:3]] == ["a", "a", "b"]
