"""Faults on a real Dask cluster: cancel mid-job, a worker lost mid-job, retries used up."""

from __future__ import annotations

import time

import psutil

from jupyter_mlops import cancel_job, submit_job, wait_for_job
from jupyter_mlops.config import get_settings
from jupyter_mlops.jobs import spec
from jupyter_mlops.jobs.query import describe_job
from jupyter_mlops.tracking import get_client

START_TIMEOUT_S = 120

# Sleeps on the first attempt only, so a retried job finishes at once.
SLEEP_ON_FIRST_ATTEMPT = (
    "import os, time, mlflow\n"
    "attempt = int(mlflow.get_run(os.environ['MLFLOW_RUN_ID']).data.tags['mlops.job.attempt'])\n"
    "time.sleep(120 if attempt == 1 else 0)"
)


def _wait_until_in_cell(run_id: str, cells_done: int = 1) -> dict[str, str]:
    """Wait until the job has completed ``cells_done`` cells; return its tags."""
    deadline = time.time() + START_TIMEOUT_S
    while describe_job(run_id).cells_done < cells_done:
        assert time.time() < deadline, "the job never reached its long cell"
        time.sleep(0.2)
    return dict(get_client(get_settings().tracking_uri).get_run(run_id).data.tags)


def test_cancel_mid_job_kills_only_that_kernel(mlops_dask, mlops_notebook):
    nb = mlops_notebook("x = 1", "import time\ntime.sleep(120)")
    run_id = submit_job(nb, executor=mlops_dask.executor)
    worker_pid = int(_wait_until_in_cell(run_id)[spec.PID])
    kernels = psutil.Process(worker_pid).children(recursive=True)
    assert kernels, "the job's kernel runs under the worker"
    job = cancel_job(run_id)
    assert (job.status, job.failure_reason) == ("KILLED", "cancelled")
    for kernel in kernels:  # cancel_job returned only once the kernel was gone
        assert not kernel.is_running() or kernel.status() == psutil.STATUS_ZOMBIE
    assert psutil.Process(worker_pid).is_running(), "the worker itself lives on"
    again = submit_job(mlops_notebook("y = 2", name="after.ipynb"), executor=mlops_dask.executor)
    assert wait_for_job(again).status == "FINISHED"


def test_worker_lost_mid_job_is_retried_as_the_same_run(mlops_dask, mlops_notebook):
    nb = mlops_notebook(
        "import jupyter_mlops\n"
        "from sklearn.dummy import DummyClassifier\n"
        "model = DummyClassifier().fit([[0], [1]], [0, 1])\n"
        "jupyter_mlops.register(model, 'retried-model', pip_requirements=['scikit-learn'])",
        SLEEP_ON_FIRST_ATTEMPT,
    )
    run_id = submit_job(nb, executor=mlops_dask.executor)
    first = mlops_dask.name_of(int(_wait_until_in_cell(run_id)[spec.PID]))
    mlops_dask.kill_worker(first)
    job = wait_for_job(run_id)
    assert job.status == "FINISHED" and job.attempt == 2
    tags = get_client(get_settings().tracking_uri).get_run(run_id).data.tags
    assert mlops_dask.name_of(int(tags[spec.PID])) != first
    client = get_client(get_settings().tracking_uri)
    versions = client.search_model_versions("name = 'retried-model'")
    assert [v.run_id for v in versions] == [run_id]  # one run, one version: no duplicates
    same_notebook = client.search_runs(
        [describe_job(run_id).experiment_id], f"tags.`{spec.NOTEBOOK}` = '{nb}'"
    )
    assert [r.info.run_id for r in same_notebook] == [run_id]


def test_worker_lost_with_no_retries_left_fails_the_job(mlops_dask, mlops_notebook, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_DASK_RETRIES", "0")
    nb = mlops_notebook("x = 1", SLEEP_ON_FIRST_ATTEMPT)
    run_id = submit_job(nb, executor=mlops_dask.executor)
    first = mlops_dask.name_of(int(_wait_until_in_cell(run_id)[spec.PID]))
    mlops_dask.kill_worker(first)
    job = describe_job(run_id)
    deadline = time.time() + START_TIMEOUT_S
    while job.status not in ("FINISHED", "FAILED", "KILLED"):
        assert time.time() < deadline, "the job never ended"
        time.sleep(0.3)
        job = describe_job(run_id)
    assert (job.status, job.failure_reason) == ("FAILED", "worker lost")
    assert "retries exhausted" in (job.evalue or "")
