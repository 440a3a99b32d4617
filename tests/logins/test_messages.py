import gzip
import io
import json

from platform_assets.logins.archive import archive_lines
from platform_assets.logins.messages import derived_message_id, read_login_file
from resources.queue import QueueMessage


def _read(key, data: bytes):
    return list(read_login_file(key, io.BytesIO(data)))


def test_json_array_file_like_the_sample(sample_data):
    data = (sample_data / "fetch-sqs-logins" / "sample_data.json").read_bytes()
    messages = _read("landing/logins/2025/01/01/00/sample.json", data)
    assert len(messages) == 100
    assert [m.source_line for m in messages] == list(range(100))
    assert json.loads(messages[12].body) == {"foo": "oops_wrong_msg_type", "bar": "123"}
    # stable ids: the same file read twice gives the same ids, a different file others
    again = _read("landing/logins/2025/01/01/00/sample.json", data)
    assert [m.message_id for m in messages] == [m.message_id for m in again]
    assert messages[0].message_id == derived_message_id(
        "landing/logins/2025/01/01/00/sample.json", 0
    )
    assert len({m.message_id for m in messages}) == 100


def test_jsonl_drop_keeps_bad_lines_and_skips_blank_ones():
    messages = _read("k.jsonl", b'{"a": 1}\n\nnot json\n')
    assert [(m.source_line, m.body) for m in messages] == [(1, '{"a": 1}'), (3, "not json")]


def test_archive_envelopes_keep_message_ids(tmp_path):
    from datetime import datetime, timezone

    now = datetime(2025, 1, 1, 10, tzinfo=timezone.utc)
    data = archive_lines(
        [QueueMessage("id-1", "rh", '{"x": 1}', None), QueueMessage("id-2", "rh", "bad{", now)], now
    )
    messages = _read("k.jsonl", data)
    assert [(m.message_id, m.body, m.received_at) for m in messages] == [
        ("id-1", '{"x": 1}', now), ("id-2", "bad{", now)
    ]  # fmt: skip


def test_gzip_and_json_that_is_not_an_array():
    assert len(_read("k.json", gzip.decompress(gzip.compress(b'{"a": 1}\n{"b": 2}\n')))) == 2
    assert len(_read("k.json", b'{"a": 1}')) == 1
