"""The protect process: the same masks and ciphertexts as pii's functions, and a failure or
a death of the process is a one-line error naming the batch's files, with no process left."""

import os

import pytest

from platform_assets.logins.pii import decrypt, mask
from platform_assets.logins.protect_worker import ProtectWorker, ProtectWorkerError

HMAC_KEY, ENCRYPTION_KEY = bytes(range(32)), bytes(range(32, 64))
BATCH = "landing/logins/2025/03/01/09/a.jsonl .. landing/logins/2025/03/01/09/b.jsonl"


def reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # already waited for: no zombie
    return False


def test_masks_and_ciphertexts_match_the_pii_functions():
    ips, canonical, devices = ["2001:DB8::1", "10.0.0.1"], ["2001:db8::1", "10.0.0.1"], ["d", "é"]
    with ProtectWorker(HMAC_KEY, ENCRYPTION_KEY) as worker:
        pid = worker._proc.pid
        for _ in range(2):  # the process serves batch after batch
            worker.submit((canonical, ips, devices), BATCH)
            masked_ip, masked_device, encrypted_ip, encrypted_device = worker.result()
            assert masked_ip == [mask(v, HMAC_KEY) for v in canonical]
            assert masked_device == [mask(v, HMAC_KEY) for v in devices]
            assert [decrypt(t, [ENCRYPTION_KEY], "ip") for t in encrypted_ip] == ips
            assert [decrypt(t, [ENCRYPTION_KEY], "device_id") for t in encrypted_device] == devices
            assert len(set(encrypted_ip)) == 2  # a fresh nonce each
    assert reaped(pid)


def test_an_error_in_the_process_names_the_batch_and_quotes_no_value():
    with pytest.raises(ProtectWorkerError) as raised:
        with ProtectWorker(HMAC_KEY, ENCRYPTION_KEY) as worker:
            pid = worker._proc.pid
            worker.submit((["10.0.0.1"], ["10.0.0.1"], [None]), BATCH)  # None cannot be masked
            worker.result()
    message = str(raised.value)
    assert BATCH in message and "\n" not in message and "10.0.0.1" not in message
    assert reaped(pid)


def test_a_killed_process_fails_the_batch_instead_of_hanging():
    with pytest.raises(ProtectWorkerError, match="exited .* while masking landing/logins/"):
        with ProtectWorker(HMAC_KEY, ENCRYPTION_KEY) as worker:
            pid = worker._proc.pid
            worker._proc.kill()
            worker.submit((["10.0.0.1"] * 50_000, ["10.0.0.1"] * 50_000, ["d"] * 50_000), BATCH)
            worker.result()
    assert reaped(pid)


def test_an_error_in_the_parent_kills_and_reaps_the_process():
    with pytest.raises(RuntimeError, match="parent failed"):
        with ProtectWorker(HMAC_KEY, ENCRYPTION_KEY) as worker:
            pid = worker._proc.pid
            worker.submit((["10.0.0.1"], ["10.0.0.1"], ["d"]), BATCH)
            raise RuntimeError("parent failed")
    assert reaped(pid)


def test_a_stuck_process_is_killed_and_fails_the_batch_instead_of_hanging():
    import signal

    with pytest.raises(ProtectWorkerError, match="did not answer in 1 s while masking landing/"):
        with ProtectWorker(HMAC_KEY, ENCRYPTION_KEY, timeout=1.0) as worker:
            pid = worker._proc.pid
            os.kill(pid, signal.SIGSTOP)  # stuck: alive, never answering
            worker.submit((["10.0.0.1"] * 50_000, ["10.0.0.1"] * 50_000, ["d"] * 50_000), BATCH)
            worker.result()
    assert reaped(pid)
