"""Submitting jobs: the one write path every surface takes, ``submit(JobRequest)``.

The notebook is read and checked once, here. Where the runs are made depends on the executor
alone: one that declares ``launch`` (the local executor) gets the checked request, and its job
host (or, for one run without a host, the job's own process) creates them, so the submitter
need not load MLflow; otherwise (Dask) the runs are created here and handed to the executor.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import Settings, get_settings
from ..errors import InvalidParameterError, MlopsError, NotebookError
from ..params import ParametersContract, validate
from . import spec
from .executors import Executor, get_executor
from .executors.reply import ReplyLine, error_from_dict
from .request import JobRequest
from .runs import RunFactory
from .snapshot import NotebookSnapshot, read_snapshot
from .sweeps import SweepPlan, create_sweep, sweep_points, sweep_settings


def submit(request: JobRequest) -> Submission:
    """Check ``request`` against its notebook and start its run (or its sweep's runs).

    Returns once every run exists; :meth:`Submission.wait` follows them to the end.
    """
    settings, executor = _target(request)
    snapshot, contract = read_snapshot(request.notebook, request.cwd, request.include)
    if request.is_study:
        return _submit_study(executor, settings, snapshot, request, contract)
    if request.is_sweep:
        return _submit_sweep(executor, settings, snapshot, request, sweep_points(request, contract))
    values = validate(contract, dict(request.parameters), from_text=request.from_text)
    _check_runnable(executor, snapshot, request)
    _probe(settings)
    if executor.supported_features().get("launch"):
        return _created(
            executor.launch(settings, _handed(settings, snapshot, request, None, values)), settings
        )
    factory = _factory(snapshot, settings, request)
    run_id = factory.create(values)
    factory.start(executor, run_id)
    return Submission(run_id, settings.tracking_uri, [run_id])


def check(request: JobRequest) -> NotebookSnapshot:
    """Every check :func:`submit` makes of ``request`` before a run exists; nothing is made.

    Returns the snapshot it would run. For what stores a request to submit later (a schedule).
    """
    from .study.plan import StudyPlan

    executor = _target(request)[1]
    snapshot, contract = read_snapshot(request.notebook, request.cwd, request.include)
    if request.is_study:
        StudyPlan.of(request, contract)
    elif request.is_sweep:
        SweepPlan.of(request, sweep_points(request, contract))
    else:
        validate(contract, dict(request.parameters), from_text=request.from_text)
    _check_runnable(executor, snapshot, request)
    return snapshot


def _target(request: JobRequest) -> tuple[Settings, Executor]:
    settings = get_settings(request.tracking_uri, request.executor)
    executor = get_executor(settings.executor)
    if request.resources and not executor.supported_features().get("resources"):
        raise InvalidParameterError(
            f"The {executor.name} executor cannot reserve resources; use "
            "--executor dask://HOST:PORT with workers that declare them.",
        )
    return settings, executor


def _submit_sweep(
    executor: Executor,
    settings: Settings,
    snapshot: NotebookSnapshot,
    request: JobRequest,
    points: list[dict[str, Any]],
) -> Submission:
    """The job host creates the sweep's runs where there is one; else they are created here."""
    plan = SweepPlan.of(request, points)
    _check_runnable(executor, snapshot, request)
    _probe(settings)
    limited = sweep_settings(settings, plan)
    if executor.supported_features().get("launch"):
        line = executor.launch_sweep(limited, _handed(settings, snapshot, request, plan))
        if line is not None:
            return _created(line, settings)
    factory = _factory(snapshot, settings, request)
    parent, children = create_sweep(factory, plan)
    for child in children:
        factory.start(executor, child, limited)
    return Submission(parent, settings.tracking_uri, children)


def _submit_study(
    executor: Executor,
    settings: Settings,
    snapshot: NotebookSnapshot,
    request: JobRequest,
    contract: ParametersContract,
) -> Submission:
    """The study's run is made here; its driver process asks for and submits each trial."""
    from .study.launch import start_study
    from .study.plan import StudyPlan

    plan = StudyPlan.of(request, contract)
    _check_runnable(executor, snapshot, request)
    _probe(settings)
    factory = _factory(snapshot, settings, request)
    parent = start_study(factory, plan, _handed(settings, snapshot, request))
    return Submission(parent, settings.tracking_uri, [parent], study=True)


def _check_runnable(executor: Executor, snapshot: NotebookSnapshot, request: JobRequest) -> None:
    """What papermill would fail on at the start, said before any run is made."""
    if snapshot.code_cells == 0:
        raise NotebookError(f"{snapshot.name} has no code cells: there is nothing to run.")
    kernel = snapshot.kernel_name(request.kernel_name)
    if kernel is None:  # papermill: "No kernel name found in notebook and no override provided."
        raise NotebookError(
            f"{snapshot.name} names no kernel (its metadata has no kernelspec): pass --kernel "
            "NAME (kernel_name), or open it in Jupyter, pick a kernel and save it."
        )
    executor.check_kernel(kernel)


def _probe(settings: Settings) -> None:
    from ..tracking import probe

    probe(settings.tracking_uri)  # a server that is down is said at once, not after retries


def _factory(snapshot: NotebookSnapshot, settings: Settings, request: JobRequest) -> RunFactory:
    return RunFactory(
        snapshot,
        settings,
        request.experiment,
        timeout=request.timeout,
        kernel_name=request.kernel_name,
        resources=request.resources,
        tags=request.tags,
    )


def _handed(
    settings: Settings,
    snapshot: NotebookSnapshot,
    request: JobRequest,
    plan: SweepPlan | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The checked request as the process that makes its runs is handed it."""
    handed = {
        "tracking_uri": settings.tracking_uri,
        "snapshot": snapshot.to_dict(),
        "experiment": request.experiment or settings.experiment,
        "parameters": values or {},
        "timeout": request.timeout,
        "kernel_name": request.kernel_name,
        "tags": dict(request.tags),
    }
    return {**handed, "sweep": plan.to_dict()} if plan else handed


def _created(line: ReplyLine, settings: Settings) -> Submission:
    """The runs the process handed a request made, as its first message says."""
    first = line.read()
    if first is None:
        line.close()
        raise MlopsError(
            "The job's process ended before it created the run; its log is "
            f"{line.log}. Run it again, or use `--executor` to run elsewhere."
        )
    if "error" in first:
        line.close()
        raise error_from_dict(first["error"])
    job = spec.JobInfo.from_dict(first["created"])
    runs = [spec.JobInfo.from_dict(child) for child in first.get("children", [])] or [job]
    ids = [run.run_id for run in runs]
    return Submission(job.run_id, settings.tracking_uri, ids, line, runs)


def _follow(
    line: ReplyLine,
    jobs: list[spec.JobInfo],
    on_progress: Callable[[list[spec.JobInfo]], None] | None,
) -> list[spec.JobInfo] | None:
    """Follow ``jobs`` by what ``line`` says of them (a message without ``run_id`` is of the
    first); their final states, or None when the line ends before every one has ended."""
    by_id = {job.run_id: job for job in jobs}
    left = set(by_id)
    while left and (message := line.read()) is not None:
        job = by_id.get(str(message.get("run_id", jobs[0].run_id)))
        if job is None:
            continue
        if "ended" in message:
            job = by_id[job.run_id] = spec.JobInfo.from_dict(message["ended"])
            left.discard(job.run_id)
        else:
            job.status = message.get("status", job.status)
            job.cells_done = int(message.get("cells_done", job.cells_done))
            job.cells_total = int(message.get("cells_total", job.cells_total))
        if on_progress:
            on_progress(list(by_id.values()))
    return None if left else list(by_id.values())


class Submission:
    """The runs one request made: ``run_id`` (the job, or the sweep's parent) and ``runs``
    (a study's own run only: its trials are made by its driver).

    :meth:`wait` hears from the process that runs them (``line``, about ``followed``), or polls
    the tracking server.
    """

    def __init__(
        self,
        run_id: str,
        tracking_uri: str,
        runs: list[str],
        line: ReplyLine | None = None,
        followed: list[spec.JobInfo] | None = None,
        *,
        study: bool = False,
    ) -> None:
        self.run_id = run_id
        self.study = study  # an Optuna study: its trials are made as it goes
        self.tracking_uri = tracking_uri
        self.runs = runs
        self._line = line
        self._followed = followed or []

    @property
    def is_sweep(self) -> bool:
        return self.study or self.runs != [self.run_id]

    def wait(
        self, on_progress: Callable[[list[spec.JobInfo]], None] | None = None
    ) -> list[spec.JobInfo]:
        """Block until every run is terminal; their final states, as ``wait_for_jobs`` gives."""
        line, self._line = self._line, None
        if line is not None and self._followed:
            with line:
                ended = _follow(line, self._followed, on_progress)
            if ended is not None:
                return ended
        # The process ended without a last word (killed, out of memory): the runs tell.
        from .query import wait_for_jobs

        return wait_for_jobs(self.runs, tracking_uri=self.tracking_uri, on_progress=on_progress)

    def detach(self) -> Submission:
        """Stop listening to the job's process (it goes on); the job is then polled."""
        if self._line is not None:
            self._line.close()
            self._line = None
        return self

    def __del__(self) -> None:
        self.detach()


def submit_job(
    notebook: str | Path, parameters: dict[str, Any] | None = None, **options: Any
) -> str:
    """Validate and submit one run of ``notebook``; returns the MLflow run id (the job id).

    ``options`` are the fields of :class:`~jupyter_mlops.jobs.request.JobRequest`.
    """
    return submit(_one_run("submit_job", notebook, parameters, options)).detach().run_id


def launch_job(
    notebook: str | Path, parameters: dict[str, Any] | None = None, **options: Any
) -> LaunchedJob:
    """Submit one run as :func:`submit_job` does; a handle to wait on it (``.wait()``)."""
    return LaunchedJob(submit(_one_run("launch_job", notebook, parameters, options)))


def _one_run(
    caller: str, notebook: str | Path, parameters: dict[str, Any] | None, options: dict[str, Any]
) -> JobRequest:
    request = JobRequest(notebook=Path(notebook), parameters=parameters or {}, **options)
    if request.is_sweep:
        raise InvalidParameterError(f"{caller} runs one notebook: use submit_sweep for a sweep.")
    return request


class LaunchedJob:
    """One submitted job: its ``run_id``, and :meth:`wait` for its final state."""

    def __init__(self, submission: Submission) -> None:
        self.submission = submission
        self.run_id = submission.run_id
        self.tracking_uri = submission.tracking_uri

    def wait(self, on_progress: Callable[[list[spec.JobInfo]], None] | None = None) -> spec.JobInfo:
        return self.submission.wait(on_progress)[0]


def submit_sweep(
    notebook: str | Path,
    sweep: dict[str, list[Any]],
    parameters: dict[str, Any] | None = None,
    **options: Any,
) -> tuple[str, list[str]]:
    """Submit a sweep: a parent run and one child run per point. Returns (parent, children).

    ``options`` are the fields of :class:`~jupyter_mlops.jobs.request.JobRequest`; ``sweep`` is
    its grid, or with ``sample`` the space to draw from.
    """
    request = JobRequest(
        notebook=Path(notebook), parameters=parameters or {}, sweep=sweep, **options
    )
    if not request.is_sweep:
        raise InvalidParameterError("submit_sweep needs a non-empty sweep: {NAME: [V1, V2]}.")
    submission = submit(request)
    return submission.run_id, submission.runs
