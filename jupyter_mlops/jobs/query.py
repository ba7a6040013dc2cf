"""The read side of jobs: describe, list, refresh and wait; every surface reads jobs here."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from ..errors import InvalidParameterError, JobFailedError, NotFoundError
from ..tracking import RUN_TERMINAL, Store
from . import spec
from .executors import reap_orphans
from .sweep_state import finish_parent

FAST_POLLING_S = 20.0
SEARCH_MAX_RESULTS = 50_000  # the most MLflow returns from one search: every child of a sweep


def describe_job(run_id: str, tracking_uri: str | None = None) -> spec.JobInfo:
    return describe_in(Store.at(tracking_uri), run_id)


def describe_in(store: Store, run_id: str) -> spec.JobInfo:
    """:func:`describe_job` in a store already resolved."""
    try:
        run = store.run(run_id)
    except Exception as exc:
        raise NotFoundError(
            f"No job {run_id!r} on {store.shown}. List jobs with `jupyter mlops jobs`."
        ) from exc
    if run.data.tags.get(spec.JOB) != "true":
        raise NotFoundError(f"Run {run_id!r} is not a jupyter-mlops job.")
    # A sweep's last child ends the parent just after itself: whoever saw that child end
    # sees the parent ended too.
    going = run.data.tags.get(spec.SWEEP) == "true" and run.info.status not in RUN_TERMINAL
    if going and finish_parent(store, run_id):
        run = store.run(run_id)
    return spec.JobInfo.from_run(reap_orphans(store, [run])[0])


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
    store = Store.at(tracking_uri)
    experiments = [e.experiment_id for e in store.client.search_experiments()]
    if not experiments:
        return []
    filters = [f"tags.`{spec.JOB}` = 'true'"]
    if status:
        filters.append(f"attributes.status = '{status.upper()}'")
    if parent:
        filters.append(f"tags.`{spec.PARENT}` = '{parent}'")
    runs = store.search(
        experiments,
        " and ".join(filters),
        max_results=max_results,
        order_by=["attributes.start_time DESC"],
    )
    return [spec.JobInfo.from_run(r) for r in reap_orphans(store, runs)]


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
    store = Store.at(tracking_uri)
    deadline = None if timeout is None else time.time() + timeout
    known: dict[str, spec.JobInfo] = {}
    started = time.time()
    while True:
        known.update(refresh_jobs([known.get(r) or r for r in run_ids], store))
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


def refresh_jobs(jobs: Sequence[str | spec.JobInfo], store: Store) -> dict[str, spec.JobInfo]:
    """Fresh states of the jobs not yet known to be terminal, by run id.

    A job given as a run id is described; one given as a :class:`~spec.JobInfo` is re-read
    with the others of its experiment in batched searches, unless it is already terminal.
    """
    fresh: dict[str, spec.JobInfo] = {}
    going: dict[str, list[str]] = {}
    for job in jobs:
        if isinstance(job, str):
            fresh[job] = describe_in(store, job)
        elif job.status not in RUN_TERMINAL:
            going.setdefault(job.experiment_id, []).append(job.run_id)
    for experiment, run_ids in going.items():
        found = store.runs_by_id(experiment, run_ids)
        for run in reap_orphans(store, list(found.values())):
            fresh[run.info.run_id] = spec.JobInfo.from_run(run)
        for missing in set(run_ids) - set(found):  # deleted meanwhile: say so
            fresh[missing] = describe_in(store, missing)
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
    where = (
        f" at {job.failed_cell_label}"
        if job.failed_cell_label
        else (f" in cell {job.failed_cell}" if job.failed_cell is not None else "")
    )
    what = f": {exception_text(job.ename, job.evalue)}" if job.ename or job.evalue else ""
    return (
        f"Job {job.run_id} {job.status} ({job.failure_reason or 'unknown reason'}){where}{what}. "
        "The executed notebook is attached to the run under output/."
    )


def exception_text(ename: str | None, evalue: str | None) -> str:
    """``Name: value`` as Python prints an exception; ``Name`` alone when it has no value."""
    value = (evalue or "").strip()
    if not ename:
        return value
    return f"{ename}: {value}" if value else ename
