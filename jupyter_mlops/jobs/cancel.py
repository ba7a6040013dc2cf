"""Cancelling a job: ask its runner to stop, stop its process where the executor can, and
make sure the run ends KILLED."""

from __future__ import annotations

import time
from typing import Any

from ..config import Settings, get_settings
from ..errors import InvalidParameterError
from ..tracking import RUN_TERMINAL, get_client, log_batch
from . import spec
from .executors import Executor, get_executor
from .query import SEARCH_MAX_RESULTS, describe_job, list_jobs

CANCEL_WAIT_S = 8.0


def cancel_job(run_id: str, tracking_uri: str | None = None) -> spec.JobInfo:
    """Cancel a job (idempotent): stop its kernel and process group, and mark it KILLED.

    A sweep's children are stopped together, the running ones first, then the parent.
    """
    settings = get_settings(tracking_uri)
    uri = settings.tracking_uri
    client = get_client(uri)
    job = describe_job(run_id, uri)
    if job.status in RUN_TERMINAL:
        return job
    if job.executor == "interactive":
        raise InvalidParameterError(
            f"Run {run_id} is a notebook cell tracked with %%mlops track; it runs in your kernel "
            "and cannot be cancelled as a job. Interrupt the kernel to stop it."
        )
    if job.is_sweep:
        children = list_jobs(parent=run_id, max_results=SEARCH_MAX_RESULTS, tracking_uri=uri)
        active = [c for c in children if c.status not in RUN_TERMINAL]
        active.sort(key=lambda c: c.status != "RUNNING")  # running children first
        stop_jobs([c.run_id for c in active], settings)
        client.set_terminated(run_id, "KILLED")
    else:
        stop_jobs([run_id], settings)
    return describe_job(run_id, uri)


def stop_jobs(run_ids: list[str], settings: Settings) -> None:
    """Stop jobs together: each is told, each process signalled, then one wait for them all
    (at most :data:`CANCEL_WAIT_S`); what is left is killed and marked KILLED."""
    uri = settings.tracking_uri
    client = get_client(uri)
    stopping: list[tuple[str, Executor]] = []
    for run_id in run_ids:  # the tag first: a queued job that sees it never starts
        log_batch(uri, run_id, tags={spec.CANCEL: time.time()})
    for run_id in run_ids:
        run = client.get_run(run_id)
        executor = get_executor(run.data.tags.get(spec.EXECUTOR, "local"))
        if executor.cancel(run, settings):
            stopping.append((run_id, executor))
    deadline = time.time() + CANCEL_WAIT_S
    while stopping and time.time() < deadline:
        stopping = [
            (run_id, executor)
            for run_id, executor in stopping
            if not executor_done(executor, client.get_run(run_id))
        ]
        if stopping:
            time.sleep(0.1)
    for run_id, executor in stopping:
        executor.force_stop(client.get_run(run_id))
    for run_id in run_ids:
        if client.get_run(run_id).info.status not in RUN_TERMINAL:
            log_batch(uri, run_id, tags={spec.REASON: "cancelled"})
            client.set_terminated(run_id, "KILLED")


def executor_done(executor: Executor, run: Any) -> bool:
    """The run is terminal and, where the executor can tell, its process has exited."""
    return run.info.status in RUN_TERMINAL and not executor.is_running(run)
