"""Jobs on a real Dask cluster (scheduler + 2 workers) against a real MLflow server.

The workers share no folder with the submitter: notebooks and included files reach them
through the tracking server only.
"""

from __future__ import annotations

import itertools
import json

from conftest import run_cli

from jupyter_mlops import get_receipt, submit_job, submit_sweep, wait_for_job
from jupyter_mlops.config import get_settings
from jupyter_mlops.jobs import spec
from jupyter_mlops.jobs.query import wait_for_jobs
from jupyter_mlops.registry import select_best
from jupyter_mlops.tracking import get_client


def _tags(run_id: str) -> dict[str, str]:
    return get_client(get_settings().tracking_uri).get_run(run_id).data.tags


def test_cli_job_with_included_files_runs_on_a_worker(mlops_dask, mlops_notebook, tmp_path):
    shared = tmp_path / "elsewhere"  # not beside the notebook: only --include brings them
    (shared / "data").mkdir(parents=True)
    (shared / "helpers.py").write_text("def double(v):\n    return 2 * v\n")
    (shared / "data" / "values.csv").write_text("3\n4\n")
    nb = mlops_notebook(
        "import os, mlflow, helpers\n"
        "total = sum(int(v) for v in open('data/values.csv'))\n"
        "mlflow.log_metric('result', helpers.double(total) * scale)\n"
        "mlflow.set_tag('ran_in', os.getcwd())",
        params="scale: int = 1",
        folder=tmp_path / "project",
    )
    include = ["--include", str(shared / "helpers.py"), "--include", str(shared / "data")]
    cmd = ["run", str(nb), "-p", "scale", "10", "--executor", mlops_dask.executor, "--json"]
    submitted = run_cli(*cmd, *include)  # exits at once: the task belongs to the scheduler
    assert submitted.returncode == 0, submitted.stderr
    run_id = json.loads(submitted.stdout)["run_id"]
    job = wait_for_job(run_id)
    run = get_client(get_settings().tracking_uri).get_run(run_id)
    assert run.data.metrics["result"] == 140
    assert json.loads(run.data.tags[spec.INCLUDES]) == ["helpers.py", "data"]
    assert run.data.tags["ran_in"] != str(nb.parent)  # a fresh folder on the worker
    assert job.executor == mlops_dask.executor and job.attempt == 1
    assert mlops_dask.name_of(int(run.data.tags[spec.PID])) in {"w1", "w2"}


def test_sweep_runs_across_both_workers_and_selects_the_best(mlops_dask, mlops_notebook):
    nb = mlops_notebook(
        "import time, mlflow\ntime.sleep(2)\nmlflow.log_metric('score', -(a - 3) ** 2)",
        params="a: int = 0",
    )
    parent, children = submit_sweep(
        nb, {"a": [1, 2, 3, 4]}, executor=mlops_dask.executor, max_concurrency=2
    )
    jobs = wait_for_jobs(children)
    assert [j.status for j in jobs] == ["FINISHED"] * 4
    workers = {mlops_dask.name_of(int(_tags(c)[spec.PID])) for c in children}
    assert workers == {"w1", "w2"}
    assert wait_for_jobs([parent])[0].status == "FINISHED"
    assert select_best(parent, "max(score)").parameters == {"a": 3}


def test_two_identical_submissions_are_two_jobs(mlops_dask, mlops_notebook):
    nb = mlops_notebook("import mlflow\nmlflow.log_metric('x', 1)")
    first = submit_job(nb, executor=mlops_dask.executor)
    second = submit_job(nb, executor=mlops_dask.executor)
    assert first != second
    assert _tags(first)[spec.DASK_KEY] != _tags(second)[spec.DASK_KEY]
    assert [j.status for j in wait_for_jobs([first, second])] == ["FINISHED", "FINISHED"]


def test_resources_send_the_job_to_a_worker_that_has_them(mlops_dask, mlops_notebook):
    nb = mlops_notebook("x = 1")
    run_id = submit_job(nb, executor=mlops_dask.executor, resources="GPU=1")
    assert wait_for_job(run_id).status == "FINISHED"
    tags = _tags(run_id)
    assert json.loads(tags[spec.RESOURCES]) == {"GPU": 1.0}
    assert mlops_dask.name_of(int(tags[spec.PID])) == "w1"  # only w1 declares GPU=1


def test_executor_from_the_environment(mlops_dask, mlops_notebook, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_EXECUTOR", mlops_dask.executor)
    run_id = submit_job(mlops_notebook("x = 1"))
    job = wait_for_job(run_id)
    assert job.executor == mlops_dask.executor
    assert get_receipt(run_id)["environment"]["executor"] == "dask"


def test_sweep_concurrency_limit_holds_across_workers(mlops_dask, mlops_notebook):
    nb = mlops_notebook("import time\ntime.sleep(1)", params="a: int = 0")
    _, children = submit_sweep(
        nb, {"a": [1, 2, 3]}, executor=mlops_dask.executor, max_concurrency=1
    )
    assert [j.status for j in wait_for_jobs(children)] == ["FINISHED"] * 3
    spans = sorted(
        (r["timings"]["started"], r["timings"]["finished"])
        for r in (get_receipt(c) for c in children)
    )
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, "a semaphore of one lease: runs never overlap, whatever the worker"


def test_a_study_on_two_workers_keeps_its_max_concurrency(mlops_dask, mlops_notebook):
    from jupyter_mlops import JobRequest, submit
    from jupyter_mlops.jobs.sweep_state import children_of
    from jupyter_mlops.tracking import Store

    nb = mlops_notebook(
        "import time, mlflow\ntime.sleep(1.5)\nmlflow.log_metric('score', -(x - 1) ** 2)",
        params="x: float = 0.0",
    )
    request = JobRequest(
        notebook=nb,
        sweep={"x": ["0:2"]},
        optimize="max(score)",
        trials=5,
        seed=4,
        max_concurrency=2,
        executor=mlops_dask.executor,
    )
    study = submit(request)
    assert wait_for_job(study.run_id).status == "FINISHED"
    trials = children_of(Store(get_settings().tracking_uri), study.run_id)
    assert sorted(t.info.status for t in trials) == ["FINISHED"] * 5
    assert {t.data.tags[spec.EXECUTOR] for t in trials} == {mlops_dask.executor}
    edges = []
    for trial in trials:
        timings = get_receipt(trial.info.run_id)["timings"]
        edges += [(timings["started"], 1), (timings["finished"], -1)]
    running, most = 0, 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
        running += step
        most = max(most, running)
    assert most == 2, "two trials at once on two workers, never three"
