"""A job's life on its MLflow run: SCHEDULED while it waits, a live heartbeat while it runs,
KILLED when cancelled in either state. Real detached processes and kernels."""

from __future__ import annotations

import subprocess

from conftest import wait_until

from jupyter_mlops import cancel_job, submit_job
from jupyter_mlops.config import get_settings, resolve_tracking_uri
from jupyter_mlops.jobs import spec
from jupyter_mlops.tracking import get_client, log_batch

SLOW = "import time\ntime.sleep(120)"


def test_waiting_job_is_scheduled_and_running_job_beats(mlops_notebook, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_MAX_CONCURRENCY", "1")
    client = get_client(resolve_tracking_uri())
    nb = mlops_notebook(SLOW, name="slow.ipynb")

    first = submit_job(nb)
    second = submit_job(nb)

    wait_until(lambda: client.get_run(first).info.status == "RUNNING", what="the first job")
    wait_until(lambda: spec.HEARTBEAT in client.get_run(first).data.tags, what="a heartbeat")
    beat = int(client.get_run(first).data.tags[spec.HEARTBEAT])
    # The only slot is taken: the second job waits, and says so on its run.
    assert client.get_run(second).info.status == "SCHEDULED"
    wait_until(
        lambda: int(client.get_run(first).data.tags[spec.HEARTBEAT]) > beat,
        timeout=60,
        what="the heartbeat to be refreshed",
    )
    assert client.get_run(second).info.status == "SCHEDULED"

    assert cancel_job(second).status == "KILLED"
    assert cancel_job(first).status == "KILLED"
    for run_id in (first, second):
        assert client.get_run(run_id).data.tags[spec.REASON] == "cancelled"


def test_cancel_signals_only_the_jobs_own_process(mlops_notebook):
    """Run tags are writable by anyone on the tracking server: a pid written there that is
    not this job's runner is never signalled."""
    import psutil

    from jupyter_mlops.config import get_settings
    from jupyter_mlops.jobs.executors.local import LocalExecutor

    uri = resolve_tracking_uri()
    client = get_client(uri)
    run_id = submit_job(mlops_notebook(SLOW, name="slow.ipynb"))
    wait_until(lambda: client.get_run(run_id).info.status == "RUNNING", what="the job to run")
    own = {k: client.get_run(run_id).data.tags[k] for k in (spec.PID, spec.PID_START)}
    bystander = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        started = psutil.Process(bystander.pid).create_time()
        log_batch(uri, run_id, tags={spec.PID: bystander.pid, spec.PID_START: started})
        executor = LocalExecutor()

        assert executor.cancel(client.get_run(run_id), get_settings()) is False
        assert not executor.is_running(client.get_run(run_id))
        executor.force_stop(client.get_run(run_id))

        assert bystander.poll() is None, "a process named only by run tags was signalled"
    finally:
        bystander.kill()
        bystander.wait(timeout=10)
        log_batch(uri, run_id, tags=own)
    assert cancel_job(run_id).status == "KILLED"


def test_cancelling_a_sweep_kills_its_running_children_first_and_all_at_once(mlops_notebook):
    import time

    from jupyter_mlops.jobs.query import list_jobs
    from jupyter_mlops.jobs.request import JobRequest
    from jupyter_mlops.jobs.submit import submit

    nb = mlops_notebook(SLOW, params="x = 1", name="sweep_cancel.ipynb")
    submission = submit(JobRequest(notebook=nb, sweep={"x": list(range(8))}, max_concurrency=2))
    parent = submission.run_id

    def running() -> list[str]:
        jobs = list_jobs(parent=parent)
        return [j.run_id for j in jobs if j.status == "RUNNING" and j.cells_done >= 1]

    wait_until(lambda: len(running()) == 2, timeout=180, what="two children running")
    were_running = running()
    started = time.monotonic()
    assert cancel_job(parent).status == "KILLED"
    took = time.monotonic() - started

    client = get_client(get_settings().tracking_uri)
    children = list_jobs(parent=parent)
    assert len(children) == 8
    assert {c.status for c in children} == {"KILLED"}, [(c.run_id, c.status) for c in children]
    for run_id in were_running:  # stopped by the cancel, not left to finish
        assert client.get_run(run_id).data.tags[spec.REASON] == "cancelled"
    print(f"cancelled a sweep of 8 (2 running) in {took:.1f} s")
