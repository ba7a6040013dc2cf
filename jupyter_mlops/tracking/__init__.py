"""Thin facade over ``mlflow.MlflowClient``: our helpers -> this facade -> MLflow.

Functions take a tracking URI, or a :class:`Store` (a URI resolved once), never a live client,
so work pickles cleanly to other processes.
"""

from .client import (
    RUN_TERMINAL,
    download_artifact,
    ensure_experiment,
    filter_literal,
    gather,
    get_client,
    is_unreachable,
    log_batch,
    probe,
    read_artifact_text,
    set_tags,
    shown_uri,
)
from .store import Store

__all__ = [
    "RUN_TERMINAL",
    "Store",
    "download_artifact",
    "ensure_experiment",
    "filter_literal",
    "gather",
    "get_client",
    "is_unreachable",
    "log_batch",
    "probe",
    "read_artifact_text",
    "set_tags",
    "shown_uri",
]
