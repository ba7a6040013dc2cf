"""Executors by name, resolved lazily through the ``jupyter_mlops.executors`` entry points.

``local`` runs each job in a detached process on this machine (:mod:`.local`, whose process
entry is :mod:`.local_process`); ``dask`` runs it as a task on a Dask cluster (:mod:`.dask`).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from ...errors import ConfigError
from .base import FEATURES, Executor

if TYPE_CHECKING:
    from ...tracking import Store

__all__ = ["FEATURES", "Executor", "available", "executor_class", "get_executor", "reap_orphans"]

BUILTIN = {
    "local": "jupyter_mlops.jobs.executors.local:LocalExecutor",
    "dask": "jupyter_mlops.jobs.executors.dask:DaskExecutor",
}


def available() -> dict[str, str]:
    """Executor names and where their classes are (``module:Class``)."""
    return dict(_registered())


@cache
def _registered() -> tuple[tuple[str, str], ...]:
    # Read once per process: entry points are scanned from every installed distribution.
    names = dict(BUILTIN)
    for ep in entry_points(group="jupyter_mlops.executors"):
        names[ep.name] = ep.value
    return tuple(names.items())


@cache
def executor_class(key: str) -> type[Executor]:
    """The class registered as ``key``; an error listing the valid names otherwise."""
    known = available()
    if key not in known:
        raise _unknown(key, known)
    module, _, attr = known[key].partition(":")
    cls = getattr(importlib.import_module(module), attr)
    if not (isinstance(cls, type) and issubclass(cls, Executor)):
        raise ConfigError(
            f"Executor {key!r} ({known[key]}) is not a jupyter_mlops.jobs.executors.Executor."
        )
    return cls


def get_executor(name: str) -> Executor:
    """The executor registered as ``name`` (``dask://HOST:PORT`` selects ``dask``)."""
    key, _, address = name.partition("://")
    known = available()
    if key not in known:
        raise _unknown(name, known)
    cls = executor_class(key)
    return cls(address) if address else cls()  # type: ignore[call-arg]


def _unknown(name: str, known: dict[str, str]) -> ConfigError:
    return ConfigError(
        f"Unknown executor {name!r}. Valid executors: {', '.join(sorted(known))}.",
        valid=sorted(known),
    )


def reap_orphans(store: Store, runs: Sequence[Any]) -> list[Any]:
    """``runs``, read again where their executor found a job lost and marked it FAILED."""
    fresh = list(runs)
    keys = {_key_of(run) for run in fresh}
    for key in sorted(keys):
        try:
            cls = executor_class(key)
        except ConfigError:
            continue  # an executor not installed here cannot tell; its runs stay as they are
        mine = [i for i, run in enumerate(fresh) if _key_of(run) == key]
        reaped = cls.reap_orphans(store, [fresh[i] for i in mine])
        for i, run in zip(mine, reaped, strict=True):
            fresh[i] = run
    return fresh


def _key_of(run: Any) -> str:
    from .. import spec

    return str(run.data.tags.get(spec.EXECUTOR, "local")).split("://")[0]
