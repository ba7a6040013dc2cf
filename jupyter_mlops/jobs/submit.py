"""Submitting jobs: the one write path every surface takes, ``submit(JobRequest)``.

The notebook is read and checked once, here. Where the run is made depends on the executor
alone: one that declares ``launch`` (the local executor) gets the checked request and its job's
own process creates the run, so the submitter need not load MLflow; otherwise (Dask, and the
children of every sweep) the runs are created here and handed to the executor.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import Settings, get_settings
from ..errors import InvalidParameterError, MlopsError, NotebookError
from ..params import validate
from . import spec
from .executors import Executor, get_executor
from .executors.reply import ReplyLine, error_from_dict
from .request import JobRequest
from .runs import RunFactory
from .snapshot import NotebookSnapshot, read_snapshot
from .sweeps import create_sweep, sweep_points, sweep_settings


def submit(request: JobRequest) -> Submission:
    """Check ``request`` against its notebook and start its run (or its sweep's runs).

    Returns once every run exists; :meth:`Submission.wait` follows them to the end.
    """
    settings = get_settings(request.tracking_uri, request.executor)
    executor = get_executor(settings.executor)
    if request.resources and not executor.supported_features().get("resources"):
        raise InvalidParameterError(
            f"The {executor.name} executor cannot reserve resources; use "
            "--executor dask://HOST:PORT with workers that declare them.",
        )
    snapshot, contract = read_snapshot(request.notebook, request.cwd, request.include)
    if request.is_sweep:
        points = sweep_points(request, contract)
        _check_runnable(executor, snapshot, request)
        _probe(settings)
        factory = _factory(snapshot, settings, request)
        parent, children = create_sweep(factory, request, points)
        limited = sweep_settings(settings, request)
        for child in children:
            factory.start(executor, child, limited)
        return Submission(parent, settings.tracking_uri, children)
    values = validate(contract, dict(request.parameters), from_text=request.from_text)
    _check_runnable(executor, snapshot, request)
    _probe(settings)
    if executor.supported_features().get("launch"):
        return _launch(executor, settings, snapshot, request, values)
    factory = _factory(snapshot, settings, request)
    run_id = factory.create(values)
    factory.start(executor, run_id)
    return Submission(run_id, settings.tracking_uri, [run_id])


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


def _launch(
    executor: Executor,
    settings: Settings,
    snapshot: NotebookSnapshot,
    request: JobRequest,
    values: dict[str, Any],
) -> Submission:
    """Hand the checked request to the job's own process; it answers once the run exists."""
    line = executor.launch(
        settings,
        {
            "tracking_uri": settings.tracking_uri,
            "snapshot": snapshot.to_dict(),
            "experiment": request.experiment or settings.experiment,
            "parameters": values,
            "timeout": request.timeout,
            "kernel_name": request.kernel_name,
            "tags": dict(request.tags),
        },
    )
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
    return Submission(job.run_id, settings.tracking_uri, [job.run_id], line, job)


class Submission:
    """The runs one request made: ``run_id`` (the job, or the sweep's parent) and ``runs``.

    :meth:`wait` hears from a launched job's process, or polls the tracking server.
    """

    def __init__(
        self,
        run_id: str,
        tracking_uri: str,
        runs: list[str],
        line: ReplyLine | None = None,
        job: spec.JobInfo | None = None,
    ) -> None:
        self.run_id = run_id
        self.tracking_uri = tracking_uri
        self.runs = runs
        self._line = line
        self._job = job

    @property
    def is_sweep(self) -> bool:
        return self.runs != [self.run_id]

    def wait(
        self, on_progress: Callable[[list[spec.JobInfo]], None] | None = None
    ) -> list[spec.JobInfo]:
        """Block until every run is terminal; their final states, as ``wait_for_jobs`` gives."""
        job, line = self._job, self._line
        self._line = None
        if line is not None and job is not None:
            with line:
                while (message := line.read()) is not None:
                    if "ended" in message:
                        ended = spec.JobInfo.from_dict(message["ended"])
                        if on_progress:
                            on_progress([ended])
                        return [ended]
                    job.status = message.get("status", job.status)
                    job.cells_done = int(message.get("cells_done", job.cells_done))
                    job.cells_total = int(message.get("cells_total", job.cells_total))
                    if on_progress:
                        on_progress([job])
        # The process ended without a last word (killed, out of memory): the run tells.
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
