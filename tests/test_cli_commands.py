"""``jupyter mlops`` as a user types it: argument parsing, text output, exit codes.

Each command runs in its own process on the embedded store, with real kernels.
"""

from __future__ import annotations

import json

from conftest import run_cli

from jupyter_mlops.tracking import get_client

DOUBLES = "import mlflow\nmlflow.log_metric('y', x * 2)"


def test_sweep_with_progress_then_jobs_and_receipts(mlops_notebook):
    from jupyter_mlops.config import resolve_tracking_uri

    nb = mlops_notebook(DOUBLES, params="x: int = 1  # input", name="double.ipynb")

    swept = run_cli("run", str(nb), "--sweep", "x=1,2", "--experiment", "cli-sweep", "--wait")

    assert swept.returncode == 0, swept.stderr
    assert "Submitted sweep" in swept.stderr
    assert "runs 2/2" in swept.stderr  # the progress line reached the end
    assert swept.stdout.count("FINISHED") == 2
    listed = run_cli("jobs", "--status", "FINISHED", "--json")
    assert listed.returncode == 0, listed.stderr
    jobs = json.loads(listed.stdout)
    children = [j for j in jobs if j["parent_run_id"]]
    assert sorted(j["parameters"]["x"] for j in children) == [1, 2]
    experiment = get_client(resolve_tracking_uri()).get_experiment_by_name("cli-sweep")
    assert experiment is not None
    assert {j["experiment_id"] for j in jobs} == {experiment.experiment_id}
    assert all(j["status"] == "FINISHED" for j in jobs)
    assert run_cli("jobs", "--status", "RUNNING", "--json").stdout.strip() == "[]"

    child = children[0]
    receipt = run_cli("receipt", child["run_id"], "--json")
    assert receipt.returncode == 0, receipt.stderr
    assert json.loads(receipt.stdout)["parameters"] == {"x": child["parameters"]["x"]}
    text = run_cli("receipt", child["run_id"])
    assert child["run_id"] in text.stdout and "sha256" in text.stdout

    unknown = run_cli("jobs", "--status", "DONE")
    assert unknown.returncode == 2 and "Unknown status 'DONE'" in unknown.stderr


def test_timeout_and_cancel_from_the_command_line(mlops_notebook):
    slow = mlops_notebook("import time\ntime.sleep(120)", name="slow.ipynb")

    timed_out = run_cli("run", str(slow), "--timeout", "3", "--wait")

    assert timed_out.returncode == 1
    assert "FAILED (timeout)" in timed_out.stderr + timed_out.stdout

    submitted = run_cli("run", str(slow), "--json")
    assert submitted.returncode == 0, submitted.stderr
    run_id = json.loads(submitted.stdout)["run_id"]
    cancelled = run_cli("cancel", run_id)
    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout.strip() == f"{run_id} KILLED"
    again = run_cli("cancel", run_id, "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["status"] == "KILLED"

    bad = run_cli("run", str(slow), "--timeout", "-1")
    assert bad.returncode == 2 and "timeout must be a positive number" in bad.stderr


def test_output_piped_to_a_reader_that_stops_early_ends_quietly(mlops_env):
    """`jupyter mlops schedule list | head -0`: no traceback, the shell's SIGPIPE code."""
    import os
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_mlops.cli", "schedule", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before anything is written
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
