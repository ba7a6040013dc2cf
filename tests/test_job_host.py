"""The local job host: warm jobs, queued jobs that hold nothing, and a host that may die.

Real host processes, kernels and SQLite stores; every host a test starts is killed by PID when
it ends (``conftest.stop_job_hosts``).
"""

from __future__ import annotations

import json
import os
import stat

import psutil
import pytest
from conftest import run_cli, stop_job_hosts, wait_until

from jupyter_mlops import cancel_job, launch_job, submit_sweep
from jupyter_mlops.config import get_settings
from jupyter_mlops.errors import ConfigError
from jupyter_mlops.jobs import spec
from jupyter_mlops.jobs.host import client, enabled, idle_seconds
from jupyter_mlops.jobs.host.place import HostPlace, runtime_dir
from jupyter_mlops.jobs.query import describe_job, list_jobs, wait_for_jobs

SLEEPY = "import time\ntime.sleep(seconds)\nprint('slept', seconds)"


@pytest.fixture(autouse=True)
def host_on(monkeypatch):
    """The default: local jobs go to the job host (the rest of the suite turns it off)."""
    monkeypatch.delenv("JUPYTER_MLOPS_HOST")


def _cli_loading_mlflow(*args: str) -> tuple[dict, bool]:
    """Run the CLI in a process of its own: its JSON output, and whether it imported MLflow."""
    import subprocess
    import sys

    code = (
        "import json, sys\nfrom jupyter_mlops.cli import main\ncode = main(sys.argv[1:])\n"
        "sys.stderr.write(json.dumps('mlflow' in sys.modules) + '\\n')\nsys.exit(code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *args, "--json"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), json.loads(proc.stderr.strip().splitlines()[-1])


def test_cli_run_wait_through_the_host_never_loads_mlflow(mlops_notebook):
    nb = mlops_notebook("y = x * 2", params="x = 1")
    for _ in range(2):  # the first starts the host, the second finds it
        out, loaded = _cli_loading_mlflow("run", str(nb), "-p", "x", "3", "--wait")
        assert loaded is False
        (job,) = out["jobs"]
        assert (job["status"], job["parameters"]) == ("FINISHED", {"x": 3})
    assert client.status(get_settings()) is not None


def test_the_host_creates_a_sweeps_runs_and_the_cli_never_loads_mlflow(mlops_notebook):
    nb = mlops_notebook("y = x * 2\nprint(y)", params="x = 1")
    out, loaded = _cli_loading_mlflow("run", str(nb), "--sweep", "x=1,2,3", "--wait")
    assert loaded is False
    assert [(j["status"], j["parameters"]) for j in out["jobs"]] == [
        ("FINISHED", {"x": 1}),
        ("FINISHED", {"x": 2}),
        ("FINISHED", {"x": 3}),
    ]
    parent = describe_job(out["run_id"])
    assert (parent.is_sweep, parent.status) == (True, "FINISHED")
    assert {j["parent_run_id"] for j in out["jobs"]} == {parent.run_id}
    from jupyter_mlops.tracking import get_client

    key = HostPlace.for_settings(get_settings()).key
    store = get_client(get_settings().tracking_uri)
    tags = [store.get_run(j["run_id"]).data.tags for j in out["jobs"]]
    assert {t[spec.JOB_HOST] for t in tags} == {key}
    assert {t[spec.PID] for t in tags} == {str(_host().pid)}


def test_a_sweep_waited_on_hears_each_child_then_polls_once_its_host_is_gone(
    mlops_notebook, monkeypatch, mlops_env
):
    from jupyter_mlops.jobs.request import JobRequest
    from jupyter_mlops.jobs.submit import submit

    monkeypatch.setenv("JUPYTER_MLOPS_MAX_CONCURRENCY", "1")
    nb = mlops_notebook(SLEEPY, params="seconds = 0.0")
    submission = submit(JobRequest(notebook=nb, sweep={"seconds": [0.1, 60.0, 0.1]}))
    seen: list[tuple[str, ...]] = []
    killed: list[int] = []

    def progress(jobs):
        seen.append(tuple(j.status for j in jobs))
        if jobs[1].status == "RUNNING" and not killed:
            killed.extend(stop_job_hosts(mlops_env.parent / "home"))
            assert run_cli("host", "start").returncode == 0  # it takes over what is left

    jobs = submission.wait(on_progress=progress)
    assert len(killed) == 1
    assert ("FINISHED", "RUNNING", "SCHEDULED") in seen  # told by the host, child by child
    assert [j.status for j in jobs] == ["FINISHED", "FAILED", "FINISHED"]
    assert jobs[1].failure_reason == "orphaned"


def _host() -> psutil.Process:
    status = client.status(get_settings())
    assert status is not None, "no job host answers"
    return psutil.Process(status["pid"])


def _kernels_of(host: psutil.Process) -> list[psutil.Process]:
    return [p for p in host.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]


def test_a_sweep_runs_in_one_warm_host_on_kernels_started_ahead(mlops_notebook):
    nb = mlops_notebook("y = x * 3\nprint(y)", params="x = 1")
    parent, children = submit_sweep(nb, {"x": [1, 2, 3, 4]})
    jobs = wait_for_jobs(children, timeout=300)
    assert [j.status for j in jobs] == ["FINISHED"] * 4
    host = _host()
    from jupyter_mlops.tracking import get_client

    runs = [get_client(get_settings().tracking_uri).get_run(c) for c in children]
    assert {r.data.tags[spec.JOB_HOST] for r in runs} == {
        HostPlace.for_settings(get_settings()).key
    }
    assert {int(r.data.tags[spec.PID]) for r in runs} == {host.pid}
    assert {r.data.tags.get(spec.KERNEL_READY) for r in runs} == {"pool"}
    assert describe_job(parent).status == "FINISHED"
    assert client.status(get_settings())["queue"] == []
    wait_until(
        lambda: all(s["run_id"] is None for s in client.status(get_settings())["slots"]),
        timeout=30,
        what="the slots to be free once their runs ended",
    )
    # no job ran in a process of its own
    job_processes = [
        p
        for p in psutil.process_iter(["cmdline"])
        if "jupyter_mlops.jobs.executors.local_process" in " ".join(p.info["cmdline"] or [])
    ]
    assert job_processes == []


def test_queued_jobs_hold_no_process_and_no_kernel(mlops_notebook, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_MAX_CONCURRENCY", "1")
    nb = mlops_notebook(SLEEPY, params="seconds = 0.0")
    parent, children = submit_sweep(nb, {"seconds": [20.0, 0.0, 0.0, 0.0, 0.0, 0.0]})
    wait_until(lambda: describe_job(children[0]).status == "RUNNING", what="the first child")
    host = _host()
    status = client.status(get_settings())
    assert status["slots"][0]["run_id"] == children[0]
    assert status["queue"] == children[1:]
    # One slot: the running job's kernel and at most one started ahead, for five queued jobs.
    assert len(_kernels_of(host)) <= 2
    assert len(host.children(recursive=True)) <= 2 + 2  # kernels and their helpers at most
    assert [describe_job(c).status for c in children[1:]] == ["SCHEDULED"] * 5
    # the Jupyter server counts them as activity (idle culling leaves it alone)
    from jupyter_mlops.server.job_activity import local_jobs_running

    assert local_jobs_running(get_settings().tracking_uri) == 6
    cancel_job(parent)
    assert {j.status for j in wait_for_jobs(children, timeout=120)} == {"KILLED"}


def test_cancel_a_running_and_a_queued_child_and_the_rest_go_on(mlops_notebook, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_MAX_CONCURRENCY", "1")
    nb = mlops_notebook(SLEEPY, params="seconds = 0.0")
    parent, children = submit_sweep(nb, {"seconds": [60.0, 0.1, 60.0]})
    wait_until(lambda: describe_job(children[0]).status == "RUNNING", what="the first child")
    assert cancel_job(children[2]).status == "KILLED"  # queued: ended at once
    assert cancel_job(children[0]).status == "KILLED"  # running: its kernel is killed
    first, second, third = wait_for_jobs(children, timeout=180)
    assert (first.status, second.status, third.status) == ("KILLED", "FINISHED", "KILLED")
    assert first.failure_reason == third.failure_reason == "cancelled"
    assert client.status(get_settings())["queue"] == []
    assert describe_job(parent).status in ("FAILED", "KILLED")


def test_a_host_killed_mid_sweep_orphans_its_running_job_and_the_next_host_runs_the_rest(
    mlops_notebook, monkeypatch, mlops_env
):
    monkeypatch.setenv("JUPYTER_MLOPS_MAX_CONCURRENCY", "1")
    nb = mlops_notebook(SLEEPY, params="seconds = 0.0")
    parent, children = submit_sweep(nb, {"seconds": [60.0, 0.1, 0.2]})
    wait_until(lambda: describe_job(children[0]).status == "RUNNING", what="the first child")
    dead = _host().pid
    assert stop_job_hosts(mlops_env.parent / "home") == [dead]
    # whoever lists jobs next sees the running one lost
    listed = {j.run_id: j for j in list_jobs(max_results=50)}
    assert listed[children[0]].status == "FAILED"
    assert listed[children[0]].failure_reason == "orphaned"
    assert [listed[c].status for c in children[1:]] == ["SCHEDULED", "SCHEDULED"]
    started = run_cli("host", "start", "--json")
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout)["pid"] != dead
    jobs = wait_for_jobs(children, timeout=180)
    assert [j.status for j in jobs] == ["FAILED", "FINISHED", "FINISHED"]
    assert describe_job(parent).status == "FAILED"


def test_a_launched_job_reports_through_the_host_and_the_host_exits_when_idle(
    mlops_notebook, monkeypatch
):
    monkeypatch.setenv("JUPYTER_MLOPS_HOST_IDLE_S", "2")
    nb = mlops_notebook("print(x + 1)", params="x = 1")
    seen: list[str] = []
    job = launch_job(nb, {"x": 41}).wait(on_progress=lambda jobs: seen.append(jobs[0].status))
    assert job.status == "FINISHED"
    assert "RUNNING" in seen
    from jupyter_mlops.tracking import get_client

    run = get_client(get_settings().tracking_uri).get_run(job.run_id)
    assert spec.JOB_HOST in run.data.tags and spec.TICKET not in run.data.tags
    place = HostPlace.for_settings(get_settings())
    pid = int(run.data.tags[spec.PID])
    psutil.Process(pid).wait(timeout=60)  # it exits on its own once idle
    assert not place.socket.exists()
    assert client.status(get_settings()) is None


def test_two_tracking_stores_are_served_by_two_hosts(mlops_notebook, tmp_path):
    nb = mlops_notebook("print(x)", params="x = 1")
    uris = [f"sqlite:///{tmp_path / name}" for name in ("a.db", "b.db")]
    jobs = [launch_job(nb, {"x": i}, tracking_uri=uri).wait() for i, uri in enumerate(uris)]
    assert [j.status for j in jobs] == ["FINISHED", "FINISHED"]
    statuses = [client.status(get_settings(uri)) for uri in uris]
    assert all(statuses)
    assert statuses[0]["pid"] != statuses[1]["pid"]
    assert statuses[0]["key"] != statuses[1]["key"]


def test_the_off_switch_keeps_a_process_per_job(mlops_notebook, monkeypatch, mlops_env):
    monkeypatch.setenv("JUPYTER_MLOPS_HOST", "off")
    nb = mlops_notebook("print(x)", params="x = 1")
    job = launch_job(nb, {"x": 2}).wait()
    assert job.status == "FINISHED"
    from jupyter_mlops.tracking import get_client

    run = get_client(get_settings().tracking_uri).get_run(job.run_id)
    assert spec.JOB_HOST not in run.data.tags and spec.TICKET in run.data.tags
    assert not (mlops_env.parent / "home" / "hosts").exists()


def test_host_cli_status_start_and_stop(monkeypatch):
    none = run_cli("host", "status")
    assert none.returncode == 0, none.stderr
    assert "no job host is running" in none.stdout
    started = run_cli("host", "start")
    assert started.returncode == 0, started.stderr
    assert "SLOT" in started.stdout and "kernels ready" in started.stdout
    status = json.loads(run_cli("host", "status", "--json").stdout)
    host = psutil.Process(status["pid"])
    assert len(status["slots"]) == get_settings().max_concurrency
    assert run_cli("host", "stop").returncode == 0
    host.wait(timeout=60)


@pytest.mark.parametrize(
    ("name", "value", "check"),
    [
        ("JUPYTER_MLOPS_HOST", "maybe", enabled),
        ("JUPYTER_MLOPS_HOST_IDLE_S", "-1", idle_seconds),
        ("JUPYTER_MLOPS_HOST_IDLE_S", "soon", idle_seconds),
    ],
)
def test_bad_host_settings_say_what_is_allowed(monkeypatch, name, value, check):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        check()


def test_a_socket_folder_others_may_open_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "runtime"
    folder.mkdir()
    os.chmod(folder, 0o777)
    monkeypatch.setenv("JUPYTER_MLOPS_RUNTIME_DIR", str(folder))
    with pytest.raises(ConfigError, match="chmod 700"):
        runtime_dir()
    os.chmod(folder, 0o700)
    assert runtime_dir() == folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_key_from_a_run_tag_names_nothing_outside_the_runtime_folder():
    with pytest.raises(ConfigError):
        HostPlace("../../etc/passwd", get_settings().home)


def test_a_host_asked_garbage_answers_nothing_and_keeps_serving(mlops_notebook):
    import socket as sockets

    started = client.start(get_settings())
    assert started is not None
    place = HostPlace.for_settings(get_settings())
    for garbage in (b"not json\n", b"[1, 2]\n", b'{"op": "submit"}\n', b'{"op": "nope"}\n'):
        with sockets.socket(sockets.AF_UNIX) as sock:
            sock.settimeout(10)
            sock.connect(str(place.socket))
            sock.sendall(garbage)
            sock.recv(1000)
    assert client.status(get_settings())["pid"] == started["pid"]
    assert psutil.pid_exists(started["pid"])


def test_host_status_text_lists_ten_queued_runs_then_says_there_are_more():
    from jupyter_mlops.views import host_text

    status = {
        "pid": 7,
        "tracking_uri": "sqlite:///x.db",
        "idle_s": 0.0,
        "idle_exit_s": 600.0,
        "log": "host.log",
        "ready_kernels": {"python3": 1},
        "slots": [{"index": 0, "run_id": "r0"}, {"index": 1, "run_id": None}],
        "queue": [f"q{i}" for i in range(12)],
    }
    text = host_text(status)
    assert "0     r0" in text and "1     (free)" in text
    assert text.splitlines()[-1] == "queued: 12 (q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, ...)"
    status["queue"] = ["q0"]
    assert host_text(status).splitlines()[-1] == "queued: 1 (q0)"
    assert host_text(None) == "no job host is running for this store"


def test_a_notebook_over_the_hosts_request_limit_still_runs_as_with_the_host_off(
    mlops_notebook,
):
    """A notebook saved with megabytes of outputs (plots, tables) is too big to hand over the
    host's socket: a single job runs in a process of its own, a sweep's runs are made by the
    caller and queued on the host, and nothing fails for it."""
    import nbformat

    from jupyter_mlops.jobs.host.place import MAX_MESSAGE

    nb_path = mlops_notebook("print(x * 2)", params="x = 1")
    nb = nbformat.read(nb_path, as_version=4)
    text = "0123456789" * (MAX_MESSAGE // 10 + 1)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    nbformat.write(nb, nb_path)
    from jupyter_mlops.tracking import get_client

    store = get_client(get_settings().tracking_uri)
    job = launch_job(nb_path, {"x": 4}).wait()
    assert job.status == "FINISHED"
    assert spec.JOB_HOST not in store.get_run(job.run_id).data.tags  # its own process ran it
    parent, children = submit_sweep(nb_path, {"x": [1, 2]})
    assert describe_job(parent).is_sweep
    jobs = wait_for_jobs(children, timeout=300)
    assert [(j.status, j.parameters) for j in jobs] == [
        ("FINISHED", {"x": 1}),
        ("FINISHED", {"x": 2}),
    ]
    key = HostPlace.for_settings(get_settings()).key
    assert {store.get_run(c).data.tags.get(spec.JOB_HOST) for c in children} == {key}
