"""What a job is on MLflow: tag names, artifact paths and the job description read back."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Run tags. A job is a run tagged JOB="true"; everything the runner needs is on the run.
JOB = "mlops.job"
NOTEBOOK = "mlops.job.notebook"
NOTEBOOK_NAME = "mlops.job.notebook_name"
CWD = "mlops.job.cwd"
EXECUTOR = "mlops.job.executor"
TIMEOUT = "mlops.job.timeout"
KERNEL = "mlops.job.kernel"
PARAMETERS = "mlops.job.parameters"
SUBMITTED_AT = "mlops.job.submitted_at"
CELLS_DONE = "mlops.job.cells_done"
CELLS_TOTAL = "mlops.job.cells_total"
HEARTBEAT = "mlops.job.heartbeat"
PID = "mlops.job.pid"
PID_START = "mlops.job.pid_start"
HOST = "mlops.job.host"
CANCEL = "mlops.job.cancel_requested"
REASON = "mlops.job.failure_reason"
FAILED_CELL = "mlops.job.failed_cell"
ATTEMPT = "mlops.job.attempt"  # 1 on the first start; a Dask retry after a lost worker adds one
MAX_ATTEMPTS = "mlops.job.max_attempts"
INCLUDES = "mlops.job.includes"  # JSON list of names uploaded beside the notebook under input/
RESOURCES = "mlops.job.resources"  # JSON {name: amount}: Dask worker resources the job needs
DASK_KEY = "mlops.job.dask_key"
KERNEL_READY = "mlops.job.kernel_ready"  # "ahead" or "pool": its kernel was ready before it ran
TICKET = "mlops.job.ticket"  # names the local runner process started before the run existed
ENAME = "mlops.job.ename"
EVALUE = "mlops.job.evalue"
SWEEP = "mlops.sweep"
SWEEP_SIZE = "mlops.sweep.size"
SWEEP_FAIL_FAST = "mlops.sweep.fail_fast"
SWEEP_MAX_CONCURRENCY = "mlops.sweep.max_concurrency"
PARENT = "mlflow.parentRunId"
RUN_NAME = "mlflow.runName"

INPUT_DIR = "input"
OUTPUT_DIR = "output"
RECEIPT = "receipt.json"
SUBMIT_PROVENANCE = "provenance/submit.json"

REASONS = (
    "cell error",
    "kernel died",
    "timeout",
    "cancelled",
    "orphaned",
    "worker lost",
    "internal error",
)


@dataclass
class JobInfo:
    """A job as read back from its MLflow run; what every surface lists and describes."""

    run_id: str
    experiment_id: str
    name: str
    status: str
    notebook: str
    parameters: dict[str, Any] = field(default_factory=dict)
    executor: str = "local"
    cells_done: int = 0
    cells_total: int = 0
    start_time: int | None = None
    end_time: int | None = None
    failure_reason: str | None = None
    failed_cell: int | None = None
    ename: str | None = None
    evalue: str | None = None
    parent_run_id: str | None = None
    is_sweep: bool = False
    artifact_uri: str = ""
    attempt: int = 0

    @property
    def duration_s(self) -> float | None:
        if self.start_time is None:
            return None
        import time

        end = self.end_time or int(time.time() * 1000)
        return max(0.0, (end - self.start_time) / 1000)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_s"] = self.duration_s
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobInfo:
        """The inverse of :meth:`to_dict`."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def from_run(cls, run: Any) -> JobInfo:
        tags = run.data.tags

        def as_int(key: str) -> int | None:
            try:
                return int(tags[key])
            except (KeyError, ValueError):
                return None

        try:
            parameters = json.loads(tags.get(PARAMETERS, "{}"))
        except json.JSONDecodeError:
            parameters = {}
        return cls(
            run_id=run.info.run_id,
            experiment_id=str(run.info.experiment_id),
            name=tags.get(RUN_NAME, run.info.run_name or ""),
            status=run.info.status,
            notebook=tags.get(NOTEBOOK, ""),
            parameters=parameters,
            executor=tags.get(EXECUTOR, "local"),
            cells_done=as_int(CELLS_DONE) or 0,
            cells_total=as_int(CELLS_TOTAL) or 0,
            start_time=run.info.start_time,
            end_time=run.info.end_time,
            failure_reason=tags.get(REASON),
            failed_cell=as_int(FAILED_CELL),
            ename=tags.get(ENAME),
            evalue=tags.get(EVALUE),
            parent_run_id=tags.get(PARENT),
            is_sweep=tags.get(SWEEP) == "true",
            artifact_uri=run.info.artifact_uri,
            attempt=as_int(ATTEMPT) or 0,
        )
