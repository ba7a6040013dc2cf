"""The local executor: each job in a detached process that outlives whoever submitted it.

Concurrency is bounded across processes by lock files (``$JUPYTER_MLOPS_HOME/slots``): a job
waits SCHEDULED until it holds a slot. The OS frees a slot when its process dies, however it dies.

A single job is launched (:meth:`LocalExecutor.launch`): its process is handed the checked
request, creates the run while its kernel boots, and reports the run and the job's progress
over a pipe, so the submitter never needs MLflow for it. The runs of a sweep are created by
the submitter, and each child's process is given its run id (:meth:`LocalExecutor.submit`).
The process's side is :mod:`.local_process`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING, Any

from ...config import Settings
from ...errors import InvalidRequestError
from .. import spec
from ..environment import job_environment
from .base import Executor
from .reply import ReplyLine

if TYPE_CHECKING:
    from ...tracking import Store

JOB_MODULE = "jupyter_mlops.jobs.executors.local_process"
"""Run as ``python -m JOB_MODULE RUN_ID URI SLOTS`` or ``... --launch TICKET URI SLOTS FD``."""
LAUNCH = "--launch"


class LocalExecutor(Executor):
    name = "local"

    def launch(self, settings: Settings, request: dict[str, Any]) -> ReplyLine:
        """Have the job host (or a job's own process) create the run ``request`` describes and
        run it; the line on which it reports."""
        from ..host import client as host

        line = host.launch(settings, request)
        if line is not None:
            return line
        ticket = uuid.uuid4().hex
        read_fd, write_fd = os.pipe()
        try:
            args = [LAUNCH, ticket, settings.tracking_uri, str(settings.max_concurrency)]
            proc = _spawn(
                settings, ticket, [*args, str(write_fd)], stdin=subprocess.PIPE, keep=write_fd
            )
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        assert proc.stdin is not None
        with contextlib.suppress(OSError):  # a process that died at once says so by its pipe
            proc.stdin.write(json.dumps(request, default=str).encode() + b"\n")
            proc.stdin.close()
        return ReplyLine(read_fd, settings.home / "logs" / f"{ticket}.log")

    def launch_sweep(self, settings: Settings, request: dict[str, Any]) -> ReplyLine | None:
        """Have the job host create the sweep's runs and run them; None without a host."""
        from ..host import client as host

        return host.launch(settings, request)

    def submit(
        self, run_id: str, settings: Settings, tags: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        from ..host import client as host

        queued = host.queue(settings, run_id)
        if queued is not None:
            return queued
        proc = _spawn(
            settings, run_id, [run_id, settings.tracking_uri, str(settings.max_concurrency)]
        )
        facts: dict[str, Any] = {spec.PID: proc.pid, spec.HOST: socket.gethostname()}
        started = _start_time(proc.pid)
        return facts if started is None else {**facts, spec.PID_START: started}

    def cancel(self, run: Any, settings: Settings) -> bool:
        if spec.JOB_HOST in run.data.tags:
            return _host_says(run, "cancel", "cancelled", when_busy=False)
        proc = _job_process(run)
        if proc is None:
            return False
        os.killpg(proc.pid, signal.SIGTERM)
        return True

    def is_running(self, run: Any) -> bool:
        """Whether the job's process still runs on this host (a zombie counts as gone)."""
        import psutil

        if spec.JOB_HOST in run.data.tags:
            return _host_says(run, "active", "active", when_busy=True)
        proc = _job_process(run)
        try:
            return proc is not None and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def force_stop(self, run: Any) -> None:
        """Kill the job's process group and the kernel, when SIGTERM was not enough."""
        import psutil

        if spec.JOB_HOST in run.data.tags:
            _host_says(run, "cancel", "cancelled", when_busy=False)  # kills its kernel again
            return
        proc = _job_process(run)
        if proc is None:
            return
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    @classmethod
    def reap_orphans(cls, store: Store, runs: list[Any]) -> list[Any]:
        """Mark FAILED ("orphaned") the unfinished jobs of this host whose process is gone.

        A job outlives the process that submitted it, but not a reboot or a SIGKILL: its run
        would stay RUNNING forever.
        """
        from ...tracking import RUN_TERMINAL

        fresh = []
        for run in runs:
            gone = run.info.status not in RUN_TERMINAL and is_local_job_here(run)
            if gone and not cls().is_running(run):
                run = store.run(run.info.run_id)  # it may have ended as we looked
                if run.info.status not in RUN_TERMINAL:
                    pid = run.data.tags[spec.PID]
                    evalue = f"process {pid} is gone"
                    store.log(run.info.run_id, tags={spec.REASON: "orphaned", spec.EVALUE: evalue})
                    store.end(run.info.run_id, "FAILED")
                    run = store.run(run.info.run_id)
            fresh.append(run)
        return fresh

    def check_kernel(self, name: str) -> None:
        """The kernel must be installed here, as ``jupyter kernelspec list`` shows it."""
        from jupyter_client.kernelspec import KernelSpecManager

        installed = KernelSpecManager().find_kernel_specs()
        if name not in installed:
            raise InvalidRequestError(
                f"No kernel named {name!r} is installed here (installed: "
                f"{', '.join(sorted(installed)) or 'none'}). Pass --kernel NAME, or install "
                "it (python -m ipykernel install --user --name NAME)."
            )

    @classmethod
    def supported_features(cls) -> dict[str, bool]:
        return {**super().supported_features(), "cancel": True, "launch": True}


def _host_says(run: Any, op: str, key: str, when_busy: bool) -> bool:
    """The job host's yes or no about ``run``; False when no host answers, ``when_busy``
    when one is there but does not answer in time."""
    from ..host.client import ask_about

    try:
        answer = ask_about(run, op)
    except TimeoutError:
        return when_busy
    except OSError:
        return False
    return bool(answer and answer.get(key))


def _spawn(
    settings: Settings,
    log_name: str,
    args: list[str],
    stdin: int = subprocess.DEVNULL,
    keep: int | None = None,
) -> subprocess.Popen[bytes]:
    logs = settings.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(job_environment(), JUPYTER_MLOPS_HOME=str(settings.home))
    with open(logs / f"{log_name}.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", JOB_MODULE, *args],
            stdin=stdin,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: cancel kills the whole group
            env=env,
            pass_fds=() if keep is None else (keep,),
        )


def _start_time(pid: int) -> float | None:
    import psutil

    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None  # already gone: it is recorded again by the runner if it ever started


def _job_process(run: Any) -> Any:
    """The live local process of this job, or None.

    Signals go only to a process that is provably this job's runner: the pid recorded on the
    run, started at the recorded time, running this module for this run id. Run tags can be
    written by anyone with access to the tracking server, so they alone never name a target.
    """
    import psutil

    tags = run.data.tags
    if tags.get(spec.HOST) != socket.gethostname() or spec.PID not in tags:
        return None
    try:
        proc = psutil.Process(int(tags[spec.PID]))
        if abs(proc.create_time() - float(tags[spec.PID_START])) > 1.0:
            return None  # the pid was reused by another process
        command = proc.cmdline()
    except (psutil.Error, KeyError, ValueError):
        return None
    if JOB_MODULE not in command:
        return None
    if run.info.run_id not in command and tags.get(spec.TICKET, "-") not in command:
        return None
    return proc


def is_local_job_here(run: Any) -> bool:
    """A job of the local executor whose process was recorded on this host."""
    tags = run.data.tags
    executor = tags.get(spec.EXECUTOR, "local").split("://")[0]
    return executor == "local" and tags.get(spec.HOST) == socket.gethostname() and spec.PID in tags
