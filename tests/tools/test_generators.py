"""The landing-file generators: what they write parses, the domain validators reject exactly
the rows meant to be dirty (with the reasons meant), a seed reproduces the bytes, every option
has help, and files reach S3 and messages reach SQS over real HTTP (moto)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from platform_assets.customers.read_csv import read_customer_csv
from platform_assets.customers.timestamps import parse_timestamp
from platform_assets.customers.validate import validate_customers
from platform_assets.logins.messages import LoginMessage, read_login_file
from platform_assets.logins.validate import validate_messages
from platform_assets.people.read_csv import read_person_csv_bytes
from platform_assets.people.validate import validate_persons
from resources.storage import StorageResource
from tools.generate import customers, logins, persons

START = datetime(2025, 1, 1, 10, tzinfo=UTC)


@pytest.fixture
def storage(tmp_path) -> StorageResource:
    return StorageResource(url=str(tmp_path / "storage"))


def person_rejections(data: bytes) -> tuple[int, dict[int, tuple[str, ...]]]:
    result = validate_persons(read_person_csv_bytes(data, "k"))
    rejected = zip(result.rejected["line"], result.rejected["reasons"])
    return len(result.valid), {int(line): tuple(reasons) for line, reasons in rejected}


def login_rejections(key: str, data: bytes) -> tuple[int, dict[int, tuple[str, ...]]]:
    result = validate_messages(list(read_login_file(key, io.BytesIO(data))))
    return len(result.valid), {q.message.source_line: q.reasons for q in result.quarantined}


def customer_rejections(key: str, data: bytes) -> tuple[int, dict[int, tuple[str, ...]]]:
    result = validate_customers(read_customer_csv(data, key))
    return len(result.kept), {r.line: r.reasons for r in result.rejected}


def kinds_of(dirty: dict[int, tuple[str, ...]]) -> set[str]:
    return {reasons[0] for reasons in dirty.values()}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_persons_validator_rejects_exactly_the_dirty_rows(storage, seed):
    written = persons.generate_persons(
        storage, rows=400, dirty_share=0.1, seed=seed, crlf=seed == 1
    )
    assert written.key == "landing/persons/persons.csv" and len(written.dirty) == 40
    valid, rejected = person_rejections(storage.read_bytes(written.key))
    assert rejected == written.dirty
    assert valid == 400 - 40
    assert kinds_of(written.dirty) == set(persons.KINDS)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_logins_validator_rejects_exactly_the_dirty_messages(storage, seed):
    files = logins.write_login_files(
        storage, messages=600, start=START, hours=3, dirty_share=0.1, seed=seed
    )
    assert [f.key for f in files] == [
        f"landing/logins/2025/01/01/{hour}/logins.jsonl" for hour in ("10", "11", "12")
    ]
    kinds: set[str] = set()
    for written in files:
        valid, rejected = login_rejections(written.key, storage.read_bytes(written.key))
        assert rejected == written.dirty, written.key
        assert valid == written.records - len(written.dirty) and written.records == 200
        kinds |= kinds_of(written.dirty)
    assert sum(len(f.dirty) for f in files) == 60
    assert kinds == set(logins.KINDS)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_customers_validator_rejects_exactly_the_dirty_rows(storage, seed):
    written = customers.generate_customers(
        storage, rows=500, dirty_share=0.1, seed=seed, crlf=seed == 2
    )
    data = storage.read_bytes(written.key)
    kept, rejected = customer_rejections(written.key, data)
    assert rejected == written.dirty and len(written.dirty) == 50
    assert kept == 450
    assert kinds_of(written.dirty) == set(customers.KINDS)
    # Realistic, not just dirty: quoted line breaks (rows start past line 501) and future rows.
    parsed = read_customer_csv(data, written.key)
    assert parsed.rows[-1].line > 501
    stamps = [parse_timestamp(r.fields[3]) for r in parsed.rows if len(r.fields) == 11]
    assert any(s is not None and s.year > 2030 for s in stamps)


def test_clean_rows_are_varied_but_all_load():
    rows, dirty = persons.person_rows(300, 0.0, seed=4)
    assert dirty == {}
    assert person_rejections(persons.persons_csv(rows)) == (300, {})
    assert any(":" in row[5] for row in rows) and any(row[4] == "" for row in rows)
    bodies, dirty = logins.login_bodies(300, 0.0, seed=4)
    assert (
        dirty == {}
        and len(
            validate_messages(
                [LoginMessage(str(i), body, "k", i) for i, body in enumerate(bodies)]
            ).valid
        )
        == 300
    )
    assert any(json.loads(body)["locale"] is None for body in bodies)


@pytest.mark.parametrize("module", [persons, logins, customers])
def test_a_seed_reproduces_the_bytes_and_another_seed_differs(tmp_path, module):
    def run(seed: int, folder: str) -> dict[str, bytes]:
        root = tmp_path / folder
        assert module.main(["--seed", str(seed), "--storage-url", str(root)]) == 0
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    first, again, other = run(7, "a"), run(7, "b"), run(8, "c")
    assert first and first == again
    assert first.keys() == other.keys() and first != other


@pytest.mark.parametrize("module", [persons, logins, customers])
def test_every_option_has_help(module):
    for action in module.build_parser()._actions:
        assert action.help, f"{module.__name__}: {action.option_strings} has no help"


@pytest.mark.parametrize("command", ["persons", "logins", "customers"])
def test_console_scripts_answer_help(command):
    script = Path(sys.executable).parent / f"sluice-generate-{command}"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--dirty-share" in result.stdout and "--seed" in result.stdout


def test_bad_options_fail_with_one_line_naming_the_option(tmp_path, capsys):
    with pytest.raises(SystemExit):
        persons.main(["--dirty-share", "1.5"])
    assert "--dirty-share: '1.5': expected a share between 0 and 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        customers.main(["--name", "../escape"])
    assert "--name: '../escape'" in capsys.readouterr().err
    assert customers.main(["--from-sample", str(tmp_path / "none.csv")]) == 1
    assert capsys.readouterr().err.strip().endswith("none.csv: no such file")


def test_customers_from_sample_lands_the_renamed_public_file(storage, sample_data):
    sample = sample_data / "customers-glue-athena" / "customers_002.csv"
    written = customers.land_sample(storage, sample, "customers_002")
    data = storage.read_bytes("landing/customers/customers_002.csv")
    assert data.startswith(b"id,name,email,timestamp,Customer_Id,") and b"Account_Status" in data
    assert customer_rejections(written.key, data) == (100, {}) and written.records == 100


@pytest.mark.s3
def test_files_go_through_the_storage_resource_to_s3(moto_endpoint, s3_bucket, monkeypatch):
    monkeypatch.setenv("SLUICE_STORAGE_URL", f"s3://{s3_bucket}/root")
    monkeypatch.setenv("SLUICE_S3_ENDPOINT_URL", moto_endpoint)
    assert persons.main(["--rows", "50", "--name", "p1"]) == 0
    assert logins.main(["--messages", "50", "--hours", "2"]) == 0
    assert customers.main(["--rows", "50"]) == 0
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"])
    assert keys == [
        "root/landing/customers/customers.csv",
        "root/landing/logins/2025/01/01/10/logins.jsonl",
        "root/landing/logins/2025/01/01/11/logins.jsonl",
        "root/landing/persons/p1.csv",
    ]


@pytest.mark.s3
def test_logins_are_sent_to_sqs_and_validate_as_planned(moto_endpoint, monkeypatch, capsys):
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    url = sqs.create_queue(QueueName=f"gen-logins-{os.getpid()}")["QueueUrl"]
    monkeypatch.setenv("SLUICE_SQS_ENDPOINT_URL", moto_endpoint)
    assert logins.main(["--messages", "55", "--dirty-share", "0.2", "--queue-url", url]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["key"] == url and summary["records"] == 55 and summary["dirty"] == 11
    received: list[str] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        received += [m["Body"] for m in batch]
    bodies, dirty = logins.login_bodies(55, 0.2, seed=0)
    assert sorted(received) == sorted(bodies)
    messages = [LoginMessage(str(i), body, "sqs", i) for i, body in enumerate(received)]
    assert len(validate_messages(messages).quarantined) == len(dirty) == 11


@pytest.mark.s3
def test_sending_to_a_missing_queue_is_one_line_naming_it(moto_endpoint, monkeypatch, capsys):
    monkeypatch.setenv("SLUICE_SQS_ENDPOINT_URL", moto_endpoint)
    url = f"{moto_endpoint}/123456789012/no-such-queue"
    assert logins.main(["--messages", "5", "--queue-url", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"sluice-generate-logins: cannot send to {url}:") and err.count("\n") == 1
