"""Executors by name, resolved lazily through the ``jupyter_mlops.executors`` entry points."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any, Protocol

from ..config import Settings
from ..errors import ConfigError

BUILTIN = {
    "local": "jupyter_mlops.jobs.local:LocalExecutor",
    "dask": "jupyter_mlops.jobs.dask_executor:DaskExecutor",
}


class Executor(Protocol):
    name: str

    def submit(
        self,
        run_id: str,
        settings: Settings,
        prestarted: Any = None,
        tags: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Start ``run_job(run_id)`` somewhere; return facts to tag on the run.

        ``prestarted`` is what this executor's optional ``prestart(settings, kernel_name, cwd)``
        returned: a job process started before the run existed, to be handed this run.
        ``tags`` are the run's tags when the caller just created it (saves reading the run).
        """

    def cancel(self, run: Any, settings: Settings) -> bool:
        """Stop a running job now, if this executor can; True when a stop was sent."""

    @classmethod
    def supported_features(cls) -> dict[str, bool]:
        """What the UI may offer for jobs on this executor."""


def available() -> dict[str, str]:
    names = dict(BUILTIN)
    for ep in entry_points(group="jupyter_mlops.executors"):
        names[ep.name] = ep.value
    return names


def get_executor(name: str) -> Executor:
    """The executor registered as ``name`` (``dask://HOST:PORT`` selects ``dask``)."""
    key, _, address = name.partition("://")
    known = available()
    if key not in known:
        raise ConfigError(
            f"Unknown executor {name!r}. Valid executors: {', '.join(sorted(known))}.",
            valid=sorted(known),
        )
    module, _, attr = known[key].partition(":")
    import importlib

    cls = getattr(importlib.import_module(module), attr)
    return cls(address) if address else cls()
