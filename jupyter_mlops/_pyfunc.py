"""A pyfunc wrapper for models that only offer ``predict``; importable at load time."""

from __future__ import annotations

from typing import Any

from mlflow.pyfunc import PythonModel


class PredictWrapper(PythonModel):
    def __init__(self, model: Any) -> None:
        self.model = model

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return self.model.predict(model_input)
