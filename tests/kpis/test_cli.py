"""The console script: outputs, and one clear line with exit code 2 for what it cannot use."""

import json
import os
import socket
import subprocess
import sys

from platform_assets.kpis.cli import main
from tests.kpis.conftest import DATE


def _run(args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")} | env
    script = os.path.join(os.path.dirname(sys.executable), "sluice-kpis")
    return subprocess.run(
        [script, *args], env=full_env, capture_output=True, text=True, timeout=120
    )


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_writes_json_and_html_into_storage_and_prints_a_table(lakes):
    storage = lakes["s3"]
    result = _run(
        ["--date", DATE],
        SLUICE_STORAGE_URL=storage.resolved_url,
        SLUICE_S3_ENDPOINT_URL=storage.s3_endpoint_url,
    )
    assert result.returncode == 0, result.stderr
    assert f"KPIs for {DATE}" in result.stdout and "active users" in result.stdout
    doc = json.loads(storage.read_bytes(f"query_results/kpis/kpis-{DATE}.json"))
    assert doc["date"] == DATE and doc["events"] > 0 and len(doc["by_hour"]) == 24
    html = storage.read_bytes(f"query_results/kpis/kpis-{DATE}.html").decode()
    assert html.count("<svg") == 3 and f"{doc['events']:,}" in html


def test_out_dir_gets_both_files(lakes, tmp_path):
    result = _run(
        ["--date", DATE, "--out", str(tmp_path / "out"), "--workers", "2"],
        SLUICE_STORAGE_URL=lakes["local"].resolved_url,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"kpis-{DATE}.html",
        f"kpis-{DATE}.json",
    ]


def _one_line_exit_2(result, *words):
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sluice-kpis: "), result.stderr
    assert all(word in lines[0] for word in words), lines[0]


def test_bad_arguments_are_refused(lakes, monkeypatch, capsys):
    monkeypatch.setenv("SLUICE_STORAGE_URL", lakes["local"].resolved_url)
    for args, words in [
        (["--date", "2025-02-30"], ["--date", "2025-02-30"]),
        (["--date", "yesterday"], ["yesterday"]),
        (["--date", DATE, "--workers", "0"], ["--workers"]),
        ([], ["--date"]),
    ]:
        try:
            code = main(args)
        except SystemExit as exit:  # argparse's own errors leave through SystemExit
            code = exit.code
        _one_line_exit_2(
            subprocess.CompletedProcess(args, code, "", capsys.readouterr().err), *words
        )


def test_unreachable_storage_and_scheduler(lakes, tmp_path):
    _one_line_exit_2(
        _run(["--date", DATE], SLUICE_STORAGE_URL=str(tmp_path / "nowhere")), "does not exist"
    )
    dead = f"http://127.0.0.1:{_dead_port()}"
    _one_line_exit_2(
        _run(
            ["--date", DATE],
            SLUICE_STORAGE_URL="s3://sluice-kpis/root",
            SLUICE_S3_ENDPOINT_URL=dead,
            AWS_MAX_ATTEMPTS="1",
        ),
        "SLUICE_S3_ENDPOINT_URL",
    )
    _one_line_exit_2(
        _run(
            ["--date", DATE, "--scheduler", f"tcp://127.0.0.1:{_dead_port()}"],
            SLUICE_STORAGE_URL=lakes["local"].resolved_url,
        ),
        "Dask scheduler",
    )
