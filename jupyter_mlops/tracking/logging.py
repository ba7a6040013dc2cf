"""``jupyter_mlops.log``: metrics and params of the current run in batched round trips."""

from __future__ import annotations

import os
import sys
from typing import Any

from ..config import get_settings
from ..errors import MlopsError
from .client import log_batch


def log(
    metrics: dict[str, float] | None = None,
    params: dict[str, Any] | None = None,
    *,
    step: int = 0,
    run_id: str | None = None,
    tracking_uri: str | None = None,
) -> None:
    """Log many metrics and params to the current run (a job's, or the active one) at once."""
    target = run_id or current_run_id()
    if target is None:
        raise MlopsError("No run to log to: call it inside a job or an active mlflow.start_run().")
    log_batch(
        get_settings(tracking_uri).tracking_uri, target, metrics=metrics, params=params, step=step
    )


def report(step: int, value: float, *, metric: str | None = None) -> None:
    """An intermediate value of the current run at ``step``, as a study's pruner reads it.

    In a trial of a study the metric is the study's objective (the run's
    ``mlops.study.objective`` tag); elsewhere it is ``metric``, default ``"objective"``.
    The last value reported is the trial's result unless the notebook logs another.
    """
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise MlopsError(
            f"report() takes a whole step >= 0 (an epoch, an iteration), got {step!r}."
        )
    target = current_run_id()
    if target is None:
        raise MlopsError(
            "No run to report to: call it inside a job or an active mlflow.start_run()."
        )
    name = metric or _objective_of(target) or "objective"
    log({name: float(value)}, step=step, run_id=target)


_OBJECTIVES: dict[str, str | None] = {}


def _objective_of(run_id: str) -> str | None:
    """The study objective a trial run is tagged with, read once per run."""
    if run_id not in _OBJECTIVES:
        from ..tags import STUDY_OBJECTIVE
        from .client import get_client

        run = get_client(get_settings().tracking_uri).get_run(run_id)
        _OBJECTIVES[run_id] = run.data.tags.get(STUDY_OBJECTIVE)
    return _OBJECTIVES[run_id]


def current_run_id() -> str | None:
    """The run this process works for: a job's run, or an active MLflow run."""
    run_id = os.environ.get("JUPYTER_MLOPS_RUN_ID") or os.environ.get("MLFLOW_RUN_ID")
    if run_id:
        return run_id
    if "mlflow" in sys.modules:
        import mlflow

        active = mlflow.active_run()
        if active is not None:
            return str(active.info.run_id)
    return None
