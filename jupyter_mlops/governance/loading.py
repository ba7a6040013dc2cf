"""``jupyter_mlops.load_model``: load a registered version and record that it is in use.

The zombie check lists versions never evaluated nor loaded since registration. MLflow keeps no
record of loads, so loading through this function stamps the version's
``mlops.monitor.loaded_at`` tag; a model served elsewhere can stamp it the same way.
"""

from __future__ import annotations

import importlib
import time
import warnings
from collections.abc import Callable
from typing import Any

from ..config import get_settings
from ..errors import InvalidParameterError, ModelLoadRefusedError
from ..tags import FLAVOR, LOADED_AT, SERIALIZATION
from ..tracking import get_client
from ..tracking.client import fluent_tracking_uri
from .target import resolve_version


def load_model(target: str, *, flavor: str = "pyfunc", tracking_uri: str | None = None) -> Any:
    """Load the model version ``target`` names and mark it loaded now.

    Parameters
    ----------
    target
        ``NAME`` (its champion, else its latest version), ``NAME@ALIAS``, ``NAME/VERSION`` or
        ``models:/...``.
    flavor
        The MLflow flavor module to load with: ``pyfunc`` (default), ``sklearn``, ...

    Returns
    -------
    The model as that flavor's ``load_model`` returns it.
    """
    if not flavor.isidentifier():
        raise InvalidParameterError(
            f"flavor must be an MLflow flavor such as 'pyfunc', got {flavor!r}."
        )
    try:
        module = importlib.import_module(f"mlflow.{flavor}")
    except ImportError:
        raise InvalidParameterError(
            f"MLflow has no flavor {flavor!r}; use 'pyfunc' or the flavor the model was logged with."
        ) from None
    uri = get_settings(tracking_uri).tracking_uri
    client = get_client(uri)
    version = resolve_version(client, target)
    with fluent_tracking_uri(uri):
        model = deserialize(module.load_model, f"models:/{version.name}/{version.version}", version)
    try:
        client.set_model_version_tag(
            version.name, version.version, LOADED_AT, str(int(time.time() * 1000))
        )
    except Exception as exc:  # noqa: BLE001 - the model is loaded: losing the stamp must not lose the load
        warnings.warn(
            f"Loaded {version.name} v{version.version} but could not record the load ({exc}).",
            stacklevel=2,
        )
    return model


PICKLE_SWITCH = "MLFLOW_ALLOW_PICKLE_DESERIALIZATION"


def deserialize(load: Callable[[str], Any], where: str, version: Any) -> Any:
    """``load(where)``, with MLflow's refusal to deserialize said as what to do about it.

    MLflow gates every format that runs Python code on load (pickle, cloudpickle, and skops
    too, since a model's own ``MLmodel`` lists the types skops trusts) behind
    ``MLFLOW_ALLOW_PICKLE_DESERIALIZATION``.
    """
    from mlflow.exceptions import MlflowException

    try:
        return load(where)
    except MlflowException as exc:
        if PICKLE_SWITCH not in str(exc):
            raise
        tags = dict(version.tags or {})
        saved = (
            " ".join(part for part in (tags.get(FLAVOR), tags.get(SERIALIZATION)) if part)
            or "a format that runs Python code when loaded"
        )
        raise ModelLoadRefusedError(
            f"MLflow refuses to load {version.name} version {version.version}: it is saved as "
            f"{saved}, and {PICKLE_SWITCH} is not 'true' here. If you trust where this version "
            f"came from (who could write to its registry and artifacts), set {PICKLE_SWITCH}=true "
            "in the environment that loads it; otherwise load a version saved in a format "
            "that needs no Python deserialization (xgboost, lightgbm Booster and catboost "
            "native files).",
            name=str(version.name),
            version=str(version.version),
        ) from None
