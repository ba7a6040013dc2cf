"""The local executor: each job in a detached process that outlives whoever submitted it.

Concurrency is bounded across processes by lock files (``$JUPYTER_MLOPS_HOME/slots``): a job
waits SCHEDULED until it holds a slot. The OS frees a slot when its process dies, however it dies.

A submitter may start the process before the run exists (:meth:`LocalExecutor.prestart`): it
then imports MLflow and papermill and starts the job's kernel while the submitter creates the
run, and reads the run id from its stdin. Without a run id (the submitter failed or died) it
exits and kills the kernel: nothing of it runs a notebook that was not submitted.

A submitter without MLflow loaded lets the process create the run itself
(:meth:`LocalExecutor.launch`, used by :func:`~jupyter_mlops.jobs.launch.launch_job`): the
process reads the request from stdin, creates the run while its kernel boots, and reports
the run and the job's progress over a pipe.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..config import Settings
from . import spec

if TYPE_CHECKING:
    from .launch import ReplyLine

JOB_MODULE = "jupyter_mlops.jobs.local"  # run as ``python -m JOB_MODULE RUN_ID URI SLOTS``
PRESTART = "--prestart"  # ``python -m JOB_MODULE --prestart TICKET URI SLOTS KERNEL CWD``
LAUNCH = "--launch"  # ``python -m JOB_MODULE --launch TICKET URI SLOTS REPLY_FD``
SLOT_POLL_S = 0.2
CANCEL_GRACE_S = 5.0


class LocalExecutor:
    name = "local"

    def prestart(self, settings: Settings, kernel_name: str | None, cwd: Path) -> Prestarted:
        """Start a job's process now, before its run exists; :meth:`submit` hands it the run."""
        ticket = uuid.uuid4().hex
        args = [PRESTART, ticket, settings.tracking_uri, str(settings.max_concurrency)]
        proc = _spawn(settings, ticket, [*args, kernel_name or "", str(cwd)], stdin=subprocess.PIPE)
        return Prestarted(proc, ticket, settings.home / "logs")

    def launch(self, settings: Settings, request: dict[str, Any]) -> ReplyLine:
        """Start a job's process that creates the run ``request`` describes; its reply line.

        ``request`` is what :func:`~jupyter_mlops.jobs.launch.launch_job` checked.
        """
        from .launch import ReplyLine

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
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.close()
        return ReplyLine(read_fd, settings.home / "logs" / f"{ticket}.log")

    def submit(
        self,
        run_id: str,
        settings: Settings,
        prestarted: Prestarted | None = None,
        tags: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if prestarted is not None and prestarted.hand_over(run_id):
            proc, extra = prestarted.proc, {spec.TICKET: prestarted.ticket}
        else:
            proc, extra = (
                _spawn(
                    settings, run_id, [run_id, settings.tracking_uri, str(settings.max_concurrency)]
                ),
                {},
            )
        facts = {spec.PID: proc.pid, spec.HOST: socket.gethostname(), **extra}
        started = _start_time(proc.pid)
        return facts if started is None else {**facts, spec.PID_START: started}

    def cancel(self, run: Any, settings: Settings) -> bool:
        proc = _job_process(run)
        if proc is None:
            return False
        os.killpg(proc.pid, signal.SIGTERM)
        return True

    def is_running(self, run: Any) -> bool:
        """Whether the job's process still runs on this host (a zombie counts as gone)."""
        import psutil

        proc = _job_process(run)
        try:
            return proc is not None and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def force_stop(self, run: Any) -> None:
        """Kill the job's process group and the kernel, when SIGTERM was not enough."""
        import psutil

        proc = _job_process(run)
        if proc is None:
            return
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    @classmethod
    def supported_features(cls) -> dict[str, bool]:
        return {"cancel": True, "timeout": True, "resources": False, "survives_restart": True}


class Prestarted:
    """A job process started ahead of its run, waiting on its stdin for the run id."""

    def __init__(self, proc: subprocess.Popen[bytes], ticket: str, logs: Path) -> None:
        self.proc = proc
        self.ticket = ticket
        self.logs = logs

    def hand_over(self, run_id: str) -> bool:
        """Give the process its run; False when it is gone (the caller starts another)."""
        assert self.proc.stdin is not None
        try:
            if self.proc.poll() is not None:
                return False
            self.proc.stdin.write(run_id.encode() + b"\n")
            self.proc.stdin.close()
        except OSError:
            return False
        with contextlib.suppress(OSError):  # the log is found by run id, as every job's is
            (self.logs / f"{self.ticket}.log").rename(self.logs / f"{run_id}.log")
        return True

    def discard(self) -> None:
        """The run was never created: end the process (and its kernel) without a job."""
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()


def _spawn(
    settings: Settings,
    log_name: str,
    args: list[str],
    stdin: int = subprocess.DEVNULL,
    keep: int | None = None,
) -> subprocess.Popen[bytes]:
    logs = settings.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, JUPYTER_MLOPS_HOME=str(settings.home))
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


def reap_orphans(tracking_uri: str, runs: list[Any]) -> list[Any]:
    """Mark FAILED ("orphaned") the unfinished local jobs whose process is gone.

    A job outlives the process that submitted it, but not a reboot or a SIGKILL: its run would
    stay RUNNING forever. Returns ``runs`` with the reaped ones read again.
    """
    from ..tracking import RUN_TERMINAL, get_client, log_batch

    client = get_client(tracking_uri)
    fresh = []
    for run in runs:
        gone = run.info.status not in RUN_TERMINAL and is_local_job_here(run)
        if gone and not LocalExecutor().is_running(run):
            run = client.get_run(run.info.run_id)  # it may have ended as we looked
            if run.info.status not in RUN_TERMINAL:
                pid = run.data.tags[spec.PID]
                log_batch(
                    tracking_uri,
                    run.info.run_id,
                    tags={spec.REASON: "orphaned", spec.EVALUE: f"process {pid} is gone"},
                )
                client.set_terminated(run.info.run_id, "FAILED")
                run = client.get_run(run.info.run_id)
        fresh.append(run)
    return fresh


def acquire_slot(
    home: Path, slots: int, cancelled: list[bool], wait: bool = True
) -> IO[bytes] | None:
    """Hold one of ``slots`` lock files; wait while all are taken (unless not ``wait``).
    None when cancelled, or when all are taken and not ``wait``."""
    folder = home / "slots"
    folder.mkdir(parents=True, exist_ok=True)
    while not cancelled[0]:
        for index in range(slots):
            handle = open(folder / f"slot-{index}.lock", "ab")  # noqa: SIM115 - held while running
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return handle
            except OSError:
                handle.close()
        if not wait:
            return None
        time.sleep(SLOT_POLL_S)
    return None


class _JobProcess:
    """This process's one job: it holds a slot while it runs and can be cancelled throughout."""

    def __init__(self, tracking_uri: str, slots: str) -> None:
        self.uri = tracking_uri
        self.slots = int(slots)
        self.home = Path(os.environ["JUPYTER_MLOPS_HOME"])
        self.cancelled = [False]
        self.runner: Any = None
        signal.signal(signal.SIGTERM, self._on_term)

    def _on_term(self, signum: int, frame: Any) -> None:
        self.cancelled[0] = True
        if self.runner is not None:
            self.runner.kill("cancelled")

    def slot(self, wait: bool = True) -> IO[bytes] | None:
        return acquire_slot(self.home, self.slots, self.cancelled, wait)

    def run(self, run_id: str, slot: IO[bytes] | None, warm: Any, reporter: Any = None) -> int:
        """Run the job on ``run_id``; without a slot (cancelled while waiting) it ends KILLED."""
        from .runner import JobRunner, Outcome

        _loaded(self.uri)
        runner = JobRunner(run_id, self.uri, "local", warm=warm, reporter=reporter)
        if slot is None:
            if warm is not None:
                warm.discard()
            runner._terminate(Outcome("KILLED", "cancelled"))
            return 0
        self.runner = runner
        if self.cancelled[0]:
            runner.kill("cancelled")
        outcome = runner.run()
        return 0 if outcome.status == "FINISHED" else 1


def main(argv: list[str]) -> int:
    """``RUN_ID URI SLOTS``, ``--prestart TICKET URI SLOTS KERNEL CWD`` (run id on stdin), or
    ``--launch TICKET URI SLOTS REPLY_FD`` (request on stdin)."""
    if argv[0] == LAUNCH:
        return _launched(argv[1], _JobProcess(argv[2], argv[3]), int(argv[4]))
    if argv[0] != PRESTART:
        job = _JobProcess(argv[1], argv[2])
        return job.run(argv[0], job.slot(), None)
    tracking_uri, slots, kernel_name, cwd = argv[2:6]
    job = _JobProcess(tracking_uri, slots)
    slot = job.slot()
    warm = _warm_up(tracking_uri, kernel_name, cwd) if slot is not None else None
    run_id = sys.stdin.readline().strip()
    if not run_id:  # the submitter never created the run
        if warm is not None:
            warm.discard()
        return 0
    return job.run(run_id, slot, warm)


def _launched(ticket: str, job: _JobProcess, reply_fd: int) -> int:
    """Create the requested run, report it, run the job and report how it ended."""
    from .launch import Reply, create_requested_run, error_to_dict

    reply = Reply(reply_fd)
    try:
        request = json.loads(sys.stdin.readline())
    except ValueError:
        request = None
    if not isinstance(request, dict):
        reply.send({"error": {"message": "The job's process was given no request to run."}})
        return 2
    slot = job.slot(wait=False)  # when all are taken, the run is created and waits SCHEDULED
    warm = None
    if slot is not None and request.get("kernel_name"):
        warm = _start_kernel(request["kernel_name"], request["cwd"], job.uri)
    import psutil

    me = psutil.Process()
    facts = {spec.TICKET: ticket, spec.PID: me.pid, spec.PID_START: me.create_time()}
    try:
        run_id = create_requested_run(request, {**facts, spec.HOST: socket.gethostname()})
    except BaseException as exc:
        reply.send({"error": error_to_dict(exc)})
        if warm is not None:
            warm.discard()
        return 1
    with contextlib.suppress(OSError):  # the log is found by run id, as every job's is
        (job.home / "logs" / f"{ticket}.log").rename(job.home / "logs" / f"{run_id}.log")
    from ..tracking import get_client

    client = get_client(job.uri)
    reply.send({"created": spec.JobInfo.from_run(client.get_run(run_id)).to_dict()})
    if slot is None:
        slot = job.slot()
    code = job.run(run_id, slot, _ready(warm), reporter=reply.send)
    reply.send({"ended": spec.JobInfo.from_run(client.get_run(run_id)).to_dict()})
    reply.close()
    return code


def _start_kernel(kernel_name: str, cwd: str, tracking_uri: str) -> Any:
    """Start the job's kernel booting in its own process; None if it cannot start."""
    from .kernel import WarmKernel

    try:
        return WarmKernel(kernel_name, cwd, {"MLFLOW_TRACKING_URI": tracking_uri})
    except Exception as exc:
        print(f"no kernel started ahead ({exc}); papermill starts it", flush=True)
        return None


def _ready(warm: Any) -> Any:
    """``warm`` once it answers; None (papermill then starts one) if it does not."""
    if warm is None:
        return None
    try:
        warm.wait_ready()
    except Exception as exc:
        print(f"the kernel started ahead is not ready ({exc}); papermill starts one", flush=True)
        warm.discard()
        return None
    return warm


def _warm_up(tracking_uri: str, kernel_name: str, cwd: str) -> Any:
    """Start the job's kernel, and meanwhile import what the job needs; the kernel or None.

    The kernel boots in its own process while this one imports MLflow and papermill and
    opens the tracking store. Any failure leaves the kernel to papermill, which reports it.
    """
    warm = _start_kernel(kernel_name, cwd, tracking_uri) if kernel_name else None
    _loaded(tracking_uri)
    return _ready(warm)


def _loaded(tracking_uri: str) -> None:
    """Import what the job needs and open its store; then collect garbage again.

    The job's process starts with the collector off (see ``__main__``): importing MLflow and
    papermill makes millions of objects, and collecting as they are made costs about 0.5 s of
    the job's start. Once loaded, they are frozen out of later collections.
    """
    import papermill  # noqa: F401

    from ..tracking import get_client
    from . import runner  # noqa: F401

    get_client(tracking_uri)
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


if __name__ == "__main__":
    # jsonschema builds an IRI grammar on import when rfc3987_syntax is present (~1.5 s); job
    # runners never validate IRIs, so skip it. This touches only this process, not the kernel.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    gc.disable()  # until the job's modules are loaded: _loaded() turns it on again
    code = main(sys.argv[1:])
    # The run is recorded; skip the shutdown's garbage collection of the whole heap (0.6-0.7 s
    # with MLflow and papermill loaded), which would hold this job's slot for nothing.
    gc.freeze()
    sys.exit(code)
