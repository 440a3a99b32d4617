"""Run scripts/flag_future_timestamps.sh through Dagster Pipes and get its count back.

PipesSubprocessClient starts scripts/report_future_flags.py (the Pipes side: dagster_pipes
only), which runs the shell script on the file and reports the count as materialization
metadata of ``asset_key``; that metadata is read back here from the invocation's results.
"""

import sys
from datetime import datetime
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    PipesSubprocessClient,
)

SCRIPTS = Path(__file__).parent / "scripts"
SHELL_SCRIPT = SCRIPTS / "flag_future_timestamps.sh"
PIPES_SCRIPT = SCRIPTS / "report_future_flags.py"


def shell_future_count(
    context: AssetExecutionContext, csv_path: Path, ingested_at: datetime, asset_key: AssetKey
) -> int:
    """Rows of ``csv_path`` whose timestamp the shell script finds after ``ingested_at``."""
    invocation = PipesSubprocessClient().run(
        context=context,
        command=[sys.executable, str(PIPES_SCRIPT)],
        extras={
            "csv_path": str(csv_path),
            "ingested_at": ingested_at.isoformat(),
            "asset_key": asset_key.to_user_string(),
        },
    )
    for result in invocation.get_results(implicit_materializations=False):
        if isinstance(result, MaterializeResult) and result.asset_key == asset_key:
            value = (result.metadata or {}).get("future_rows_shell")
            if value is not None:
                return int(getattr(value, "value", value))
    raise Failure(description=f"{PIPES_SCRIPT.name} reported no future_rows_shell count")
