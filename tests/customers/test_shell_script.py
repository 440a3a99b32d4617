"""scripts/flag_future_timestamps.sh against the Python rules, value by value."""

import csv
import random
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from platform_assets.customers.shell_future_flags import SHELL_SCRIPT as SCRIPT
from platform_assets.customers.timestamps import format_timestamp, is_future, parse_timestamp
from tests.customers.customer_files import BOUNDARY_INGESTED_AT, BOUNDARY_ROWS

# Every awk on the machine: the script must not depend on GNU extensions.
AWKS = ["awk"] + [a for a in ("gawk --posix", "mawk", "busybox awk") if shutil.which(a.split()[0])]


def run(*args, awk="awk", check=True):
    return subprocess.run(
        ["sh", str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "AWK": awk},
        check=check,
    )


def write_csv(path, timestamps, extra_quoting=False):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n" if extra_quoting else "\n")
        writer.writerow(["id", "name, quoted" if extra_quoting else "name", "timestamp", "note"])
        for i, text in enumerate(timestamps):
            name = f'Ann "{i}", the\nsecond' if extra_quoting and i % 3 == 0 else f"n{i}"
            writer.writerow([i, name, text, "x,y" if i % 2 else ""])
    return path


def random_timestamps(count: int, around: datetime, seed: int) -> list[str]:
    """Values in every accepted form, most within seconds of ``around``."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        spread = rng.choice([2, 120, 86400 * 400])
        instant = around + timedelta(
            seconds=rng.randint(-spread, spread), microseconds=rng.choice([0, 0, 1, 999999])
        )
        offset = timedelta(minutes=rng.choice([0, 0, 60, -300, 330, -59, 23 * 60 + 59]))
        local = (instant + offset).replace(tzinfo=None)
        zone = {0: rng.choice(["", "Z", "+00:00", "-0000", "+00"])}.get(
            offset.total_seconds(), None
        )
        if zone is None:
            minutes = int(offset.total_seconds() // 60)
            sign = "-" if minutes < 0 else "+"
            hours, mins = divmod(abs(minutes), 60)
            zone = rng.choice([f"{sign}{hours:02d}:{mins:02d}", f"{sign}{hours:02d}{mins:02d}"])
        sep = rng.choice(["T", " "])
        frac = f".{local.microsecond:06d}"[: rng.choice([2, 4, 7])] if local.microsecond else ""
        form = rng.choice(["date", "minutes", "seconds", "seconds"])
        if form == "date":
            out.append(local.strftime("%Y-%m-%d"))
        elif form == "minutes":
            out.append(local.strftime(f"%Y-%m-%d{sep}%H:%M") + zone)
        else:
            out.append(local.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + frac + zone)
    return out


def python_rows(timestamps, ingested_at) -> list[int]:
    return [i + 1 for i, t in enumerate(timestamps) if is_future(parse_timestamp(t), ingested_at)]


@pytest.mark.parametrize("awk", AWKS)
def test_boundary_rows_agree_with_python(tmp_path, awk):
    timestamps = [t for _, t, _ in BOUNDARY_ROWS]
    path = write_csv(tmp_path / "b.csv", timestamps, extra_quoting=True)
    expected = [i + 1 for i, (_, _, future) in enumerate(BOUNDARY_ROWS) if future]
    assert python_rows(timestamps, BOUNDARY_INGESTED_AT) == expected
    ingested = format_timestamp(BOUNDARY_INGESTED_AT)
    listed = run("-l", path, ingested, awk=awk)
    assert [int(x) for x in listed.stdout.split()] == expected
    assert run(path, ingested, awk=awk).stdout.strip() == str(len(expected))


@pytest.mark.parametrize("awk", AWKS)
def test_random_values_in_every_form_agree_with_python(tmp_path, awk):
    ingested_at = datetime(2024, 2, 29, 23, 59, 59, 500000, tzinfo=UTC)
    timestamps = random_timestamps(400, ingested_at, seed=7)
    assert all(parse_timestamp(t) is not None for t in timestamps)
    path = write_csv(tmp_path / "r.csv", timestamps)
    expected = python_rows(timestamps, ingested_at)
    assert 50 < len(expected) < 350  # both sides of the boundary are exercised
    for reference in (format_timestamp(ingested_at), "2024-03-01T00:59:59.5+01:00"):
        listed = run("-l", path, reference, awk=awk)
        assert [int(x) for x in listed.stdout.split()] == expected
        assert listed.stderr == ""


def test_unparseable_values_are_reported_and_not_counted(tmp_path):
    values = [
        "2999-01-01",
        "24/08/2020",
        "2021-02-30",
        "2999-01-01T00:00:00+24:00",
        "",
        "2999-12-31",
    ]
    assert [parse_timestamp(v) is None for v in values] == [False, True, True, True, True, False]
    done = run("-l", write_csv(tmp_path / "u.csv", values), "2025-01-01")
    assert done.stdout.split() == ["1", "6"]
    assert done.stderr.count("unparseable timestamp") == 4 and '"24/08/2020"' in done.stderr


def test_usage_errors_and_a_missing_column(tmp_path):
    assert run(check=False).returncode == 2
    assert run(tmp_path / "nope.csv", "2025-01-01", check=False).returncode == 2
    ok = write_csv(tmp_path / "ok.csv", ["2025-01-01"])
    bad_reference = run(ok, "yesterday", check=False)
    assert bad_reference.returncode == 2 and "INGESTED_AT" in bad_reference.stderr
    (tmp_path / "no_ts.csv").write_text("id,name\n1,a\n")
    missing = run(tmp_path / "no_ts.csv", "2025-01-01", check=False)
    assert missing.returncode == 3 and "no timestamp column" in missing.stderr
