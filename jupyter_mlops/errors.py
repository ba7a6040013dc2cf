"""One exception root for jupyter-mlops.

Every error a user can cause is an :class:`MlopsError` whose message says what was wrong and
what to do. Surfaces map them once: the CLI to exit code 2, the REST API to ``http_status``.
"""

from __future__ import annotations

from typing import Any


class MlopsError(Exception):
    """Root of every jupyter-mlops error.

    Parameters
    ----------
    message
        What went wrong and how to fix it.
    details
        Structured extras (field name, allowed values...) for machine-readable output.
    """

    code = "MLOPS_ERROR"
    http_status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.details}


class InvalidCardError(MlopsError):
    code = "INVALID_CARD"


class InvalidParameterError(MlopsError):
    code = "INVALID_PARAMETER"


class InvalidRequestError(MlopsError):
    """A request's options do not fit together, or do not match the REST contract."""

    code = "INVALID_REQUEST"


class NotebookError(MlopsError):
    """The notebook cannot be read, found, or is outside where it may be."""

    code = "INVALID_NOTEBOOK"


class NotFoundError(MlopsError):
    code = "NOT_FOUND"
    http_status = 404


class ConfigError(MlopsError):
    code = "INVALID_CONFIG"


class TrackingUnavailableError(MlopsError):
    """The MLflow tracking server cannot be reached."""

    code = "TRACKING_UNAVAILABLE"
    http_status = 503


class ExecutorUnavailableError(MlopsError):
    """The executor (e.g. a Dask scheduler) cannot be reached to start a job."""

    code = "EXECUTOR_UNAVAILABLE"
    http_status = 503


class RegistrationError(MlopsError):
    code = "REGISTRATION_FAILED"


class ModelLoadRefusedError(MlopsError):
    """MLflow refuses to deserialize the version's model under this environment's settings."""

    code = "MODEL_LOAD_REFUSED"


class PromotionRefusedError(MlopsError):
    """The governance policy forbids this alias move or stage change; ``rules`` name why."""

    code = "PROMOTION_REFUSED"
    http_status = 409


class InputDataChangedError(MlopsError):
    """A run's input files differ from the fingerprints in its receipt."""

    code = "INPUT_DATA_CHANGED"
    http_status = 409


class MetricRegressionError(MlopsError):
    """A run's metrics break the card's alert rules against the champion (CI smoke runs)."""

    code = "METRIC_REGRESSION"
    http_status = 409


class JobFailedError(MlopsError):
    """A job ended FAILED or KILLED; carries papermill's structured fields."""

    code = "JOB_FAILED"
    http_status = 409

    def __init__(
        self,
        message: str,
        *,
        run_id: str,
        status: str,
        reason: str | None = None,
        cell_index: int | None = None,
        ename: str | None = None,
        evalue: str | None = None,
    ) -> None:
        super().__init__(
            message,
            run_id=run_id,
            status=status,
            reason=reason,
            cell_index=cell_index,
            ename=ename,
            evalue=evalue,
        )
        self.run_id = run_id
        self.status = status
        self.reason = reason
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue
