"""A launched local job creates its own run and reports to whoever waits on it, so that
``jupyter mlops run`` never loads MLflow. Real detached processes, kernels and SQLite stores."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest
from conftest import free_port, run_cli, wait_until

from jupyter_mlops import cancel_job, launch_job
from jupyter_mlops.config import resolve_tracking_uri
from jupyter_mlops.errors import InvalidParameterError, MlopsError
from jupyter_mlops.jobs import spec
from jupyter_mlops.jobs.executors.reply import (
    Reply,
    ReplyLine,
    error_from_dict,
    error_to_dict,
)
from jupyter_mlops.jobs.query import describe_job
from jupyter_mlops.tracking import download_artifact, get_client

CLI_IN_PROCESS = (
    "import json, sys\n"
    "from jupyter_mlops.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stderr.write(json.dumps({'mlflow_loaded': 'mlflow' in sys.modules}) + '\\n')\n"
    "sys.exit(code)\n"
)


def _cli_reporting_imports(*args: str) -> tuple[subprocess.CompletedProcess[str], bool]:
    """``jupyter mlops ARGS`` in a fresh process; (result, whether it loaded MLflow)."""
    proc = subprocess.run(
        [sys.executable, "-c", CLI_IN_PROCESS, *args], capture_output=True, text=True, timeout=300
    )
    last = proc.stderr.strip().splitlines()[-1]
    return proc, json.loads(last)["mlflow_loaded"]


def test_cli_run_wait_never_loads_mlflow_and_reports_the_finished_job(mlops_notebook, tmp_path):
    nb = mlops_notebook("y = x * 2\nprint('y is', y)", params="x = 1  # the input")
    proc, mlflow_loaded = _cli_reporting_imports(
        "run", str(nb), "-p", "x", "21", "--wait", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    assert mlflow_loaded is False
    result = json.loads(proc.stdout)
    (job,) = result["jobs"]
    assert job["status"] == "FINISHED"
    assert job["run_id"] == result["run_id"]
    assert job["parameters"] == {"x": 21}
    assert job["cells_done"] == job["cells_total"] == 3  # params, injected, ours

    uri = resolve_tracking_uri()
    run = get_client(uri).get_run(job["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["x"] == "21"
    tags = run.data.tags
    assert tags[spec.TICKET] and tags[spec.KERNEL_READY] == "ahead"
    assert tags[spec.NOTEBOOK] == str(nb)
    out = Path(download_artifact(uri, job["run_id"], f"output/{nb.name}", str(tmp_path)))
    printed = ["".join(o.get("text", "")) for c in json.loads(out.read_text())["cells"]
               for o in c.get("outputs", [])]  # fmt: skip
    assert "y is 42\n" in printed
    receipt = get_client(uri).download_artifacts(job["run_id"], spec.RECEIPT, str(tmp_path))
    assert json.loads(Path(receipt).read_text())["parameters"] == {"x": 21}
    logs = Path(os.environ["JUPYTER_MLOPS_HOME"]) / "logs"
    assert (logs / f"{job['run_id']}.log").exists()  # found by run id, as every job's log


def test_cli_run_wait_says_which_cell_failed(mlops_notebook, tmp_path):
    nb = mlops_notebook("x = 1", "raise ValueError('bad input')")
    failed = run_cli("run", str(nb), "--wait")
    assert failed.returncode == 1
    assert "cell error" in failed.stdout and "ValueError: bad input" in failed.stdout
    run_id = failed.stdout.split()[len(["RUN", "STATUS", "KIND", "CELLS", "TIME", "REASON"]) + 1]
    job = describe_job(run_id)
    assert (job.status, job.failure_reason, job.failed_cell) == ("FAILED", "cell error", 1)
    out = download_artifact(resolve_tracking_uri(), run_id, f"output/{nb.name}", str(tmp_path))
    assert Path(out).exists()  # the executed notebook is kept on a failure too


def test_waiting_hears_running_and_progress_before_the_end(mlops_notebook):
    nb = mlops_notebook(*["import time; time.sleep(0.7)"] * 4)
    job = launch_job(nb)
    seen: list[tuple[str, int, int]] = []
    final = job.wait(on_progress=lambda jobs: seen.append(
        (jobs[0].status, jobs[0].cells_done, jobs[0].cells_total)))  # fmt: skip
    assert final.status == "FINISHED" and final.run_id == job.run_id
    assert seen[-1] == ("FINISHED", 4, 4)
    running = [s for s in seen if s[0] == "RUNNING"]
    assert running, seen
    assert any(0 < done < 4 for _, done, _ in running), seen  # cells counted as they ran
    assert final.to_dict() == describe_job(job.run_id).to_dict() | {"duration_s": final.duration_s}


def test_a_server_that_is_down_is_refused_before_anything_starts(mlops_notebook):
    nb = mlops_notebook("x = 1")
    uri = f"http://127.0.0.1:{free_port()}"
    refused = run_cli("run", str(nb), "--tracking-uri", uri, timeout=60)
    assert refused.returncode == 2
    assert "does not answer" in refused.stderr and uri in refused.stderr
    assert not (Path(os.environ["JUPYTER_MLOPS_HOME"]) / "logs").exists()  # no job process


def test_an_error_creating_the_run_is_raised_in_the_caller(mlops_notebook):
    nb = mlops_notebook("x = 1")
    with pytest.raises(MlopsError, match="Could not create the run on sqlite:////proc/"):
        launch_job(nb, tracking_uri="sqlite:////proc/no-such-folder/mlflow.db")
    # The job's process ended with its kernel: nothing is left running for it.
    home = os.environ["JUPYTER_MLOPS_HOME"]
    wait_until(
        lambda: not [p for p in psutil.process_iter(["cmdline", "environ"])
                     if "jupyter_mlops.jobs.executors.local_process" in " ".join(p.info["cmdline"] or [])
                     and (p.info["environ"] or {}).get("JUPYTER_MLOPS_HOME") == home],
        timeout=30,
        what="the job process to exit",
    )  # fmt: skip


def test_errors_keep_their_class_across_the_pipe():
    error = error_from_dict(error_to_dict(InvalidParameterError("bad x", name="x")))
    assert type(error) is InvalidParameterError
    assert (error.message, error.details) == ("bad x", {"name": "x"})
    other = error_from_dict(error_to_dict(RuntimeError("disk full")))
    assert type(other) is MlopsError and "disk full" in other.message


def test_cancel_ends_a_launched_job_killed_and_the_waiter_hears_it(mlops_notebook):
    nb = mlops_notebook("import time; time.sleep(120)")
    job = launch_job(nb)
    wait_until(lambda: describe_job(job.run_id).status == "RUNNING", what="RUNNING")
    threading.Timer(1.0, cancel_job, args=(job.run_id,)).start()
    final = job.wait()
    assert (final.status, final.failure_reason) == ("KILLED", "cancelled")


def test_a_job_process_killed_outright_is_found_orphaned_by_the_waiter(mlops_notebook):
    nb = mlops_notebook("import time; time.sleep(120)")
    job = launch_job(nb)
    wait_until(lambda: describe_job(job.run_id).status == "RUNNING", what="RUNNING")
    run = get_client(resolve_tracking_uri()).get_run(job.run_id)
    runner = psutil.Process(int(run.data.tags[spec.PID]))
    family = [runner, *runner.children(recursive=True)]  # the kernel leads its own group
    for proc in family:
        proc.send_signal(signal.SIGKILL)
    final = job.wait()  # no last word from the process: the tracking store is read
    assert (final.status, final.failure_reason) == ("FAILED", "orphaned")


def test_a_launched_job_waits_scheduled_for_a_free_slot(mlops_notebook, monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTER_MLOPS_MAX_CONCURRENCY", "1")
    first = launch_job(mlops_notebook("import time; time.sleep(6)", name="first.ipynb"))
    wait_until(lambda: describe_job(first.run_id).status == "RUNNING", what="RUNNING")
    second = launch_job(mlops_notebook("z = 3", name="second.ipynb"))
    assert describe_job(second.run_id).status == "SCHEDULED"
    assert describe_job(first.run_id).status == "RUNNING"
    assert second.wait().status == "FINISHED"
    done = describe_job(first.run_id)
    assert done.status == "FINISHED"
    receipt = get_client(resolve_tracking_uri()).download_artifacts(
        second.run_id, spec.RECEIPT, str(tmp_path)
    )
    started = json.loads(Path(receipt).read_text())["timings"]["started"]
    assert started * 1000 >= done.end_time  # one at a time: it ran once the first had ended


def test_a_reply_nobody_reads_never_holds_the_job(tmp_path):
    read_fd, write_fd = os.pipe()
    reply = Reply(write_fd)
    sent = threading.Thread(
        target=lambda: [reply.send({"cells_done": i, "pad": "x" * 200}) for i in range(2000)]
    )
    sent.start()
    sent.join(timeout=60)  # a guard against hanging, not a speed limit
    assert not sent.is_alive(), "sending blocked on a pipe nobody reads"
    reply.close()
    line = ReplyLine(read_fd, tmp_path / "job.log")
    got = []
    while (message := line.read()) is not None:
        got.append(message["cells_done"])
    line.close()
    assert got == list(range(len(got)))  # whole messages, in order, then the end
    assert 0 < len(got) < 2000  # the job stopped reporting once the pipe stayed full


def test_run_wait_on_dask_is_submitted_and_polled(mlops_dask, mlops_notebook):
    """Dask cannot launch a job that creates its own run: the CLI submits it and polls."""
    nb = mlops_notebook("y = x + 1", params="x = 1")
    cmd = ["run", str(nb), "-p", "x", "4", "--executor", mlops_dask.executor, "--wait", "--json"]
    proc, mlflow_loaded = _cli_reporting_imports(*cmd)
    assert proc.returncode == 0, proc.stderr
    (job,) = json.loads(proc.stdout)["jobs"]
    assert (job["status"], job["executor"], job["parameters"]) == (
        "FINISHED", mlops_dask.executor, {"x": 4}
    )  # fmt: skip
    assert mlflow_loaded is True  # the run was created here
