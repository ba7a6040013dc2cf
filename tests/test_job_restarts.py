"""Jobs outlive the Jupyter server that submitted them: a real ``jupyter lab`` process is
stopped mid-job and started again, on the Dask and on the local executor."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import datetime
from typing import Any

import psutil
import pytest
from browser_support import JupyterLab

from jupyter_mlops.jobs import spec
from jupyter_mlops.tracking import get_client

pytestmark = pytest.mark.server

TERMINAL = {"FINISHED", "FAILED", "KILLED"}


def api(lab: JupyterLab, path: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        lab.base_url + path,
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def lab_args(tracking_uri: str, *extra: str) -> list[str]:
    return [f"--MlopsApp.tracking_uri={tracking_uri}", "--MlopsApp.warm_models_cache=False", *extra]


def test_sweep_on_dask_survives_a_server_restart(
    mlops_dask, mlops_server, mlops_notebook, tmp_path
):
    nb = mlops_notebook(
        "import time, mlflow\ntime.sleep(3)\nmlflow.log_metric('square', a * a)",
        params="a: int = 0",
    )
    args = lab_args(
        mlops_server.uri,
        "--MlopsApp.executor=dask",
        f"--MlopsApp.dask_address={mlops_dask.address}",
    )
    first = JupyterLab(tmp_path / "lab-1", nb.parent, args).start()
    try:
        created = api(first, "mlops/jobs", {"path": nb.name, "sweep": {"a": [1, 2, 3, 4]}})
    finally:
        first.stop()
    parent, children = created["run_id"], created["children"]
    client = get_client(mlops_server.uri)
    assert {client.get_run(c).info.status for c in children} - TERMINAL, "stopped mid-sweep"
    second = JupyterLab(tmp_path / "lab-2", nb.parent, args).start()
    try:
        deadline = time.time() + 300
        while True:
            jobs = api(second, f"mlops/jobs?parent={parent}")["jobs"]
            sweep = api(second, f"mlops/jobs/{parent}")
            if sweep["status"] in TERMINAL and all(j["status"] in TERMINAL for j in jobs):
                break
            assert time.time() < deadline, jobs
            time.sleep(1)
        assert [j["status"] for j in jobs] == ["FINISHED"] * 4
        assert sweep["status"] == "FINISHED"
    finally:
        second.stop()
    squares = sorted(client.get_run(c).data.metrics["square"] for c in children)
    assert squares == [1, 4, 9, 16]
    assert {client.get_run(c).data.tags[spec.EXECUTOR] for c in children} == {
        f"dask://{mlops_dask.address}"
    }


def _wait_running(client: Any, run_id: str) -> dict[str, str]:
    deadline = time.time() + 120
    while int(client.get_run(run_id).data.tags.get(spec.CELLS_DONE, 0)) < 1:
        assert time.time() < deadline, "the job never started its cells"
        time.sleep(0.3)
    return dict(client.get_run(run_id).data.tags)


def test_local_job_survives_a_server_restart_and_stays_cancellable(
    mlops_server, mlops_notebook, tmp_path
):
    nb = mlops_notebook("x = 1", "import time\ntime.sleep(120)")
    args = lab_args(mlops_server.uri)
    first = JupyterLab(tmp_path / "lab-1", nb.parent, args).start()
    try:
        run_id = api(first, "mlops/jobs", {"path": nb.name})["run_id"]
        pid = int(_wait_running(get_client(mlops_server.uri), run_id)[spec.PID])
    finally:
        first.stop()
    assert psutil.pid_exists(pid), "the job process outlived the server"
    second = JupyterLab(tmp_path / "lab-2", nb.parent, args).start()
    try:
        assert api(second, f"mlops/jobs/{run_id}")["status"] == "RUNNING"
        cancelled = api(second, f"mlops/jobs/{run_id}/cancel", {})
    finally:
        second.stop()
    assert (cancelled["status"], cancelled["failure_reason"]) == ("KILLED", "cancelled")
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_local_job_whose_process_is_gone_is_orphaned(mlops_notebook):
    from conftest import run_cli

    from jupyter_mlops import submit_job
    from jupyter_mlops.config import get_settings
    from jupyter_mlops.jobs.query import describe_job, list_jobs

    nb = mlops_notebook("x = 1", "import time\ntime.sleep(120)")
    run_id = submit_job(nb)
    tags = _wait_running(get_client(get_settings().tracking_uri), run_id)
    job_process = psutil.Process(int(tags[spec.PID]))
    for proc in [job_process, *job_process.children(recursive=True)]:
        proc.kill()  # as a reboot would: no chance to record anything
    job_process.wait(timeout=15)
    listed = json.loads(run_cli("jobs", "--json").stdout)  # another process, after the "restart"
    (job,) = [j for j in listed if j["run_id"] == run_id]
    assert (job["status"], job["failure_reason"]) == ("FAILED", "orphaned")
    assert f"process {job_process.pid} is gone" in job["evalue"]
    assert describe_job(run_id).status == "FAILED"
    assert [j.status for j in list_jobs()] == ["FAILED"]


def _last_activity(lab: JupyterLab) -> datetime:
    # GET api/status does not count as activity itself.
    return datetime.fromisoformat(api(lab, "api/status")["last_activity"])


def test_running_local_jobs_keep_the_server_active(mlops_notebook, tmp_path, mlops_server):
    """Idle culling reads ``last_activity`` (as ``GET api/status`` shows it)."""
    nb = mlops_notebook("x = 1", "import time\ntime.sleep(120)")
    args = lab_args(mlops_server.uri, "--MlopsApp.job_activity_interval_s=0.5")
    lab = JupyterLab(tmp_path / "lab", nb.parent, args).start()
    try:
        run_id = api(lab, "mlops/jobs", {"path": nb.name})["run_id"]
        submitted = _last_activity(lab)  # the POST itself was activity
        _wait_running(get_client(mlops_server.uri), run_id)
        time.sleep(2)
        assert (_last_activity(lab) - submitted).total_seconds() >= 1, "the running job counts"
        api(lab, f"mlops/jobs/{run_id}/cancel", {})
        time.sleep(1.5)  # one check after the job ended
        settled = _last_activity(lab)
        time.sleep(1.5)
        assert _last_activity(lab) == settled, "no job, no activity"
    finally:
        lab.stop()
