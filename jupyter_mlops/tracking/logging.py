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
