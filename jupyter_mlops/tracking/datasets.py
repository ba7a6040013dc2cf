"""The data a model was trained and evaluated on, as MLflow datasets (digest, source, schema).

Datasets are built when the model is saved (the frames exist only then) and kept as plain
dicts in the spool entry, so a registration pushed later still logs them. The card's input
files are described by their sha256 (the receipt's fingerprint) and path, never read.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from ..tags import SOURCE_NAME

TRAINING = "training"
EVALUATION = "evaluation"
_FIELDS = ("name", "digest", "source_type", "source", "schema", "profile")


def _source(notebook: str | None) -> Any:
    from mlflow.data.code_dataset_source import CodeDatasetSource

    return CodeDatasetSource(tags={SOURCE_NAME: notebook or "interactive"})


def frame_dataset(
    data: Any, name: str, context: str, notebook: str | None = None
) -> dict[str, Any]:
    """An MLflow dataset of an in-memory table (pandas, or anything numpy takes)."""
    import numpy as np
    from mlflow.data.numpy_dataset import from_numpy
    from mlflow.data.pandas_dataset import from_pandas

    source = _source(notebook)
    dataset: Any
    if type(data).__module__.startswith("pandas") and hasattr(data, "columns"):
        dataset = from_pandas(data, source=source, name=name)
    else:
        dataset = from_numpy(np.asarray(data), source=source, name=name)
    return _as_dict(dataset, context)


def file_datasets(fingerprints: list[dict[str, Any]], base: Path) -> list[dict[str, Any]]:
    """The card's input files, from the receipt's fingerprints (missing files are skipped)."""
    from mlflow.data.dataset_source_registry import resolve_dataset_source
    from mlflow.data.meta_dataset import MetaDataset

    found = []
    for item in fingerprints:
        if item.get("missing") or not item.get("sha256"):
            continue
        with warnings.catch_warnings():  # MLflow registers its local source twice and says so
            warnings.simplefilter("ignore", UserWarning)
            source = resolve_dataset_source(str((base / item["path"]).resolve()))
        dataset = MetaDataset(source, name=item["path"], digest=item["sha256"][:16])  # type: ignore[abstract]
        found.append(_as_dict(dataset, TRAINING))
    return found


def _as_dict(dataset: Any, context: str) -> dict[str, Any]:
    entity = dataset._to_mlflow_entity()
    return {**{key: getattr(entity, key) for key in _FIELDS}, "context": context}


def log_datasets(
    tracking_uri: str, run_id: str, datasets: list[dict[str, Any]], model_id: str | None
) -> None:
    """Log ``datasets`` as inputs of the run (and, for evaluations, of ``model_id``)."""
    if not datasets:
        return
    from mlflow.entities import Dataset, DatasetInput, InputTag, LoggedModelInput
    from mlflow.utils.mlflow_tags import MLFLOW_DATASET_CONTEXT

    from .client import get_client

    inputs = [
        DatasetInput(
            Dataset(**{key: item.get(key) for key in _FIELDS}),  # type: ignore[arg-type]
            tags=[InputTag(MLFLOW_DATASET_CONTEXT, item["context"])],
        )
        for item in datasets
    ]
    evaluated = model_id and any(item["context"] == EVALUATION for item in datasets)
    models = [LoggedModelInput(model_id)] if model_id and evaluated else None
    get_client(tracking_uri).log_inputs(run_id, datasets=inputs, models=models)
