"""``run_job(run_id)``: the one function that executes a job, wherever it runs.

It reads everything from the MLflow run (notebook, parameters, settings), executes with
papermill, and writes everything back: executed notebook, receipt, progress, final status
(from the runner's exception, never from the output notebook's metadata); then tells it.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..tracking import RUN_TERMINAL, Store, download_artifact
from . import spec
from .ended import tell_ended
from .environment import scrub, secret_values
from .kernel import WarmKernel
from .outcome import Background, Outcome, failure_outcome, notebook_kernel
from .stored_output import prepare_output
from .sweep_state import finish_parent, mark_parent_running, stop_siblings_if_fail_fast
from .watch import JobWatch

log = logging.getLogger(__name__)


class JobRunner:
    """Template method: ``before_start`` -> ``execute`` -> ``on_failure``/``on_complete``."""

    def __init__(
        self,
        run_id: str,
        tracking_uri: str,
        executor: str = "local",
        max_attempts: int | None = None,
        warm: WarmKernel | None = None,
        kernel_source: Callable[[str], WarmKernel | None] | None = None,
        reporter: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.run_id = run_id
        self.reporter = reporter  # told of RUNNING and of progress, as they are written
        self.warm = warm  # a kernel started for this job before it was submitted, if any
        self.kernel_source = kernel_source  # gives a ready kernel by name (a worker's pool)
        self.kernel_ready: str | None = None  # where the job's kernel came from, if not cold
        self._starting: Background | None = None
        self.uri = tracking_uri
        self.executor = executor
        self.max_attempts = max_attempts
        self.attempt = 1
        self._kernel_pid: int | None = None
        self.store = Store(tracking_uri)
        self.kill_reason: str | None = None  # set by cancel or timeout, read after the kernel dies
        self.watch = JobWatch(self.store, run_id, self.kill, reporter)
        self._workdir = Path(tempfile.mkdtemp(prefix="mlops-job-"))
        self.timings: dict[str, Any] = {}
        self.secrets = secret_values()  # masked in what the job stores

    # -- template -------------------------------------------------------------------------
    def run(self) -> Outcome:
        try:
            return self._run()
        finally:
            if self.warm is not None:
                self.warm.discard()
            shutil.rmtree(self._workdir, ignore_errors=True)

    def _run(self) -> Outcome:
        run = self.store.run(self.run_id)
        self.tags = run.data.tags
        self.experiment_id = str(run.info.experiment_id)
        self.artifact_uri = str(run.info.artifact_uri)
        if run.info.status in RUN_TERMINAL or spec.CANCEL in run.data.tags:
            if run.info.status not in RUN_TERMINAL:  # cancelled before it started
                self.terminate(Outcome("KILLED", "cancelled"))
                self._after_end(Outcome("KILLED", "cancelled"))
            return Outcome(run.info.status)
        self.attempt = int(self.tags.get(spec.ATTEMPT) or 0) + 1
        if self.max_attempts is not None and self.attempt > self.max_attempts:
            # An earlier attempt's worker was lost and the retries are used up.
            lost = self.attempt - 1
            outcome = Outcome(
                "FAILED",
                "worker lost",
                evalue=f"the worker running this job was lost {lost} time(s); retries exhausted",
            )
            self.terminate(outcome)
            self._after_end(outcome)
            return outcome
        # The run is marked RUNNING while the notebook downloads; cells wait for both.
        self._starting = Background(self.before_start)
        try:
            self.execute()
            outcome = Outcome()
        except BaseException as exc:  # noqa: BLE001 - every way a job ends is recorded on its run
            outcome = self.on_failure(exc)
        finally:
            self._starting.wait()  # RUNNING is written before the final status, never after
            self.watch.stop()
        self.on_complete(outcome)
        return outcome

    def before_start(self) -> None:
        import psutil

        me = psutil.Process()
        self.timings["started"] = time.time()
        # Who runs it first: a RUNNING job always names a process to look for.
        self.store.log(
            self.run_id,
            tags={
                spec.PID: me.pid,
                spec.PID_START: me.create_time(),
                spec.HOST: socket.gethostname(),
                spec.HEARTBEAT: int(time.time()),
                spec.ATTEMPT: self.attempt,
            },
        )
        self.store.set_status(self.run_id, "RUNNING")
        if self.reporter is not None:
            self.reporter({"status": "RUNNING"})
        if self.tags.get(spec.PARENT):
            mark_parent_running(self.store, self.tags[spec.PARENT])
        self.watch.start()
        timeout = self.tags.get(spec.TIMEOUT)
        if timeout:
            timer = threading.Timer(float(timeout), self.kill, args=("timeout",))
            timer.daemon = True
            timer.start()

    def execute(self) -> None:
        import papermill

        from .engine import ENGINE_NAME
        from .kernel import job_kernel_manager

        name = self.tags.get(spec.NOTEBOOK_NAME, "notebook.ipynb")
        cwd = self._job_folder()
        env = self._kernel_env()
        hint = self.tags.get(spec.KERNEL)  # set at submission; older runs may lack it
        # A ready kernel is made the job's while the notebook downloads: both wait on others.
        warm = self._ready_kernel(hint) if hint else None
        adopting = Background(warm.adopt, env, cwd) if warm is not None else None
        local_in = self._fetch_inputs(name, cwd)
        self.output_path = self._workdir / "out" / name
        self.output_path.parent.mkdir()
        kernel_name = hint or notebook_kernel(local_in)
        if warm is None and not hint:
            warm = self._ready_kernel(kernel_name)
            adopting = Background(warm.adopt, env, cwd) if warm is not None else None
        kernel: dict[str, Any] = {
            "kernel_manager_class": job_kernel_manager(env, self._on_kernel_started)
        }
        if warm is not None and adopting is not None:
            try:
                adopting.result()
            except Exception as exc:  # noqa: BLE001 - it died meanwhile: start one the usual way
                log.warning("the kernel started ahead could not be used (%s)", exc)
                warm.discard()
                self.warm, self.kernel_ready, warm = None, None, None
        if self._starting is not None:
            self._starting.result()
        if warm is not None:
            assert warm.pid is not None
            self._on_kernel_started(warm.pid)
            # nbclient runs the notebook on this kernel and leaves it alive: run() discards it.
            kernel = {"km": warm.km}
        papermill.execute_notebook(
            local_in,
            str(self.output_path),
            parameters=json.loads(self.tags.get(spec.PARAMETERS, "{}")),
            kernel_name=kernel_name,
            cwd=cwd,
            progress_bar=False,
            engine_name=ENGINE_NAME,
            mlops_on_cell=self._on_cell,
            # A graceful shutdown runs the kernel's atexit hooks, and MLflow's would mark this
            # run FINISHED before the receipt is written; it also stalls for seconds at times.
            shutdown_kernel="immediate",
            **kernel,
        )

    def on_failure(self, exc: BaseException) -> Outcome:
        executed = getattr(self, "output_path", None)
        return failure_outcome(
            exc,
            self.kill_reason,
            self.tags.get(spec.TIMEOUT),
            self.watch.current_cell,
            str(executed) if executed is not None else None,
        )

    def on_complete(self, outcome: Outcome) -> None:
        self.timings["finished"] = time.time()
        self.watch.flush()
        if getattr(self, "output_path", None) is not None and self.output_path.exists():
            prepare_output(self.output_path, self.secrets)  # masked and bounded
            self.store.client.log_artifact(self.run_id, str(self.output_path), spec.OUTPUT_DIR)
        self._write_receipt()
        self.terminate(outcome)
        self._after_end(outcome)

    def _ready_kernel(self, kernel_name: str | None) -> WarmKernel | None:
        """A fresh kernel already started for this job (ahead, or from a pool), or None."""
        if self.warm is not None:
            if self.warm.kernel_name == kernel_name and self.warm.is_alive():
                self.kernel_ready = "ahead"
                return self.warm
            self.warm.discard()
            self.warm = None
        if self.kernel_source is not None and kernel_name:
            self.warm = self.kernel_source(kernel_name)  # now this job's: run() discards it
            self.kernel_ready = "pool" if self.warm is not None else None
        return self.warm

    # -- cancel and timeout -----------------------------------------------------------------
    def kill(self, reason: str) -> None:
        """Kill this job's kernel (papermill then raises DeadKernelError), or, before it
        exists, as it starts. Each call kills it again."""
        from .kernel import kill_kernel

        if self.kill_reason is None:
            self.kill_reason = reason
        pid = self._kernel_pid or (self.warm.pid if self.warm is not None else None)
        if pid is not None:
            kill_kernel(pid)

    # -- helpers ----------------------------------------------------------------------------
    def _job_folder(self) -> str:
        """Where the job runs, known before its inputs are downloaded.

        A local job without included files runs in the folder it was submitted from. Any other
        job runs in a fresh folder holding the notebook and its included files only, so what
        works on the local executor with ``--include`` works on a worker with no shared disk.
        """
        cwd = self.tags.get(spec.CWD)
        shared = self.executor == "local" and spec.INCLUDES not in self.tags
        if shared and cwd and Path(cwd).is_dir():
            return cwd
        folder = self._workdir / spec.INPUT_DIR
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder)

    def _fetch_inputs(self, name: str, cwd: str) -> str:
        """Download the notebook (and included files) for the job folder ``cwd``; its path."""
        where = (self.uri, self.run_id)
        if cwd != str(self._workdir / spec.INPUT_DIR):
            path = f"{spec.INPUT_DIR}/{name}"
            return download_artifact(*where, path, str(self._workdir), self.artifact_uri)
        folder = download_artifact(*where, spec.INPUT_DIR, str(self._workdir), self.artifact_uri)
        return str(Path(folder) / name)

    def _kernel_env(self) -> dict[str, str]:
        # Given to this job's kernel only: the notebook's own MLflow calls (log_metric,
        # autolog, jupyter_mlops.register) land in this run with no user code.
        return {
            "MLFLOW_TRACKING_URI": self.uri,
            "MLFLOW_RUN_ID": self.run_id,
            "MLFLOW_EXPERIMENT_ID": self.experiment_id,
            "JUPYTER_MLOPS_RUN_ID": self.run_id,
            "JUPYTER_MLOPS_NOTEBOOK": self.tags.get(spec.NOTEBOOK, ""),
        }

    def _on_kernel_started(self, pid: int) -> None:
        self._kernel_pid = pid
        self.timings.setdefault("kernel_started", time.time())
        if self.kill_reason is not None:
            self.kill(self.kill_reason)

    def _on_cell(self, done: int, total: int, current: int | None) -> None:
        self.watch.on_cell(done, total, current)
        if self.kill_reason is None:
            self.timings.setdefault("first_cell", time.time())

    def _write_receipt(self) -> None:
        from ..provenance import build_receipt, environment_facts, receipt_tags
        from ..tracking import read_artifact_text

        try:
            source = json.loads(
                read_artifact_text(self.uri, self.run_id, spec.SUBMIT_PROVENANCE, self.artifact_uri)
            )
        except Exception:  # noqa: BLE001 - a receipt without submit facts beats no receipt
            source = {}
        started = self.timings.get("started")
        timings = {
            "submitted": self.tags.get(spec.SUBMITTED_AT),
            "started": started,
            "finished": self.timings["finished"],
            "duration_s": round(self.timings["finished"] - started, 3) if started else None,
        }
        env = environment_facts(self.executor, self.tags.get(spec.KERNEL) or "python3")
        receipt = build_receipt(self.run_id, source, env, timings)
        self.store.client.log_dict(self.run_id, receipt, spec.RECEIPT)
        self.store.log(self.run_id, tags=receipt_tags(receipt))

    def terminate(self, outcome: Outcome) -> None:
        if outcome.evalue:
            outcome.evalue = scrub(outcome.evalue, self.secrets)
        tags = outcome.tags()
        if self.kernel_ready:
            tags[spec.KERNEL_READY] = self.kernel_ready
        if tags:
            self.store.log(self.run_id, tags=tags)
        self.store.end(self.run_id, outcome.status)

    def end_unstarted(self, outcome: Outcome) -> None:
        """End a job that never started (cancelled while queued): its run and its sweep's."""
        self.terminate(outcome)
        self.tags = self.store.run(self.run_id).data.tags
        self._after_end(outcome)
        shutil.rmtree(self._workdir, ignore_errors=True)

    def _after_end(self, outcome: Outcome) -> None:
        tell_ended(self.uri, self.run_id)  # a sweep's point is not told
        if not (parent := self.tags.get(spec.PARENT)):
            return
        if outcome.status == "FAILED":
            stop_siblings_if_fail_fast(self.store, parent, self.run_id)
        finish_parent(self.store, parent)


def run_job(
    run_id: str,
    tracking_uri: str,
    executor: str = "local",
    max_attempts: int | None = None,
    warm: WarmKernel | None = None,
    kernel_source: Callable[[str], WarmKernel | None] | None = None,
) -> Outcome:
    """Execute the job held by MLflow run ``run_id`` and record its outcome on the run.

    Parameters
    ----------
    executor
        Name in the receipt; jobs not on ``local`` run in a fresh folder.
    max_attempts
        When this start would exceed it (earlier workers were lost), end FAILED instead.
    warm
        A fresh kernel started ahead for this job; it is used once and killed at the end.
    kernel_source
        Gives a fresh ready kernel by kernel name, or None (a Dask worker's kernel pool).
    """
    return JobRunner(run_id, tracking_uri, executor, max_attempts, warm, kernel_source).run()
