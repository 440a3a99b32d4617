"""Run a date's tasks in this process, in N local processes, or on a Dask cluster.

The three ways run the same tasks (plan.py) through the same function (partials.run_task)
and merge exactly, so they give the same document. A Dask cluster is dask.distributed's own:
a scheduler on one laptop, workers on both (docs/kpis.md); no protocol of our own.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial

from platform_assets.kpis.figures import kpi_document
from platform_assets.kpis.partials import Partial, RollupChanged, merge, run_task
from platform_assets.kpis.plan import Plan, plan_date
from resources.storage import StorageResource

SCHEDULER_TIMEOUT_S = 10
PLAN_ATTEMPTS = 3  # a compacted rollup rewritten mid-read (rare): plan and read again


class SchedulerUnreachable(RuntimeError):
    """The Dask scheduler given with --scheduler does not answer."""


def _run_local(task_fn, tasks, workers: int) -> list[Partial]:
    if workers <= 1:
        return [task_fn(task) for task in tasks]
    # spawn: a forked child would inherit the parent's threads' locks (boto, pyarrow pools).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(task_fn, tasks))


def _run_dask(task_fn, tasks, address: str) -> list[Partial]:
    from distributed import Client

    try:
        client = Client(address, timeout=SCHEDULER_TIMEOUT_S)
    except (OSError, TimeoutError) as err:
        raise SchedulerUnreachable(f"cannot reach the Dask scheduler at {address}: {err}") from None
    with client:
        # pure=False: tasks are cheap to name and must run even if an identical one ran before.
        futures = client.map(task_fn, tasks, pure=False)
        return client.gather(futures)


def compute_kpis(
    storage: StorageResource, date: str, workers: int = 1, scheduler: str | None = None
) -> tuple[dict, Plan]:
    """The KPI document of ``date`` ('YYYY-MM-DD') and the plan it followed."""
    task_fn = partial(run_task, storage.resolved_url, _endpoint(storage))
    for attempt in range(PLAN_ATTEMPTS):
        plan = plan_date(storage, date)
        began = time.perf_counter()
        try:
            if scheduler:
                partials = _run_dask(task_fn, plan.tasks, scheduler)
            else:
                partials = _run_local(task_fn, plan.tasks, workers)
            break
        except RollupChanged:
            if attempt == PLAN_ATTEMPTS - 1:
                raise
    plan.seconds["tasks"] = time.perf_counter() - began
    began = time.perf_counter()
    doc = kpi_document(plan, merge(partials))
    plan.seconds["merge"] = time.perf_counter() - began
    return doc, plan


def _endpoint(storage: StorageResource) -> str | None:
    return storage.s3_endpoint_url or os.environ.get("SLUICE_S3_ENDPOINT_URL") or None
