"""Landing files read in blocks: lines split across blocks, CRLF, blank lines and numbering."""

import gzip

import pytest

from platform_assets.events.landing_reader import file_blocks, read_batches

KEY = "landing/events/2025/01/01/10/f.jsonl"
BODY = b'{"a":1}\r\n\r\n  \t\n{"b":22}\n\n{"c":333}\r\r\n{"d":4444}'  # no final newline


def lines_of(storage, key, block_bytes):
    out = []
    for texts, numbers, _ in file_blocks(storage, key, block_bytes):
        out += zip(numbers.tolist(), texts, strict=True)
    return out


@pytest.mark.parametrize("block_bytes", [1, 2, 5, 7, 64, 1 << 20])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_lines_and_numbers_whatever_the_block_size(local_storage, block_bytes, suffix):
    local_storage.put_bytes(KEY + suffix, gzip.compress(BODY) if suffix else BODY)
    assert lines_of(local_storage, KEY + suffix, block_bytes) == [
        (1, b'{"a":1}'), (4, b'{"b":22}'), (6, b'{"c":333}'), (7, b'{"d":4444}'),
    ]


def test_batches_cut_across_files_keep_keys_numbers_and_order(local_storage):
    local_storage.put_bytes("landing/events/2025/01/01/10/a.jsonl", b"1\n2\n\n3\n")
    local_storage.put_bytes("landing/events/2025/01/01/10/b.jsonl", b"4\n5\n")
    keys = ["landing/events/2025/01/01/10/a.jsonl", "landing/events/2025/01/01/10/b.jsonl"]
    batches = list(read_batches(local_storage, keys, 2, []))
    assert [batch.texts for batch in batches] == [[b"1", b"2"], [b"3", b"4"], [b"5"]]
    assert [batch.first_seq for batch in batches] == [0, 2, 4]
    assert [batch.line_number_array().tolist() for batch in batches] == [[1, 2], [4, 1], [2]]
    middle = batches[1]
    assert middle.source_key_array().to_pylist() == keys
    assert middle.source_keys_at([1, 0]) == [keys[1], keys[0]]
    assert middle.seq_array().tolist() == [2, 3]
