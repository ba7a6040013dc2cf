"""A pyfunc wrapper for models that only offer ``predict``; importable at load time."""

from __future__ import annotations

from typing import Any

from mlflow.pyfunc.model import PythonModel


class PredictWrapper(PythonModel):
    def __init__(self, model: Any) -> None:
        self.model = model

    # No type hints on purpose: MLflow derives a signature from them and warns about ``Any``.
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return self.model.predict(model_input)
