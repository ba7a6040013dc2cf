"""Where a user looks at a run or a model version: an MLflow UI URL, or how to start one."""

from __future__ import annotations

from urllib.parse import quote

from .tracking.client import is_remote, shown_uri


def model_version_link(tracking_uri: str, name: str, version: str | int) -> str:
    """The MLflow UI page of a model version, or the ``mlflow ui`` command for a local store."""
    tracking_uri = shown_uri(tracking_uri)
    if is_remote(tracking_uri):
        return f"{tracking_uri.rstrip('/')}/#/models/{quote(name, safe='')}/versions/{version}"
    return f"mlflow ui --backend-store-uri {tracking_uri}  (then Models > {name} > v{version})"


def run_link(tracking_uri: str, experiment_id: str, run_id: str) -> str:
    """The MLflow UI page of a run, or the ``mlflow ui`` command for a local store."""
    tracking_uri = shown_uri(tracking_uri)
    if is_remote(tracking_uri):
        return f"{tracking_uri.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"
    return f"mlflow ui --backend-store-uri {tracking_uri}  (then run {run_id})"
