"""The process of one local job: ``python -m jupyter_mlops.jobs.executors.local_process``.

``RUN_ID URI SLOTS`` runs the job of a run its submitter created; ``--launch TICKET URI SLOTS
FD`` reads a checked request on stdin, creates the run while the job's kernel boots, and
reports on the pipe ``FD`` (see :mod:`.reply`). Either way the process holds one of ``SLOTS``
lock files while its notebook runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from ...errors import MlopsError
from ...tracking.client import shown_uri
from .. import spec
from .local import LAUNCH
from .reply import Reply, error_to_dict

SLOT_POLL_S = 0.2
log = logging.getLogger(__name__)


def acquire_slot(
    home: Path,
    slots: int | Sequence[int],
    cancelled: Callable[[], bool],
    wait: bool = True,
) -> IO[bytes] | None:
    """Hold one of the lock files ``slots`` names (a count, or the slot numbers); wait while
    all are taken (unless not ``wait``). None when cancelled, or all taken and not ``wait``."""
    folder = home / "slots"
    folder.mkdir(parents=True, exist_ok=True)
    indices = range(slots) if isinstance(slots, int) else slots
    while not cancelled():
        for index in indices:
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
        return acquire_slot(self.home, self.slots, lambda: self.cancelled[0], wait)

    def run(self, run_id: str, slot: IO[bytes] | None, warm: Any, reporter: Any = None) -> int:
        """Run the job on ``run_id``; without a slot (cancelled while waiting) it ends KILLED."""
        from ..outcome import Outcome
        from ..runner import JobRunner

        load_job_modules(self.uri)
        runner = JobRunner(run_id, self.uri, "local", warm=warm, reporter=reporter)
        if slot is None:
            if warm is not None:
                warm.discard()
            runner.end_unstarted(Outcome("KILLED", "cancelled"))
            return 0
        self.runner = runner
        if self.cancelled[0]:
            runner.kill("cancelled")
        outcome = runner.run()
        return 0 if outcome.status == "FINISHED" else 1


def main(argv: list[str]) -> int:
    """``RUN_ID URI SLOTS``, or ``--launch TICKET URI SLOTS REPLY_FD`` (request on stdin)."""
    if argv[0] == LAUNCH:
        return _launched(argv[1], _JobProcess(argv[2], argv[3]), int(argv[4]))
    job = _JobProcess(argv[1], argv[2])
    return job.run(argv[0], job.slot(), None)


def create_requested_runs(
    request: dict[str, Any], job_tags: dict[str, Any]
) -> tuple[str, list[str]]:
    """Create the run ``request`` asks for, from the snapshot its submitter checked, or with a
    ``sweep`` plan the sweep's parent and children: (the run or parent, the children)."""
    from ...config import get_settings
    from ..runs import RunFactory
    from ..snapshot import NotebookSnapshot
    from ..sweeps import SweepPlan, create_sweep

    settings = get_settings(request["tracking_uri"], "local")
    factory = RunFactory(
        NotebookSnapshot.from_dict(request["snapshot"]),
        settings,
        request["experiment"],
        timeout=request["timeout"],
        kernel_name=request["kernel_name"],
        tags={**request["tags"], **job_tags},
    )
    try:
        if request.get("sweep"):
            return create_sweep(factory, SweepPlan.from_dict(request["sweep"]))
        return factory.create(request["parameters"]), []
    except MlopsError:
        raise
    except Exception as exc:
        raise MlopsError(
            f"Could not create the run on {shown_uri(settings.tracking_uri)}: {type(exc).__name__}: {exc}. "
            "Check that the tracking store can be written, or set MLFLOW_TRACKING_URI."
        ) from exc


def _launched(ticket: str, job: _JobProcess, reply_fd: int) -> int:
    """Create the requested run, report it, run the job and report how it ended."""
    reply = Reply(reply_fd)
    try:
        request = json.loads(sys.stdin.readline())
    except ValueError:
        request = None
    if not isinstance(request, dict):
        reply.send({"error": {"message": "The job's process was given no request to run."}})
        return 2
    slot = job.slot(wait=False)  # when all are taken, the run is created and waits SCHEDULED
    kernel = (request.get("kernel_name") or request["snapshot"].get("kernel")) if slot else None
    warm = _start_kernel(kernel, request["snapshot"]["cwd"], job.uri) if kernel else None
    import psutil

    me = psutil.Process()
    facts = {spec.TICKET: ticket, spec.PID: me.pid, spec.PID_START: me.create_time()}
    try:
        run_id, _ = create_requested_runs(request, {**facts, spec.HOST: socket.gethostname()})
    except BaseException as exc:  # noqa: BLE001 - any failure is reported to the submitter
        reply.send({"error": error_to_dict(exc)})
        if warm is not None:
            warm.discard()
        return 1
    with contextlib.suppress(OSError):  # the log is found by run id, as every job's is
        (job.home / "logs" / f"{ticket}.log").rename(job.home / "logs" / f"{run_id}.log")
    from ...tracking import Store

    store = Store(job.uri)
    reply.send({"created": spec.JobInfo.from_run(store.run(run_id)).to_dict()})
    if slot is None:
        slot = job.slot()
    code = job.run(run_id, slot, _ready(warm), reporter=reply.send)
    reply.send({"ended": spec.JobInfo.from_run(store.run(run_id)).to_dict()})
    reply.close()
    return code


def _start_kernel(kernel_name: str, cwd: str, tracking_uri: str) -> Any:
    """Start the job's kernel booting in its own process; None if it cannot start."""
    from ..kernel import WarmKernel

    try:
        return WarmKernel(kernel_name, cwd, {"MLFLOW_TRACKING_URI": tracking_uri})
    except Exception as exc:  # noqa: BLE001 - papermill starts the kernel and reports why
        log.warning("no kernel started ahead (%s); papermill starts it", exc)
        return None


def _ready(warm: Any) -> Any:
    """``warm`` once it answers; None (papermill then starts one) if it does not."""
    if warm is None:
        return None
    try:
        warm.wait_ready()
    except Exception as exc:  # noqa: BLE001 - papermill starts the kernel and reports why
        log.warning("the kernel started ahead is not ready (%s); papermill starts one", exc)
        warm.discard()
        return None
    return warm


def load_job_modules(tracking_uri: str) -> None:
    """Import what the job needs and open its store; then collect garbage again.

    The job's process starts with the collector off (see ``__main__``): importing MLflow and
    papermill makes millions of objects, and collecting as they are made costs about 0.5 s of
    the job's start. Once loaded, they are frozen out of later collections.
    """
    import papermill  # noqa: F401

    from ...tracking import get_client
    from .. import runner  # noqa: F401

    get_client(tracking_uri)
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


if __name__ == "__main__":
    # jsonschema builds an IRI grammar on import when rfc3987_syntax is present (~1.5 s); job
    # runners never validate IRIs, so skip it. This touches only this process, not the kernel.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    gc.disable()  # until the job's modules are loaded: load_job_modules() turns it on again
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    code = main(sys.argv[1:])
    # The run is recorded; skip the shutdown's garbage collection of the whole heap (0.6-0.7 s
    # with MLflow and papermill loaded), which would hold this job's slot for nothing.
    gc.freeze()
    sys.exit(code)
