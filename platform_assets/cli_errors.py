"""One line instead of a traceback when ``dagster asset materialize`` (or ``dagster job
launch/execute``) refuses a run before it starts: a partition key that is not one of the
selection's, or part of a multi-asset.

Dagster's CLI validates these in its own process, before any of our code runs, and lets its
exception end the process (50-70 lines, no expected format). The code location is loaded
into that process, so it installs an exception hook there that prints what to type instead;
every other exception goes to the previous hook unchanged.
"""

from __future__ import annotations

import os
import re
import sys

from dagster import (
    AssetKey,
    AssetSelection,
    DagsterInvalidSubsetError,
    DagsterUnknownPartitionError,
    Definitions,
    DynamicPartitionsDefinition,
    TimeWindowPartitionsDefinition,
)

from platform_assets.arrival_hours import bad_hour_key_message

_PARTITION_KEY = re.compile(r"partition (?:with )?key `([^`]*)`")
_MULTI_ASSET = re.compile(r"AssetsDefinition '([^']+)'.* does not support subsetting", re.DOTALL)
_NO_PARTITION = "Asset has partitions, but no '--partition' option was provided"


def _option(argv: list[str], *names: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg in names and i + 1 < len(argv):
            return argv[i + 1]
        for name in names:
            if arg.startswith(f"{name}="):
                return arg.split("=", 1)[1]
    return None


def _selected_keys(defs: Definitions, argv: list[str]) -> list[AssetKey]:
    """The asset keys of the command line's ``--select``, or of its job (``-j``)."""
    if value := _option(argv, "--select"):
        selection = AssetSelection.from_coercible(value.split(","))
        return sorted(selection.resolve(defs.resolve_asset_graph(), allow_missing=True))
    if job := _option(argv, "-j", "--job"):
        return sorted(defs.resolve_job_def(job).asset_layer.executable_asset_keys)
    return []


def _partitions_defs(defs: Definitions, keys: list[AssetKey]) -> list:
    graph = defs.resolve_asset_graph()
    found = [graph.get(key).partitions_def for key in keys if graph.has(key)]
    return [p for p in found if p is not None]


def bad_partition_message(defs: Definitions, key: str, argv: list[str]) -> str:
    keys = _selected_keys(defs, argv)
    names = ", ".join(k.to_user_string() for k in keys) or "the selected assets"
    for partitions in _partitions_defs(defs, keys):
        if isinstance(partitions, TimeWindowPartitionsDefinition):
            first = partitions.get_first_partition_key()
            last = partitions.get_last_partition_key()
            return f"{bad_hour_key_message(key, first, last)} [{names}]"
        if isinstance(partitions, DynamicPartitionsDefinition):
            return (
                f"partition key {key!r} is not a known {partitions.name} partition of {names}: "
                "their partitions are landing file names, added by the domain's sensor when "
                "the file lands (run `make dev` with the sensor on, or add it in the UI)"
            )
    return f"partition key {key!r} is not a partition of {names}"


def partial_selection_message(defs: Definitions, node_name: str) -> str | None:
    for assets_def in defs.resolve_asset_graph().assets_defs:
        if assets_def.is_executable and assets_def.node_def.name == node_name:
            together = ",".join(sorted(k.to_user_string() for k in assets_def.keys))
            return (
                f"{together.replace(',', ', ')} are written by one step ({node_name}) and must "
                f"be selected together: --select {together}"
            )
    return None


def explain(exc: BaseException, defs: Definitions, argv: list[str]) -> str | None:
    """The one line to print for ``exc``, or None when it is not one of these refusals."""
    text = str(exc)
    if isinstance(exc, DagsterUnknownPartitionError) and (match := _PARTITION_KEY.search(text)):
        return bad_partition_message(defs, match.group(1), argv)
    if isinstance(exc, DagsterInvalidSubsetError):
        if match := _PARTITION_KEY.search(text):
            return bad_partition_message(defs, match.group(1), argv)
        if match := _MULTI_ASSET.search(text):
            return partial_selection_message(defs, match.group(1))
        # Others (an unknown asset key) say it well, over several lines: keep them, as one.
        return " ".join(line.strip() for line in text.splitlines() if line.strip())
    if _NO_PARTITION in text:
        keys = _selected_keys(defs, argv)
        names = ", ".join(k.to_user_string() for k in keys) or "the selection"
        verb = "are" if len(keys) > 1 else "is"
        return (
            f"{names} {verb} partitioned: add --partition KEY (hourly assets: YYYY-MM-DD-HH:00 "
            "UTC, e.g. 2025-01-01-00:00; file assets: the landing file name) "
            "or --partition-range A...B"
        )
    return None


def _is_dagster_cli(argv: list[str]) -> bool:
    program = os.path.basename(argv[0]) if argv else ""
    return program in ("dagster", "dg") or argv[0].endswith(os.path.join("dagster", "__main__.py"))


def install_cli_error_hook(defs: Definitions) -> None:
    """In a ``dagster`` CLI process only: print the refusals above as one line."""
    if not _is_dagster_cli(sys.argv):
        return
    previous = sys.excepthook

    def hook(exc_type, exc, traceback) -> None:
        try:
            message = explain(exc, defs, sys.argv)
        except Exception:  # never let the explanation hide the original error
            message = None
        if message is None:
            previous(exc_type, exc, traceback)
        else:
            print(f"Error: {message}", file=sys.stderr)

    sys.excepthook = hook
