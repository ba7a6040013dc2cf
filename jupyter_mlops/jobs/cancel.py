"""Cancelling a job: ask its runner to stop, stop its process where the executor can, and
make sure the run ends KILLED."""

from __future__ import annotations

import time
from typing import Any

from ..config import get_settings
from ..errors import InvalidParameterError
from ..tracking import RUN_TERMINAL, get_client, log_batch
from . import spec
from .executors import Executor, get_executor
from .query import SEARCH_MAX_RESULTS, describe_job, list_jobs

CANCEL_WAIT_S = 8.0


def cancel_job(run_id: str, tracking_uri: str | None = None) -> spec.JobInfo:
    """Cancel a job (idempotent): stop its kernel and process group, and mark it KILLED."""
    settings = get_settings(tracking_uri)
    client = get_client(settings.tracking_uri)
    job = describe_job(run_id, settings.tracking_uri)
    if job.status in RUN_TERMINAL:
        return job
    if job.is_sweep:
        children = list_jobs(
            parent=run_id, max_results=SEARCH_MAX_RESULTS, tracking_uri=settings.tracking_uri
        )
        for child in children:
            cancel_job(child.run_id, settings.tracking_uri)
        client.set_terminated(run_id, "KILLED")
        return describe_job(run_id, settings.tracking_uri)
    if job.executor == "interactive":
        raise InvalidParameterError(
            f"Run {run_id} is a notebook cell tracked with %%mlops track; it runs in your kernel "
            "and cannot be cancelled as a job. Interrupt the kernel to stop it."
        )
    log_batch(settings.tracking_uri, run_id, tags={spec.CANCEL: time.time()})
    run = client.get_run(run_id)
    executor = get_executor(run.data.tags.get(spec.EXECUTOR, "local"))
    sent = executor.cancel(run, settings)
    deadline = time.time() + (CANCEL_WAIT_S if sent else 0)
    while time.time() < deadline:
        if executor_done(executor, client.get_run(run_id)):
            break
        time.sleep(0.1)
    if sent:
        executor.force_stop(client.get_run(run_id))
    if client.get_run(run_id).info.status not in RUN_TERMINAL:
        log_batch(settings.tracking_uri, run_id, tags={spec.REASON: "cancelled"})
        client.set_terminated(run_id, "KILLED")
    return describe_job(run_id, settings.tracking_uri)


def executor_done(executor: Executor, run: Any) -> bool:
    """The run is terminal and, where the executor can tell, its process has exited."""
    return run.info.status in RUN_TERMINAL and not executor.is_running(run)
