"""REST handlers for jobs: submit a run or sweep, list, describe, cancel, fetch the output."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequestError, MlopsError
from .base import RUN_ID, MlopsHandler, guarded
from .handlers import known_fields, run_url
from .models import (
    CreateJob,
    CreateJobResponse,
    DescribeJob,
    FetchJobOutputResponse,
    ListJobsResponse,
)
from .paths import relative_to_root, resolve_notebook_path

if TYPE_CHECKING:
    from ..jobs.request import JobRequest


class JobEndedError(MlopsError):
    """A cancel asked of a job that had already ended."""

    code = "JOB_ENDED"
    http_status = 409


OUTPUTS_FOLDER = "mlops-outputs"
"""Folder under the server root where executed notebooks are fetched to be opened."""


class JobsHandler(MlopsHandler):
    """``POST mlops/jobs`` submits; ``GET mlops/jobs?status=&parent=&max_results=`` lists."""

    @guarded("execute")
    async def post(self) -> None:
        from ..jobs.submit import submit

        body = self.read_body(CreateJob)
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        request = await job_request_of(self, body, uri)
        submission = (await self.call(submit, request)).detach()
        answer = CreateJobResponse(
            run_id=submission.run_id,
            sweep=submission.is_sweep,
            children=submission.runs if submission.is_sweep and not submission.study else [],
            study=submission.study,
        )
        self.write_model(answer, status=201)

    @guarded()
    async def get(self) -> None:
        from ..jobs.query import list_jobs

        status = self.get_query_argument("status", None) or None
        parent = self.get_query_argument("parent", None) or None
        if parent is not None and not RUN_ID.match(parent):
            raise InvalidRequestError(f"parent {parent!r} is not a run id.")
        limit = self.get_query_argument("max_results", "200")
        if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= 1000:
            raise InvalidRequestError(f"max_results must be 1 to 1000, got {limit!r}.")
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        jobs = await self.call(
            list_jobs, status, parent=parent, max_results=int(limit), tracking_uri=uri
        )
        self.write_model(ListJobsResponse(jobs=[describe(job, uri) for job in jobs]))


class JobHandler(MlopsHandler):
    """``GET mlops/jobs/{run_id}``: one job."""

    @guarded()
    async def get(self, run_id: str) -> None:
        from ..jobs.query import describe_job

        run_id = self.run_id_argument(run_id)
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        job = await self.call(describe_job, run_id, uri)
        self.write_model(describe(job, uri))


class CancelJobHandler(MlopsHandler):
    """``POST mlops/jobs/{run_id}/cancel``: stop a job; answers its new state, or 409 when it
    had already ended."""

    @guarded("execute")
    async def post(self, run_id: str) -> None:
        from ..jobs.cancel import cancel_job
        from ..jobs.query import describe_job
        from ..tracking import RUN_TERMINAL

        run_id = self.run_id_argument(run_id)
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        before = await self.call(describe_job, run_id, uri)
        if before.status in RUN_TERMINAL:
            raise JobEndedError(
                f"Job {run_id} already ended {before.status}: there is nothing to cancel."
            )
        job = await self.call(cancel_job, run_id, uri)
        self.write_model(describe(job, uri))


class JobOutputHandler(MlopsHandler):
    """``POST mlops/jobs/{run_id}/output``: fetch the executed notebook under the server root.

    It lands in ``mlops-outputs/<run_id>/`` so JupyterLab can open it like any file.
    """

    @guarded()
    async def post(self, run_id: str) -> None:
        run_id = self.run_id_argument(run_id)
        uri = await self.call(self.mlops_app.resolved_tracking_uri)
        folder = Path(self.root_dir) / OUTPUTS_FOLDER / run_id
        # Checked before anything is written: the outputs folder may be a symlink leaving it.
        if relative_to_root(self.root_dir, folder) is None:
            raise InvalidRequestError(f"{OUTPUTS_FOLDER}/ must be a folder inside the root.")
        local = await self.call(_fetch_output, uri, run_id, folder)
        relative = relative_to_root(self.root_dir, local)
        if relative is None:  # the folder was swapped for a symlink while downloading
            raise InvalidRequestError(f"{OUTPUTS_FOLDER}/ must be a folder inside the root.")
        self.write_model(FetchJobOutputResponse(path=relative))


async def job_request_of(handler: MlopsHandler, body: CreateJob, uri: str) -> JobRequest:
    """:func:`job_request` for a handler's body, off the event loop: each included path is
    resolved on disk."""
    return await handler.call(  # type: ignore[no-any-return]
        job_request,
        body,
        handler.root_dir,
        handler.mlops_app.job_executor(),
        uri,
        allow_hidden=handler.allow_hidden,
    )


def job_request(
    body: CreateJob,
    root_dir: str,
    executor: str,
    tracking_uri: str,
    *,
    allow_hidden: bool = False,
) -> JobRequest:
    """The request a ``POST mlops/jobs`` body asks for; where it runs is the server's choice."""
    from .. import limits
    from ..jobs.request import JobRequest

    limits.check_includes(len(body.include))  # before each one is resolved on disk

    def inside(path: str, what: str) -> Path:
        return Path(resolve_notebook_path(root_dir, path, what, allow_hidden=allow_hidden))

    return JobRequest(
        notebook=inside(body.path, "notebook path"),
        parameters=body.parameters,
        sweep=body.sweep,
        from_text=body.from_text,
        experiment=body.experiment,
        timeout=body.timeout,
        kernel_name=body.kernel_name,
        executor=executor,
        tracking_uri=tracking_uri,
        include=tuple(inside(p, "included path") for p in body.include),
        resources=body.resources,
        sample=body.sample,
        seed=body.seed,
        max_concurrency=body.max_concurrency,
        fail_fast=body.fail_fast,
        optimize=body.optimize,
        trials=body.trials,
        sampler=body.sampler,
        pruner=body.pruner,
        timeout_total=body.timeout_total,
    )


def describe(job: Any, uri: str) -> DescribeJob:
    """The REST view of a :class:`~jupyter_mlops.jobs.spec.JobInfo`."""
    return DescribeJob(
        **known_fields(DescribeJob, job.to_dict()),
        run_url=run_url(uri, job.experiment_id, job.run_id),
    )


def _fetch_output(uri: str, run_id: str, folder: Path) -> Path:
    from ..errors import NotFoundError
    from ..jobs import spec
    from ..jobs.query import describe_job
    from ..tracking import download_artifact

    describe_job(run_id, uri)  # NotFoundError for a run that is not a job
    folder.mkdir(parents=True, exist_ok=True)
    try:
        local = Path(download_artifact(uri, run_id, spec.OUTPUT_DIR, str(folder)))
    except Exception as exc:
        raise NotFoundError(
            f"Job {run_id} has no executed notebook yet: it is written when the job ends."
        ) from exc
    found = sorted(local.rglob("*.ipynb")) if local.is_dir() else [local]
    if not found:
        raise NotFoundError(f"Job {run_id} has no executed notebook under {spec.OUTPUT_DIR}/.")
    return found[0]
