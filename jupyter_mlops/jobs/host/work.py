"""A job host's queue and slots.

A queued job is its run id and a file under ``queue/`` (kept for the next host, should this
one die); it holds no process and no kernel. Each slot is a thread that takes the next job it
may run, holds the slot's lock file (shared with jobs in processes of their own), moves the
job's file to ``running/`` and runs it on a kernel started ahead.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ...tracking import Store
from .. import spec
from ..executors.reply import Reply, RunReply
from ..kernel import WarmKernel
from ..ready_kernels import ReadyKernels
from .place import HostPlace

KERNEL_WAIT_S = 30.0  # a job waits this long for the kernel the host is starting for it
log = logging.getLogger(__name__)


@dataclass
class HostJob:
    run_id: str
    slots: int
    """It may run on slots ``0 .. slots-1`` only (a sweep's ``--max-concurrency``)."""
    reply: Reply | RunReply | None = None  # a launched job's submitter, told how it goes
    runner: Any = None
    cancelled: bool = False
    queued_at: float = field(default_factory=time.time)

    @property
    def file_name(self) -> str:
        return f"{self.run_id}.json"


class HostJobs:
    """The queue and the ``slots`` slots of one host."""

    def __init__(self, place: HostPlace, tracking_uri: str, slots: int) -> None:
        self.place = place
        self.store = Store(tracking_uri)
        self.slots = slots
        self.kernels = ReadyKernels(slots, ("python3",))
        self._cond = threading.Condition()
        self._pending: list[HostJob] = []
        self._running: dict[int, HostJob] = {}
        self._last_active = time.monotonic()
        place.queue.mkdir(parents=True, exist_ok=True)
        place.running.mkdir(parents=True, exist_ok=True)

    def start_slots(self) -> None:
        for index in range(self.slots):
            threading.Thread(
                target=self._slot, args=(index,), name=f"slot-{index}", daemon=True
            ).start()

    def close(self) -> None:
        self.kernels.close()

    # -- the queue --------------------------------------------------------------------------
    def add(self, job: HostJob) -> None:
        path = self.place.queue / job.file_name
        path.write_text(json.dumps({"run_id": job.run_id, "slots": job.slots}))
        with self._cond:
            self._pending.append(job)
            self._cond.notify_all()

    def recover(self) -> None:
        """Take over what a host that died left: its running jobs end ``orphaned``, its queued
        jobs are queued here."""
        from ...tracking import RUN_TERMINAL

        for path in sorted(self.place.running.glob("*.json"), key=_mtime):
            run = self.store.run(json.loads(path.read_text())["run_id"])
            if run.info.status == "SCHEDULED":
                path.rename(self.place.queue / path.name)  # no cell ran: queue it again
            else:
                if run.info.status not in RUN_TERMINAL:
                    _orphaned(self.store, run)
                path.unlink(missing_ok=True)
        for path in sorted(self.place.queue.glob("*.json"), key=_mtime):
            entry = json.loads(path.read_text())
            with self._cond:
                self._pending.append(HostJob(str(entry["run_id"]), int(entry["slots"])))
        with self._cond:
            self._cond.notify_all()

    def cancel(self, run_id: str) -> bool:
        """Stop a job of this host: a queued one ends KILLED now, a running one's kernel is
        killed. False when the host has no such job."""
        with self._cond:
            queued = next((j for j in self._pending if j.run_id == run_id), None)
            if queued is not None:
                self._pending.remove(queued)
            running = next((j for j in self._running.values() if j.run_id == run_id), None)
            if running is not None:
                running.cancelled = True
        if queued is not None:
            self._end_unstarted(queued)
            return True
        if running is None:
            return False
        if running.runner is not None:
            running.runner.kill("cancelled")  # again when forced: it kills the kernel each time
        return True

    def is_active(self, run_id: str) -> bool:
        with self._cond:
            jobs = [*self._pending, *self._running.values()]
            return any(j.run_id == run_id for j in jobs)

    def touch(self) -> None:
        """Count a request as activity: the idle time starts again."""
        with self._cond:
            self._last_active = time.monotonic()

    def idle_for(self) -> float:
        with self._cond:
            if self._pending or self._running:
                return 0.0
            return time.monotonic() - self._last_active

    def status(self) -> dict[str, Any]:
        with self._cond:
            slots = [
                {"index": i, "run_id": j.run_id if (j := self._running.get(i)) else None}
                for i in range(self.slots)
            ]
            queue = [j.run_id for j in self._pending]
        names = self.kernels.kernel_names
        return {
            "slots": slots,
            "queue": queue,
            "ready_kernels": {name: self.kernels.ready_count(name) for name in names},
            "idle_s": round(self.idle_for(), 1),
        }

    # -- the slots --------------------------------------------------------------------------
    def _next(self, index: int) -> HostJob:
        with self._cond:
            while True:
                job = next((j for j in self._pending if j.slots > index), None)
                if job is not None:
                    self._pending.remove(job)
                    self._running[index] = job
                    return job
                self._cond.wait()

    def _slot(self, index: int) -> None:
        while True:
            job = self._next(index)
            try:
                self._run(index, job)
            except Exception:
                log.exception("job %s: the host could not run it", job.run_id)
            finally:
                if job.reply is not None:
                    job.reply.close()
                (self.place.running / job.file_name).unlink(missing_ok=True)
                with self._cond:
                    self._running.pop(index, None)
                    self._last_active = time.monotonic()
                    self._cond.notify_all()

    def _run(self, index: int, job: HostJob) -> None:
        from ..runner import JobRunner

        lock = self._hold_slot(index, job)
        with contextlib.ExitStack() as held:
            if lock is not None:
                held.callback(lock.close)
            with contextlib.suppress(FileNotFoundError):
                (self.place.queue / job.file_name).rename(self.place.running / job.file_name)
            reporter = job.reply.send if job.reply is not None else None
            runner = JobRunner(
                job.run_id, self.store.uri, "local", kernel_source=self._kernel, reporter=reporter
            )
            with self._cond:
                job.runner = runner
                cancelled = job.cancelled
            if cancelled or lock is None:
                self._end_unstarted(job, runner, tell=False)
            else:
                runner.run()
            self._tell_ended(job)

    def _kernel(self, kernel_name: str) -> WarmKernel | None:
        self.kernels.want(kernel_name)
        return self.kernels.take(kernel_name, wait_s=KERNEL_WAIT_S)

    def _hold_slot(self, index: int, job: HostJob) -> IO[bytes] | None:
        """The slot's lock file, held (a job in a process of its own may hold it a while);
        None when the job was cancelled meanwhile."""
        from ..executors.local_process import acquire_slot

        return acquire_slot(self.place.home, [index], lambda: job.cancelled)

    def _end_unstarted(self, job: HostJob, runner: Any = None, tell: bool = True) -> None:
        from ..outcome import Outcome
        from ..runner import JobRunner

        runner = runner or JobRunner(job.run_id, self.store.uri, "local")
        runner.end_unstarted(Outcome("KILLED", "cancelled"))
        (self.place.queue / job.file_name).unlink(missing_ok=True)
        if tell:
            self._tell_ended(job)
            if job.reply is not None:
                job.reply.close()

    def _tell_ended(self, job: HostJob) -> None:
        """Tell a launched job's submitter how the run ended."""
        if job.reply is not None:
            job.reply.send({"ended": spec.JobInfo.from_run(self.store.run(job.run_id)).to_dict()})


def _orphaned(store: Store, run: Any) -> None:
    from ..sweep_state import finish_parent

    pid = run.data.tags.get(spec.PID, "?")
    evalue = f"the job host (process {pid}) that ran it is gone"
    store.log(run.info.run_id, tags={spec.REASON: "orphaned", spec.EVALUE: evalue})
    store.end(run.info.run_id, "FAILED")
    if run.data.tags.get(spec.PARENT):
        finish_parent(store, run.data.tags[spec.PARENT])


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
