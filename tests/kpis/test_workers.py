"""The same tasks on two local processes and on a real Dask cluster (a scheduler and two
worker processes on 127.0.0.1) give the same document as one process."""

import pickle

import pytest

from platform_assets.kpis.compute import compute_kpis
from platform_assets.kpis.partials import run_task
from tests.kpis.conftest import DATE


@pytest.fixture(scope="module")
def dask_cluster():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster


def test_two_processes_and_a_dask_cluster_give_the_same_document(lakes, dask_cluster):
    # On S3, with an hour of lake fallback and its quarantine files: every kind of task.
    one, plan = compute_kpis(lakes["s3"], DATE)
    assert {task.kind for task in plan.tasks} == {"rollup", "lake", "quarantine"}
    assert compute_kpis(lakes["s3"], DATE, workers=2)[0] == one
    assert compute_kpis(lakes["s3"], DATE, scheduler=dask_cluster.scheduler_address)[0] == one
    workers = dask_cluster.scheduler_info["workers"]
    assert len(workers) == 2 and all(info["host"] == "127.0.0.1" for info in workers.values())


def test_a_partial_travels_at_the_size_of_its_pairs(lakes):
    """What a worker sends back: slices of shared buffers would pickle whole buffers."""
    storage = lakes["local"]
    _, plan = compute_kpis(storage, DATE)
    partial = run_task(storage.resolved_url, None, plan.tasks[0])
    assert partial.pairs.num_rows > 1000
    assert len(pickle.dumps(partial)) < 1.5 * partial.pairs.nbytes + 200_000
