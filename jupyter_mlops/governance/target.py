"""Which model version a user means: ``NAME``, ``NAME@ALIAS``, ``NAME/VERSION``, ``models:/...``."""

from __future__ import annotations

from typing import Any

from ..errors import NotFoundError
from ..tracking import filter_literal


def resolve_version(client: Any, target: str) -> Any:
    """The ``ModelVersion`` named by ``target``; a bare name means its champion, else latest."""
    from mlflow.exceptions import MlflowException

    text = target.removeprefix("models:/")
    name, alias = text.split("@", 1) if "@" in text else (text, None)
    name, _, number = name.partition("/")
    try:
        if alias:
            return client.get_model_version_by_alias(name, alias)
        if number:
            return client.get_model_version(name, number)
        aliases = client.get_registered_model(name).aliases
    except MlflowException as exc:
        raise NotFoundError(
            f"No model version {target!r}: give NAME, NAME@ALIAS or NAME/VERSION of a registered "
            "model (`jupyter mlops models` lists them)."
        ) from exc
    if "champion" in aliases:
        return client.get_model_version(name, str(aliases["champion"]))
    versions = client.search_model_versions(f"name={filter_literal(name)}")
    if not versions:
        raise NotFoundError(f"Registered model {name!r} has no versions yet.")
    return max(versions, key=lambda v: int(v.version))
