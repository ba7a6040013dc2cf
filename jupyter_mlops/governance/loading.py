"""``jupyter_mlops.load_model``: load a registered version and record that it is in use.

The zombie check lists versions never evaluated nor loaded since registration. MLflow keeps no
record of loads, so loading through this function stamps the version's
``mlops.monitor.loaded_at`` tag; a model served elsewhere can stamp it the same way.
"""

from __future__ import annotations

import importlib
import time
import warnings
from typing import Any

from ..config import get_settings
from ..errors import InvalidParameterError
from ..tags import LOADED_AT
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
        model = module.load_model(f"models:/{version.name}/{version.version}")
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
