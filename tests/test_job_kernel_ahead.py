"""A local job's process is started before its run exists: it boots the kernel while it
creates the run. Real detached processes, kernels and SQLite stores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from conftest import wait_until

from jupyter_mlops import submit_job, wait_for_job
from jupyter_mlops.config import get_settings, resolve_tracking_uri
from jupyter_mlops.errors import MlopsError
from jupyter_mlops.jobs import spec
from jupyter_mlops.jobs.executors.local import LocalExecutor
from jupyter_mlops.tracking import download_artifact, get_client


def _kernels_of(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [p for p in proc.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]
    except psutil.Error:
        return []


def test_job_runs_in_the_kernel_started_ahead_as_its_own(mlops_notebook, tmp_path):
    """The kernel booted before the run existed gets the run's variables and folder before the
    first cell, and the notebook's cells are numbered from 1 as in any fresh kernel."""
    folder = tmp_path / "work" / "project"
    nb = mlops_notebook(
        "import json, os\n"
        "seen = {k: os.environ.get(k) for k in "
        "('MLFLOW_RUN_ID', 'JUPYTER_MLOPS_RUN_ID', 'MLFLOW_EXPERIMENT_ID', "
        "'JUPYTER_MLOPS_NOTEBOOK')}\n"
        "seen['cwd'] = os.getcwd()\n"
        "print(json.dumps(seen))",
        params="alpha = 0.1",
        folder=folder,
    )
    run_id = submit_job(nb, {"alpha": 0.5})
    job = wait_for_job(run_id)
    assert job.status == "FINISHED"

    run = get_client(resolve_tracking_uri()).get_run(run_id)
    assert run.data.tags.get(spec.TICKET), "the job was not run by a process started ahead"
    assert run.data.tags.get(spec.KERNEL_READY) == "ahead"
    out = Path(
        download_artifact(resolve_tracking_uri(), run_id, f"output/{nb.name}", str(tmp_path))
    )
    cells = [c for c in json.loads(out.read_text())["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in cells] == [1, 2, 3]  # params, injected, ours
    seen = json.loads("".join(cells[-1]["outputs"][0]["text"]))
    assert seen == {
        "MLFLOW_RUN_ID": run_id,
        "JUPYTER_MLOPS_RUN_ID": run_id,
        "MLFLOW_EXPERIMENT_ID": run.info.experiment_id,
        "JUPYTER_MLOPS_NOTEBOOK": str(nb),
        "cwd": str(folder),
    }
    log = get_settings().home / "logs" / f"{run_id}.log"
    assert log.exists(), "the job's log is not found by its run id"


def test_process_that_cannot_create_its_run_kills_its_kernel(mlops_notebook):
    """When the run cannot be made, the kernel booted for it is not left running."""
    uri = "sqlite:////proc/no-such-folder/mlflow.db"

    def kernels() -> list[psutil.Process]:
        found = []
        for proc in psutil.process_iter(["cmdline", "environ"]):
            env = proc.info["environ"] or {}
            if "ipykernel" in " ".join(proc.info["cmdline"] or []) and (
                env.get("MLFLOW_TRACKING_URI") == uri
            ):
                found.append(proc)
        return found

    with pytest.raises(MlopsError, match="Could not create the run"):
        submit_job(mlops_notebook("x = 1"), tracking_uri=uri)
    wait_until(
        lambda: not any(k.is_running() and k.status() != psutil.STATUS_ZOMBIE for k in kernels()),
        timeout=30,
        what="the kernel to be killed",
    )


def test_two_processes_opening_a_new_sqlite_store_at_once(tmp_path):
    """Several job processes open a store none has created yet: none may fail."""
    uri = f"sqlite:///{tmp_path / 'fresh' / 'mlflow.db'}"
    (tmp_path / "fresh").mkdir()
    code = (
        "import sys\n"
        "from jupyter_mlops.tracking import get_client\n"
        "get_client(sys.argv[1]).search_experiments()\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, uri], stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-2000:]


def test_cancel_reaches_a_job_started_ahead(mlops_notebook):
    """Its process is named by the ticket on the run, not by a run id on its command line."""
    client = get_client(resolve_tracking_uri())
    run_id = submit_job(mlops_notebook("import time\ntime.sleep(120)", name="slow.ipynb"))
    wait_until(lambda: client.get_run(run_id).info.status == "RUNNING", what="the job to run")
    run = client.get_run(run_id)
    assert run_id not in psutil.Process(int(run.data.tags[spec.PID])).cmdline()
    assert LocalExecutor().is_running(run)

    from jupyter_mlops import cancel_job

    assert cancel_job(run_id).status == "KILLED"
    assert not LocalExecutor().is_running(client.get_run(run_id))
