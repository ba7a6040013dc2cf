"""Cancelling a job: ask its runner to stop, stop its process where the executor can, and
make sure the run ends KILLED."""

from __future__ import annotations

import time
from typing import Any

from ..config import Settings, get_settings
from ..errors import InvalidParameterError
from ..tracking import RUN_TERMINAL, Store
from . import spec
from .executors import Executor, get_executor
from .query import SEARCH_MAX_RESULTS, describe_in, list_jobs

CANCEL_WAIT_S = 8.0


def cancel_job(run_id: str, tracking_uri: str | None = None) -> spec.JobInfo:
    """Cancel a job (idempotent): stop its kernel and process group, and mark it KILLED.

    A sweep's children are stopped together, the running ones first, then the parent.
    """
    settings = get_settings(tracking_uri)
    store = Store(settings.tracking_uri)
    job = describe_in(store, run_id)
    if job.status in RUN_TERMINAL:
        return job
    if job.executor == "interactive":
        raise InvalidParameterError(
            f"Run {run_id} is a notebook cell tracked with %%mlops track; it runs in your kernel "
            "and cannot be cancelled as a job. Interrupt the kernel to stop it."
        )
    if job.is_sweep:
        store.log(run_id, tags={spec.CANCEL: time.time()})  # a study's driver asks no more
        children = list_jobs(parent=run_id, max_results=SEARCH_MAX_RESULTS, tracking_uri=store.uri)
        active = [c for c in children if c.status not in RUN_TERMINAL]
        active.sort(key=lambda c: c.status != "RUNNING")  # running children first
        stop_jobs([c.run_id for c in active], settings, job.experiment_id)
        store.end(run_id, "KILLED")
    else:
        stop_jobs([run_id], settings, job.experiment_id)
    return describe_in(store, run_id)


def stop_jobs(run_ids: list[str], settings: Settings, experiment_id: str) -> None:
    """Stop jobs of one experiment together: each is told, each process signalled, then one
    wait for them all (at most :data:`CANCEL_WAIT_S`); what is left is killed and marked
    KILLED. A job with no process to stop (still queued) is marked at once."""
    store = Store(settings.tracking_uri)
    found = store.runs_by_id(experiment_id, run_ids)
    runs = [found[r] if r in found else store.run(r) for r in run_ids]
    now = time.time()
    for run in runs:  # the tag first: a queued job that sees it never starts
        store.log(run.info.run_id, tags={spec.CANCEL: now})
    stopping: list[tuple[str, Executor]] = []
    for run in runs:
        executor = get_executor(run.data.tags.get(spec.EXECUTOR, "local"))
        if executor.cancel(run, settings):
            stopping.append((run.info.run_id, executor))
        elif run.info.status not in RUN_TERMINAL:
            _mark_killed(store, run.info.run_id)
    waiting = list(stopping)
    deadline = time.time() + CANCEL_WAIT_S
    while waiting and time.time() < deadline:
        waiting = [(r, e) for r, e in waiting if not executor_done(e, store.run(r))]
        if waiting:
            time.sleep(0.1)
    for run_id, executor in waiting:
        executor.force_stop(store.run(run_id))
    for run_id, _ in stopping:
        if store.run(run_id).info.status not in RUN_TERMINAL:
            _mark_killed(store, run_id)


def _mark_killed(store: Store, run_id: str) -> None:
    store.log(run_id, tags={spec.REASON: "cancelled"})
    store.end(run_id, "KILLED")


def executor_done(executor: Executor, run: Any) -> bool:
    """The run is terminal and, where the executor can tell, its process has exited."""
    return run.info.status in RUN_TERMINAL and not executor.is_running(run)
