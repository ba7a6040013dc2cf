"""Performance metrics of an evaluation, for classification and regression."""

from __future__ import annotations

from typing import Any

from ..errors import MlopsError

TASKS = ("classification", "regression")


def guess_task(labels: Any) -> str:
    """``regression`` for labels with fractional values or many distinct values."""
    import numpy as np

    values = np.asarray(labels)
    if values.dtype.kind in "fc":
        fractional = not np.all(np.equal(np.mod(values, 1), 0))
        if fractional or len(np.unique(values)) > 20:
            return "regression"
    return "classification"


def score(labels: Any, predictions: Any, task: str | None = None) -> tuple[str, dict[str, float]]:
    """The task and its metrics: accuracy, precision, recall, f1; or rmse, mae, r2."""
    import numpy as np
    from sklearn import metrics as skm

    truth, predicted = np.asarray(labels), np.asarray(predictions)
    if predicted.ndim > 1 and predicted.shape[-1] == 1:
        predicted = predicted.ravel()
    if len(truth) != len(predicted):
        raise MlopsError(
            f"labels has {len(truth)} rows but the data gave {len(predicted)} predictions; "
            "pass one label per row of data."
        )
    kind = task or guess_task(truth)
    if kind not in TASKS:
        raise MlopsError(f"Unknown task {kind!r}; use one of {', '.join(TASKS)}.")
    if kind == "regression":
        return kind, {
            "rmse": float(np.sqrt(skm.mean_squared_error(truth, predicted))),
            "mae": float(skm.mean_absolute_error(truth, predicted)),
            "r2": float(skm.r2_score(truth, predicted)),
        }
    average = "binary" if len(np.unique(np.concatenate([truth, predicted]))) <= 2 else "macro"
    common: dict[str, Any] = {"average": average, "zero_division": 0}
    return kind, {
        "accuracy": float(skm.accuracy_score(truth, predicted)),
        "precision": float(skm.precision_score(truth, predicted, **common)),
        "recall": float(skm.recall_score(truth, predicted, **common)),
        "f1": float(skm.f1_score(truth, predicted, **common)),
    }
