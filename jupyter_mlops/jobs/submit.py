"""Submit, sweep, list, describe, wait for and cancel jobs: the services every surface calls."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..card import card_from_notebook, load_notebook_json
from ..config import Settings, get_settings
from ..errors import InvalidParameterError, JobFailedError, NotFoundError
from ..params import ParametersContract, expand_grid, read_contract, validate
from ..tracking import RUN_TERMINAL, ensure_experiment, get_client, log_batch
from . import spec
from .executors import get_executor

CANCEL_WAIT_S = 8.0


class _Prepared:
    """A notebook read and checked once, ready to be submitted any number of times."""

    def __init__(
        self,
        notebook: str | Path,
        settings: Settings,
        experiment: str | None,
        cwd: str | Path | None = None,
    ) -> None:
        self.path = Path(notebook).expanduser().resolve()
        # Where the notebook runs and its inputs are read: its own folder unless told otherwise.
        self.cwd = Path(cwd).expanduser().resolve() if cwd else self.path.parent
        self.nb = load_notebook_json(self.path)
        self.card = card_from_notebook(self.nb)
        self.contract: ParametersContract = read_contract(self.nb)
        self.settings = settings
        self.executor = get_executor(settings.executor)
        self.experiment_id = ensure_experiment(
            settings.tracking_uri, experiment or settings.experiment, settings.artifact_root
        )
        self._source: dict[str, Any] | None = None
        self.code_cells = sum(1 for c in self.nb.get("cells", []) if c.get("cell_type") == "code")

    def source_facts(self, parameters: dict[str, Any]) -> dict[str, Any]:
        from ..provenance import source_facts

        if self._source is None:
            card = self.card.model_dump(mode="json") if self.card else None
            self._source = source_facts(self.path, {}, card, self.cwd)
        return {**self._source, "parameters": parameters}

    def create_run(
        self,
        parameters: dict[str, Any],
        *,
        timeout: float | None,
        kernel_name: str | None,
        parent: str | None = None,
        extra_tags: dict[str, Any] | None = None,
    ) -> str:
        client = get_client(self.settings.tracking_uri)
        label = ", ".join(f"{k}={v}" for k, v in parameters.items())
        run_name = self.path.stem + (f" ({label})" if label else "")
        tags: dict[str, Any] = {
            spec.JOB: "true",
            spec.NOTEBOOK: str(self.path),
            spec.NOTEBOOK_NAME: self.path.name,
            spec.CWD: str(self.cwd),
            spec.EXECUTOR: self.settings.executor,
            spec.PARAMETERS: json.dumps(parameters),
            spec.SUBMITTED_AT: time.time(),
            # papermill adds one cell for injected parameters; the runner reports the real count.
            spec.CELLS_TOTAL: self.code_cells + (1 if parameters else 0),
            spec.CELLS_DONE: 0,
            "mlflow.source.name": str(self.path),
            "mlflow.source.type": "NOTEBOOK",
            **(self.card.to_tags() if self.card else {}),
            **(extra_tags or {}),
        }
        if timeout:
            tags[spec.TIMEOUT] = timeout
        if kernel_name:
            tags[spec.KERNEL] = kernel_name
        if parent:
            tags[spec.PARENT] = parent
        run = client.create_run(self.experiment_id, run_name=run_name[:250])
        run_id = run.info.run_id
        client.update_run(run_id, status="SCHEDULED")
        effective = {**self.contract.defaults(), **parameters}
        log_batch(self.settings.tracking_uri, run_id, params=effective, tags=tags)
        client.log_artifact(run_id, str(self.path), spec.INPUT_DIR)
        client.log_dict(run_id, self.source_facts(parameters), spec.SUBMIT_PROVENANCE)
        return str(run_id)

    def start(self, run_id: str) -> None:
        facts = self.executor.submit(run_id, self.settings)
        if facts:
            log_batch(self.settings.tracking_uri, run_id, tags=facts)


def _check_timeout(timeout: float | None) -> float | None:
    if timeout is not None and (not isinstance(timeout, int | float) or timeout <= 0):
        raise InvalidParameterError(
            f"timeout must be a positive number of seconds, got {timeout!r}."
        )
    return timeout


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
    """
    settings = get_settings(tracking_uri, executor)
    _check_timeout(timeout)
    prepared = _Prepared(notebook, settings, experiment, cwd)
    values = validate(prepared.contract, parameters or {}, from_text=from_text)
    run_id = prepared.create_run(values, timeout=timeout, kernel_name=kernel_name, extra_tags=tags)
    prepared.start(run_id)
    return run_id


def submit_sweep(
    notebook: str | Path,
    sweep: dict[str, list[Any]],
    parameters: dict[str, Any] | None = None,
    *,
    experiment: str | None = None,
    timeout: float | None = None,
    kernel_name: str | None = None,
    executor: str | None = None,
    tracking_uri: str | None = None,
    from_text: bool = False,
) -> tuple[str, list[str]]:
    """Submit a grid sweep: a parent run and one child run per point. Returns (parent, children)."""
    settings = get_settings(tracking_uri, executor)
    _check_timeout(timeout)
    prepared = _Prepared(notebook, settings, experiment)
    points = expand_grid(prepared.contract, parameters or {}, sweep, from_text=from_text)
    client = get_client(settings.tracking_uri)
    parent = client.create_run(
        prepared.experiment_id, run_name=f"{prepared.path.stem} sweep ({len(points)} runs)"
    ).info.run_id
    client.update_run(parent, status="SCHEDULED")
    log_batch(
        settings.tracking_uri,
        parent,
        tags={
            spec.JOB: "true",
            spec.SWEEP: "true",
            spec.SWEEP_SIZE: len(points),
            spec.NOTEBOOK: str(prepared.path),
            spec.EXECUTOR: settings.executor,
            spec.PARAMETERS: json.dumps({"sweep": sweep, "base": parameters or {}}, default=str),
            spec.SUBMITTED_AT: time.time(),
            **(prepared.card.to_tags() if prepared.card else {}),
        },
    )
    children = [
        prepared.create_run(p, timeout=timeout, kernel_name=kernel_name, parent=parent)
        for p in points
    ]
    for child in children:
        prepared.start(child)
    return parent, children


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
    return spec.JobInfo.from_run(run)


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
    return [spec.JobInfo.from_run(r) for r in runs]


def cancel_job(run_id: str, tracking_uri: str | None = None) -> spec.JobInfo:
    """Cancel a job (idempotent): stop its kernel and process group, and mark it KILLED."""
    settings = get_settings(tracking_uri)
    client = get_client(settings.tracking_uri)
    job = describe_job(run_id, settings.tracking_uri)
    if job.status in RUN_TERMINAL:
        return job
    if job.is_sweep:
        for child in list_jobs(parent=run_id, tracking_uri=settings.tracking_uri):
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
    poll_s: float = 0.25,
    timeout: float | None = None,
    on_progress: Callable[[list[spec.JobInfo]], None] | None = None,
) -> list[spec.JobInfo]:
    """Block until every job is terminal, calling ``on_progress`` with fresh states."""
    uri = get_settings(tracking_uri).tracking_uri
    deadline = None if timeout is None else time.time() + timeout
    while True:
        jobs = [describe_job(r, uri) for r in run_ids]
        if on_progress:
            on_progress(jobs)
        if all(j.status in RUN_TERMINAL for j in jobs):
            return jobs
        if deadline is not None and time.time() > deadline:
            raise TimeoutError(f"Jobs still running after {timeout} s: {', '.join(run_ids)}")
        time.sleep(poll_s)


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


def select_best(parent_run_id: str, selector: str, tracking_uri: str | None = None) -> spec.JobInfo:
    """The finished child of a sweep with the best metric: ``"max(accuracy)"`` or ``"min(loss)"``."""
    import re

    match = re.fullmatch(r"\s*(max|min)\(\s*([\w.\-/ ]+?)\s*\)\s*", selector)
    if not match:
        raise InvalidParameterError(
            f"Selector {selector!r} must look like max(METRIC) or min(METRIC)."
        )
    how, metric = match.groups()
    uri = get_settings(tracking_uri).tracking_uri
    client = get_client(uri)
    scored = []
    for job in list_jobs(parent=parent_run_id, status="FINISHED", tracking_uri=uri):
        value = client.get_run(job.run_id).data.metrics.get(metric)
        if value is not None:
            scored.append((value, job))
    if not scored:
        raise NotFoundError(f"No finished run of sweep {parent_run_id} logged metric {metric!r}.")
    pick = max if how == "max" else min
    return pick(scored, key=lambda pair: pair[0])[1]


def register_best(
    parent_run_id: str, selector: str, name: str | None, tracking_uri: str | None = None
) -> tuple[spec.JobInfo, Any]:
    """Pick the best child of a sweep; register its logged model when ``name`` is not None.

    An empty ``name`` uses the card's name. The best version gets the ``champion`` alias.
    """
    from ..registry import register_run

    best = select_best(parent_run_id, selector, tracking_uri)
    if name is None:
        return best, None
    return best, register_run(
        best.run_id, name or None, alias="champion", tracking_uri=tracking_uri
    )
