"""Submit, sweep, list, describe, wait for and cancel jobs: the services every surface calls."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..config import get_settings
from ..errors import InvalidParameterError, JobFailedError, NotFoundError
from ..params import validate
from ..tracking import RUN_TERMINAL, get_client, log_batch, probe
from . import spec
from .executors import get_executor
from .local import reap_orphans
from .prepare import PreparedNotebook, check_timeout
from .sweeps import register_best, select_best, submit_sweep

# Sweeps live in .sweeps; every surface imports them from here.
__all__ = [
    "cancel_job",
    "describe_job",
    "list_jobs",
    "register_best",
    "select_best",
    "submit_job",
    "submit_sweep",
    "wait_for_job",
    "wait_for_jobs",
]

CANCEL_WAIT_S = 8.0
FAST_POLLING_S = 20.0
SEARCH_MAX_RESULTS = 50_000  # the most MLflow returns from one search: every child of a sweep


def submit_job(
    notebook: str | Path,
    parameters: dict[str, Any] | None = None,
    *,
    experiment: str | None = None,
    timeout: float | None = None,
    kernel_name: str | None = None,
    executor: str | None = None,
    tracking_uri: str | None = None,
    from_text: bool = False,
    cwd: str | Path | None = None,
    tags: dict[str, Any] | None = None,
    include: Sequence[str | Path] | None = None,
    resources: str | Mapping[str, Any] | None = None,
) -> str:
    """Validate and submit one run of ``notebook``; returns the MLflow run id (the job id).

    Parameters
    ----------
    parameters
        Values for the notebook's ``parameters`` cell; strings are coerced when ``from_text``.
    timeout
        Seconds after which the whole job is stopped and marked FAILED (reason ``timeout``).
    cwd
        Folder the notebook runs in and its card's inputs are read from (default: the
        notebook's folder); lets a copy of a notebook run where the original lived.
    tags
        Extra tags set on the run when it is created.
    include
        Files or folders uploaded with the run and placed beside the notebook where it runs.
    resources
        Dask worker resources the job needs, ``"GPU=1,MEMORY=8e9"`` or a mapping.
    """
    prepared, values = prepare_submission(
        notebook, parameters, experiment, timeout, executor, tracking_uri, from_text, cwd, include,
        resources,
    )  # fmt: skip
    return submit_prepared(prepared, values, timeout, kernel_name, tags)


def submit_prepared(
    prepared: PreparedNotebook,
    values: dict[str, Any],
    timeout: float | None,
    kernel_name: str | None,
    tags: dict[str, Any] | None,
) -> str:
    """Create the run of a checked submission here and start its job; the run id."""
    # Checked and valid: the job's process may start now, while the run is being created.
    prestarted = prepared.prestart(kernel_name)
    try:
        run_id = prepared.create_run(
            values, timeout=timeout, kernel_name=kernel_name, extra_tags=tags
        )
    except BaseException:
        if prestarted is not None:
            prestarted.discard()
        raise
    prepared.start(run_id, prestarted=prestarted)
    return run_id


def prepare_submission(
    notebook: str | Path,
    parameters: dict[str, Any] | None,
    experiment: str | None,
    timeout: float | None,
    executor: str | None,
    tracking_uri: str | None,
    from_text: bool,
    cwd: str | Path | None,
    include: Sequence[str | Path] | None,
    resources: str | Mapping[str, Any] | None,
) -> tuple[PreparedNotebook, dict[str, Any]]:
    """Everything checked before a job is submitted: the notebook, with its settings, and the
    parameter values."""
    settings = get_settings(tracking_uri, executor)
    check_timeout(timeout)
    prepared = PreparedNotebook(notebook, settings, experiment, cwd, include, resources)
    values = validate(prepared.contract, parameters or {}, from_text=from_text)
    probe(settings.tracking_uri)  # a server that is down is said at once, not after retries
    return prepared, values


def describe_job(run_id: str, tracking_uri: str | None = None) -> spec.JobInfo:
    uri = get_settings(tracking_uri).tracking_uri
    try:
        run = get_client(uri).get_run(run_id)
    except Exception as exc:
        raise NotFoundError(
            f"No job {run_id!r} on {uri}. List jobs with `jupyter mlops jobs`."
        ) from exc
    if run.data.tags.get(spec.JOB) != "true":
        raise NotFoundError(f"Run {run_id!r} is not a jupyter-mlops job.")
    return spec.JobInfo.from_run(reap_orphans(uri, [run])[0])


def list_jobs(
    status: str | None = None,
    *,
    parent: str | None = None,
    max_results: int = 200,
    tracking_uri: str | None = None,
) -> list[spec.JobInfo]:
    """Jobs from every experiment on the tracking server, newest first."""
    valid = {"SCHEDULED", "RUNNING", *RUN_TERMINAL}
    if status is not None and status.upper() not in valid:
        raise InvalidParameterError(
            f"Unknown status {status!r}; use one of {', '.join(sorted(valid))}."
        )
    uri = get_settings(tracking_uri).tracking_uri
    client = get_client(uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    if not experiments:
        return []
    filters = [f"tags.`{spec.JOB}` = 'true'"]
    if status:
        filters.append(f"attributes.status = '{status.upper()}'")
    if parent:
        filters.append(f"tags.`{spec.PARENT}` = '{parent}'")
    runs = client.search_runs(
        experiments,
        filter_string=" and ".join(filters),
        max_results=max_results,
        order_by=["attributes.start_time DESC"],
    )
    return [spec.JobInfo.from_run(r) for r in reap_orphans(uri, list(runs))]


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
    if sent and hasattr(executor, "force_stop"):
        executor.force_stop(client.get_run(run_id))
    if client.get_run(run_id).info.status not in RUN_TERMINAL:
        log_batch(settings.tracking_uri, run_id, tags={spec.REASON: "cancelled"})
        client.set_terminated(run_id, "KILLED")
    return describe_job(run_id, settings.tracking_uri)


def executor_done(executor: Any, run: Any) -> bool:
    """The run is terminal and, where the executor can tell, its process has exited."""
    if run.info.status not in RUN_TERMINAL:
        return False
    alive = getattr(executor, "is_running", None)
    return not (alive and alive(run))


def wait_for_jobs(
    run_ids: Sequence[str],
    *,
    tracking_uri: str | None = None,
    poll_s: float = 0.1,
    max_poll_s: float = 1.0,
    timeout: float | None = None,
    on_progress: Callable[[list[spec.JobInfo]], None] | None = None,
) -> list[spec.JobInfo]:
    """Block until every job is terminal, calling ``on_progress`` with fresh states.

    Polls come every ``poll_s`` seconds for the first ``FAST_POLLING_S``, then every
    ``max_poll_s``. Each poll
    re-reads only the jobs still going, in one search per experiment (not one
    request per job), so waiting on a large sweep does not load the tracking server.
    """
    uri = get_settings(tracking_uri).tracking_uri
    deadline = None if timeout is None else time.time() + timeout
    known: dict[str, spec.JobInfo] = {}
    started = time.time()
    while True:
        known.update(refresh_jobs([known.get(r) or r for r in run_ids], uri))
        jobs = [known[r] for r in run_ids]
        if on_progress:
            on_progress(jobs)
        if all(j.status in RUN_TERMINAL for j in jobs):
            return jobs
        if deadline is not None and time.time() > deadline:
            raise TimeoutError(f"Jobs still running after {timeout} s: {', '.join(run_ids)}")
        # Short jobs are seen to end at once; after FAST_POLLING_S, about once a second.
        waited = time.time() - started
        time.sleep(poll_s if waited < FAST_POLLING_S else max(max_poll_s, poll_s))


RUN_ID_CHUNK = 100  # run ids per search filter


def refresh_jobs(jobs: Sequence[str | spec.JobInfo], uri: str) -> dict[str, spec.JobInfo]:
    """Fresh states of the jobs not yet known to be terminal, by run id.

    A job given as a run id is described; one given as a :class:`~spec.JobInfo` is re-read
    with the others of its experiment in batched searches, unless it is already terminal.
    """
    fresh: dict[str, spec.JobInfo] = {}
    going: dict[str, list[str]] = {}
    for job in jobs:
        if isinstance(job, str):
            fresh[job] = describe_job(job, uri)
        elif job.status not in RUN_TERMINAL:
            going.setdefault(job.experiment_id, []).append(job.run_id)
    client = get_client(uri)
    for experiment, run_ids in going.items():
        for start in range(0, len(run_ids), RUN_ID_CHUNK):
            chunk = run_ids[start : start + RUN_ID_CHUNK]
            quoted = ", ".join(f"'{r}'" for r in chunk)  # run ids are hex: nothing to escape
            runs = client.search_runs(
                [experiment],
                filter_string=f"attributes.run_id IN ({quoted})",
                max_results=len(chunk),
            )
            for run in reap_orphans(uri, list(runs)):
                fresh[run.info.run_id] = spec.JobInfo.from_run(run)
            for missing in set(chunk) - set(fresh):  # deleted meanwhile: say so
                fresh[missing] = describe_job(missing, uri)
    return fresh


def wait_for_job(
    run_id: str,
    *,
    tracking_uri: str | None = None,
    raise_on_failure: bool = True,
    on_progress: Callable[[list[spec.JobInfo]], None] | None = None,
) -> spec.JobInfo:
    """Wait for one job; raise :class:`JobFailedError` (with the failing cell) if it did not finish."""
    job = wait_for_jobs([run_id], tracking_uri=tracking_uri, on_progress=on_progress)[0]
    if raise_on_failure and job.status != "FINISHED":
        raise JobFailedError(
            failure_message(job),
            run_id=run_id,
            status=job.status,
            reason=job.failure_reason,
            cell_index=job.failed_cell,
            ename=job.ename,
            evalue=job.evalue,
        )
    return job


def failure_message(job: spec.JobInfo) -> str:
    where = f" in cell {job.failed_cell}" if job.failed_cell is not None else ""
    what = (
        f": {job.ename}: {job.evalue}" if job.ename else (f": {job.evalue}" if job.evalue else "")
    )
    return (
        f"Job {job.run_id} {job.status} ({job.failure_reason or 'unknown reason'}){where}{what}. "
        "The executed notebook is attached to the run under output/."
    )
