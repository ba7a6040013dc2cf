"""Launch one job and stay on the line to it: the job's own process creates its run.

:func:`~jupyter_mlops.jobs.submit.submit_job` creates the run in the caller, so the caller
imports MLflow (about 3 s of CPU here) while the job's process imports it too. A caller that
has not loaded MLflow, such as ``jupyter mlops run``, calls :func:`launch_job` instead. It
checks the notebook and parameters as ``submit_job`` does, then hands the job's process a
request; that process creates the run with the same code and reports over a pipe:

- ``{"created": JOB}`` or ``{"error": ERROR}``, once;
- ``{"status": "RUNNING"}`` and ``{"cells_done": N, "cells_total": M}`` as the job goes;
- ``{"ended": JOB}`` once the run is terminal.

Each message is one JSON line; ``JOB`` is a :class:`~jupyter_mlops.jobs.spec.JobInfo` as a
dict. Executors that cannot launch this way (Dask) get ``submit_job``, and their job is waited
for by polling the tracking server, as is a launched job whose process ended without saying
how it ended.
"""

from __future__ import annotations

import json
import os
import select
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from .. import errors
from ..errors import MlopsError
from . import spec

REPLY_WRITE_WAIT_S = 1.0  # how long a job waits on a full pipe before it stops reporting


def launch_job(
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
) -> LaunchedJob:
    """Submit one run of ``notebook`` as :func:`submit_job` does; a handle to wait on it.

    Takes the arguments of ``submit_job``. The run exists when this returns; a problem the
    job's process met creating it is raised here, as ``submit_job`` would raise it.
    """
    from .submit import prepare_submission, submit_prepared

    prepared, values = prepare_submission(
        notebook, parameters, experiment, timeout, executor, tracking_uri, from_text, cwd, include,
        resources,
    )  # fmt: skip
    settings = prepared.settings
    launch = getattr(prepared.executor, "launch", None)
    if launch is None:
        run_id = submit_prepared(prepared, values, timeout, kernel_name, tags)
        return LaunchedJob(run_id, settings.tracking_uri)
    request = {
        "tracking_uri": settings.tracking_uri,
        "notebook": str(prepared.path),
        "cwd": str(prepared.cwd),
        "experiment": prepared.experiment,
        "parameters": values,
        "timeout": timeout,
        "kernel_name": prepared.kernel_name(kernel_name),
        "kernel_asked": kernel_name,
        "include": [str(p) for p in prepared.includes],
        "tags": tags or {},
    }
    line = launch(settings, request)
    first = line.read()
    if first is None:
        raise MlopsError(
            "The job's process ended before it created the run; its log is "
            f"{line.log}. Run `jupyter mlops run` again, or use `--executor` to run elsewhere."
        )
    if "error" in first:
        raise error_from_dict(first["error"])
    job = spec.JobInfo.from_dict(first["created"])
    return LaunchedJob(job.run_id, settings.tracking_uri, line, job)


class LaunchedJob:
    """A submitted job; :meth:`wait` hears from its process, or polls the tracking server."""

    def __init__(
        self, run_id: str, tracking_uri: str, line: ReplyLine | None = None, job: Any = None
    ) -> None:
        self.run_id = run_id
        self.tracking_uri = tracking_uri
        self._line = line
        self._job: spec.JobInfo | None = job

    def wait(self, on_progress: Callable[[list[spec.JobInfo]], None] | None = None) -> spec.JobInfo:
        """Block until the job is terminal; its final state, as ``wait_for_jobs`` gives it."""
        job, line = self._job, self._line
        if line is not None and job is not None:
            with line:
                while (message := line.read()) is not None:
                    if "ended" in message:
                        ended = spec.JobInfo.from_dict(message["ended"])
                        if on_progress:
                            on_progress([ended])
                        return ended
                    job.status = message.get("status", job.status)
                    job.cells_done = int(message.get("cells_done", job.cells_done))
                    job.cells_total = int(message.get("cells_total", job.cells_total))
                    if on_progress:
                        on_progress([job])
        # The process ended without a last word (killed, out of memory): the run tells.
        from .submit import wait_for_jobs

        return wait_for_jobs(
            [self.run_id], tracking_uri=self.tracking_uri, on_progress=on_progress
        )[0]


class ReplyLine:
    """The reading end of a job's reply pipe: one JSON message per line."""

    def __init__(self, fd: int, log: Path) -> None:
        self._file: IO[bytes] = os.fdopen(fd, "rb")
        self.log = log

    def read(self) -> dict[str, Any] | None:
        """The next message; None once the job's process has closed its end."""
        raw = self._file.readline()
        if not raw.endswith(b"\n"):
            return None  # end of file, or a message cut short by the job giving up on the pipe
        try:
            message = json.loads(raw)
        except ValueError:
            return None
        return message if isinstance(message, dict) else None

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ReplyLine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Reply:
    """The job's end of the pipe. Sending never blocks the job for long and never raises:
    once the reader is gone or stops reading, the job stops reporting and goes on."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd
        os.set_blocking(fd, False)

    def send(self, message: dict[str, Any]) -> None:
        if self._fd is None:
            return
        data = json.dumps(message, default=str).encode() + b"\n"
        deadline = time.monotonic() + REPLY_WRITE_WAIT_S
        try:
            while data:
                try:
                    data = data[os.write(self._fd, data) :]
                except BlockingIOError:
                    left = deadline - time.monotonic()
                    if left <= 0 or not select.select([], [self._fd], [], left)[1]:
                        raise OSError("the reader stopped reading") from None
        except OSError:
            self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def create_requested_run(request: dict[str, Any], job_tags: dict[str, Any]) -> str:
    """In the job's process: create the run ``request`` asks for, as ``submit_job`` would."""
    from ..config import get_settings
    from ..params import validate
    from .prepare import PreparedNotebook

    settings = get_settings(request["tracking_uri"], "local")
    prepared = PreparedNotebook(
        request["notebook"], settings, request["experiment"], request["cwd"], request["include"]
    )
    values = validate(prepared.contract, request["parameters"])
    try:
        return prepared.create_run(
            values,
            timeout=request["timeout"],
            kernel_name=request["kernel_asked"],
            extra_tags={**request["tags"], **job_tags},
        )
    except MlopsError:
        raise
    except Exception as exc:
        raise MlopsError(
            f"Could not create the run on {settings.tracking_uri}: {type(exc).__name__}: {exc}. "
            "Check that the tracking store can be written, or set MLFLOW_TRACKING_URI."
        ) from exc


def error_to_dict(exc: BaseException) -> dict[str, Any]:
    """An error of the job's process, to be raised again by the caller (any class we own)."""
    if isinstance(exc, MlopsError):
        return {"class": type(exc).__name__, "message": exc.message, "details": exc.details}
    return {"class": "MlopsError", "message": f"Could not create the run: {exc!r}"}


def error_from_dict(data: dict[str, Any]) -> MlopsError:
    """The error a job's process reported, as the same class where it is one of ours."""
    cls = getattr(errors, str(data.get("class")), None)
    if not (isinstance(cls, type) and issubclass(cls, MlopsError)):
        cls = MlopsError
    try:
        return cls(str(data.get("message")), **(data.get("details") or {}))
    except TypeError:  # a class that takes other arguments
        return MlopsError(str(data.get("message")), **(data.get("details") or {}))
