"""What a job is on MLflow: tag names, artifact paths and the job description read back."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..errors import InvalidRequestError
from ..limits import check_json

# The job's tags and artifact paths are defined in tags.py; a job is described by them.
from ..tags import (
    ATTEMPT,
    CANCEL,
    CELLS_DONE,
    CELLS_TOTAL,
    CWD,
    DASK_KEY,
    ENAME,
    EVALUE,
    EXECUTOR,
    FAILED_CELL,
    FAILED_CELL_LABEL,
    HEARTBEAT,
    HOST,
    INCLUDES,
    INPUT_DIR,
    JOB,
    JOB_HOST,
    KERNEL,
    KERNEL_READY,
    MAX_ATTEMPTS,
    NOTEBOOK,
    NOTEBOOK_NAME,
    OUTPUT_DIR,
    PARAMETERS,
    PARENT,
    PID,
    PID_START,
    REASON,
    RECEIPT,
    RESOURCES,
    RUN_NAME,
    STUDY,
    STUDY_BEST_PARAMS,
    STUDY_BEST_RUN,
    STUDY_BEST_VALUE,
    STUDY_DIRECTION,
    STUDY_DRIVER_HOST,
    STUDY_DRIVER_PID,
    STUDY_DRIVER_START,
    STUDY_OBJECTIVE,
    STUDY_PRUNED_AT,
    STUDY_PRUNER,
    STUDY_REQUEST,
    STUDY_SAMPLER,
    STUDY_TRIAL,
    STUDY_TRIALS,
    SUBMIT_PROVENANCE,
    SUBMITTED_AT,
    SWEEP,
    SWEEP_FAIL_FAST,
    SWEEP_MAX_CONCURRENCY,
    SWEEP_SIZE,
    TICKET,
    TIMEOUT,
)

__all__ = [  # the tags named here are defined in tags.py
    "ATTEMPT",
    "CANCEL",
    "CELLS_DONE",
    "CELLS_TOTAL",
    "CWD",
    "DASK_KEY",
    "ENAME",
    "EVALUE",
    "EXECUTOR",
    "FAILED_CELL",
    "FAILED_CELL_LABEL",
    "HEARTBEAT",
    "HOST",
    "INCLUDES",
    "INPUT_DIR",
    "JOB",
    "JOB_HOST",
    "KERNEL",
    "KERNEL_READY",
    "MAX_ATTEMPTS",
    "NOTEBOOK",
    "NOTEBOOK_NAME",
    "OUTPUT_DIR",
    "PARAMETERS",
    "PARENT",
    "PID",
    "PID_START",
    "REASON",
    "REASONS",
    "RECEIPT",
    "RESOURCES",
    "RUN_NAME",
    "STUDY",
    "STUDY_BEST_PARAMS",
    "STUDY_BEST_RUN",
    "STUDY_BEST_VALUE",
    "STUDY_DIRECTION",
    "STUDY_DRIVER_HOST",
    "STUDY_DRIVER_PID",
    "STUDY_DRIVER_START",
    "STUDY_OBJECTIVE",
    "STUDY_PRUNED_AT",
    "STUDY_PRUNER",
    "STUDY_REQUEST",
    "STUDY_SAMPLER",
    "STUDY_TRIAL",
    "STUDY_TRIALS",
    "SUBMITTED_AT",
    "SUBMIT_PROVENANCE",
    "SWEEP",
    "SWEEP_FAIL_FAST",
    "SWEEP_MAX_CONCURRENCY",
    "SWEEP_SIZE",
    "TICKET",
    "TIMEOUT",
    "JobInfo",
]

REASONS = (
    "cell error",
    "kernel died",
    "timeout",
    "cancelled",
    "pruned",
    "study stopped",
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
    failed_cell_label: str | None = None
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

        return cls(
            run_id=run.info.run_id,
            experiment_id=str(run.info.experiment_id),
            name=tags.get(RUN_NAME, run.info.run_name or ""),
            status=run.info.status,
            notebook=tags.get(NOTEBOOK, ""),
            parameters=stored_json(tags.get(PARAMETERS)),
            executor=tags.get(EXECUTOR, "local"),
            cells_done=as_int(CELLS_DONE) or 0,
            cells_total=as_int(CELLS_TOTAL) or 0,
            start_time=run.info.start_time,
            end_time=run.info.end_time,
            failure_reason=tags.get(REASON),
            failed_cell=as_int(FAILED_CELL),
            failed_cell_label=tags.get(FAILED_CELL_LABEL),
            ename=tags.get(ENAME),
            evalue=tags.get(EVALUE),
            parent_run_id=tags.get(PARENT),
            is_sweep=tags.get(SWEEP) == "true",
            artifact_uri=run.info.artifact_uri,
            attempt=as_int(ATTEMPT) or 0,
        )


def stored_json(text: str | None) -> dict[str, Any]:
    """An object read back from a tag, or ``{}`` for one that cannot be shown safely.

    A run written by another client may hold anything: a malformed or too deeply nested
    value must not break listing or describing the other jobs.
    """
    try:
        value = json.loads(text or "{}")
        check_json(value, "a stored value", max_chars=None)
    except (ValueError, RecursionError, InvalidRequestError):
        return {}
    return value if isinstance(value, dict) else {}
