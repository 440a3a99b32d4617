"""The storage resource behaves the same on a local directory and on S3 (moto)."""

import gzip

import pytest

from resources.storage import StorageConfigError, StorageResource, make_backend


def test_listing_is_in_key_order_after_cursor(storage):
    keys = [
        "landing/a/1.jsonl",
        "landing/a-b/2.jsonl",
        "landing/a/0/x.jsonl",
        "landing/b.jsonl",
        "other/z",
    ]
    for key in keys:
        storage.put_bytes(key, b"x")
    listed = [obj.key for obj in storage.list_objects("landing/")]
    assert listed == sorted(k for k in keys if k.startswith("landing/"))
    after = [obj.key for obj in storage.list_objects("landing/", start_after="landing/a/0/x.jsonl")]
    assert after == ["landing/a/1.jsonl", "landing/b.jsonl"]
    assert [o.key for o in storage.list_objects("landing/", limit=2)] == listed[:2]
    assert all(obj.size == 1 for obj in storage.list_objects("landing/"))


def test_listing_paginates(storage):
    storage.backend.page_size = 3
    keys = [f"landing/events/2025/01/01/00/f{i:02d}.jsonl" for i in range(10)]
    for key in keys:
        storage.put_bytes(key, b"{}")
    assert [o.key for o in storage.list_objects("landing/events/")] == keys
    assert [o.key for o in storage.list_objects("landing/events/", start_after=keys[4])] == keys[5:]


def test_reads_are_streaming_and_gzip_transparent(storage):
    storage.put_bytes("a/plain.jsonl", b"one\ntwo\n")
    storage.put_bytes("a/packed.jsonl.gz", gzip.compress(b"one\ntwo\n"))
    for key in ("a/plain.jsonl", "a/packed.jsonl.gz"):
        with storage.open_read(key) as stream:
            assert list(stream) == [b"one\n", b"two\n"]
    with pytest.raises(FileNotFoundError, match="a/missing"):
        storage.open_read("a/missing")


def test_writes_are_atomic_and_hidden_files_are_not_listed(storage, tmp_path):
    with storage.open_write("out/file.bin") as f:
        f.write(b"payload")
    assert storage.read_bytes("out/file.bin") == b"payload"
    local = tmp_path / "x"
    local.write_bytes(b"second")
    storage.put_file(local, "out/file.bin")
    assert storage.read_bytes("out/file.bin") == b"second"
    with pytest.raises(RuntimeError), storage.open_write("out/failed.bin") as f:
        f.write(b"half")
        raise RuntimeError("crash mid-write")
    assert not storage.exists("out/failed.bin")
    assert [o.key for o in storage.list_objects("out/")] == ["out/file.bin"]


def test_many_files_written_in_a_local_directory_are_published_by_moving(storage, tmp_path):
    """What the lake writer does: hidden files under writable_dir, then move_files to keys."""
    staging = tmp_path / "staging"
    staging.mkdir()
    directory = storage.writable_dir("lake/", staging_dir=staging)
    moves = []
    for index in range(12):
        path = directory / f"cell={index}" / ".part.tmp-0"
        path.parent.mkdir(parents=True)
        path.write_bytes(f"file {index}".encode())
        moves.append((path, f"lake/cell={index}/part.parquet"))
    assert list(storage.list_objects("lake/")) == []  # nothing is visible before the move
    storage.move_files(moves)
    assert [o.key for o in storage.list_objects("lake/")] == sorted(key for _, key in moves)
    assert storage.read_bytes("lake/cell=3/part.parquet") == b"file 3"
    assert not [p for p in directory.rglob(".*") if p.is_file()]  # moved, not copied


def test_remove_hidden_takes_only_the_named_leftovers(local_storage):
    root = local_storage.backend.root
    cell = root / "lake" / "c"
    cell.mkdir(parents=True)
    for name in (".h1.parquet.tmp-1-0", ".h1.parquet.tmp-2-0", ".h2.parquet.tmp-1-0", "h1.parquet"):
        (cell / name).write_bytes(b"x")
    local_storage.remove_hidden("lake/c/", ".h1.parquet.tmp-")
    local_storage.remove_hidden("lake/missing/", ".h1.parquet.tmp-")  # no directory: nothing to do
    assert sorted(p.name for p in cell.iterdir()) == [".h2.parquet.tmp-1-0", "h1.parquet"]


def test_pyarrow_filesystem_reads_what_storage_wrote(storage):
    import pyarrow as pa
    import pyarrow.parquet as pq

    filesystem, base = storage.arrow_filesystem()
    storage.put_bytes("t/x.txt", b"hello")
    with filesystem.open_input_stream(f"{base}/t/x.txt") as f:
        assert f.read() == b"hello"
    pq.write_table(pa.table({"a": [1]}), f"{base}/t/y.parquet", filesystem=filesystem)
    assert pq.read_table(storage.arrow_path("t/y.parquet"), filesystem=filesystem).num_rows == 1


def test_configuration_errors_are_clear():
    with pytest.raises(StorageConfigError, match="needs a bucket"):
        make_backend("s3://")
    with pytest.raises(StorageConfigError, match="unsupported scheme 'ftp'"):
        make_backend("ftp://host/x")


def test_url_defaults_follow_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SLUICE_STORAGE_URL", f"file://{tmp_path}/root")
    storage = StorageResource()
    storage.put_bytes("k", b"v")
    assert (tmp_path / "root" / "k").read_bytes() == b"v"
    monkeypatch.delenv("SLUICE_STORAGE_URL")
    assert StorageResource().resolved_url.endswith(".sluice/storage")


def test_a_missing_bucket_fails_naming_the_place_and_the_settings(moto_endpoint):
    from resources.storage import StorageAccessError

    storage = StorageResource(url="s3://no-such-bucket-here/x", s3_endpoint_url=moto_endpoint)
    with pytest.raises(
        StorageAccessError, match=r"s3://no-such-bucket-here/x/landing/.*SLUICE_STORAGE_URL"
    ):
        list(storage.list_objects("landing/"))
    with pytest.raises(StorageAccessError, match="cannot write s3://no-such-bucket-here/x/k"):
        storage.put_bytes("k", b"v")


def test_an_unreachable_endpoint_fails_clearly():
    from resources.storage import StorageAccessError

    storage = StorageResource(url="s3://bucket/x", s3_endpoint_url="http://127.0.0.1:9")
    storage.backend.client.meta.config.retries = {"max_attempts": 1}
    with pytest.raises(StorageAccessError, match="127.0.0.1:9"):
        list(storage.list_objects("landing/"))
