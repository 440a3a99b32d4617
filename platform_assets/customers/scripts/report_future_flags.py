"""The Dagster Pipes side of flag_future_timestamps.sh: run it, report its count as metadata.

PipesSubprocessClient starts this file (see assets.py) with Pipes extras ``csv_path``,
``ingested_at`` and ``asset_key``. Only dagster_pipes is imported: this is the external
process, with no Dagster orchestration code in it.
"""

import subprocess
import sys
from pathlib import Path

from dagster_pipes import open_dagster_pipes

SCRIPT = Path(__file__).with_name("flag_future_timestamps.sh")


def main() -> None:
    with open_dagster_pipes() as pipes:
        command = ["sh", str(SCRIPT), pipes.get_extra("csv_path"), pipes.get_extra("ingested_at")]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        for line in done.stderr.splitlines():
            pipes.log.warning(f"{SCRIPT.name}: {line}")
        if done.returncode != 0:
            raise RuntimeError(f"{SCRIPT.name} exited with status {done.returncode}")
        count = int(done.stdout.strip())
        pipes.log.info(f"{SCRIPT.name}: {count} row(s) with a future timestamp")
        pipes.report_asset_materialization(
            asset_key=pipes.get_extra("asset_key"),
            metadata={"future_rows_shell": {"raw_value": count, "type": "int"}},
        )


if __name__ == "__main__":
    sys.exit(main())
