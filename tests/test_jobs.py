"""Jobs in real kernels: papermill runs as MLflow runs, failures, timeout, cancel, sweeps."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import time

import psutil
import pytest
from conftest import run_cli

from jupyter_mlops import cancel_job, get_receipt, submit_job, submit_sweep, wait_for_job
from jupyter_mlops.config import get_settings
from jupyter_mlops.errors import InvalidParameterError, JobFailedError
from jupyter_mlops.jobs import spec
from jupyter_mlops.jobs.query import describe_job, list_jobs, wait_for_jobs
from jupyter_mlops.tracking import get_client, read_artifact_text

CARD = {"name": "demo-model", "owner": "ana", "risk_tier": "low", "inputs": ["data.csv"]}


def _run(run_id: str):
    return get_client(get_settings().tracking_uri).get_run(run_id)


def _output_notebook(run_id: str, name: str = "job.ipynb") -> dict:
    return json.loads(read_artifact_text(get_settings().tracking_uri, run_id, f"output/{name}"))


def test_run_finishes_with_everything_on_the_run(mlops_backend, mlops_notebook, mlops_env):
    (mlops_env / "data.csv").write_text("a,b\n1,2\n")
    nb = mlops_notebook(
        "import mlflow, os\nmlflow.log_metric('double', x * 2)",
        "assert os.path.exists('data.csv'), 'runs beside its notebook'\nprint(label)",
        params="x: int = 1  # a number\nlabel = 'a'",
        card=CARD,
    )
    run_id = submit_job(nb, {"x": "21"}, from_text=True)
    assert _run(run_id).info.status in ("SCHEDULED", "RUNNING", "FINISHED")
    job = wait_for_job(run_id)
    run = _run(run_id)
    assert job.status == "FINISHED"
    assert job.cells_done == job.cells_total == 4  # parameters, injected parameters, 2 cells
    assert run.data.metrics["double"] == 42  # the notebook's own MLflow call landed in the job
    assert run.data.params == {"x": "21", "label": "a"}
    assert run.data.tags["mlops.card.owner"] == "ana"
    assert run.data.tags[spec.HEARTBEAT]
    output = _output_notebook(run_id)
    assert "injected-parameters" in output["cells"][1]["metadata"]["tags"]
    receipt = get_receipt(run_id)
    assert receipt["run_id"] == run_id
    assert receipt["parameters"] == {"x": 21}
    assert receipt["card"]["owner"] == "ana"
    assert len(receipt["notebook"]["sha256"]) == 64
    assert receipt["inputs"][0]["path"] == "data.csv" and len(receipt["inputs"][0]["sha256"]) == 64
    env = receipt["environment"]
    assert env["executor"] == "local" and env["kernel"] == "python3" and env["host"]
    assert env["packages"]["papermill"] and env["python"]
    assert receipt["timings"]["duration_s"] > 0
    assert run.data.tags["mlops.receipt.notebook_sha256"] == receipt["notebook"]["sha256"]


@pytest.mark.parametrize(
    ("source", "reason", "ename"),
    [
        ("raise ValueError('bad data')", "cell error", "ValueError"),
        ("import sys\nsys.exit(1)", "cell error", "SystemExit"),
        (
            "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
            "kernel died",
            "DeadKernelError",
        ),
    ],
    ids=["cell-error", "sys-exit", "kernel-kills-itself"],
)
def test_failures_are_recorded_with_output_notebook(mlops_notebook, source, reason, ename):
    nb = mlops_notebook("x = 1", source, "print('never')")
    run_id = submit_job(nb)
    with pytest.raises(JobFailedError) as caught:
        wait_for_job(run_id)
    assert caught.value.status == "FAILED" and caught.value.reason == reason
    assert caught.value.ename == ename
    assert caught.value.cell_index == 1
    job = describe_job(run_id)
    assert (job.failure_reason, job.ename, job.failed_cell) == (reason, ename, 1)
    output = _output_notebook(run_id)  # the executed notebook is kept even on failure
    sources = ["".join(c["source"]) for c in output["cells"] if c["cell_type"] == "code"]
    assert sources[1] == source
    assert get_receipt(run_id)["timings"]["finished"]


def test_timeout_fails_the_job(mlops_notebook):
    nb = mlops_notebook("import time\ntime.sleep(120)")
    started = time.time()
    run_id = submit_job(nb, timeout=4)
    with pytest.raises(JobFailedError) as caught:
        wait_for_job(run_id)
    assert caught.value.reason == "timeout"
    assert time.time() - started < 60
    assert _output_notebook(run_id)["cells"]


def test_cancel_kills_the_process_group_and_is_idempotent(mlops_backend, mlops_notebook):
    nb = mlops_notebook("x = 1", "import time\ntime.sleep(120)")
    run_id = submit_job(nb)
    deadline = time.time() + 60
    while describe_job(run_id).cells_done < 1:
        assert time.time() < deadline, "the job never started its cells"
        time.sleep(0.2)
    pid = int(_run(run_id).data.tags[spec.PID])
    kernel_pids = [c.pid for c in psutil.Process(pid).children(recursive=True)]
    assert kernel_pids, "a kernel runs under the job process"
    job = cancel_job(run_id)
    assert job.status == "KILLED" and job.failure_reason == "cancelled"
    for gone in [pid, *kernel_pids]:  # nothing of the job runs once cancel returns
        assert not psutil.pid_exists(gone) or psutil.Process(gone).status() == psutil.STATUS_ZOMBIE
    assert cancel_job(run_id).status == "KILLED"  # again: no error, same state
    assert _output_notebook(run_id)["cells"]


def test_job_outlives_the_process_that_submitted_it(mlops_notebook):
    nb = mlops_notebook("import time\ntime.sleep(2)\nx = 1")
    submitted = run_cli("run", str(nb), "--json")  # returns before the job ends
    assert submitted.returncode == 0, submitted.stderr
    run_id = json.loads(submitted.stdout)["run_id"]
    assert wait_for_job(run_id).status == "FINISHED"


def test_sweep_is_a_parent_with_children_and_bounded_concurrency(mlops_notebook, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_MAX_CONCURRENCY", "1")
    nb = mlops_notebook(
        "import mlflow\nmlflow.log_metric('score', a * b)", params="a: int = 1\nb: float = 1.0"
    )
    parent, children = submit_sweep(nb, {"a": ["1", "2"], "b": ["0.5", "3"]}, from_text=True)
    jobs = wait_for_jobs(children)
    assert [j.status for j in jobs] == ["FINISHED"] * 4
    assert describe_job(parent).status == "FINISHED" and describe_job(parent).is_sweep
    points = sorted((j.parameters["a"], j.parameters["b"]) for j in jobs)
    assert points == [(1, 0.5), (1, 3.0), (2, 0.5), (2, 3.0)]
    assert {j.parent_run_id for j in jobs} == {parent}
    assert {j.run_id for j in list_jobs(parent=parent)} == set(children)
    spans = sorted(
        (r["timings"]["started"], r["timings"]["finished"])
        for r in (get_receipt(c) for c in children)
    )
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, "with one slot, runs never overlap"


def test_bad_parameters_are_rejected_before_anything_runs(mlops_notebook):
    nb = mlops_notebook("print(alpha)", params="alpha = 0.1")
    with pytest.raises(InvalidParameterError, match="Did you mean 'alpha'"):
        submit_job(nb, {"alpah": 1})
    with pytest.raises(InvalidParameterError, match="not a Python identifier"):
        submit_job(nb, {"alpha; import os": 1})
    client = get_client(get_settings().tracking_uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    assert not experiments or not client.search_runs(experiments)


def test_cli_run_wait_reports_failure_and_exits_nonzero(mlops_notebook):
    nb = mlops_notebook("raise RuntimeError('boom')")
    result = run_cli("run", str(nb), "--wait")
    assert result.returncode == 1
    assert "FAILED" in result.stdout and "cell error" in result.stdout
    assert "RuntimeError: boom" in result.stdout


def test_cli_run_bad_parameter_exits_2_with_hint(mlops_notebook):
    nb = mlops_notebook("print(alpha)", params="alpha: float = 0.1")
    result = run_cli("run", str(nb), "-p", "alpha", "high")
    assert result.returncode == 2
    assert "alpha" in result.stderr and "float" in result.stderr


def test_receipt_records_git_state(mlops_notebook, mlops_env):
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=mlops_env, check=True, capture_output=True)

    nb = mlops_notebook("x = 1")
    git("init", "-q")
    git("-c", "user.email=a@b.c", "-c", "user.name=a", "add", nb.name)
    git("-c", "user.email=a@b.c", "-c", "user.name=a", "commit", "-qm", "nb")
    nb.write_text(nb.read_text().replace("x = 1", "x = 2"))
    run_id = submit_job(nb)
    wait_for_job(run_id)
    receipt = get_receipt(run_id)
    assert len(receipt["git"]["commit"]) == 40 and receipt["git"]["dirty"] is True
    assert '+    "x = 2"' in receipt["git"]["diff"]
    assert _run(run_id).data.tags["mlops.receipt.git_dirty"] == "true"


def test_job_listing_and_status_filter(mlops_notebook):
    nb = mlops_notebook("x = 1")
    run_id = submit_job(nb)
    wait_for_job(run_id)
    assert run_id in {j.run_id for j in list_jobs("FINISHED")}
    assert run_id not in {j.run_id for j in list_jobs("RUNNING")}
    with pytest.raises(InvalidParameterError, match="Unknown status"):
        list_jobs("DONE")
    listed = run_cli("jobs", "--json")
    assert listed.returncode == 0 and run_id in {j["run_id"] for j in json.loads(listed.stdout)}


def test_executor_name_is_checked(mlops_notebook):
    from jupyter_mlops.errors import ConfigError

    nb = mlops_notebook("x = 1")
    with pytest.raises(ConfigError, match="Valid executors: dask, local"):
        submit_job(nb, executor="kubernetes")
    assert os.environ.get("JUPYTER_MLOPS_EXECUTOR") is None


def test_autolog_inside_a_job_lands_in_the_job_run(mlops_notebook):
    nb = mlops_notebook(
        "import mlflow\nmlflow.sklearn.autolog(log_models=False, log_datasets=False)",
        "from sklearn.linear_model import LinearRegression\n"
        "LinearRegression().fit([[0], [1], [2]], [0, 1, 2])",
    )
    run_id = submit_job(nb)
    assert wait_for_job(run_id).status == "FINISHED"
    run = _run(run_id)
    assert "training_r2_score" in run.data.metrics
    assert run.data.params["fit_intercept"] == "True"


def test_cancel_of_a_tracked_cell_run_says_how_to_stop_it(mlops_env):
    from jupyter_mlops.tracking import log_batch

    uri = get_settings().tracking_uri
    client = get_client(uri)
    run = client.create_run(client.create_experiment("cells"))
    log_batch(uri, run.info.run_id, tags={spec.JOB: "true", spec.EXECUTOR: "interactive"})
    with pytest.raises(InvalidParameterError, match="Interrupt the kernel"):
        cancel_job(run.info.run_id)
    assert _run(run.info.run_id).info.status == "RUNNING"


def test_installed_packages_follow_distributions_not_other_files(tmp_path, monkeypatch):
    """The receipt's package list is kept while no distribution comes or goes on sys.path;
    other files made there (a SQLite journal in the working folder) do not drop it."""
    from jupyter_mlops.provenance import installed_packages

    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    assert "mlops-probe-dist" not in installed_packages()
    info = folder / "mlops_probe_dist-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: mlops-probe-dist\nVersion: 1.2.3\n"
    )
    assert installed_packages()["mlops-probe-dist"] == "1.2.3"
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mlops-probe-dist\nVersion: 9\n")
    (folder / "mlflow.db-journal").write_text("")
    assert installed_packages()["mlops-probe-dist"] == "1.2.3"  # kept: no distribution changed
    info.rename(folder / "mlops_probe_dist-9.dist-info")
    assert installed_packages()["mlops-probe-dist"] == "9"  # an upgrade is a new folder
